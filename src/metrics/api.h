/*
 * The Metrics API (metrics.k8s.io) as pure request handling: a decoded request, a store view
 * and a "cluster info" interface in, a status code, a content type and body bytes out. No
 * I/O, no threads, no clock: the caller (the HTTP server adapter) supplies everything,
 * including the request time used as creationTimestamp.
 *
 * Served (spec/metrics-server.md §1): discovery at /apis, /apis/metrics.k8s.io and
 * /apis/metrics.k8s.io/{v1,v1beta1}; nodes and pods (list, get, namespaced list/get) in both
 * versions, which differ only in apiVersion; v1 is listed first and preferred (issue 4) unless
 * cfg.no_v1. Objects are JSON byte-identical to the Go server (§1.5), or a meta.k8s.io Table
 * (§1.6) when asked for by Accept; errors are metav1.Status objects (§1.4); paths outside
 * /apis/metrics.k8s.io/<version> and unknown groups/versions get Go's plain "404 page not
 * found". Every JSON body ends with a newline; ?pretty=true (or a curl/Wget User-Agent)
 * indents it by two spaces.
 *
 * Lists walk the store (already in API order: nodes by name, pods by namespace then name) and
 * keep the entries the cluster knows (pods: Running), that match the label selector (nodes
 * also cfg.node_selector) and the field selector. Field selectors: metadata.name and
 * metadata.namespace like the reference; pods additionally spec.nodeName and status.phase
 * (kgauge's documented improvement). GETs apply no selector.
 */
#ifndef KGAUGE_METRICS_API_H
#define KGAUGE_METRICS_API_H

#include <stddef.h>
#include <stdint.h>

#include "kube/labels.h"
#include "util/buf.h"

/* Largest response body; past it the request fails with a 500 Status. */
#define KG_MAX_METRICS_API_BODY (256u * 1024 * 1024)
/* Labels rendered per object (more are a cluster-info bug: the apiserver caps metadata size). */
#define KG_MAX_METRICS_API_LABELS 1024

struct store_view;

/* What the informers know about one node or pod. Pointers must stay valid for the duration
 * of the metrics_api_handle call that received them. */
struct metrics_api_object {
    const struct label *labels; /* metadata.labels, any order (rendered sorted by key) */
    size_t nlabels;
    const char *node_name; /* pods: spec.nodeName (NULL reads as "") */
    const char *phase;     /* pods: status.phase; NULL means "Running" */
};

/* The cluster-info interface. Each callback returns 1 and fills *out when the object exists,
 * 0 when it does not. Called only from within metrics_api_handle. */
struct metrics_api_cluster {
    void *ud;
    int (*node)(void *ud, const char *name, struct metrics_api_object *out);
    int (*pod)(void *ud, const char *namespace, const char *name, struct metrics_api_object *out);
};

struct metrics_api_config {
    const struct metrics_api_cluster *cluster; /* required */
    /* --node-selector: applied to node lists only (not to GET, as in the reference); NULL: none */
    const struct labels_selector *node_selector;
    /* "ip:port" advertised in /apis serverAddressByClientCIDRs; NULL omits the field. */
    const char *server_address;
    /* 1: serve only v1beta1 (the reference's surface). */
    unsigned no_v1 : 1;
};

/* One request, already decoded by the HTTP layer (path percent-decoded, query values
 * decoded; NULL = parameter or header absent). */
struct metrics_api_request {
    const char *method; /* NULL means GET */
    const char *path;   /* without the query */
    const char *accept;
    const char *user_agent;
    const char *label_selector;
    const char *field_selector;
    const char *watch;          /* strconv.ParseBool true ("1","t","true"...) gives 405 */
    const char *pretty;         /* ParseBool; when absent a curl/Wget User-Agent means pretty */
    const char *include_object; /* Table rows: "None", "Object", else Metadata (the default) */
    int64_t now_ns;             /* request time, Unix ns: every creationTimestamp */
};

struct metrics_api_response {
    int status;
    const char *content_type; /* static string */
    struct buf body;          /* owned; release with metrics_api_response_cleanup */
};

/*
 * Handles one request. Always fills *resp (status 200, 400, 404, 405, 406 or 500 with a body)
 * and returns 0; -EINVAL (resp untouched) only when cfg, cfg->cluster, v, req, req->path or
 * resp is NULL. The store view is only read.
 */
int metrics_api_handle(const struct metrics_api_config *cfg, const struct store_view *v,
                       const struct metrics_api_request *req, struct metrics_api_response *resp);
void metrics_api_response_cleanup(struct metrics_api_response *resp); /* accepts NULL */

#endif
