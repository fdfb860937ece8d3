/* Unit tests for src/kube/rest: URL building, Status decoding, list pagination, watch. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kube/rest.h"
#include "unit/testserver.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/time.h"

/* ---- URL building ---- */

static void expect_path(const struct rest_resource *r, const struct rest_query *q, const char *want)
{
    struct buf b;
    char err[256] = "";
    buf_init(&b, 65536);
    assert_int_equal(rest_build_path(r, q, &b, err, sizeof(err)), 0);
    assert_string_equal(buf_str(&b), want);
    buf_cleanup(&b);
}

static void expect_path_err(const struct rest_resource *r, const char *want_err)
{
    struct buf b;
    char err[256] = "";
    buf_init(&b, 65536);
    buf_appends(&b, "keep");
    assert_int_equal(rest_build_path(r, NULL, &b, err, sizeof(err)), -EINVAL);
    assert_string_equal(buf_str(&b), "keep"); /* unchanged on error */
    assert_string_equal(err, want_err);
    buf_cleanup(&b);
}

static void test_build_path(void **state)
{
    (void)state;
    struct rest_resource pods = { .version = "v1", .resource = "pods", .namespace = "kube-system" };
    expect_path(&pods, NULL, "/api/v1/namespaces/kube-system/pods");
    struct rest_resource nodes = {
        .group = "", .version = "v1", .resource = "nodes", .name = "node-1"
    };
    expect_path(&nodes, NULL, "/api/v1/nodes/node-1");
    struct rest_resource scale = { .group = "apps",
                                   .version = "v1",
                                   .resource = "deployments",
                                   .namespace = "demo",
                                   .name = "web",
                                   .subresource = "scale" };
    expect_path(&scale, NULL, "/apis/apps/v1/namespaces/demo/deployments/web/scale");
    struct rest_resource hpas = { .group = "autoscaling",
                                  .version = "v2",
                                  .resource = "horizontalpodautoscalers" };
    expect_path(&hpas, NULL, "/apis/autoscaling/v2/horizontalpodautoscalers");

    /* kubectl describe hpa's event query, as captured in spec/kubectl-wire.md */
    struct rest_resource events = { .version = "v1", .resource = "events", .namespace = "demo" };
    struct rest_query eq = { .field_selector = "involvedObject.kind=HorizontalPodAutoscaler,"
                                               "involvedObject.uid=1234-abcd",
                             .limit = 500 };
    expect_path(&events, &eq,
                "/api/v1/namespaces/demo/events?fieldSelector=involvedObject.kind%"
                "3DHorizontalPodAutoscaler%2CinvolvedObject.uid%3D1234-abcd&limit=500");

    /* Go url.QueryEscape: space '+', reserved bytes %XX upper case, unreserved kept */
    struct rest_query lq = { .label_selector = "app in (a,b),tier!=x~y_z.w-v" };
    expect_path(&pods, &lq,
                "/api/v1/namespaces/kube-system/pods?labelSelector=app+in+%28a%2Cb%29%2Ctier%21%"
                "3Dx~y_z.w-v");

    /* every parameter, keys in sorted order (url.Values.Encode) */
    struct rest_query all = { .label_selector = "a=b",
                              .field_selector = "spec.nodeName=n1",
                              .limit = 2,
                              .continue_token = "eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ==",
                              .resource_version = "12345",
                              .resource_version_match = "NotOlderThan",
                              .allow_watch_bookmarks = 1,
                              .timeout_seconds = 300,
                              .watch = 1,
                              .field_manager = "kgauge" };
    struct rest_resource allpods = { .version = "v1", .resource = "pods" };
    expect_path(&allpods, &all,
                "/api/v1/pods?allowWatchBookmarks=true&continue=eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ%"
                "3D%3D&fieldManager=kgauge&fieldSelector=spec.nodeName%3Dn1&labelSelector=a%3Db&"
                "limit=2&resourceVersion=12345&resourceVersionMatch=NotOlderThan&timeoutSeconds="
                "300&watch=true");

    struct rest_resource bad = { .version = "v1", .resource = "pods", .namespace = "a/b" };
    expect_path_err(&bad, "namespace \"a/b\" is not a valid path segment name");
    bad.namespace = "..";
    expect_path_err(&bad, "namespace \"..\" is not a valid path segment name");
    bad.namespace = NULL;
    bad.name = "x%2F";
    expect_path_err(&bad, "name \"x%2F\" is not a valid path segment name");
    bad.name = "a b";
    expect_path_err(&bad, "name \"a b\" may not contain control characters or spaces");
    struct rest_resource nov = { .resource = "pods" };
    expect_path_err(&nov, "a resource needs a version and a resource name");
    struct rest_resource subonly = { .version = "v1", .resource = "pods", .subresource = "log" };
    expect_path_err(&subonly, "subresource \"log\" needs an object name");
}

