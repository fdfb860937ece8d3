/*
 * The sim's certificates (see certs.h), issued with x509/x509.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sim/certs.h"
#include "util/limits.h"
#include "x509/x509.h"

#define TEN_YEARS_S (10LL * 365 * 24 * 3600)

struct issued {
    struct x509_key *key;
    struct x509_cert *cert;
};

static void issued_free(struct issued *i)
{
    x509_cert_free(i->cert);
    x509_key_free(i->key);
    i->cert = NULL;
    i->key = NULL;
}

/* Makes a key and a certificate for t, signed by issuer (NULL: self-signed), and writes
 * <dir>/<stem>.crt and .key. */
static int issue(const char *dir, const char *stem, const struct x509_template *t,
                 const struct issued *issuer, struct issued *out, char *err, size_t errlen)
{
    char path[4096];
    int rc = x509_key_new_ec(&out->key, KG_X509_P256, err, errlen);
    if (rc)
        return rc;
    rc = x509_cert_sign(&out->cert, t, out->key, issuer ? issuer->cert : NULL,
                        issuer ? issuer->key : out->key, err, errlen);
    if (rc)
        return rc;
    snprintf(path, sizeof(path), "%s/%s.crt", dir, stem);
    rc = x509_write_certs(path, &out->cert, 1, err, errlen);
    if (rc)
        return rc;
    snprintf(path, sizeof(path), "%s/%s.key", dir, stem);
    return x509_write_key(path, out->key, err, errlen);
}

int certs_generate(const char *dir, struct sim_pki *out, char *err, size_t errlen)
{
    struct issued ca = { 0 }, fp_ca = { 0 }, leaf = { 0 };
    int rc;
    buf_init(&out->ca_pem, KG_MAX_CONFIG_FILE);
    buf_init(&out->admin_cert_pem, KG_MAX_CONFIG_FILE);
    buf_init(&out->admin_key_pem, KG_MAX_CONFIG_FILE);

    struct x509_template t = { .subject = { .cn = "kubernetes" },
                               .is_ca = 1,
                               .duration_s = TEN_YEARS_S };
    rc = issue(dir, "ca", &t, NULL, &ca, err, errlen);
    if (rc)
        goto out;
    rc = x509_cert_pem(ca.cert, &out->ca_pem, err, errlen);
    if (rc)
        goto out;

    static const char *const dns[] = { "localhost", "kubernetes", "kubernetes.default",
                                       "kubernetes.default.svc",
                                       "kubernetes.default.svc.cluster.local" };
    static const char *const ips[] = { "127.0.0.1", "::1" };
    t = (struct x509_template){ .subject = { .cn = "kube-apiserver" },
                                .ext_key_usage = KG_X509_EKU_SERVER_AUTH,
                                .dns = dns,
                                .n_dns = sizeof(dns) / sizeof(dns[0]),
                                .ips = ips,
                                .n_ips = sizeof(ips) / sizeof(ips[0]) };
    rc = issue(dir, "apiserver", &t, &ca, &leaf, err, errlen);
    issued_free(&leaf);
    if (rc)
        goto out;

    t = (struct x509_template){ .subject = { .cn = "kubernetes-admin", .o = { "system:masters" } },
                                .ext_key_usage = KG_X509_EKU_CLIENT_AUTH };
    rc = issue(dir, "admin", &t, &ca, &leaf, err, errlen);
    if (!rc)
        rc = x509_cert_pem(leaf.cert, &out->admin_cert_pem, err, errlen);
    if (!rc)
        rc = x509_key_pem(leaf.key, KG_X509_KEY_TRADITIONAL, &out->admin_key_pem, err, errlen);
    issued_free(&leaf);
    if (rc)
        goto out;

    t = (struct x509_template){ .subject = { .cn = "front-proxy-ca" },
                                .is_ca = 1,
                                .duration_s = TEN_YEARS_S };
    rc = issue(dir, "front-proxy-ca", &t, NULL, &fp_ca, err, errlen);
    if (rc)
        goto out;
    t = (struct x509_template){ .subject = { .cn = "front-proxy-client" },
                                .ext_key_usage = KG_X509_EKU_CLIENT_AUTH };
    rc = issue(dir, "front-proxy-client", &t, &fp_ca, &leaf, err, errlen);
    issued_free(&leaf);
out:
    issued_free(&ca);
    issued_free(&fp_ca);
    if (rc)
        certs_cleanup(out);
    return rc;
}

void certs_cleanup(struct sim_pki *p)
{
    buf_cleanup(&p->ca_pem);
    buf_cleanup(&p->admin_cert_pem);
    buf_cleanup(&p->admin_key_pem);
}
