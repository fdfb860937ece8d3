/*
 * Test helper: a throw-away PKI made with the `openssl` command line (EC P-256 keys, so it is
 * quick). tls_fixture_create() makes a temporary directory holding
 *
 *     ca.crt/ca.key              a CA ("kgauge-test-ca")
 *     server.crt/server.key      serving cert from ca: SANs IP 127.0.0.1, IP ::1, DNS localhost,
 *                                serial 1001, EKU serverAuth
 *     client.crt/client.key      client cert from ca: the given CN and O values, EKU clientAuth
 *     other-ca.crt/other-ca.key  an unrelated CA ("kgauge-other-ca")
 *     other-client.crt/.key      client cert from other-ca, same CN and O values
 *
 * and tls_fixture_issue() makes more certificates in the same directory (another serving
 * cert with a new serial for reload tests, expired certs, a cert for a second CA...).
 * Paths in the struct are absolute. Functions return 0 or -1 with a message in f->err.
 * tls_fixture_destroy() removes the directory.
 */
#ifndef KGAUGE_TESTS_TLS_FIXTURE_H
#define KGAUGE_TESTS_TLS_FIXTURE_H

#include <stddef.h>

#define TLS_FIXTURE_PATH 512

struct tls_fixture {
    char dir[TLS_FIXTURE_PATH];
    char ca_cert[TLS_FIXTURE_PATH], ca_key[TLS_FIXTURE_PATH];
    char server_cert[TLS_FIXTURE_PATH], server_key[TLS_FIXTURE_PATH];
    char client_cert[TLS_FIXTURE_PATH], client_key[TLS_FIXTURE_PATH];
    char other_ca_cert[TLS_FIXTURE_PATH], other_ca_key[TLS_FIXTURE_PATH];
    char other_client_cert[TLS_FIXTURE_PATH], other_client_key[TLS_FIXTURE_PATH];
    char err[1024];
};

enum tls_fixture_kind { TLS_FIXTURE_SERVER, TLS_FIXTURE_CLIENT, TLS_FIXTURE_CA };

struct tls_fixture_cert {
    const char *name;   /* file stem in the fixture directory: <name>.crt, <name>.key */
    const char *signer; /* stem of the signing CA ("ca", "other-ca"); NULL = self-signed */
    enum tls_fixture_kind kind;
    const char *cn;   /* subject CN; NULL = name */
    const char *orgs; /* comma-separated O values in order, or NULL */
    const char *sans; /* server: subjectAltName value; NULL = the default above */
    long serial;      /* 0 = a fresh one */
    int days;         /* validity from now; 0 = 365; negative = already expired */
};

/* Creates the directory and the standard set. client_orgs: comma-separated O values or NULL. */
int tls_fixture_create(struct tls_fixture *f, const char *client_cn, const char *client_orgs);
/* Issues one more certificate; its paths are written to cert/key (TLS_FIXTURE_PATH bytes). */
int tls_fixture_issue(struct tls_fixture *f, const struct tls_fixture_cert *c, char *cert,
                      char *key);
/* Path of a file in the fixture directory (returns out). */
char *tls_fixture_path(const struct tls_fixture *f, const char *file, char *out, size_t outlen);
/* Removes the directory and everything in it. */
void tls_fixture_destroy(struct tls_fixture *f);

#endif
