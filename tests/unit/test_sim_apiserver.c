/*
 * The sim API server end to end in-process: sim_start() in a temporary directory (port 0 on
 * 127.0.0.1), libcurl (OpenSSL) as the client with the admin certificate from that directory,
 * another certificate from the sim's CA for a non-admin user, and no certificate. Expected
 * bodies and headers are kube-apiserver's (Status shapes and messages, discovery content types,
 * /openapi/v2's empty reply, pagination with continue tokens) as the kubectl wire spec and the
 * apiserver sources describe them.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "json/json.h"
#include "sim/discovery.h"
#include "sim/sim.h"
#include "util/buf.h"
#include "x509/x509.h"

static char g_dir[256], g_simdir[300], g_url[64];
static char g_ca[400], g_admin_cert[400], g_admin_key[400], g_user_cert[400], g_user_key[400];
static struct sim *g_sim;

enum who { ANON, ADMIN, USER };

struct reply {
    long status;
    struct buf body;
    char ctype[256];
    struct json_doc *doc;
};

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    return buf_append(ud, p, sz * n) ? 0 : sz * n;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
    struct reply *r = ud;
    size_t len = sz * n;
    if (len > 14 && !strncasecmp(p, "Content-Type: ", 14)) {
        size_t vl = len - 14;
        while (vl && (p[14 + vl - 1] == '\r' || p[14 + vl - 1] == '\n'))
            vl--;
        snprintf(r->ctype, sizeof(r->ctype), "%.*s", (int)vl, p + 14);
    }
    return len;
}

static void request(struct reply *r, enum who who, const char *method, const char *path,
                    const char *accept)
{
    char url[2048], hdr[1024];
    memset(r, 0, sizeof(*r));
    buf_init(&r->body, 64u << 20);
    snprintf(url, sizeof(url), "%s%s", g_url, path);
    CURL *c = curl_easy_init();
    assert_non_null(c);
    struct curl_slist *h = NULL;
    if (accept) {
        snprintf(hdr, sizeof(hdr), "Accept: %s", accept);
        h = curl_slist_append(h, hdr);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (!strcmp(method, "POST"))
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, "{}");
    curl_easy_setopt(c, CURLOPT_CAINFO, g_ca);
    if (who == ADMIN) {
        curl_easy_setopt(c, CURLOPT_SSLCERT, g_admin_cert);
        curl_easy_setopt(c, CURLOPT_SSLKEY, g_admin_key);
    } else if (who == USER) {
        curl_easy_setopt(c, CURLOPT_SSLCERT, g_user_cert);
        curl_easy_setopt(c, CURLOPT_SSLKEY, g_user_key);
    }
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK)
        fail_msg("%s %s: %s", method, path, curl_easy_strerror(rc));
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
}

static const struct json_value *parse(struct reply *r)
{
    char err[256];
    if (json_parse(r->body.ptr ? r->body.ptr : "", r->body.len, &r->doc, err, sizeof(err)))
        fail_msg("body does not parse (%s): %s", err, buf_str(&r->body));
    return json_doc_root(r->doc);
}

static void done(struct reply *r)
{
    json_doc_free(r->doc);
    buf_cleanup(&r->body);
}

static const char *str(const struct json_value *v, const char *path)
{
    const char *s = NULL;
    char err[256];
    if (json_get_string(v, path, &s, NULL, err, sizeof(err)))
        fail_msg("%s: %s", path, err);
    return s;
}

/* A client certificate for user "jane" (group "devs") from the sim's CA. */
static void make_user_cert(void)
{
    char path[400], err[512];
    struct x509_key *cakey = NULL, *key = NULL;
    struct x509_cert **ca = NULL, *cert = NULL;
    size_t n;
    snprintf(path, sizeof(path), "%s/ca.key", g_simdir);
    assert_int_equal(x509_load_key(path, &cakey, err, sizeof(err)), 0);
    assert_int_equal(x509_load_certs(g_ca, &ca, &n, err, sizeof(err)), 0);
    assert_int_equal(x509_key_new_ec(&key, KG_X509_P256, err, sizeof(err)), 0);
    struct x509_template t = { .subject = { .cn = "jane", .o = { "devs" } },
                               .ext_key_usage = KG_X509_EKU_CLIENT_AUTH };
    assert_int_equal(x509_cert_sign(&cert, &t, key, ca[0], cakey, err, sizeof(err)), 0);
    snprintf(g_user_cert, sizeof(g_user_cert), "%s/jane.crt", g_dir);
    snprintf(g_user_key, sizeof(g_user_key), "%s/jane.key", g_dir);
    assert_int_equal(x509_write_certs(g_user_cert, &cert, 1, err, sizeof(err)), 0);
    assert_int_equal(x509_write_key(g_user_key, key, err, sizeof(err)), 0);
    x509_cert_free(cert);
    x509_key_free(key);
    x509_key_free(cakey);
    x509_certs_free(ca, n);
}