static void test_accept(void **state)
{
    (void)state;
    assert_string_equal(rest_accept_header(REST_ACCEPT_JSON, 1), "application/json");
    assert_string_equal(rest_accept_header(REST_ACCEPT_TABLE, 1),
                        "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");
    assert_string_equal(
        rest_accept_header(REST_ACCEPT_METADATA, 1),
        "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json");
    assert_string_equal(
        rest_accept_header(REST_ACCEPT_METADATA, 0),
        "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io,application/json");
}

/* ---- Status decoding (expected texts from apimachinery's NewGenericServerResponse) ---- */

static void test_status_decode(void **state)
{
    (void)state;
    struct rest_status st;
    struct rest_resource pods = { .version = "v1", .resource = "pods", .name = "web-0" };
    struct rest_resource deps = { .group = "apps", .version = "v1", .resource = "deployments" };

    assert_int_equal(rest_status_decode(200, "application/json", "{}", 2, "GET", &pods, &st), 0);
    assert_int_equal(st.code, 0);

    const char *nf =
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":"
        "\"Failure\",\"message\":\"pods \\\"web-0\\\" not found\",\"reason\":"
        "\"NotFound\",\"details\":{\"name\":\"web-0\",\"kind\":\"pods\"},\"code\":404}";
    assert_int_equal(rest_status_decode(404, "application/json", nf, strlen(nf), "GET", &pods, &st),
                     -EREMOTEIO);
    assert_int_equal(st.code, 404);
    assert_string_equal(st.reason, "NotFound");
    assert_string_equal(st.message, "pods \"web-0\" not found");
    assert_int_equal(st.from_body, 1);

    const char *busy = "{\"kind\":\"Status\",\"status\":\"Failure\",\"message\":\"slow down\","
                       "\"reason\":\"TooManyRequests\",\"details\":{\"retryAfterSeconds\":3},"
                       "\"code\":429}";
    rest_status_decode(429, "application/json", busy, strlen(busy), "GET", NULL, &st);
    assert_int_equal(st.retry_after_seconds, 3);
    assert_string_equal(st.reason, "TooManyRequests");

    rest_status_decode(404, "text/html", "<html>nope</html>", 17, "GET", &pods, &st);
    assert_int_equal(st.from_body, 0);
    assert_string_equal(st.reason, "NotFound");
    assert_string_equal(st.message, "the server could not find the requested resource (get pods "
                                    "web-0)");

    rest_status_decode(500, "text/plain; charset=utf-8", "  boom \"x\"\n\t", 12, "POST", &deps,
                       &st);
    assert_string_equal(st.reason, "InternalError");
    assert_string_equal(st.message, "an error on the server (\"boom \\\"x\\\"\") has prevented "
                                    "the request from succeeding (post deployments.apps)");

    /* no Content-Type counts as text; JSON that is not a Status is "unknown" */
    rest_status_decode(503, NULL, "down", 4, "GET", NULL, &st);
    assert_string_equal(st.reason, "ServiceUnavailable");
    assert_string_equal(st.message, "the server is currently unable to handle the request");
    rest_status_decode(403, "application/json", "{\"a\":1}", 7, "GET", &pods, &st);
    assert_string_equal(st.reason, "Forbidden");
    assert_string_equal(st.message, "unknown (get pods web-0)");
    rest_status_decode(403, "text/plain", "forbidden: user x", 17, "GET", NULL, &st);
    assert_string_equal(st.message, "forbidden: user x");

    rest_status_decode(418, "application/octet-stream", "", 0, "GET", NULL, &st);
    assert_int_equal(st.code, 418);
    assert_string_equal(st.reason, "");
    assert_string_equal(st.message,
                        "the server responded with the status code 418 but did not return more "
                        "information");
    rest_status_decode(410, "application/json", "{\"status\":\"\"}", 13, "GET", NULL, &st);
    assert_string_equal(st.message,
                        "the server responded with the status code 410 but did not return more "
                        "information");

    rest_status_decode(409, "", "", 0, "POST", NULL, &st);
    assert_string_equal(st.reason, "AlreadyExists");
    assert_string_equal(st.message, "the server reported a conflict");
    rest_status_decode(409, "", "", 0, "PUT", NULL, &st);
    assert_string_equal(st.reason, "Conflict");
    rest_status_decode(302, "", "", 0, "GET", NULL, &st); /* > 206 is an error in client-go */
    assert_int_equal(st.code, 302);

    /* a Status without code gets the HTTP one */
    const char *nocode = "{\"status\":\"Failure\",\"message\":\"m\",\"reason\":\"Expired\"}";
    rest_status_decode(410, "application/json", nocode, strlen(nocode), "GET", NULL, &st);
    assert_int_equal(st.code, 410);
    assert_string_equal(st.reason, "Expired");
}

