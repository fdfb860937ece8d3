/*
 * kubeconfig → REST client, end to end over real TLS: a kubeconfig on disk with file
 * references, loaded with kubectl's rules, drives a rest client against an HTTPS server that
 * checks the client certificate or the bearer token.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>

#include "http/server.h"
#include "json/json.h"
#include "json/writer.h"
#include "kube/clientconfig.h"
#include "kube/kubeconfig.h"
#include "kube/rest.h"
#include "unit/tls_fixture.h"
#include "util/buf.h"
#include "util/limits.h"

struct env {
    struct tls_fixture f;
    struct server *srv;
    int port;
    char kubeconfig[TLS_FIXTURE_PATH + 32];
    char token[TLS_FIXTURE_PATH + 32];
};

/* Answers as a Pod whose annotations tell what the server saw of the caller. */
static void pod_handler(const struct server_req *req, struct server_resp *resp, void *ud)
{
    (void)ud;
    const struct server_peer *peer = server_req_peer(req);
    const char *auth = server_req_header(req, "Authorization");
    struct buf *b = server_resp_body(resp);
    char line[2048];
    snprintf(line, sizeof(line),
             "{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"%s\","
             "\"namespace\":\"%s\",\"annotations\":{\"cn\":\"%s\",\"verified\":\"%d\","
             "\"auth\":\"%s\"}}}",
             server_req_param(req, "name"), server_req_param(req, "ns"),
             peer->verified ? peer->cn : "", peer->verified, auth ? auth : "");
    buf_appends(b, line);
    server_resp_header(resp, "Content-Type", "application/json");
}

static void write_file(const char *path, const char *text, time_t mtime)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    if (mtime) {
        struct timespec ts[2] = { { mtime, 0 }, { mtime, 0 } };
        assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
    }
}

static int setup(void **state)
{
    static struct env e;
    char err[KG_ERRBUF];
    memset(&e, 0, sizeof(e));
    if (tls_fixture_create(&e.f, "kgauge-test-user", "system:masters")) {
        fprintf(stderr, "tls fixture: %s\n", e.f.err);
        return -1;
    }
    const char *cas[] = { e.f.ca_cert };
    struct server_opts o = { .tls_cert_file = e.f.server_cert,
                             .tls_key_file = e.f.server_key,
                             .client_ca_files = cas,
                             .n_client_ca_files = 1,
                             .threads = 2 };
    e.srv = server_new(&o, err, sizeof(err));
    assert_non_null(e.srv);
    assert_int_equal(server_route(e.srv, "GET", "/api/v1/namespaces/{ns}/pods/{name}", pod_handler,
                                  NULL, err, sizeof(err)),
                     0);
    int id = server_listen(e.srv, "127.0.0.1", 0, err, sizeof(err));
    assert_true(id >= 0);
    e.port = server_port(e.srv, id);
    assert_int_equal(server_start(e.srv, err, sizeof(err)), 0);

    snprintf(e.token, sizeof(e.token), "%s/token", e.f.dir);
    write_file(e.token, "first-token\n", 1700000000);
    snprintf(e.kubeconfig, sizeof(e.kubeconfig), "%s/kubeconfig", e.f.dir);
    char kc[4096];
    /* Relative file references resolve against the kubeconfig's own directory. */
    snprintf(kc, sizeof(kc),
             "apiVersion: v1\nkind: Config\n"
             "clusters:\n"
             "- name: good\n  cluster:\n    server: https://127.0.0.1:%d\n"
             "    certificate-authority: ca.crt\n"
             "- name: wrong-ca\n  cluster:\n    server: https://127.0.0.1:%d\n"
             "    certificate-authority: other-ca.crt\n"
             "- name: proxied\n  cluster:\n    server: https://127.0.0.1:%d\n"
             "    certificate-authority: ca.crt\n    proxy-url: http://127.0.0.1:3128\n"
             "users:\n"
             "- name: cert-user\n  user:\n    client-certificate: client.crt\n"
             "    client-key: client.key\n"
             "- name: token-user\n  user:\n    tokenFile: token\n"
             "contexts:\n"
             "- name: cert\n  context: {cluster: good, user: cert-user, namespace: team-a}\n"
             "- name: token\n  context: {cluster: good, user: token-user}\n"
             "- name: wrong-ca\n  context: {cluster: wrong-ca, user: cert-user}\n"
             "- name: proxied\n  context: {cluster: proxied, user: token-user}\n"
             "current-context: cert\n",
             e.port, e.port, e.port);
    write_file(e.kubeconfig, kc, 0);
    *state = &e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;
    server_free(e->srv);
    tls_fixture_destroy(&e->f);
    return 0;
}

