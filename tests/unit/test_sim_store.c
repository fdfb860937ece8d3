/*
 * Unit tests for src/sim/store and src/sim/world: etcd key order, resourceVersions, add /
 * replace / delete, list queries (namespace, selectors, limit, continue start key, remaining
 * count) and the generated world (its composition is the contract in world.h and docs/sim.md:
 * per node a kube-proxy and a kindnet pod, two coredns pods, four namespaces).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kube/fields.h"
#include "kube/labels.h"
#include "sim/objects.h"
#include "sim/store.h"
#include "sim/world.h"
#include "util/alloc.h"

#define NOW INT64_C(1764000000000000000) /* 2025-11-24T16:00:00Z */

static struct sim_obj *mk_ns(const char *name)
{
    struct sim_namespace *ns = xcalloc(1, sizeof(*ns));
    ns->obj.kind = SIM_KIND_NAMESPACE;
    ns->obj.meta.name = xstrdup(name);
    ns->phase = "Active";
    return &ns->obj;
}

static struct sim_obj *mk_pod(const char *ns, const char *name, const char *node, const char *app)
{
    struct sim_pod *p = xcalloc(1, sizeof(*p));
    p->obj.kind = SIM_KIND_POD;
    p->obj.meta.name = xstrdup(name);
    p->obj.meta.namespace = xstrdup(ns);
    if (app)
        sim_meta_set_label(&p->obj.meta, "app", app);
    p->node_name = node ? xstrdup(node) : NULL;
    p->phase = node ? "Running" : "Pending";
    p->restart_policy = "Always";
    p->dns_policy = "ClusterFirst";
    p->scheduler_name = "default-scheduler";
    return &p->obj;
}

static void names(const struct store_page *pg, char *out, size_t outlen)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < pg->n; i++) {
        const struct sim_meta *m = &pg->items[i]->meta;
        len += (size_t)snprintf(out + len, outlen - len, "%s%s%s%s", i ? "," : "",
                                m->namespace ? m->namespace : "", m->namespace ? "/" : "", m->name);
    }
}

static void test_order_and_rv(void **state)
{
    (void)state;
    struct store *st = store_new();
    store_rdlock(st);
    assert_int_equal(store_rv(st), 1);
    store_unlock(st);
    /* etcd orders by the key "<ns>/<name>": "a-b/..." sorts before "a/..." ('-' < '/') */
    assert_int_equal(store_add(st, mk_pod("a", "x", "n1", "web")), 0);
    assert_int_equal(store_add(st, mk_pod("a-b", "x", "n1", "web")), 0);
    assert_int_equal(store_add(st, mk_pod("a", "b", "n2", "db")), 0);
    assert_int_equal(store_add(st, mk_pod("z", "a", NULL, NULL)), 0);
    assert_int_equal(store_add(st, mk_pod("a", "x", "n3", NULL)), -EEXIST);
    /* scope mismatches are rejected */
    struct sim_obj *bad = mk_ns("x");
    bad->meta.namespace = xstrdup("oops");
    assert_int_equal(store_add(st, bad), -EINVAL);
    assert_int_equal(store_add(st, mk_pod("", "x", NULL, NULL)), -EINVAL);

    store_rdlock(st);
    assert_int_equal(store_rv(st), 5);
    assert_int_equal(store_count(st, SIM_KIND_POD), 4);
    struct store_page pg;
    struct store_query q = { 0 };
    char buf[512];
    assert_int_equal(store_query(st, SIM_KIND_POD, &q, &pg), 0);
    names(&pg, buf, sizeof(buf));
    assert_string_equal(buf, "a-b/x,a/b,a/x,z/a");
    assert_false(pg.more);
    assert_int_equal(pg.rv, 5);
    assert_string_equal(pg.last_key, "z/a");
    store_page_cleanup(&pg);

    const struct sim_obj *o = store_get(st, SIM_KIND_POD, "a", "b");
    assert_non_null(o);
    assert_int_equal(o->meta.rv, 4);
    assert_null(store_get(st, SIM_KIND_POD, "a", "nope"));
    assert_null(store_get(st, SIM_KIND_POD, NULL, "b"));
    store_unlock(st);

    /* replace advances the rv; delete too */
    assert_int_equal(store_replace(st, mk_pod("a", "b", "n9", "db")), 0);
    assert_int_equal(store_replace(st, mk_pod("a", "missing", "n9", "db")), -ENOENT);
    store_rdlock(st);
    o = store_get(st, SIM_KIND_POD, "a", "b");
    assert_int_equal(o->meta.rv, 6);
    assert_string_equal(sim_as_pod(o)->node_name, "n9");
    store_unlock(st);
    assert_int_equal(store_delete(st, SIM_KIND_POD, "a", "b"), 0);
    assert_int_equal(store_delete(st, SIM_KIND_POD, "a", "b"), -ENOENT);
    store_rdlock(st);
    assert_int_equal(store_rv(st), 7);
    assert_int_equal(store_count(st, SIM_KIND_POD), 3);
    store_unlock(st);
    store_free(st);
}

