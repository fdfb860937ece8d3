/*
 * X.509 keys and certificates over OpenSSL 3.0, shaped like Go's crypto/x509 as Kubernetes uses
 * it: RSA and ECDSA keys; CA and leaf certificates with subject CN/O/OU/C/ST/L, DNS and IP SANs,
 * key usages and extended key usages; PEM in and out (keys written PKCS#1 / SEC1 like keyutil and
 * cfssl, read in PKCS#1, SEC1 or PKCS#8); atomic file writes (keys 0600, certificates 0644); and
 * chain verification whose error messages are Go's, byte for byte ("x509: certificate signed by
 * unknown authority", "x509: certificate is valid for a, b, not c", ...).
 *
 * Used by `kgauge certs` (front-proxy and serving CAs), `kgauge sim` (API server, admin and
 * thousands of kubelet certificates: ECDSA P-256, one key may serve many leaves) and the
 * metrics server (self-signed serving certificate, client certificate verification).
 *
 * Objects are opaque and immutable once built; a key, certificate or pool may be used from several
 * threads at once. Every function that can fail returns 0 or a negative errno code and writes a
 * message saying what was wrong into err (errlen bytes, KG_ERRBUF is enough; err may be NULL).
 * Functions never leave anything on OpenSSL's thread-local error queue.
 */
#ifndef KGAUGE_X509_X509_H
#define KGAUGE_X509_X509_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "util/limits.h"

struct buf;
struct evp_pkey_st; /* OpenSSL EVP_PKEY */
struct x509_st;     /* OpenSSL X509 */

/* Default not-before: this far in the past, for clock skew (client-go's self-signed certs: 1 h). */
#define KG_X509_BACKDATE_S 3600
/* Default validity: one year, as client-go's self-signed serving certificates. */
#define KG_X509_DEFAULT_DURATION_S (365LL * 24 * 3600)
/* Accepted RSA sizes. */
#define KG_X509_RSA_MIN_BITS 1024
#define KG_X509_RSA_MAX_BITS 8192

/* ---- keys ---- */

struct x509_key;

enum x509_key_type { KG_X509_KEY_RSA = 1, KG_X509_KEY_EC = 2 };
enum x509_curve { KG_X509_P256 = 1, KG_X509_P384 = 2, KG_X509_P521 = 3 };

/* New RSA key (bits in [KG_X509_RSA_MIN_BITS, KG_X509_RSA_MAX_BITS], e = 65537); -EINVAL else. */
int x509_key_new_rsa(struct x509_key **out, unsigned bits, char *err, size_t errlen);
/* New ECDSA key on a named curve: ~50 us for P-256 against ~100 ms for RSA 2048. */
int x509_key_new_ec(struct x509_key **out, enum x509_curve curve, char *err, size_t errlen);
void x509_key_free(struct x509_key *k); /* accepts NULL */

enum x509_key_type x509_key_type(const struct x509_key *k);
int x509_key_bits(const struct x509_key *k); /* modulus size, or curve size (256, 384, 521) */

/*
 * Parses the first private key in PEM data, as client-go's keyutil.ParsePrivateKeyPEM: blocks
 * "RSA PRIVATE KEY" (PKCS#1), "EC PRIVATE KEY" (SEC1) and "PRIVATE KEY" (PKCS#8 holding RSA or
 * ECDSA) are used, other blocks (e.g. "EC PARAMETERS") skipped. Encrypted keys are rejected rather
 * than prompting for a passphrase. len <= KG_MAX_CONFIG_FILE.
 * Errors: -EINVAL (no usable key, malformed, encrypted, other algorithm), -E2BIG.
 */
int x509_key_parse(struct x509_key **out, const void *pem, size_t len, char *err, size_t errlen);

enum x509_key_format {
    KG_X509_KEY_TRADITIONAL = 0, /* "RSA PRIVATE KEY" (PKCS#1) / "EC PRIVATE KEY" (SEC1) */
    KG_X509_KEY_PKCS8 = 1,       /* "PRIVATE KEY" */
};
/* Appends the key as PEM to out. Errors: -E2BIG (out's limit), -EIO (encoder failed). */
int x509_key_pem(const struct x509_key *k, enum x509_key_format fmt, struct buf *out, char *err,
                 size_t errlen);