static int setup(void **state)
{
    (void)state;
    char err[512];
    snprintf(g_dir, sizeof(g_dir), "/tmp/kgauge-test-sim.XXXXXX");
    if (!mkdtemp(g_dir))
        return -1;
    snprintf(g_simdir, sizeof(g_simdir), "%s/sim", g_dir);
    struct sim_config cfg = { .dir = g_simdir, .nodes = 3, .seed = 1 };
    if (sim_start(&cfg, &g_sim, err, sizeof(err))) {
        fprintf(stderr, "sim_start: %s\n", err);
        return -1;
    }
    snprintf(g_url, sizeof(g_url), "https://127.0.0.1:%d", sim_port(g_sim));
    snprintf(g_ca, sizeof(g_ca), "%s/ca.crt", g_simdir);
    snprintf(g_admin_cert, sizeof(g_admin_cert), "%s/admin.crt", g_simdir);
    snprintf(g_admin_key, sizeof(g_admin_key), "%s/admin.key", g_simdir);
    make_user_cert();
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[600];
    char ready[400];
    snprintf(ready, sizeof(ready), "%s/ready", g_simdir);
    sim_stop(g_sim);
    int gone = access(ready, F_OK) != 0;
    curl_global_cleanup();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
    if (system(cmd) != 0)
        return -1;
    return gone ? 0 : -1;
}

static char *slurp(const char *path)
{
    struct buf b;
    buf_init(&b, 1u << 20);
    assert_int_equal(x509_read_file(path, &b, NULL, 0), 0);
    return buf_take(&b, NULL);
}