static struct kubeconfig *load(struct env *e, const char *context)
{
    char err[KG_ERRBUF];
    struct kubeconfig_overrides ov = { .kubeconfig = e->kubeconfig, .context = context };
    struct kubeconfig *kc = NULL;
    int rc = kubeconfig_load(&ov, &kc, err, sizeof(err));
    if (rc)
        fail_msg("kubeconfig_load: %s", err);
    return kc;
}

/* GETs pods/NAME in the kubeconfig's namespace; returns the annotation `key` (static). */
static const char *get_annotation(struct kubeconfig *kc, const char *name, const char *key)
{
    static char value[1024];
    char err[KG_ERRBUF];
    struct rest_client *rc = clientconfig_rest_client(kc, "kgauge-test", err, sizeof(err));
    assert_non_null(rc);
    struct rest_resource res = {
        .version = "v1", .resource = "pods", .namespace = kc->namespace, .name = name
    };
    struct rest_response out;
    int r = rest_get(rc, &res, REST_ACCEPT_JSON, &out, err, sizeof(err));
    if (r)
        fail_msg("rest_get: %s", err);
    struct json_doc *doc = NULL;
    assert_int_equal(json_parse(out.body, out.len, &doc, err, sizeof(err)), 0);
    char path[256];
    const char *s;
    snprintf(path, sizeof(path), "metadata.annotations.%s", key);
    assert_int_equal(json_get_string(json_doc_root(doc), path, &s, NULL, err, sizeof(err)), 0);
    snprintf(value, sizeof(value), "%s", s);
    assert_int_equal(
        json_get_string(json_doc_root(doc), "metadata.namespace", &s, NULL, err, sizeof(err)), 0);
    assert_string_equal(s, kc->namespace);
    json_doc_free(doc);
    rest_response_cleanup(&out);
    rest_client_free(rc);
    return value;
}

static void test_client_certificate(void **state)
{
    struct env *e = *state;
    struct kubeconfig *kc = load(e, NULL); /* current-context: cert */
    assert_string_equal(kc->namespace, "team-a");
    assert_string_equal(get_annotation(kc, "web-1", "verified"), "1");
    assert_string_equal(get_annotation(kc, "web-1", "cn"), "kgauge-test-user");
    assert_string_equal(get_annotation(kc, "web-1", "auth"), "");
    kubeconfig_free(kc);
}

static void test_token_file_rotation(void **state)
{
    struct env *e = *state;
    struct kubeconfig *kc = load(e, "token");
    assert_string_equal(kc->namespace, "default");
    assert_string_equal(get_annotation(kc, "web-1", "auth"), "Bearer first-token");
    assert_string_equal(get_annotation(kc, "web-1", "verified"), "0");
    /* A rotated token (the file changed) is used by the very next request. */
    write_file(e->token, "second-token\n", 1700000100);
    assert_string_equal(get_annotation(kc, "web-1", "auth"), "Bearer second-token");
    kubeconfig_free(kc);
}

static void test_wrong_ca_fails(void **state)
{
    struct env *e = *state;
    struct kubeconfig *kc = load(e, "wrong-ca");
    char err[KG_ERRBUF];
    struct rest_client *rc = clientconfig_rest_client(kc, NULL, err, sizeof(err));
    assert_non_null(rc);
    struct rest_resource res = {
        .version = "v1", .resource = "pods", .namespace = "default", .name = "x"
    };
    struct rest_response out;
    assert_true(rest_get(rc, &res, REST_ACCEPT_JSON, &out, err, sizeof(err)) < 0);
    assert_non_null(strstr(err, "certificate"));
    rest_response_cleanup(&out);
    rest_client_free(rc);
    kubeconfig_free(kc);
}

static void test_unsupported_setting_named(void **state)
{
    struct env *e = *state;
    struct kubeconfig *kc = load(e, "proxied");
    char err[KG_ERRBUF];
    struct rest_config cfg;
    assert_int_equal(clientconfig_to_rest(kc, &cfg, err, sizeof(err)), -ENOTSUP);
    assert_non_null(strstr(err, "proxy-url is not supported"));
    assert_non_null(strstr(err, "\"proxied\""));
    assert_null(clientconfig_rest_client(kc, NULL, err, sizeof(err)));
    kubeconfig_free(kc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_certificate),
        cmocka_unit_test(test_token_file_rotation),
        cmocka_unit_test(test_wrong_ca_fails),
        cmocka_unit_test(test_unsupported_setting_named),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