/* The OpenSSL key, borrowed (valid while k lives), for SSL_CTX_use_PrivateKey and the like. */
struct evp_pkey_st *x509_key_evp(const struct x509_key *k);

/* ---- certificates ---- */

struct x509_cert;

/* Key usage bits (RFC 5280 4.2.1.3). */
enum {
    KG_X509_KU_DIGITAL_SIGNATURE = 1u << 0,
    KG_X509_KU_CONTENT_COMMITMENT = 1u << 1,
    KG_X509_KU_KEY_ENCIPHERMENT = 1u << 2,
    KG_X509_KU_DATA_ENCIPHERMENT = 1u << 3,
    KG_X509_KU_KEY_AGREEMENT = 1u << 4,
    KG_X509_KU_CERT_SIGN = 1u << 5,
    KG_X509_KU_CRL_SIGN = 1u << 6,
};
/* Extended key usages. */
enum {
    KG_X509_EKU_SERVER_AUTH = 1u << 0,
    KG_X509_EKU_CLIENT_AUTH = 1u << 1,
    KG_X509_EKU_ANY = 1u << 2, /* only reported by x509_cert_info, never written */
};

/*
 * A subject. Each list is NULL-terminated (or full); empty strings are skipped. Encoded in Go's
 * pkix order C, ST, L, O, OU, CN, the several values of one attribute in one multi-valued RDN, each
 * a PrintableString when its characters allow, else UTF8String (strings must be valid UTF-8).
 */
struct x509_name {
    const char *cn;
    const char *o[KG_MAX_X509_NAME_VALUES];
    const char *ou[KG_MAX_X509_NAME_VALUES];
    const char *c[KG_MAX_X509_NAME_VALUES];
    const char *st[KG_MAX_X509_NAME_VALUES];
    const char *l[KG_MAX_X509_NAME_VALUES];
};

/*
 * What to put in a certificate. Zero values mean defaults:
 *   key_usage 0      Kubernetes' (client-go cert.go): digitalSignature | keyEncipherment, plus
 *                    certSign for a CA
 *   not_before 0     now - KG_X509_BACKDATE_S
 *   duration_s 0     KG_X509_DEFAULT_DURATION_S (not-after = not-before + duration)
 *   serial 0         128 random bits
 * Extensions are written in Go's order and criticality: keyUsage (critical), extKeyUsage,
 * basicConstraints (critical; CA:FALSE on leaves, no path length), subjectKeyIdentifier (CAs
 * only, SHA-1 of the public key), authorityKeyIdentifier (when the issuer has an SKI and is not
 * the subject itself), subjectAltName (DNS names then IPs; critical when the subject is empty).
 * IPs are textual IPv4 or IPv6; an IPv4 is encoded in 4 bytes.
 */
struct x509_template {
    struct x509_name subject;
    int is_ca;
    unsigned key_usage;     /* KG_X509_KU_* */
    unsigned ext_key_usage; /* KG_X509_EKU_SERVER_AUTH | KG_X509_EKU_CLIENT_AUTH */
    const char *const *dns;
    size_t n_dns;
    const char *const *ips;
    size_t n_ips;
    time_t not_before;
    int64_t duration_s;
    uint64_t serial;
};

/*
 * Issues a certificate for subject_key's public half, signed by issuer_key: SHA-256 with RSA
 * (PKCS#1 v1.5), ECDSA with SHA-256/384/512 for P-256/384/521, as Go chooses. issuer NULL makes it
 * self-signed (issuer_key must then be subject_key, or NULL). A key may be shared by any number of
 * certificates; nothing here takes ownership.
 * Errors: -EINVAL (template: bad IP, over limits, invalid UTF-8, issuer not a CA, issuer_key not
 * the issuer's key, not-after past year 9999), -EIO (OpenSSL failed).
 */
int x509_cert_sign(struct x509_cert **out, const struct x509_template *t,
                   const struct x509_key *subject_key, const struct x509_cert *issuer,
                   const struct x509_key *issuer_key, char *err, size_t errlen);
void x509_cert_free(struct x509_cert *c);                   /* accepts NULL */
struct x509_cert *x509_cert_dup(const struct x509_cert *c); /* a new reference, never NULL */