static void test_files(void **state)
{
    (void)state;
    char path[400];
    static const char *const files[] = {
        "ca.crt",
        "ca.key",
        "apiserver.crt",
        "apiserver.key",
        "admin.crt",
        "admin.key",
        "front-proxy-ca.crt",
        "front-proxy-ca.key",
        "front-proxy-client.crt",
        "front-proxy-client.key",
        "kubeconfig",
    };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        struct stat sb;
        snprintf(path, sizeof(path), "%s/%s", g_simdir, files[i]);
        assert_int_equal(stat(path, &sb), 0);
        if (strstr(files[i], ".key") || !strcmp(files[i], "kubeconfig"))
            assert_int_equal(sb.st_mode & 0777, 0600);
    }
    snprintf(path, sizeof(path), "%s/ready", g_simdir);
    char *ready = slurp(path);
    char want[128];
    snprintf(want, sizeof(want), "%s\n", g_url);
    assert_string_equal(ready, want);
    free(ready);
    snprintf(path, sizeof(path), "%s/kubeconfig", g_simdir);
    char *kc = slurp(path);
    assert_non_null(strstr(kc, g_url));
    assert_non_null(strstr(kc, "certificate-authority-data:"));
    assert_non_null(strstr(kc, "client-certificate-data:"));
    assert_non_null(strstr(kc, "kgauge-sim"));
    free(kc);

    /* the admin certificate is what the API server expects */
    struct x509_cert *c;
    struct x509_info info;
    snprintf(path, sizeof(path), "%s/admin.crt", g_simdir);
    char *pem = slurp(path);
    assert_int_equal(x509_cert_parse(&c, pem, strlen(pem), NULL, 0), 0);
    assert_int_equal(x509_cert_info(c, &info, NULL, 0), 0);
    assert_string_equal(info.cn, "kubernetes-admin");
    assert_int_equal(info.n_o, 1);
    assert_string_equal(info.o[0], "system:masters");
    x509_info_cleanup(&info);
    x509_cert_free(c);
    free(pem);
    snprintf(path, sizeof(path), "%s/apiserver.crt", g_simdir);
    pem = slurp(path);
    assert_int_equal(x509_cert_parse(&c, pem, strlen(pem), NULL, 0), 0);
    assert_int_equal(x509_cert_info(c, &info, NULL, 0), 0);
    assert_int_equal(info.n_ips, 2);
    assert_string_equal(info.ips[0], "127.0.0.1");
    assert_string_equal(info.ips[1], "::1");
    x509_info_cleanup(&info);
    x509_cert_free(c);
    free(pem);
}

static void test_anonymous(void **state)
{
    (void)state;
    struct reply r;
    request(&r, ANON, "GET", "/api/v1/nodes", NULL);
    assert_int_equal(r.status, 401);
    assert_string_equal(r.ctype, "application/json");
    assert_string_equal(buf_str(&r.body),
                        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":"
                        "\"Failure\",\"message\":\"Unauthorized\",\"reason\":\"Unauthorized\","
                        "\"code\":401}\n");
    done(&r);
    request(&r, ANON, "GET", "/api", NULL);
    assert_int_equal(r.status, 401);
    done(&r);

    /* public: version and health */
    request(&r, ANON, "GET", "/version", NULL);
    assert_int_equal(r.status, 200);
    const struct json_value *v = parse(&r);
    assert_string_equal(str(v, "gitVersion"), "v1.32.5");
    assert_string_equal(str(v, "major"), "1");
    assert_string_equal(str(v, "minor"), "32");
    assert_non_null(strstr(buf_str(&r.body), "{\n  \"major\": \"1\",\n"));
    done(&r);
    request(&r, ANON, "GET", "/healthz", NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(buf_str(&r.body), "ok");
    assert_string_equal(r.ctype, "text/plain; charset=utf-8");
    done(&r);
    request(&r, ANON, "GET", "/readyz?verbose", NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(buf_str(&r.body), "readyz check passed"));
    done(&r);
    request(&r, ANON, "GET", "/livez", NULL);
    assert_int_equal(r.status, 200);
    done(&r);
}

static void test_discovery(void **state)
{
    (void)state;
    struct reply r;
    const char *agg = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
                      "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,"
                      "application/json";
    request(&r, ADMIN, "GET", "/api?timeout=32s", agg);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.ctype, SIM_DISCOVERY_V2_TYPE);
    const struct json_value *v = parse(&r);
    assert_string_equal(str(v, "kind"), "APIGroupDiscoveryList");
    assert_string_equal(str(v, "items[0].versions[0].resources[2].resource"), "pods");
    done(&r);
    request(&r, ADMIN, "GET", "/apis", agg);
    assert_string_equal(r.ctype, SIM_DISCOVERY_V2_TYPE);
    done(&r);
    request(&r, ADMIN, "GET", "/api?timeout=32s", "application/json, */*");
    assert_int_equal(r.status, 200);
    assert_string_equal(r.ctype, "application/json");
    v = parse(&r);
    assert_string_equal(str(v, "kind"), "APIVersions");
    char addr[64];
    snprintf(addr, sizeof(addr), "127.0.0.1:%d", sim_port(g_sim));
    assert_string_equal(str(v, "serverAddressByClientCIDRs[0].serverAddress"), addr);
    done(&r);
    request(&r, ADMIN, "GET", "/apis", "application/json, */*");
    v = parse(&r);
    assert_string_equal(str(v, "kind"), "APIGroupList");
    done(&r);
    request(&r, ADMIN, "GET", "/api/v1?timeout=32s", "application/json, */*");
    assert_int_equal(r.status, 200);
    v = parse(&r);
    assert_string_equal(str(v, "kind"), "APIResourceList");
    done(&r);
    request(&r, ADMIN, "GET", "/apis/apps/v1", NULL);
    assert_int_equal(r.status, 404);
    v = parse(&r);
    assert_string_equal(str(v, "reason"), "NotFound");
    assert_string_equal(str(v, "message"), "the server could not find the requested resource");
    done(&r);

    /* OpenAPI: an empty v2 document; no v3 */
    request(&r, ADMIN, "GET", "/openapi/v2?timeout=32s",
            "application/com.github.proto-openapi.spec.v2@v1.0+protobuf");
    assert_int_equal(r.status, 200);
    assert_string_equal(r.ctype, "application/octet-stream");
    assert_int_equal(r.body.len, 0);
    done(&r);
    request(&r, ADMIN, "GET", "/openapi/v3", NULL);
    assert_int_equal(r.status, 404);
    done(&r);
}

