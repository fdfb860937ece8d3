/*
 * libFuzzer target for cfssl CSR JSON (certs_csr_parse): any input either fails with -EINVAL or
 * -E2BIG and a message starting with the label, or yields a request whose every field respects
 * the documented invariants (a subject, valid key spec, hosts split into IPs and DNS names within
 * the limits) and that x509 accepts as a subject. Nothing may leak or crash.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "certs/certs.h"
#include "util/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct certs_csr csr;
    struct certs_key_spec spec;
    struct x509_name name;
    char err[KG_ERRBUF];
    int rc;

    err[0] = '\0';
    rc = certs_csr_parse(data, size, "fuzz.json", &csr, err, sizeof(err));
    CHECK(rc == 0 || rc == -EINVAL || rc == -E2BIG);
    if (rc != 0) {
        CHECK(strncmp(err, "fuzz.json: ", 11) == 0);
        CHECK(csr.cn == NULL && csr.n_dns == 0 && csr.n_ips == 0);
        certs_csr_cleanup(&csr);
        return 0;
    }
    CHECK(csr.cn != NULL && strlen(csr.cn) <= KG_MAX_X509_STRING);
    CHECK(csr.cn[0] != '\0' || csr.c[0] || csr.st[0] || csr.l[0] || csr.o[0] || csr.ou[0]);
    CHECK(certs_key_spec_check(csr.key.type == KG_X509_KEY_RSA ? "rsa" : "ecdsa",
                               (long long)csr.key.bits, &spec, err, sizeof(err)) == 0);
    CHECK(csr.n_dns + csr.n_ips <= KG_MAX_CERTS_HOSTS);
    for (size_t i = 0; i < csr.n_dns; i++)
        CHECK(csr.dns[i][0] != '\0' && strpbrk(csr.dns[i], "@:/ ") == NULL);
    for (size_t i = 0; i < KG_MAX_X509_NAME_VALUES; i++)
        CHECK(csr.o[i] == NULL || csr.o[i][0] != '\0');
    CHECK(!csr.has_ca_expiry || csr.ca_expiry_s >= 1);
    certs_csr_name(&csr, NULL, &name);
    CHECK(name.cn == csr.cn);
    certs_csr_cleanup(&csr);
    return 0;
}
