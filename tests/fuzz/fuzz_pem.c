/*
 * libFuzzer target for the x509 entry points that take untrusted bytes: PEM certificate
 * bundles, PEM private keys (PKCS#1, SEC1, PKCS#8) and DER certificates. Whatever parses must
 * describe itself (x509_cert_info), re-encode to the same certificate or key, and go through
 * verification (chain building, hints, host matching) against the bundle itself, without leaking,
 * crashing or leaving errors on OpenSSL's queue.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "util/buf.h"
#include "util/limits.h"
#include "x509/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

static void check_cert(const struct x509_cert *c, const struct x509_pool *pool, const char *host)
{
    struct x509_info info;
    struct x509_cert *back = NULL;
    struct buf b;
    unsigned char h1[32], h2[32];
    char err[KG_ERRBUF];

    if (x509_cert_info(c, &info, err, sizeof(err)) == 0) {
        CHECK(info.subject && info.issuer && info.cn && info.serial);
        CHECK(info.n_dns == 0 || info.dns);
        x509_info_cleanup(&info);
    }
    buf_init(&b, KG_MAX_CONFIG_FILE);
    CHECK(x509_cert_pem(c, &b, err, sizeof(err)) == 0);
    CHECK(x509_cert_parse(&back, b.ptr, b.len, err, sizeof(err)) == 0);
    x509_cert_sha256(c, h1);
    x509_cert_sha256(back, h2);
    CHECK(memcmp(h1, h2, 32) == 0);
    x509_cert_free(back);
    buf_reset(&b);
    CHECK(x509_cert_der(c, &b, err, sizeof(err)) == 0);
    CHECK(x509_cert_parse_der(&back, b.ptr, b.len, err, sizeof(err)) == 0);
    x509_cert_free(back);
    buf_cleanup(&b);

    for (int usage = KG_X509_USAGE_SERVER; usage <= KG_X509_USAGE_ANY; usage++) {
        struct x509_verify_opts o = { .roots = pool,
                                      .intermediates = pool,
                                      .usage = (enum x509_usage)usage,
                                      .host = host,
                                      .now = 1700000000 };
        int rc = x509_verify(c, &o, err, sizeof(err));
        CHECK(rc == 0 || rc == -EKEYEXPIRED || rc == -EKEYREJECTED || rc == -EPERM);
        CHECK(rc == 0 || strncmp(err, "x509: ", 6) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct x509_cert **v = NULL, *der = NULL;
    struct x509_key *k = NULL;
    struct x509_pool *pool;
    size_t n = 0;
    char err[KG_ERRBUF], host[64];
    int rc;

    /* a host name to match, taken from the first bytes up to a newline */
    size_t hl = 0;
    while (hl < size && hl < sizeof(host) - 1 && data[hl] != '\n' && data[hl] != '\0')
        hl++;
    memcpy(host, data, hl);
    host[hl] = '\0';

    rc = x509_certs_parse(&v, &n, data, size, err, sizeof(err));
    CHECK(rc == 0 || rc == -EINVAL || rc == -E2BIG);
    CHECK(rc != 0 || (n > 0 && n <= KG_MAX_X509_BUNDLE));
    pool = x509_pool_new();
    for (size_t i = 0; i < n; i++)
        CHECK(x509_pool_add(pool, v[i], err, sizeof(err)) == 0);
    for (size_t i = 0; i < n && i < 8; i++)
        check_cert(v[i], pool, hl ? host : NULL);
    x509_certs_free(v, n);

    rc = x509_key_parse(&k, data, size, err, sizeof(err));
    CHECK(rc == 0 || rc == -EINVAL || rc == -E2BIG);
    if (rc == 0) {
        struct buf b;
        struct x509_key *back = NULL;
        buf_init(&b, KG_MAX_CONFIG_FILE);
        CHECK(x509_key_type(k) == KG_X509_KEY_RSA || x509_key_type(k) == KG_X509_KEY_EC);
        if (x509_key_pem(k, KG_X509_KEY_PKCS8, &b, err, sizeof(err)) == 0) {
            CHECK(x509_key_parse(&back, b.ptr, b.len, err, sizeof(err)) == 0);
            CHECK(EVP_PKEY_eq(x509_key_evp(k), x509_key_evp(back)) == 1);
            x509_key_free(back);
        }
        buf_cleanup(&b);
        x509_key_free(k);
    }

    rc = x509_cert_parse_der(&der, data, size, err, sizeof(err));
    CHECK(rc == 0 || rc == -EINVAL || rc == -E2BIG);
    if (rc == 0) {
        CHECK(x509_pool_add(pool, der, err, sizeof(err)) == 0);
        check_cert(der, pool, hl ? host : NULL);
        x509_cert_free(der);
    }
    x509_pool_free(pool);
    CHECK(ERR_peek_error() == 0);
    return 0;
}
