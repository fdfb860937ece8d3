/*
 * Unit tests for src/sim rendering: object JSON (field names and quantities as k8s.io/api
 * serialises them), Table responses (kube-apiserver 1.32 printers: column definitions, cell
 * values, PartialObjectMetadata rows), duration.HumanDuration (the cases of apimachinery's
 * duration_test.go boundaries) and the discovery documents (shapes of kubectl wire spec
 * section 2).
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

#include "json/json.h"
#include "json/writer.h"
#include "sim/discovery.h"
#include "sim/objects.h"
#include "sim/store.h"
#include "sim/table.h"
#include "sim/world.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/time.h"

#define NOW INT64_C(1764000000000000000) /* 2025-11-24T16:00:00Z */
#define MIN (60 * NS_PER_SEC)
#define HOUR (60 * MIN)

/* ---- helpers ---- */

struct doc {
    struct buf b;
    struct json_writer *w;
    struct json_doc *d;
};

static struct json_writer *doc_begin(struct doc *d)
{
    buf_init(&d->b, 64u << 20);
    d->w = json_writer_new(&d->b);
    d->d = NULL;
    return d->w;
}

static const struct json_value *doc_parse(struct doc *d)
{
    char err[256];
    assert_int_equal(json_writer_finish(d->w, err, sizeof(err)), 0);
    json_writer_free(d->w);
    d->w = NULL;
    assert_int_equal(json_parse(d->b.ptr, d->b.len, &d->d, err, sizeof(err)), 0);
    return json_doc_root(d->d);
}

static void doc_end(struct doc *d)
{
    json_doc_free(d->d);
    json_writer_free(d->w);
    buf_cleanup(&d->b);
}

static const char *str(const struct json_value *v, const char *path)
{
    const char *s = NULL;
    char err[256];
    if (json_get_string(v, path, &s, NULL, err, sizeof(err)))
        fail_msg("%s: %s", path, err);
    return s;
}

static int64_t num(const struct json_value *v, const char *path)
{
    int64_t x = 0;
    char err[256];
    if (json_get_int64(v, path, &x, err, sizeof(err)))
        fail_msg("%s: %s", path, err);
    return x;
}

static struct store *world(unsigned nodes)
{
    char err[256];
    struct store *st = store_new();
    struct world_config wc = { .nodes = nodes, .seed = 1, .now_ns = NOW };
    assert_int_equal(world_populate(st, &wc, err, sizeof(err)), 0);
    return st;
}

/* The first pod whose name starts with prefix. */
static const struct sim_obj *find_pod(struct store *st, const char *prefix)
{
    struct store_query q = { 0 };
    struct store_page pg;
    const struct sim_obj *found = NULL;
    store_query(st, SIM_KIND_POD, &q, &pg);
    for (size_t i = 0; i < pg.n && !found; i++)
        if (!strncmp(pg.items[i]->meta.name, prefix, strlen(prefix)))
            found = pg.items[i];
    store_page_cleanup(&pg);
    assert_non_null(found);
    return found;
}

/* ---- duration ---- */

static void expect_duration(int64_t ns, const char *want)
{
    char s[32];
    table_human_duration(ns, s, sizeof(s));
    assert_string_equal(s, want);
}