/*
 * Every "CERTIFICATE" block of PEM data, in order, as client-go's cert.ParseCertsPEM: blocks of
 * other types or with headers are skipped, text between blocks ignored; a CERTIFICATE block that
 * does not parse is an error. *out is an array of *n certificates (free with x509_certs_free).
 * Errors: -EINVAL (no certificate, malformed block, trailing data), -E2BIG (len >
 * KG_MAX_CONFIG_FILE or more than KG_MAX_X509_BUNDLE certificates).
 */
int x509_certs_parse(struct x509_cert ***out, size_t *n, const void *pem, size_t len, char *err,
                     size_t errlen);
void x509_certs_free(struct x509_cert **v, size_t n); /* accepts NULL */
/* The first certificate of PEM data (a cert file followed by its chain gives the leaf). */
int x509_cert_parse(struct x509_cert **out, const void *pem, size_t len, char *err, size_t errlen);
/* One DER certificate (e.g. a TLS peer's); the whole input must be consumed. */
int x509_cert_parse_der(struct x509_cert **out, const void *der, size_t len, char *err,
                        size_t errlen);

/* Append PEM (or DER) to out. Errors: -E2BIG (out's limit), -EIO. */
int x509_cert_pem(const struct x509_cert *c, struct buf *out, char *err, size_t errlen);
int x509_certs_pem(struct x509_cert *const *v, size_t n, struct buf *out, char *err, size_t errlen);
int x509_cert_der(const struct x509_cert *c, struct buf *out, char *err, size_t errlen);

/* 1 when k is the private half of c's public key ("tls: private key does not match public key"). */
int x509_cert_matches_key(const struct x509_cert *c, const struct x509_key *k);
/* SHA-256 of the DER certificate (what `openssl x509 -fingerprint -sha256` prints). */
void x509_cert_sha256(const struct x509_cert *c, unsigned char out[32]);
time_t x509_cert_not_after(const struct x509_cert *c);
/* The OpenSSL certificate, borrowed (valid while c lives). */
struct x509_st *x509_cert_x509(const struct x509_cert *c);

/*
 * What a certificate says, decoded the way Go's crypto/x509 reports it. All strings are owned by
 * the struct (free with x509_info_cleanup); lists are arrays of n strings.
 */
struct x509_info {
    char *subject; /* pkix.Name.String(): "CN=front-proxy-client,O=b+O=a" (RDNs reversed) */
    char *issuer;
    char *cn; /* "" when absent */
    char **o;
    size_t n_o; /* Kubernetes groups */
    char **ou;
    size_t n_ou;
    char **dns;
    size_t n_dns;
    char **ips; /* net.IP.String(): "127.0.0.1", "::1" */
    size_t n_ips;
    char *serial; /* decimal */
    time_t not_before, not_after;
    int is_ca;              /* basicConstraints CA:TRUE */
    unsigned key_usage;     /* KG_X509_KU_*, 0 when the extension is absent */
    unsigned ext_key_usage; /* KG_X509_EKU_*, 0 when absent (or only other purposes) */
    unsigned char sha256[32];
};
/* Errors: -EINVAL (a name that cannot be decoded). */
int x509_cert_info(const struct x509_cert *c, struct x509_info *out, char *err, size_t errlen);
void x509_info_cleanup(struct x509_info *info);

/* ---- verification ---- */

/* A set of certificates, like Go's CertPool: roots (trust anchors) or intermediates. Fill it
 * first; once shared between threads it must no longer be added to. */
struct x509_pool;

struct x509_pool *x509_pool_new(void);
void x509_pool_free(struct x509_pool *p); /* accepts NULL */
/* Adds a reference to c (duplicates are ignored). Errors: -E2BIG (KG_MAX_X509_BUNDLE). */
int x509_pool_add(struct x509_pool *p, const struct x509_cert *c, char *err, size_t errlen);
/* Adds every certificate of a PEM bundle (x509_certs_parse rules); nothing on error. */
int x509_pool_add_pem(struct x509_pool *p, const void *pem, size_t len, char *err, size_t errlen);
size_t x509_pool_count(const struct x509_pool *p);

