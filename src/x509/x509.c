/*
 * X.509 keys and certificates with OpenSSL 3.0 EVP/X509 APIs (no deprecated RSA_* or EC_KEY_*).
 *
 * Certificates are built to look like the ones Go's x509.CreateCertificate makes for Kubernetes
 * (subject encoding, extension order and criticality, SKI/AKI rules), and verification reports
 * Go's error strings: a leaf's own checks (validity, EKU, host name) are done here first, in Go's
 * order, then OpenSSL builds the chain (X509_V_FLAG_PARTIAL_CHAIN: any pool member is an anchor,
 * as in a Go CertPool) and its verdict is mapped to Go's wording, including the "possibly
 * because of ..." hint Go adds when a same-named candidate issuer does not verify.
 *
 * Every OpenSSL failure path empties the thread's error queue so that libcurl and others sharing
 * the thread never see our errors. OpenSSL allocates internally; its NULL returns are reported
 * as errors (-EIO), our own allocations abort on OOM (util/alloc.h).
 */
#include "x509/x509.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "util/err.h"
#include "util/alloc.h"
#include "util/assert.h"
#include "util/buf.h"
#include "util/limits.h"

struct x509_key {
    EVP_PKEY *pkey;
};

struct x509_cert {
    X509 *x;
};

struct x509_pool {
    X509_STORE *store;      /* for X509_verify_cert */
    STACK_OF(X509) * certs; /* the same certificates in insertion order (untrusted list, hints) */
};

/* Latest instant an X.509 GeneralizedTime can hold: 9999-12-31T23:59:59Z. */
#define MAX_CERT_TIME 253402300799LL

/* ---- errors ---- */

/* "what: <first OpenSSL reason>", then empties the queue. Returns rc. */
static int ossl_fail(int rc, char *err, size_t errlen, const char *what)
{
    unsigned long e = ERR_get_error();
    char reason[256];

    if (e) {
        ERR_error_string_n(e, reason, sizeof(reason));
        kg_set_err(err, errlen, "%s: %s", what, reason);
    } else {
        kg_set_err(err, errlen, "%s", what);
    }
    ERR_clear_error();
    return rc;
}

/* Go's os errors: "open /x: no such file or directory" (strerror, first letter lower-cased). */
static int errno_fail(char *err, size_t errlen, const char *op, const char *path, int e)
{
    char tmp[128];
    const char *s = strerror_r(e, tmp, sizeof(tmp));
    char first = s[0];

    if (first >= 'A' && first <= 'Z')
        first = (char)(first - 'A' + 'a');
    kg_set_err(err, errlen, "%s %s: %c%s", op, path, first, s[0] ? s + 1 : "");
    return -e;
}

/* ---- small helpers ---- */

/* A read-only BIO over data; NULL when OpenSSL cannot allocate. len <= INT_MAX (checked). */
static BIO *mem_bio(const void *data, size_t len)
{
    return BIO_new_mem_buf(len ? data : "", (int)len);
}

/* Appends everything written to a memory BIO to out. */
static int bio_to_buf(BIO *b, struct buf *out, char *err, size_t errlen)
{
    char *p = NULL;
    long n = BIO_get_mem_data(b, &p);

    if (n < 0 || (n > 0 && !p))
        return ossl_fail(-EIO, err, errlen, "reading encoder output");
    if (buf_append(out, p, (size_t)n) < 0) {
        kg_set_err(err, errlen, "output of %ld bytes exceeds the buffer limit of %zu bytes", n,
                   out->max);
        return -E2BIG;
    }
    return 0;
}

static int check_input_len(size_t len, char *err, size_t errlen)
{
    if (len > KG_MAX_CONFIG_FILE || len > INT_MAX) {
        kg_set_err(err, errlen, "input of %zu bytes exceeds the limit of %u bytes", len,
                   KG_MAX_CONFIG_FILE);
        return -E2BIG;
    }
    return 0;
}

/* Go's utf8.ValidString: no overlong forms, no surrogates, nothing above U+10FFFF. */
static int utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        unsigned c = s[i];
        size_t need;
        unsigned cp, min;

        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            need = 1, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            need = 2, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            need = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return 0;
        }
        if (n - i <= need)
            return 0;
        for (size_t k = 1; k <= need; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += need + 1;
    }
    return 1;
}

/* encoding/asn1 isPrintable with asterisk and ampersand rejected (what Go uses when marshalling).
 */
static int go_printable(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char b = (unsigned char)s[i];
        int ok = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') ||
                 (b >= '\'' && b <= ')') || (b >= '+' && b <= '/') || b == ' ' || b == ':' ||
                 b == '=' || b == '?';
        if (!ok)
            return 0;
    }
    return 1;
}

/* Parses a textual IP into 4 (IPv4, or IPv4-mapped IPv6 as Go's To4) or 16 bytes; 0 on error. */
static size_t parse_ip(const char *s, unsigned char out[16])
{
    static const unsigned char v4prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

    if (inet_pton(AF_INET, s, out) == 1)
        return 4;
    if (inet_pton(AF_INET6, s, out) == 1) {
        if (memcmp(out, v4prefix, 12) == 0) {
            memmove(out, out + 12, 4);
            return 4;
        }
        return 16;
    }
    return 0;
}

/* Go's net.IP.String(): dotted IPv4 (also for IPv4-mapped), RFC 5952 IPv6, "?hex" otherwise. */
static void format_ip(const unsigned char *ip, size_t n, char *out, size_t outlen)
{
    static const unsigned char v4prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    size_t pos = 0;

    if (n == 16 && memcmp(ip, v4prefix, 12) == 0) {
        ip += 12;
        n = 4;
    }
    if (n == 4) {
        snprintf(out, outlen, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
        return;
    }
    if (n != 16) {
        pos += (size_t)snprintf(out, outlen, "?");
        for (size_t i = 0; i < n && pos < outlen; i++)
            pos += (size_t)snprintf(out + pos, outlen - pos, "%02x", ip[i]);
        return;
    }
    /* longest run of >= 2 zero groups, the first one on ties */
    int best = -1, bestlen = 0;
    for (int i = 0; i < 8;) {
        int j = i;
        while (j < 8 && ip[2 * j] == 0 && ip[2 * j + 1] == 0)
            j++;
        if (j - i >= 2 && j - i > bestlen) {
            best = i;
            bestlen = j - i;
        }
        i = (j == i) ? i + 1 : j;
    }
    out[0] = '\0';
    for (int i = 0; i < 8 && pos < outlen; i++) {
        if (i == best) {
            pos += (size_t)snprintf(out + pos, outlen - pos, "::");
            i += bestlen - 1;
            continue;
        }
        if (i > 0 && i != best + bestlen)
            pos += (size_t)snprintf(out + pos, outlen - pos, ":");
        if (pos < outlen)
            pos += (size_t)snprintf(out + pos, outlen - pos, "%x",
                                    (unsigned)(ip[2 * i] << 8 | ip[2 * i + 1]));
    }
}

/* "2006-01-02T15:04:05Z" for any time_t a certificate can hold. */
static void format_rfc3339(time_t t, char *out, size_t outlen)
{
    struct tm tm;

    if (!gmtime_r(&t, &tm)) {
        snprintf(out, outlen, "%lld", (long long)t);
        return;
    }
    snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static time_t asn1_time_to_time(const ASN1_TIME *t)
{
    struct tm tm;

    memset(&tm, 0, sizeof(tm));
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1) {
        ERR_clear_error();
        return 0;
    }
    return timegm(&tm);
}

/* ---- keys ---- */

static struct x509_key *key_wrap(EVP_PKEY *p)
{
    struct x509_key *k = xmalloc(sizeof(*k));
    k->pkey = p;
    return k;
}

int x509_key_new_rsa(struct x509_key **out, unsigned bits, char *err, size_t errlen)
{
    EVP_PKEY *p;

    *out = NULL;
    if (bits < KG_X509_RSA_MIN_BITS || bits > KG_X509_RSA_MAX_BITS) {
        kg_set_err(err, errlen, "RSA key size %u is outside the supported range %u..%u", bits,
                   KG_X509_RSA_MIN_BITS, KG_X509_RSA_MAX_BITS);
        return -EINVAL;
    }
    p = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
    if (!p)
        return ossl_fail(-EIO, err, errlen, "generating an RSA key");
    *out = key_wrap(p);
    return 0;
}

static const char *curve_name(enum x509_curve c)
{
    switch (c) {
    case KG_X509_P256:
        return "P-256";
    case KG_X509_P384:
        return "P-384";
    case KG_X509_P521:
        return "P-521";
    }
    return NULL;
}

int x509_key_new_ec(struct x509_key **out, enum x509_curve curve, char *err, size_t errlen)
{
    const char *name = curve_name(curve);
    EVP_PKEY *p;

    *out = NULL;
    if (!name) {
        kg_set_err(err, errlen, "unknown elliptic curve %d (want P-256, P-384 or P-521)",
                   (int)curve);
        return -EINVAL;
    }
    p = EVP_PKEY_Q_keygen(NULL, NULL, "EC", name);
    if (!p)
        return ossl_fail(-EIO, err, errlen, "generating an ECDSA key");
    *out = key_wrap(p);
    return 0;
}

void x509_key_free(struct x509_key *k)
{
    if (!k)
        return;
    EVP_PKEY_free(k->pkey);
    free(k);
}

enum x509_key_type x509_key_type(const struct x509_key *k)
{
    return EVP_PKEY_get_base_id(k->pkey) == EVP_PKEY_EC ? KG_X509_KEY_EC : KG_X509_KEY_RSA;
}

int x509_key_bits(const struct x509_key *k)
{
    return EVP_PKEY_get_bits(k->pkey);
}

struct evp_pkey_st *x509_key_evp(const struct x509_key *k)
{
    return k->pkey;
}

/* Decodes one DER private key of the form a PEM block type promises; NULL if it is not one. */
static EVP_PKEY *decode_key_block(const char *type, const unsigned char *der, long len)
{
    const unsigned char *p = der;
    EVP_PKEY *k = NULL;

    if (strcmp(type, "RSA PRIVATE KEY") == 0) {
        k = d2i_PrivateKey(EVP_PKEY_RSA, NULL, &p, len);
    } else if (strcmp(type, "EC PRIVATE KEY") == 0) {
        k = d2i_PrivateKey(EVP_PKEY_EC, NULL, &p, len);
    } else if (strcmp(type, "PRIVATE KEY") == 0) {
        PKCS8_PRIV_KEY_INFO *p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, len);
        if (p8) {
            k = EVP_PKCS82PKEY(p8);
            PKCS8_PRIV_KEY_INFO_free(p8);
        }
    }
    if (k && (p != der + len || (EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA &&
                                 EVP_PKEY_get_base_id(k) != EVP_PKEY_EC))) {
        EVP_PKEY_free(k); /* trailing data, or an algorithm Kubernetes does not load */
        k = NULL;
    }
    ERR_clear_error();
    return k;
}

