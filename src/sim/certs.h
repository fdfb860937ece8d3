/*
 * The sim's PKI, written into its directory (ECDSA P-256 keys: generating all of them takes a
 * few milliseconds), with kubeadm's names and subjects:
 *
 *   ca.crt / ca.key                          cluster CA, CN "kubernetes" (10 years)
 *   apiserver.crt / apiserver.key            serving cert, CN "kube-apiserver", serverAuth, SANs
 *                                            localhost, kubernetes, kubernetes.default,
 *                                            kubernetes.default.svc,
 *                                            kubernetes.default.svc.cluster.local, 127.0.0.1, ::1
 *   admin.crt / admin.key                    CN "kubernetes-admin", O "system:masters", clientAuth
 *   front-proxy-ca.crt / front-proxy-ca.key  CN "front-proxy-ca" (10 years)
 *   front-proxy-client.crt / .key            CN "front-proxy-client", clientAuth
 *
 * Keys are written 0600, certificates 0644, each atomically. Leaves are valid for one year.
 */
#ifndef KGAUGE_SIM_CERTS_H
#define KGAUGE_SIM_CERTS_H

#include <stddef.h>

#include "util/buf.h"

/* What the kubeconfig needs, as PEM (owned; certs_cleanup frees). */
struct sim_pki {
    struct buf ca_pem;
    struct buf admin_cert_pem;
    struct buf admin_key_pem;
};

/* Generates everything and writes it under dir (which must exist). Returns 0 or a negative
 * errno with a message naming the file in err. */
int certs_generate(const char *dir, struct sim_pki *out, char *err, size_t errlen);
void certs_cleanup(struct sim_pki *p);

#endif
