/*
 * `kgauge certs`: the certificates the Kubernetes aggregation layer needs, made the way the
 * seed's cfssl steps make them (docs/certs.md is the user guide):
 *
 *   kgauge certs front-proxy --out DIR   front-proxy-ca.pem, front-proxy-ca-key.pem (cfssl
 *                                        `gencert -initca`), front-proxy-client.pem,
 *                                        front-proxy-client-key.pem (clientAuth), and prints the
 *                                        kube-apiserver --requestheader-* / --proxy-client-* flags
 *   kgauge certs serving --out DIR       serving-ca.pem, serving-ca-key.pem, serving.pem,
 *                                        serving-key.pem (serverAuth, the Service's DNS names)
 *                                        and apiservice.yaml with the CA in spec.caBundle
 *
 * Both accept cfssl CSR JSON for subjects and keys. Nothing is written when any target exists
 * (unless --force); keys are 0600, certificates and the manifest 0644.
 *
 * Module layout: certs.c (the command), csr.c (cfssl CSR JSON, also used by the fuzzer).
 */
#ifndef KGAUGE_CERTS_CERTS_H
#define KGAUGE_CERTS_CERTS_H

#include <stddef.h>
#include <stdint.h>
#include "util/limits.h"
#include "x509/x509.h"

/* Module limits (to be consolidated into util/limits.h). */
/* A cfssl CSR JSON file: real ones are a few hundred bytes. */
#define KG_MAX_CERTS_CSR_FILE (64u * 1024)
/* "hosts" entries of a CSR, and --ip plus --dns values of one command. */
#define KG_MAX_CERTS_HOSTS 256
/* --allowed-names values. */
#define KG_MAX_CERTS_ALLOWED_NAMES 64
/* --versions values (metrics.k8s.io has v1beta1 and v1). */
#define KG_MAX_CERTS_VERSIONS 4

/* cfssl's key bounds (csr.BasicKeyRequest.Generate): RSA 2048..8192 bits, ECDSA P-256/384/521. */
#define KG_CERTS_RSA_MIN_BITS 2048
#define KG_CERTS_RSA_MAX_BITS 8192

/* Default validities: cfssl's initca policy (43800h, 5 years) and its default signing profile
 * (8760h, 1 year). */
#define KG_CERTS_CA_VALIDITY_S (43800LL * 3600)
#define KG_CERTS_LEAF_VALIDITY_S (8760LL * 3600)
/* cfssl's default backdate: not-before is the current minute minus this. */
#define KG_CERTS_BACKDATE_S 300

/* A key to generate: RSA with bits in [KG_CERTS_RSA_MIN_BITS, KG_CERTS_RSA_MAX_BITS], or ECDSA
 * with bits 256, 384 or 521 (the curve). */
struct certs_key_spec {
    enum x509_key_type type;
    unsigned bits;
};

/*
 * Checks an algorithm name and size against cfssl's rules: algo "rsa" or "ecdsa" (exactly, as
 * cfssl compares them), size as above. On success fills *out. Errors: -EINVAL with a message
 * that names neither file nor flag (the caller prefixes that), e.g.
 *   unsupported algorithm "dsa" (want "rsa" or "ecdsa")
 *   RSA key size 1024 is too weak (want 2048 to 8192 bits)
 *   invalid ECDSA curve size 300 (want 256, 384 or 521)
 */
int certs_key_spec_check(const char *algo, long long size, struct certs_key_spec *out, char *err,
                         size_t errlen);

/* Generates a key per spec (RSA 2048 takes ~0.1 s; ECDSA microseconds). Errors from x509. */
int certs_key_generate(const struct certs_key_spec *spec, struct x509_key **out, char *err,
                       size_t errlen);

/*
 * A cfssl CSR JSON document (csr.CertificateRequest), the fields kgauge uses:
 *
 *   {"CN": "front-proxy-client",
 *    "key": {"algo": "rsa", "size": 2048},
 *    "names": [{"C": "CN", "ST": "BeiJing", "L": "BeiJing", "O": "k8s", "OU": "System"}],
 *    "hosts": ["10.0.0.1", "metrics-server.kube-system.svc"],
 *    "ca": {"expiry": "87600h"}}
 *
 * Decoded like Go's encoding/json decodes into cfssl's structs: member names match ASCII
 * case-insensitively (the last matching member wins), unknown members are ignored, null is the
 * same as absent, a value of the wrong type is an error. Empty name values are skipped (cfssl
 * appendIf). "hosts" entries that parse as IPs become IP SANs, the rest DNS SANs; email and URI
 * hosts are refused. "ca.expiry" is a Go duration used for a CA's validity (cfssl initca);
 * "ca.pathlen" is ignored (kgauge CAs carry no path length constraint, cfssl's default).
 * As cfssl's gencert validator, a request needs a CN or at least one non-empty name.
 */
struct certs_csr {
    char *cn; /* "" when absent */
    int has_key;
    struct certs_key_spec key; /* valid when has_key */
    /* Subject lists as x509_name wants them: NULL-terminated or full. */
    char *c[KG_MAX_X509_NAME_VALUES];
    char *st[KG_MAX_X509_NAME_VALUES];
    char *l[KG_MAX_X509_NAME_VALUES];
    char *o[KG_MAX_X509_NAME_VALUES];
    char *ou[KG_MAX_X509_NAME_VALUES];
    char **dns; /* hosts that are not IPs */
    size_t n_dns;
    char **ips; /* hosts that are IPs, as written */
    size_t n_ips;
    int has_ca_expiry;
    int64_t ca_expiry_s;
};

/*
 * Parses a CSR document (len bytes, NUL not needed; at most KG_MAX_CERTS_CSR_FILE). label names
 * the source in messages ("front-proxy-ca-csr.json: key.size: RSA key size 1024 is too weak
 * ..."). On success *out owns copies of every string (certs_csr_cleanup); on error *out is left
 * empty (cleanup is still allowed). Errors: -EINVAL (syntax, type, value), -E2BIG (size, more
 * names or hosts than the limits).
 */
int certs_csr_parse(const void *data, size_t len, const char *label, struct certs_csr *out,
                    char *err, size_t errlen);
/* Reads and parses a file; the message starts with the path. Adds -errno for unreadable files. */
int certs_csr_load(const char *path, struct certs_csr *out, char *err, size_t errlen);
void certs_csr_cleanup(struct certs_csr *csr);
/* Fills a subject from the CSR with borrowed pointers (valid while csr lives); cn overrides the
 * CSR's CN when not NULL. */
void certs_csr_name(const struct certs_csr *csr, const char *cn, struct x509_name *out);

/*
 * `kgauge certs SUBCOMMAND [flags]` (argv[0] = "certs"). Results are printed to stdout (the
 * kube-apiserver or metrics-server flags to use), progress and warnings to stderr.
 * Exit status: 0 done, 1 failure (bad CSR file, file exists without --force, write error),
 * 2 usage error (unknown flag, bad flag value).
 */
int certs_main(int argc, char **argv);

#endif
