/*
 * Unit tests for src/sim/request: API path splitting (kube-apiserver's RequestInfoFactory),
 * Accept negotiation with the exact headers kubectl 1.32 and 1.20 send (kubectl wire spec
 * sections 2 and 3.1), and continue tokens, whose expected encodings were computed
 * independently (Python: base64url without padding of the JSON Go's json.Marshal produces
 * for storage.continueToken).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sim/request.h"
#include "util/buf.h"

static void check_path(const char *path, bool is_api, const char *group, const char *version,
                       const char *ns, const char *resource, const char *name, const char *sub,
                       size_t extra)
{
    struct request_info ri;
    request_parse_path(path, &ri);
    assert_int_equal(ri.is_api, is_api);
    if (!is_api)
        return;
    assert_string_equal(ri.group, group);
    assert_string_equal(ri.version, version);
    assert_string_equal(ri.ns, ns);
    assert_string_equal(ri.resource, resource);
    assert_string_equal(ri.name, name);
    assert_string_equal(ri.subresource, sub);
    assert_int_equal(ri.n_extra, extra);
}

static void test_paths(void **state)
{
    (void)state;
    check_path("/api/v1", true, "", "v1", "", "", "", "", 0);
    check_path("/api/v1/", true, "", "v1", "", "", "", "", 0);
    check_path("/api/v1/nodes", true, "", "v1", "", "nodes", "", "", 0);
    check_path("/api/v1/nodes/sim-node-0001", true, "", "v1", "", "nodes", "sim-node-0001", "", 0);
    check_path("/api/v1/pods", true, "", "v1", "", "pods", "", "", 0);
    check_path("/api/v1/namespaces/kube-system/pods", true, "", "v1", "kube-system", "pods", "", "",
               0);
    check_path("/api/v1/namespaces/demo/pods/web-1/status", true, "", "v1", "demo", "pods", "web-1",
               "status", 0);
    check_path("/api/v1/namespaces/demo/pods/web-1/status/x/y", true, "", "v1", "demo", "pods",
               "web-1", "status", 2);
    /* the namespace object itself, and its status/finalize subresources (RequestInfo) */
    check_path("/api/v1/namespaces/default", true, "", "v1", "default", "namespaces", "default", "",
               0);
    check_path("/api/v1/namespaces/default/status", true, "", "v1", "default", "namespaces",
               "default", "status", 0);
    check_path("/api/v1/namespaces", true, "", "v1", "", "namespaces", "", "", 0);
    check_path("/apis/apps/v1", true, "apps", "v1", "", "", "", "", 0);
    check_path("/apis/apps/v1/namespaces/demo/deployments/web/scale", true, "apps", "v1", "demo",
               "deployments", "web", "scale", 0);
    check_path("/apis/metrics.k8s.io/v1beta1/nodes", true, "metrics.k8s.io", "v1beta1", "", "nodes",
               "", "", 0);
    /* empty segments stay (they never match a resource) */
    check_path("/api/v1//nodes", true, "", "v1", "", "", "nodes", "", 0);
    check_path("/api", false, NULL, NULL, NULL, NULL, NULL, NULL, 0);
    check_path("/apis", false, NULL, NULL, NULL, NULL, NULL, NULL, 0);
    check_path("/apis/apps", false, NULL, NULL, NULL, NULL, NULL, NULL, 0);
    check_path("/version", false, NULL, NULL, NULL, NULL, NULL, NULL, 0);
    check_path("/", false, NULL, NULL, NULL, NULL, NULL, NULL, 0);
    check_path("", false, NULL, NULL, NULL, NULL, NULL, NULL, 0);

    /* a path over the limit is not an API path */
    char long_path[KG_SIM_MAX_PATH + 64];
    memset(long_path, 'a', sizeof(long_path) - 1);
    long_path[sizeof(long_path) - 1] = '\0';
    memcpy(long_path, "/api/v1/", 8);
    check_path(long_path, false, NULL, NULL, NULL, NULL, NULL, NULL, 0);

    /* many segments: counted, not stored */
    check_path("/api/v1/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r", true, "", "v1", "", "a", "b", "c",
               15);
}