static void test_list_pages(void **state)
{
    (void)state;
    char path[4096], seen[8][64];
    size_t n = 0;
    char cont[2048] = "";
    char first_rv[32] = "";
    for (int page = 0; page < 10; page++) {
        struct reply r;
        snprintf(path, sizeof(path), "/api/v1/pods?limit=3%s%s", cont[0] ? "&continue=" : "", cont);
        request(&r, ADMIN, "GET", path, "application/json");
        assert_int_equal(r.status, 200);
        const struct json_value *v = parse(&r);
        assert_string_equal(str(v, "kind"), "PodList");
        assert_string_equal(str(v, "apiVersion"), "v1");
        if (page == 0) {
            snprintf(first_rv, sizeof(first_rv), "%s", str(v, "metadata.resourceVersion"));
            int64_t remaining = -1;
            assert_int_equal(json_get_int64(v, "metadata.remainingItemCount", &remaining, NULL, 0),
                             0);
            assert_int_equal(remaining, 5);
        } else {
            /* every page reports the snapshot's resourceVersion (from the token) */
            assert_string_equal(str(v, "metadata.resourceVersion"), first_rv);
        }
        const struct json_value *items = json_lookup(v, "items");
        for (size_t i = 0; i < json_array_len(items); i++) {
            assert_true(n < 8);
            snprintf(seen[n], sizeof(seen[n]), "%s", str(json_array_at(items, i), "metadata.name"));
            if (n)
                assert_true(strcmp(seen[n - 1], seen[n]) < 0);
            n++;
            assert_null(json_lookup(json_array_at(items, i), "kind"));
        }
        const char *next = NULL;
        int has = json_opt_string(v, "metadata.continue", &next, NULL, NULL, 0);
        snprintf(cont, sizeof(cont), "%s", has == 1 ? next : "");
        done(&r);
        if (!cont[0])
            break;
    }
    assert_int_equal(n, 8);
}