static void test_human_duration(void **state)
{
    (void)state;
    expect_duration(-2 * NS_PER_SEC, "<invalid>");
    expect_duration(-NS_PER_SEC - 500 * NS_PER_MS, "0s"); /* int(-1.5) = -1: "almost now" */
    expect_duration(0, "0s");
    expect_duration(NS_PER_SEC, "1s");
    expect_duration(70 * NS_PER_SEC, "70s");
    expect_duration(119 * NS_PER_SEC + 999 * NS_PER_MS, "119s");
    expect_duration(120 * NS_PER_SEC, "2m");
    expect_duration(190 * NS_PER_SEC, "3m10s");
    expect_duration(9 * MIN + 59 * NS_PER_SEC, "9m59s");
    expect_duration(10 * MIN + 30 * NS_PER_SEC, "10m");
    expect_duration(70 * MIN, "70m");
    expect_duration(179 * MIN, "179m");
    expect_duration(3 * HOUR, "3h");
    expect_duration(3 * HOUR + 30 * MIN, "3h30m");
    expect_duration(8 * HOUR + 59 * MIN, "8h");
    expect_duration(47 * HOUR, "47h");
    expect_duration(48 * HOUR, "2d");
    expect_duration(49 * HOUR, "2d1h");
    expect_duration((8 * 24 + 2) * HOUR, "8d");
    expect_duration(367 * 24 * HOUR, "367d");
    expect_duration((365 * 2 * 24 + 25) * HOUR, "2y1d");
    expect_duration(365 * 3 * 24 * HOUR, "3y");
    expect_duration((365 * 8 * 24 + 2) * HOUR, "8y");
}

/* ---- object JSON ---- */

static void test_node_json(void **state)
{
    (void)state;
    struct store *st = world(2);
    store_rdlock(st);
    const struct sim_obj *o = store_get(st, SIM_KIND_NODE, NULL, "sim-node-0002");
    struct doc d;
    obj_write_json(doc_begin(&d), o, true);
    const struct json_value *v = doc_parse(&d);
    assert_string_equal(str(v, "kind"), "Node");
    assert_string_equal(str(v, "apiVersion"), "v1");
    assert_string_equal(str(v, "metadata.name"), "sim-node-0002");
    assert_string_equal(str(v, "metadata.creationTimestamp"), "2025-11-24T16:00:00Z");
    assert_string_equal(str(v, "spec.podCIDR"), "10.64.1.0/24");
    assert_string_equal(str(v, "status.capacity.cpu"), "4");
    assert_string_equal(str(v, "status.capacity.memory"), "16Gi");
    assert_string_equal(str(v, "status.capacity.pods"), "110");
    assert_string_equal(str(v, "status.allocatable.cpu"), "3920m");
    /* 16Gi - 1Gi - 100Mi */
    assert_string_equal(str(v, "status.allocatable.memory"), "15260Mi");
    assert_string_equal(str(v, "status.conditions[3].type"), "Ready");
    assert_string_equal(str(v, "status.conditions[3].status"), "True");
    assert_string_equal(str(v, "status.conditions[3].reason"), "KubeletReady");
    assert_string_equal(str(v, "status.addresses[0].type"), "InternalIP");
    assert_string_equal(str(v, "status.addresses[0].address"), "127.1.0.2");
    assert_string_equal(str(v, "status.addresses[1].type"), "Hostname");
    assert_int_equal(num(v, "status.daemonEndpoints.kubeletEndpoint.Port"), 10250);
    assert_string_equal(str(v, "status.nodeInfo.kubeletVersion"), "v1.32.5");
    assert_string_equal(str(v, "status.nodeInfo.kubeProxyVersion"), "");
    const struct json_value *labels = json_lookup(v, "metadata.labels");
    assert_string_equal(str(json_member(labels, "kubernetes.io/hostname"), ""), "sim-node-0002");
    /* list items carry no kind/apiVersion */
    doc_end(&d);
    obj_write_json(doc_begin(&d), o, false);
    v = doc_parse(&d);
    assert_null(json_member(v, "kind"));
    assert_null(json_member(v, "apiVersion"));
    doc_end(&d);
    store_unlock(st);
    store_free(st);
}