/*
 * Iterates over the PEM blocks of data: *name, *header, *der are OpenSSL allocations the caller
 * frees. Returns 1 for a block, 0 at the end, -EINVAL for a malformed block.
 */
static int next_pem_block(BIO *b, char **name, char **header, unsigned char **der, long *len)
{
    *name = *header = NULL;
    *der = NULL;
    *len = 0;
    if (PEM_read_bio(b, name, header, der, len) == 1)
        return 1;
    unsigned long e = ERR_peek_last_error();
    int end = ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
    ERR_clear_error();
    return end ? 0 : -EINVAL;
}

static void free_pem_block(char *name, char *header, unsigned char *der)
{
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(der);
}

int x509_key_parse(struct x509_key **out, const void *pem, size_t len, char *err, size_t errlen)
{
    BIO *b = NULL;
    EVP_PKEY *k = NULL;
    int rc, encrypted = 0;

    *out = NULL;
    rc = check_input_len(len, err, errlen);
    if (rc < 0)
        goto out;
    b = mem_bio(pem, len);
    if (!b) {
        rc = ossl_fail(-EIO, err, errlen, "reading PEM");
        goto out;
    }
    for (;;) {
        char *name, *header;
        unsigned char *der;
        long dlen;
        rc = next_pem_block(b, &name, &header, &der, &dlen);
        if (rc <= 0)
            break;
        if (strstr(header, "ENCRYPTED") || strcmp(name, "ENCRYPTED PRIVATE KEY") == 0)
            encrypted = 1;
        else
            k = decode_key_block(name, der, dlen);
        free_pem_block(name, header, der);
        if (k)
            break;
    }
    if (k) {
        *out = key_wrap(k);
        rc = 0;
    } else if (rc < 0) {
        kg_set_err(err, errlen, "malformed PEM block before any valid RSA or ECDSA private key");
    } else {
        kg_set_err(err, errlen, "data does not contain a valid RSA or ECDSA private key%s",
                   encrypted ? " (encrypted keys are not supported)" : "");
        rc = -EINVAL;
    }
out:
    BIO_free(b);
    return rc;
}

int x509_key_pem(const struct x509_key *k, enum x509_key_format fmt, struct buf *out, char *err,
                 size_t errlen)
{
    BIO *b = BIO_new(BIO_s_mem());
    int rc, ok;

    if (!b)
        return ossl_fail(-EIO, err, errlen, "encoding a private key");
    if (fmt == KG_X509_KEY_PKCS8)
        ok = PEM_write_bio_PrivateKey(b, k->pkey, NULL, NULL, 0, NULL, NULL);
    else
        ok = PEM_write_bio_PrivateKey_traditional(b, k->pkey, NULL, NULL, 0, NULL, NULL);
    rc = ok == 1 ? bio_to_buf(b, out, err, errlen)
                 : ossl_fail(-EIO, err, errlen, "encoding a private key");
    BIO_free(b);
    return rc;
}

/* ---- building certificates ---- */

/* Adds the values of one attribute as one (multi-valued) RDN, as Go's pkix appendRDNs. */
static int name_add(X509_NAME *n, int nid, const char *what, const char *const *vals, size_t max,
                    char *err, size_t errlen)
{
    int first = 1;

    for (size_t i = 0; i < max && vals[i]; i++) {
        size_t len = strlen(vals[i]);
        if (len == 0)
            continue;
        if (len > KG_MAX_X509_STRING) {
            kg_set_err(err, errlen, "subject %s of %zu bytes exceeds the limit of %d", what, len,
                       KG_MAX_X509_STRING);
            return -EINVAL;
        }
        if (!utf8_valid((const unsigned char *)vals[i], len)) {
            kg_set_err(err, errlen, "asn1: string not valid UTF-8 (subject %s)", what);
            return -EINVAL;
        }
        int type = go_printable(vals[i], len) ? V_ASN1_PRINTABLESTRING : V_ASN1_UTF8STRING;
        if (!X509_NAME_add_entry_by_NID(n, nid, type, (const unsigned char *)vals[i], (int)len, -1,
                                        first ? 0 : -1))
            return ossl_fail(-EIO, err, errlen, "building the subject");
        first = 0;
    }
    return 0;
}

static X509_NAME *build_name(const struct x509_name *s, char *err, size_t errlen, int *rc)
{
    X509_NAME *n = X509_NAME_new();
    const char *cn[2] = { s->cn, NULL };

    if (!n) {
        *rc = ossl_fail(-EIO, err, errlen, "building the subject");
        return NULL;
    }
    *rc = name_add(n, NID_countryName, "C", s->c, KG_MAX_X509_NAME_VALUES, err, errlen);
    if (*rc == 0)
        *rc =
            name_add(n, NID_stateOrProvinceName, "ST", s->st, KG_MAX_X509_NAME_VALUES, err, errlen);
    if (*rc == 0)
        *rc = name_add(n, NID_localityName, "L", s->l, KG_MAX_X509_NAME_VALUES, err, errlen);
    if (*rc == 0)
        *rc = name_add(n, NID_organizationName, "O", s->o, KG_MAX_X509_NAME_VALUES, err, errlen);
    if (*rc == 0)
        *rc = name_add(n, NID_organizationalUnitName, "OU", s->ou, KG_MAX_X509_NAME_VALUES, err,
                       errlen);
    if (*rc == 0)
        *rc = name_add(n, NID_commonName, "CN", cn, 1, err, errlen);
    if (*rc < 0) {
        X509_NAME_free(n);
        return NULL;
    }
    return n;
}

static GENERAL_NAMES *build_sans(const struct x509_template *t, char *err, size_t errlen, int *rc)
{
    GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();

    *rc = 0;
    if (!gens) {
        *rc = ossl_fail(-EIO, err, errlen, "building subjectAltName");
        return NULL;
    }
    for (size_t i = 0; i < t->n_dns && *rc == 0; i++) {
        const char *d = t->dns[i];
        size_t len = d ? strlen(d) : 0;
        GENERAL_NAME *g;
        ASN1_IA5STRING *s;

        if (len == 0 || len > KG_MAX_X509_STRING) {
            kg_set_err(err, errlen, "DNS SAN %zu is empty or longer than %d bytes", i,
                       KG_MAX_X509_STRING);
            *rc = -EINVAL;
            break;
        }
        for (size_t k = 0; k < len; k++) {
            if ((unsigned char)d[k] > 127) {
                kg_set_err(err, errlen, "x509: \"%s\" cannot be encoded as an IA5String", d);
                *rc = -EINVAL;
                break;
            }
        }
        if (*rc < 0)
            break;
        g = GENERAL_NAME_new();
        s = ASN1_IA5STRING_new();
        if (!g || !s || !ASN1_STRING_set(s, d, (int)len)) {
            GENERAL_NAME_free(g);
            ASN1_IA5STRING_free(s);
            *rc = ossl_fail(-EIO, err, errlen, "building subjectAltName");
            break;
        }
        GENERAL_NAME_set0_value(g, GEN_DNS, s);
        if (!sk_GENERAL_NAME_push(gens, g)) {
            GENERAL_NAME_free(g);
            *rc = ossl_fail(-EIO, err, errlen, "building subjectAltName");
        }
    }
    for (size_t i = 0; i < t->n_ips && *rc == 0; i++) {
        unsigned char ip[16];
        size_t n = t->ips[i] ? parse_ip(t->ips[i], ip) : 0;
        GENERAL_NAME *g;
        ASN1_OCTET_STRING *s;

        if (n == 0) {
            kg_set_err(err, errlen, "IP SAN \"%s\" is not an IPv4 or IPv6 address",
                       t->ips[i] ? t->ips[i] : "(null)");
            *rc = -EINVAL;
            break;
        }
        g = GENERAL_NAME_new();
        s = ASN1_OCTET_STRING_new();
        if (!g || !s || !ASN1_OCTET_STRING_set(s, ip, (int)n)) {
            GENERAL_NAME_free(g);
            ASN1_OCTET_STRING_free(s);
            *rc = ossl_fail(-EIO, err, errlen, "building subjectAltName");
            break;
        }
        GENERAL_NAME_set0_value(g, GEN_IPADD, s);
        if (!sk_GENERAL_NAME_push(gens, g)) {
            GENERAL_NAME_free(g);
            *rc = ossl_fail(-EIO, err, errlen, "building subjectAltName");
        }
    }
    if (*rc < 0) {
        GENERAL_NAMES_free(gens);
        return NULL;
    }
    return gens;
}

