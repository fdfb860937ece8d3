/*
 * Unit tests for src/certs (`kgauge certs`). Expected values come from what the seed's cfssl
 * steps produce (initca policy: certSign + cRLSign, CA:TRUE, 43800h; 8760h leaves; cfssl's key
 * rules and CSR JSON as Go's encoding/json reads it), from Kubernetes (the kube-aggregator dials
 * and verifies <service>.<namespace>.svc; the requestheader flags of the seed), and from Go's
 * pkix.Name.String() for subjects. Outputs are read back with the x509 module, libfyaml and a
 * real TLS handshake: kgauge's HTTPS server (GnuTLS) with serving.pem, asking for a client
 * certificate from front-proxy-ca.pem, and libcurl (OpenSSL) trusting only the caBundle of
 * apiservice.yaml and presenting front-proxy-client.pem, as the aggregator does.
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
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <curl/curl.h>
#include <libfyaml.h>
#include <openssl/evp.h>

#include "certs/certs.h"
#include "http/server.h"
#include "util/buf.h"
#include "util/limits.h"
#include "x509/x509.h"

static char tmpdir[128];
static char out_text[65536], err_text[65536];

/* ---- helpers ---- */

static const char *tpath(const char *rel)
{
    static char p[8][512];
    static int i;
    i = (i + 1) % 8;
    snprintf(p[i], sizeof(p[i]), "%s/%s", tmpdir, rel);
    return p[i];
}

static void slurp_fd(int fd, char *dst, size_t cap)
{
    ssize_t n;
    size_t len = 0;
    lseek(fd, 0, SEEK_SET);
    while (len + 1 < cap && (n = read(fd, dst + len, cap - 1 - len)) > 0)
        len += (size_t)n;
    dst[len] = '\0';
}

/* Runs certs_main("certs", args..., NULL) capturing stdout and stderr; returns its status. */
static int run(const char *first, ...)
{
    char *argv[64];
    int argc = 0, rc, so, se, fo, fe;
    char fout[256], ferr[256];
    va_list ap;

    argv[argc++] = (char *)"certs";
    va_start(ap, first);
    for (const char *a = first; a != NULL; a = va_arg(ap, const char *)) {
        assert_true(argc < 63);
        argv[argc++] = (char *)a;
    }
    va_end(ap);
    argv[argc] = NULL;

    snprintf(fout, sizeof(fout), "%s/.stdout", tmpdir);
    snprintf(ferr, sizeof(ferr), "%s/.stderr", tmpdir);
    fflush(stdout);
    fflush(stderr);
    fo = open(fout, O_RDWR | O_CREAT | O_TRUNC, 0600);
    fe = open(ferr, O_RDWR | O_CREAT | O_TRUNC, 0600);
    assert_true(fo >= 0 && fe >= 0);
    so = dup(1);
    se = dup(2);
    dup2(fo, 1);
    dup2(fe, 2);
    rc = certs_main(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(so, 1);
    dup2(se, 2);
    close(so);
    close(se);
    slurp_fd(fo, out_text, sizeof(out_text));
    slurp_fd(fe, err_text, sizeof(err_text));
    close(fo);
    close(fe);
    unlink(fout);
    unlink(ferr);
    return rc;
}

static void rm_rf(const char *p)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", p);
    assert_int_equal(system(cmd), 0);
}

static int exists(const char *p)
{
    struct stat st;
    return lstat(p, &st) == 0;
}

static unsigned file_mode(const char *p)
{
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    return st.st_mode & 07777;
}