static void test_pod_json(void **state)
{
    (void)state;
    struct store *st = world(2);
    store_rdlock(st);
    struct doc d;

    const struct sim_obj *o = find_pod(st, "kube-proxy-");
    obj_write_json(doc_begin(&d), o, true);
    const struct json_value *v = doc_parse(&d);
    assert_string_equal(str(v, "kind"), "Pod");
    assert_string_equal(str(v, "metadata.namespace"), "kube-system");
    assert_string_equal(str(v, "metadata.generateName"), "kube-proxy-");
    assert_string_equal(str(v, "metadata.ownerReferences[0].kind"), "DaemonSet");
    assert_string_equal(str(v, "spec.containers[0].resources.requests.cpu"), "100m");
    assert_null(json_lookup(v, "spec.containers[0].resources.limits"));
    assert_true(json_lookup(v, "spec.hostNetwork") != NULL);
    assert_string_equal(str(v, "status.phase"), "Running");
    assert_string_equal(str(v, "status.qosClass"), "Burstable");
    assert_string_equal(str(v, "status.podIP"), str(v, "status.hostIP"));
    assert_int_equal(json_kind(json_lookup(v, "status.conditions[0].lastProbeTime")), JSON_NULL);
    assert_string_equal(str(v, "status.conditions[2].type"), "Ready");
    assert_true(json_lookup(v, "status.containerStatuses[0].state.running.startedAt") != NULL);
    doc_end(&d);

    o = find_pod(st, "kindnet-");
    obj_write_json(doc_begin(&d), o, true);
    v = doc_parse(&d);
    assert_string_equal(str(v, "spec.containers[0].resources.limits.memory"), "50Mi");
    assert_string_equal(str(v, "spec.containers[0].resources.requests.memory"), "50Mi");
    assert_string_equal(str(v, "status.qosClass"), "Guaranteed");
    doc_end(&d);

    o = find_pod(st, "coredns-");
    obj_write_json(doc_begin(&d), o, true);
    v = doc_parse(&d);
    assert_string_equal(str(v, "metadata.ownerReferences[0].kind"), "ReplicaSet");
    assert_string_equal(str(v, "spec.containers[0].resources.limits.memory"), "170Mi");
    assert_string_equal(str(v, "spec.containers[0].resources.requests.memory"), "70Mi");
    assert_string_equal(str(v, "status.qosClass"), "Burstable");
    assert_null(json_lookup(v, "spec.hostNetwork"));
    const char *ip = str(v, "status.podIP");
    assert_int_equal(strncmp(ip, "10.64.", 6), 0);
    doc_end(&d);

    /* metadata only */
    obj_write_partial(doc_begin(&d), o);
    v = doc_parse(&d);
    assert_string_equal(str(v, "kind"), "PartialObjectMetadata");
    assert_string_equal(str(v, "apiVersion"), "meta.k8s.io/v1");
    assert_string_equal(str(v, "metadata.name"), o->meta.name);
    assert_null(json_member(v, "spec"));
    doc_end(&d);
    store_unlock(st);
    store_free(st);
}

/* ---- tables ---- */

static void check_columns(const struct json_value *t, const char *const *names,
                          const int *priorities, size_t n)
{
    const struct json_value *cols = json_member(t, "columnDefinitions");
    assert_int_equal(json_array_len(cols), n);
    for (size_t i = 0; i < n; i++) {
        const struct json_value *c = json_array_at(cols, i);
        assert_string_equal(str(c, "name"), names[i]);
        assert_string_equal(str(c, "type"), "string");
        assert_string_equal(str(c, "format"), i == 0 ? "name" : "");
        assert_int_equal(num(c, "priority"), priorities[i]);
        assert_true(strlen(str(c, "description")) > 10);
    }
}

static void check_cells(const struct json_value *row, const char *const *want, size_t n)
{
    const struct json_value *cells = json_member(row, "cells");
    assert_int_equal(json_array_len(cells), n);
    for (size_t i = 0; i < n; i++)
        if (want[i])
            assert_string_equal(str(json_array_at(cells, i), ""), want[i]);
}