static int add_key_usage(X509 *x, unsigned ku)
{
    ASN1_BIT_STRING *bs = ASN1_BIT_STRING_new();
    int ok = bs != NULL;

    for (int bit = 0; ok && bit < 7; bit++)
        if (ku & (1u << bit))
            ok = ASN1_BIT_STRING_set_bit(bs, bit, 1);
    ok = ok && X509_add1_ext_i2d(x, NID_key_usage, bs, 1, X509V3_ADD_DEFAULT) == 1;
    ASN1_BIT_STRING_free(bs);
    return ok;
}

static int add_ext_key_usage(X509 *x, unsigned eku)
{
    EXTENDED_KEY_USAGE *e = sk_ASN1_OBJECT_new_null();
    int ok = e != NULL;

    if (ok && (eku & KG_X509_EKU_SERVER_AUTH))
        ok = sk_ASN1_OBJECT_push(e, OBJ_nid2obj(NID_server_auth)) > 0;
    if (ok && (eku & KG_X509_EKU_CLIENT_AUTH))
        ok = sk_ASN1_OBJECT_push(e, OBJ_nid2obj(NID_client_auth)) > 0;
    ok = ok && X509_add1_ext_i2d(x, NID_ext_key_usage, e, 0, X509V3_ADD_DEFAULT) == 1;
    sk_ASN1_OBJECT_free(e); /* the objects are OpenSSL's static ones */
    return ok;
}

static int add_basic_constraints(X509 *x, int is_ca)
{
    BASIC_CONSTRAINTS *bc = BASIC_CONSTRAINTS_new();
    int ok = bc != NULL;

    if (ok) {
        bc->ca = is_ca ? 0xFF : 0;
        ok = X509_add1_ext_i2d(x, NID_basic_constraints, bc, 1, X509V3_ADD_DEFAULT) == 1;
    }
    BASIC_CONSTRAINTS_free(bc);
    return ok;
}

/* RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits (what Go writes for CAs). */
static int add_subject_key_id(X509 *x)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    ASN1_OCTET_STRING *s = NULL;
    int ok = X509_pubkey_digest(x, EVP_sha1(), md, &mdlen) == 1;

    if (ok) {
        s = ASN1_OCTET_STRING_new();
        ok = s && ASN1_OCTET_STRING_set(s, md, (int)mdlen);
    }
    ok = ok && X509_add1_ext_i2d(x, NID_subject_key_identifier, s, 0, X509V3_ADD_DEFAULT) == 1;
    ASN1_OCTET_STRING_free(s);
    return ok;
}

static int add_authority_key_id(X509 *x, const ASN1_OCTET_STRING *skid)
{
    AUTHORITY_KEYID *a = AUTHORITY_KEYID_new();
    int ok = a != NULL;

    if (ok) {
        a->keyid = ASN1_OCTET_STRING_dup(skid);
        ok = a->keyid != NULL;
    }
    ok = ok && X509_add1_ext_i2d(x, NID_authority_key_identifier, a, 0, X509V3_ADD_DEFAULT) == 1;
    AUTHORITY_KEYID_free(a);
    return ok;
}

static int set_serial(X509 *x, uint64_t serial)
{
    unsigned char rnd[16];
    BIGNUM *bn;
    int ok;

    if (serial)
        return ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial);
    if (RAND_bytes(rnd, sizeof(rnd)) != 1)
        return 0;
    rnd[sizeof(rnd) - 1] |= 1; /* never zero: serials must be positive */
    bn = BN_bin2bn(rnd, sizeof(rnd), NULL);
    ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
    BN_free(bn);
    return ok;
}

/* The digest Go's x509 signs with for this key. */
static const EVP_MD *sign_md(EVP_PKEY *k)
{
    if (EVP_PKEY_get_base_id(k) == EVP_PKEY_EC) {
        int bits = EVP_PKEY_get_bits(k);
        if (bits > 384)
            return EVP_sha512();
        if (bits > 256)
            return EVP_sha384();
    }
    return EVP_sha256();
}

static int name_der_equal(const X509_NAME *a, const X509_NAME *b)
{
    const unsigned char *pa, *pb;
    size_t la, lb;

    if (!X509_NAME_get0_der((X509_NAME *)a, &pa, &la) ||
        !X509_NAME_get0_der((X509_NAME *)b, &pb, &lb)) {
        ERR_clear_error();
        return 0;
    }
    return la == lb && memcmp(pa, pb, la) == 0;
}

static int cert_cn(const X509 *x, char *out, size_t outlen);

static int check_template(const struct x509_template *t, time_t *nb, time_t *na, char *err,
                          size_t errlen)
{
    int64_t dur = t->duration_s ? t->duration_s : KG_X509_DEFAULT_DURATION_S;

    if (t->n_dns + t->n_ips > KG_MAX_X509_SANS) {
        kg_set_err(err, errlen, "%zu SANs exceed the limit of %d", t->n_dns + t->n_ips,
                   KG_MAX_X509_SANS);
        return -EINVAL;
    }
    if ((t->n_dns && !t->dns) || (t->n_ips && !t->ips)) {
        kg_set_err(err, errlen, "SAN count given without a list");
        return -EINVAL;
    }
    if (t->key_usage & ~0x7Fu) {
        kg_set_err(err, errlen, "unknown key usage bits 0x%x", t->key_usage & ~0x7Fu);
        return -EINVAL;
    }
    if (t->ext_key_usage & ~(unsigned)(KG_X509_EKU_SERVER_AUTH | KG_X509_EKU_CLIENT_AUTH)) {
        kg_set_err(err, errlen,
                   "extended key usage 0x%x cannot be written (only serverAuth and "
                   "clientAuth)",
                   t->ext_key_usage);
        return -EINVAL;
    }
    *nb = t->not_before ? t->not_before : time(NULL) - KG_X509_BACKDATE_S;
    if (dur < 0 || *nb < 0 || *nb > MAX_CERT_TIME || dur > MAX_CERT_TIME - *nb) {
        kg_set_err(err, errlen,
                   "validity period (not before %lld, duration %llds) is negative or "
                   "ends after year 9999",
                   (long long)*nb, (long long)dur);
        return -EINVAL;
    }
    *na = *nb + (time_t)dur;
    return 0;
}

static int check_issuer(const struct x509_cert *issuer, const struct x509_key *issuer_key,
                        char *err, size_t errlen)
{
    char cn[256];

    cert_cn(issuer->x, cn, sizeof(cn));
    if (!(X509_get_extension_flags(issuer->x) & EXFLAG_CA)) {
        kg_set_err(err, errlen,
                   "issuer certificate \"%s\" is not a CA (basicConstraints CA:TRUE "
                   "missing)",
                   cn);
        return -EINVAL;
    }
    if (EVP_PKEY_eq(X509_get0_pubkey(issuer->x), issuer_key->pkey) != 1) {
        ERR_clear_error();
        kg_set_err(err, errlen,
                   "issuer key does not match the public key of issuer certificate "
                   "\"%s\"",
                   cn);
        return -EINVAL;
    }
    return 0;
}

int x509_cert_sign(struct x509_cert **out, const struct x509_template *t,
                   const struct x509_key *subject_key, const struct x509_cert *issuer,
                   const struct x509_key *issuer_key, char *err, size_t errlen)
{
    X509 *x = NULL;
    X509_NAME *subject = NULL;
    GENERAL_NAMES *sans = NULL;
    time_t nb, na;
    unsigned ku;
    int rc;

    *out = NULL;
    if (!issuer_key)
        issuer_key = subject_key;
    rc = check_template(t, &nb, &na, err, errlen);
    if (rc < 0)
        goto out;
    if (!issuer && issuer_key != subject_key &&
        EVP_PKEY_eq(issuer_key->pkey, subject_key->pkey) != 1) {
        ERR_clear_error();
        kg_set_err(err, errlen, "a self-signed certificate must be signed with its own key");
        rc = -EINVAL;
        goto out;
    }
    if (issuer) {
        rc = check_issuer(issuer, issuer_key, err, errlen);
        if (rc < 0)
            goto out;
    }
    subject = build_name(&t->subject, err, errlen, &rc);
    if (!subject)
        goto out;
    if (t->n_dns + t->n_ips > 0) {
        sans = build_sans(t, err, errlen, &rc);
        if (!sans)
            goto out;
    }

    rc = -EIO;
    x = X509_new();
    if (!x || !X509_set_version(x, X509_VERSION_3) || !set_serial(x, t->serial) ||
        !X509_set_subject_name(x, subject) ||
        !X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer->x) : subject) ||
        !ASN1_TIME_set(X509_getm_notBefore(x), nb) || !ASN1_TIME_set(X509_getm_notAfter(x), na) ||
        !X509_set_pubkey(x, subject_key->pkey)) {
        rc = ossl_fail(-EIO, err, errlen, "building the certificate");
        goto out;
    }
    /* Go's order: keyUsage, extKeyUsage, basicConstraints, SKI, AKI, subjectAltName */
    ku = t->key_usage ? t->key_usage
                      : (unsigned)(KG_X509_KU_DIGITAL_SIGNATURE | KG_X509_KU_KEY_ENCIPHERMENT |
                                   (t->is_ca ? KG_X509_KU_CERT_SIGN : 0));
    if (!add_key_usage(x, ku) || (t->ext_key_usage && !add_ext_key_usage(x, t->ext_key_usage)) ||
        !add_basic_constraints(x, t->is_ca) || (t->is_ca && !add_subject_key_id(x))) {
        rc = ossl_fail(-EIO, err, errlen, "adding certificate extensions");
        goto out;
    }
    if (issuer) {
        const ASN1_OCTET_STRING *skid = X509_get0_subject_key_id(issuer->x);
        if (skid && !name_der_equal(X509_get_subject_name(issuer->x), subject) &&
            !add_authority_key_id(x, skid)) {
            rc = ossl_fail(-EIO, err, errlen, "adding authorityKeyIdentifier");
            goto out;
        }
    }
    if (sans && X509_add1_ext_i2d(x, NID_subject_alt_name, sans,
                                  X509_NAME_entry_count(subject) == 0, X509V3_ADD_DEFAULT) != 1) {
        rc = ossl_fail(-EIO, err, errlen, "adding subjectAltName");
        goto out;
    }
    if (X509_sign(x, issuer_key->pkey, sign_md(issuer_key->pkey)) <= 0) {
        rc = ossl_fail(-EIO, err, errlen, "signing the certificate");
        goto out;
    }
    /* nothing cached the extensions before signing, so x is now exactly what a reader sees */
    *out = xmalloc(sizeof(**out));
    (*out)->x = x;
    x = NULL;
    rc = 0;