static void write_text(const char *p, const char *text)
{
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static struct x509_cert *load_cert(const char *p)
{
    struct x509_cert **v = NULL;
    struct x509_cert *c;
    size_t n = 0;
    char err[KG_ERRBUF];
    if (x509_load_certs(p, &v, &n, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(n, 1);
    c = x509_cert_dup(v[0]);
    x509_certs_free(v, n);
    return c;
}

static struct x509_key *load_key(const char *p)
{
    struct x509_key *k = NULL;
    char err[KG_ERRBUF];
    if (x509_load_key(p, &k, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    return k;
}

static void info_of(const char *p, struct x509_info *info)
{
    struct x509_cert *c = load_cert(p);
    char err[KG_ERRBUF];
    assert_int_equal(x509_cert_info(c, info, err, sizeof(err)), 0);
    x509_cert_free(c);
}

/* x509_verify of leaf against the single root in ca_path. */
static int verify(const char *ca_path, const char *leaf_path, enum x509_usage usage,
                  const char *host, char *err, size_t errlen)
{
    struct x509_cert *ca = load_cert(ca_path), *leaf = load_cert(leaf_path);
    struct x509_pool *pool = x509_pool_new();
    int rc;
    assert_int_equal(x509_pool_add(pool, ca, err, errlen), 0);
    struct x509_verify_opts o = { .roots = pool, .usage = usage, .host = host };
    rc = x509_verify(leaf, &o, err, errlen);
    x509_pool_free(pool);
    x509_cert_free(ca);
    x509_cert_free(leaf);
    return rc;
}

static void check_pair(const char *cert_path, const char *key_path, enum x509_key_type type,
                       int bits)
{
    struct x509_cert *c = load_cert(cert_path);
    struct x509_key *k = load_key(key_path);
    assert_int_equal(x509_cert_matches_key(c, k), 1);
    assert_int_equal(x509_key_type(k), type);
    assert_int_equal(x509_key_bits(k), bits);
    x509_key_free(k);
    x509_cert_free(c);
}

static char *abs_tmp(const char *rel)
{
    char *r = realpath(tpath(rel), NULL);
    assert_non_null(r);
    return r;
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "%s/kgauge-certs.XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    assert_non_null(mkdtemp(tmpdir));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    rm_rf(tmpdir);
    return 0;
}

/* ---- front-proxy ---- */

static void test_front_proxy_defaults(void **state)
{
    struct x509_info ca, cl;
    char err[KG_ERRBUF], expect[4096], *dir;
    (void)state;

    time_t t0 = time(NULL);
    assert_int_equal(run("front-proxy", "--out", tpath("fp/sub"), NULL), 0);
    time_t t1 = time(NULL);
    /* as `cfssljson -bare front-proxy-ca` / `-bare front-proxy-client` name them */
    assert_int_equal(file_mode(tpath("fp/sub/front-proxy-ca.pem")), 0644);
    assert_int_equal(file_mode(tpath("fp/sub/front-proxy-ca-key.pem")), 0600);
    assert_int_equal(file_mode(tpath("fp/sub/front-proxy-client.pem")), 0644);
    assert_int_equal(file_mode(tpath("fp/sub/front-proxy-client-key.pem")), 0600);

    /* the seed's CSRs: RSA 2048 */
    check_pair(tpath("fp/sub/front-proxy-ca.pem"), tpath("fp/sub/front-proxy-ca-key.pem"),
               KG_X509_KEY_RSA, 2048);
    check_pair(tpath("fp/sub/front-proxy-client.pem"), tpath("fp/sub/front-proxy-client-key.pem"),
               KG_X509_KEY_RSA, 2048);

    /* cfssl initca: CN from the CSR, CA:TRUE, certSign + cRLSign, 43800h */
    info_of(tpath("fp/sub/front-proxy-ca.pem"), &ca);
    assert_string_equal(ca.subject, "CN=kubernetes");
    assert_string_equal(ca.issuer, "CN=kubernetes");
    assert_true(ca.is_ca);
    assert_int_equal(ca.key_usage, KG_X509_KU_CERT_SIGN | KG_X509_KU_CRL_SIGN);
    assert_int_equal(ca.ext_key_usage, 0);
    assert_int_equal((long long)(ca.not_after - ca.not_before), 43800LL * 3600);
    /* cfssl: not-before = now rounded to the minute, minus 5 minutes */
    assert_int_equal(ca.not_before % 60, 0);
    assert_true(ca.not_before >= t0 - 300 - 30 && ca.not_before <= t1 - 300 + 30);
    time_t ca_nb = ca.not_before;
    x509_info_cleanup(&ca);

    /* client: clientAuth only, digitalSignature + keyEncipherment, 8760h */
    info_of(tpath("fp/sub/front-proxy-client.pem"), &cl);
    assert_string_equal(cl.subject, "CN=front-proxy-client");
    assert_string_equal(cl.issuer, "CN=kubernetes");
    assert_false(cl.is_ca);
    assert_int_equal(cl.key_usage, KG_X509_KU_DIGITAL_SIGNATURE | KG_X509_KU_KEY_ENCIPHERMENT);
    assert_int_equal(cl.ext_key_usage, KG_X509_EKU_CLIENT_AUTH);
    assert_int_equal(cl.n_dns + cl.n_ips, 0);
    assert_int_equal((long long)(cl.not_after - cl.not_before), 8760LL * 3600);
    assert_int_equal(cl.not_before, ca_nb);
    x509_info_cleanup(&cl);

    /* what kube-apiserver's requestheader authenticator checks: a client chain to the CA */
    assert_int_equal(verify(tpath("fp/sub/front-proxy-ca.pem"),
                            tpath("fp/sub/front-proxy-client.pem"), KG_X509_USAGE_CLIENT, NULL, err,
                            sizeof(err)),
                     0);
    assert_int_equal(verify(tpath("fp/sub/front-proxy-ca.pem"),
                            tpath("fp/sub/front-proxy-client.pem"), KG_X509_USAGE_SERVER, NULL, err,
                            sizeof(err)),
                     -EKEYREJECTED);
    assert_string_equal(err, "x509: certificate specifies an incompatible key usage");

    /* stdout: exactly the kube-apiserver flags, absolute paths */
    dir = abs_tmp("fp/sub");
    snprintf(expect, sizeof(expect),
             "--requestheader-client-ca-file=%s/front-proxy-ca.pem\n"
             "--requestheader-allowed-names=front-proxy-client\n"
             "--requestheader-extra-headers-prefix=X-Remote-Extra-\n"
             "--requestheader-group-headers=X-Remote-Group\n"
             "--requestheader-username-headers=X-Remote-User\n"
             "--proxy-client-cert-file=%s/front-proxy-client.pem\n"
             "--proxy-client-key-file=%s/front-proxy-client-key.pem\n"
             "--enable-aggregator-routing=true\n",
             dir, dir, dir);
    assert_string_equal(out_text, expect);
    assert_null(strstr(err_text, "warning"));
    free(dir);
    rm_rf(tpath("fp"));
}

static void test_front_proxy_flags(void **state)
{
    struct x509_info ca, cl;
    (void)state;

    assert_int_equal(run("front-proxy", "--out", tpath("fp2"), "--key-algo", "ecdsa", "--key-size",
                         "384", "--ca-cn", "my-front-proxy-ca", "--client-cn", "aggregator",
                         "--validity", "720h", "--ca-validity", "87600h", NULL),
                     0);
    check_pair(tpath("fp2/front-proxy-ca.pem"), tpath("fp2/front-proxy-ca-key.pem"), KG_X509_KEY_EC,
               384);
    check_pair(tpath("fp2/front-proxy-client.pem"), tpath("fp2/front-proxy-client-key.pem"),
               KG_X509_KEY_EC, 384);
    info_of(tpath("fp2/front-proxy-ca.pem"), &ca);
    info_of(tpath("fp2/front-proxy-client.pem"), &cl);
    assert_string_equal(ca.cn, "my-front-proxy-ca");
    assert_string_equal(cl.cn, "aggregator");
    assert_string_equal(cl.issuer, "CN=my-front-proxy-ca");
    assert_int_equal((long long)(ca.not_after - ca.not_before), 87600LL * 3600);
    assert_int_equal((long long)(cl.not_after - cl.not_before), 720LL * 3600);
    x509_info_cleanup(&ca);
    x509_info_cleanup(&cl);
    assert_non_null(strstr(out_text, "--requestheader-allowed-names=aggregator\n"));
    assert_null(strstr(err_text, "warning"));
    rm_rf(tpath("fp2"));
}

/* The seed's --requestheader-allowed-names=aggregator with a front-proxy-client certificate. */
static void test_allowed_names_warning(void **state)
{
    (void)state;
    assert_int_equal(run("front-proxy", "--out", tpath("w1"), "--key-algo", "ecdsa",
                         "--allowed-names", "aggregator", NULL),
                     0);
    assert_non_null(strstr(out_text, "--requestheader-allowed-names=aggregator\n"));
    assert_non_null(strstr(err_text, "warning: --allowed-names does not include the client "
                                     "certificate's CN \"front-proxy-client\""));

    assert_int_equal(run("front-proxy", "--out", tpath("w2"), "--key-algo", "ecdsa",
                         "--allowed-names", "aggregator", "--allowed-names",
                         "front-proxy-client,aggregator", NULL),
                     0);
    assert_non_null(
        strstr(out_text, "--requestheader-allowed-names=aggregator,front-proxy-client\n"));
    assert_null(strstr(err_text, "warning"));

    /* empty = any CN the CA signed: valid for kube-apiserver, printed quoted, no warning */
    assert_int_equal(run("front-proxy", "--out", tpath("w3"), "--key-algo", "ecdsa",
                         "--allowed-names", "", NULL),
                     0);
    assert_non_null(strstr(out_text, "--requestheader-allowed-names=''\n"));
    assert_null(strstr(err_text, "warning"));
    rm_rf(tpath("w1"));
    rm_rf(tpath("w2"));
    rm_rf(tpath("w3"));
}

static void test_seed_csr_files(void **state)
{
    const char *src = getenv("KGAUGE_SRC");
    char ca_csr[1024], cl_csr[1024];
    struct x509_info ca, cl;
    (void)state;

    if (src == NULL) {
        print_message("KGAUGE_SRC not set: seed CSR test skipped\n");
        skip();
    }
    snprintf(ca_csr, sizeof(ca_csr), "%s/../shared/seed/front-proxy-ca-csr.json", src);
    snprintf(cl_csr, sizeof(cl_csr), "%s/../shared/seed/front-proxy-client-csr.json", src);
    if (!exists(ca_csr) || !exists(cl_csr)) {
        print_message("no seed CSRs at %s/../shared/seed: seed CSR test skipped\n", src);
        skip();
    }
    assert_int_equal(
        run("front-proxy", "--out", tpath("seed"), "--ca-csr", ca_csr, "--csr", cl_csr, NULL), 0);
    info_of(tpath("seed/front-proxy-ca.pem"), &ca);
    info_of(tpath("seed/front-proxy-client.pem"), &cl);
    assert_string_equal(ca.subject, "CN=kubernetes");
    assert_string_equal(cl.subject, "CN=front-proxy-client");
    assert_int_equal(cl.ext_key_usage, KG_X509_EKU_CLIENT_AUTH);
    x509_info_cleanup(&ca);
    x509_info_cleanup(&cl);
    check_pair(tpath("seed/front-proxy-ca.pem"), tpath("seed/front-proxy-ca-key.pem"),
               KG_X509_KEY_RSA, 2048);
    check_pair(tpath("seed/front-proxy-client.pem"), tpath("seed/front-proxy-client-key.pem"),
               KG_X509_KEY_RSA, 2048);
    rm_rf(tpath("seed"));
}

static void test_csr_names_hosts_expiry(void **state)
{
    struct x509_info ca, cl;
    (void)state;
    write_text(tpath("ca.json"),
               "{\"CN\": \"kubernetes\", \"key\": {\"algo\": \"ecdsa\", \"size\": 256},\n"
               " \"names\": [{\"C\": \"CN\", \"ST\": \"BeiJing\", \"L\": \"BeiJing\", \"O\": "
               "\"k8s\", \"OU\": \"System\"}],\n"
               " \"ca\": {\"expiry\": \"87600h\", \"pathlen\": 1}}");
    write_text(tpath("client.json"),
               "{\"cn\": \"front-proxy-client\", \"KEY\": {\"Algo\": \"ecdsa\", \"SIZE\": 521},\n"
               " \"names\": [{\"O\": \"b\"}, {\"O\": \"a\", \"OU\": \"\"}, null],\n"
               " \"hosts\": [\"10.0.0.1\", \"front-proxy.example\", \"::1\"],\n"
               " \"unknown\": {\"ignored\": [1, 2]}}");
    assert_int_equal(run("front-proxy", "--out", tpath("n"), "--ca-csr", tpath("ca.json"),
                         "--client-csr", tpath("client.json"), NULL),
                     0);
    info_of(tpath("n/front-proxy-ca.pem"), &ca);
    info_of(tpath("n/front-proxy-client.pem"), &cl);
    /* Go's pkix.Name.String(): the RDN sequence C, ST, L, O, OU, CN printed in reverse */
    assert_string_equal(ca.subject, "CN=kubernetes,OU=System,O=k8s,L=BeiJing,ST=BeiJing,C=CN");
    assert_int_equal((long long)(ca.not_after - ca.not_before), 87600LL * 3600);
    /* two O values in one multi-valued RDN, DER-sorted; the empty OU skipped (cfssl appendIf) */
    assert_string_equal(cl.subject, "CN=front-proxy-client,O=a+O=b");
    assert_int_equal(cl.n_o, 2);
    assert_int_equal(cl.n_dns, 1);
    assert_string_equal(cl.dns[0], "front-proxy.example");
    assert_int_equal(cl.n_ips, 2);
    assert_string_equal(cl.ips[0], "10.0.0.1");
    assert_string_equal(cl.ips[1], "::1");
    x509_info_cleanup(&ca);
    x509_info_cleanup(&cl);
    check_pair(tpath("n/front-proxy-client.pem"), tpath("n/front-proxy-client-key.pem"),
               KG_X509_KEY_EC, 521);

    /* flags override the CSRs: CN, and key size (the algorithm stays each CSR's) */
    assert_int_equal(run("front-proxy", "--out", tpath("n"), "--force", "--ca-csr",
                         tpath("ca.json"), "--client-csr", tpath("client.json"), "--client-cn",
                         "other", "--key-size", "384", NULL),
                     0);
    info_of(tpath("n/front-proxy-client.pem"), &cl);
    assert_string_equal(cl.subject, "CN=other,O=a+O=b");
    x509_info_cleanup(&cl);
    check_pair(tpath("n/front-proxy-client.pem"), tpath("n/front-proxy-client-key.pem"),
               KG_X509_KEY_EC, 384);
    check_pair(tpath("n/front-proxy-ca.pem"), tpath("n/front-proxy-ca-key.pem"), KG_X509_KEY_EC,
               384);

    /* --key-size applies to both keys: without a CA CSR the CA is RSA, and 384 bits is a usage
     * error; an RSA size against a CSR's ECDSA key names the file */
    assert_int_equal(run("front-proxy", "--out", tpath("n2"), "--client-csr", tpath("client.json"),
                         "--key-size", "384", NULL),
                     2);
    assert_string_equal(err_text, "kgauge certs: --key-size: RSA key size 384 is too weak (want "
                                  "2048 to 8192 bits)\n");
    assert_int_equal(run("front-proxy", "--out", tpath("n2"), "--client-csr", tpath("client.json"),
                         "--key-size", "2048", NULL),
                     2);
    char expect[1024];
    snprintf(expect, sizeof(expect),
             "kgauge certs: --key-size: invalid ECDSA curve size 2048 (want 256, 384 or 521) (the "
             "ecdsa key of %s)\n",
             tpath("client.json"));
    assert_string_equal(err_text, expect);
    assert_false(exists(tpath("n2")));
    rm_rf(tpath("n"));
}

/* A CSR file that does not decode: exit 1, the message names the file and the field. */
static void test_csr_file_errors(void **state)
{
    static const struct {
        const char *json;
        const char *msg;
    } cases[] = {
        { "{\"CN\": \"x\", \"key\": {\"algo\": \"dsa\", \"size\": 2048}}",
          "key.algo: unsupported algorithm \"dsa\" (want \"rsa\" or \"ecdsa\")" },
        { "{\"CN\": \"x\", \"key\": {\"algo\": \"rsa\", \"size\": 1024}}",
          "key.size: RSA key size 1024 is too weak (want 2048 to 8192 bits)" },
        { "{\"CN\": \"x\", \"key\": {\"algo\": \"rsa\", \"size\": \"2048\"}}",
          "key.size: expected an integer, got string" },
        { "{\"CN\": \"x\",", "unexpected end of JSON input" },
    };
    char expect[1024];
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        write_text(tpath("bad.json"), cases[i].json);
        assert_int_equal(run("front-proxy", "--out", tpath("e"), "--csr", tpath("bad.json"), NULL),
                         1);
        snprintf(expect, sizeof(expect), "kgauge certs: %s: %s", tpath("bad.json"), cases[i].msg);
        if (strstr(err_text, expect) == NULL)
            fail_msg("case %zu: want [%s] in [%s]", i, expect, err_text);
        assert_false(exists(tpath("e")));
    }
    assert_int_equal(
        run("front-proxy", "--out", tpath("e"), "--ca-csr", tpath("absent.json"), NULL), 1);
    snprintf(expect, sizeof(expect), "open %s: no such file or directory", tpath("absent.json"));
    assert_non_null(strstr(err_text, expect));
    assert_false(exists(tpath("e")));
}

/* certs_csr_parse directly: the decoding rules, error messages and limits. */
static void test_csr_parse(void **state)
{
    static const struct {
        const char *json;
        int rc;
        const char *msg; /* expected err (after "t.json: "), or NULL for success */
    } cases[] = {
        { "[]", -EINVAL, "expected an object, got array" },
        { "{\"CN\": 5}", -EINVAL, "CN: expected a string, got integer" },
        { "{\"CN\": \"a\\u0000b\"}", -EINVAL, "CN: contains a NUL character" },
        { "{\"CN\": \"x\", \"key\": []}", -EINVAL, "key: expected an object, got array" },
        { "{\"CN\": \"x\", \"key\": {\"algo\": \"RSA\", \"size\": 2048}}", -EINVAL,
          "key.algo: unsupported algorithm \"RSA\" (want \"rsa\" or \"ecdsa\")" },
        { "{\"CN\": \"x\", \"key\": {\"algo\": \"rsa\"}}", -EINVAL,
          "key.size: RSA key size 0 is too weak (want 2048 to 8192 bits)" },
        { "{\"CN\": \"x\", \"key\": {\"algo\": \"rsa\", \"size\": 8200}}", -EINVAL,
          "key.size: RSA key size 8200 is too large (want 2048 to 8192 bits)" },
        { "{\"CN\": \"x\", \"key\": {\"algo\": \"ecdsa\", \"size\": 2048}}", -EINVAL,
          "key.size: invalid ECDSA curve size 2048 (want 256, 384 or 521)" },
        { "{\"CN\": \"x\", \"key\": {\"algo\": \"rsa\", \"size\": 2048.0}}", -EINVAL,
          "key.size: expected an integer, got a fractional or out-of-range number" },
        { "{\"CN\": \"x\", \"key\": {\"algo\": \"rsa\", \"size\": 99999999999999999999}}", -EINVAL,
          "key.size: expected an integer, got a fractional or out-of-range number" },
        { "{\"CN\": \"x\", \"names\": {}}", -EINVAL, "names: expected an array, got object" },
        { "{\"CN\": \"x\", \"names\": [{\"O\": 1}]}", -EINVAL,
          "names[0].O: expected a string, got integer" },
        { "{\"CN\": \"x\", \"names\": [5]}", -EINVAL, "names[0]: expected an object, got integer" },
        { "{\"names\": [{\"O\": \"a\"}, {\"C\": \"\"}]}", -EINVAL,
          "names[1]: empty name (and no CN)" },
        { "{}", -EINVAL, "missing subject information (no CN and no names)" },
        { "{\"CN\": \"\", \"names\": []}", -EINVAL,
          "missing subject information (no CN and no names)" },
        { "{\"CN\": \"x\", \"hosts\": \"a\"}", -EINVAL, "hosts: expected an array, got string" },
        { "{\"CN\": \"x\", \"hosts\": [\"a\", \"\"]}", -EINVAL, "hosts[1]: empty host" },
        { "{\"CN\": \"x\", \"hosts\": [\"admin@example.com\"]}", -EINVAL,
          "hosts[0]: \"admin@example.com\" is not a DNS name or IP address (email and URI SANs "
          "are not supported)" },
        { "{\"CN\": \"x\", \"ca\": {\"expiry\": \"5y\"}}", -EINVAL,
          "ca.expiry: invalid duration \"5y\" (want e.g. \"43800h\")" },
        { "{\"CN\": \"x\", \"ca\": {\"expiry\": \"-1h\"}}", -EINVAL,
          "ca.expiry: duration \"-1h\" is not positive" },
        { "{\"CN\": \"x\", \"ca\": {\"expiry\": 5}}", -EINVAL,
          "ca.expiry: expected a string, got integer" },
        { "{\"CN\": \"x\"} x", -EINVAL, "invalid character 'x' after top-level value" },
        /* accepted forms */
        { "{\"CN\": \"x\", \"key\": null, \"names\": null, \"hosts\": null, \"ca\": null}", 0,
          NULL },
        { "{\"CN\": \"x\", \"ca\": {\"expiry\": \"\"}}", 0, NULL },
        { "{\"names\": [{\"O\": \"system:masters\"}]}", 0, NULL },
    };
    struct certs_csr csr;
    char err[KG_ERRBUF], expect[KG_ERRBUF];
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc =
            certs_csr_parse(cases[i].json, strlen(cases[i].json), "t.json", &csr, err, sizeof(err));
        if (rc != cases[i].rc)
            fail_msg("case %zu (%s): rc %d, want %d (%s)", i, cases[i].json, rc, cases[i].rc, err);
        if (cases[i].msg != NULL) {
            snprintf(expect, sizeof(expect), "t.json: %s", cases[i].msg);
            if (strncmp(err, expect, strlen(expect)) != 0)
                fail_msg("case %zu: err [%s], want [%s]", i, err, expect);
        }
        certs_csr_cleanup(&csr);
    }

    /* cfssl's default key (no "key"): ECDSA P-256; case-insensitive members, last one wins */
    const char *doc = "{\"CN\": \"first\", \"cn\": \"last\", \"Key\": {\"ALGO\": \"rsa\", "
                      "\"size\": 3072}, \"Names\": [{\"c\": \"DE\", \"st\": \"Berlin\", \"l\": "
                      "\"Berlin\", \"o\": \"acme\", \"ou\": \"ops\"}]}";
    assert_int_equal(certs_csr_parse(doc, strlen(doc), "t.json", &csr, err, sizeof(err)), 0);
    assert_string_equal(csr.cn, "last");
    assert_int_equal(csr.has_key, 1);
    assert_int_equal(csr.key.type, KG_X509_KEY_RSA);
    assert_int_equal(csr.key.bits, 3072);
    assert_string_equal(csr.c[0], "DE");
    assert_string_equal(csr.st[0], "Berlin");
    assert_string_equal(csr.l[0], "Berlin");
    assert_string_equal(csr.o[0], "acme");
    assert_string_equal(csr.ou[0], "ops");
    assert_null(csr.o[1]);
    certs_csr_cleanup(&csr);

    doc = "{\"CN\": \"x\"}";
    assert_int_equal(certs_csr_parse(doc, strlen(doc), "t.json", &csr, err, sizeof(err)), 0);
    assert_int_equal(csr.has_key, 0);
    assert_int_equal(csr.key.type, KG_X509_KEY_EC);
    assert_int_equal(csr.key.bits, 256);
    assert_int_equal(csr.has_ca_expiry, 0);
    certs_csr_cleanup(&csr);
    certs_csr_cleanup(NULL);
}

static void test_csr_limits(void **state)
{
    struct buf b;
    struct certs_csr csr;
    char err[KG_ERRBUF];
    (void)state;

    /* KG_MAX_X509_NAME_VALUES O values fit; one more is -E2BIG */
    for (int extra = 0; extra <= 1; extra++) {
        buf_init(&b, 1u << 20);
        buf_appends(&b, "{\"CN\": \"x\", \"names\": [");
        for (int i = 0; i < KG_MAX_X509_NAME_VALUES + extra; i++)
            buf_printf(&b, "%s{\"O\": \"o%d\"}", i ? "," : "", i);
        buf_appends(&b, "]}");
        int rc = certs_csr_parse(b.ptr, b.len, "t.json", &csr, err, sizeof(err));
        assert_int_equal(rc, extra ? -E2BIG : 0);
        if (extra)
            assert_non_null(strstr(err, "names[16].O: more than 16 values of this attribute"));
        certs_csr_cleanup(&csr);
        buf_cleanup(&b);
    }
    /* KG_MAX_CERTS_HOSTS hosts fit; one more is -E2BIG */
    for (int extra = 0; extra <= 1; extra++) {
        buf_init(&b, 1u << 20);
        buf_appends(&b, "{\"CN\": \"x\", \"hosts\": [");
        for (int i = 0; i < KG_MAX_CERTS_HOSTS + extra; i++)
            buf_printf(&b, "%s\"h%d.example\"", i ? "," : "", i);
        buf_appends(&b, "]}");
        int rc = certs_csr_parse(b.ptr, b.len, "t.json", &csr, err, sizeof(err));
        assert_int_equal(rc, extra ? -E2BIG : 0);
        if (!extra)
            assert_int_equal(csr.n_dns, KG_MAX_CERTS_HOSTS);
        certs_csr_cleanup(&csr);
        buf_cleanup(&b);
    }
    /* a string over KG_MAX_X509_STRING, and a document over KG_MAX_CERTS_CSR_FILE */
    buf_init(&b, 1u << 20);
    buf_appends(&b, "{\"CN\": \"");
    for (int i = 0; i <= KG_MAX_X509_STRING; i++)
        buf_putc(&b, 'a');
    buf_appends(&b, "\"}");
    assert_int_equal(certs_csr_parse(b.ptr, b.len, "t.json", &csr, err, sizeof(err)), -E2BIG);
    assert_non_null(strstr(err, "t.json: CN: longer than 1024 bytes"));
    buf_reset(&b);
    buf_appends(&b, "{\"CN\": \"x\", \"pad\": \"");
    while (b.len <= KG_MAX_CERTS_CSR_FILE)
        buf_appends(&b, "pppppppppppppppp");
    buf_appends(&b, "\"}");
    assert_int_equal(certs_csr_parse(b.ptr, b.len, "t.json", &csr, err, sizeof(err)), -E2BIG);
    buf_cleanup(&b);
    /* depth */
    const char *deep = "{\"CN\": \"x\", \"a\": [[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]}";
    assert_int_equal(certs_csr_parse(deep, strlen(deep), "t.json", &csr, err, sizeof(err)),
                     -EINVAL);
}

static void test_key_spec_check(void **state)
{
    struct certs_key_spec s;
    char err[KG_ERRBUF];
    (void)state;
    assert_int_equal(certs_key_spec_check("rsa", 2048, &s, err, sizeof(err)), 0);
    assert_int_equal(s.type, KG_X509_KEY_RSA);
    assert_int_equal(certs_key_spec_check("rsa", 8192, &s, err, sizeof(err)), 0);
    assert_int_equal(certs_key_spec_check("rsa", 2047, &s, err, sizeof(err)), -EINVAL);
    assert_int_equal(certs_key_spec_check("rsa", 8193, &s, err, sizeof(err)), -EINVAL);
    for (int bits = 255; bits <= 522; bits++) {
        int ok = bits == 256 || bits == 384 || bits == 521;
        assert_int_equal(certs_key_spec_check("ecdsa", bits, &s, err, sizeof(err)),
                         ok ? 0 : -EINVAL);
    }
    assert_int_equal(certs_key_spec_check("ed25519", 256, &s, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "unsupported algorithm \"ed25519\" (want \"rsa\" or \"ecdsa\")");
    assert_int_equal(certs_key_spec_check("", 0, &s, err, sizeof(err)), -EINVAL);
}

/* ---- existing files ---- */

static void test_no_overwrite_without_force(void **state)
{
    char buf[64];
    FILE *f;
    (void)state;

    assert_int_equal(mkdir(tpath("ow"), 0755), 0);
    write_text(tpath("ow/front-proxy-client.pem"), "keep me\n");
    assert_int_equal(run("front-proxy", "--out", tpath("ow"), "--key-algo", "ecdsa", NULL), 1);
    assert_non_null(strstr(err_text, tpath("ow/front-proxy-client.pem")));
    assert_non_null(strstr(err_text, "already exists; nothing was written (use --force"));
    assert_string_equal(out_text, "");
    /* checked before anything was written: the other three do not exist */
    assert_false(exists(tpath("ow/front-proxy-ca.pem")));
    assert_false(exists(tpath("ow/front-proxy-ca-key.pem")));
    assert_false(exists(tpath("ow/front-proxy-client-key.pem")));
    f = fopen(tpath("ow/front-proxy-client.pem"), "r");
    assert_non_null(fgets(buf, sizeof(buf), f));
    fclose(f);
    assert_string_equal(buf, "keep me\n");

    /* --force replaces it (and the mode is a certificate's, whatever it was) */
    chmod(tpath("ow/front-proxy-client.pem"), 0600);
    assert_int_equal(
        run("front-proxy", "--out", tpath("ow"), "--key-algo", "ecdsa", "--force", NULL), 0);
    assert_int_equal(file_mode(tpath("ow/front-proxy-client.pem")), 0644);
    struct x509_info info;
    info_of(tpath("ow/front-proxy-client.pem"), &info);
    assert_string_equal(info.cn, "front-proxy-client");
    x509_info_cleanup(&info);

    /* a key file is protected the same way */
    assert_int_equal(run("serving", "--out", tpath("ow"), "--key-algo", "ecdsa", NULL), 0);
    assert_int_equal(run("serving", "--out", tpath("ow"), "--key-algo", "ecdsa", NULL), 1);
    assert_non_null(strstr(err_text, "serving-ca.pem already exists"));

    /* a directory in the way is refused even with --force */
    rm_rf(tpath("ow/serving-key.pem"));
    assert_int_equal(mkdir(tpath("ow/serving-key.pem"), 0755), 0);
    assert_int_equal(run("serving", "--out", tpath("ow"), "--key-algo", "ecdsa", "--force", NULL),
                     1);
    assert_non_null(strstr(err_text, "serving-key.pem is a directory; nothing was written"));

    /* --out naming a file */
    assert_int_equal(run("serving", "--out", tpath("ow/apiservice.yaml"), NULL), 1);
    assert_non_null(strstr(err_text, "exists and is not a directory"));
    rm_rf(tpath("ow"));
}

/* ---- usage ---- */

static void test_usage_errors(void **state)
{
    (void)state;
#define USAGE(...)                                                                                 \
    do {                                                                                           \
        int rc_ = run(__VA_ARGS__, NULL);                                                          \
        if (rc_ != 2)                                                                              \
            fail_msg("want exit 2, got %d: %s", rc_, err_text);                                    \
        assert_true(strlen(err_text) > 0);                                                         \
    } while (0)

    assert_int_equal(run(NULL), 2);
    assert_non_null(strstr(err_text, "Usage:"));
    USAGE("bogus");
    USAGE("front-proxy");
    USAGE("front-proxy", "--out");
    USAGE("front-proxy", "--out", tpath("u"), "--bogus");
    USAGE("front-proxy", "--out", tpath("u"), "extra");
    USAGE("front-proxy", "--out", tpath("u"), "--key-algo", "dsa");
    USAGE("front-proxy", "--out", tpath("u"), "--key-size", "abc");
    USAGE("front-proxy", "--out", tpath("u"), "--key-size", "1024");
    USAGE("front-proxy", "--out", tpath("u"), "--key-size", "-5");
    USAGE("front-proxy", "--out", tpath("u"), "--key-algo", "ecdsa", "--key-size", "2048");
    USAGE("front-proxy", "--out", tpath("u"), "--validity", "1y");
    USAGE("front-proxy", "--out", tpath("u"), "--ca-validity", "0s");
    USAGE("front-proxy", "--out", tpath("u"), "--csr", "a.json", "--client-csr", "b.json");
    USAGE("front-proxy", "--out", tpath("u"), "--ip", "1.2.3.4");
    USAGE("serving", "--out", tpath("u"), "--service", "Metrics");
    USAGE("serving", "--out", tpath("u"), "--service", "1metrics");
    USAGE("serving", "--out", tpath("u"), "--namespace", "-kube");
    USAGE("serving", "--out", tpath("u"), "--namespace",
          "a234567890123456789012345678901234567890123456789012345678901234");
    USAGE("serving", "--out", tpath("u"), "--ip", "1.2.3");
    USAGE("serving", "--out", tpath("u"), "--ip", "10.0.0.1,fe80::1%eth0");
    USAGE("serving", "--out", tpath("u"), "--dns", "bad name");
    USAGE("serving", "--out", tpath("u"), "--versions", "v2");
    USAGE("serving", "--out", tpath("u"), "--port", "0");
    USAGE("serving", "--out", tpath("u"), "--port", "65536");
    USAGE("serving", "--out", tpath("u"), "--cluster-domain", "cluster..local");
    USAGE("serving", "--out", tpath("u"), "--ca-csr", "x.json");
    assert_false(exists(tpath("u")));

    /* one precise message each for the commonest mistakes */
    run("front-proxy", "--out", tpath("u"), "--key-size", "1024", NULL);
    assert_string_equal(err_text,
                        "kgauge certs: --key-size: RSA key size 1024 is too weak (want 2048 to "
                        "8192 bits)\n");
    run("front-proxy", NULL);
    assert_string_equal(err_text, "kgauge certs: front-proxy: --out DIR is required\n");
    run("serving", "--out", tpath("u"), "--versions", "v1,v2", NULL);
    assert_string_equal(err_text, "kgauge certs: --versions: unknown metrics.k8s.io version "
                                  "\"v2\" (want v1beta1 or v1)\n");
#undef USAGE

    assert_int_equal(run("--help", NULL), 0);
    assert_non_null(strstr(out_text, "kgauge certs front-proxy"));
    assert_int_equal(run("front-proxy", "--help", NULL), 0);
    assert_non_null(strstr(out_text, "--allowed-names"));
    assert_int_equal(run("serving", "-h", NULL), 0);
    assert_non_null(strstr(out_text, "--versions"));
    assert_false(exists(tpath("u")));
}

/* ---- serving ---- */

/* A scalar of a YAML document, copied (NULL when absent). */
static char *ystr(struct fy_document *fyd, const char *path)
{
    struct fy_node *n = fy_node_by_path(fy_document_root(fyd), path, FY_NT, FYNWF_DONT_FOLLOW);
    const char *s;
    size_t len;
    if (n == NULL || !fy_node_is_scalar(n))
        return NULL;
    s = fy_node_get_scalar(n, &len);
    return s ? strndup(s, len) : NULL;
}

static void expect_y(struct fy_document *fyd, const char *path, const char *want)
{
    char *got = ystr(fyd, path);
    if (got == NULL || strcmp(got, want) != 0)
        fail_msg("%s: got %s, want %s", path, got ? got : "(absent)", want);
    free(got);
}

/* Base64 (standard, padded) to bytes; returns the length or -1. */
static int b64decode(const char *s, unsigned char *out, size_t cap)
{
    size_t n = strlen(s);
    int len, pad = 0;
    if (n % 4 != 0 || n / 4 * 3 > cap)
        return -1;
    len = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);
    if (len < 0)
        return -1;
    if (n >= 1 && s[n - 1] == '=')
        pad++;
    if (n >= 2 && s[n - 2] == '=')
        pad++;
    return len - pad;
}

/* Parses apiservice.yaml: the versions in order; returns the caBundle of each (decoded, all
 * equal to ca_pem). */
static void check_manifest(const char *path, const char *const *versions, size_t nv,
                           const char *service, const char *ns, const char *port,
                           const char *ca_pem_path)
{
    struct fy_parse_cfg cfg = { .flags = FYPCF_QUIET };
    struct fy_parser *fyp = fy_parser_create(&cfg);
    struct fy_document *fyd;
    struct buf ca;
    char err[KG_ERRBUF], name[64];
    size_t i = 0;

    buf_init(&ca, KG_MAX_CONFIG_FILE);
    assert_int_equal(x509_read_file(ca_pem_path, &ca, err, sizeof(err)), 0);
    assert_non_null(fyp);
    assert_int_equal(fy_parser_set_input_file(fyp, path), 0);
    while ((fyd = fy_parse_load_document(fyp)) != NULL) {
        unsigned char bundle[16384];
        char *b64;
        int n;
        assert_true(i < nv);
        expect_y(fyd, "/apiVersion", "apiregistration.k8s.io/v1");
        expect_y(fyd, "/kind", "APIService");
        snprintf(name, sizeof(name), "%s.metrics.k8s.io", versions[i]);
        expect_y(fyd, "/metadata/name", name);
        expect_y(fyd, "/spec/group", "metrics.k8s.io");
        expect_y(fyd, "/spec/version", versions[i]);
        expect_y(fyd, "/spec/groupPriorityMinimum", "100");
        expect_y(fyd, "/spec/versionPriority", "100");
        expect_y(fyd, "/spec/service/name", service);
        expect_y(fyd, "/spec/service/namespace", ns);
        expect_y(fyd, "/spec/service/port", port);
        expect_y(fyd, "/spec/insecureSkipTLSVerify", "false");
        b64 = ystr(fyd, "/spec/caBundle");
        assert_non_null(b64);
        n = b64decode(b64, bundle, sizeof(bundle));
        assert_true(n > 0);
        assert_int_equal((size_t)n, ca.len);
        assert_memory_equal(bundle, ca.ptr, ca.len);
        free(b64);
        fy_parse_document_destroy(fyp, fyd);
        i++;
    }
    assert_int_equal(i, nv);
    fy_parser_destroy(fyp);
    buf_cleanup(&ca);
}

static void test_serving(void **state)
{
    struct x509_info ca, leaf;
    char err[KG_ERRBUF], expect[2048], *dir;
    static const char *const v1beta1[] = { "v1beta1" };
    static const char *const both[] = { "v1", "v1beta1" };
    (void)state;

    assert_int_equal(run("serving", "--out", tpath("sv"), NULL), 0);
    assert_int_equal(file_mode(tpath("sv/serving-ca.pem")), 0644);
    assert_int_equal(file_mode(tpath("sv/serving-ca-key.pem")), 0600);
    assert_int_equal(file_mode(tpath("sv/serving.pem")), 0644);
    assert_int_equal(file_mode(tpath("sv/serving-key.pem")), 0600);
    assert_int_equal(file_mode(tpath("sv/apiservice.yaml")), 0644);
    check_pair(tpath("sv/serving.pem"), tpath("sv/serving-key.pem"), KG_X509_KEY_RSA, 2048);
    check_pair(tpath("sv/serving-ca.pem"), tpath("sv/serving-ca-key.pem"), KG_X509_KEY_RSA, 2048);

    info_of(tpath("sv/serving-ca.pem"), &ca);
    info_of(tpath("sv/serving.pem"), &leaf);
    assert_true(ca.is_ca);
    assert_int_equal(strncmp(ca.cn, "metrics-server-ca@", 18), 0);
    assert_int_equal(ca.key_usage, KG_X509_KU_CERT_SIGN | KG_X509_KU_CRL_SIGN);
    assert_false(leaf.is_ca);
    assert_string_equal(leaf.cn, "metrics-server.kube-system.svc");
    assert_int_equal(leaf.ext_key_usage, KG_X509_EKU_SERVER_AUTH);
    assert_int_equal(leaf.n_dns, 4);
    assert_string_equal(leaf.dns[0], "metrics-server");
    assert_string_equal(leaf.dns[1], "metrics-server.kube-system");
    assert_string_equal(leaf.dns[2], "metrics-server.kube-system.svc");
    assert_string_equal(leaf.dns[3], "metrics-server.kube-system.svc.cluster.local");
    assert_int_equal(leaf.n_ips, 0);
    assert_int_equal((long long)(leaf.not_after - leaf.not_before), 8760LL * 3600);
    x509_info_cleanup(&ca);
    x509_info_cleanup(&leaf);

    /* the name the kube-aggregator verifies, and the others a client may use */
    assert_int_equal(verify(tpath("sv/serving-ca.pem"), tpath("sv/serving.pem"),
                            KG_X509_USAGE_SERVER, "metrics-server.kube-system.svc", err,
                            sizeof(err)),
                     0);
    assert_int_equal(verify(tpath("sv/serving-ca.pem"), tpath("sv/serving.pem"),
                            KG_X509_USAGE_SERVER, "metrics-server.kube-system.svc.cluster.local",
                            err, sizeof(err)),
                     0);
    assert_int_equal(verify(tpath("sv/serving-ca.pem"), tpath("sv/serving.pem"),
                            KG_X509_USAGE_SERVER, "metrics-server.default.svc", err, sizeof(err)),
                     -EPERM);
    assert_int_equal(verify(tpath("sv/serving-ca.pem"), tpath("sv/serving.pem"),
                            KG_X509_USAGE_CLIENT, NULL, err, sizeof(err)),
                     -EKEYREJECTED);

    check_manifest(tpath("sv/apiservice.yaml"), v1beta1, 1, "metrics-server", "kube-system", "443",
                   tpath("sv/serving-ca.pem"));
    dir = abs_tmp("sv");
    snprintf(expect, sizeof(expect),
             "--tls-cert-file=%s/serving.pem\n--tls-private-key-file=%s/serving-key.pem\n", dir,
             dir);
    assert_string_equal(out_text, expect);
    free(dir);

    /* another Service, extra SANs, both versions, ECDSA, custom validity */
    assert_int_equal(run("serving", "--out", tpath("sv2"), "--service", "kgauge", "--namespace",
                         "monitoring", "--port", "8443", "--ip", "10.96.0.10,::1", "--dns",
                         "metrics.example.com", "--dns", "kgauge.monitoring.svc", "--versions",
                         "v1", "--versions", "v1beta1", "--cluster-domain", "corp.internal",
                         "--key-algo", "ecdsa", "--validity", "24h", "--ca-validity", "48h",
                         "--ca-cn", "my-serving-ca", NULL),
                     0);
    info_of(tpath("sv2/serving.pem"), &leaf);
    assert_string_equal(leaf.cn, "kgauge.monitoring.svc");
    assert_string_equal(leaf.issuer, "CN=my-serving-ca");
    assert_int_equal(leaf.n_dns, 5); /* kgauge.monitoring.svc given twice is written once */
    assert_string_equal(leaf.dns[3], "kgauge.monitoring.svc.corp.internal");
    assert_string_equal(leaf.dns[4], "metrics.example.com");
    assert_int_equal(leaf.n_ips, 2);
    assert_string_equal(leaf.ips[0], "10.96.0.10");
    assert_string_equal(leaf.ips[1], "::1");
    assert_int_equal((long long)(leaf.not_after - leaf.not_before), 24LL * 3600);
    x509_info_cleanup(&leaf);
    check_pair(tpath("sv2/serving.pem"), tpath("sv2/serving-key.pem"), KG_X509_KEY_EC, 256);
    assert_int_equal(verify(tpath("sv2/serving-ca.pem"), tpath("sv2/serving.pem"),
                            KG_X509_USAGE_SERVER, "10.96.0.10", err, sizeof(err)),
                     0);
    check_manifest(tpath("sv2/apiservice.yaml"), both, 2, "kgauge", "monitoring", "8443",
                   tpath("sv2/serving-ca.pem"));
    rm_rf(tpath("sv"));
    rm_rf(tpath("sv2"));
}

/* ---- a real handshake: aggregator -> metrics server ---- */

static void h_whoami(const struct server_req *req, struct server_resp *resp, void *ud)
{
    const struct server_peer *p = server_req_peer(req);
    (void)ud;
    server_resp_text(resp, 200, "cn=%s verified=%d", p->cn, p->verified);
}

static size_t wr_cb(char *data, size_t size, size_t n, void *ud)
{
    struct buf *b = ud;
    return buf_append(b, data, size * n) == 0 ? size * n : 0;
}

/* GET https://<host>:port/whoami resolved to 127.0.0.1, trusting only ca (PEM bytes). */
static CURLcode fetch(const char *host, int port, const struct buf *ca, const char *cert,
                      const char *key, struct buf *body)
{
    CURL *c = curl_easy_init();
    struct curl_slist *resolve = NULL;
    struct curl_blob blob = { .data = ca->ptr, .len = ca->len, .flags = CURL_BLOB_COPY };
    char url[512], rs[512];
    CURLcode rc;

    snprintf(url, sizeof(url), "https://%s:%d/whoami", host, port);
    snprintf(rs, sizeof(rs), "%s:%d:127.0.0.1", host, port);
    resolve = curl_slist_append(NULL, rs);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_RESOLVE, resolve);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 8000L);
    curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
    curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
    curl_easy_setopt(c, CURLOPT_CAINFO, NULL);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, wr_cb);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
    if (cert != NULL) {
        curl_easy_setopt(c, CURLOPT_SSLCERT, cert);
        curl_easy_setopt(c, CURLOPT_SSLKEY, key);
    }
    rc = curl_easy_perform(c);
    curl_easy_cleanup(c);
    curl_slist_free_all(resolve);
    return rc;
}