static void test_get_and_errors(void **state)
{
    (void)state;
    struct reply r;
    request(&r, ADMIN, "GET", "/api/v1/namespaces/default/pods/nope", NULL);
    assert_int_equal(r.status, 404);
    assert_string_equal(buf_str(&r.body),
                        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":"
                        "\"Failure\",\"message\":\"pods \\\"nope\\\" not found\",\"reason\":"
                        "\"NotFound\",\"details\":{\"name\":\"nope\",\"kind\":\"pods\"},\"code\":"
                        "404}\n");
    done(&r);
    request(&r, ADMIN, "GET", "/api/v1/nodes/sim-node-0002", NULL);
    assert_int_equal(r.status, 200);
    const struct json_value *v = parse(&r);
    assert_string_equal(str(v, "kind"), "Node");
    assert_string_equal(str(v, "apiVersion"), "v1");
    assert_string_equal(str(v, "status.addresses[0].address"), "127.1.0.2");
    done(&r);
    request(&r, ADMIN, "GET", "/api/v1/namespaces/kube-system", NULL);
    assert_int_equal(r.status, 200);
    v = parse(&r);
    assert_string_equal(str(v, "kind"), "Namespace");
    done(&r);

    static const struct {
        const char *method, *path;
        int status;
        const char *reason, *message;
    } cases[] = {
        { "GET", "/api/v1/pods?fieldSelector=spec.foo%3Dx", 400, "BadRequest",
          "field label not supported: spec.foo" },
        { "GET", "/api/v1/nodes?fieldSelector=metadata.namespace%3Dx", 400, "BadRequest",
          "field label not supported: metadata.namespace" },
        { "GET", "/api/v1/pods?labelSelector=a%20in%20(", 400, "BadRequest",
          "unable to parse requirement: found '', expected: ',', ')' or identifier" },
        { "GET", "/api/v1/pods?limit=abc", 400, "BadRequest",
          "strconv.ParseInt: parsing \"abc\": invalid syntax" },
        { "GET", "/api/v1/pods?continue=!!", 400, "BadRequest",
          "invalid continue token: continue key is not valid: illegal base64 data at input "
          "byte 0" },
        { "GET",
          "/api/v1/pods?resourceVersion=5&continue="
          "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6NSwic3RhcnQiOiJrdWJlLXN5c3RlbS94XHUwMDAwIn0",
          400, "BadRequest", "specifying resource version is not allowed when using continue" },
        { "GET", "/api/v1/pods?watch=true", 405, "MethodNotAllowed",
          "the server does not allow this method on the requested resource" },
        { "POST", "/api/v1/namespaces/default/pods", 405, "MethodNotAllowed",
          "the server does not allow this method on the requested resource" },
        { "GET", "/api/v1/namespaces/default/nodes", 404, "NotFound",
          "the server could not find the requested resource" },
        { "GET", "/api/v1/namespaces/kube-system/pods/x/status", 404, "NotFound",
          "the server could not find the requested resource" },
        { "GET", "/api/v1/services", 404, "NotFound",
          "the server could not find the requested resource" },
        { "GET", "/nothing/here", 404, "NotFound",
          "the server could not find the requested resource" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        request(&r, ADMIN, cases[i].method, cases[i].path, NULL);
        if (r.status != cases[i].status)
            fail_msg("%s %s: status %ld, want %d: %s", cases[i].method, cases[i].path, r.status,
                     cases[i].status, buf_str(&r.body));
        v = parse(&r);
        assert_string_equal(str(v, "kind"), "Status");
        assert_string_equal(str(v, "reason"), cases[i].reason);
        assert_string_equal(str(v, "message"), cases[i].message);
        done(&r);
    }
}

static void test_tables_and_negotiation(void **state)
{
    (void)state;
    struct reply r;
    const char *table = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;"
                        "v=v1beta1;g=meta.k8s.io,application/json";
    request(&r, ADMIN, "GET", "/api/v1/nodes/sim-node-0001", table);
    assert_int_equal(r.status, 200);
    const struct json_value *v = parse(&r);
    assert_string_equal(str(v, "kind"), "Table");
    assert_int_equal(json_array_len(json_member(v, "rows")), 1);
    assert_string_equal(str(v, "rows[0].cells[0]"), "sim-node-0001");
    assert_string_equal(str(v, "rows[0].cells[1]"), "Ready");
    assert_string_equal(str(v, "rows[0].object.kind"), "PartialObjectMetadata");
    done(&r);
    request(&r, ADMIN, "GET",
            "/api/v1/namespaces/kube-system/pods?labelSelector=k8s-app%3Dkube-proxy", table);
    v = parse(&r);
    assert_int_equal(json_array_len(json_member(v, "rows")), 3);
    assert_string_equal(str(v, "rows[0].cells[2]"), "Running");
    done(&r);
    request(&r, ADMIN, "GET",
            "/api/v1/pods?fieldSelector=spec.nodeName%3Dsim-node-0002&includeObject=None", table);
    v = parse(&r);
    assert_int_equal(json_array_len(json_member(v, "rows")), 3);
    assert_null(json_lookup(v, "rows[0].object"));
    done(&r);
    request(&r, ADMIN, "GET", "/api/v1/pods",
            "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json");
    v = parse(&r);
    assert_string_equal(str(v, "kind"), "PartialObjectMetadataList");
    assert_string_equal(str(v, "items[0].kind"), "PartialObjectMetadata");
    assert_null(json_lookup(v, "items[0].spec"));
    done(&r);
    request(&r, ADMIN, "GET", "/api/v1/nodes", "application/yaml");
    assert_int_equal(r.status, 406);
    v = parse(&r);
    assert_string_equal(str(v, "reason"), "NotAcceptable");
    done(&r);

    /* pretty output: indented, no trailing newline; compact has one */
    request(&r, ADMIN, "GET", "/api/v1/namespaces/default?pretty=true", NULL);
    assert_non_null(strstr(buf_str(&r.body), "{\n  \"kind\": \"Namespace\",\n"));
    assert_int_not_equal(r.body.ptr[r.body.len - 1], '\n');
    done(&r);
    request(&r, ADMIN, "GET", "/api/v1/namespaces/default", NULL);
    assert_int_equal(r.body.ptr[r.body.len - 1], '\n');
    assert_int_equal(strncmp(buf_str(&r.body), "{\"kind\":\"Namespace\",\"apiVersion\":\"v1\"", 37),
                     0);
    done(&r);
}

static void test_forbidden(void **state)
{
    (void)state;
    struct reply r;
    request(&r, USER, "GET", "/api/v1/namespaces/default/pods", NULL);
    assert_int_equal(r.status, 403);
    const struct json_value *v = parse(&r);
    assert_string_equal(str(v, "reason"), "Forbidden");
    assert_string_equal(str(v, "message"),
                        "pods is forbidden: User \"jane\" cannot list resource \"pods\" in API "
                        "group \"\" in the namespace \"default\"");
    assert_string_equal(str(v, "details.kind"), "pods");
    done(&r);
    request(&r, USER, "GET", "/api/v1/nodes/sim-node-0001", NULL);
    assert_int_equal(r.status, 403);
    v = parse(&r);
    assert_string_equal(str(v, "message"),
                        "nodes \"sim-node-0001\" is forbidden: User \"jane\" cannot get resource "
                        "\"nodes\" in API group \"\" at the cluster scope");
    done(&r);
    request(&r, USER, "GET", "/metrics", NULL);
    assert_int_equal(r.status, 403);
    v = parse(&r);
    assert_string_equal(str(v, "message"), "forbidden: User \"jane\" cannot get path \"/metrics\"");
    done(&r);
    /* discovery is open to every authenticated user */
    request(&r, USER, "GET", "/api/v1", NULL);
    assert_int_equal(r.status, 200);
    done(&r);
    request(&r, USER, "GET", "/apis", NULL);
    assert_int_equal(r.status, 200);
    done(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_files),          cmocka_unit_test(test_anonymous),
        cmocka_unit_test(test_discovery),      cmocka_unit_test(test_list_pages),
        cmocka_unit_test(test_get_and_errors), cmocka_unit_test(test_tables_and_negotiation),
        cmocka_unit_test(test_forbidden),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