static void test_node_table(void **state)
{
    (void)state;
    struct store *st = world(2);
    store_rdlock(st);
    struct store_query q = { 0 };
    struct store_page pg;
    store_query(st, SIM_KIND_NODE, &q, &pg);
    struct table_listmeta lm = { .rv = 77, .cont = "tok", .remaining = 3 };
    struct doc d;
    table_write(doc_begin(&d), "v1", SIM_KIND_NODE, pg.items, pg.n, &lm, TABLE_INCLUDE_METADATA,
                NOW + 5 * MIN);
    const struct json_value *t = doc_parse(&d);
    assert_string_equal(str(t, "kind"), "Table");
    assert_string_equal(str(t, "apiVersion"), "meta.k8s.io/v1");
    assert_string_equal(str(t, "metadata.resourceVersion"), "77");
    assert_string_equal(str(t, "metadata.continue"), "tok");
    assert_int_equal(num(t, "metadata.remainingItemCount"), 3);
    static const char *const names[] = { "Name",           "Status",
                                         "Roles",          "Age",
                                         "Version",        "Internal-IP",
                                         "External-IP",    "OS-Image",
                                         "Kernel-Version", "Container-Runtime" };
    static const int prio[] = { 0, 0, 0, 0, 0, 1, 1, 1, 1, 1 };
    check_columns(t, names, prio, 10);
    assert_string_equal(str(t, "columnDefinitions[4].description"),
                        "Kubelet Version reported by the node.");
    const struct json_value *rows = json_member(t, "rows");
    assert_int_equal(json_array_len(rows), 2);
    static const char *const want[] = { "sim-node-0001",
                                        "Ready",
                                        "<none>",
                                        "5m",
                                        "v1.32.5",
                                        "127.1.0.1",
                                        "<none>",
                                        "Debian GNU/Linux 12 (bookworm)",
                                        "6.1.0-28-cloud-amd64",
                                        "containerd://1.7.24" };
    check_cells(json_array_at(rows, 0), want, 10);
    const struct json_value *obj = json_lookup(t, "rows[1].object");
    assert_string_equal(str(obj, "kind"), "PartialObjectMetadata");
    assert_string_equal(str(obj, "apiVersion"), "meta.k8s.io/v1");
    assert_string_equal(str(obj, "metadata.name"), "sim-node-0002");
    doc_end(&d);

    /* v1beta1, no object */
    lm = (struct table_listmeta){ .rv = 5, .remaining = -1 };
    table_write(doc_begin(&d), "v1beta1", SIM_KIND_NODE, pg.items, 1, &lm, TABLE_INCLUDE_NONE, NOW);
    t = doc_parse(&d);
    assert_string_equal(str(t, "apiVersion"), "meta.k8s.io/v1beta1");
    assert_null(json_lookup(t, "metadata.continue"));
    assert_null(json_lookup(t, "metadata.remainingItemCount"));
    assert_null(json_lookup(t, "rows[0].object"));
    doc_end(&d);
    store_page_cleanup(&pg);
    store_unlock(st);
    store_free(st);
}

static void test_node_cells_roles(void **state)
{
    (void)state;
    struct sim_node *n = xcalloc(1, sizeof(*n));
    n->obj.kind = SIM_KIND_NODE;
    n->obj.meta.name = xstrdup("cp-1");
    n->obj.meta.created_ns = NOW - 50 * HOUR;
    sim_meta_set_label(&n->obj.meta, "node-role.kubernetes.io/control-plane", "");
    sim_meta_set_label(&n->obj.meta, "kubernetes.io/role", "master");
    sim_meta_set_label(&n->obj.meta, "node-role.kubernetes.io/", "ignored-empty-role");
    sim_meta_set_label(&n->obj.meta, "node-role.kubernetes.io/etcd", "x");
    n->unschedulable = true;
    n->ready = false;
    n->kubelet_version = xstrdup("v1.31.0");
    struct doc d;
    table_write_cells(doc_begin(&d), &n->obj, NOW);
    const struct json_value *cells = doc_parse(&d);
    assert_string_equal(str(cells, "[0]"), "cp-1");
    assert_string_equal(str(cells, "[1]"), "NotReady,SchedulingDisabled");
    assert_string_equal(str(cells, "[2]"), "control-plane,etcd,master");
    assert_string_equal(str(cells, "[3]"), "2d2h");
    assert_string_equal(str(cells, "[5]"), "<none>");
    assert_string_equal(str(cells, "[7]"), "<unknown>");
    doc_end(&d);
    sim_obj_free(&n->obj);
}