out:
    X509_free(x);
    X509_NAME_free(subject);
    GENERAL_NAMES_free(sans);
    return rc;
}

void x509_cert_free(struct x509_cert *c)
{
    if (!c)
        return;
    X509_free(c->x);
    free(c);
}

static struct x509_cert *cert_wrap_ref(X509 *x)
{
    struct x509_cert *c = xmalloc(sizeof(*c));

    X509_up_ref(x);
    c->x = x;
    return c;
}

struct x509_cert *x509_cert_dup(const struct x509_cert *c)
{
    return cert_wrap_ref(c->x);
}

struct x509_st *x509_cert_x509(const struct x509_cert *c)
{
    return c->x;
}

/* ---- parsing certificates ---- */

/* Rejects what Go's ParseCertificate rejects and OpenSSL parses lazily: malformed extensions,
 * IP SANs that are not 4 or 16 bytes. */
static int cert_sane(X509 *x, char *err, size_t errlen)
{
    GENERAL_NAMES *gens;
    int crit = -1, rc = 0;

    if (X509_get_extension_flags(x) & EXFLAG_INVALID) {
        ERR_clear_error();
        kg_set_err(err, errlen, "x509: malformed certificate extension");
        return -EINVAL;
    }
    gens = X509_get_ext_d2i(x, NID_subject_alt_name, &crit, NULL);
    for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++) {
        GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        if (g->type == GEN_IPADD && g->d.iPAddress->length != 4 && g->d.iPAddress->length != 16) {
            kg_set_err(err, errlen, "x509: cannot parse IP address of length %d",
                       g->d.iPAddress->length);
            rc = -EINVAL;
        }
    }
    GENERAL_NAMES_free(gens);
    ERR_clear_error();
    return rc;
}

static X509 *decode_cert_der(const unsigned char *der, long len, char *err, size_t errlen, int *rc)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, len);

    if (!x) {
        *rc = ossl_fail(-EINVAL, err, errlen, "x509: malformed certificate");
        return NULL;
    }
    if (p != der + len) {
        X509_free(x);
        kg_set_err(err, errlen, "x509: trailing data");
        *rc = -EINVAL;
        return NULL;
    }
    *rc = cert_sane(x, err, errlen);
    if (*rc < 0) {
        X509_free(x);
        return NULL;
    }
    return x;
}

void x509_certs_free(struct x509_cert **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        x509_cert_free(v[i]);
    free(v);
}

/* Parses up to max certificates (0 = KG_MAX_X509_BUNDLE). */
static int parse_certs(struct x509_cert ***out, size_t *n, const void *pem, size_t len, size_t max,
                       char *err, size_t errlen)
{
    struct x509_cert **v = NULL;
    size_t count = 0, cap = 0;
    BIO *b = NULL;
    int rc;

    *out = NULL;
    *n = 0;
    rc = check_input_len(len, err, errlen);
    if (rc < 0)
        goto out;
    b = mem_bio(pem, len);
    if (!b) {
        rc = ossl_fail(-EIO, err, errlen, "reading PEM");
        goto out;
    }
    while (max == 0 || count < max) {
        char *name, *header;
        unsigned char *der;
        long dlen;
        X509 *x = NULL;

        rc = next_pem_block(b, &name, &header, &der, &dlen);
        if (rc < 0)
            kg_set_err(err, errlen, "malformed PEM block after %zu certificate(s)", count);
        if (rc <= 0)
            break;
        if (strcmp(name, "CERTIFICATE") == 0 && header[0] == '\0') {
            if (count == KG_MAX_X509_BUNDLE) {
                kg_set_err(err, errlen, "more than %d certificates in one bundle",
                           KG_MAX_X509_BUNDLE);
                rc = -E2BIG;
            } else {
                x = decode_cert_der(der, dlen, err, errlen, &rc);
            }
        }
        free_pem_block(name, header, der);
        if (rc < 0)
            break;
        rc = 0;
        if (x) {
            if (count == cap) {
                cap = cap ? 2 * cap : 4;
                v = xreallocarray(v, cap, sizeof(struct x509_cert *));
            }
            v[count] = xmalloc(sizeof(**v));
            v[count++]->x = x;
        }
    }
    if (rc == 0 && count == 0) {
        kg_set_err(err, errlen, "data does not contain any valid RSA or ECDSA certificates");
        rc = -EINVAL;
    }
out:
    BIO_free(b);
    if (rc < 0) {
        x509_certs_free(v, count);
        return rc;
    }
    *out = v;
    *n = count;
    return 0;
}

int x509_certs_parse(struct x509_cert ***out, size_t *n, const void *pem, size_t len, char *err,
                     size_t errlen)
{
    return parse_certs(out, n, pem, len, 0, err, errlen);
}

int x509_cert_parse(struct x509_cert **out, const void *pem, size_t len, char *err, size_t errlen)
{
    struct x509_cert **v;
    size_t n;
    int rc = parse_certs(&v, &n, pem, len, 1, err, errlen);

    *out = NULL;
    if (rc < 0)
        return rc;
    *out = v[0];
    free(v);
    return 0;
}

int x509_cert_parse_der(struct x509_cert **out, const void *der, size_t len, char *err,
                        size_t errlen)
{
    X509 *x;
    int rc = check_input_len(len, err, errlen);

    *out = NULL;
    if (rc < 0)
        return rc;
    x = decode_cert_der(der, (long)len, err, errlen, &rc);
    if (!x)
        return rc;
    *out = xmalloc(sizeof(**out));
    (*out)->x = x;
    return 0;
}

/* ---- output and accessors ---- */

int x509_cert_pem(const struct x509_cert *c, struct buf *out, char *err, size_t errlen)
{
    ASSERT(c != NULL);
    return x509_certs_pem((struct x509_cert *const *)&c, 1, out, err, errlen);
}

int x509_certs_pem(struct x509_cert *const *v, size_t n, struct buf *out, char *err, size_t errlen)
{
    BIO *b = BIO_new(BIO_s_mem());
    int rc = 0;

    if (!b)
        return ossl_fail(-EIO, err, errlen, "encoding certificates");
    for (size_t i = 0; i < n && rc == 0; i++) {
        ASSERT(v[i] != NULL);
        if (PEM_write_bio_X509(b, v[i]->x) != 1)
            rc = ossl_fail(-EIO, err, errlen, "encoding a certificate");
    }
    if (rc == 0)
        rc = bio_to_buf(b, out, err, errlen);
    BIO_free(b);
    return rc;
}

int x509_cert_der(const struct x509_cert *c, struct buf *out, char *err, size_t errlen)
{
    unsigned char *der = NULL;
    int len = i2d_X509(c->x, &der);
    int rc = 0;

    if (len <= 0)
        return ossl_fail(-EIO, err, errlen, "encoding a certificate");
    if (buf_append(out, der, (size_t)len) < 0) {
        kg_set_err(err, errlen, "certificate of %d bytes exceeds the buffer limit", len);
        rc = -E2BIG;
    }
    OPENSSL_free(der);
    return rc;
}

int x509_cert_matches_key(const struct x509_cert *c, const struct x509_key *k)
{
    int eq = EVP_PKEY_eq(X509_get0_pubkey(c->x), k->pkey) == 1;
    ERR_clear_error();
    return eq;
}

void x509_cert_sha256(const struct x509_cert *c, unsigned char out[32])
{
    unsigned int len = 32;

    if (X509_digest(c->x, EVP_sha256(), out, &len) != 1) {
        memset(out, 0, 32);
        ERR_clear_error();
    }
}

time_t x509_cert_not_after(const struct x509_cert *c)
{
    return asn1_time_to_time(X509_get0_notAfter(c->x));
}

/* The value of a name entry as UTF-8 (Go decodes every string type to a Go string). */
static char *entry_utf8(const X509_NAME_ENTRY *e)
{
    unsigned char *u = NULL;
    int n = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(e));
    char *s;

    if (n < 0) {
        ERR_clear_error();
        return NULL;
    }
    s = xmemdup(u, (size_t)n + 1);
    s[n] = '\0';
    OPENSSL_free(u);
    return s;
}

/* Copies the last CN of x (Go: the last one wins) into out; "" when absent. */
static int cert_cn(const X509 *x, char *out, size_t outlen)
{
    const X509_NAME *n = X509_get_subject_name(x);
    int last = -1;
    char *s;

    out[0] = '\0';
    for (int i = X509_NAME_get_index_by_NID(n, NID_commonName, -1); i >= 0;
         i = X509_NAME_get_index_by_NID(n, NID_commonName, i))
        last = i;
    if (last < 0)
        return 0;
    s = entry_utf8(X509_NAME_get_entry(n, last));
    if (!s)
        return -EINVAL;
    snprintf(out, outlen, "%s", s);
    free(s);
    return 0;
}

