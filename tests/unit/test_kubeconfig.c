/*
 * Unit tests for kube/kubeconfig. Expected texts and values come from client-go's sources
 * (validation.go, client_config.go, loader.go, rest.InClusterConfig) and from running the real
 * kubectl 1.32 on the same inputs (base64 offsets, merge winners, YAML 1.1 booleans).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
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

/* Paths here are short temporary and fixture paths; truncation would fail the comparison. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#include "kube/kubeconfig.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/limits.h"
#include "util/log.h"

#define SEC 1000000000ll

static char tmpdir[256];
static char src_root[1024];

/* ---- helpers ---- */

static int rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    (void)state;
    const char *src = getenv("KGAUGE_SRC");
    snprintf(src_root, sizeof(src_root), "%s", src != NULL ? src : KC_SRC);
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/kgauge-kc-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    unsetenv("KUBECONFIG");
    unsetenv("KUBERNETES_MASTER");
    unsetenv("KUBERNETES_SERVICE_HOST");
    unsetenv("KUBERNETES_SERVICE_PORT");
    unsetenv("POD_NAMESPACE");
    unsetenv("KGAUGE_SA_DIR");
    setenv("HOME", tmpdir, 1); /* no ~/.kube/config unless a test writes one */
    log_set_verbosity(0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    nftw(tmpdir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

static void fixture(char *out, size_t outlen, const char *rel)
{
    snprintf(out, outlen, "%s/tests/data/kubeconfig/%s", src_root, rel);
}

/* Writes tmpdir/name (creating one level of subdirectory) and returns the path. */
static const char *put(const char *name, const char *content)
{
    static char paths[8][512];
    static int next;
    char *p = paths[next++ % 8];
    FILE *f;
    snprintf(p, 512, "%s/%s", tmpdir, name);
    char *slash = strrchr(p, '/');
    if (slash != NULL && slash > p + strlen(tmpdir)) {
        *slash = '\0';
        mkdir(p, 0700);
        *slash = '/';
    }
    f = fopen(p, "w");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
    return p;
}

static int load_yaml(const char *yaml, const struct kubeconfig_overrides *ov,
                     struct kubeconfig **kc, char *err)
{
    struct kubeconfig_overrides o;
    const char *path = put("config", yaml);
    memset(&o, 0, sizeof(o));
    if (ov != NULL)
        o = *ov;
    o.kubeconfig = path;
    err[0] = '\0';
    return kubeconfig_load(&o, kc, err, KG_ERRBUF);
}

/* ---- base64 ---- */

static void check_b64(const char *in, const char *want, long bad_at)
{
    unsigned char *out = NULL;
    size_t n = 0;
    char err[128] = "";
    int rc = kubeconfig_base64_decode(in, strlen(in), &out, &n, err, sizeof(err));
    if (bad_at < 0) {
        assert_int_equal(rc, 0);
        assert_int_equal(n, strlen(want));
        assert_memory_equal(out, want, n);
        free(out);
    } else {
        char want_err[128];
        snprintf(want_err, sizeof(want_err), "illegal base64 data at input byte %ld", bad_at);
        assert_int_equal(rc, -EINVAL);
        assert_null(out);
        assert_string_equal(err, want_err);
    }
}

/* Offsets observed with kubectl 1.32 on client-key-data values. */
static void test_base64_go_offsets(void **state)
{
    (void)state;
    check_b64("QUJD QQ==", NULL, 4);
    check_b64("QUJDQQ=", NULL, 7);
    check_b64("QQ", NULL, 0);
    check_b64("Q", NULL, 0);
    check_b64("QUJ=", "AB", -1);
    check_b64("QQ==QQ==", NULL, 4);
    check_b64("=", NULL, 0);
    check_b64("QUJD=", NULL, 4);
    check_b64("QUJDQ=Q=", NULL, 5);
    check_b64("QUJD\nQUJD", "ABCABC", -1);
    check_b64("QQ=\n=", "A", -1);
    check_b64("QQ=\nx", NULL, 3);
    check_b64("QUJDQUJDQUJD!", NULL, 12);
    check_b64("QUJDQUJ\rDQUJD", "ABCABCABC", -1);
    check_b64("", "", -1);
    check_b64("\n\r\n", "", -1);
    check_b64("aGVsbG8gd29ybGQ=", "hello world", -1);
}

/* ---- loading rules and merge ---- */

static void test_explicit_missing_file(void **state)
{
    (void)state;
    struct kubeconfig_overrides ov = { .kubeconfig = "/nonexistent/kgauge/config" };
    struct kubeconfig *kc = (struct kubeconfig *)1;
    char err[KG_ERRBUF];
    assert_int_equal(kubeconfig_load(&ov, &kc, err, sizeof(err)), -ENOENT);
    assert_null(kc);
    assert_string_equal(err, "stat /nonexistent/kgauge/config: no such file or directory");
}

static void test_multi_file_merge(void **state)
{
    (void)state;
    char a[1024], b[1024], env[2200], want[1200];
    struct kubeconfig *kc = NULL;
    char err[KG_ERRBUF] = "";
    fixture(a, sizeof(a), "multi/a/config");
    fixture(b, sizeof(b), "multi/b/config");
    /* a missing file in the list is ignored; a is first */
    snprintf(env, sizeof(env), "%s/missing:%s:%s:%s", tmpdir, a, b, a);
    setenv("KUBECONFIG", env, 1);

    /* current-context: a's is empty, so b's "ctx-b" wins */
    assert_int_equal(kubeconfig_load(NULL, &kc, err, sizeof(err)), 0);
    assert_string_equal(kc->context, "ctx-b");
    assert_string_equal(kc->server, "https://b.example:6443");
    assert_string_equal(kc->namespace, "default");
    assert_string_equal(kc->source, b);
    /* tokenFile: relative to multi/b/, trimmed */
    fixture(want, sizeof(want), "multi/b/token");
    assert_string_equal(kc->token_file, want);
    assert_string_equal(kc->token, "bob-token-from-file");
    assert_true(kc->insecure_skip_tls_verify);
    kubeconfig_free(kc);

    /* "shared-ctx" is defined by both: a's entry wins whole (cluster shared, user shared-user),
     * and the "shared" cluster and "shared-user" user resolve to a's entries too */
    struct kubeconfig_overrides ov = { .context = "shared-ctx" };
    assert_int_equal(kubeconfig_load(&ov, &kc, err, sizeof(err)), 0);
    assert_string_equal(kc->cluster, "shared");
    assert_string_equal(kc->server, "https://shared-from-a.example");
    assert_string_equal(kc->tls_server_name, "shared-a");
    assert_false(kc->insecure_skip_tls_verify); /* b's insecure: yes is not merged in */
    assert_string_equal(kc->token, "token-from-a");
    assert_null(kc->token_file);
    kubeconfig_free(kc);

    /* reversed order: b's entries win */
    snprintf(env, sizeof(env), "%s:%s", b, a);
    setenv("KUBECONFIG", env, 1);
    assert_int_equal(kubeconfig_load(&ov, &kc, err, sizeof(err)), 0);
    assert_string_equal(kc->cluster, "cluster-b");
    assert_string_equal(kc->user, "bob");
    kubeconfig_free(kc);
    unsetenv("KUBECONFIG");
}

static void test_relative_paths(void **state)
{
    (void)state;
    char a[1024], want[1200];
    struct kubeconfig_overrides ov = { .context = "ctx-a" };
    struct kubeconfig *kc = NULL;
    char err[KG_ERRBUF] = "";
    fixture(a, sizeof(a), "multi/a/config");
    ov.kubeconfig = a;
    assert_int_equal(kubeconfig_load(&ov, &kc, err, sizeof(err)), 0);
    assert_string_equal(kc->namespace, "team-a");
    /* ../pki/ca.crt relative to multi/a/, cleaned like filepath.Join */
    fixture(want, sizeof(want), "multi/pki/ca.crt");
    assert_string_equal(kc->ca_file, want);
    assert_non_null(kc->ca_pem);
    assert_non_null(strstr((const char *)kc->ca_pem, "BEGIN CERTIFICATE"));
    fixture(want, sizeof(want), "multi/a/certs/alice.crt");
    assert_string_equal(kc->cert_file, want);
    assert_string_equal(
        (const char *)kc->cert_pem,
        "-----BEGIN CERTIFICATE-----\nYWxpY2UtY2VydA==\n-----END CERTIFICATE-----\n");
    fixture(want, sizeof(want), "multi/a/certs/alice.key");
    assert_string_equal(kc->key_file, want);
    assert_int_equal(kc->key_len, strlen("-----BEGIN PRIVATE KEY-----\nYWxpY2Uta2V5\n"
                                         "-----END PRIVATE KEY-----\n"));
    assert_null(kc->token);
    kubeconfig_free(kc);

    /* a relative kubeconfig path resolves against the working directory */
    char cwd[1024];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    fixture(want, sizeof(want), "multi");
    assert_int_equal(chdir(want), 0);
    ov.kubeconfig = "a/config";
    assert_int_equal(kubeconfig_load(&ov, &kc, err, sizeof(err)), 0);
    fixture(want, sizeof(want), "multi/pki/ca.crt");
    assert_string_equal(kc->ca_file, want);
    kubeconfig_free(kc);
    assert_int_equal(chdir(cwd), 0);
}

static void test_home_default(void **state)
{
    (void)state;
    struct kubeconfig *kc = NULL;
    char err[KG_ERRBUF] = "";
    /* no file at all: the empty-config error */
    assert_int_equal(kubeconfig_load(NULL, &kc, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "invalid configuration: no configuration has been provided, try "
                             "setting KUBERNETES_MASTER environment variable");
    assert_true(kubeconfig_is_empty_error(err));
    put(".kube/config", "clusters:\n- name: h\n  cluster: {server: https://home.example}\n"
                        "contexts:\n- name: h\n  context: {cluster: h}\ncurrent-context: h\n");
    assert_int_equal(kubeconfig_load(NULL, &kc, err, sizeof(err)), 0);
    assert_string_equal(kc->server, "https://home.example");
    assert_string_equal(kc->user, "");
    kubeconfig_free(kc);
    /* KUBERNETES_MASTER is the default server when nothing names one */
    put(".kube/config", "");
    setenv("KUBERNETES_MASTER", "https://master.example:6443", 1);
    assert_int_equal(kubeconfig_load(NULL, &kc, err, sizeof(err)), 0);
    assert_string_equal(kc->server, "https://master.example:6443");
    kubeconfig_free(kc);
    unsetenv("KUBERNETES_MASTER");
}

static void test_json_fixture(void **state)
{
    (void)state;
    char p[1024];
    struct kubeconfig_overrides ov = { 0 };
    struct kubeconfig *kc = NULL;
    char err[KG_ERRBUF] = "";
    fixture(p, sizeof(p), "json.kubeconfig");
    ov.kubeconfig = p;
    assert_int_equal(kubeconfig_load(&ov, &kc, err, sizeof(err)), 0);
    assert_string_equal(kc->server, "https://j.example");
    assert_int_equal(kc->ca_len, 3);
    assert_memory_equal(kc->ca_pem, "ABC", 3);
    assert_null(kc->ca_file);
    assert_string_equal(kc->token, "json-token");
    assert_string_equal(kc->namespace, "json-ns");
    kubeconfig_free(kc);
}

/* ---- selection and validation errors ---- */

static const char base_cfg[] = "clusters:\n"
                               "- name: c\n"
                               "  cluster: {server: \"https://c.example:6443\"}\n"
                               "- name: noserver\n"
                               "  cluster: {tls-server-name: x}\n"
                               "users:\n"
                               "- name: u\n"
                               "  user: {token: tok}\n"
                               "contexts:\n"
                               "- name: good\n"
                               "  context: {cluster: c, user: u, namespace: ns1}\n"
                               "- name: nocluster\n"
                               "  context: {cluster: gone, user: u}\n"
                               "- name: noserver\n"
                               "  context: {cluster: noserver, user: u}\n"
                               "- name: nouser\n"
                               "  context: {cluster: c, user: ghost}\n"
                               "current-context: good\n";

static void test_missing_context_cluster_user(void **state)
{
    (void)state;
    struct kubeconfig_overrides ov = { 0 };
    struct kubeconfig *kc = NULL;
    char err[KG_ERRBUF];

    ov.context = "zz";
    assert_int_equal(load_yaml(base_cfg, &ov, &kc, err), -EINVAL);
    assert_null(kc);
    assert_string_equal(err, "context \"zz\" does not exist");

    memset(&ov, 0, sizeof(ov));
    ov.cluster = "zz";
    assert_int_equal(load_yaml(base_cfg, &ov, &kc, err), -EINVAL);
    assert_string_equal(err, "cluster \"zz\" does not exist");

    memset(&ov, 0, sizeof(ov));
    ov.user = "zz";
    assert_int_equal(load_yaml(base_cfg, &ov, &kc, err), -EINVAL);
    assert_string_equal(err, "auth info \"zz\" does not exist");

    /* current-context naming a missing context: ConfirmUsable's aggregate */
    assert_int_equal(load_yaml("clusters:\n- name: c\n  cluster: {server: https://x}\n"
                               "current-context: missing\n",
                               NULL, &kc, err),
                     -EINVAL);
    assert_string_equal(err, "invalid configuration: [context was not found for specified "
                             "context: missing, cluster has no server defined]");

    /* a context whose cluster does not exist: only the empty cluster -> the empty-config text */
    memset(&ov, 0, sizeof(ov));
    ov.context = "nocluster";
    assert_int_equal(load_yaml(base_cfg, &ov, &kc, err), -EINVAL);
    assert_true(kubeconfig_is_empty_error(err));

    ov.context = "noserver";
    assert_int_equal(load_yaml(base_cfg, &ov, &kc, err), -EINVAL);
    assert_string_equal(err, "invalid configuration: no server found for cluster \"noserver\"");

    /* a context naming a missing user is usable (anonymous), as in client-go */
    ov.context = "nouser";
    assert_int_equal(load_yaml(base_cfg, &ov, &kc, err), 0);
    assert_string_equal(kc->user, "ghost");
    assert_null(kc->token);
    kubeconfig_free(kc);

    /* --cluster/--user switch away from the context's */
    ov.context = "nouser";
    ov.user = "u";
    assert_int_equal(load_yaml(base_cfg, &ov, &kc, err), 0);
    assert_string_equal(kc->token, "tok");
    assert_string_equal(kc->server, "https://c.example:6443");
    kubeconfig_free(kc);
}

static void test_validation_texts(void **state)
{
    (void)state;
    struct kubeconfig *kc = NULL;
    char err[KG_ERRBUF], want[KG_ERRBUF];

    assert_int_equal(load_yaml("clusters:\n- name: c\n  cluster: {server: https://c}\n"
                               "users:\n- name: u1\n  user: {token: abc, username: bob}\n"
                               "contexts:\n- name: x\n  context: {cluster: c, user: u1}\n"
                               "current-context: x\n",
                               NULL, &kc, err),
                     -EINVAL);
    assert_string_equal(err, "invalid configuration: more than one authentication method found "
                             "for u1; found [token basicAuth], only one is allowed");

    assert_int_equal(load_yaml("clusters:\n- name: c\n  cluster: {server: https://c}\n"
                               "users:\n- name: u2\n  user: {client-certificate-data: QUJD}\n"
                               "contexts:\n- name: x\n  context: {cluster: c, user: u2}\n"
                               "current-context: x\n",
                               NULL, &kc, err),
                     -EINVAL);
    assert_string_equal(err, "invalid configuration: client-key-data or client-key must be "
                             "specified for u2 to use the clientCert authentication method.");

    assert_int_equal(load_yaml("clusters:\n- name: c1\n  cluster:\n    server: https://c\n"
                               "    certificate-authority: nofile.crt\n"
                               "    proxy-url: ftp://x\n"
                               "contexts:\n- name: z\n  context: {cluster: c1}\n"
                               "current-context: z\n",
                               NULL, &kc, err),
                     -EINVAL);
    snprintf(want, sizeof(want),
             "invalid configuration: [invalid 'proxy-url' \"ftp://x\" for cluster \"c1\": "
             "unsupported scheme \"ftp\", must be http, https, or socks5, unable to read "
             "certificate-authority %s/nofile.crt for c1 due to open %s/nofile.crt: no such "
             "file or directory]",
             tmpdir, tmpdir);
    assert_string_equal(err, want);

    assert_int_equal(load_yaml("clusters:\n- name: c\n  cluster:\n    server: https://c\n"
                               "    certificate-authority: ca.crt\n"
                               "    certificate-authority-data: QUJD\n"
                               "contexts:\n- name: z\n  context: {cluster: c}\n"
                               "current-context: z\n",
                               NULL, &kc, err),
                     -EINVAL);
    assert_non_null(strstr(err, "certificate-authority-data and certificate-authority are both "
                                "specified for c. certificate-authority-data will override."));

    /* insecure with a CA: client-go's transport refuses it */
    assert_int_equal(load_yaml("clusters:\n- name: c\n  cluster:\n    server: https://c\n"
                               "    insecure-skip-tls-verify: true\n"
                               "    certificate-authority-data: QUJD\n"
                               "contexts:\n- name: z\n  context: {cluster: c}\n"
                               "current-context: z\n",
                               NULL, &kc, err),
                     -EINVAL);
    assert_string_equal(
        err, "specifying a root certificates file with the insecure flag is not allowed");

    /* a missing tokenFile names the file and field */
    assert_int_equal(load_yaml("clusters:\n- name: c\n  cluster: {server: https://c}\n"
                               "users:\n- name: u\n  user: {tokenFile: sub/none}\n"
                               "contexts:\n- name: z\n  context: {cluster: c, user: u}\n"
                               "current-context: z\n",
                               NULL, &kc, err),
                     -ENOENT);
    snprintf(want, sizeof(want),
             "%s/config: users[0].user.tokenFile: open %s/sub/none: no such file or directory",
             tmpdir, tmpdir);
    assert_string_equal(err, want);

    /* an empty file is an empty configuration */
    assert_int_equal(load_yaml("# nothing here\n", NULL, &kc, err), -EINVAL);
    assert_true(kubeconfig_is_empty_error(err));
}

static void test_field_errors(void **state)
{
    (void)state;
    struct kubeconfig *kc = NULL;
    char err[KG_ERRBUF], want[KG_ERRBUF], p[1024];
    struct kubeconfig_overrides ov = { 0 };

    fixture(p, sizeof(p), "bad-base64.yaml");
    ov.kubeconfig = p;
    assert_int_equal(kubeconfig_load(&ov, &kc, err, sizeof(err)), -EINVAL);
    snprintf(want, sizeof(want),
             "%s: users[0].user.client-certificate-data: illegal base64 data at input byte 12", p);
    assert_string_equal(err, want);

    /* a number where a string belongs (kubectl: cannot unmarshal number ... of type string) */
    assert_int_equal(load_yaml("users:\n- name: u\n  user:\n    token: 123\n", NULL, &kc, err),
                     -EINVAL);
    snprintf(want, sizeof(want), "%s/config: users[0].user.token: expected a string, got a number",
             tmpdir);
    assert_string_equal(err, want);

    /* YAML 1.1: a plain y is a boolean (kubectl rejects `name: y` the same way) */
    assert_int_equal(load_yaml("contexts:\n- name: y\n  context: {}\n", NULL, &kc, err), -EINVAL);
    snprintf(want, sizeof(want), "%s/config: contexts[0].name: expected a string, got a boolean",
             tmpdir);
    assert_string_equal(err, want);

    /* quoted, it is a string; 0x1F and 1_000 are numbers, 1.2.3 is a string */
    assert_int_equal(
        load_yaml("clusters:\n- name: \"y\"\n  cluster: {server: 0x1F}\n", NULL, &kc, err),
        -EINVAL);
    assert_non_null(strstr(err, "clusters[0].cluster.server: expected a string, got a number"));
    assert_int_equal(
        load_yaml("clusters:\n- name: a\n  cluster: {server: 1_000}\n", NULL, &kc, err), -EINVAL);
    assert_non_null(strstr(err, "got a number"));

    /* a boolean field given a quoted string */
    assert_int_equal(load_yaml("clusters:\n- name: a\n  cluster: {insecure-skip-tls-verify: "
                               "\"true\"}\n",
                               NULL, &kc, err),
                     -EINVAL);
    assert_non_null(strstr(err, "clusters[0].cluster.insecure-skip-tls-verify: expected a "
                                "boolean (true or false), got a string"));

    /* wrong shapes */
    assert_int_equal(load_yaml("clusters: {a: b}\n", NULL, &kc, err), -EINVAL);
    assert_non_null(strstr(err, "config: clusters: expected a sequence, got a mapping"));
    assert_int_equal(load_yaml("users:\n- just-a-string\n", NULL, &kc, err), -EINVAL);
    assert_non_null(strstr(err, "users[0]: expected a mapping, got a string"));
    assert_int_equal(load_yaml("users:\n- name: u\n  user: [1]\n", NULL, &kc, err), -EINVAL);
    assert_non_null(strstr(err, "users[0].user: expected a mapping, got a sequence"));
    assert_int_equal(load_yaml("- a\n- b\n", NULL, &kc, err), -EINVAL);
    assert_non_null(strstr(err, "expected a mapping at the top level, got a sequence"));

    /* duplicate names within one file */
    assert_int_equal(load_yaml("contexts:\n- name: z\n  context: {}\n- name: z\n  context: {}\n",
                               NULL, &kc, err),
                     -EINVAL);
    assert_non_null(strstr(err, "contexts[1].name: duplicate name \"z\" in list"));

    /* YAML syntax */
    assert_int_equal(load_yaml("clusters:\n  - name: a\n   bad: [\n", NULL, &kc, err), -EINVAL);
    assert_non_null(strstr(err, "config: yaml: line "));

    /* kind/apiVersion */
    assert_int_equal(load_yaml("apiVersion: v1\nkind: Pod\n", NULL, &kc, err), -EINVAL);
    assert_non_null(strstr(err, "no kind \"Pod\" is registered for version \"v1\""));

    /* unknown fields are ignored, null values are empty */
    assert_int_equal(load_yaml("preferences: {colors: true}\nextra: [1, 2]\n"
                               "clusters:\n- name: c\n  cluster:\n    server: https://c\n"
                               "    certificate-authority-data: null\n    whatever: 1\n"
                               "contexts:\n- name: z\n  context: {cluster: c, namespace: ~}\n"
                               "current-context: z\n",
                               NULL, &kc, err),
                     0);
    assert_null(kc->ca_pem);
    assert_string_equal(kc->namespace, "default");
    kubeconfig_free(kc);

    /* anchors and aliases resolve */
    assert_int_equal(load_yaml("clusters:\n- name: c\n  cluster: &cl {server: https://alias}\n"
                               "- name: d\n  cluster: *cl\n"
                               "contexts:\n- name: z\n  context: {cluster: d}\n"
                               "current-context: z\n",
                               NULL, &kc, err),
                     0);
    assert_string_equal(kc->server, "https://alias");
    kubeconfig_free(kc);
}

static void test_exec_user_rejected(void **state)
{
    (void)state;
    char p[1024], want[KG_ERRBUF];
    struct kubeconfig_overrides ov = { 0 };
    struct kubeconfig *kc = NULL;
    char err[KG_ERRBUF];
    fixture(p, sizeof(p), "exec-user.yaml");
    ov.kubeconfig = p;
    assert_int_equal(kubeconfig_load(&ov, &kc, err, sizeof(err)), -ENOTSUP);
    assert_null(kc);
    snprintf(want, sizeof(want),
             "%s: users[0].user.exec: user \"cloud-user\" authenticates with an exec credential "
             "plugin, which is not supported by kgauge; give it a client certificate or a "
             "token instead",
             p);
    assert_string_equal(err, want);

    assert_int_equal(load_yaml("clusters:\n- name: c\n  cluster: {server: https://c}\n"
                               "users:\n- name: gcp\n  user:\n    auth-provider: {name: gcp}\n"
                               "contexts:\n- name: z\n  context: {cluster: c, user: gcp}\n"
                               "current-context: z\n",
                               NULL, &kc, err),
                     -ENOTSUP);
    assert_non_null(strstr(err, "users[0].user.auth-provider: user \"gcp\""));
}

static void test_overrides(void **state)
{
    (void)state;
    struct kubeconfig_overrides ov = { 0 };
    struct kubeconfig *kc = NULL;
    char err[KG_ERRBUF];
    const char *ca = put("ca.pem", "CA-FROM-FLAG\n");
    const char *cfg = "clusters:\n- name: c\n  cluster:\n    server: https://c.example\n"
                      "    tls-server-name: from-config\n"
                      "    certificate-authority-data: QUJD\n"
                      "users:\n- name: u\n  user:\n    token: config-token\n"
                      "contexts:\n- name: z\n  context: {cluster: c, user: u, namespace: cfg-ns}\n"
                      "current-context: z\n";

    /* --server replaces the server and clears tls-server-name */
    ov.server = "https://override.example:8443";
    ov.namespace = "flag-ns";
    ov.token = "flag-token";
    assert_int_equal(load_yaml(cfg, &ov, &kc, err), 0);
    assert_string_equal(kc->server, "https://override.example:8443");
    assert_null(kc->tls_server_name);
    assert_string_equal(kc->namespace, "flag-ns");
    assert_string_equal(kc->token, "flag-token");
    assert_memory_equal(kc->ca_pem, "ABC", 3);
    kubeconfig_free(kc);

    /* --insecure-skip-tls-verify clears the configured CA data */
    memset(&ov, 0, sizeof(ov));
    ov.insecure_skip_tls_verify = 1;
    assert_int_equal(load_yaml(cfg, &ov, &kc, err), 0);
    assert_true(kc->insecure_skip_tls_verify);
    assert_null(kc->ca_pem);
    assert_string_equal(kc->tls_server_name, "from-config");
    assert_string_equal(kc->namespace, "cfg-ns");
    kubeconfig_free(kc);

    /* --certificate-authority replaces the CA data */
    memset(&ov, 0, sizeof(ov));
    ov.certificate_authority = ca;
    ov.tls_server_name = "flag-sni";
    assert_int_equal(load_yaml(cfg, &ov, &kc, err), 0);
    assert_string_equal((const char *)kc->ca_pem, "CA-FROM-FLAG\n");
    assert_string_equal(kc->ca_file, ca);
    assert_string_equal(kc->tls_server_name, "flag-sni");
    kubeconfig_free(kc);

    /* --server alone with no configuration at all */
    memset(&ov, 0, sizeof(ov));
    ov.server = "https://only-flag.example";
    ov.kubeconfig = put("empty", "");
    assert_int_equal(kubeconfig_load(&ov, &kc, err, sizeof(err)), 0);
    assert_string_equal(kc->server, "https://only-flag.example");
    assert_string_equal(kc->namespace, "default");
    kubeconfig_free(kc);
}

static void test_plain_http_and_scheme(void **state)
{
    (void)state;
    struct kubeconfig *kc = NULL;
    char err[KG_ERRBUF];
    /* client-go reads credentials only for TLS servers */
    assert_int_equal(load_yaml("clusters:\n- name: c\n  cluster: {server: \"http://c:8080\"}\n"
                               "users:\n- name: u\n  user: {token: t}\n"
                               "contexts:\n- name: z\n  context: {cluster: c, user: u}\n"
                               "current-context: z\n",
                               NULL, &kc, err),
                     0);
    assert_false(kc->tls);
    assert_null(kc->token);
    kubeconfig_free(kc);
    /* a bare host:port is http (DefaultServerURL with no TLS configured yet) */
    assert_int_equal(load_yaml("clusters:\n- name: c\n  cluster: {server: \"10.0.0.1:6443\"}\n"
                               "contexts:\n- name: z\n  context: {cluster: c}\n"
                               "current-context: z\n",
                               NULL, &kc, err),
                     0);
    assert_string_equal(kc->server, "http://10.0.0.1:6443");
    kubeconfig_free(kc);
    /* a path prefix keeps, its query goes */
    assert_int_equal(load_yaml("clusters:\n- name: c\n  cluster: {server: "
                               "\"https://h/k8s/clusters/c-1?x=1\"}\n"
                               "contexts:\n- name: z\n  context: {cluster: c}\n"
                               "current-context: z\n",
                               NULL, &kc, err),
                     0);
    assert_string_equal(kc->server, "https://h/k8s/clusters/c-1");
    assert_true(kc->tls);
    kubeconfig_free(kc);
}

static void test_load_data_and_limits(void **state)
{
    (void)state;
    struct kubeconfig *kc = NULL;
    char err[KG_ERRBUF];
    static const char doc[] = "clusters:\n- name: c\n  cluster: {server: https://m}\n"
                              "contexts:\n- name: z\n  context: {cluster: c}\n"
                              "current-context: z\n";
    assert_int_equal(kubeconfig_load_data(doc, strlen(doc), NULL, NULL, &kc, err, sizeof(err)), 0);
    assert_string_equal(kc->server, "https://m");
    kubeconfig_free(kc);
    assert_int_equal(kubeconfig_load_data("users: [", 8, "mem.yaml", NULL, &kc, err, sizeof(err)),
                     -EINVAL);
    assert_non_null(strstr(err, "mem.yaml: yaml: line"));

    /* invalid UTF-8 is refused before parsing (libfyaml 0.7.12 hangs on "%\x9d") */
    assert_int_equal(kubeconfig_load_data("%\x9d", 2, "u.yaml", NULL, &kc, err, sizeof(err)),
                     -EINVAL);
    assert_string_equal(err, "u.yaml: yaml: invalid UTF-8 at byte 1");
    assert_int_equal(kubeconfig_load_data("a: \xc0\xaf", 5, "u.yaml", NULL, &kc, err, sizeof(err)),
                     -EINVAL);
    assert_string_equal(err, "u.yaml: yaml: invalid UTF-8 at byte 3");
    assert_int_equal(
        kubeconfig_load_data("a: \xe2\x82\xac", 6, "u.yaml", NULL, &kc, err, sizeof(err)), -EINVAL);
    assert_true(kubeconfig_is_empty_error(err)); /* valid UTF-8 (the euro sign) parses */

    /* a file over KG_MAX_CONFIG_FILE (sparse, so the test stays fast) */
    const char *big = put("big", "");
    assert_int_equal(truncate(big, (off_t)KG_MAX_CONFIG_FILE + 1), 0);
    struct kubeconfig_overrides ov = { .kubeconfig = big };
    assert_int_equal(kubeconfig_load(&ov, &kc, err, sizeof(err)), -E2BIG);
    assert_non_null(strstr(err, "error loading config file"));
    assert_non_null(strstr(err, "larger than"));

    /* a directory named by --kubeconfig */
    ov.kubeconfig = tmpdir;
    assert_int_equal(kubeconfig_load(&ov, &kc, err, sizeof(err)), -EISDIR);
    char want[KG_ERRBUF];
    snprintf(want, sizeof(want), "error loading config file \"%s\": read %s: is a directory",
             tmpdir, tmpdir);
    assert_string_equal(err, want);
}

/* ---- in-cluster and token rotation ---- */

static void write_token(const char *path, const char *tok)
{
    char tmp[600];
    FILE *f;
    snprintf(tmp, sizeof(tmp), "%s.new", path);
    f = fopen(tmp, "w");
    assert_non_null(f);
    fputs(tok, f);
    fclose(f);
    assert_int_equal(rename(tmp, path), 0); /* atomic swap, as kubelet's projected volumes */
}

static void test_in_cluster(void **state)
{
    (void)state;
    char sa[512], tokp[600], ca[1024];
    struct kubeconfig *kc = NULL;
    char err[KG_ERRBUF], tok[256];
    FILE *src, *dst;
    int c;

    assert_int_equal(kubeconfig_in_cluster(NULL, &kc, err, sizeof(err)), -ENXIO);
    assert_string_equal(err, "unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST "
                             "and KUBERNETES_SERVICE_PORT must be defined");
    assert_false(kubeconfig_in_cluster_possible(NULL));

    snprintf(sa, sizeof(sa), "%s/sa", tmpdir);
    mkdir(sa, 0700);
    snprintf(tokp, sizeof(tokp), "%s/token", sa);
    setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
    setenv("KUBERNETES_SERVICE_PORT", "443", 1);

    /* token missing: the read error */
    assert_int_equal(kubeconfig_in_cluster(sa, &kc, err, sizeof(err)), -ENOENT);
    char want[KG_ERRBUF];
    snprintf(want, sizeof(want), "open %s: no such file or directory", tokp);
    assert_string_equal(err, want);

    write_token(tokp, "  token-one\n");
    fixture(ca, sizeof(ca), "ca.crt");
    src = fopen(ca, "r");
    assert_non_null(src);
    snprintf(ca, sizeof(ca), "%s/ca.crt", sa);
    dst = fopen(ca, "w");
    assert_non_null(dst);
    while ((c = fgetc(src)) != EOF)
        fputc(c, dst);
    fclose(src);
    fclose(dst);
    put("sa/namespace", "kube-system\n");

    setenv("KGAUGE_SA_DIR", sa, 1);
    assert_true(kubeconfig_in_cluster_possible(NULL));
    assert_int_equal(kubeconfig_in_cluster(NULL, &kc, err, sizeof(err)), 0);
    assert_string_equal(kc->server, "https://[fd00::1]:443");
    assert_true(kc->in_cluster);
    assert_string_equal(kc->namespace, "kube-system");
    assert_string_equal(kc->token, "token-one");
    assert_string_equal(kc->ca_file, ca);
    assert_non_null(kc->ca_pem);

    /* rotation: first call reads */
    int64_t t0 = 1000 * SEC;
    assert_int_equal(kubeconfig_bearer_token(kc, t0, tok, sizeof(tok), err, sizeof(err)), 0);
    assert_string_equal(tok, "token-one");
    /* the file is replaced: picked up at once */
    write_token(tokp, "token-two-longer\n");
    assert_int_equal(kubeconfig_bearer_token(kc, t0 + SEC, tok, sizeof(tok), err, sizeof(err)), 0);
    assert_string_equal(tok, "token-two-longer");
    /* same size, same mtime, different bytes: the cache holds until the period elapses */
    struct stat st;
    assert_int_equal(stat(tokp, &st), 0);
    int fd = open(tokp, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, "TOKEN", 5, 0), 5);
    close(fd);
    struct timespec ts[2] = { st.st_atim, st.st_mtim };
    assert_int_equal(utimensat(AT_FDCWD, tokp, ts, 0), 0);
    assert_int_equal(kubeconfig_bearer_token(kc, t0 + 49 * SEC, tok, sizeof(tok), err, sizeof(err)),
                     0);
    assert_string_equal(tok, "token-two-longer");
    assert_int_equal(kubeconfig_bearer_token(kc, t0 + SEC + KG_KUBECONFIG_TOKEN_REREAD_NS, tok,
                                             sizeof(tok), err, sizeof(err)),
                     0);
    assert_string_equal(tok, "TOKEN-two-longer");
    /* the file disappears: the last good token is kept */
    assert_int_equal(unlink(tokp), 0);
    assert_int_equal(
        kubeconfig_bearer_token(kc, t0 + 200 * SEC, tok, sizeof(tok), err, sizeof(err)), 0);
    assert_string_equal(tok, "TOKEN-two-longer");
    /* too small an output buffer */
    assert_int_equal(kubeconfig_bearer_token(kc, t0 + 200 * SEC, tok, 4, err, sizeof(err)), -E2BIG);
    /* the rest_token_cb wrapper */
    write_token(tokp, "cb-token");
    assert_int_equal(kubeconfig_token_cb(kc, tok, sizeof(tok)), 0);
    assert_string_equal(tok, "cb-token");
    kubeconfig_free(kc);

    /* POD_NAMESPACE wins; a CA file without certificates is dropped (system roots) */
    put("sa/ca.crt", "not a certificate\n");
    setenv("POD_NAMESPACE", "from-env", 1);
    setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
    assert_int_equal(kubeconfig_in_cluster(sa, &kc, err, sizeof(err)), 0);
    assert_string_equal(kc->server, "https://10.96.0.1:443");
    assert_string_equal(kc->namespace, "from-env");
    assert_null(kc->ca_pem);
    kubeconfig_free(kc);
    unsetenv("POD_NAMESPACE");

    /* an empty token file is refused */
    write_token(tokp, " \n");
    assert_int_equal(kubeconfig_in_cluster(sa, &kc, err, sizeof(err)), -EINVAL);
    snprintf(want, sizeof(want), "read empty token from file \"%s\"", tokp);
    assert_string_equal(err, want);

    /* deferred loading: an empty kubeconfig falls back to in-cluster, flags on top */
    write_token(tokp, "sa-token");
    setenv("KUBECONFIG", "/nonexistent-kgauge", 1);
    struct kubeconfig_overrides ov = { .namespace = "flag-ns" };
    assert_int_equal(kubeconfig_load_auto(&ov, &kc, err, sizeof(err)), 0);
    assert_true(kc->in_cluster);
    assert_string_equal(kc->namespace, "flag-ns");
    assert_int_equal(kubeconfig_bearer_token(kc, 0, tok, sizeof(tok), err, sizeof(err)), 0);
    assert_string_equal(tok, "sa-token");
    kubeconfig_free(kc);
    /* a real error is not masked by in-cluster */
    ov.context = "nope";
    assert_int_equal(kubeconfig_load_auto(&ov, &kc, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "context \"nope\" does not exist");

    unsetenv("KUBECONFIG");
    unsetenv("KGAUGE_SA_DIR");
    unsetenv("KUBERNETES_SERVICE_HOST");
    unsetenv("KUBERNETES_SERVICE_PORT");
}

static void test_token_file_kubeconfig(void **state)
{
    (void)state;
    struct kubeconfig *kc = NULL;
    char err[KG_ERRBUF], tok[128];
    const char *tp = put("tok", "file-token\n");
    /* token and tokenFile: the file is preferred at request time, the token is the fallback */
    assert_int_equal(load_yaml("clusters:\n- name: c\n  cluster: {server: https://c}\n"
                               "users:\n- name: u\n  user: {token: static, tokenFile: tok}\n"
                               "contexts:\n- name: z\n  context: {cluster: c, user: u}\n"
                               "current-context: z\n",
                               NULL, &kc, err),
                     0);
    assert_string_equal(kc->token, "static");
    assert_string_equal(kc->token_file, tp);
    assert_int_equal(kubeconfig_bearer_token(kc, 0, tok, sizeof(tok), err, sizeof(err)), 0);
    assert_string_equal(tok, "file-token");
    unlink(tp);
    assert_int_equal(kubeconfig_bearer_token(kc, 100 * SEC, tok, sizeof(tok), err, sizeof(err)), 0);
    assert_string_equal(tok, "file-token");
    kubeconfig_free(kc);

    /* no token at all */
    assert_int_equal(load_yaml("clusters:\n- name: c\n  cluster: {server: https://c}\n"
                               "contexts:\n- name: z\n  context: {cluster: c}\n"
                               "current-context: z\n",
                               NULL, &kc, err),
                     0);
    assert_int_equal(kubeconfig_bearer_token(kc, 0, tok, sizeof(tok), err, sizeof(err)), 0);
    assert_string_equal(tok, "");
    kubeconfig_free(kc);
}

/* ---- writer ---- */

static int run(const char *cmd, char *out, size_t outlen)
{
    FILE *p = popen(cmd, "r");
    size_t n;
    if (p == NULL)
        return -1;
    n = fread(out, 1, outlen - 1, p);
    out[n] = '\0';
    return pclose(p);
}

static void test_writer_roundtrip(void **state)
{
    (void)state;
    static const char ca[] = "-----BEGIN CERTIFICATE-----\nQ0E=\n-----END CERTIFICATE-----\n";
    static const char cert[] = "-----BEGIN CERTIFICATE-----\nQ0VSVA==\n-----END CERTIFICATE-----\n";
    static const char key[] = "-----BEGIN PRIVATE KEY-----\nS0VZ\n-----END PRIVATE KEY-----\n";
    struct kubeconfig_spec spec = {
        .cluster_name = "kgauge-sim",
        .server = "https://127.0.0.1:39443",
        .ca_pem = ca,
        .ca_len = sizeof(ca) - 1,
        .user_name = "admin",
        .cert_pem = cert,
        .cert_len = sizeof(cert) - 1,
        .key_pem = key,
        .key_len = sizeof(key) - 1,
        .context_name = "kgauge",
        .namespace = "default",
    };
    char path[512], err[KG_ERRBUF], out[8192], cmd[1200];
    struct kubeconfig *kc = NULL;
    struct stat st;
    struct buf b;

    snprintf(path, sizeof(path), "%s/admin.kubeconfig", tmpdir);
    assert_int_equal(kubeconfig_write_file(&spec, path, err, sizeof(err)), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    struct kubeconfig_overrides ov = { .kubeconfig = path };
    assert_int_equal(kubeconfig_load(&ov, &kc, err, sizeof(err)), 0);
    assert_string_equal(kc->server, spec.server);
    assert_string_equal(kc->context, "kgauge");
    assert_string_equal(kc->cluster, "kgauge-sim");
    assert_string_equal(kc->user, "admin");
    assert_int_equal(kc->ca_len, sizeof(ca) - 1);
    assert_memory_equal(kc->ca_pem, ca, sizeof(ca) - 1);
    assert_memory_equal(kc->cert_pem, cert, sizeof(cert) - 1);
    assert_memory_equal(kc->key_pem, key, sizeof(key) - 1);
    kubeconfig_free(kc);

    /* the real kubectl accepts it (skipped when kubectl is not installed) */
    if (system("kubectl version --client >/dev/null 2>&1") == 0) {
        snprintf(cmd, sizeof(cmd), "kubectl config current-context --kubeconfig %s 2>&1", path);
        assert_int_equal(run(cmd, out, sizeof(out)), 0);
        assert_string_equal(out, "kgauge\n");
        snprintf(cmd, sizeof(cmd), "kubectl config view --kubeconfig %s --raw -o json 2>&1", path);
        assert_int_equal(run(cmd, out, sizeof(out)), 0);
        assert_non_null(strstr(out, "\"server\": \"https://127.0.0.1:39443\""));
        /* base64 of the CA PEM, computed independently (coreutils base64 -w0) */
        assert_non_null(strstr(out, "\"certificate-authority-data\": \"LS0tLS1CRUdJTiBDRVJUSUZJ"
                                    "Q0FURS0tLS0tClEwRT0KLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=\""));
        assert_non_null(strstr(out, "\"client-key-data\": \"LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0t"
                                    "ClMwVloKLS0tLS1FTkQgUFJJVkFURSBLRVktLS0tLQo=\""));
        assert_non_null(strstr(out, "\"namespace\": \"default\""));
        assert_non_null(strstr(out, "\"current-context\": \"kgauge\""));
    } else {
        print_message("kubectl not on PATH: skipping the kubectl acceptance check\n");
    }

    /* token user, names needing quotes */
    struct kubeconfig_spec t = { .cluster_name = "yes",
                                 .server = "https://[::1]:6443",
                                 .insecure_skip_tls_verify = 1,
                                 .user_name = "bot \"q\"",
                                 .token = "abc: def",
                                 .context_name = "123" };
    buf_init(&b, 65536);
    assert_int_equal(kubeconfig_write(&t, &b, err, sizeof(err)), 0);
    assert_int_equal(kubeconfig_load_data(b.ptr, b.len, NULL, NULL, &kc, err, sizeof(err)), 0);
    assert_string_equal(kc->cluster, "yes");
    assert_string_equal(kc->user, "bot \"q\"");
    assert_string_equal(kc->context, "123");
    assert_string_equal(kc->token, "abc: def");
    assert_true(kc->insecure_skip_tls_verify);
    kubeconfig_free(kc);
    if (system("kubectl version --client >/dev/null 2>&1") == 0) {
        const char *p2 = put("token.kubeconfig", buf_str(&b));
        snprintf(cmd, sizeof(cmd), "kubectl config current-context --kubeconfig %s 2>&1", p2);
        assert_int_equal(run(cmd, out, sizeof(out)), 0);
        assert_string_equal(out, "123\n");
        snprintf(cmd, sizeof(cmd), "kubectl config view --kubeconfig %s --raw -o json 2>&1", p2);
        assert_int_equal(run(cmd, out, sizeof(out)), 0);
        assert_non_null(strstr(out, "\"token\": \"abc: def\""));
        assert_non_null(strstr(out, "\"name\": \"bot \\\"q\\\"\""));
        assert_non_null(strstr(out, "\"insecure-skip-tls-verify\": true"));
    }
    buf_cleanup(&b);

    /* bad specs and a full buffer */
    struct kubeconfig_spec bad = t;
    bad.server = NULL;
    buf_init(&b, 65536);
    assert_int_equal(kubeconfig_write(&bad, &b, err, sizeof(err)), -EINVAL);
    bad = t;
    bad.cert_pem = cert;
    bad.cert_len = 3;
    assert_int_equal(kubeconfig_write(&bad, &b, err, sizeof(err)), -EINVAL);
    buf_cleanup(&b);
    buf_init(&b, 32);
    assert_int_equal(kubeconfig_write(&t, &b, err, sizeof(err)), -E2BIG);
    buf_cleanup(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_base64_go_offsets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_explicit_missing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_multi_file_merge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relative_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_home_default, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_fixture, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_context_cluster_user, setup, teardown),
        cmocka_unit_test_setup_teardown(test_validation_texts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_field_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_user_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overrides, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plain_http_and_scheme, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_data_and_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_in_cluster, setup, teardown),
        cmocka_unit_test_setup_teardown(test_token_file_kubeconfig, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writer_roundtrip, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
