/*
 * Unit tests for src/x509. Expected values come from Go's crypto/x509 and client-go behaviour
 * (error strings, name and SAN formatting, GenerateSelfSignedCertKey's shape) and are
 * cross-checked with the real `openssl` command line (x509 -text, verify, asn1parse) in a
 * temporary directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "util/buf.h"
#include "util/limits.h"
#include "x509/x509.h"

/* Fixed instants (date -u -d @N): 2023-11-14T22:13:20Z and one day later. */
#define T0 ((time_t)1700000000)
#define DAY ((int64_t)86400)

static char tmpdir[64];

/* ---- helpers ---- */

static char *path_in_tmp(const char *name)
{
    static char p[4][256];
    static int i;
    i = (i + 1) % 4;
    snprintf(p[i], sizeof(p[i]), "%s/%s", tmpdir, name);
    return p[i];
}

/* Runs a shell command, capturing stdout+stderr into out (if given); returns the exit status. */
static int run(struct buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int run(struct buf *out, const char *fmt, ...)
{
    char cmd[2048], chunk[4096];
    va_list ap;
    FILE *f;
    size_t n;
    int st;

    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    strncat(cmd, " 2>&1", sizeof(cmd) - strlen(cmd) - 1);
    f = popen(cmd, "r");
    assert_non_null(f);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        if (out)
            assert_int_equal(buf_append(out, chunk, n), 0);
    st = pclose(f);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static struct x509_key *ec_key(void)
{
    struct x509_key *k = NULL;
    char err[KG_ERRBUF];
    assert_int_equal(x509_key_new_ec(&k, KG_X509_P256, err, sizeof(err)), 0);
    return k;
}

static struct x509_cert *sign(const struct x509_template *t, const struct x509_key *k,
                              const struct x509_cert *issuer, const struct x509_key *ik)
{
    struct x509_cert *c = NULL;
    char err[KG_ERRBUF] = "";
    int rc = x509_cert_sign(&c, t, k, issuer, ik, err, sizeof(err));
    if (rc != 0)
        fail_msg("x509_cert_sign: %d %s", rc, err);
    assert_int_equal(ERR_peek_error(), 0);
    return c;
}

static struct x509_cert *make_ca(const char *cn, const struct x509_key *k, time_t nb, int64_t dur)
{
    struct x509_template t = {
        .subject = { .cn = cn }, .is_ca = 1, .not_before = nb, .duration_s = dur
    };
    return sign(&t, k, NULL, NULL);
}

static void write_cert(const char *name, const struct x509_cert *c)
{
    char err[KG_ERRBUF];
    struct x509_cert *v[1] = { (struct x509_cert *)c };
    assert_int_equal(x509_write_certs(path_in_tmp(name), v, 1, err, sizeof(err)), 0);
}

static int verify(const struct x509_cert *leaf, const struct x509_cert *root,
                  const struct x509_cert *inter, enum x509_usage usage, const char *host,
                  time_t now, char *err, size_t errlen)
{
    struct x509_pool *roots = x509_pool_new(), *inters = x509_pool_new();
    struct x509_verify_opts o = {
        .roots = roots, .intermediates = inters, .usage = usage, .host = host, .now = now
    };
    int rc;

    err[0] = '\0';
    assert_int_equal(x509_pool_add(roots, root, err, errlen), 0);
    if (inter)
        assert_int_equal(x509_pool_add(inters, inter, err, errlen), 0);
    rc = x509_verify(leaf, &o, err, errlen);
    assert_int_equal(ERR_peek_error(), 0);
    x509_pool_free(roots);
    x509_pool_free(inters);
    return rc;
}

/* ---- fixtures shared by the tests (ECDSA: fast) ---- */

static struct x509_key *g_ca_key, *g_leaf_key;
static struct x509_cert *g_ca;

static int group_setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/kg-x509-XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    g_ca_key = ec_key();
    g_leaf_key = ec_key();
    g_ca = make_ca("kubernetes", g_ca_key, 0, 0);
    return 0;
}

static int group_teardown(void **state)
{
    char cmd[128];
    (void)state;
    x509_cert_free(g_ca);
    x509_key_free(g_ca_key);
    x509_key_free(g_leaf_key);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- keys ---- */

static void test_key_generate(void **state)
{
    struct x509_key *k = NULL;
    char err[KG_ERRBUF];
    (void)state;

    assert_int_equal(x509_key_new_rsa(&k, 512, err, sizeof(err)), -EINVAL);
    assert_null(k);
    assert_non_null(strstr(err, "RSA key size 512"));
    assert_int_equal(x509_key_new_rsa(&k, 16384, err, sizeof(err)), -EINVAL);
    assert_int_equal(x509_key_new_ec(&k, (enum x509_curve)9, err, sizeof(err)), -EINVAL);

    assert_int_equal(x509_key_new_rsa(&k, 1024, err, sizeof(err)), 0);
    assert_int_equal(x509_key_type(k), KG_X509_KEY_RSA);
    assert_int_equal(x509_key_bits(k), 1024);
    x509_key_free(k);

    static const struct {
        enum x509_curve c;
        int bits;
    } curves[] = { { KG_X509_P256, 256 }, { KG_X509_P384, 384 }, { KG_X509_P521, 521 } };
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(x509_key_new_ec(&k, curves[i].c, err, sizeof(err)), 0);
        assert_int_equal(x509_key_type(k), KG_X509_KEY_EC);
        assert_int_equal(x509_key_bits(k), curves[i].bits);
        x509_key_free(k);
    }
    x509_key_free(NULL);
}

static void test_key_pem_round_trip(void **state)
{
    struct x509_key *rsa = NULL, *back = NULL;
    struct buf b;
    char err[KG_ERRBUF];
    (void)state;

    buf_init(&b, 1 << 20);
    assert_int_equal(x509_key_new_rsa(&rsa, 1024, err, sizeof(err)), 0);
    /* keyutil writes RSA keys as PKCS#1 and EC keys as SEC1 */
    assert_int_equal(x509_key_pem(rsa, KG_X509_KEY_TRADITIONAL, &b, err, sizeof(err)), 0);
    assert_true(strncmp(buf_str(&b), "-----BEGIN RSA PRIVATE KEY-----\n", 32) == 0);
    assert_int_equal(x509_key_parse(&back, b.ptr, b.len, err, sizeof(err)), 0);
    assert_int_equal(EVP_PKEY_eq(x509_key_evp(back), x509_key_evp(rsa)), 1);
    x509_key_free(back);

    buf_reset(&b);
    assert_int_equal(x509_key_pem(g_leaf_key, KG_X509_KEY_TRADITIONAL, &b, err, sizeof(err)), 0);
    assert_true(strncmp(buf_str(&b), "-----BEGIN EC PRIVATE KEY-----\n", 31) == 0);
    assert_int_equal(x509_key_parse(&back, b.ptr, b.len, err, sizeof(err)), 0);
    assert_int_equal(EVP_PKEY_eq(x509_key_evp(back), x509_key_evp(g_leaf_key)), 1);
    x509_key_free(back);
    /* SEC1 with the named curve and the public key, as Go's MarshalECPrivateKey */
    assert_int_equal(x509_write_key(path_in_tmp("ec.key"), g_leaf_key, err, sizeof(err)), 0);
    struct buf o;
    buf_init(&o, 1 << 20);
    assert_int_equal(run(&o, "openssl asn1parse -in %s", path_in_tmp("ec.key")), 0);
    assert_non_null(strstr(buf_str(&o), "prime256v1"));
    assert_non_null(strstr(buf_str(&o), "cont [ 1 ]"));
    buf_cleanup(&o);

    buf_reset(&b);
    assert_int_equal(x509_key_pem(rsa, KG_X509_KEY_PKCS8, &b, err, sizeof(err)), 0);
    assert_true(strncmp(buf_str(&b), "-----BEGIN PRIVATE KEY-----\n", 28) == 0);
    assert_int_equal(x509_key_parse(&back, b.ptr, b.len, err, sizeof(err)), 0);
    assert_int_equal(EVP_PKEY_eq(x509_key_evp(back), x509_key_evp(rsa)), 1);
    x509_key_free(back);

    /* too small an output buffer */
    struct buf tiny;
    buf_init(&tiny, 16);
    assert_int_equal(x509_key_pem(rsa, KG_X509_KEY_PKCS8, &tiny, err, sizeof(err)), -E2BIG);
    assert_int_equal(tiny.len, 0);
    buf_cleanup(&tiny);
    assert_int_equal(ERR_peek_error(), 0);
    x509_key_free(rsa);
    buf_cleanup(&b);
}

static void test_key_parse_openssl_forms(void **state)
{
    struct x509_key *k = NULL;
    struct buf b;
    char err[KG_ERRBUF];
    (void)state;

    buf_init(&b, 1 << 20);
    /* `openssl ecparam -genkey` emits an "EC PARAMETERS" block first: skipped like keyutil */
    assert_int_equal(run(&b, "openssl ecparam -name prime256v1 -genkey"), 0);
    assert_non_null(strstr(buf_str(&b), "EC PARAMETERS"));
    assert_int_equal(x509_key_parse(&k, b.ptr, b.len, err, sizeof(err)), 0);
    assert_int_equal(x509_key_type(k), KG_X509_KEY_EC);
    x509_key_free(k);

    /* PKCS#8 RSA from openssl genpkey */
    buf_reset(&b);
    assert_int_equal(run(&b, "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024"), 0);
    assert_int_equal(x509_key_parse(&k, b.ptr, b.len, err, sizeof(err)), 0);
    assert_int_equal(x509_key_bits(k), 1024);
    x509_key_free(k);

    /* encrypted: refused, never prompts */
    buf_reset(&b);
    assert_int_equal(run(&b, "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
                             "-aes256 -pass pass:secret"),
                     0);
    assert_int_equal(x509_key_parse(&k, b.ptr, b.len, err, sizeof(err)), -EINVAL);
    assert_null(k);
    assert_string_equal(err, "data does not contain a valid RSA or ECDSA private key (encrypted "
                             "keys are not supported)");

    /* Ed25519 is not a key Kubernetes' keyutil loads */
    buf_reset(&b);
    assert_int_equal(run(&b, "openssl genpkey -algorithm ed25519"), 0);
    assert_int_equal(x509_key_parse(&k, b.ptr, b.len, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "data does not contain a valid RSA or ECDSA private key");

    /* a certificate is not a key; nothing at all is not a key */
    buf_reset(&b);
    assert_int_equal(x509_cert_pem(g_ca, &b, err, sizeof(err)), 0);
    assert_int_equal(x509_key_parse(&k, b.ptr, b.len, err, sizeof(err)), -EINVAL);
    assert_int_equal(x509_key_parse(&k, "", 0, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "data does not contain a valid RSA or ECDSA private key");
    /* a PKCS#1 label around SEC1 bytes does not parse */
    static const char wrong[] = "-----BEGIN RSA PRIVATE KEY-----\nMAMCAQE=\n"
                                "-----END RSA PRIVATE KEY-----\n";
    assert_int_equal(x509_key_parse(&k, wrong, sizeof(wrong) - 1, err, sizeof(err)), -EINVAL);
    /* size limit checked before reading */
    assert_int_equal(x509_key_parse(&k, "x", (size_t)KG_MAX_CONFIG_FILE + 1, err, sizeof(err)),
                     -E2BIG);
    assert_int_equal(ERR_peek_error(), 0);
    buf_cleanup(&b);
}

/* ---- certificates ---- */

/* The serving certificate of `kgauge certs serving`, checked by `openssl x509 -text`. */
static void test_serving_cert_openssl_text(void **state)
{
    static const char *const dns[] = { "metrics-server.kube-system.svc",
                                       "metrics-server.kube-system.svc.cluster.local" };
    static const char *const ips[] = { "10.96.0.10", "fd00::1" };
    struct x509_template t = {
        .subject = { .cn = "metrics-server" },
        .ext_key_usage = KG_X509_EKU_SERVER_AUTH,
        .dns = dns,
        .n_dns = 2,
        .ips = ips,
        .n_ips = 2,
    };
    struct x509_cert *leaf = sign(&t, g_leaf_key, g_ca, g_ca_key);
    struct buf o;
    const char *s;
    (void)state;

    write_cert("serving-ca.crt", g_ca);
    write_cert("serving.crt", leaf);
    buf_init(&o, 1 << 20);
    assert_int_equal(run(&o, "openssl x509 -noout -text -in %s", path_in_tmp("serving.crt")), 0);
    s = buf_str(&o);
    assert_non_null(strstr(s, "Version: 3 (0x2)"));
    assert_non_null(strstr(s, "Signature Algorithm: ecdsa-with-SHA256"));
    assert_non_null(strstr(s, "Issuer: CN = kubernetes"));
    assert_non_null(strstr(s, "Subject: CN = metrics-server"));
    assert_non_null(strstr(s, "X509v3 Key Usage: critical\n                Digital Signature, "
                              "Key Encipherment\n"));
    assert_non_null(strstr(s, "X509v3 Extended Key Usage: \n                TLS Web Server "
                              "Authentication\n"));
    assert_non_null(strstr(s, "X509v3 Basic Constraints: critical\n                CA:FALSE\n"));
    assert_non_null(strstr(s, "DNS:metrics-server.kube-system.svc, "
                              "DNS:metrics-server.kube-system.svc.cluster.local, "
                              "IP Address:10.96.0.10, IP Address:FD00:0:0:0:0:0:0:1\n"));
    assert_null(strstr(s, "Subject Key Identifier")); /* Go writes SKI on CAs only */
    /* not critical: the subject is not empty */
    assert_non_null(strstr(s, "X509v3 Subject Alternative Name: \n"));

    buf_reset(&o);
    assert_int_equal(run(&o, "openssl x509 -noout -text -in %s", path_in_tmp("serving-ca.crt")), 0);
    s = buf_str(&o);
    assert_non_null(strstr(s, "X509v3 Basic Constraints: critical\n                CA:TRUE\n"));
    assert_non_null(strstr(s, "Digital Signature, Key Encipherment, Certificate Sign\n"));
    assert_null(strstr(s, "Authority Key Identifier")); /* self-signed: none, as Go */
    /* the leaf's AKI is the CA's SKI */
    const char *ski = strstr(s, "X509v3 Subject Key Identifier: \n");
    assert_non_null(ski);
    char skid[128];
    assert_int_equal(sscanf(ski + strlen("X509v3 Subject Key Identifier: \n"), " %127s", skid), 1);
    buf_reset(&o);
    assert_int_equal(run(&o, "openssl x509 -noout -text -in %s", path_in_tmp("serving.crt")), 0);
    assert_non_null(strstr(buf_str(&o), skid));

    /* the real verifier agrees, with the purpose asked for */
    buf_reset(&o);
    assert_int_equal(run(&o, "openssl verify -purpose sslserver -CAfile %s %s",
                         path_in_tmp("serving-ca.crt"), path_in_tmp("serving.crt")),
                     0);
    assert_non_null(strstr(buf_str(&o), ": OK"));
    assert_int_not_equal(run(NULL, "openssl verify -purpose sslclient -CAfile %s %s",
                             path_in_tmp("serving-ca.crt"), path_in_tmp("serving.crt")),
                         0);
    assert_int_equal(run(NULL,
                         "openssl verify -CAfile %s -verify_hostname "
                         "metrics-server.kube-system.svc -verify_ip 10.96.0.10 %s",
                         path_in_tmp("serving-ca.crt"), path_in_tmp("serving.crt")),
                     0);
    buf_cleanup(&o);
    x509_cert_free(leaf);
}

/* SKI = SHA-1 of the subjectPublicKey bits (RFC 5280 method 1), computed here from the SPKI. */
static void test_ski_is_sha1_of_public_key(void **state)
{
    unsigned char *spki = NULL, md[20];
    unsigned int mdlen = 0;
    int len;
    (void)state;

    len = i2d_PUBKEY(x509_key_evp(g_ca_key), &spki);
    /* P-256 SPKI: 26 bytes of header, then the 65-byte uncompressed point */
    assert_int_equal(len, 91);
    assert_int_equal(spki[26], 0x04);
    assert_int_equal(EVP_Digest(spki + 26, 65, md, &mdlen, EVP_sha1(), NULL), 1);
    const ASN1_OCTET_STRING *skid = X509_get0_subject_key_id(x509_cert_x509(g_ca));
    assert_non_null(skid);
    assert_int_equal(ASN1_STRING_length(skid), 20);
    assert_memory_equal(ASN1_STRING_get0_data(skid), md, 20);
    OPENSSL_free(spki);
}

/* Extension order and criticality as Go's buildCertExtensions writes them. */
static void test_extension_order(void **state)
{
    static const char *const ips[] = { "127.0.0.1" };
    struct x509_template t = {
        .subject = { .cn = "x" }, .ext_key_usage = KG_X509_EKU_SERVER_AUTH, .ips = ips, .n_ips = 1
    };
    struct x509_cert *leaf = sign(&t, g_leaf_key, g_ca, g_ca_key);
    static const int want_leaf[] = { NID_key_usage, NID_ext_key_usage, NID_basic_constraints,
                                     NID_authority_key_identifier, NID_subject_alt_name };
    static const int crit_leaf[] = { 1, 0, 1, 0, 0 };
    static const int want_ca[] = { NID_key_usage, NID_basic_constraints,
                                   NID_subject_key_identifier };
    static const int crit_ca[] = { 1, 1, 0 };
    X509 *x = x509_cert_x509(leaf);
    (void)state;

    assert_int_equal(X509_get_ext_count(x), 5);
    for (int i = 0; i < 5; i++) {
        X509_EXTENSION *e = X509_get_ext(x, i);
        assert_int_equal(OBJ_obj2nid(X509_EXTENSION_get_object(e)), want_leaf[i]);
        assert_int_equal(X509_EXTENSION_get_critical(e), crit_leaf[i]);
    }
    x = x509_cert_x509(g_ca);
    assert_int_equal(X509_get_ext_count(x), 3);
    for (int i = 0; i < 3; i++) {
        X509_EXTENSION *e = X509_get_ext(x, i);
        assert_int_equal(OBJ_obj2nid(X509_EXTENSION_get_object(e)), want_ca[i]);
        assert_int_equal(X509_EXTENSION_get_critical(e), crit_ca[i]);
    }
    x509_cert_free(leaf);

    /* an empty subject makes the SAN extension critical (RFC 5280 4.2.1.6, as Go) */
    struct x509_template e = { .ips = ips, .n_ips = 1 };
    leaf = sign(&e, g_leaf_key, g_ca, g_ca_key);
    x = x509_cert_x509(leaf);
    int idx = X509_get_ext_by_NID(x, NID_subject_alt_name, -1);
    assert_true(idx >= 0);
    assert_int_equal(X509_EXTENSION_get_critical(X509_get_ext(x, idx)), 1);
    x509_cert_free(leaf);
}

/* Subject: Go's pkix order and multi-valued RDNs, PrintableString vs UTF8String. */
static void test_subject_encoding(void **state)
{
    struct x509_template t = {
        .subject = { .cn = "kubernetes-admin@a",
                     .o = { "system:masters", "system:nodes" },
                     .ou = { "System" },
                     .c = { "CN" },
                     .st = { "BeiJing" },
                     .l = { "BeiJing" } },
        .ext_key_usage = KG_X509_EKU_CLIENT_AUTH,
    };
    struct x509_cert *c = sign(&t, g_leaf_key, g_ca, g_ca_key);
    struct x509_info info;
    struct buf o;
    char err[KG_ERRBUF];
    (void)state;

    write_cert("subject.crt", c);
    buf_init(&o, 1 << 20);
    assert_int_equal(run(&o, "openssl x509 -noout -subject -in %s", path_in_tmp("subject.crt")), 0);
    /* the values of one RDN are a DER SET OF: sorted by encoding, the shorter one first (X.690
     * 11.6; Go's asn1 setEncoder sorts the same way) */
    assert_string_equal(buf_str(&o),
                        "subject=C = CN, ST = BeiJing, L = BeiJing, O = system:nodes "
                        "+ O = system:masters, OU = System, CN = kubernetes-admin@a\n");
    buf_reset(&o);
    /* '@' is outside PrintableString: UTF8String; the rest PrintableString */
    assert_int_equal(run(&o, "openssl asn1parse -in %s | grep -A1 commonName | tail -1",
                         path_in_tmp("subject.crt")),
                     0);
    assert_non_null(strstr(buf_str(&o), "UTF8STRING        :kubernetes-admin@a"));
    buf_reset(&o);
    assert_int_equal(run(&o,
                         "openssl asn1parse -in %s | grep -A1 organizationName | grep -c "
                         "PRINTABLESTRING",
                         path_in_tmp("subject.crt")),
                     0);
    assert_string_equal(buf_str(&o), "2\n");
    buf_cleanup(&o);

    assert_int_equal(x509_cert_info(c, &info, err, sizeof(err)), 0);
    /* pkix.Name.String(): RDNs reversed, '+' inside a multi-valued RDN */
    assert_string_equal(info.subject, "CN=kubernetes-admin@a,OU=System,O=system:nodes+O=system:"
                                      "masters,L=BeiJing,ST=BeiJing,C=CN");
    assert_string_equal(info.issuer, "CN=kubernetes");
    assert_string_equal(info.cn, "kubernetes-admin@a");
    assert_int_equal(info.n_o, 2);
    assert_string_equal(info.o[0], "system:nodes");
    assert_string_equal(info.o[1], "system:masters");
    assert_int_equal(info.n_ou, 1);
    assert_int_equal(info.ext_key_usage, KG_X509_EKU_CLIENT_AUTH);
    assert_int_equal(info.key_usage, KG_X509_KU_DIGITAL_SIGNATURE | KG_X509_KU_KEY_ENCIPHERMENT);
    assert_false(info.is_ca);
    x509_info_cleanup(&info);
    x509_cert_free(c);

    /* RFC 2253 escaping as Go does it */
    struct x509_template e = { .subject = { .cn = " lead,comma+\"q\"#end ", .o = { "#x" } } };
    c = sign(&e, g_leaf_key, g_ca, g_ca_key);
    assert_int_equal(x509_cert_info(c, &info, err, sizeof(err)), 0);
    assert_string_equal(info.subject, "CN=\\ lead\\,comma\\+\\\"q\\\"#end\\ ,O=\\#x");
    x509_info_cleanup(&info);
    x509_cert_free(c);

    /* invalid UTF-8 is refused, as Go's asn1 marshaller does */
    struct x509_template bad = { .subject = { .cn = "\xc3\x28" } };
    assert_int_equal(x509_cert_sign(&c, &bad, g_leaf_key, g_ca, g_ca_key, err, sizeof(err)),
                     -EINVAL);
    assert_null(c);
    assert_non_null(strstr(err, "not valid UTF-8"));
    assert_int_equal(ERR_peek_error(), 0);
}

static void test_info_ips_serial_times(void **state)
{
    static const char *const ips[] = { "127.0.0.1", "::1", "::ffff:10.1.2.3",
                                       "2001:db8:0:0:1:0:0:1", "fe80::" };
    struct x509_template t = { .subject = { .cn = "ip" },
                               .ips = ips,
                               .n_ips = 5,
                               .not_before = T0,
                               .duration_s = DAY,
                               .serial = 1234567 };
    struct x509_cert *c = sign(&t, g_leaf_key, g_ca, g_ca_key);
    struct x509_info info;
    char err[KG_ERRBUF], hex[65];
    struct buf o;
    (void)state;

    assert_int_equal(x509_cert_info(c, &info, err, sizeof(err)), 0);
    assert_int_equal(info.n_ips, 5);
    /* net.IP.String(); an IPv4-mapped address is written as 4 bytes, like Go's To4() */
    assert_string_equal(info.ips[0], "127.0.0.1");
    assert_string_equal(info.ips[1], "::1");
    assert_string_equal(info.ips[2], "10.1.2.3");
    assert_string_equal(info.ips[3], "2001:db8::1:0:0:1");
    assert_string_equal(info.ips[4], "fe80::");
    assert_int_equal(info.n_dns, 0);
    assert_string_equal(info.serial, "1234567");
    assert_int_equal(info.not_before, T0);
    assert_int_equal(info.not_after, T0 + DAY);
    assert_int_equal(x509_cert_not_after(c), T0 + DAY);

    /* the fingerprint openssl prints */
    write_cert("fp.crt", c);
    buf_init(&o, 4096);
    assert_int_equal(run(&o,
                         "openssl x509 -noout -fingerprint -sha256 -in %s | tr -d ':' | "
                         "tr A-F a-f | cut -d= -f2",
                         path_in_tmp("fp.crt")),
                     0);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", info.sha256[i]);
    assert_memory_equal(buf_str(&o), hex, 64);
    buf_cleanup(&o);
    x509_info_cleanup(&info);
    x509_cert_free(c);

    /* random serials: 128 bits, positive, distinct */
    struct x509_template r = { .subject = { .cn = "r" } };
    struct x509_cert *a = sign(&r, g_leaf_key, g_ca, g_ca_key);
    struct x509_cert *b = sign(&r, g_leaf_key, g_ca, g_ca_key);
    struct x509_info ia, ib;
    assert_int_equal(x509_cert_info(a, &ia, err, sizeof(err)), 0);
    assert_int_equal(x509_cert_info(b, &ib, err, sizeof(err)), 0);
    assert_string_not_equal(ia.serial, ib.serial);
    assert_true(strlen(ia.serial) >= 30 && ia.serial[0] != '-');
    /* default validity: from now - 1 h, for one year */
    time_t now = time(NULL);
    assert_true(ia.not_before >= now - 3600 - 5 && ia.not_before <= now - 3600 + 5);
    assert_int_equal(ia.not_after - ia.not_before, 365 * 86400);
    x509_info_cleanup(&ia);
    x509_info_cleanup(&ib);
    x509_cert_free(a);
    x509_cert_free(b);
}

static void test_sign_errors(void **state)
{
    static const char *const bad_ip[] = { "10.0.0.300" };
    static const char *const bad_dns[] = { "caf\xc3\xa9.example" };
    struct x509_cert *c = NULL;
    char err[KG_ERRBUF];
    (void)state;

    struct x509_template t = { .subject = { .cn = "x" }, .ips = bad_ip, .n_ips = 1 };
    assert_int_equal(x509_cert_sign(&c, &t, g_leaf_key, g_ca, g_ca_key, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "IP SAN \"10.0.0.300\" is not an IPv4 or IPv6 address");
    struct x509_template d = { .subject = { .cn = "x" }, .dns = bad_dns, .n_dns = 1 };
    assert_int_equal(x509_cert_sign(&c, &d, g_leaf_key, g_ca, g_ca_key, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "x509: \"caf\xc3\xa9.example\" cannot be encoded as an IA5String");
    struct x509_template far = { .subject = { .cn = "x" },
                                 .not_before = T0,
                                 .duration_s = 9000LL * 365 * 86400 };
    assert_int_equal(x509_cert_sign(&c, &far, g_leaf_key, g_ca, g_ca_key, err, sizeof(err)),
                     -EINVAL);
    assert_non_null(strstr(err, "year 9999"));
    struct x509_template eku = { .subject = { .cn = "x" }, .ext_key_usage = KG_X509_EKU_ANY };
    assert_int_equal(x509_cert_sign(&c, &eku, g_leaf_key, g_ca, g_ca_key, err, sizeof(err)),
                     -EINVAL);

    /* the issuer must be a CA, and the issuer key its key */
    struct x509_template leaf_t = { .subject = { .cn = "leaf" } };
    struct x509_cert *leaf = sign(&leaf_t, g_leaf_key, g_ca, g_ca_key);
    assert_int_equal(x509_cert_sign(&c, &leaf_t, g_leaf_key, leaf, g_leaf_key, err, sizeof(err)),
                     -EINVAL);
    assert_string_equal(
        err, "issuer certificate \"leaf\" is not a CA (basicConstraints CA:TRUE missing)");
    assert_int_equal(x509_cert_sign(&c, &leaf_t, g_leaf_key, g_ca, g_leaf_key, err, sizeof(err)),
                     -EINVAL);
    assert_string_equal(err, "issuer key does not match the public key of issuer certificate "
                             "\"kubernetes\"");
    assert_int_equal(x509_cert_sign(&c, &leaf_t, g_leaf_key, NULL, g_ca_key, err, sizeof(err)),
                     -EINVAL);
    assert_null(c);
    assert_int_equal(ERR_peek_error(), 0);
    x509_cert_free(leaf);
}

/* ---- parsing ---- */

static void test_bundle_parse(void **state)
{
    struct x509_template t = { .subject = { .cn = "leaf" } };
    struct x509_cert *leaf = sign(&t, g_leaf_key, g_ca, g_ca_key), **v = NULL, *one = NULL;
    struct buf b;
    size_t n = 99;
    char err[KG_ERRBUF];
    (void)state;

    buf_init(&b, 1 << 20);
    assert_int_equal(buf_appends(&b, "comment line before\n"), 0);
    assert_int_equal(x509_cert_pem(leaf, &b, err, sizeof(err)), 0);
    assert_int_equal(buf_appends(&b, "text between blocks\n"), 0);
    assert_int_equal(x509_key_pem(g_leaf_key, KG_X509_KEY_TRADITIONAL, &b, err, sizeof(err)), 0);
    /* a CERTIFICATE block with headers is skipped, like client-go's ParseCertsPEM */
    assert_int_equal(buf_appends(&b, "-----BEGIN CERTIFICATE-----\nX-Header: 1\n\nMAMCAQE=\n"
                                     "-----END CERTIFICATE-----\n"),
                     0);
    assert_int_equal(x509_cert_pem(g_ca, &b, err, sizeof(err)), 0);
    assert_int_equal(x509_certs_parse(&v, &n, b.ptr, b.len, err, sizeof(err)), 0);
    assert_int_equal(n, 2);
    unsigned char h1[32], h2[32];
    x509_cert_sha256(v[0], h1);
    x509_cert_sha256(leaf, h2);
    assert_memory_equal(h1, h2, 32);
    x509_cert_sha256(v[1], h1);
    x509_cert_sha256(g_ca, h2);
    assert_memory_equal(h1, h2, 32);
    x509_certs_free(v, n);

    /* the first certificate of a cert-plus-chain file is the leaf */
    assert_int_equal(x509_cert_parse(&one, b.ptr, b.len, err, sizeof(err)), 0);
    x509_cert_sha256(one, h1);
    x509_cert_sha256(leaf, h2);
    assert_memory_equal(h1, h2, 32);
    assert_int_equal(x509_cert_matches_key(one, g_leaf_key), 1);
    assert_int_equal(x509_cert_matches_key(one, g_ca_key), 0);
    x509_cert_free(one);

    /* nothing usable */
    assert_int_equal(x509_certs_parse(&v, &n, "hello", 5, err, sizeof(err)), -EINVAL);
    assert_null(v);
    assert_int_equal(n, 0);
    assert_string_equal(err, "data does not contain any valid RSA or ECDSA certificates");
    /* a CERTIFICATE block that is not a certificate is an error */
    static const char junk[] = "-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n";
    assert_int_equal(x509_certs_parse(&v, &n, junk, sizeof(junk) - 1, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "x509: malformed certificate"));
    /* unterminated block */
    static const char open_block[] = "-----BEGIN CERTIFICATE-----\nMAMCAQE=\n";
    assert_int_equal(x509_certs_parse(&v, &n, open_block, sizeof(open_block) - 1, err, sizeof(err)),
                     -EINVAL);
    assert_int_equal(
        x509_certs_parse(&v, &n, "x", (size_t)KG_MAX_CONFIG_FILE + 1, err, sizeof(err)), -E2BIG);

    /* DER round trip; trailing bytes are refused like Go's ParseCertificate */
    buf_reset(&b);
    assert_int_equal(x509_cert_der(leaf, &b, err, sizeof(err)), 0);
    assert_int_equal(x509_cert_parse_der(&one, b.ptr, b.len, err, sizeof(err)), 0);
    x509_cert_sha256(one, h1);
    assert_memory_equal(h1, h2, 32);
    x509_cert_free(one);
    assert_int_equal(buf_putc(&b, 0), 0);
    assert_int_equal(x509_cert_parse_der(&one, b.ptr, b.len, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "x509: trailing data");
    assert_int_equal(x509_cert_parse_der(&one, b.ptr, 10, err, sizeof(err)), -EINVAL);
    assert_int_equal(ERR_peek_error(), 0);

    struct x509_cert *dup = x509_cert_dup(leaf);
    x509_cert_free(leaf);
    x509_cert_sha256(dup, h1);
    assert_memory_equal(h1, h2, 32);
    x509_cert_free(dup);
    x509_certs_free(NULL, 0);
    buf_cleanup(&b);
}

/* ---- verification ---- */

static void test_verify_ok_and_unknown_authority(void **state)
{
    static const char *const dns[] = { "localhost" };
    struct x509_template t = {
        .subject = { .cn = "srv" }, .ext_key_usage = KG_X509_EKU_SERVER_AUTH, .dns = dns, .n_dns = 1
    };
    struct x509_cert *leaf = sign(&t, g_leaf_key, g_ca, g_ca_key);
    struct x509_key *other_key = ec_key();
    char err[KG_ERRBUF];
    (void)state;

    assert_int_equal(
        verify(leaf, g_ca, NULL, KG_X509_USAGE_SERVER, "localhost", 0, err, sizeof(err)), 0);
    assert_string_equal(err, "");

    /* another CA with the same name "kubernetes": Go adds the famous hint */
    struct x509_cert *other = make_ca("kubernetes", other_key, 0, 0);
    assert_int_equal(verify(leaf, other, NULL, KG_X509_USAGE_SERVER, NULL, 0, err, sizeof(err)),
                     -EKEYREJECTED);
    assert_string_equal(err, "x509: certificate signed by unknown authority (possibly because of "
                             "\"x509: ECDSA verification failure\" while trying to verify "
                             "candidate authority certificate \"kubernetes\")");
    x509_cert_free(other);

    /* a differently named CA: no candidate, no hint */
    other = make_ca("someone-else", other_key, 0, 0);
    assert_int_equal(verify(leaf, other, NULL, KG_X509_USAGE_SERVER, NULL, 0, err, sizeof(err)),
                     -EKEYREJECTED);
    assert_string_equal(err, "x509: certificate signed by unknown authority");
    /* and `openssl verify` rejects it too */
    write_cert("other-ca.crt", other);
    write_cert("srv.crt", leaf);
    assert_int_not_equal(run(NULL, "openssl verify -CAfile %s %s", path_in_tmp("other-ca.crt"),
                             path_in_tmp("srv.crt")),
                         0);
    x509_cert_free(other);

    /* RSA candidate with the same name */
    struct x509_key *rsa = NULL;
    assert_int_equal(x509_key_new_rsa(&rsa, 1024, err, sizeof(err)), 0);
    other = make_ca("kubernetes", rsa, 0, 0);
    struct x509_cert *rleaf = sign(&t, g_leaf_key, other, rsa);
    assert_int_equal(verify(rleaf, g_ca, NULL, KG_X509_USAGE_SERVER, NULL, 0, err, sizeof(err)),
                     -EKEYREJECTED);
    assert_string_equal(err, "x509: certificate signed by unknown authority (possibly because of "
                             "\"x509: signature algorithm specifies an RSA public key, but have "
                             "public key of type *ecdsa.PublicKey\" while trying to verify "
                             "candidate authority certificate \"kubernetes\")");
    struct x509_key *rsa2 = NULL;
    assert_int_equal(x509_key_new_rsa(&rsa2, 1024, err, sizeof(err)), 0);
    struct x509_cert *other2 = make_ca("kubernetes", rsa2, 0, 0);
    assert_int_equal(verify(rleaf, other2, NULL, KG_X509_USAGE_SERVER, NULL, 0, err, sizeof(err)),
                     -EKEYREJECTED);
    assert_string_equal(err, "x509: certificate signed by unknown authority (possibly because of "
                             "\"crypto/rsa: verification error\" while trying to verify candidate "
                             "authority certificate \"kubernetes\")");
    x509_cert_free(other2);
    x509_key_free(rsa2);
    x509_cert_free(rleaf);
    x509_cert_free(other);
    x509_key_free(rsa);

    /* a self-signed leaf trusted directly (a Go CertPool holding the cert itself) */
    struct x509_template ss = { .subject = { .cn = "self" }, .dns = dns, .n_dns = 1 };
    struct x509_cert *self = sign(&ss, g_leaf_key, NULL, NULL);
    assert_int_equal(
        verify(self, self, NULL, KG_X509_USAGE_SERVER, "localhost", 0, err, sizeof(err)), 0);
    assert_int_equal(verify(self, g_ca, NULL, KG_X509_USAGE_SERVER, NULL, 0, err, sizeof(err)),
                     -EKEYREJECTED);
    assert_string_equal(err, "x509: certificate signed by unknown authority");
    x509_cert_free(self);

    /* no roots */
    struct x509_verify_opts none = { 0 };
    assert_int_equal(x509_verify(leaf, &none, err, sizeof(err)), -EINVAL);
    x509_key_free(other_key);
    x509_cert_free(leaf);
}

static void test_verify_expiry(void **state)
{
    struct x509_template t = { .subject = { .cn = "old" }, .not_before = T0, .duration_s = DAY };
    struct x509_cert *leaf = sign(&t, g_leaf_key, g_ca, g_ca_key);
    char err[KG_ERRBUF];
    (void)state;

    /* g_ca is valid from now - 1 h: verify the old leaf against a CA valid back then */
    struct x509_key *k = ec_key();
    struct x509_cert *ca = make_ca("old-ca", k, T0 - DAY, 10 * DAY);
    x509_cert_free(leaf);
    leaf = sign(&t, g_leaf_key, ca, k);

    assert_int_equal(
        verify(leaf, ca, NULL, KG_X509_USAGE_ANY, NULL, T0 + DAY / 2, err, sizeof(err)), 0);
    assert_int_equal(
        verify(leaf, ca, NULL, KG_X509_USAGE_ANY, NULL, (time_t)1700200000, err, sizeof(err)),
        -EKEYEXPIRED);
    assert_string_equal(err, "x509: certificate has expired or is not yet valid: current time "
                             "2023-11-17T05:46:40Z is after 2023-11-15T22:13:20Z");
    assert_int_equal(verify(leaf, ca, NULL, KG_X509_USAGE_ANY, NULL, T0 - 1, err, sizeof(err)),
                     -EKEYEXPIRED);
    assert_string_equal(err, "x509: certificate has expired or is not yet valid: current time "
                             "2023-11-14T22:13:19Z is before 2023-11-14T22:13:20Z");
    /* the boundaries are inclusive, as Go's Before/After */
    assert_int_equal(verify(leaf, ca, NULL, KG_X509_USAGE_ANY, NULL, T0, err, sizeof(err)), 0);
    assert_int_equal(verify(leaf, ca, NULL, KG_X509_USAGE_ANY, NULL, T0 + DAY, err, sizeof(err)),
                     0);

    /* expired by the wall clock, checked by openssl too */
    write_cert("old-ca.crt", ca);
    write_cert("old.crt", leaf);
    struct buf o;
    buf_init(&o, 4096);
    assert_int_not_equal(
        run(&o, "openssl verify -CAfile %s %s", path_in_tmp("old-ca.crt"), path_in_tmp("old.crt")),
        0);
    assert_non_null(strstr(buf_str(&o), "certificate has expired"));
    buf_cleanup(&o);
    assert_int_equal(verify(leaf, ca, NULL, KG_X509_USAGE_ANY, NULL, 0, err, sizeof(err)),
                     -EKEYEXPIRED);
    x509_cert_free(leaf);

    /* a valid leaf under an expired CA: the CA's dates in the message */
    struct x509_template t2 = { .subject = { .cn = "young" },
                                .not_before = T0,
                                .duration_s = 100 * DAY };
    leaf = sign(&t2, g_leaf_key, ca, k);
    assert_int_equal(
        verify(leaf, ca, NULL, KG_X509_USAGE_ANY, NULL, T0 + 20 * DAY, err, sizeof(err)),
        -EKEYEXPIRED);
    assert_string_equal(err, "x509: certificate has expired or is not yet valid: current time "
                             "2023-12-04T22:13:20Z is after 2023-11-23T22:13:20Z");
    x509_cert_free(leaf);
    x509_cert_free(ca);
    x509_key_free(k);
}

static void test_verify_hostname(void **state)
{
    static const char *const dns[] = { "localhost", "*.example.com" };
    static const char *const ips[] = { "127.0.0.1", "::1" };
    struct x509_template t = {
        .subject = { .cn = "srv" }, .dns = dns, .n_dns = 2, .ips = ips, .n_ips = 2
    };
    struct x509_cert *leaf = sign(&t, g_leaf_key, g_ca, g_ca_key);
    char err[KG_ERRBUF];
    static const char *const ok[] = {
        "localhost", "LOCALHOST", "localhost.", "a.example.com",    "A.Example.COM",
        "127.0.0.1", "::1",       "[::1]",      "::ffff:127.0.0.1", "0:0:0:0:0:0:0:1"
    };
    (void)state;

    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        int rc = verify(leaf, g_ca, NULL, KG_X509_USAGE_ANY, ok[i], 0, err, sizeof(err));
        if (rc != 0)
            fail_msg("%s: %s", ok[i], err);
    }
    static const struct {
        const char *host, *msg;
    } bad[] = {
        { "example.com",
          "x509: certificate is valid for localhost, *.example.com, not example.com" },
        { "a.b.example.com",
          "x509: certificate is valid for localhost, *.example.com, not a.b.example.com" },
        { "127.0.0.2", "x509: certificate is valid for 127.0.0.1, ::1, not 127.0.0.2" },
        { "[::2]", "x509: certificate is valid for 127.0.0.1, ::1, not ::2" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(
            verify(leaf, g_ca, NULL, KG_X509_USAGE_ANY, bad[i].host, 0, err, sizeof(err)), -EPERM);
        assert_string_equal(err, bad[i].msg);
    }
    x509_cert_free(leaf);

    /* DNS-only cert asked for an IP */
    struct x509_template d = { .subject = { .cn = "srv" }, .dns = dns, .n_dns = 1 };
    leaf = sign(&d, g_leaf_key, g_ca, g_ca_key);
    assert_int_equal(verify(leaf, g_ca, NULL, KG_X509_USAGE_ANY, "10.0.0.9", 0, err, sizeof(err)),
                     -EPERM);
    assert_string_equal(err, "x509: cannot validate certificate for 10.0.0.9 because it doesn't "
                             "contain any IP SANs");
    x509_cert_free(leaf);

    /* IP-only cert asked for a name */
    struct x509_template i = { .subject = { .cn = "srv" }, .ips = ips, .n_ips = 1 };
    leaf = sign(&i, g_leaf_key, g_ca, g_ca_key);
    assert_int_equal(verify(leaf, g_ca, NULL, KG_X509_USAGE_ANY, "srv", 0, err, sizeof(err)),
                     -EPERM);
    assert_string_equal(err, "x509: certificate is not valid for any names, but wanted to match "
                             "srv");
    x509_cert_free(leaf);

    /* no SAN at all and a CN that matches: Go's legacy Common Name message */
    struct x509_template l = { .subject = { .cn = "legacy.example.com" } };
    leaf = sign(&l, g_leaf_key, g_ca, g_ca_key);
    assert_int_equal(
        verify(leaf, g_ca, NULL, KG_X509_USAGE_ANY, "legacy.example.com", 0, err, sizeof(err)),
        -EPERM);
    assert_string_equal(err,
                        "x509: certificate relies on legacy Common Name field, use SANs instead");
    x509_cert_free(leaf);
}

static void test_verify_usage_and_chain(void **state)
{
    struct x509_template ct = { .subject = { .cn = "front-proxy-client" },
                                .ext_key_usage = KG_X509_EKU_CLIENT_AUTH };
    struct x509_cert *client = sign(&ct, g_leaf_key, g_ca, g_ca_key);
    char err[KG_ERRBUF];
    (void)state;

    assert_int_equal(verify(client, g_ca, NULL, KG_X509_USAGE_CLIENT, NULL, 0, err, sizeof(err)),
                     0);
    assert_int_equal(verify(client, g_ca, NULL, KG_X509_USAGE_ANY, NULL, 0, err, sizeof(err)), 0);
    assert_int_equal(verify(client, g_ca, NULL, KG_X509_USAGE_SERVER, NULL, 0, err, sizeof(err)),
                     -EKEYREJECTED);
    assert_string_equal(err, "x509: certificate specifies an incompatible key usage");
    x509_cert_free(client);

    /* root -> intermediate -> leaf */
    struct x509_key *ik = ec_key();
    struct x509_template it = { .subject = { .cn = "intermediate" }, .is_ca = 1 };
    struct x509_cert *inter = sign(&it, ik, g_ca, g_ca_key);
    struct x509_template lt = { .subject = { .cn = "leaf" } };
    struct x509_cert *leaf = sign(&lt, g_leaf_key, inter, ik);
    assert_int_equal(verify(leaf, g_ca, inter, KG_X509_USAGE_SERVER, NULL, 0, err, sizeof(err)), 0);
    assert_int_equal(verify(leaf, g_ca, NULL, KG_X509_USAGE_SERVER, NULL, 0, err, sizeof(err)),
                     -EKEYREJECTED);
    assert_string_equal(err, "x509: certificate signed by unknown authority");
    /* any pool member is an anchor, as in Go */
    assert_int_equal(verify(leaf, inter, NULL, KG_X509_USAGE_SERVER, NULL, 0, err, sizeof(err)), 0);
    x509_cert_free(leaf);
    x509_cert_free(inter);

    /* a CA whose EKU list lacks the wanted usage constrains its leaves */
    struct x509_template st = { .subject = { .cn = "server-only-ca" },
                                .is_ca = 1,
                                .ext_key_usage = KG_X509_EKU_SERVER_AUTH };
    inter = sign(&st, ik, g_ca, g_ca_key);
    leaf = sign(&lt, g_leaf_key, inter, ik);
    assert_int_equal(verify(leaf, g_ca, inter, KG_X509_USAGE_SERVER, NULL, 0, err, sizeof(err)), 0);
    assert_int_equal(verify(leaf, g_ca, inter, KG_X509_USAGE_CLIENT, NULL, 0, err, sizeof(err)),
                     -EKEYREJECTED);
    assert_string_equal(err, "x509: certificate specifies an incompatible key usage");
    x509_cert_free(leaf);
    x509_cert_free(inter);
    x509_key_free(ik);

    /* pools: duplicates ignored, PEM bundles */
    struct x509_pool *p = x509_pool_new();
    struct buf b;
    buf_init(&b, 1 << 20);
    assert_int_equal(x509_cert_pem(g_ca, &b, err, sizeof(err)), 0);
    assert_int_equal(x509_cert_pem(g_ca, &b, err, sizeof(err)), 0);
    assert_int_equal(x509_pool_add_pem(p, b.ptr, b.len, err, sizeof(err)), 0);
    assert_int_equal(x509_pool_add(p, g_ca, err, sizeof(err)), 0);
    assert_int_equal(x509_pool_count(p), 1);
    assert_int_equal(x509_pool_add_pem(p, "junk", 4, err, sizeof(err)), -EINVAL);
    assert_int_equal(x509_pool_count(p), 1);
    x509_pool_free(p);
    x509_pool_free(NULL);
    buf_cleanup(&b);
}

/* ---- files ---- */

static void test_files(void **state)
{
    struct x509_cert *v[1] = { g_ca }, **back = NULL;
    struct x509_key *k = NULL;
    struct stat st;
    struct buf b;
    size_t n = 0;
    char err[KG_ERRBUF];
    mode_t old;
    (void)state;

    /* exact modes whatever the umask; missing directories created */
    old = umask(0077);
    assert_int_equal(x509_write_certs(path_in_tmp("d1/d2/ca.crt"), v, 1, err, sizeof(err)), 0);
    umask(0);
    assert_int_equal(x509_write_key(path_in_tmp("d1/d2/ca.key"), g_ca_key, err, sizeof(err)), 0);
    umask(old);
    assert_int_equal(stat(path_in_tmp("d1/d2/ca.crt"), &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644);
    assert_int_equal(stat(path_in_tmp("d1/d2/ca.key"), &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(stat(path_in_tmp("d1/d2"), &st), 0);
    assert_true(S_ISDIR(st.st_mode));

    assert_int_equal(x509_load_certs(path_in_tmp("d1/d2/ca.crt"), &back, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 1);
    assert_int_equal(x509_cert_matches_key(back[0], g_ca_key), 1);
    x509_certs_free(back, n);
    assert_int_equal(x509_load_key(path_in_tmp("d1/d2/ca.key"), &k, err, sizeof(err)), 0);
    assert_int_equal(EVP_PKEY_eq(x509_key_evp(k), x509_key_evp(g_ca_key)), 1);
    x509_key_free(k);

    /* atomic replace: a reader of the old inode keeps the old bytes; no temp files left */
    int fd = open(path_in_tmp("d1/d2/ca.crt"), O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(x509_write_file(path_in_tmp("d1/d2/ca.crt"), "new", 3, 0644, err, sizeof(err)),
                     0);
    char head[6] = "";
    assert_int_equal(read(fd, head, 5), 5);
    assert_memory_equal(head, "-----", 5);
    close(fd);
    buf_init(&b, 1 << 20);
    assert_int_equal(x509_read_file(path_in_tmp("d1/d2/ca.crt"), &b, err, sizeof(err)), 0);
    assert_string_equal(buf_str(&b), "new");
    buf_reset(&b);
    assert_int_equal(run(&b, "ls -a %s | wc -l", path_in_tmp("d1/d2")), 0);
    assert_string_equal(buf_str(&b), "4\n"); /* . .. ca.crt ca.key */
    assert_int_equal(x509_load_certs(path_in_tmp("d1/d2/ca.crt"), &back, &n, err, sizeof(err)),
                     -EINVAL);
    assert_non_null(strstr(err, "d1/d2/ca.crt: data does not contain any valid RSA or ECDSA "
                                "certificates"));

    /* errors name the path, Go style */
    buf_reset(&b);
    char want[512];
    snprintf(want, sizeof(want), "open %s: no such file or directory", path_in_tmp("missing"));
    assert_int_equal(x509_read_file(path_in_tmp("missing"), &b, err, sizeof(err)), -ENOENT);
    assert_string_equal(err, want);
    assert_int_equal(x509_read_file(tmpdir, &b, err, sizeof(err)), -EINVAL);
    assert_int_equal(x509_load_key(path_in_tmp("missing"), &k, err, sizeof(err)), -ENOENT);
    /* too big (sparse file one byte over the limit) */
    fd = open(path_in_tmp("big"), O_CREAT | O_WRONLY, 0600);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)KG_MAX_CONFIG_FILE + 1), 0);
    close(fd);
    assert_int_equal(x509_read_file(path_in_tmp("big"), &b, err, sizeof(err)), -E2BIG);
    assert_int_equal(b.len, 0);
    unlink(path_in_tmp("big"));
    /* a directory in the way of the file */
    assert_int_equal(x509_write_file(path_in_tmp("d1/d2"), "x", 1, 0644, err, sizeof(err)),
                     -EISDIR);
    buf_cleanup(&b);
}

/* ---- Kubernetes recipes ---- */

/* client-go's GenerateSelfSignedCertKey as metrics-server calls it: ("localhost", [127.0.0.1],
 * ["localhost"]). */
static void test_self_signed_serving(void **state)
{
    static const char *const ips[] = { "127.0.0.1" };
    static const char *const dns[] = { "localhost" };
    const time_t now = T0;
    struct buf certs, key;
    struct x509_cert **v = NULL;
    struct x509_key *k = NULL;
    struct x509_info li, ci;
    size_t n = 0;
    char err[KG_ERRBUF];
    (void)state;

    buf_init(&certs, 1 << 20);
    buf_init(&key, 1 << 20);
    assert_int_equal(x509_self_signed_serving("localhost", ips, 1, dns, 1, now, NULL, NULL, &certs,
                                              &key, err, sizeof(err)),
                     0);
    assert_true(strncmp(buf_str(&key), "-----BEGIN RSA PRIVATE KEY-----\n", 32) == 0);
    assert_int_equal(x509_certs_parse(&v, &n, certs.ptr, certs.len, err, sizeof(err)), 0);
    assert_int_equal(n, 2); /* the serving cert, then its CA */
    assert_int_equal(x509_key_parse(&k, key.ptr, key.len, err, sizeof(err)), 0);
    assert_int_equal(x509_key_type(k), KG_X509_KEY_RSA);
    assert_int_equal(x509_key_bits(k), 2048);
    assert_int_equal(x509_cert_matches_key(v[0], k), 1);

    assert_int_equal(x509_cert_info(v[0], &li, err, sizeof(err)), 0);
    assert_int_equal(x509_cert_info(v[1], &ci, err, sizeof(err)), 0);
    assert_string_equal(li.subject, "CN=localhost@1700000000");
    assert_string_equal(li.issuer, "CN=localhost-ca@1700000000");
    assert_string_equal(ci.subject, "CN=localhost-ca@1700000000");
    assert_string_equal(li.serial, "2");
    assert_string_equal(ci.serial, "1");
    assert_int_equal(li.not_before, now - 3600);
    assert_int_equal(li.not_after, now - 3600 + 365 * 86400);
    assert_int_equal(ci.not_before, now - 3600);
    assert_true(ci.is_ca);
    assert_false(li.is_ca);
    assert_int_equal(ci.key_usage, KG_X509_KU_DIGITAL_SIGNATURE | KG_X509_KU_KEY_ENCIPHERMENT |
                                       KG_X509_KU_CERT_SIGN);
    assert_int_equal(li.key_usage, KG_X509_KU_DIGITAL_SIGNATURE | KG_X509_KU_KEY_ENCIPHERMENT);
    assert_int_equal(li.ext_key_usage, KG_X509_EKU_SERVER_AUTH);
    assert_int_equal(ci.ext_key_usage, 0);
    assert_int_equal(ci.n_dns + ci.n_ips, 0);
    /* host first (a DNS name), then the alternates */
    assert_int_equal(li.n_dns, 2);
    assert_string_equal(li.dns[0], "localhost");
    assert_string_equal(li.dns[1], "localhost");
    assert_int_equal(li.n_ips, 1);
    assert_string_equal(li.ips[0], "127.0.0.1");
    assert_int_equal(
        verify(v[0], v[1], NULL, KG_X509_USAGE_SERVER, "127.0.0.1", now, err, sizeof(err)), 0);
    x509_info_cleanup(&li);
    x509_info_cleanup(&ci);
    x509_info_cleanup(NULL);
    x509_certs_free(v, n);
    x509_key_free(k);

    /* an IP host becomes an IP SAN; caller-supplied ECDSA keys */
    buf_reset(&certs);
    buf_reset(&key);
    assert_int_equal(x509_self_signed_serving("10.0.0.1", NULL, 0, NULL, 0, now, g_ca_key,
                                              g_leaf_key, &certs, &key, err, sizeof(err)),
                     0);
    struct x509_cert *leaf = NULL;
    assert_true(strncmp(buf_str(&key), "-----BEGIN EC PRIVATE KEY-----\n", 31) == 0);
    assert_int_equal(x509_cert_parse(&leaf, certs.ptr, certs.len, err, sizeof(err)), 0);
    assert_int_equal(x509_cert_matches_key(leaf, g_leaf_key), 1);
    assert_int_equal(x509_cert_info(leaf, &li, err, sizeof(err)), 0);
    assert_int_equal(li.n_dns, 0);
    assert_int_equal(li.n_ips, 1);
    assert_string_equal(li.ips[0], "10.0.0.1");
    assert_string_equal(li.subject, "CN=10.0.0.1@1700000000");
    x509_info_cleanup(&li);
    x509_cert_free(leaf);
    buf_cleanup(&certs);
    buf_cleanup(&key);
}

/* `kgauge certs front-proxy`: the seed's cfssl CSRs (CN kubernetes / front-proxy-client) with RSA
 * keys; 1024 bits here to keep valgrind runs short (2048 is covered by the self-signed test). */
static void test_front_proxy_rsa(void **state)
{
    struct x509_key *cak = NULL, *ck = NULL;
    char err[KG_ERRBUF];
    struct buf o;
    (void)state;

    assert_int_equal(x509_key_new_rsa(&cak, 1024, err, sizeof(err)), 0);
    assert_int_equal(x509_key_new_rsa(&ck, 1024, err, sizeof(err)), 0);
    struct x509_cert *ca = make_ca("kubernetes", cak, 0, 5 * 365 * DAY);
    struct x509_template t = { .subject = { .cn = "front-proxy-client" },
                               .ext_key_usage = KG_X509_EKU_CLIENT_AUTH };
    struct x509_cert *client = sign(&t, ck, ca, cak);
    write_cert("front-proxy-ca.pem", ca);
    write_cert("front-proxy-client.pem", client);
    assert_int_equal(
        x509_write_key(path_in_tmp("front-proxy-client-key.pem"), ck, err, sizeof(err)), 0);
    buf_init(&o, 1 << 20);
    assert_int_equal(run(&o, "openssl verify -purpose sslclient -CAfile %s %s",
                         path_in_tmp("front-proxy-ca.pem"), path_in_tmp("front-proxy-client.pem")),
                     0);
    buf_reset(&o);
    assert_int_equal(
        run(&o, "openssl x509 -noout -text -in %s", path_in_tmp("front-proxy-client.pem")), 0);
    assert_non_null(strstr(buf_str(&o), "Signature Algorithm: sha256WithRSAEncryption"));
    assert_non_null(strstr(buf_str(&o), "Public-Key: (1024 bit)"));
    assert_non_null(strstr(buf_str(&o), "TLS Web Client Authentication"));
    /* the key file matches the certificate, as `openssl` sees it */
    buf_reset(&o);
    assert_int_equal(run(&o,
                         "test \"$(openssl x509 -noout -modulus -in %s)\" = \"$(openssl rsa "
                         "-noout -modulus -in %s)\"",
                         path_in_tmp("front-proxy-client.pem"),
                         path_in_tmp("front-proxy-client-key.pem")),
                     0);
    assert_int_equal(verify(client, ca, NULL, KG_X509_USAGE_CLIENT, NULL, 0, err, sizeof(err)), 0);
    buf_cleanup(&o);
    x509_cert_free(client);
    x509_cert_free(ca);
    x509_key_free(ck);
    x509_key_free(cak);
}

/* `kgauge sim`: many kubelet certificates sharing one key. KGAUGE_X509_BENCH=1 signs 1,000. */
static void test_many_leaves_shared_key(void **state)
{
    int count = getenv("KGAUGE_X509_BENCH") ? 1000 : 50;
    struct timespec a, b;
    char err[KG_ERRBUF];
    (void)state;

    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < count; i++) {
        char ip[32], name[64];
        snprintf(ip, sizeof(ip), "127.%d.%d.%d", 1 + i / 65536, (i / 256) % 256, i % 256);
        snprintf(name, sizeof(name), "system:node:node-%d", i);
        const char *ips[1] = { ip };
        struct x509_template t = { .subject = { .cn = name, .o = { "system:nodes" } },
                                   .ext_key_usage = KG_X509_EKU_SERVER_AUTH,
                                   .ips = ips,
                                   .n_ips = 1 };
        struct x509_cert *c = NULL;
        assert_int_equal(x509_cert_sign(&c, &t, g_leaf_key, g_ca, g_ca_key, err, sizeof(err)), 0);
        if (i == count - 1)
            assert_int_equal(verify(c, g_ca, NULL, KG_X509_USAGE_SERVER, ip, 0, err, sizeof(err)),
                             0);
        x509_cert_free(c);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
    printf("[ INFO     ] %d ECDSA P-256 leaf certificates (shared key) signed in %.1f ms\n", count,
           ms);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_generate),
        cmocka_unit_test(test_key_pem_round_trip),
        cmocka_unit_test(test_key_parse_openssl_forms),
        cmocka_unit_test(test_serving_cert_openssl_text),
        cmocka_unit_test(test_ski_is_sha1_of_public_key),
        cmocka_unit_test(test_extension_order),
        cmocka_unit_test(test_subject_encoding),
        cmocka_unit_test(test_info_ips_serial_times),
        cmocka_unit_test(test_sign_errors),
        cmocka_unit_test(test_bundle_parse),
        cmocka_unit_test(test_verify_ok_and_unknown_authority),
        cmocka_unit_test(test_verify_expiry),
        cmocka_unit_test(test_verify_hostname),
        cmocka_unit_test(test_verify_usage_and_chain),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_self_signed_serving),
        cmocka_unit_test(test_front_proxy_rsa),
        cmocka_unit_test(test_many_leaves_shared_key),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