static struct sim_pod *bare_pod(void)
{
    struct sim_pod *p = xcalloc(1, sizeof(*p));
    p->obj.kind = SIM_KIND_POD;
    p->obj.meta.name = xstrdup("web-1");
    p->obj.meta.namespace = xstrdup("demo");
    p->obj.meta.created_ns = NOW - 3 * HOUR;
    p->phase = "Running";
    p->restart_policy = "Always";
    p->dns_policy = "ClusterFirst";
    p->scheduler_name = "default-scheduler";
    p->node_name = xstrdup("sim-node-0001");
    p->containers = xcalloc(2, sizeof(*p->containers));
    p->n_containers = 2;
    for (int i = 0; i < 2; i++) {
        struct sim_container *c = &p->containers[i];
        c->name = xstrdup(i ? "sidecar" : "app");
        c->image = xstrdup("img");
        c->req_cpu_milli = c->req_memory = c->lim_cpu_milli = c->lim_memory = -1;
        c->state = SIM_CONTAINER_RUNNING;
        c->ready = true;
    }
    p->ready = true;
    return p;
}

static void test_pod_cells(void **state)
{
    (void)state;
    struct doc d;
    struct sim_pod *p = bare_pod();
    table_write_cells(doc_begin(&d), &p->obj, NOW);
    const struct json_value *cells = doc_parse(&d);
    static const char *const want[] = { "web-1",  "2/2",           "Running", "0",     "3h",
                                        "<none>", "sim-node-0001", "<none>",  "<none>" };
    assert_int_equal(json_array_len(cells), 9);
    for (size_t i = 0; i < 9; i++)
        assert_string_equal(str(json_array_at(cells, i), ""), want[i]);
    doc_end(&d);

    /* a crash-looping sidecar: its waiting reason, restarts with the last restart's age */
    p->containers[1].state = SIM_CONTAINER_WAITING;
    p->containers[1].state_reason = xstrdup("CrashLoopBackOff");
    p->containers[1].ready = false;
    p->containers[1].restart_count = 4;
    p->containers[1].last_finished_ns = NOW - 150 * NS_PER_SEC;
    p->containers[0].restart_count = 1;
    p->containers[0].last_finished_ns = NOW - 3 * HOUR;
    p->ready = false;
    table_write_cells(doc_begin(&d), &p->obj, NOW);
    cells = doc_parse(&d);
    assert_string_equal(str(cells, "[1]"), "1/2");
    assert_string_equal(str(cells, "[2]"), "CrashLoopBackOff");
    assert_string_equal(str(cells, "[3]"), "5 (2m30s ago)");
    doc_end(&d);

    /* a completed container next to a running one reads "NotReady" when the pod is not Ready */
    p->containers[1].state = SIM_CONTAINER_TERMINATED;
    free(p->containers[1].state_reason);
    p->containers[1].state_reason = xstrdup("Completed");
    table_write_cells(doc_begin(&d), &p->obj, NOW);
    cells = doc_parse(&d);
    assert_string_equal(str(cells, "[2]"), "NotReady");
    doc_end(&d);
    p->ready = true;
    table_write_cells(doc_begin(&d), &p->obj, NOW);
    cells = doc_parse(&d);
    assert_string_equal(str(cells, "[2]"), "Running");
    doc_end(&d);

    /* a terminated container without a reason: ExitCode */
    free(p->containers[1].state_reason);
    p->containers[1].state_reason = NULL;
    p->containers[1].exit_code = 3;
    table_write_cells(doc_begin(&d), &p->obj, NOW);
    cells = doc_parse(&d);
    assert_string_equal(str(cells, "[2]"), "ExitCode:3");
    doc_end(&d);

    /* Succeeded pods get the row condition */
    p->phase = "Succeeded";
    const struct sim_obj *o = &p->obj;
    struct table_listmeta lm = { .rv = 1, .remaining = -1 };
    table_write(doc_begin(&d), "v1", SIM_KIND_POD, &o, 1, &lm, TABLE_INCLUDE_OBJECT, NOW);
    const struct json_value *t = doc_parse(&d);
    assert_string_equal(str(t, "rows[0].conditions[0].type"), "Completed");
    assert_string_equal(str(t, "rows[0].conditions[0].reason"), "Succeeded");
    assert_string_equal(str(t, "rows[0].object.kind"), "Pod");
    assert_string_equal(str(t, "columnDefinitions[7].name"), "Nominated Node");
    assert_string_equal(str(t, "columnDefinitions[3].name"), "Restarts");
    doc_end(&d);
    sim_obj_free(&p->obj);
}