static const char *go_attr_name(int nid)
{
    switch (nid) {
    case NID_countryName:
        return "C";
    case NID_organizationName:
        return "O";
    case NID_organizationalUnitName:
        return "OU";
    case NID_commonName:
        return "CN";
    case NID_serialNumber:
        return "SERIALNUMBER";
    case NID_localityName:
        return "L";
    case NID_stateOrProvinceName:
        return "ST";
    case NID_streetAddress:
        return "STREET";
    case NID_postalCode:
        return "POSTALCODE";
    }
    return NULL;
}

/* One attribute as pkix.RDNSequence.String() prints it. */
static int append_attr(struct buf *b, const X509_NAME_ENTRY *e)
{
    const ASN1_OBJECT *obj = X509_NAME_ENTRY_get_object(e);
    const char *type = go_attr_name(OBJ_obj2nid(obj));
    char *v = entry_utf8(e);
    size_t len;
    int rc = 0;

    if (!v)
        return -EINVAL;
    len = strlen(v);
    if (!type) {
        /* "2.5.4.42=#0c03..." : the value re-marshalled the way Go would */
        char oid[128];
        unsigned char tag = go_printable(v, len) ? V_ASN1_PRINTABLESTRING : V_ASN1_UTF8STRING;
        OBJ_obj2txt(oid, sizeof(oid), obj, 1);
        rc |= buf_printf(b, "%s=#%02x", oid, tag);
        if (len < 128) {
            rc |= buf_printf(b, "%02x", (unsigned)len);
        } else {
            unsigned char lb[sizeof(size_t)];
            int nb = 0;
            for (size_t l = len; l; l >>= 8)
                lb[nb++] = (unsigned char)(l & 0xFF);
            rc |= buf_printf(b, "%02x", 0x80u | (unsigned)nb);
            while (nb > 0)
                rc |= buf_printf(b, "%02x", lb[--nb]);
        }
        for (size_t i = 0; i < len; i++)
            rc |= buf_printf(b, "%02x", (unsigned char)v[i]);
    } else {
        rc |= buf_printf(b, "%s=", type);
        for (size_t k = 0; k < len; k++) {
            char c = v[k];
            int esc = c == ',' || c == '+' || c == '"' || c == '\\' || c == '<' || c == '>' ||
                      c == ';' || (c == ' ' && (k == 0 || k == len - 1)) || (c == '#' && k == 0);
            if (esc)
                rc |= buf_putc(b, '\\');
            rc |= buf_putc(b, c);
        }
    }
    free(v);
    return rc ? -E2BIG : 0;
}

/* pkix.Name.String(): RDNs last to first, joined by ',', values of one RDN by '+'. */
static char *go_name_string(const X509_NAME *n, int *rc)
{
    struct buf b;
    int count = X509_NAME_entry_count(n);

    buf_init(&b, KG_MAX_CONFIG_FILE);
    *rc = 0;
    for (int i = count - 1; i >= 0 && *rc == 0;) {
        int set = X509_NAME_ENTRY_set(X509_NAME_get_entry(n, i));
        int start = i;
        while (start > 0 && X509_NAME_ENTRY_set(X509_NAME_get_entry(n, start - 1)) == set)
            start--;
        if (b.len > 0)
            *rc = buf_putc(&b, ',');
        for (int j = start; j <= i && *rc == 0; j++) {
            if (j > start)
                *rc = buf_putc(&b, '+');
            if (*rc == 0)
                *rc = append_attr(&b, X509_NAME_get_entry(n, j));
        }
        i = start - 1;
    }
    if (*rc < 0) {
        buf_cleanup(&b);
        return NULL;
    }
    return buf_take(&b, NULL);
}

static void push_str(char ***v, size_t *n, char *s)
{
    *v = xreallocarray(*v, *n + 1, sizeof(**v));
    (*v)[(*n)++] = s;
}

static int collect_attr(const X509_NAME *n, int nid, char ***v, size_t *count)
{
    for (int i = X509_NAME_get_index_by_NID(n, nid, -1); i >= 0;
         i = X509_NAME_get_index_by_NID(n, nid, i)) {
        char *s = entry_utf8(X509_NAME_get_entry(n, i));
        if (!s)
            return -EINVAL;
        push_str(v, count, s);
    }
    return 0;
}

static unsigned map_key_usage(uint32_t ku)
{
    static const struct {
        uint32_t ossl;
        unsigned ours;
    } map[] = {
        { KU_DIGITAL_SIGNATURE, KG_X509_KU_DIGITAL_SIGNATURE },
        { KU_NON_REPUDIATION, KG_X509_KU_CONTENT_COMMITMENT },
        { KU_KEY_ENCIPHERMENT, KG_X509_KU_KEY_ENCIPHERMENT },
        { KU_DATA_ENCIPHERMENT, KG_X509_KU_DATA_ENCIPHERMENT },
        { KU_KEY_AGREEMENT, KG_X509_KU_KEY_AGREEMENT },
        { KU_KEY_CERT_SIGN, KG_X509_KU_CERT_SIGN },
        { KU_CRL_SIGN, KG_X509_KU_CRL_SIGN },
    };
    unsigned out = 0;

    if (ku == UINT32_MAX)
        return 0;
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (ku & map[i].ossl)
            out |= map[i].ours;
    return out;
}

static unsigned map_ext_key_usage(uint32_t xku)
{
    unsigned out = 0;

    if (xku == UINT32_MAX)
        return 0;
    if (xku & XKU_SSL_SERVER)
        out |= KG_X509_EKU_SERVER_AUTH;
    if (xku & XKU_SSL_CLIENT)
        out |= KG_X509_EKU_CLIENT_AUTH;
    if (xku & XKU_ANYEKU)
        out |= KG_X509_EKU_ANY;
    return out;
}

int x509_cert_info(const struct x509_cert *c, struct x509_info *out, char *err, size_t errlen)
{
    X509 *x = c->x;
    const X509_NAME *subj = X509_get_subject_name(x);
    GENERAL_NAMES *gens = NULL;
    char cn[KG_MAX_X509_STRING * 4 + 1];
    BIGNUM *bn = NULL;
    char *dec = NULL;
    uint32_t flags;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    out->subject = go_name_string(subj, &rc);
    if (rc == 0)
        out->issuer = go_name_string(X509_get_issuer_name(x), &rc);
    if (rc == 0)
        rc = cert_cn(x, cn, sizeof(cn));
    if (rc == 0)
        rc = collect_attr(subj, NID_organizationName, &out->o, &out->n_o);
    if (rc == 0)
        rc = collect_attr(subj, NID_organizationalUnitName, &out->ou, &out->n_ou);
    if (rc < 0) {
        kg_set_err(err, errlen, "x509: cannot decode a name attribute");
        goto out;
    }
    out->cn = xstrdup(cn);
    gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        if (g->type == GEN_DNS) {
            const ASN1_STRING *s = g->d.dNSName;
            push_str(
                &out->dns, &out->n_dns,
                xstrndup((const char *)ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s)));
        } else if (g->type == GEN_IPADD) {
            char ip[64];
            format_ip(ASN1_STRING_get0_data(g->d.iPAddress),
                      (size_t)ASN1_STRING_length(g->d.iPAddress), ip, sizeof(ip));
            push_str(&out->ips, &out->n_ips, xstrdup(ip));
        }
    }
    bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    dec = bn ? BN_bn2dec(bn) : NULL;
    out->serial = xstrdup(dec ? dec : "");
    out->not_before = asn1_time_to_time(X509_get0_notBefore(x));
    out->not_after = asn1_time_to_time(X509_get0_notAfter(x));
    flags = X509_get_extension_flags(x);
    out->is_ca = (flags & EXFLAG_BCONS) && (flags & EXFLAG_CA);
    out->key_usage = map_key_usage(X509_get_key_usage(x));
    out->ext_key_usage = map_ext_key_usage(X509_get_extended_key_usage(x));
    x509_cert_sha256(c, out->sha256);
out:
    GENERAL_NAMES_free(gens);
    BN_free(bn);
    OPENSSL_free(dec);
    ERR_clear_error();
    if (rc < 0)
        x509_info_cleanup(out);
    return rc;
}