/* ---- watch decoding ---- */

struct ev_log {
    int n;
    enum rest_event_type types[16];
    char names[16][32];
    int stop_at;
};

static int log_event(enum rest_event_type t, const struct json_value *obj, void *ud)
{
    struct ev_log *l = ud;
    const char *name = "";
    if (l->n < 16) {
        l->types[l->n] = t;
        if (json_opt_string(obj, "metadata.name", &name, NULL, NULL, 0) != 1 &&
            json_opt_string(obj, "metadata.resourceVersion", &name, NULL, NULL, 0) != 1)
            name = "";
        snprintf(l->names[l->n], sizeof(l->names[0]), "%s", name);
    }
    l->n++;
    if (l->stop_at && l->n >= l->stop_at)
        return -ECANCELED;
    return 0;
}

static const char stream[] =
    "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\",\"resourceVersion\":\"1\"}}}\n"
    "{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"a}{\\\"\",\"x\":\"}\"}}}"
    "{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":{\"resourceVersion\":\"7\"}}}\r\n"
    "{\"type\":\"DELETED\",\"object\":{\"metadata\":{\"name\":\"a\"}}}\n";

static void test_watch_decode(void **state)
{
    (void)state;
    char err[256];
    size_t chunks[] = { 0, 1, 7, 64 };
    for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
        struct ev_log l = { 0 };
        assert_int_equal(
            rest__watch_decode(stream, strlen(stream), chunks[i], log_event, &l, err, sizeof(err)),
            0);
        assert_int_equal(l.n, 4);
        assert_int_equal(l.types[0], REST_EVENT_ADDED);
        assert_int_equal(l.types[1], REST_EVENT_MODIFIED);
        assert_string_equal(l.names[1], "a}{\"");
        assert_int_equal(l.types[2], REST_EVENT_BOOKMARK);
        assert_string_equal(l.names[2], "7");
        assert_int_equal(l.types[3], REST_EVENT_DELETED);
    }
    struct ev_log l = { 0 };
    const char *badtype = "{\"type\":\"added\",\"object\":{}}";
    assert_int_equal(
        rest__watch_decode(badtype, strlen(badtype), 0, log_event, &l, err, sizeof(err)), -EBADMSG);
    assert_non_null(strstr(err, "got invalid watch event type"));
    const char *trunc = "{\"type\":\"ADDED\",\"object\":{\"metadata\":";
    assert_int_equal(rest__watch_decode(trunc, strlen(trunc), 5, log_event, &l, err, sizeof(err)),
                     -EBADMSG);
    assert_string_equal(err, "the watch stream ended inside an event");
    const char *junk = "{\"type\":\"ADDED\",\"object\":{}} x";
    assert_int_equal(rest__watch_decode(junk, strlen(junk), 0, log_event, &l, err, sizeof(err)),
                     -EBADMSG);
    struct ev_log s = { .stop_at = 2 };
    assert_int_equal(rest__watch_decode(stream, strlen(stream), 0, log_event, &s, err, sizeof(err)),
                     -ECANCELED);
    assert_int_equal(s.n, 2);
}

/* ---- against the test server ---- */

static const char *page_body(const char *query, int *status)
{
    *status = 200;
    if (strstr(query, "continue=expired")) {
        *status = 410;
        return "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
               "\"message\":\"The provided continue parameter is too old to display a "
               "consistent list result. You can start a new list without the continue "
               "parameter.\",\"reason\":\"Expired\",\"code\":410}";
    }
    if (strstr(query, "continue=c2%3D"))
        return "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":"
               "\"100\"},\"items\":[{\"metadata\":{\"name\":\"p4\"}}]}";
    if (strstr(query, "continue=c1"))
        return "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":"
               "\"100\",\"continue\":\"c2=\",\"remainingItemCount\":1},\"items\":[{\"metadata\":{"
               "\"name\":\"p2\"}},{\"metadata\":{\"name\":\"p3\"}}]}";
    return "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"100\","
           "\"continue\":\"c1\",\"remainingItemCount\":3},\"items\":[{\"metadata\":{\"name\":"
           "\"p0\"}},{\"metadata\":{\"name\":\"p1\"}}]}";
}

static void handler(struct ts_conn *conn, const struct ts_request *req, void *ud)
{
    (void)ud;
    int status = 200;
    if (strcmp(req->path, "/api/v1/namespaces/default/pods") == 0 &&
        strstr(req->query, "watch=true")) {
        if (strstr(req->query, "resourceVersion=1&")) {
            const char *gone = "{\"kind\":\"Status\",\"status\":\"Failure\",\"message\":\"too old "
                               "resource version: 1 (50)\",\"reason\":\"Expired\",\"code\":410}";
            ts_respond(conn, 410, "application/json", gone, strlen(gone));
            return;
        }
        ts_chunked_begin(conn, 200, "application/json");
        const char *e1 = "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"w1\","
                         "\"resourceVersion\":\"101\"}}}\n{\"type\":\"BOOK";
        const char *e2 = "MARK\",\"object\":{\"kind\":\"Pod\",\"metadata\":{\"resourceVersion\":"
                         "\"150\"}}}\n";
        ts_chunk(conn, e1, strlen(e1));
        ts_wait(conn, 20);
        ts_chunk(conn, e2, strlen(e2));
        if (strstr(req->query, "resourceVersion=drop"))
            return; /* broken stream */
        ts_chunked_end(conn);
        return;
    }
    if (strcmp(req->path, "/api/v1/namespaces/default/pods") == 0) {
        const char *b = page_body(req->query, &status);
        ts_respond(conn, status, "application/json", b, strlen(b));
        return;
    }
    if (strcmp(req->path, "/api/v1/namespaces/default/pods/missing") == 0) {
        const char *b = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":"
                        "\"Failure\",\"message\":\"pods \\\"missing\\\" not found\",\"reason\":"
                        "\"NotFound\",\"details\":{\"name\":\"missing\",\"kind\":\"pods\"},"
                        "\"code\":404}";
        ts_respond(conn, 404, "application/json", b, strlen(b));
        return;
    }
    /* echo: method, body */
    char b[4096];
    int n = snprintf(b, sizeof(b), "{\"method\":\"%s\",\"len\":%zu}", req->method, req->body_len);
    ts_respond(conn, 200, "application/json", b, (size_t)n);
}

static struct ts_server *srv;
static struct rest_client *rc;
static int token_calls;

static int token_cb(void *ud, char *out, size_t outlen)
{
    (void)ud;
    token_calls++;
    snprintf(out, outlen, "tok-%d", token_calls);
    return 0;
}

static int setup(void **state)
{
    (void)state;
    srv = ts_start(handler, NULL);
    if (!srv)
        return -1;
    char *url = ts_url(srv, "/");
    char err[256];
    struct rest_config cfg = { .server = url,
                               .bearer_token = "static-token",
                               .user_agent = "kgauge-test/0.0 (linux/amd64)",
                               .timeout_ms = 5000 };
    rc = rest_client_new(&cfg, err, sizeof(err));
    free(url);
    return rc ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    rest_client_free(rc);
    ts_stop(srv);
    return 0;
}

static void test_client_config_errors(void **state)
{
    (void)state;
    char err[256];
    struct rest_config c1 = { .server = "10.0.0.1:6443" };
    assert_null(rest_client_new(&c1, err, sizeof(err)));
    assert_string_equal(err, "server URL \"10.0.0.1:6443\" must start with https:// or http://");
    struct rest_config c2 = { .server = "https://x", .key_file = "/k.pem" };
    assert_null(rest_client_new(&c2, err, sizeof(err)));
    assert_string_equal(err, "client certificate and key must be given together (got a key "
                             "only)");
}

static void test_get_and_errors(void **state)
{
    (void)state;
    struct rest_response resp;
    char err[512], v[256];
    struct rest_resource pod = {
        .version = "v1", .resource = "pods", .namespace = "default", .name = "missing"
    };
    assert_int_equal(rest_get(rc, &pod, REST_ACCEPT_JSON, &resp, err, sizeof(err)), -EREMOTEIO);
    assert_int_equal(resp.http_status, 404);
    assert_int_equal(resp.status.code, 404);
    assert_string_equal(resp.status.reason, "NotFound");
    assert_string_equal(err, "pods \"missing\" not found");
    rest_response_cleanup(&resp);

    struct ts_request *tr = ts_request_get(srv, ts_request_count(srv) - 1);
    assert_string_equal(tr->target, "/api/v1/namespaces/default/pods/missing");
    assert_int_equal(ts_header(tr, "Authorization", v, sizeof(v)), 0);
    assert_string_equal(v, "Bearer static-token");
    assert_int_equal(ts_header(tr, "Accept", v, sizeof(v)), 0);
    assert_string_equal(v, "application/json");
    assert_int_equal(ts_header(tr, "User-Agent", v, sizeof(v)), 0);
    assert_string_equal(v, "kgauge-test/0.0 (linux/amd64)");
    ts_request_free(tr);

    /* transport error: Go-style message in err */
    char err2[512];
    struct rest_config dead = { .server = "http://127.0.0.1:1", .timeout_ms = 2000 };
    struct rest_client *d = rest_client_new(&dead, err2, sizeof(err2));
    struct rest_resource nodes = { .version = "v1", .resource = "nodes" };
    int r = rest_get(d, &nodes, REST_ACCEPT_JSON, &resp, err2, sizeof(err2));
    assert_int_equal(r, -ECONNREFUSED);
    assert_string_equal(err2, "Get \"http://127.0.0.1:1/api/v1/nodes\": dial tcp 127.0.0.1:1: "
                              "connect: connection refused");
    rest_response_cleanup(&resp);
    rest_client_free(d);
}

static void test_patch_and_token_cb(void **state)
{
    (void)state;
    char err[256], v[256];
    char *url = ts_url(srv, "");
    struct rest_config cfg = { .server = url, .token_cb = token_cb };
    struct rest_client *c = rest_client_new(&cfg, err, sizeof(err));
    free(url);
    struct rest_resource scale = { .group = "apps",
                                   .version = "v1",
                                   .resource = "deployments",
                                   .namespace = "demo",
                                   .name = "web",
                                   .subresource = "scale" };
    const char *patch = "{\"spec\":{\"replicas\":4}}";
    struct rest_response resp;
    token_calls = 0;
    assert_int_equal(rest_patch(c, &scale, "application/merge-patch+json", patch, strlen(patch),
                                &resp, err, sizeof(err)),
                     0);
    assert_string_equal(resp.body, "{\"method\":\"PATCH\",\"len\":23}");
    rest_response_cleanup(&resp);
    struct ts_request *tr = ts_request_get(srv, ts_request_count(srv) - 1);
    assert_string_equal(tr->target, "/apis/apps/v1/namespaces/demo/deployments/web/scale");
    assert_string_equal(tr->body, patch);
    assert_int_equal(ts_header(tr, "Content-Type", v, sizeof(v)), 0);
    assert_string_equal(v, "application/merge-patch+json");
    assert_int_equal(ts_header(tr, "Authorization", v, sizeof(v)), 0);
    assert_string_equal(v, "Bearer tok-1");
    ts_request_free(tr);

    /* POST with JSON; the token callback runs per request */
    assert_int_equal(
        rest_do(c, "POST", &scale, NULL, REST_ACCEPT_JSON, NULL, "{}", 2, &resp, err, sizeof(err)),
        0);
    rest_response_cleanup(&resp);
    tr = ts_request_get(srv, ts_request_count(srv) - 1);
    assert_int_equal(ts_header(tr, "Authorization", v, sizeof(v)), 0);
    assert_string_equal(v, "Bearer tok-2");
    assert_int_equal(ts_header(tr, "Content-Type", v, sizeof(v)), 0);
    assert_string_equal(v, "application/json");
    ts_request_free(tr);
    rest_client_free(c);
}

struct names {
    int n;
    char name[8][16];
    int stop_after;
};

static int collect(const struct json_value *item, void *ud)
{
    struct names *ns = ud;
    const char *name = "";
    json_opt_string(item, "metadata.name", &name, NULL, NULL, 0);
    if (ns->n < 8)
        snprintf(ns->name[ns->n], sizeof(ns->name[0]), "%s", name);
    ns->n++;
    if (ns->stop_after && ns->n >= ns->stop_after)
        return -EINTR;
    return 0;
}

static void test_list_pagination(void **state)
{
    (void)state;
    char err[512];
    struct names ns = { 0 };
    struct rest_list_info info;
    struct rest_status st;
    struct rest_resource pods = { .version = "v1", .resource = "pods", .namespace = "default" };
    struct rest_query q = { .label_selector = "app=web", .limit = 2 };
    int before = ts_request_count(srv);
    assert_int_equal(
        rest_list(rc, &pods, &q, REST_ACCEPT_METADATA, collect, &ns, &info, &st, err, sizeof(err)),
        0);
    assert_int_equal(ns.n, 5);
    for (int i = 0; i < 5; i++) {
        char want[8];
        snprintf(want, sizeof(want), "p%d", i);
        assert_string_equal(ns.name[i], want);
    }
    assert_int_equal(info.items, 5);
    assert_int_equal(info.pages, 3);
    assert_string_equal(info.resource_version, "100");
    assert_int_equal(ts_request_count(srv) - before, 3);
    const char *want_targets[] = {
        "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb&limit=2",
        "/api/v1/namespaces/default/pods?continue=c1&labelSelector=app%3Dweb&limit=2",
        "/api/v1/namespaces/default/pods?continue=c2%3D&labelSelector=app%3Dweb&limit=2",
    };
    for (int i = 0; i < 3; i++) {
        struct ts_request *tr = ts_request_get(srv, before + i);
        char v[256];
        assert_string_equal(tr->target, want_targets[i]);
        ts_header(tr, "Accept", v, sizeof(v));
        assert_string_equal(
            v, "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json");
        ts_request_free(tr);
    }

    /* default page size is 500 */
    struct names all = { 0 };
    assert_int_equal(
        rest_list(rc, &pods, NULL, REST_ACCEPT_JSON, collect, &all, NULL, NULL, err, sizeof(err)),
        0);
    struct ts_request *tr = ts_request_get(srv, ts_request_count(srv) - 3);
    assert_string_equal(tr->target, "/api/v1/namespaces/default/pods?limit=500");
    ts_request_free(tr);

    /* the callback stops the list */
    struct names stop = { .stop_after = 3 };
    assert_int_equal(
        rest_list(rc, &pods, &q, REST_ACCEPT_JSON, collect, &stop, &info, NULL, err, sizeof(err)),
        -EINTR);
    assert_int_equal(stop.n, 3);

    /* bad arguments */
    struct rest_query wq = { .watch = 1 };
    assert_int_equal(
        rest_list(rc, &pods, &wq, REST_ACCEPT_JSON, collect, &ns, NULL, NULL, err, sizeof(err)),
        -EINVAL);
}

static void test_list_expired(void **state)
{
    (void)state;
    /* page 2 answers 410 Expired: the Status comes back with its code */
    char err[512];
    struct rest_resource pods = { .version = "v1", .resource = "pods", .namespace = "default" };
    struct rest_response resp;
    struct rest_query q = { .continue_token = "expired" };
    assert_int_equal(
        rest_do(rc, "GET", &pods, &q, REST_ACCEPT_JSON, NULL, NULL, 0, &resp, err, sizeof(err)),
        -EREMOTEIO);
    assert_int_equal(resp.status.code, 410);
    assert_string_equal(resp.status.reason, "Expired");
    assert_string_equal(err, resp.status.message);
    rest_response_cleanup(&resp);
}

struct wstate {
    struct ev_log log;
    int done;
    int error;
    int code;
    char msg[512];
};

static int w_event(enum rest_event_type t, const struct json_value *obj, void *ud)
{
    struct wstate *s = ud;
    return log_event(t, obj, &s->log);
}

static void w_done(int error, const struct rest_status *st, const char *msg, void *ud)
{
    struct wstate *s = ud;
    s->done++;
    s->error = error;
    s->code = st->code;
    snprintf(s->msg, sizeof(s->msg), "%s", msg);
}

static void run_watch(const char *rv, struct wstate *s)
{
    char err[256];
    struct http_client *c = http_client_new(NULL);
    struct rest_watch *w = rest_watch_new(rc, c, w_event, w_done, s);
    struct rest_resource pods = { .version = "v1", .resource = "pods", .namespace = "default" };
    struct rest_query q = { .resource_version = rv,
                            .allow_watch_bookmarks = 1,
                            .timeout_seconds = 60 };
    assert_int_equal(rest_watch_start(w, &pods, &q, REST_ACCEPT_JSON, err, sizeof(err)), 0);
    assert_int_equal(rest_watch_start(w, &pods, &q, REST_ACCEPT_JSON, err, sizeof(err)), -EBUSY);
    int64_t deadline = time_mono_ns() + 5 * NS_PER_SEC;
    while (!s->done && time_mono_ns() < deadline)
        http_client_run(c, 50);
    assert_int_equal(s->done, 1);
    assert_false(rest_watch_running(w));
    rest_watch_free(w);
    http_client_free(c);
}

static void test_watch(void **state)
{
    (void)state;
    struct wstate s = { 0 };
    int before = ts_request_count(srv);
    run_watch("100", &s);
    assert_int_equal(s.error, 0);
    assert_string_equal(s.msg, "the server closed the watch");
    assert_int_equal(s.log.n, 2);
    assert_int_equal(s.log.types[0], REST_EVENT_ADDED);
    assert_string_equal(s.log.names[0], "w1");
    assert_int_equal(s.log.types[1], REST_EVENT_BOOKMARK);
    assert_string_equal(s.log.names[1], "150");
    struct ts_request *tr = ts_request_get(srv, before);
    assert_string_equal(tr->target, "/api/v1/namespaces/default/pods?allowWatchBookmarks=true&"
                                    "resourceVersion=100&timeoutSeconds=60&watch=true");
    ts_request_free(tr);

    /* 410 as an HTTP status */
    memset(&s, 0, sizeof(s));
    run_watch("1", &s);
    assert_int_equal(s.error, -EREMOTEIO);
    assert_int_equal(s.code, 410);
    assert_string_equal(s.msg, "too old resource version: 1 (50)");

    /* broken stream: events before the break were delivered */
    memset(&s, 0, sizeof(s));
    run_watch("drop", &s);
    assert_int_equal(s.error, -ECONNRESET);
    assert_int_equal(s.log.n, 2);
}

struct par {
    int ok;
};

static void *par_get(void *arg)
{
    struct par *p = arg;
    char err[256];
    struct rest_resource r = {
        .version = "v1", .resource = "configmaps", .namespace = "x", .name = "y"
    };
    for (int i = 0; i < 10; i++) {
        struct rest_response resp;
        if (rest_get(rc, &r, REST_ACCEPT_JSON, &resp, err, sizeof(err)) == 0)
            p->ok++;
        rest_response_cleanup(&resp);
    }
    return NULL;
}

static void test_parallel_callers(void **state)
{
    (void)state;
    pthread_t t[6];
    struct par p[6] = { 0 };
    for (int i = 0; i < 6; i++)
        assert_int_equal(pthread_create(&t[i], NULL, par_get, &p[i]), 0);
    for (int i = 0; i < 6; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(p[i].ok, 10);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_path),
        cmocka_unit_test(test_accept),
        cmocka_unit_test(test_status_decode),
        cmocka_unit_test(test_watch_decode),
        cmocka_unit_test(test_client_config_errors),
        cmocka_unit_test_setup_teardown(test_get_and_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_patch_and_token_cb, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_pagination, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_expired, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parallel_callers, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