static void test_query(void **state)
{
    (void)state;
    struct store *st = store_new();
    static const char *const ns_names[] = { "demo", "demo-2", "kube-system" };
    for (size_t n = 0; n < 3; n++) {
        for (int i = 0; i < 5; i++) {
            char name[32];
            snprintf(name, sizeof(name), "pod-%d", i);
            assert_int_equal(
                store_add(st, mk_pod(ns_names[n], name, i % 2 ? "n1" : "n2", i < 3 ? "web" : "db")),
                0);
        }
    }
    char buf[1024];
    struct store_page pg;
    store_rdlock(st);

    /* one namespace: exactly its objects, not those of "demo-2" */
    struct store_query q = { .ns = "demo" };
    store_query(st, SIM_KIND_POD, &q, &pg);
    names(&pg, buf, sizeof(buf));
    assert_string_equal(buf, "demo/pod-0,demo/pod-1,demo/pod-2,demo/pod-3,demo/pod-4");
    assert_string_equal(pg.last_key, "pod-4");
    store_page_cleanup(&pg);

    /* limit: a page, more, and the count of what follows (no selectors) */
    q = (struct store_query){ .ns = "demo", .limit = 2 };
    store_query(st, SIM_KIND_POD, &q, &pg);
    names(&pg, buf, sizeof(buf));
    assert_string_equal(buf, "demo/pod-0,demo/pod-1");
    assert_true(pg.more);
    assert_int_equal(pg.remaining, 3);
    assert_string_equal(pg.last_key, "pod-1");
    store_page_cleanup(&pg);

    /* the continue start key is the last key plus a NUL: the next page starts after it */
    q = (struct store_query){ .ns = "demo", .limit = 2, .start = "pod-1\0", .start_len = 6 };
    store_query(st, SIM_KIND_POD, &q, &pg);
    names(&pg, buf, sizeof(buf));
    assert_string_equal(buf, "demo/pod-2,demo/pod-3");
    assert_int_equal(pg.remaining, 1);
    store_page_cleanup(&pg);
    q.start = "pod-3\0";
    store_query(st, SIM_KIND_POD, &q, &pg);
    names(&pg, buf, sizeof(buf));
    assert_string_equal(buf, "demo/pod-4");
    assert_false(pg.more);
    assert_int_equal(pg.remaining, -1);
    store_page_cleanup(&pg);

    /* across namespaces the key includes the namespace */
    q = (struct store_query){ .limit = 6 };
    store_query(st, SIM_KIND_POD, &q, &pg);
    assert_int_equal(pg.n, 6);
    /* demo-2/... (5 of them) sorts before demo/... */
    assert_string_equal(pg.last_key, "demo/pod-0");
    assert_int_equal(pg.remaining, 9);
    store_page_cleanup(&pg);
    q.start = "demo/pod-0\0";
    q.start_len = 11;
    q.limit = 0;
    store_query(st, SIM_KIND_POD, &q, &pg);
    assert_int_equal(pg.n, 9);
    store_page_cleanup(&pg);

    /* selectors: labels and fields together; no remaining count with selectors */
    struct labels_selector *ls;
    struct fields_selector *fs;
    assert_int_equal(labels_selector_parse(&ls, "app=web", 7, NULL, 0), 0);
    assert_int_equal(fields_selector_parse(&fs, "spec.nodeName=n1", 16, NULL, 0), 0);
    q = (struct store_query){ .labels = ls, .fields = fs };
    store_query(st, SIM_KIND_POD, &q, &pg);
    names(&pg, buf, sizeof(buf));
    assert_string_equal(buf, "demo-2/pod-1,demo/pod-1,kube-system/pod-1");
    store_page_cleanup(&pg);
    q.limit = 1;
    store_query(st, SIM_KIND_POD, &q, &pg);
    assert_int_equal(pg.n, 1);
    assert_true(pg.more);
    assert_int_equal(pg.remaining, -1);
    store_page_cleanup(&pg);
    labels_selector_free(ls);
    fields_selector_free(fs);

    /* an empty collection */
    q = (struct store_query){ .limit = 5 };
    store_query(st, SIM_KIND_NODE, &q, &pg);
    assert_int_equal(pg.n, 0);
    assert_null(pg.last_key);
    store_page_cleanup(&pg);
    store_unlock(st);
    store_free(st);
}