static void free_strs(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void x509_info_cleanup(struct x509_info *info)
{
    if (!info)
        return;
    free(info->subject);
    free(info->issuer);
    free(info->cn);
    free_strs(info->o, info->n_o);
    free_strs(info->ou, info->n_ou);
    free_strs(info->dns, info->n_dns);
    free_strs(info->ips, info->n_ips);
    free(info->serial);
    memset(info, 0, sizeof(*info));
}

/* ---- pools ---- */

struct x509_pool *x509_pool_new(void)
{
    struct x509_pool *p = xcalloc(1, sizeof(*p));

    p->store = X509_STORE_new();
    p->certs = sk_X509_new_null();
    ASSERT(p->store && p->certs); /* OpenSSL out of memory */
    return p;
}

void x509_pool_free(struct x509_pool *p)
{
    if (!p)
        return;
    X509_STORE_free(p->store);
    sk_X509_pop_free(p->certs, X509_free);
    free(p);
}

size_t x509_pool_count(const struct x509_pool *p)
{
    return (size_t)sk_X509_num(p->certs);
}

static int pool_contains(const struct x509_pool *p, X509 *x)
{
    for (int i = 0; i < sk_X509_num(p->certs); i++)
        if (X509_cmp(sk_X509_value(p->certs, i), x) == 0)
            return 1;
    return 0;
}

int x509_pool_add(struct x509_pool *p, const struct x509_cert *c, char *err, size_t errlen)
{
    if (pool_contains(p, c->x))
        return 0;
    if (sk_X509_num(p->certs) >= KG_MAX_X509_BUNDLE) {
        kg_set_err(err, errlen, "certificate pool is full (%d certificates)", KG_MAX_X509_BUNDLE);
        return -E2BIG;
    }
    if (X509_STORE_add_cert(p->store, c->x) != 1)
        return ossl_fail(-EIO, err, errlen, "adding a certificate to a pool");
    X509_up_ref(c->x);
    if (!sk_X509_push(p->certs, c->x)) {
        X509_free(c->x);
        return ossl_fail(-EIO, err, errlen, "adding a certificate to a pool");
    }
    return 0;
}

int x509_pool_add_pem(struct x509_pool *p, const void *pem, size_t len, char *err, size_t errlen)
{
    struct x509_cert **v = NULL;
    size_t n = 0;
    int rc = x509_certs_parse(&v, &n, pem, len, err, errlen);

    if (rc == 0 && (size_t)sk_X509_num(p->certs) + n > KG_MAX_X509_BUNDLE) {
        kg_set_err(err, errlen, "certificate pool would exceed %d certificates",
                   KG_MAX_X509_BUNDLE);
        rc = -E2BIG;
    }
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = x509_pool_add(p, v[i], err, errlen);
    x509_certs_free(v, n);
    return rc;
}

/* ---- verification ---- */

static int check_validity(X509 *x, time_t now, char *err, size_t errlen)
{
    time_t nb = asn1_time_to_time(X509_get0_notBefore(x));
    time_t na = asn1_time_to_time(X509_get0_notAfter(x));
    char a[40], b[40];

    format_rfc3339(now, a, sizeof(a));
    if (now < nb) {
        format_rfc3339(nb, b, sizeof(b));
        kg_set_err(
            err, errlen,
            "x509: certificate has expired or is not yet valid: current time %s is before %s", a,
            b);
        return -EKEYEXPIRED;
    }
    if (now > na) {
        format_rfc3339(na, b, sizeof(b));
        kg_set_err(err, errlen,
                   "x509: certificate has expired or is not yet valid: current time %s is after %s",
                   a, b);
        return -EKEYEXPIRED;
    }
    return 0;
}

/* Go's isValid EKU rule: a certificate listing EKUs must list the wanted one or
 * anyExtendedKeyUsage. */
static int check_eku(X509 *x, enum x509_usage usage, char *err, size_t errlen)
{
    uint32_t xku;

    if (usage == KG_X509_USAGE_ANY || !(X509_get_extension_flags(x) & EXFLAG_XKUSAGE))
        return 0;
    xku = X509_get_extended_key_usage(x);
    if (xku & XKU_ANYEKU)
        return 0;
    if (usage == KG_X509_USAGE_SERVER && (xku & XKU_SSL_SERVER))
        return 0;
    if (usage == KG_X509_USAGE_CLIENT && (xku & XKU_SSL_CLIENT))
        return 0;
    kg_set_err(err, errlen, "x509: certificate specifies an incompatible key usage");
    return -EKEYREJECTED;
}

static char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* crypto/x509 validHostname (isPattern allows a leading "*" label). */
static int valid_hostname(const char *h, size_t len, int pattern)
{
    size_t i = 0, label = 0;

    if (!pattern && len > 0 && h[len - 1] == '.')
        len--;
    if (len == 0)
        return 0;
    while (i <= len) {
        size_t start = i;
        while (i < len && h[i] != '.')
            i++;
        if (i == start)
            return 0; /* empty label */
        if (!(pattern && label == 0 && i - start == 1 && h[start] == '*')) {
            for (size_t j = start; j < i; j++) {
                char c = h[j];
                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || (c == '-' && j != start))
                    continue;
                return 0;
            }
        }
        label++;
        i++; /* skip '.' (or step past the end) */
    }
    return 1;
}

/* crypto/x509 matchHostnames: label-wise, ASCII case-insensitive, "*" matches one first label. */
static int match_hostnames(const char *pattern, size_t plen, const char *host, size_t hlen)
{
    size_t pi = 0, hi = 0;
    int first = 1;

    if (hlen > 0 && host[hlen - 1] == '.')
        hlen--;
    if (plen == 0 || hlen == 0)
        return 0;
    for (;;) {
        size_t ps = pi, hs = hi;
        while (pi < plen && pattern[pi] != '.')
            pi++;
        while (hi < hlen && host[hi] != '.')
            hi++;
        if (!(first && pi - ps == 1 && pattern[ps] == '*')) {
            if (pi - ps != hi - hs)
                return 0;
            for (size_t k = 0; k < pi - ps; k++)
                if (ascii_lower(pattern[ps + k]) != ascii_lower(host[hs + k]))
                    return 0;
        }
        first = 0;
        if (pi == plen || hi == hlen)
            return pi == plen && hi == hlen; /* same number of labels */
        pi++;
        hi++;
    }
}

static int match_exactly(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen == 0 || (alen == 1 && a[0] == '.') || blen == 0 || (blen == 1 && b[0] == '.'))
        return 0;
    if (alen != blen)
        return 0;
    for (size_t i = 0; i < alen; i++)
        if (ascii_lower(a[i]) != ascii_lower(b[i]))
            return 0;
    return 1;
}

/* Normalises a 4- or 16-byte IP to 16 bytes (IPv4-mapped), as net.IP.Equal compares. */
static int ip16(const unsigned char *ip, size_t n, unsigned char out[16])
{
    if (n == 16) {
        memcpy(out, ip, 16);
        return 1;
    }
    if (n == 4) {
        memset(out, 0, 10);
        out[10] = out[11] = 0xff;
        memcpy(out + 12, ip, 4);
        return 1;
    }
    return 0;
}

/* Certificate.VerifyHostname and HostnameError.Error(). */
static int verify_host(X509 *x, const char *host, char *err, size_t errlen)
{
    GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    int has_san = X509_get_ext_by_NID(x, NID_subject_alt_name, -1) >= 0;
    size_t hlen = strlen(host);
    char cand[256];
    unsigned char want[16], have[16], raw[16];
    size_t rawlen = 0;
    int rc = -EPERM, n = gens ? sk_GENERAL_NAME_num(gens) : 0;
    const char *shown = host;
    struct buf valid;

    buf_init(&valid, 64 * 1024);
    if (hlen >= 3 && host[0] == '[' && host[hlen - 1] == ']' && hlen - 2 < sizeof(cand)) {
        memcpy(cand, host + 1, hlen - 2);
        cand[hlen - 2] = '\0';
    } else {
        snprintf(cand, sizeof(cand), "%s", hlen < sizeof(cand) ? host : "");
    }
    if (strchr(cand, '%') == NULL)
        rawlen = parse_ip(cand, raw);
    if (rawlen) {
        shown = cand;
        ip16(raw, rawlen, want);
        for (int i = 0; i < n && rc != 0; i++) {
            const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
            if (g->type != GEN_IPADD)
                continue;
            if (ip16(ASN1_STRING_get0_data(g->d.iPAddress),
                     (size_t)ASN1_STRING_length(g->d.iPAddress), have) &&
                memcmp(want, have, 16) == 0)
                rc = 0;
        }
    } else {
        int valid_input = valid_hostname(host, hlen, 0);
        for (int i = 0; i < n && rc != 0; i++) {
            const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
            if (g->type != GEN_DNS)
                continue;
            const char *d = (const char *)ASN1_STRING_get0_data(g->d.dNSName);
            size_t dlen = (size_t)ASN1_STRING_length(g->d.dNSName);
            if (valid_input && valid_hostname(d, dlen, 1) ? match_hostnames(d, dlen, host, hlen)
                                                          : match_exactly(d, dlen, host, hlen))
                rc = 0;
        }
    }
    if (rc == 0)
        goto out;

    /* HostnameError.Error() */
    {
        char cn[KG_MAX_X509_STRING * 4 + 1];
        size_t slen = strlen(shown);
        int shown_is_ip = strchr(shown, '%') == NULL && parse_ip(shown, raw) > 0;
        int n_ip = 0;

        cert_cn(x, cn, sizeof(cn));
        if (!has_san && match_hostnames(cn, strlen(cn), shown, slen)) {
            kg_set_err(err, errlen,
                       "x509: certificate relies on legacy Common Name field, use SANs instead");
            goto out;
        }
        for (int i = 0; i < n; i++) {
            const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
            if (shown_is_ip && g->type == GEN_IPADD) {
                char ip[64];
                format_ip(ASN1_STRING_get0_data(g->d.iPAddress),
                          (size_t)ASN1_STRING_length(g->d.iPAddress), ip, sizeof(ip));
                (void)buf_printf(&valid, "%s%s", valid.len ? ", " : "", ip);
                n_ip++;
            } else if (!shown_is_ip && g->type == GEN_DNS) {
                (void)buf_printf(&valid, "%s%.*s", valid.len ? ", " : "",
                                 ASN1_STRING_length(g->d.dNSName),
                                 (const char *)ASN1_STRING_get0_data(g->d.dNSName));
            }
        }
        if (shown_is_ip && n_ip == 0)
            kg_set_err(err, errlen,
                       "x509: cannot validate certificate for %s because it doesn't contain any IP "
                       "SANs",
                       shown);
        else if (valid.len == 0)
            kg_set_err(err, errlen,
                       "x509: certificate is not valid for any names, but wanted to match %s",
                       shown);
        else
            kg_set_err(err, errlen, "x509: certificate is valid for %s, not %s", buf_str(&valid),
                       shown);
    }
out:
    buf_cleanup(&valid);
    GENERAL_NAMES_free(gens);
    ERR_clear_error();
    return rc;
}

