/*
 * Kubernetes REST client: URL building for core and group resources, GET/LIST (paginated,
 * item by item), PUT/PATCH/POST/DELETE, WATCH streams with bookmarks, and decoding of error
 * responses into metav1.Status the way client-go does.
 *
 * Threads: a rest_client is immutable after creation and may be shared by any number of
 * threads. The blocking calls (rest_do, rest_get, rest_list, ...) borrow one of a small set of
 * private HTTP clients ("lanes"), so concurrent callers run in parallel and reuse connections.
 * Watches are asynchronous and run on an http_client the caller drives (see http/client.h).
 *
 * Wire behaviour matched (client-go rest.Request): query parameters in sorted key order,
 * values escaped like Go's url.QueryEscape (space as '+', everything but [A-Za-z0-9-_.~]
 * as %XX); watch=true; non-2xx bodies that are a Status (with a non-empty "status") become
 * that Status; other bodies become client-go's generic message for the code, e.g.
 * "the server could not find the requested resource (get pods web-0)".
 */
#ifndef KGAUGE_KUBE_REST_H
#define KGAUGE_KUBE_REST_H

#include <stddef.h>
#include <stdint.h>

#include "http/client.h"
#include "json/json.h"
#include "util/buf.h"
#include "util/limits.h"

/* Page size of paginated lists (client-go's pager default). */
#define KG_REST_PAGE_LIMIT 500

/* Writes the current bearer token into out (NUL-terminated); returns 0 or a negative errno.
 * Called once per request, from the requesting thread (e.g. re-reads a projected token). */
typedef int (*rest_token_cb)(void *ud, char *out, size_t outlen);

struct rest_config {
    const char *server; /* "https://10.96.0.1:443" (path prefix allowed); required */
    const void *ca_pem; /* cluster CA as PEM bytes, or ca_file; neither = system store */
    size_t ca_len;
    const char *ca_file;
    const void *cert_pem; /* client certificate + key, bytes or files */
    size_t cert_len;
    const char *cert_file;
    const void *key_pem;
    size_t key_len;
    const char *key_file;
    const char *bearer_token; /* static token, or token_cb */
    rest_token_cb token_cb;
    void *token_ud;
    int insecure;           /* skip server certificate verification */
    const char *user_agent; /* default "kgauge/0.1" */
    long timeout_ms;        /* per request (not watches); 0 = none */
};

struct rest_client;

/* Copies the config. NULL with a message in err when it is unusable. */
struct rest_client *rest_client_new(const struct rest_config *cfg, char *err, size_t errlen);
void rest_client_free(struct rest_client *rc); /* no call may be in flight; accepts NULL */

/* What a request addresses. group "" or NULL means the core group (/api/v1). */
struct rest_resource {
    const char *group;
    const char *version;     /* required */
    const char *resource;    /* plural, lower case: "pods"; required */
    const char *namespace;   /* NULL/"" = cluster-scoped or across all namespaces */
    const char *name;        /* NULL/"" = the collection */
    const char *subresource; /* "status", "scale"; needs a name */
};

/* Query parameters; zero/NULL fields are omitted. */
struct rest_query {
    const char *label_selector;
    const char *field_selector;
    long limit;
    const char *continue_token;
    const char *resource_version;
    const char *resource_version_match;
    int allow_watch_bookmarks;
    long timeout_seconds;
    int watch;
    const char *field_manager;
};

enum rest_accept {
    REST_ACCEPT_JSON,     /* application/json */
    REST_ACCEPT_TABLE,    /* application/json;as=Table;v=v1;g=meta.k8s.io,application/json */
    REST_ACCEPT_METADATA, /* ...;as=PartialObjectMetadataList (lists) or PartialObjectMetadata
                             (objects, watches);v=v1;g=meta.k8s.io,application/json */
};

/*
 * Appends "/api/v1/namespaces/NS/pods/NAME/status?k=v&..." to out. Returns 0, or -EINVAL with
 * a message when a required field is missing or a path segment is not a valid path segment
 * name ("", ".", "..", or containing '/' or '%'), -E2BIG past KG_MAX_REST_PATH.
 */
int rest_build_path(const struct rest_resource *res, const struct rest_query *q, struct buf *out,
                    char *err, size_t errlen);
/* The Accept header value for a mode; list selects the List variant for METADATA. */
const char *rest_accept_header(enum rest_accept a, int list);

/* A decoded error: metav1.Status from the body or client-go's generic equivalent. */
struct rest_status {
    int code;                           /* Status.code, or the HTTP status when the body had none */
    char reason[KG_REST_STATUS_REASON]; /* "NotFound", "Expired", ... ; "" = Unknown */
    char message[KG_REST_STATUS_MESSAGE]; /* what kubectl would print after "Error from server" */
    int from_body;                        /* 1 when the body was a Status object */
    int retry_after_seconds; /* details.retryAfterSeconds, else the Retry-After header (0) */
};

/*
 * Decodes a response. Returns 0 for 2xx (st zeroed), else -EREMOTEIO with st filled. method
 * and res (may be NULL) only add client-go's " (get pods NAME)" suffix to generic messages.
 */
int rest_status_decode(long http_status, const char *content_type, const char *body, size_t len,
                       const char *method, const struct rest_resource *res, struct rest_status *st);
/* Decodes a Status JSON object (a watch ERROR event's object). Returns 0 or -EINVAL. */
int rest_status_from_json(const struct json_value *obj, struct rest_status *st);