static size_t count(struct store *st, enum sim_kind kind, const char *ns, const char *lsel,
                    const char *fsel)
{
    struct labels_selector *ls = NULL;
    struct fields_selector *fs = NULL;
    if (lsel)
        assert_int_equal(labels_selector_parse(&ls, lsel, strlen(lsel), NULL, 0), 0);
    if (fsel) {
        size_t n;
        const struct fields_allowed *allowed = obj_field_labels(kind, &n);
        assert_int_equal(fields_selector_parse(&fs, fsel, strlen(fsel), NULL, 0), 0);
        assert_int_equal(
            fields_selector_check(fs, allowed, n, FIELDS_REJECT_NOT_SUPPORTED, NULL, 0), 0);
    }
    struct store_query q = { .ns = ns, .labels = ls, .fields = fs };
    struct store_page pg;
    store_rdlock(st);
    store_query(st, kind, &q, &pg);
    size_t n = pg.n;
    store_page_cleanup(&pg);
    store_unlock(st);
    labels_selector_free(ls);
    fields_selector_free(fs);
    return n;
}

static void test_world(void **state)
{
    (void)state;
    char err[256];
    struct store *st = store_new();
    struct world_config wc = { .nodes = 3, .seed = 7, .now_ns = NOW };
    assert_int_equal(world_populate(st, &wc, err, sizeof(err)), 0);
    assert_int_equal(count(st, SIM_KIND_NAMESPACE, NULL, NULL, NULL), 4);
    assert_int_equal(count(st, SIM_KIND_NODE, NULL, NULL, NULL), 3);
    assert_int_equal(count(st, SIM_KIND_POD, NULL, NULL, NULL), 3 * 2 + 2);
    assert_int_equal(count(st, SIM_KIND_POD, "kube-system", NULL, NULL), 8);
    assert_int_equal(count(st, SIM_KIND_POD, "default", NULL, NULL), 0);
    assert_int_equal(count(st, SIM_KIND_POD, "kube-system", "k8s-app=kube-proxy", NULL), 3);
    assert_int_equal(count(st, SIM_KIND_POD, NULL, "k8s-app in (kindnet,kube-dns)", NULL), 5);
    assert_int_equal(count(st, SIM_KIND_POD, NULL, NULL, "spec.nodeName=sim-node-0002"), 3);
    assert_int_equal(count(st, SIM_KIND_POD, NULL, NULL, "spec.host=sim-node-0003"), 2);
    assert_int_equal(count(st, SIM_KIND_POD, NULL, NULL, "status.phase=Running"), 8);
    assert_int_equal(count(st, SIM_KIND_POD, NULL, NULL, "status.phase!=Running"), 0);
    assert_int_equal(count(st, SIM_KIND_POD, NULL, NULL, "spec.hostNetwork=true"), 6);
    assert_int_equal(count(st, SIM_KIND_POD, NULL, NULL, "status.podIP=127.1.0.1"), 2);
    assert_int_equal(count(st, SIM_KIND_POD, NULL, NULL, "metadata.namespace=kube-system"), 8);
    assert_int_equal(count(st, SIM_KIND_POD, NULL, NULL, "spec.serviceAccountName=coredns"), 2);
    assert_int_equal(count(st, SIM_KIND_NODE, NULL, NULL, "metadata.name=sim-node-0002"), 1);
    assert_int_equal(count(st, SIM_KIND_NODE, NULL, NULL, "spec.unschedulable=false"), 3);
    assert_int_equal(count(st, SIM_KIND_NODE, NULL, "kubernetes.io/hostname=sim-node-0001", NULL),
                     1);
    assert_int_equal(count(st, SIM_KIND_NAMESPACE, NULL, NULL, "status.phase=Active"), 4);

    store_rdlock(st);
    const struct sim_obj *o = store_get(st, SIM_KIND_NODE, NULL, "sim-node-0003");
    assert_non_null(o);
    const struct sim_node *n = sim_as_node(o);
    assert_string_equal(n->internal_ip, "127.1.0.3");
    assert_string_equal(n->pod_cidr, "10.64.2.0/24");
    assert_string_equal(n->kubelet_version, KG_SIM_DEFAULT_KUBELET_VERSION);
    assert_int_equal(o->meta.created_ns, NOW);
    store_unlock(st);
    store_free(st);
}