/*
 * Go's child.CheckSignatureFrom(parent) error text, NULL when it would succeed. Used for the
 * "possibly because of" hint of an unknown-authority error.
 */
static const char *go_check_signature_from(X509 *child, X509 *parent)
{
    uint32_t flags = X509_get_extension_flags(parent);
    uint32_t ku = X509_get_key_usage(parent);
    EVP_PKEY *pk = X509_get0_pubkey(parent);
    int mdnid = 0, pknid = 0;
    const char *res = NULL;

    if ((X509_get_version(parent) == X509_VERSION_3 && !(flags & EXFLAG_BCONS)) ||
        ((flags & EXFLAG_BCONS) && !(flags & EXFLAG_CA)) ||
        (ku != UINT32_MAX && ku != 0 && !(ku & KU_KEY_CERT_SIGN))) {
        res = "x509: invalid signature: parent certificate cannot sign this kind of certificate";
        goto out;
    }
    if (!pk) {
        res = "x509: cannot verify signature: algorithm unimplemented";
        goto out;
    }
    if (OBJ_find_sigid_algs(X509_get_signature_nid(child), &mdnid, &pknid) &&
        EVP_PKEY_get_base_id(pk) != pknid &&
        (pknid == EVP_PKEY_RSA || pknid == NID_X9_62_id_ecPublicKey)) {
        /* x509: signature algorithm specifies an X public key, but have public key of type %T */
        res = pknid == EVP_PKEY_RSA
                  ? (EVP_PKEY_get_base_id(pk) == EVP_PKEY_EC
                         ? "x509: signature algorithm specifies an RSA public key, but have "
                           "public key of type *ecdsa.PublicKey"
                         : "x509: signature algorithm specifies an RSA public key, but have "
                           "public key of another type")
                  : (EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA
                         ? "x509: signature algorithm specifies an ECDSA public key, but have "
                           "public key of type *rsa.PublicKey"
                         : "x509: signature algorithm specifies an ECDSA public key, but have "
                           "public key of another type");
        goto out;
    }
    if (X509_verify(child, pk) != 1) {
        switch (EVP_PKEY_get_base_id(pk)) {
        case EVP_PKEY_RSA:
            res = "crypto/rsa: verification error";
            break;
        case EVP_PKEY_EC:
            res = "x509: ECDSA verification failure";
            break;
        case EVP_PKEY_ED25519:
            res = "x509: Ed25519 verification failure";
            break;
        default:
            res = "x509: signature verification failed";
        }
    }
out:
    ERR_clear_error();
    return res;
}

/* Go's findPotentialParents order within one pool: SKI=AKI, one of them missing, mismatch. */
static void find_hint(X509 *child, const struct x509_pool *p, const char **hint, X509 **hcert)
{
    const ASN1_OCTET_STRING *akid = X509_get0_authority_key_id(child);
    const X509_NAME *issuer = X509_get_issuer_name(child);

    for (int pass = 0; pass < 3 && !*hint; pass++) {
        for (int i = 0; p && i < sk_X509_num(p->certs) && !*hint; i++) {
            X509 *cand = sk_X509_value(p->certs, i);
            const ASN1_OCTET_STRING *skid = X509_get0_subject_key_id(cand);
            int cls;

            if (!name_der_equal(X509_get_subject_name(cand), issuer))
                continue;
            if ((!skid && !akid) || (skid && akid && ASN1_OCTET_STRING_cmp(skid, akid) == 0))
                cls = 0;
            else if (!skid || !akid)
                cls = 1;
            else
                cls = 2;
            if (cls != pass)
                continue;
            *hint = go_check_signature_from(child, cand);
            if (*hint)
                *hcert = cand;
        }
    }
}

static int unknown_authority(X509 *child, const struct x509_verify_opts *o, char *err,
                             size_t errlen)
{
    const char *hint = NULL;
    X509 *hc = NULL;

    if (child) {
        find_hint(child, o->roots, &hint, &hc);
        if (!hint)
            find_hint(child, o->intermediates, &hint, &hc);
    }
    if (!hint) {
        kg_set_err(err, errlen, "x509: certificate signed by unknown authority");
        return -EKEYREJECTED;
    }
    /* candidate name: CN, else first O, else "serial:N" (UnknownAuthorityError.Error) */
    char name[KG_MAX_X509_STRING * 4 + 16];
    cert_cn(hc, name, sizeof(name));
    if (!name[0]) {
        const X509_NAME *n = X509_get_subject_name(hc);
        int idx = X509_NAME_get_index_by_NID(n, NID_organizationName, -1);
        char *s = idx >= 0 ? entry_utf8(X509_NAME_get_entry(n, idx)) : NULL;
        if (s) {
            snprintf(name, sizeof(name), "%s", s);
            free(s);
        } else {
            BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(hc), NULL);
            char *dec = bn ? BN_bn2dec(bn) : NULL;
            snprintf(name, sizeof(name), "serial:%s", dec ? dec : "0");
            OPENSSL_free(dec);
            BN_free(bn);
        }
    }
    /* Go quotes both with %q; these strings hold no characters %q would escape except in name */
    struct buf q;
    buf_init(&q, sizeof(name) * 4 + 8);
    for (const char *s = name; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            (void)buf_printf(&q, "\\%c", c);
        else if (c == '\n' || c == '\t' || c == '\r')
            (void)buf_printf(&q, "\\%c", c == '\n' ? 'n' : c == '\t' ? 't' : 'r');
        else if (c < 0x20 || c == 0x7f)
            (void)buf_printf(&q, "\\x%02x", c);
        else
            (void)buf_putc(&q, (char)c);
    }
    kg_set_err(err, errlen,
               "x509: certificate signed by unknown authority (possibly because of \"%s\" while "
               "trying to verify candidate authority certificate \"%s\")",
               hint, buf_str(&q));
    buf_cleanup(&q);
    ERR_clear_error();
    return -EKEYREJECTED;
}

/* Maps a failed X509_verify_cert to Go's error. */
static int map_verify_error(X509_STORE_CTX *ctx, const struct x509_verify_opts *o, time_t now,
                            char *err, size_t errlen)
{
    int e = X509_STORE_CTX_get_error(ctx);
    int depth = X509_STORE_CTX_get_error_depth(ctx);
    X509 *cur = X509_STORE_CTX_get_current_cert(ctx);
    STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);

    switch (e) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
        if (cur && check_validity(cur, now, err, errlen) < 0)
            return -EKEYEXPIRED;
        kg_set_err(err, errlen, "x509: certificate has expired or is not yet valid: %s",
                   X509_verify_cert_error_string(e));
        return -EKEYEXPIRED;
    case X509_V_ERR_INVALID_CA:
    case X509_V_ERR_INVALID_NON_CA:
        /* the issuer was found but may not sign: Go reports its child's unknown authority */
        if (chain && depth > 0 && depth <= sk_X509_num(chain))
            cur = sk_X509_value(chain, depth - 1);
        return unknown_authority(cur, o, err, errlen);
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
    case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
    case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
    case X509_V_ERR_CERT_UNTRUSTED:
    case X509_V_ERR_CERT_REJECTED:
        return unknown_authority(cur, o, err, errlen);
    case X509_V_ERR_PATH_LENGTH_EXCEEDED:
        kg_set_err(err, errlen, "x509: too many intermediates for path length constraint");
        return -EKEYREJECTED;
    case X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION:
        kg_set_err(err, errlen, "x509: unhandled critical extension");
        return -EKEYREJECTED;
    case X509_V_ERR_INVALID_PURPOSE:
        kg_set_err(err, errlen, "x509: certificate specifies an incompatible key usage");
        return -EKEYREJECTED;
    default:
        kg_set_err(err, errlen, "x509: %s", X509_verify_cert_error_string(e));
        return -EKEYREJECTED;
    }
}

int x509_verify(const struct x509_cert *leaf, const struct x509_verify_opts *o, char *err,
                size_t errlen)
{
    X509_STORE_CTX *ctx = NULL;
    time_t now;
    int rc;

    if (!o || !o->roots) {
        kg_set_err(err, errlen, "x509: no root certificates given");
        return -EINVAL;
    }
    now = o->now ? o->now : time(NULL);
    /* the leaf alone, in Go's order: validity and EKU (isValid), then the host name */
    rc = check_validity(leaf->x, now, err, errlen);
    if (rc == 0)
        rc = check_eku(leaf->x, o->usage, err, errlen);
    if (rc == 0 && o->host && o->host[0])
        rc = verify_host(leaf->x, o->host, err, errlen);
    if (rc < 0)
        goto out;

    ctx = X509_STORE_CTX_new();
    if (!ctx || X509_STORE_CTX_init(ctx, o->roots->store, leaf->x,
                                    o->intermediates ? o->intermediates->certs : NULL) != 1) {
        rc = ossl_fail(-EIO, err, errlen, "x509: setting up verification");
        goto out;
    }
    /* validity periods are checked below with Go's inclusive bounds (OpenSSL's end is exclusive) */
    X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN | X509_V_FLAG_NO_CHECK_TIME);
    if (X509_verify_cert(ctx) != 1) {
        rc = map_verify_error(ctx, o, now, err, errlen);
        goto out;
    }
    /* the CAs of the chain, root last: validity and EKU (Go's isValid on each candidate) */
    STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
    for (int i = 1; chain && i < sk_X509_num(chain) && rc == 0; i++) {
        X509 *c = sk_X509_value(chain, i);
        rc = check_validity(c, now, err, errlen);
        if (rc == 0)
            rc = check_eku(c, o->usage, err, errlen);
    }
out:
    X509_STORE_CTX_free(ctx);
    ERR_clear_error();
    return rc;
}

