/*
 * The sim's API server: a subset of kube-apiserver over HTTPS (HTTP/1.1) serving the store.
 *
 * Authentication is by client certificate: a certificate that verifies against client_ca_file
 * is the user in its CN with the groups in its O values; members of system:masters may do
 * anything; other authenticated users may read discovery, /version, /openapi and the health
 * endpoints and get a Forbidden Status for resources. Requests without a verified certificate
 * get 401 Unauthorized, except /version, /healthz, /livez and /readyz (public, as kube-apiserver
 * makes them for system:anonymous).
 *
 * Served: /version (gitVersion server_version, default v1.32.5), /healthz /livez /readyz "ok"
 * (?verbose lists the checks), /openapi/v2 (200, empty application/octet-stream body: an empty,
 * valid protobuf document, which makes kubectl skip client-side validation), legacy and
 * aggregated discovery (sim/discovery.h), and GET list/get of every resource in the discovery
 * table with labelSelector, fieldSelector, limit/continue, as=Table (meta.k8s.io v1 and v1beta1,
 * includeObject), as=PartialObjectMetadata(List). watch=true is answered 405 MethodNotAllowed
 * (watch is not in discovery yet). Errors are Status objects with kube-apiserver's reasons,
 * codes and messages. JSON is compact with a trailing newline, or indented (no newline) for
 * ?pretty=true and curl/Wget/browser user agents, as kube-apiserver does.
 *
 * GET /sim/v1/truth (system:masters only; others 403, anonymous 401): the usage model's true
 * current CPU and memory of every node, pod and container (sim_model_truth_json in sim/model.h).
 */
#ifndef KGAUGE_SIM_APISERVER_H
#define KGAUGE_SIM_APISERVER_H

#include <stddef.h>
#include <stdint.h>

/* The version /version reports by default (the gcloud kubectl dispatcher then runs kubectl
 * 1.32; see the kubectl wire spec section 0). */
#define KG_SIM_DEFAULT_SERVER_VERSION "v1.32.5"

struct store;
struct apiserver;

struct apiserver_opts {
    const char *cert_file;      /* serving certificate (PEM), required */
    const char *key_file;       /* its key, required */
    const char *client_ca_file; /* CA of client certificates, required */
    const char *host;           /* listen address; NULL = "127.0.0.1" */
    int port;                   /* 0 = any free port */
    const char *server_version; /* NULL = KG_SIM_DEFAULT_SERVER_VERSION */
    unsigned threads;           /* 0 = 4 */
    uint64_t seed;              /* --seed, for the usage model behind GET /sim/v1/truth */
};

/* Loads the TLS files and binds the port (serving starts with apiserver_start). The store is
 * borrowed and must outlive the server. NULL with a message on failure. */
struct apiserver *apiserver_new(struct store *st, const struct apiserver_opts *o, char *err,
                                size_t errlen);
int apiserver_start(struct apiserver *a, char *err, size_t errlen);
/* The bound port. */
int apiserver_port(const struct apiserver *a);
/* Stops serving (waits up to 5 s for requests in flight) and frees. Accepts NULL. */
void apiserver_free(struct apiserver *a);

#endif