static void test_tls_handshake(void **state)
{
    struct server *srv;
    struct buf ca, body;
    struct fy_document *fyd;
    unsigned char bundle[16384];
    char err[KG_ERRBUF], *b64;
    const char *client_cas[1];
    int id, port, n;
    (void)state;

    assert_int_equal(run("front-proxy", "--out", tpath("tls"), "--key-algo", "ecdsa", NULL), 0);
    assert_int_equal(run("serving", "--out", tpath("tls"), "--key-algo", "ecdsa", NULL), 0);

    /* the aggregator trusts spec.caBundle of the APIService: take it from the manifest */
    fyd = fy_document_build_from_file(NULL, tpath("tls/apiservice.yaml"));
    assert_non_null(fyd);
    b64 = ystr(fyd, "/spec/caBundle");
    assert_non_null(b64);
    n = b64decode(b64, bundle, sizeof(bundle));
    assert_true(n > 0);
    free(b64);
    fy_document_destroy(fyd);
    buf_init(&ca, KG_MAX_CONFIG_FILE);
    assert_int_equal(buf_append(&ca, bundle, (size_t)n), 0);

    client_cas[0] = tpath("tls/front-proxy-ca.pem");
    struct server_opts so = { .tls_cert_file = tpath("tls/serving.pem"),
                              .tls_key_file = tpath("tls/serving-key.pem"),
                              .client_ca_files = client_cas,
                              .n_client_ca_files = 1,
                              .threads = 2,
                              .name = "certs-test" };
    srv = server_new(&so, err, sizeof(err));
    if (srv == NULL)
        fail_msg("server_new: %s", err);
    assert_int_equal(server_route(srv, "GET", "/whoami", h_whoami, NULL, err, sizeof(err)), 0);
    id = server_listen(srv, "127.0.0.1", 0, err, sizeof(err));
    assert_true(id >= 0);
    assert_int_equal(server_start(srv, err, sizeof(err)), 0);
    port = server_port(srv, id);
    assert_true(port > 0);

    /* as the kube-aggregator: ServerName <service>.<namespace>.svc, front-proxy client cert */
    buf_init(&body, 65536);
    assert_int_equal(fetch("metrics-server.kube-system.svc", port, &ca,
                           tpath("tls/front-proxy-client.pem"),
                           tpath("tls/front-proxy-client-key.pem"), &body),
                     CURLE_OK);
    assert_string_equal(buf_str(&body), "cn=front-proxy-client verified=1");

    /* the other Service names verify too; without a client certificate there is no identity */
    buf_reset(&body);
    assert_int_equal(
        fetch("metrics-server.kube-system.svc.cluster.local", port, &ca, NULL, NULL, &body),
        CURLE_OK);
    assert_string_equal(buf_str(&body), "cn= verified=0");

    /* a name the certificate does not hold fails verification */
    buf_reset(&body);
    assert_int_equal(fetch("metrics-server.default.svc", port, &ca, NULL, NULL, &body),
                     CURLE_PEER_FAILED_VERIFICATION);

    /* the front-proxy CA does not vouch for the serving certificate */
    struct buf wrong;
    buf_init(&wrong, KG_MAX_CONFIG_FILE);
    assert_int_equal(x509_read_file(tpath("tls/front-proxy-ca.pem"), &wrong, err, sizeof(err)), 0);
    buf_reset(&body);
    assert_int_equal(fetch("metrics-server.kube-system.svc", port, &wrong, NULL, NULL, &body),
                     CURLE_PEER_FAILED_VERIFICATION);

    /* a serving certificate presented as a client is not verified (no clientAuth, other CA) */
    buf_reset(&body);
    assert_int_equal(fetch("metrics-server.kube-system.svc", port, &ca, tpath("tls/serving.pem"),
                           tpath("tls/serving-key.pem"), &body),
                     CURLE_OK);
    assert_non_null(strstr(buf_str(&body), "verified=0"));

    server_free(srv);
    buf_cleanup(&wrong);
    buf_cleanup(&body);
    buf_cleanup(&ca);
    rm_rf(tpath("tls"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_front_proxy_defaults),
        cmocka_unit_test(test_front_proxy_flags),
        cmocka_unit_test(test_allowed_names_warning),
        cmocka_unit_test(test_seed_csr_files),
        cmocka_unit_test(test_csr_names_hosts_expiry),
        cmocka_unit_test(test_csr_file_errors),
        cmocka_unit_test(test_csr_parse),
        cmocka_unit_test(test_csr_limits),
        cmocka_unit_test(test_key_spec_check),
        cmocka_unit_test(test_no_overwrite_without_force),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_serving),
        cmocka_unit_test(test_tls_handshake),
    };
    int rc;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    rc = cmocka_run_group_tests(tests, setup, teardown);
    curl_global_cleanup();
    return rc;
}