#define AGG_132                                                                                    \
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/"            \
    "json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
#define TABLE                                                                                      \
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s." \
    "io,application/json"
#define ALL_LIST (MEDIA_JSON | MEDIA_TABLE_V1 | MEDIA_TABLE_V1BETA1 | MEDIA_PARTIAL_LIST)
#define ALL_DISC (MEDIA_JSON | MEDIA_DISCOVERY_V2 | MEDIA_DISCOVERY_V2BETA1)

static void test_negotiate(void **state)
{
    (void)state;
    /* kubectl 1.32 discovery, 1.28 (v2beta1 only), 1.20 */
    assert_int_equal(request_negotiate(AGG_132, ALL_DISC), MEDIA_DISCOVERY_V2);
    assert_int_equal(request_negotiate("application/json;g=apidiscovery.k8s.io;v=v2beta1;as="
                                       "APIGroupDiscoveryList,application/json",
                                       ALL_DISC),
                     MEDIA_DISCOVERY_V2BETA1);
    assert_int_equal(request_negotiate("application/json, */*", ALL_DISC), MEDIA_JSON);
    /* a server offering only legacy discovery answers the aggregated Accept with JSON */
    assert_int_equal(request_negotiate(AGG_132, MEDIA_JSON), MEDIA_JSON);

    /* kubectl get: Table v1 first; a server without v1 Table would give v1beta1 */
    assert_int_equal(request_negotiate(TABLE, ALL_LIST), MEDIA_TABLE_V1);
    assert_int_equal(request_negotiate(TABLE, MEDIA_JSON | MEDIA_TABLE_V1BETA1),
                     MEDIA_TABLE_V1BETA1);
    assert_int_equal(request_negotiate(TABLE, MEDIA_JSON), MEDIA_JSON);
    /* parameter order and names' case do not matter; whitespace is trimmed */
    assert_int_equal(
        request_negotiate(" application/json ; v=v1 ; G=meta.k8s.io ; AS=Table", ALL_LIST),
        MEDIA_TABLE_V1);
    /* informers: metadata-only lists */
    assert_int_equal(request_negotiate("application/json;as=PartialObjectMetadataList;g=meta.k8s."
                                       "io;v=v1,application/json",
                                       ALL_LIST),
                     MEDIA_PARTIAL_LIST);
    /* the single-object conversion is not offered for a list */
    assert_int_equal(request_negotiate("application/json;as=PartialObjectMetadata;g=meta.k8s.io;"
                                       "v=v1",
                                       ALL_LIST),
                     0);
    /* protobuf first (typed clients): JSON is their fallback */
    assert_int_equal(
        request_negotiate("application/vnd.kubernetes.protobuf,application/json", ALL_LIST),
        MEDIA_JSON);
    assert_int_equal(request_negotiate("application/vnd.kubernetes.protobuf, */*", ALL_LIST),
                     MEDIA_JSON);
    assert_int_equal(request_negotiate("application/*", ALL_LIST), MEDIA_JSON);
    /* nothing acceptable */
    assert_int_equal(request_negotiate("application/yaml", ALL_LIST), 0);
    assert_int_equal(request_negotiate("application/vnd.kubernetes.protobuf", ALL_LIST), 0);
    assert_int_equal(request_negotiate("application/json;as=Table;v=v2;g=meta.k8s.io", ALL_LIST),
                     0);
    assert_int_equal(request_negotiate("application/json;as=Table", ALL_LIST), 0);
    /* no Accept: JSON */
    assert_int_equal(request_negotiate(NULL, ALL_LIST), MEDIA_JSON);
    assert_int_equal(request_negotiate("", ALL_LIST), MEDIA_JSON);
    assert_int_equal(request_negotiate(" , ,", ALL_LIST), MEDIA_JSON);
    /* q values: 0 refuses, higher wins, ties keep the client's order */
    assert_int_equal(request_negotiate("application/json;q=0", ALL_LIST), 0);
    assert_int_equal(request_negotiate("application/json;q=0.5,application/json;as=Table;v=v1;g="
                                       "meta.k8s.io",
                                       ALL_LIST),
                     MEDIA_TABLE_V1);
    assert_int_equal(request_negotiate("application/json;as=Table;v=v1;g=meta.k8s.io;q=0.9,"
                                       "application/json;q=0.9",
                                       ALL_LIST),
                     MEDIA_TABLE_V1);
    assert_int_equal(
        request_negotiate("application/json;as=\"Table\";v=\"v1\";g=\"meta.k8s.io\"", ALL_LIST),
        MEDIA_TABLE_V1);
}