enum x509_usage {
    KG_X509_USAGE_SERVER = 0, /* Go's default (VerifyOptions.KeyUsages empty) */
    KG_X509_USAGE_CLIENT = 1, /* what the apiserver's x509 authenticator asks for */
    KG_X509_USAGE_ANY = 2,
};

struct x509_verify_opts {
    const struct x509_pool *roots;         /* required; any certificate in it is an anchor */
    const struct x509_pool *intermediates; /* optional */
    enum x509_usage usage;
    const char *host; /* DNS name or IP (IPv6 may be in []) the leaf must match; NULL = none */
    time_t now;       /* 0 = current time */
};

/*
 * Verifies leaf as Go's Certificate.Verify does, checking in Go's order: the leaf's validity
 * period and extended key usage, then host, then a chain to a root (each CA's validity and EKU
 * too). On failure err holds Go's message, e.g.
 *   x509: certificate has expired or is not yet valid: current time 2025-01-02T00:00:00Z is after
 *     2025-01-01T00:00:00Z
 *   x509: certificate specifies an incompatible key usage
 *   x509: certificate is valid for localhost, not example.com
 *   x509: cannot validate certificate for 10.0.0.1 because it doesn't contain any IP SANs
 *   x509: certificate signed by unknown authority (possibly because of "crypto/rsa: verification
 *     error" while trying to verify candidate authority certificate "kubernetes")
 * Returns 0, -EKEYEXPIRED (outside a validity period), -EPERM (host mismatch), -EKEYREJECTED
 * (unknown authority, incompatible usage, CA not allowed to sign, other chain errors), -EINVAL
 * (no roots).
 */
int x509_verify(const struct x509_cert *leaf, const struct x509_verify_opts *o, char *err,
                size_t errlen);

/* ---- files ---- */

/* Reads a whole regular file of at most KG_MAX_CONFIG_FILE bytes into out (appended).
 * Errors: -errno from open/read ("open /x: no such file or directory"), -E2BIG, -EINVAL (not a
 * regular file). */
int x509_read_file(const char *path, struct buf *out, char *err, size_t errlen);
/*
 * Writes data to path atomically: a temporary file in the same directory gets exactly mode
 * (umask not applied), is fsynced and renamed over path. Missing parent directories are created
 * 0755, as client-go's WriteCert/WriteKey do. Errors: -errno naming the path.
 */
int x509_write_file(const char *path, const void *data, size_t len, unsigned mode, char *err,
                    size_t errlen);
/* PEM files: certificates 0644, keys 0600 (traditional form). */
int x509_write_certs(const char *path, struct x509_cert *const *v, size_t n, char *err,
                     size_t errlen);
int x509_write_key(const char *path, const struct x509_key *k, char *err, size_t errlen);
/* Read PEM files with the parse rules above. */
int x509_load_certs(const char *path, struct x509_cert ***out, size_t *n, char *err, size_t errlen);
int x509_load_key(const char *path, struct x509_key **out, char *err, size_t errlen);

/* ---- Kubernetes recipes ---- */

/*
 * client-go's cert.GenerateSelfSignedCertKey (what a metrics server writes into --cert-dir as
 * apiserver.crt / apiserver.key): an RSA-2048 CA "<host>-ca@<unix time>" (serial 1) and a serving
 * certificate "<host>@<unix time>" (serial 2, serverAuth) signed by it, both valid from now - 1 h
 * for one year. The serving certificate's SANs are host (an IP SAN when it parses as an IP, else a
 * DNS SAN), then ips, then dns. Appends the serving certificate followed by the CA to cert_pem and
 * the serving key (PKCS#1 / SEC1) to key_pem. now 0 = current time. ca_key and key NULL generate
 * RSA-2048 keys as client-go does (~0.1 s each); callers that start often (kgauge demo) may pass
 * ECDSA keys instead. The keys are not taken over.
 */
int x509_self_signed_serving(const char *host, const char *const *ips, size_t n_ips,
                             const char *const *dns, size_t n_dns, time_t now,
                             const struct x509_key *ca_key, const struct x509_key *key,
                             struct buf *cert_pem, struct buf *key_pem, char *err, size_t errlen);

#endif
