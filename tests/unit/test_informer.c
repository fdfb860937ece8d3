/*
 * Unit tests for src/kube/informer against a fake API server (tests/unit/testserver) that
 * serves a paginated pod list and a scripted watch stream: initial list -> adds; watch events
 * -> add/update/delete; bookmarks; a dropped stream -> re-watch from the last RV; 410 (as an
 * ERROR event and as an HTTP status) -> relist with deletes for vanished objects; list errors
 * -> backoff and retry; prompt stop.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kube/informer.h"
#include "unit/testserver.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/time.h"

/* ---- fake API server ---- */

#define MAX_OBJS 16
#define MAX_QUEUE 32

struct fake_obj {
    char name[32];
    char rv[16];
    char v[16];
};

struct fake {
    pthread_mutex_t mu;
    struct fake_obj objs[MAX_OBJS];
    int nobjs;
    char list_rv[16];
    char *queue[MAX_QUEUE]; /* watch events to stream; "DROP" breaks the stream */
    int qhead, qtail;
    int list_failures;  /* answer the next N lists with 500 */
    int watch_http_410; /* answer the next N watches with HTTP 410 */
    int watches_open;
};

static struct fake fk;

static void fake_set(int i, const char *name, const char *rv, const char *v)
{
    snprintf(fk.objs[i].name, sizeof(fk.objs[i].name), "%s", name);
    snprintf(fk.objs[i].rv, sizeof(fk.objs[i].rv), "%s", rv);
    snprintf(fk.objs[i].v, sizeof(fk.objs[i].v), "%s", v);
}