static void test_continue_encode(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 4096);
    assert_int_equal(request_continue_encode(5, "kube-system/x", &b), 0);
    assert_string_equal(buf_str(&b), "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6NSwic3RhcnQiOiJrdWJlLXN5"
                                     "c3RlbS94XHUwMDAwIn0");
    buf_reset(&b);
    assert_int_equal(request_continue_encode(42, "sim-node-0002", &b), 0);
    assert_string_equal(buf_str(&b), "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6NDIsInN0YXJ0Ijoic2ltLW5v"
                                     "ZGUtMDAwMlx1MDAwMCJ9");

    /* and back */
    char key[256];
    size_t klen = 0;
    uint64_t rv = 0;
    char err[256] = "";
    assert_int_equal(
        request_continue_decode(buf_str(&b), &rv, key, sizeof(key), &klen, err, sizeof(err)), 0);
    assert_int_equal(rv, 42);
    assert_int_equal(klen, 14);
    assert_memory_equal(key, "sim-node-0002\0", 14);
    buf_cleanup(&b);
}

static void expect_decode_error(const char *token, const char *message)
{
    char key[256], err[512] = "";
    size_t klen;
    uint64_t rv;
    assert_int_equal(request_continue_decode(token, &rv, key, sizeof(key), &klen, err, sizeof(err)),
                     -EINVAL);
    assert_string_equal(err, message);
}

static void test_continue_errors(void **state)
{
    (void)state;
    expect_decode_error("!!!", "continue key is not valid: illegal base64 data at input byte 0");
    expect_decode_error("eyJ2=", "continue key is not valid: illegal base64 data at input byte 4");
    expect_decode_error("eyJ2I", "continue key is not valid: illegal base64 data at input byte 4");
    expect_decode_error("eyJ2IjoibWV0YS5rOHMuaW8vdjIiLCJydiI6MSwic3RhcnQiOiJhIn0",
                        "continue key is not valid: server does not recognize this encoded "
                        "version meta.k8s.io/v2");
    expect_decode_error("eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MCwic3RhcnQiOiJhIn0",
                        "continue key is not valid: incorrect encoded start resourceVersion "
                        "(version meta.k8s.io/v1)");
    expect_decode_error("eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6Mywic3RhcnQiOiIifQ",
                        "continue key is not valid: encoded start key empty (version "
                        "meta.k8s.io/v1)");
    expect_decode_error("eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6Mywic3RhcnQiOiIuLi94In0",
                        "continue key is not valid: ../x");
    expect_decode_error("eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6Mywic3RhcnQiOiJhLy9iIn0",
                        "continue key is not valid: a//b");
    expect_decode_error("WzFd", "continue key is not valid: json: cannot unmarshal array into Go "
                                "value of type storage.continueToken");

    /* a negative rv means "latest" (0 here); a leading '/' is allowed and dropped */
    char key[64], err[256];
    size_t klen;
    uint64_t rv = 99;
    assert_int_equal(request_continue_decode("eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6LTEsInN0YXJ0Ijoi"
                                             "L2EifQ",
                                             &rv, key, sizeof(key), &klen, err, sizeof(err)),
                     0);
    assert_int_equal(rv, 0);
    assert_int_equal(klen, 1);
    assert_string_equal(key, "a");

    /* over the length limit */
    char big[KG_SIM_MAX_CONTINUE + 8];
    memset(big, 'A', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(request_continue_decode(big, &rv, key, sizeof(key), &klen, err, sizeof(err)),
                     -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_negotiate),
        cmocka_unit_test(test_continue_encode),
        cmocka_unit_test(test_continue_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