static void test_namespace_table(void **state)
{
    (void)state;
    struct store *st = world(0);
    store_rdlock(st);
    struct store_query q = { 0 };
    struct store_page pg;
    store_query(st, SIM_KIND_NAMESPACE, &q, &pg);
    struct table_listmeta lm = { .rv = 5, .remaining = -1 };
    struct doc d;
    table_write(doc_begin(&d), "v1", SIM_KIND_NAMESPACE, pg.items, pg.n, &lm,
                TABLE_INCLUDE_METADATA, NOW + 90 * NS_PER_SEC);
    const struct json_value *t = doc_parse(&d);
    static const char *const names[] = { "Name", "Status", "Age" };
    static const int prio[] = { 0, 0, 0 };
    check_columns(t, names, prio, 3);
    static const char *const want[] = { "kube-system", "Active", "90s" };
    check_cells(json_lookup(t, "rows[3]"), want, 3);
    const struct json_value *labels = json_lookup(t, "rows[0].object.metadata.labels");
    assert_string_equal(str(json_member(labels, "kubernetes.io/metadata.name"), ""), "default");
    doc_end(&d);
    store_page_cleanup(&pg);
    store_unlock(st);
    store_free(st);
}

/* ---- discovery ---- */

static void test_discovery(void **state)
{
    (void)state;
    struct doc d;
    discovery_write_resource_list(doc_begin(&d), "", "v1");
    const struct json_value *v = doc_parse(&d);
    assert_string_equal(str(v, "kind"), "APIResourceList");
    assert_null(json_member(v, "apiVersion")); /* as kube-apiserver's /api/v1 */
    assert_string_equal(str(v, "groupVersion"), "v1");
    assert_int_equal(json_array_len(json_member(v, "resources")), 3);
    assert_string_equal(str(v, "resources[2].name"), "pods");
    assert_string_equal(str(v, "resources[2].kind"), "Pod");
    assert_string_equal(str(v, "resources[2].verbs[0]"), "get");
    assert_string_equal(str(v, "resources[2].verbs[1]"), "list");
    assert_string_equal(str(v, "resources[2].shortNames[0]"), "po");
    assert_string_equal(str(v, "resources[2].categories[0]"), "all");
    doc_end(&d);

    struct buf b;
    buf_init(&b, 1024);
    struct json_writer *w = json_writer_new(&b);
    assert_int_equal(discovery_write_resource_list(w, "apps", "v1"), -ENOENT);
    json_writer_free(w);
    buf_cleanup(&b);

    discovery_write_api_versions(doc_begin(&d), "127.0.0.1:6443");
    v = doc_parse(&d);
    assert_string_equal(str(v, "kind"), "APIVersions");
    assert_string_equal(str(v, "versions[0]"), "v1");
    assert_string_equal(str(v, "serverAddressByClientCIDRs[0].serverAddress"), "127.0.0.1:6443");
    doc_end(&d);

    discovery_write_group_list(doc_begin(&d));
    v = doc_parse(&d);
    assert_string_equal(str(v, "kind"), "APIGroupList");
    assert_string_equal(str(v, "apiVersion"), "v1");
    assert_int_equal(json_array_len(json_member(v, "groups")), 0);
    doc_end(&d);

    discovery_write_aggregated(doc_begin(&d), true, "v2");
    v = doc_parse(&d);
    assert_string_equal(str(v, "kind"), "APIGroupDiscoveryList");
    assert_string_equal(str(v, "apiVersion"), "apidiscovery.k8s.io/v2");
    assert_int_equal(json_array_len(json_member(v, "items")), 1);
    assert_null(json_lookup(v, "items[0].metadata.name"));
    assert_int_equal(json_kind(json_lookup(v, "items[0].metadata.creationTimestamp")), JSON_NULL);
    assert_string_equal(str(v, "items[0].versions[0].version"), "v1");
    assert_string_equal(str(v, "items[0].versions[0].freshness"), "Current");
    const struct json_value *r = json_lookup(v, "items[0].versions[0].resources[1]");
    assert_string_equal(str(r, "resource"), "nodes");
    assert_string_equal(str(r, "responseKind.group"), "");
    assert_string_equal(str(r, "responseKind.version"), "v1");
    assert_string_equal(str(r, "responseKind.kind"), "Node");
    assert_string_equal(str(r, "scope"), "Cluster");
    assert_string_equal(str(r, "singularResource"), "node");
    assert_string_equal(str(v, "items[0].versions[0].resources[2].scope"), "Namespaced");
    doc_end(&d);

    discovery_write_aggregated(doc_begin(&d), false, "v2beta1");
    v = doc_parse(&d);
    assert_string_equal(str(v, "apiVersion"), "apidiscovery.k8s.io/v2beta1");
    assert_int_equal(json_array_len(json_member(v, "items")), 0);
    doc_end(&d);

    /* every row is served from the store and findable */
    size_t n;
    const struct sim_resource *rows = discovery_resources(&n);
    for (size_t i = 0; i < n; i++) {
        assert_ptr_equal(discovery_find(rows[i].group, rows[i].version, rows[i].resource),
                         &rows[i]);
        assert_string_equal(obj_resource((enum sim_kind)rows[i].store_kind), rows[i].resource);
        assert_int_equal(store_kind_namespaced((enum sim_kind)rows[i].store_kind),
                         rows[i].namespaced);
    }
    assert_null(discovery_find("", "v1", "services"));
    assert_false(discovery_has_group_version("apps", "v1"));
}