static char *pod_names(uint64_t seed, unsigned nodes)
{
    char err[256];
    struct store *st = store_new();
    struct world_config wc = {
        .nodes = nodes, .seed = seed, .now_ns = NOW, .kubelet_version = "v1.30.2"
    };
    assert_int_equal(world_populate(st, &wc, err, sizeof(err)), 0);
    struct store_query q = { 0 };
    struct store_page pg;
    char *out = xmalloc(65536);
    store_rdlock(st);
    store_query(st, SIM_KIND_POD, &q, &pg);
    names(&pg, out, 65536);
    size_t len = strlen(out);
    for (size_t i = 0; i < pg.n; i++)
        len += (size_t)snprintf(out + len, 65536 - len, ";%s", pg.items[i]->meta.uid);
    const struct sim_node *n = sim_as_node(store_get(st, SIM_KIND_NODE, NULL, "sim-node-0001"));
    assert_string_equal(n->kubelet_version, "v1.30.2");
    store_page_cleanup(&pg);
    store_unlock(st);
    store_free(st);
    return out;
}

static void test_world_deterministic(void **state)
{
    (void)state;
    char *a = pod_names(42, 20), *b = pod_names(42, 20), *c = pod_names(43, 20);
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    free(a);
    free(b);
    free(c);
}

static void test_world_limits(void **state)
{
    (void)state;
    char err[256] = "";
    struct store *st = store_new();
    struct world_config wc = { .nodes = KG_SIM_MAX_NODES + 1, .now_ns = NOW };
    assert_int_equal(world_populate(st, &wc, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "--nodes"));
    wc = (struct world_config){ .nodes = 1, .now_ns = NOW, .kubelet_version = "1.32" };
    assert_int_equal(world_populate(st, &wc, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "invalid kubelet version \"1.32\""));
    wc.kubelet_version = "v1.32.5-gke.1200";
    assert_int_equal(world_populate(st, &wc, err, sizeof(err)), 0);
    /* zero nodes: namespaces only */
    struct store *st0 = store_new();
    wc = (struct world_config){ .nodes = 0, .now_ns = NOW };
    assert_int_equal(world_populate(st0, &wc, err, sizeof(err)), 0);
    assert_int_equal(count(st0, SIM_KIND_POD, NULL, NULL, NULL), 0);
    assert_int_equal(count(st0, SIM_KIND_NAMESPACE, NULL, NULL, NULL), 4);
    store_free(st0);
    store_free(st);
}

static void test_address_plan(void **state)
{
    (void)state;
    char s[48];
    world_node_ip(1, s, sizeof(s));
    assert_string_equal(s, "127.1.0.1");
    world_node_ip(254, s, sizeof(s));
    assert_string_equal(s, "127.1.0.254");
    world_node_ip(255, s, sizeof(s));
    assert_string_equal(s, "127.1.1.1");
    world_node_ip(KG_SIM_MAX_NODES, s, sizeof(s));
    assert_string_equal(s, "127.1.157.122");
    world_node_pod_cidr(1, s, sizeof(s));
    assert_string_equal(s, "10.64.0.0/24");
    world_node_pod_cidr(257, s, sizeof(s));
    assert_string_equal(s, "10.65.0.0/24");
    world_node_pod_cidr(KG_SIM_MAX_NODES, s, sizeof(s));
    assert_string_equal(s, "10.220.63.0/24");
    world_node_name(7, s, sizeof(s));
    assert_string_equal(s, "sim-node-0007");
    world_node_name(12345, s, sizeof(s));
    assert_string_equal(s, "sim-node-12345");
}

static void test_rng(void **state)
{
    (void)state;
    struct sim_rng r;
    sim_rng_seed(&r, 1);
    char uuid[37], sfx[6], hex[65];
    for (int i = 0; i < 100; i++) {
        sim_rng_uuid(&r, uuid);
        assert_int_equal(strlen(uuid), 36);
        assert_int_equal(uuid[8], '-');
        assert_int_equal(uuid[14], '4');
        assert_non_null(strchr("89ab", uuid[19]));
        sim_rng_suffix(&r, sfx, 5);
        assert_int_equal(strspn(sfx, "bcdfghjklmnpqrstvwxz2456789"), 5);
        sim_rng_hex(&r, hex, 64);
        assert_int_equal(strspn(hex, "0123456789abcdef"), 64);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_and_rv), cmocka_unit_test(test_query),
        cmocka_unit_test(test_world),        cmocka_unit_test(test_world_deterministic),
        cmocka_unit_test(test_world_limits), cmocka_unit_test(test_address_plan),
        cmocka_unit_test(test_rng),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
