/*
 * Informer: list + watch state machine on a private thread and http_client, feeding a
 * chained hash table keyed "namespace/name".
 *
 * A list is fetched page by page asynchronously (so informer_stop never waits on a slow
 * server); decoded items are staged and applied in one step when the last page arrives, so
 * a list that fails half way leaves the cache untouched. Applying a list reconciles: staged
 * keys are added or updated (only when their resourceVersion changed), cached keys the list
 * did not contain are deleted. Watch events are applied one at a time as they arrive.
 */
#include "kube/informer.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/client.h"
#include "util/alloc.h"
#include "util/assert.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/time.h"

#define INF_MIN_SLOTS 64
#define INF_LOOP_SLICE_MS 200

struct entry {
    char *key;
    char *rv;
    void *obj;
    uint64_t gen; /* list generation that last saw it */
    struct entry *next;
};

struct staged {
    char *key;
    char *rv;
    void *obj;
};

struct informer {
    struct informer_config cfg;
    /* owned copies of the strings in cfg */
    char *group, *version, *resource, *ns, *label, *field;

    pthread_t thread;
    int started;
    atomic_int stop;
    atomic_int synced;
    struct http_client *c;
    struct http_req *page_req;
    struct rest_watch *watch;

    /* state machine (informer thread only, except reads under mu) */
    enum informer_state state;
    enum informer_state after_backoff;
    int64_t backoff_until;
    long backoff_ms; /* next backoff, before jitter */
    unsigned rand_state;
    char *cont; /* continue token of the list in progress */
    struct staged *stage;
    size_t nstage, stagecap;
    char list_rv[KG_INFORMER_MAX_RV];
    int watch_gone; /* the watch saw an ERROR 410 */

    /* cache, rv, stats: guarded by mu */
    pthread_mutex_t mu;
    pthread_cond_t synced_cv;
    struct entry **slots;
    size_t nslots, n;
    uint64_t gen;
    char rv[KG_INFORMER_MAX_RV];
    struct informer_stats stats;
};

/* ---- hash table ---- */