static void test_field_labels(void **state)
{
    (void)state;
    struct fields_selector *fs;
    char err[256];
    size_t n;
    const struct fields_allowed *allowed = obj_field_labels(SIM_KIND_NODE, &n);
    assert_int_equal(fields_selector_parse(&fs, "metadata.namespace=x", 20, NULL, 0), 0);
    assert_int_equal(
        fields_selector_check(fs, allowed, n, FIELDS_REJECT_NOT_SUPPORTED, err, sizeof(err)),
        -EINVAL);
    assert_string_equal(err, "field label not supported: metadata.namespace");
    fields_selector_free(fs);
    allowed = obj_field_labels(SIM_KIND_POD, &n);
    assert_int_equal(fields_selector_parse(&fs, "spec.host=a,status.podIPs=b", 27, NULL, 0), 0);
    assert_int_equal(
        fields_selector_check(fs, allowed, n, FIELDS_REJECT_NOT_SUPPORTED, err, sizeof(err)), 0);
    assert_string_equal(fields_selector_get(fs, 0)->field, "spec.nodeName");
    fields_selector_free(fs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_human_duration),   cmocka_unit_test(test_node_json),
        cmocka_unit_test(test_pod_json),         cmocka_unit_test(test_node_table),
        cmocka_unit_test(test_node_cells_roles), cmocka_unit_test(test_pod_cells),
        cmocka_unit_test(test_namespace_table),  cmocka_unit_test(test_discovery),
        cmocka_unit_test(test_field_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