/* ---- files ---- */

int x509_read_file(const char *path, struct buf *out, char *err, size_t errlen)
{
    struct stat st;
    size_t start = out->len, total = 0;
    int fd, rc = 0;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno_fail(err, errlen, "open", path, errno);
    if (fstat(fd, &st) < 0) {
        rc = errno_fail(err, errlen, "stat", path, errno);
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        kg_set_err(err, errlen, "read %s: not a regular file", path);
        rc = -EINVAL;
        goto out;
    }
    if ((uint64_t)st.st_size > KG_MAX_CONFIG_FILE) {
        kg_set_err(err, errlen, "read %s: file of %lld bytes exceeds the limit of %u bytes", path,
                   (long long)st.st_size, KG_MAX_CONFIG_FILE);
        rc = -E2BIG;
        goto out;
    }
    for (;;) {
        char chunk[16384];
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = errno_fail(err, errlen, "read", path, errno);
            break;
        }
        if (n == 0)
            break;
        total += (size_t)n;
        if (total > KG_MAX_CONFIG_FILE || buf_append(out, chunk, (size_t)n) < 0) {
            kg_set_err(err, errlen, "read %s: file exceeds the limit of %u bytes", path,
                       KG_MAX_CONFIG_FILE);
            rc = -E2BIG;
            break;
        }
    }
out:
    if (rc < 0 && out->len > start) {
        out->len = start;
        out->ptr[start] = '\0';
    }
    close(fd);
    return rc;
}

/* mkdir -p of path's parent directory, mode 0755. */
static int make_parents(const char *path, char *err, size_t errlen)
{
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    int rc = 0;

    if (!slash || slash == dir)
        goto out;
    *slash = '\0';
    for (char *p = dir + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char save = *p;
        *p = '\0';
        struct stat st;
        if (mkdir(dir, 0755) < 0 && errno != EEXIST &&
            !(stat(dir, &st) == 0 && S_ISDIR(st.st_mode))) {
            rc = errno_fail(err, errlen, "mkdir", dir, errno);
            goto out;
        }
        *p = save;
        if (save == '\0')
            break;
    }
out:
    free(dir);
    return rc;
}

int x509_write_file(const char *path, const void *data, size_t len, unsigned mode, char *err,
                    size_t errlen)
{
    char *tmp = NULL, *dir = NULL;
    const char *p = data;
    int fd = -1, rc;

    rc = make_parents(path, err, errlen);
    if (rc < 0)
        goto out;
    tmp = xasprintf("%s.tmp-XXXXXX", path);
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        rc = errno_fail(err, errlen, "open", tmp, errno);
        free(tmp);
        tmp = NULL;
        goto out;
    }
    if (fchmod(fd, (mode_t)(mode & 07777)) < 0) {
        rc = errno_fail(err, errlen, "chmod", tmp, errno);
        goto out;
    }
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = errno_fail(err, errlen, "write", tmp, errno);
            goto out;
        }
        p += n;
        len -= (size_t)n;
    }
    if (fsync(fd) < 0) {
        rc = errno_fail(err, errlen, "fsync", tmp, errno);
        goto out;
    }
    if (close(fd) < 0) {
        fd = -1;
        rc = errno_fail(err, errlen, "close", tmp, errno);
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) < 0) {
        rc = errno_fail(err, errlen, "rename", path, errno);
        goto out;
    }
    free(tmp);
    tmp = NULL;
    /* make the rename durable; best effort */
    dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *(slash == dir ? slash + 1 : slash) = '\0';
    int dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
out:
    if (fd >= 0)
        close(fd);
    if (tmp) {
        unlink(tmp);
        free(tmp);
    }
    free(dir);
    return rc;
}

int x509_write_certs(const char *path, struct x509_cert *const *v, size_t n, char *err,
                     size_t errlen)
{
    struct buf b;
    int rc;

    buf_init(&b, KG_MAX_CONFIG_FILE);
    rc = x509_certs_pem(v, n, &b, err, errlen);
    if (rc == 0)
        rc = x509_write_file(path, b.ptr ? b.ptr : "", b.len, 0644, err, errlen);
    buf_cleanup(&b);
    return rc;
}

int x509_write_key(const char *path, const struct x509_key *k, char *err, size_t errlen)
{
    struct buf b;
    int rc;

    buf_init(&b, KG_MAX_CONFIG_FILE);
    rc = x509_key_pem(k, KG_X509_KEY_TRADITIONAL, &b, err, errlen);
    if (rc == 0)
        rc = x509_write_file(path, b.ptr, b.len, 0600, err, errlen);
    OPENSSL_cleanse(b.ptr, b.len);
    buf_cleanup(&b);
    return rc;
}

int x509_load_certs(const char *path, struct x509_cert ***out, size_t *n, char *err, size_t errlen)
{
    struct buf b;
    char sub[KG_ERRBUF];
    int rc;

    *out = NULL;
    *n = 0;
    buf_init(&b, KG_MAX_CONFIG_FILE);
    rc = x509_read_file(path, &b, err, errlen);
    if (rc == 0) {
        rc = x509_certs_parse(out, n, b.ptr, b.len, sub, sizeof(sub));
        if (rc < 0)
            kg_set_err(err, errlen, "%s: %s", path, sub);
    }
    buf_cleanup(&b);
    return rc;
}

int x509_load_key(const char *path, struct x509_key **out, char *err, size_t errlen)
{
    struct buf b;
    char sub[KG_ERRBUF];
    int rc;

    *out = NULL;
    buf_init(&b, KG_MAX_CONFIG_FILE);
    rc = x509_read_file(path, &b, err, errlen);
    if (rc == 0) {
        rc = x509_key_parse(out, b.ptr, b.len, sub, sizeof(sub));
        if (rc < 0)
            kg_set_err(err, errlen, "%s: %s", path, sub);
    }
    if (b.ptr)
        OPENSSL_cleanse(b.ptr, b.len);
    buf_cleanup(&b);
    return rc;
}

/* ---- Kubernetes recipes ---- */

int x509_self_signed_serving(const char *host, const char *const *ips, size_t n_ips,
                             const char *const *dns, size_t n_dns, time_t now,
                             const struct x509_key *ca_key, const struct x509_key *key,
                             struct buf *cert_pem, struct buf *key_pem, char *err, size_t errlen)
{
    struct x509_key *own_ca_key = NULL, *own_key = NULL;
    struct x509_cert *ca = NULL, *leaf = NULL;
    const char **lips = NULL, **ldns = NULL;
    size_t nl_ips = 0, nl_dns = 0;
    unsigned char raw[16];
    char ca_cn[300], cn[300];
    int rc;

    if (!host || !*host || strlen(host) > 253 || n_ips + n_dns + 1 > KG_MAX_X509_SANS) {
        kg_set_err(err, errlen,
                   "self-signed certificate: host must be 1..253 bytes and SANs at most "
                   "%d",
                   KG_MAX_X509_SANS);
        return -EINVAL;
    }
    if (!now)
        now = time(NULL);
    snprintf(ca_cn, sizeof(ca_cn), "%s-ca@%lld", host, (long long)now);
    snprintf(cn, sizeof(cn), "%s@%lld", host, (long long)now);

    if (!ca_key) {
        rc = x509_key_new_rsa(&own_ca_key, 2048, err, errlen);
        if (rc < 0)
            goto out;
        ca_key = own_ca_key;
    }
    struct x509_template cat = {
        .subject = { .cn = ca_cn },
        .is_ca = 1,
        .key_usage =
            KG_X509_KU_KEY_ENCIPHERMENT | KG_X509_KU_DIGITAL_SIGNATURE | KG_X509_KU_CERT_SIGN,
        .not_before = now - 3600,
        .duration_s = KG_X509_DEFAULT_DURATION_S,
        .serial = 1,
    };
    rc = x509_cert_sign(&ca, &cat, ca_key, NULL, NULL, err, errlen);
    if (rc < 0)
        goto out;
    if (!key) {
        rc = x509_key_new_rsa(&own_key, 2048, err, errlen);
        if (rc < 0)
            goto out;
        key = own_key;
    }

    lips = xcalloc(n_ips + 1, sizeof(*lips));
    ldns = xcalloc(n_dns + 1, sizeof(*ldns));
    if (parse_ip(host, raw))
        lips[nl_ips++] = host;
    else
        ldns[nl_dns++] = host;
    for (size_t i = 0; i < n_ips; i++)
        lips[nl_ips++] = ips[i];
    for (size_t i = 0; i < n_dns; i++)
        ldns[nl_dns++] = dns[i];
    struct x509_template lt = {
        .subject = { .cn = cn },
        .key_usage = KG_X509_KU_KEY_ENCIPHERMENT | KG_X509_KU_DIGITAL_SIGNATURE,
        .ext_key_usage = KG_X509_EKU_SERVER_AUTH,
        .dns = ldns,
        .n_dns = nl_dns,
        .ips = lips,
        .n_ips = nl_ips,
        .not_before = now - 3600,
        .duration_s = KG_X509_DEFAULT_DURATION_S,
        .serial = 2,
    };
    rc = x509_cert_sign(&leaf, &lt, key, ca, ca_key, err, errlen);
    if (rc < 0)
        goto out;
    struct x509_cert *chain[2] = { leaf, ca };
    rc = x509_certs_pem(chain, 2, cert_pem, err, errlen);
    if (rc == 0)
        rc = x509_key_pem(key, KG_X509_KEY_TRADITIONAL, key_pem, err, errlen);
out:
    free(lips);
    free(ldns);
    x509_cert_free(leaf);
    x509_cert_free(ca);
    x509_key_free(own_key);
    x509_key_free(own_ca_key);
    return rc;
}