static uint64_t hash_key(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

static struct entry **find_slot(struct informer *inf, const char *key)
{
    struct entry **pp = &inf->slots[hash_key(key) & (inf->nslots - 1)];
    while (*pp && strcmp((*pp)->key, key) != 0)
        pp = &(*pp)->next;
    return pp;
}

static void grow(struct informer *inf)
{
    size_t nslots = inf->nslots * 2;
    struct entry **slots = xcalloc(nslots, sizeof(struct entry *));
    for (size_t i = 0; i < inf->nslots; i++) {
        struct entry *e = inf->slots[i];
        while (e) {
            struct entry *next = e->next;
            size_t j = hash_key(e->key) & (nslots - 1);
            e->next = slots[j];
            slots[j] = e;
            e = next;
        }
    }
    free(inf->slots);
    inf->slots = slots;
    inf->nslots = nslots;
}

static void free_obj(struct informer *inf, void *obj)
{
    if (inf->cfg.free_obj)
        inf->cfg.free_obj(obj, inf->cfg.ud);
    else
        free(obj);
}

static void entry_free(struct informer *inf, struct entry *e)
{
    free_obj(inf, e->obj);
    free(e->key);
    free(e->rv);
    free(e);
}

/* Inserts or replaces under mu, calling add/update. Takes ownership of obj. */
static void cache_put(struct informer *inf, const char *key, const char *rv, void *obj,
                      int only_if_changed)
{
    struct entry **pp = find_slot(inf, key);
    struct entry *e = *pp;
    if (e) {
        e->gen = inf->gen;
        if (only_if_changed && strcmp(e->rv, rv) == 0) {
            free_obj(inf, obj);
            return;
        }
        void *old = e->obj;
        e->obj = obj;
        free(e->rv);
        e->rv = xstrdup(rv);
        if (inf->cfg.on_update)
            inf->cfg.on_update(e->key, old, obj, inf->cfg.ud);
        free_obj(inf, old);
        return;
    }
    e = xcalloc(1, sizeof(*e));
    e->key = xstrdup(key);
    e->rv = xstrdup(rv);
    e->obj = obj;
    e->gen = inf->gen;
    *pp = e;
    inf->n++;
    if (inf->cfg.on_add)
        inf->cfg.on_add(e->key, obj, inf->cfg.ud);
    if (inf->n > inf->nslots - inf->nslots / 4)
        grow(inf);
}

/* Removes key under mu, calling delete. */
static void cache_del(struct informer *inf, const char *key)
{
    struct entry **pp = find_slot(inf, key);
    struct entry *e = *pp;
    if (!e)
        return;
    *pp = e->next;
    inf->n--;
    if (inf->cfg.on_delete)
        inf->cfg.on_delete(e->key, e->obj, inf->cfg.ud);
    entry_free(inf, e);
}

/* ---- public cache access ---- */

void informer_lock(struct informer *inf)
{
    pthread_mutex_lock(&inf->mu);
}

void informer_unlock(struct informer *inf)
{
    pthread_mutex_unlock(&inf->mu);
}

void *informer_get(struct informer *inf, const char *key)
{
    struct entry *e = *find_slot(inf, key);
    return e ? e->obj : NULL;
}

size_t informer_len(struct informer *inf)
{
    return inf->n;
}

void informer_foreach(struct informer *inf, void (*fn)(const char *key, void *obj, void *ud),
                      void *ud)
{
    for (size_t i = 0; i < inf->nslots; i++)
        for (struct entry *e = inf->slots[i]; e; e = e->next)
            fn(e->key, e->obj, ud);
}

int informer_has_synced(const struct informer *inf)
{
    return atomic_load(&inf->synced);
}

int informer_wait_synced(struct informer *inf, long timeout_ms)
{
    int64_t deadline = time_wall_ns() + timeout_ms * NS_PER_MS;
    struct timespec ts = { .tv_sec = deadline / NS_PER_SEC, .tv_nsec = deadline % NS_PER_SEC };
    pthread_mutex_lock(&inf->mu);
    while (!atomic_load(&inf->synced)) {
        if (pthread_cond_timedwait(&inf->synced_cv, &inf->mu, &ts) == ETIMEDOUT)
            break;
    }
    pthread_mutex_unlock(&inf->mu);
    return atomic_load(&inf->synced);
}

enum informer_state informer_state(const struct informer *inf)
{
    struct informer *m = (struct informer *)inf;
    pthread_mutex_lock(&m->mu);
    enum informer_state s = m->state;
    pthread_mutex_unlock(&m->mu);
    return s;
}

void informer_resource_version(struct informer *inf, char *out, size_t outlen)
{
    pthread_mutex_lock(&inf->mu);
    snprintf(out, outlen, "%s", inf->rv);
    pthread_mutex_unlock(&inf->mu);
}

void informer_get_stats(struct informer *inf, struct informer_stats *out)
{
    pthread_mutex_lock(&inf->mu);
    *out = inf->stats;
    pthread_mutex_unlock(&inf->mu);
}

/* ---- helpers ---- */

static void set_state(struct informer *inf, enum informer_state s)
{
    pthread_mutex_lock(&inf->mu);
    inf->state = s;
    pthread_mutex_unlock(&inf->mu);
}

static void set_rv(struct informer *inf, const char *rv)
{
    pthread_mutex_lock(&inf->mu);
    snprintf(inf->rv, sizeof(inf->rv), "%s", rv);
    pthread_mutex_unlock(&inf->mu);
}

static void count(struct informer *inf, uint64_t *field)
{
    pthread_mutex_lock(&inf->mu);
    (*field)++;
    pthread_mutex_unlock(&inf->mu);
}

/* Key ("ns/name" or "name") and resourceVersion of an object. Returns 0 or -EINVAL. */
static int object_key(const struct json_value *obj, char *key, size_t keylen, char *rv,
                      size_t rvlen)
{
    const char *ns = NULL, *name = NULL, *v = NULL;
    if (json_opt_string(obj, "metadata.name", &name, NULL, NULL, 0) != 1 || !*name)
        return -EINVAL;
    if (json_opt_string(obj, "metadata.namespace", &ns, NULL, NULL, 0) != 1)
        ns = "";
    if (json_opt_string(obj, "metadata.resourceVersion", &v, NULL, NULL, 0) != 1)
        v = "";
    int n = *ns ? snprintf(key, keylen, "%s/%s", ns, name) : snprintf(key, keylen, "%s", name);
    if (n < 0 || (size_t)n >= keylen)
        return -EINVAL;
    n = snprintf(rv, rvlen, "%s", v);
    if (n < 0 || (size_t)n >= rvlen)
        return -EINVAL;
    return 0;
}

static const char *kind_name(struct informer *inf)
{
    return inf->resource;
}

static void backoff(struct informer *inf, enum informer_state next)
{
    long d = inf->backoff_ms;
    long jitter = (long)(rand_r(&inf->rand_state) % (unsigned)(d + 1)); /* up to 100% */
    inf->backoff_until = time_mono_ns() + (int64_t)(d + jitter) * NS_PER_MS;
    inf->after_backoff = next;
    inf->backoff_ms = d * 2 > inf->cfg.backoff_max_ms ? inf->cfg.backoff_max_ms : d * 2;
    set_state(inf, INFORMER_BACKOFF);
}

static void backoff_reset(struct informer *inf)
{
    inf->backoff_ms = inf->cfg.backoff_initial_ms;
}

static void stage_clear(struct informer *inf)
{
    for (size_t i = 0; i < inf->nstage; i++) {
        free(inf->stage[i].key);
        free(inf->stage[i].rv);
        free_obj(inf, inf->stage[i].obj);
    }
    inf->nstage = 0;
    free(inf->cont);
    inf->cont = NULL;
}

static void start_list(struct informer *inf);
static void start_watch(struct informer *inf);

/* ---- list ---- */

static int stage_item(const struct json_value *item, void *ud)
{
    struct informer *inf = ud;
    char key[KG_INFORMER_MAX_KEY], rv[KG_INFORMER_MAX_RV];
    if (object_key(item, key, sizeof(key), rv, sizeof(rv)) != 0) {
        log_warn("informer %s: skipping a list item without a usable metadata.name",
                 kind_name(inf));
        return 0;
    }
    void *obj = inf->cfg.decode(item, inf->cfg.ud);
    if (!obj)
        return 0;
    if (inf->nstage == inf->stagecap) {
        inf->stagecap = inf->stagecap ? inf->stagecap * 2 : 256;
        inf->stage = xreallocarray(inf->stage, inf->stagecap, sizeof(*inf->stage));
    }
    struct staged *s = &inf->stage[inf->nstage++];
    s->key = xstrdup(key);
    s->rv = xstrdup(rv);
    s->obj = obj;
    return 0;
}

/* Applies the staged list to the cache: add/update staged keys, delete the rest. */
static void apply_list(struct informer *inf)
{
    pthread_mutex_lock(&inf->mu);
    inf->gen++;
    for (size_t i = 0; i < inf->nstage; i++) {
        struct staged *s = &inf->stage[i];
        cache_put(inf, s->key, s->rv, s->obj, 1);
        free(s->key);
        free(s->rv);
    }
    inf->nstage = 0;
    for (size_t i = 0; i < inf->nslots; i++) {
        struct entry **pp = &inf->slots[i];
        while (*pp) {
            struct entry *e = *pp;
            if (e->gen == inf->gen) {
                pp = &e->next;
                continue;
            }
            *pp = e->next;
            inf->n--;
            if (inf->cfg.on_delete)
                inf->cfg.on_delete(e->key, e->obj, inf->cfg.ud);
            entry_free(inf, e);
        }
    }
    snprintf(inf->rv, sizeof(inf->rv), "%s", inf->list_rv);
    inf->stats.lists++;
    atomic_store(&inf->synced, 1);
    pthread_cond_broadcast(&inf->synced_cv);
    pthread_mutex_unlock(&inf->mu);
}

static struct rest_resource cfg_resource(struct informer *inf)
{
    struct rest_resource r = { .group = inf->group,
                               .version = inf->version,
                               .resource = inf->resource,
                               .namespace = inf->ns };
    return r;
}

static void list_failed(struct informer *inf, const char *msg)
{
    log_warn("informer %s: failed to list: %s", kind_name(inf), msg);
    count(inf, &inf->stats.list_errors);
    stage_clear(inf);
    backoff(inf, INFORMER_LISTING);
}

static void start_page(struct informer *inf)
{
    char err[KG_ERRBUF];
    struct rest_resource res = cfg_resource(inf);
    struct rest_query q = {
        .label_selector = inf->label,
        .field_selector = inf->field,
        .limit = inf->cfg.page_limit,
        .continue_token = inf->cont,
    };
    int rc = rest_prepare(inf->cfg.rest, inf->page_req, "GET", &res, &q, inf->cfg.accept, NULL,
                          NULL, 0, err, sizeof(err));
    if (rc == 0)
        rc = http_req_start(inf->page_req);
    if (rc)
        list_failed(inf, err);
}

static void page_done(struct http_req *req, const struct http_result *hr, void *ud)
{
    (void)req;
    struct informer *inf = ud;
    char err[KG_ERRBUF];
    struct rest_status st;
    struct rest_resource res = cfg_resource(inf);
    size_t n = 0;
    if (atomic_load(&inf->stop))
        return;
    if (hr->error) {
        list_failed(inf, hr->errmsg);
        return;
    }
    if (rest_status_decode(hr->status, hr->content_type, hr->body, hr->body_len, "GET", &res,
                           &st) != 0) {
        if (st.code == 410 && inf->cont) {
            /* the continue token expired: start over with a fresh list */
            log_v(2, "informer %s: list continuation expired, relisting", kind_name(inf));
            count(inf, &inf->stats.gone);
            start_list(inf);
            return;
        }
        list_failed(inf, st.message);
        return;
    }
    free(inf->cont);
    inf->cont = NULL;
    int rc =
        rest_list_page_decode(hr->body, hr->body_len, inf->cfg.accept, stage_item, inf,
                              inf->list_rv, sizeof(inf->list_rv), &inf->cont, &n, err, sizeof(err));
    http_req_drop_body(inf->page_req);
    if (rc) {
        list_failed(inf, err);
        return;
    }
    if (inf->cont) {
        start_page(inf);
        return;
    }
    apply_list(inf);
    backoff_reset(inf);
    start_watch(inf);
}

static void start_list(struct informer *inf)
{
    stage_clear(inf);
    inf->list_rv[0] = '\0';
    set_state(inf, INFORMER_LISTING);
    start_page(inf);
}

/* ---- watch ---- */

static int on_event(enum rest_event_type type, const struct json_value *obj, void *ud)
{
    struct informer *inf = ud;
    char key[KG_INFORMER_MAX_KEY], rv[KG_INFORMER_MAX_RV];
    if (type == REST_EVENT_ERROR) {
        struct rest_status st;
        if (rest_status_from_json(obj, &st) == 0 && st.code == 410) {
            log_v(2, "informer %s: watch closed with: %s", kind_name(inf), st.message);
            inf->watch_gone = 1;
            return -ESTALE;
        }
        log_warn("informer %s: watch error event: %s", kind_name(inf),
                 st.message[0] ? st.message : "(no status)");
        return -EREMOTEIO;
    }
    if (type == REST_EVENT_BOOKMARK) {
        const char *v = NULL;
        size_t vlen = 0;
        if (json_opt_string(obj, "metadata.resourceVersion", &v, &vlen, NULL, 0) == 1 && vlen > 0 &&
            vlen < sizeof(rv)) {
            set_rv(inf, v);
            count(inf, &inf->stats.bookmarks);
        }
        return 0;
    }
    if (object_key(obj, key, sizeof(key), rv, sizeof(rv)) != 0) {
        log_warn("informer %s: skipping a watch event without a usable metadata.name",
                 kind_name(inf));
        return 0;
    }
    void *o = type == REST_EVENT_DELETED ? NULL : inf->cfg.decode(obj, inf->cfg.ud);
    pthread_mutex_lock(&inf->mu);
    if (o)
        cache_put(inf, key, rv, o, 0);
    else
        cache_del(inf, key); /* deleted, or no longer accepted by decode */
    if (rv[0])
        snprintf(inf->rv, sizeof(inf->rv), "%s", rv);
    inf->stats.events++;
    pthread_mutex_unlock(&inf->mu);
    backoff_reset(inf); /* the stream works */
    return 0;
}

static void on_watch_done(int error, const struct rest_status *st, const char *msg, void *ud)
{
    struct informer *inf = ud;
    if (atomic_load(&inf->stop))
        return;
    if (inf->watch_gone || (error == -EREMOTEIO && st->code == 410)) {
        inf->watch_gone = 0;
        count(inf, &inf->stats.gone);
        start_list(inf);
        return;
    }
    if (error == 0) {
        log_v(4, "informer %s: watch closed by the server, rewatching", kind_name(inf));
        backoff_reset(inf);
        start_watch(inf);
        return;
    }
    log_warn("informer %s: watch ended: %s", kind_name(inf), msg);
    count(inf, &inf->stats.watch_errors);
    backoff(inf, INFORMER_WATCHING);
}

static void start_watch(struct informer *inf)
{
    char err[KG_ERRBUF], rv[KG_INFORMER_MAX_RV];
    struct rest_resource res = cfg_resource(inf);
    informer_resource_version(inf, rv, sizeof(rv));
    long timeout = inf->cfg.watch_timeout_s;
    if (timeout <= 0)
        timeout = KG_INFORMER_WATCH_TIMEOUT_MIN_S +
                  (long)(rand_r(&inf->rand_state) % KG_INFORMER_WATCH_TIMEOUT_MIN_S);
    struct rest_query q = {
        .label_selector = inf->label,
        .field_selector = inf->field,
        .resource_version = rv,
        .allow_watch_bookmarks = 1,
        .timeout_seconds = timeout,
    };
    inf->watch_gone = 0;
    set_state(inf, INFORMER_WATCHING);
    count(inf, &inf->stats.watches);
    int rc = rest_watch_start(inf->watch, &res, &q, inf->cfg.accept, err, sizeof(err));
    if (rc) {
        log_warn("informer %s: cannot start a watch: %s", kind_name(inf), err);
        backoff(inf, INFORMER_WATCHING);
    }
}

/* ---- thread ---- */

static void *informer_main(void *arg)
{
    struct informer *inf = arg;
    start_list(inf);
    while (!atomic_load(&inf->stop)) {
        int timeout = INF_LOOP_SLICE_MS;
        enum informer_state s = inf->state; /* only this thread writes it */
        switch (s) {
        case INFORMER_BACKOFF: {
            int64_t left = inf->backoff_until - time_mono_ns();
            if (left <= 0) {
                if (inf->after_backoff == INFORMER_LISTING)
                    start_list(inf);
                else
                    start_watch(inf);
                timeout = 0;
            } else if (left / NS_PER_MS < timeout) {
                timeout = (int)(left / NS_PER_MS) + 1;
            }
            break;
        }
        case INFORMER_LISTING:
        case INFORMER_WATCHING:
        case INFORMER_STOPPED:
            break;
        }
        http_client_run(inf->c, timeout);
    }
    http_req_cancel(inf->page_req);
    rest_watch_cancel(inf->watch);
    stage_clear(inf);
    set_state(inf, INFORMER_STOPPED);
    return NULL;
}

struct informer *informer_new(const struct informer_config *cfg, char *err, size_t errlen)
{
    struct buf path;
    if (!cfg->rest || !cfg->decode) {
        snprintf(err, errlen, "an informer needs a REST client and a decode callback");
        return NULL;
    }
    if (cfg->resource.name && *cfg->resource.name) {
        snprintf(err, errlen, "an informer watches a collection, not the object \"%s\"",
                 cfg->resource.name);
        return NULL;
    }
    buf_init(&path, KG_MAX_REST_PATH);
    int rc = rest_build_path(&cfg->resource, NULL, &path, err, errlen);
    buf_cleanup(&path);
    if (rc)
        return NULL;
    struct informer *inf = xcalloc(1, sizeof(*inf));
    inf->cfg = *cfg;
    inf->group = cfg->resource.group ? xstrdup(cfg->resource.group) : NULL;
    inf->version = xstrdup(cfg->resource.version);
    inf->resource = xstrdup(cfg->resource.resource);
    inf->ns = cfg->resource.namespace ? xstrdup(cfg->resource.namespace) : NULL;
    inf->label = cfg->label_selector ? xstrdup(cfg->label_selector) : NULL;
    inf->field = cfg->field_selector ? xstrdup(cfg->field_selector) : NULL;
    memset(&inf->cfg.resource, 0, sizeof(inf->cfg.resource));
    inf->cfg.label_selector = inf->cfg.field_selector = NULL;
    if (inf->cfg.backoff_initial_ms <= 0)
        inf->cfg.backoff_initial_ms = KG_INFORMER_BACKOFF_INITIAL_MS;
    if (inf->cfg.backoff_max_ms <= 0)
        inf->cfg.backoff_max_ms = KG_INFORMER_BACKOFF_MAX_MS;
    if (inf->cfg.backoff_max_ms < inf->cfg.backoff_initial_ms)
        inf->cfg.backoff_max_ms = inf->cfg.backoff_initial_ms;
    inf->backoff_ms = inf->cfg.backoff_initial_ms;
    inf->rand_state = (unsigned)time_mono_ns() ^ (unsigned)(uintptr_t)inf;
    inf->nslots = INF_MIN_SLOTS;
    inf->slots = xcalloc(inf->nslots, sizeof(struct entry *));
    inf->state = INFORMER_STOPPED;
    pthread_mutex_init(&inf->mu, NULL);
    pthread_cond_init(&inf->synced_cv, NULL);
    return inf;
}

int informer_start(struct informer *inf)
{
    if (inf->started)
        return -EBUSY;
    inf->c = http_client_new(NULL);
    inf->page_req = http_req_new(inf->c);
    http_req_set_callbacks(inf->page_req, page_done, NULL, inf);
    inf->watch = rest_watch_new(inf->cfg.rest, inf->c, on_event, on_watch_done, inf);
    atomic_store(&inf->stop, 0);
    inf->state = INFORMER_LISTING;
    int rc = pthread_create(&inf->thread, NULL, informer_main, inf);
    if (rc) {
        rest_watch_free(inf->watch);
        http_req_free(inf->page_req);
        http_client_free(inf->c);
        inf->watch = NULL;
        inf->page_req = NULL;
        inf->c = NULL;
        inf->state = INFORMER_STOPPED;
        return -rc;
    }
    inf->started = 1;
    return 0;
}

void informer_stop(struct informer *inf)
{
    if (!inf->started)
        return;
    atomic_store(&inf->stop, 1);
    http_client_wakeup(inf->c);
    pthread_join(inf->thread, NULL);
    rest_watch_free(inf->watch);
    http_req_free(inf->page_req);
    http_client_free(inf->c);
    inf->watch = NULL;
    inf->page_req = NULL;
    inf->c = NULL;
    inf->started = 0;
}

void informer_free(struct informer *inf)
{
    if (!inf)
        return;
    informer_stop(inf);
    for (size_t i = 0; i < inf->nslots; i++) {
        struct entry *e = inf->slots[i];
        while (e) {
            struct entry *next = e->next;
            entry_free(inf, e);
            e = next;
        }
    }
    free(inf->slots);
    free(inf->stage);
    free(inf->cont);
    free(inf->group);
    free(inf->version);
    free(inf->resource);
    free(inf->ns);
    free(inf->label);
    free(inf->field);
    pthread_cond_destroy(&inf->synced_cv);
    pthread_mutex_destroy(&inf->mu);
    free(inf);
}