static void push_event(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void push_event(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *e = xvasprintf(fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&fk.mu);
    assert_true(fk.qtail - fk.qhead < MAX_QUEUE);
    fk.queue[fk.qtail++ % MAX_QUEUE] = e;
    pthread_mutex_unlock(&fk.mu);
}

static char *obj_json(const char *name, const char *rv, const char *v)
{
    return xasprintf("{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"%s\","
                     "\"namespace\":\"default\",\"resourceVersion\":\"%s\"},\"v\":\"%s\"}",
                     name, rv, v);
}

static void push_obj_event(const char *type, const char *name, const char *rv, const char *v)
{
    char *o = obj_json(name, rv, v);
    push_event("{\"type\":\"%s\",\"object\":%s}\n", type, o);
    free(o);
}

static void serve_list(struct ts_conn *conn, const struct ts_request *req)
{
    struct buf b;
    int offset = 0, limit = MAX_OBJS;
    const char *p = strstr(req->query, "continue=o");
    if (p)
        offset = (int)strtol(p + 10, NULL, 10);
    p = strstr(req->query, "limit=");
    if (p)
        limit = (int)strtol(p + 6, NULL, 10);
    buf_init(&b, 1 << 20);
    pthread_mutex_lock(&fk.mu);
    if (fk.list_failures > 0) {
        fk.list_failures--;
        pthread_mutex_unlock(&fk.mu);
        ts_respond(conn, 500, "text/plain", "etcdserver: request timed out", 29);
        buf_cleanup(&b);
        return;
    }
    buf_printf(&b,
               "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":"
               "\"%s\"",
               fk.list_rv);
    if (offset + limit < fk.nobjs)
        buf_printf(&b, ",\"continue\":\"o%d\"", offset + limit);
    buf_appends(&b, "},\"items\":[");
    for (int i = offset; i < fk.nobjs && i < offset + limit; i++) {
        char *o = obj_json(fk.objs[i].name, fk.objs[i].rv, fk.objs[i].v);
        buf_printf(&b, "%s%s", i > offset ? "," : "", o);
        free(o);
    }
    pthread_mutex_unlock(&fk.mu);
    buf_appends(&b, "]}");
    ts_respond(conn, 200, "application/json", buf_str(&b), buf_len(&b));
    buf_cleanup(&b);
}

static void serve_watch(struct ts_conn *conn)
{
    pthread_mutex_lock(&fk.mu);
    if (fk.watch_http_410 > 0) {
        fk.watch_http_410--;
        pthread_mutex_unlock(&fk.mu);
        const char *gone = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":"
                           "\"Failure\",\"message\":\"too old resource version: 5 (40)\","
                           "\"reason\":\"Expired\",\"code\":410}";
        ts_respond(conn, 410, "application/json", gone, strlen(gone));
        return;
    }
    fk.watches_open++;
    pthread_mutex_unlock(&fk.mu);
    ts_chunked_begin(conn, 200, "application/json");
    int64_t deadline = time_mono_ns() + 20 * NS_PER_SEC; /* bounded */
    while (time_mono_ns() < deadline) {
        char *e = NULL;
        pthread_mutex_lock(&fk.mu);
        if (fk.qhead < fk.qtail)
            e = fk.queue[fk.qhead++ % MAX_QUEUE];
        pthread_mutex_unlock(&fk.mu);
        if (e && strcmp(e, "DROP") == 0) {
            free(e);
            goto out; /* no terminating chunk: a broken stream */
        }
        if (e) {
            int rc = ts_chunk(conn, e, strlen(e));
            free(e);
            if (rc)
                goto out;
            continue;
        }
        if (ts_wait(conn, 5))
            goto out;
    }
    ts_chunked_end(conn);
out:
    pthread_mutex_lock(&fk.mu);
    fk.watches_open--;
    pthread_mutex_unlock(&fk.mu);
}

static void handler(struct ts_conn *conn, const struct ts_request *req, void *ud)
{
    (void)ud;
    if (strcmp(req->path, "/api/v1/namespaces/default/pods") != 0) {
        ts_respond(conn, 404, "text/plain", "404 page not found", 18);
        return;
    }
    if (strstr(req->query, "watch=true"))
        serve_watch(conn);
    else
        serve_list(conn, req);
}

/* ---- application side ---- */

struct pod {
    char v[16];
};

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static char cb_log[64][64];
static int ncb;

static void log_cb(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void log_cb(const char *fmt, ...)
{
    va_list ap;
    pthread_mutex_lock(&log_mu);
    if (ncb < 64) {
        va_start(ap, fmt);
        vsnprintf(cb_log[ncb], sizeof(cb_log[0]), fmt, ap);
        va_end(ap);
    }
    ncb++;
    pthread_mutex_unlock(&log_mu);
}

static int ncallbacks(void)
{
    pthread_mutex_lock(&log_mu);
    int n = ncb;
    pthread_mutex_unlock(&log_mu);
    return n;
}

/* 1 when the callback log (from index from) contains exactly these entries, in any order. */
static int log_has(int from, const char *const *want, int nwant)
{
    int found = 0;
    pthread_mutex_lock(&log_mu);
    for (int w = 0; w < nwant; w++)
        for (int i = from; i < ncb && i < 64; i++)
            if (strcmp(cb_log[i], want[w]) == 0) {
                found++;
                break;
            }
    int n = ncb - from;
    pthread_mutex_unlock(&log_mu);
    return found == nwant && n == nwant;
}

static void *decode(const struct json_value *obj, void *ud)
{
    (void)ud;
    const char *v = NULL;
    if (json_opt_string(obj, "v", &v, NULL, NULL, 0) != 1)
        return NULL;
    struct pod *p = xcalloc(1, sizeof(*p));
    snprintf(p->v, sizeof(p->v), "%s", v);
    return p;
}

static void on_add(const char *key, void *obj, void *ud)
{
    (void)ud;
    log_cb("add %s %s", key, ((struct pod *)obj)->v);
}

static void on_update(const char *key, void *old, void *nw, void *ud)
{
    struct informer *inf = *(struct informer **)ud;
    /* the cache already holds the new object while the callback runs */
    assert_ptr_equal(informer_get(inf, key), nw);
    log_cb("update %s %s->%s", key, ((struct pod *)old)->v, ((struct pod *)nw)->v);
}

static void on_delete(const char *key, void *obj, void *ud)
{
    struct informer *inf = *(struct informer **)ud;
    assert_null(informer_get(inf, key));
    log_cb("delete %s %s", key, ((struct pod *)obj)->v);
}

/* ---- helpers ---- */

static int wait_for(int (*cond)(void *), void *arg)
{
    int64_t deadline = time_mono_ns() + 5 * NS_PER_SEC;
    while (time_mono_ns() < deadline) {
        if (cond(arg))
            return 1;
        usleep(2000);
    }
    return cond(arg);
}

static struct ts_server *srv;

struct want_req {
    const char *substr;
    int from;
};

static int has_request(void *arg)
{
    struct want_req *w = arg;
    int n = ts_request_count(srv);
    for (int i = w->from; i < n; i++) {
        struct ts_request *r = ts_request_get(srv, i);
        int hit = strcmp(r->target, w->substr) == 0;
        ts_request_free(r);
        if (hit)
            return 1;
    }
    return 0;
}

static int ncb_at_least(void *arg)
{
    return ncallbacks() >= *(int *)arg;
}

struct rv_want {
    struct informer *inf;
    const char *rv;
};

static int rv_is(void *arg)
{
    struct rv_want *w = arg;
    char rv[64];
    informer_resource_version(w->inf, rv, sizeof(rv));
    return strcmp(rv, w->rv) == 0;
}

static int watch_open(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&fk.mu);
    int n = fk.watches_open;
    pthread_mutex_unlock(&fk.mu);
    return n > 0;
}

static struct rest_client *rc;
static struct informer *inf;

static int setup(void **state)
{
    (void)state;
    memset(&fk, 0, sizeof(fk));
    pthread_mutex_init(&fk.mu, NULL);
    ncb = 0;
    srv = ts_start(handler, NULL);
    if (!srv)
        return -1;
    char *url = ts_url(srv, "");
    char err[256];
    struct rest_config cfg = { .server = url, .timeout_ms = 5000 };
    rc = rest_client_new(&cfg, err, sizeof(err));
    free(url);
    return rc ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    informer_free(inf);
    inf = NULL;
    rest_client_free(rc);
    ts_stop(srv);
    while (fk.qhead < fk.qtail)
        free(fk.queue[fk.qhead++ % MAX_QUEUE]);
    pthread_mutex_destroy(&fk.mu);
    return 0;
}

static struct informer *make_informer(void)
{
    char err[256];
    struct informer_config cfg = {
        .rest = rc,
        .resource = { .version = "v1", .resource = "pods", .namespace = "default" },
        .accept = REST_ACCEPT_JSON,
        .page_limit = 2,
        .decode = decode,
        .on_add = on_add,
        .on_update = on_update,
        .on_delete = on_delete,
        .ud = &inf,
        .backoff_initial_ms = 10,
        .backoff_max_ms = 40,
        .watch_timeout_s = 77,
    };
    struct informer *i = informer_new(&cfg, err, sizeof(err));
    assert_non_null(i);
    return i;
}

/* ---- tests ---- */

static void test_config_errors(void **state)
{
    (void)state;
    char err[256];
    struct informer_config cfg = { .resource = { .version = "v1", .resource = "pods" } };
    assert_null(informer_new(&cfg, err, sizeof(err)));
    assert_string_equal(err, "an informer needs a REST client and a decode callback");
}

static void test_lifecycle(void **state)
{
    (void)state;
    struct informer_stats st;
    fake_set(0, "a", "10", "a1");
    fake_set(1, "b", "11", "b1");
    fake_set(2, "c", "12", "c1");
    fk.nobjs = 3;
    snprintf(fk.list_rv, sizeof(fk.list_rv), "12");

    inf = make_informer();
    assert_false(informer_has_synced(inf));
    assert_int_equal(informer_start(inf), 0);
    assert_int_equal(informer_start(inf), -EBUSY);
    assert_true(informer_wait_synced(inf, 5000));

    /* initial list (two pages of 2) -> three adds */
    const char *adds[] = { "add default/a a1", "add default/b b1", "add default/c c1" };
    assert_true(log_has(0, adds, 3));
    informer_lock(inf);
    assert_int_equal(informer_len(inf), 3);
    assert_string_equal(((struct pod *)informer_get(inf, "default/b"))->v, "b1");
    assert_null(informer_get(inf, "b"));
    informer_unlock(inf);
    struct ts_request *r0 = ts_request_get(srv, 0), *r1 = ts_request_get(srv, 1);
    assert_string_equal(r0->target, "/api/v1/namespaces/default/pods?limit=2");
    assert_string_equal(r1->target, "/api/v1/namespaces/default/pods?continue=o2&limit=2");
    ts_request_free(r0);
    ts_request_free(r1);

    /* then a watch from the list's resourceVersion, with bookmarks */
    struct want_req w1 = { "/api/v1/namespaces/default/pods?allowWatchBookmarks=true&"
                           "resourceVersion=12&timeoutSeconds=77&watch=true",
                           0 };
    assert_true(wait_for(has_request, &w1));
    assert_true(wait_for(watch_open, NULL));

    /* watch events -> update, delete, add */
    push_obj_event("MODIFIED", "b", "13", "b2");
    push_obj_event("DELETED", "c", "14", "c1");
    push_obj_event("ADDED", "d", "15", "d1");
    int want = 6;
    assert_true(wait_for(ncb_at_least, &want));
    const char *evs[] = { "update default/b b1->b2", "delete default/c c1", "add default/d d1" };
    assert_true(log_has(3, evs, 3));
    struct rv_want rv15 = { inf, "15" };
    assert_true(wait_for(rv_is, &rv15));

    /* a bookmark only moves the resourceVersion */
    push_event("{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\","
               "\"metadata\":{\"resourceVersion\":\"20\"}}}\n");
    struct rv_want rv20 = { inf, "20" };
    assert_true(wait_for(rv_is, &rv20));
    assert_int_equal(ncallbacks(), 6);

    /* a dropped stream -> re-watch from the last resourceVersion, no relist */
    int nreq = ts_request_count(srv);
    push_event("DROP");
    struct want_req w2 = { "/api/v1/namespaces/default/pods?allowWatchBookmarks=true&"
                           "resourceVersion=20&timeoutSeconds=77&watch=true",
                           nreq };
    assert_true(wait_for(has_request, &w2));
    assert_true(wait_for(watch_open, NULL));
    informer_get_stats(inf, &st);
    assert_int_equal(st.lists, 1);
    assert_int_equal(st.bookmarks, 1);
    assert_int_equal(st.events, 3);
    assert_int_equal(ncallbacks(), 6);

    /* meanwhile the server moved on: b vanished, d changed, e appeared, a unchanged.
     * An ERROR 410 event forces a relist that reconciles. */
    pthread_mutex_lock(&fk.mu);
    fake_set(0, "a", "10", "a1");
    fake_set(1, "d", "31", "d2");
    fake_set(2, "e", "30", "e1");
    fk.nobjs = 3;
    snprintf(fk.list_rv, sizeof(fk.list_rv), "40");
    pthread_mutex_unlock(&fk.mu);
    push_event("{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\","
               "\"metadata\":{},\"status\":\"Failure\",\"message\":\"too old resource version: "
               "20 (35)\",\"reason\":\"Expired\",\"code\":410}}\n");
    want = 9;
    assert_true(wait_for(ncb_at_least, &want));
    const char *relist[] = { "delete default/b b2", "update default/d d1->d2", "add default/e e1" };
    assert_true(log_has(6, relist, 3));
    struct rv_want rv40 = { inf, "40" };
    assert_true(wait_for(rv_is, &rv40));
    informer_get_stats(inf, &st);
    assert_int_equal(st.lists, 2);
    assert_int_equal(st.gone, 1);
    informer_lock(inf);
    assert_int_equal(informer_len(inf), 3);
    assert_null(informer_get(inf, "default/b"));
    informer_unlock(inf);

    /* the new watch starts from the relist's resourceVersion */
    struct want_req w3 = { "/api/v1/namespaces/default/pods?allowWatchBookmarks=true&"
                           "resourceVersion=40&timeoutSeconds=77&watch=true",
                           0 };
    assert_true(wait_for(has_request, &w3));

    /* stop is prompt even with a watch open */
    assert_true(wait_for(watch_open, NULL));
    int64_t t0 = time_mono_ns();
    informer_stop(inf);
    assert_true(time_mono_ns() - t0 < NS_PER_SEC);
    assert_int_equal(informer_state(inf), INFORMER_STOPPED);
    informer_stop(inf); /* idempotent */
    /* the cache survives a stop; objects are freed by informer_free (teardown) */
    informer_lock(inf);
    assert_int_equal(informer_len(inf), 3);
    informer_unlock(inf);
}

static void test_http_410_and_list_backoff(void **state)
{
    (void)state;
    struct informer_stats st;
    fake_set(0, "a", "5", "a1");
    fk.nobjs = 1;
    snprintf(fk.list_rv, sizeof(fk.list_rv), "5");
    fk.list_failures = 2; /* the first two lists fail with 500 */

    inf = make_informer();
    assert_int_equal(informer_start(inf), 0);
    assert_true(informer_wait_synced(inf, 5000));
    informer_get_stats(inf, &st);
    assert_int_equal(st.list_errors, 2);
    assert_int_equal(st.lists, 1);
    assert_true(wait_for(watch_open, NULL));

    /* the server moves on (a vanished, z appeared) and compacts: the stream breaks, the
     * re-watch from RV 5 gets HTTP 410, so the informer relists and watches again */
    pthread_mutex_lock(&fk.mu);
    fake_set(0, "z", "41", "z1");
    snprintf(fk.list_rv, sizeof(fk.list_rv), "41");
    fk.watch_http_410 = 1;
    pthread_mutex_unlock(&fk.mu);
    int nreq = ts_request_count(srv);
    push_event("DROP");
    struct want_req w = { "/api/v1/namespaces/default/pods?allowWatchBookmarks=true&"
                          "resourceVersion=41&timeoutSeconds=77&watch=true",
                          nreq };
    assert_true(wait_for(has_request, &w));
    informer_get_stats(inf, &st);
    assert_int_equal(st.gone, 1);
    assert_int_equal(st.lists, 2);
    assert_int_equal(st.watch_errors, 1);
    int want = 3;
    assert_true(wait_for(ncb_at_least, &want));
    const char *evs[] = { "add default/a a1", "delete default/a a1", "add default/z z1" };
    assert_true(log_has(0, evs, 3));
    informer_free(inf);
    inf = NULL;
}

static void count_obj(const char *key, void *obj, void *ud)
{
    assert_string_equal(key, "default/b");
    assert_string_equal(((struct pod *)obj)->v, "b1");
    (*(int *)ud)++;
}

static void test_decode_filter_and_foreach(void **state)
{
    (void)state;
    fake_set(0, "a", "5", "a1");
    fake_set(1, "b", "6", "b1");
    fk.nobjs = 2;
    snprintf(fk.list_rv, sizeof(fk.list_rv), "6");
    inf = make_informer();
    assert_int_equal(informer_start(inf), 0);
    assert_true(informer_wait_synced(inf, 5000));
    assert_true(wait_for(watch_open, NULL));
    /* an object the decoder rejects (no "v") is treated as gone from the cache */
    push_event("{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"a\",\"namespace\":"
               "\"default\",\"resourceVersion\":\"7\"}}}\n");
    int want = 3;
    assert_true(wait_for(ncb_at_least, &want));
    const char *evs[] = { "delete default/a a1" };
    assert_true(log_has(2, evs, 1));
    int seen = 0;
    informer_lock(inf);
    assert_int_equal(informer_len(inf), 1);
    informer_foreach(inf, count_obj, &seen);
    informer_unlock(inf);
    assert_int_equal(seen, 1);
    informer_stop(inf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test_setup_teardown(test_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_410_and_list_backoff, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decode_filter_and_foreach, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
