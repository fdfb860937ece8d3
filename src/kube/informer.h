/*
 * Informer: keeps a local cache of one resource in sync with the API server by listing it,
 * then watching from the list's resourceVersion (client-go's reflector + indexer, reduced).
 *
 * Threading: each informer runs on its own thread with its own http_client (informer_start /
 * informer_stop). The add/update/delete callbacks run on that thread WITH THE CACHE LOCK
 * HELD, so they see the cache already updated and may call informer_get/len/foreach but not
 * informer_lock. Other threads read the cache between informer_lock and informer_unlock.
 *
 * Objects: the application's decode callback turns each JSON object into its own compact
 * struct (no JSON is kept); the informer owns those structs and frees them with free_obj
 * after the update (old value) or delete callbacks return, and at informer_free.
 *
 * Cache keys are client-go's MetaNamespaceKeyFunc: "namespace/name", or "name" for
 * cluster-scoped objects.
 *
 * Lifecycle (state machine, see docs/internals/informer.md):
 *   LISTING  paginated list (limit, continue); on success the cache is reconciled with the
 *            list: new keys -> add, changed resourceVersion -> update, keys missing from
 *            the list -> delete; has_synced becomes true; then WATCHING.
 *   WATCHING watch?allowWatchBookmarks=true&resourceVersion=RV; ADDED/MODIFIED/DELETED update
 *            the cache and RV; BOOKMARK only advances RV; an ERROR event or HTTP status 410
 *            (resource version too old) -> LISTING; a clean end of the stream -> WATCHING
 *            again from RV; a broken stream or other error -> BACKOFF then WATCHING from RV.
 *   BACKOFF  exponential (initial x2 up to max, plus up to 100% jitter); a list error backs
 *            off then lists again. The backoff resets after a successful list, a watch event
 *            or a clean end of a watch.
 *   STOPPED  after informer_stop.
 */
#ifndef KGAUGE_KUBE_INFORMER_H
#define KGAUGE_KUBE_INFORMER_H

#include <stddef.h>
#include <stdint.h>

#include "json/json.h"
#include "kube/rest.h"
#include "util/limits.h"

/* Defaults (client-go reflector): backoff 800 ms doubling to 30 s; watch timeoutSeconds
 * random in [300, 600). */
#define KG_INFORMER_BACKOFF_INITIAL_MS 800
#define KG_INFORMER_BACKOFF_MAX_MS 30000
#define KG_INFORMER_WATCH_TIMEOUT_MIN_S 300

enum informer_state {
    INFORMER_LISTING,
    INFORMER_WATCHING,
    INFORMER_BACKOFF,
    INFORMER_STOPPED,
};

/* Returns the application's struct for obj, or NULL to leave the object out of the cache
 * (not a failure: e.g. filtered). obj is valid only during the call. */
typedef void *(*informer_decode_cb)(const struct json_value *obj, void *ud);
typedef void (*informer_free_cb)(void *obj, void *ud);
typedef void (*informer_add_cb)(const char *key, void *obj, void *ud);
typedef void (*informer_update_cb)(const char *key, void *old_obj, void *new_obj, void *ud);
typedef void (*informer_delete_cb)(const char *key, void *obj, void *ud);

struct informer_config {
    struct rest_client *rest;      /* shared; must outlive the informer */
    struct rest_resource resource; /* group/version/resource (+ namespace to scope); copied */
    const char *label_selector;    /* copied; NULL = everything */
    const char *field_selector;
    enum rest_accept accept;   /* REST_ACCEPT_JSON or REST_ACCEPT_METADATA */
    long page_limit;           /* 0 = KG_REST_PAGE_LIMIT */
    informer_decode_cb decode; /* required */
    informer_free_cb free_obj; /* NULL = free() */
    informer_add_cb on_add;    /* each optional */
    informer_update_cb on_update;
    informer_delete_cb on_delete;
    void *ud;
    long backoff_initial_ms; /* 0 = default */
    long backoff_max_ms;     /* 0 = default */
    long watch_timeout_s;    /* 0 = random in [300, 600) */
};

struct informer_stats {
    uint64_t lists; /* completed lists */
    uint64_t list_errors;
    uint64_t watches;      /* watch requests started */
    uint64_t watch_errors; /* watches ended by an error (not a clean close) */
    uint64_t events;       /* ADDED/MODIFIED/DELETED applied */
    uint64_t bookmarks;
    uint64_t gone; /* 410s that forced a relist */
};

struct informer;

/* Copies cfg. NULL with a message in err when it is incomplete or the resource is invalid. */
struct informer *informer_new(const struct informer_config *cfg, char *err, size_t errlen);
/* Stops if running, frees every cached object. Accepts NULL. */
void informer_free(struct informer *inf);

/* Starts the informer thread. Returns 0, -EBUSY when already started, or -errno. */
int informer_start(struct informer *inf);
/* Stops the thread (cancelling any request) and waits for it. Idempotent. */
void informer_stop(struct informer *inf);

/* True once the first list has been applied (client-go HasSynced). Any thread. */
int informer_has_synced(const struct informer *inf);
/* Waits up to timeout_ms for has_synced. Returns 1 when synced, else 0. */
int informer_wait_synced(struct informer *inf, long timeout_ms);
enum informer_state informer_state(const struct informer *inf);
/* Copies the last seen resourceVersion ("" before the first list). Any thread. */
void informer_resource_version(struct informer *inf, char *out, size_t outlen);
void informer_get_stats(struct informer *inf, struct informer_stats *out);

/* Cache access from other threads: hold the lock around get/len/foreach and any use of the
 * objects they return. Callbacks already hold it. */
void informer_lock(struct informer *inf);
void informer_unlock(struct informer *inf);
void *informer_get(struct informer *inf, const char *key);
size_t informer_len(struct informer *inf);
/* Calls fn for every cached object (unspecified order). fn must not change the cache. */
void informer_foreach(struct informer *inf, void (*fn)(const char *key, void *obj, void *ud),
                      void *ud);

#endif