/*
 * Configures req (of any http_client) for one call: URL, method, Accept, auth, TLS, timeout
 * (config's, or none when q->watch), and the body with its Content-Type (content_type NULL
 * with a body means application/json). Returns 0, -EINVAL (message in err), or the token
 * callback's error.
 */
int rest_prepare(struct rest_client *rc, struct http_req *req, const char *method,
                 const struct rest_resource *res, const struct rest_query *q,
                 enum rest_accept accept, const char *content_type, const void *body, size_t len,
                 char *err, size_t errlen);

/* ---- blocking calls ---- */

struct rest_response {
    long http_status;
    char *body; /* malloc'd, NUL-terminated ("" allocated when empty); free with cleanup */
    size_t len;
    struct rest_status status; /* filled when the call returned -EREMOTEIO */
};
void rest_response_cleanup(struct rest_response *r);

/*
 * One request, waiting for the answer. Returns 0 on 2xx; -EREMOTEIO for other statuses (out->
 * status decoded, err holds its message); a transport error from http/client.h (err holds the
 * Go-style message); -EINVAL for bad arguments. out is always filled (cleanup it).
 */
int rest_do(struct rest_client *rc, const char *method, const struct rest_resource *res,
            const struct rest_query *q, enum rest_accept accept, const char *content_type,
            const void *body, size_t len, struct rest_response *out, char *err, size_t errlen);
int rest_get(struct rest_client *rc, const struct rest_resource *res, enum rest_accept accept,
             struct rest_response *out, char *err, size_t errlen);
/* Patch types: "application/merge-patch+json", "application/strategic-merge-patch+json",
 * "application/json-patch+json", "application/apply-patch+yaml". */
int rest_patch(struct rest_client *rc, const struct rest_resource *res, const char *patch_type,
               const void *body, size_t len, struct rest_response *out, char *err, size_t errlen);

/* Called for each item of a list, in order. Return 0 to continue or a negative errno to stop
 * the list (rest_list returns that value). item is valid only during the call. */
typedef int (*rest_item_cb)(const struct json_value *item, void *ud);

struct rest_list_info {
    char resource_version[128]; /* metadata.resourceVersion of the last page */
    uint64_t items;
    int pages;
};

/*
 * LIST with pagination: asks for q->limit items per page (KG_REST_PAGE_LIMIT when 0) and
 * follows metadata.continue until it is empty, parsing one page at a time. q->continue_token
 * and q->watch must be unset. Returns 0, a callback's error, or an error as for rest_do (a
 * 410 on a continue token comes back as -EREMOTEIO with code 410 in st when st != NULL).
 */
int rest_list(struct rest_client *rc, const struct rest_resource *res, const struct rest_query *q,
              enum rest_accept accept, rest_item_cb cb, void *ud, struct rest_list_info *info,
              struct rest_status *st, char *err, size_t errlen);

/*
 * Decodes one list page (a List, PartialObjectMetadataList, or Table whose "rows" are the
 * items), calling cb for each item. rv receives metadata.resourceVersion ("" when absent);
 * *cont a malloc'd metadata.continue, or NULL on the last page; *nitems the items delivered.
 * Returns 0, -EBADMSG (message in err) or the callback's error. For async pagination.
 */
int rest_list_page_decode(const char *body, size_t len, enum rest_accept accept, rest_item_cb cb,
                          void *ud, char *rv, size_t rvlen, char **cont, size_t *nitems, char *err,
                          size_t errlen);

/* ---- watch ---- */

enum rest_event_type {
    REST_EVENT_ADDED,
    REST_EVENT_MODIFIED,
    REST_EVENT_DELETED,
    REST_EVENT_BOOKMARK,
    REST_EVENT_ERROR,
};

/* One watch event; object is valid only during the call. Return 0 or a negative errno to end
 * the watch with that error. */
typedef int (*rest_event_cb)(enum rest_event_type type, const struct json_value *object, void *ud);
/*
 * The watch ended: error 0 when the server closed the stream cleanly (timeoutSeconds), else
 * a transport error, -EREMOTEIO when the server answered non-2xx (st decoded), -EBADMSG for an
 * undecodable stream, or an event callback's error. msg says what happened.
 */
typedef void (*rest_watch_done_cb)(int error, const struct rest_status *st, const char *msg,
                                   void *ud);

struct rest_watch;

/* A watch bound to an http_client the caller drives; nothing happens until started. */
struct rest_watch *rest_watch_new(struct rest_client *rc, struct http_client *c,
                                  rest_event_cb on_event, rest_watch_done_cb on_done, void *ud);
/* Cancels a running watch without calling on_done. Accepts NULL. */
void rest_watch_free(struct rest_watch *w);
/* Starts a watch (q->watch is forced on). Returns 0, -EBUSY while one runs, -EINVAL. */
int rest_watch_start(struct rest_watch *w, const struct rest_resource *res,
                     const struct rest_query *q, enum rest_accept accept, char *err, size_t errlen);
void rest_watch_cancel(struct rest_watch *w); /* no on_done */
int rest_watch_running(const struct rest_watch *w);

/* Module internal, for tests and the fuzzer: runs bytes of a watch stream, cut into pieces of
 * at most chunk bytes (0 = one piece), through a watch's framing and event decoding. Returns
 * 0, -EBADMSG (message in err; also when the data ends inside an event) or cb's error. */
int rest__watch_decode(const char *data, size_t len, size_t chunk, rest_event_cb cb, void *ud,
                       char *err, size_t errlen);

#endif
