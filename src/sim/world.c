/*
 * The sim's objects and the generator of its initial world. Everything random (UIDs, name
 * suffixes, hashes, machine IDs) comes from one splitmix64 stream seeded by --seed and consumed
 * in a fixed order, so a seed names a world. Addresses are not random: node i always has
 * 127.1.<(i-1)/254>.<(i-1)%254+1> and pod CIDR 10.<64+(i-1)/256>.<(i-1)%256>.0/24, so tools can
 * compute them.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/store.h"
#include "sim/world.h"
#include "util/alloc.h"
#include "util/assert.h"
#include "util/time.h"

/* ---- objects ---- */

static void free_labels(struct label *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free((char *)v[i].key);
        free((char *)v[i].value);
    }
    free(v);
}

static void free_meta(struct sim_meta *m)
{
    free(m->name);
    free(m->generate_name);
    free(m->namespace);
    free(m->uid);
    free_labels(m->labels, m->n_labels);
    free_labels(m->annotations, m->n_annotations);
    free(m->owner.api_version);
    free(m->owner.kind);
    free(m->owner.name);
    free(m->owner.uid);
}

static void free_container(struct sim_container *c)
{
    free(c->name);
    free(c->image);
    free(c->image_id);
    free(c->container_id);
    for (size_t i = 0; i < c->n_command; i++)
        free(c->command[i]);
    free(c->command);
    free(c->state_reason);
}

void sim_obj_free(struct sim_obj *o)
{
    if (!o)
        return;
    free_meta(&o->meta);
    switch (o->kind) {
    case SIM_KIND_NAMESPACE:
        break;
    case SIM_KIND_NODE: {
        struct sim_node *n = (struct sim_node *)o;
        free(n->internal_ip);
        free(n->pod_cidr);
        free(n->kubelet_version);
        free(n->os_image);
        free(n->kernel_version);
        free(n->runtime_version);
        free(n->machine_id);
        free(n->system_uuid);
        free(n->boot_id);
        break;
    }
    case SIM_KIND_POD: {
        struct sim_pod *p = (struct sim_pod *)o;
        for (size_t i = 0; i < p->n_containers; i++)
            free_container(&p->containers[i]);
        free(p->containers);
        free(p->service_account);
        free(p->node_name);
        free_labels(p->node_selector, p->n_node_selector);
        free(p->priority_class);
        free(p->host_ip);
        free(p->pod_ip);
        free(p->nominated_node);
        break;
    }
    case SIM_KIND_COUNT:
        ASSERT(!"bad kind");
    }
    free(o);
}

const struct sim_node *sim_as_node(const struct sim_obj *o)
{
    ASSERT(o->kind == SIM_KIND_NODE);
    return (const struct sim_node *)o;
}

const struct sim_pod *sim_as_pod(const struct sim_obj *o)
{
    ASSERT(o->kind == SIM_KIND_POD);
    return (const struct sim_pod *)o;
}

const struct sim_namespace *sim_as_namespace(const struct sim_obj *o)
{
    ASSERT(o->kind == SIM_KIND_NAMESPACE);
    return (const struct sim_namespace *)o;
}

static void set_kv(struct label **v, size_t *n, const char *key, const char *value)
{
    size_t i = 0;
    while (i < *n && strcmp((*v)[i].key, key) < 0)
        i++;
    if (i < *n && strcmp((*v)[i].key, key) == 0) {
        free((char *)(*v)[i].value);
        (*v)[i].value = xstrdup(value);
        return;
    }
    *v = xreallocarray(*v, *n + 1, sizeof(**v));
    memmove(&(*v)[i + 1], &(*v)[i], (*n - i) * sizeof(**v));
    (*v)[i].key = xstrdup(key);
    (*v)[i].value = xstrdup(value);
    (*n)++;
}

void sim_meta_set_label(struct sim_meta *m, const char *key, const char *value)
{
    set_kv(&m->labels, &m->n_labels, key, value);
}

void sim_meta_set_annotation(struct sim_meta *m, const char *key, const char *value)
{
    set_kv(&m->annotations, &m->n_annotations, key, value);
}

/* ---- PRNG ---- */

void sim_rng_seed(struct sim_rng *r, uint64_t seed)
{
    r->state = seed;
}

uint64_t sim_rng_next(struct sim_rng *r)
{
    uint64_t z = (r->state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

void sim_rng_hex(struct sim_rng *r, char *out, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    uint64_t bits = 0;
    for (size_t i = 0; i < n; i++) {
        if (i % 16 == 0)
            bits = sim_rng_next(r);
        out[i] = hex[bits & 15];
        bits >>= 4;
    }
    out[n] = '\0';
}

void sim_rng_uuid(struct sim_rng *r, char out[37])
{
    char h[33];
    sim_rng_hex(r, h, 32);
    h[12] = '4';                       /* version 4 */
    h[16] = "89ab"[(h[16] - '0') & 3]; /* variant 10xx */
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}

void sim_rng_suffix(struct sim_rng *r, char *out, size_t n)
{
    static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
    for (size_t i = 0; i < n; i++)
        out[i] = alphabet[sim_rng_next(r) % (sizeof(alphabet) - 1)];
    out[n] = '\0';
}

/* ---- the initial world ---- */

void world_node_name(unsigned i, char *out, size_t outlen)
{
    snprintf(out, outlen, "sim-node-%04u", i);
}

void world_node_ip(unsigned i, char *out, size_t outlen)
{
    snprintf(out, outlen, "127.1.%u.%u", (i - 1) / 254, (i - 1) % 254 + 1);
}

void world_node_pod_cidr(unsigned i, char *out, size_t outlen)
{
    snprintf(out, outlen, "10.%u.%u.0/24", 64 + (i - 1) / 256, (i - 1) % 256);
}

struct gen {
    struct store *st;
    struct sim_rng rng;
    int64_t now;
    const char *kubelet_version;
    char image_proxy[37 + 64], image_kindnet[37 + 64], image_coredns[37 + 64];
    char ds_proxy_uid[37], ds_kindnet_uid[37], rs_coredns_uid[37];
    char proxy_hash[11], kindnet_hash[11], coredns_hash[11];
};

static void init_meta(struct gen *g, struct sim_meta *m, const char *ns, const char *name)
{
    char uid[37];
    sim_rng_uuid(&g->rng, uid);
    m->name = xstrdup(name);
    m->namespace = ns ? xstrdup(ns) : NULL;
    m->uid = xstrdup(uid);
    m->created_ns = g->now;
}

static void set_owner(struct sim_meta *m, const char *api_version, const char *kind,
                      const char *name, const char *uid)
{
    m->has_owner = true;
    m->owner.api_version = xstrdup(api_version);
    m->owner.kind = xstrdup(kind);
    m->owner.name = xstrdup(name);
    m->owner.uid = xstrdup(uid);
}

static int add_namespace(struct gen *g, const char *name)
{
    struct sim_namespace *ns = xcalloc(1, sizeof(*ns));
    ns->obj.kind = SIM_KIND_NAMESPACE;
    init_meta(g, &ns->obj.meta, NULL, name);
    sim_meta_set_label(&ns->obj.meta, "kubernetes.io/metadata.name", name);
    ns->phase = "Active";
    return store_add(g->st, &ns->obj);
}

static int add_node(struct gen *g, unsigned i)
{
    char name[32], ip[48], cidr[48], uuid[37];
    struct sim_node *n = xcalloc(1, sizeof(*n));
    n->obj.kind = SIM_KIND_NODE;
    world_node_name(i, name, sizeof(name));
    world_node_ip(i, ip, sizeof(ip));
    world_node_pod_cidr(i, cidr, sizeof(cidr));
    init_meta(g, &n->obj.meta, NULL, name);
    struct sim_meta *m = &n->obj.meta;
    sim_meta_set_label(m, "beta.kubernetes.io/arch", "amd64");
    sim_meta_set_label(m, "beta.kubernetes.io/os", "linux");
    sim_meta_set_label(m, "kubernetes.io/arch", "amd64");
    sim_meta_set_label(m, "kubernetes.io/hostname", name);
    sim_meta_set_label(m, "kubernetes.io/os", "linux");
    sim_meta_set_annotation(m, "node.alpha.kubernetes.io/ttl", "0");
    sim_meta_set_annotation(m, "volumes.kubernetes.io/controller-managed-attach-detach", "true");
    n->internal_ip = xstrdup(ip);
    n->pod_cidr = xstrdup(cidr);
    /* A 4-CPU, 16 GiB machine; kubelet reserves 80m CPU and 1 GiB + the 100 MiB eviction
     * threshold of memory. */
    n->cap_cpu_milli = 4000;
    n->cap_memory = INT64_C(16) << 30;
    n->cap_ephemeral = INT64_C(101203868) * 1024;
    n->cap_pods = 110;
    n->alloc_cpu_milli = 3920;
    n->alloc_memory = n->cap_memory - (INT64_C(1) << 30) - (INT64_C(100) << 20);
    n->alloc_ephemeral = INT64_C(93270709) * 1024;
    n->alloc_pods = 110;
    n->ready = true;
    n->kubelet_port = KG_SIM_KUBELET_PORT;
    n->heartbeat_ns = g->now;
    n->kubelet_version = xstrdup(g->kubelet_version);
    n->os_image = xstrdup("Debian GNU/Linux 12 (bookworm)");
    n->kernel_version = xstrdup("6.1.0-28-cloud-amd64");
    n->runtime_version = xstrdup("containerd://1.7.24");
    char hex[33];
    sim_rng_hex(&g->rng, hex, 32);
    n->machine_id = xstrdup(hex);
    sim_rng_uuid(&g->rng, uuid);
    n->system_uuid = xstrdup(uuid);
    sim_rng_uuid(&g->rng, uuid);
    n->boot_id = xstrdup(uuid);
    return store_add(g->st, &n->obj);
}

static struct sim_container *add_container(struct sim_pod *p, const char *name, const char *image,
                                           const char *image_id, struct sim_rng *rng)
{
    char id[65];
    p->containers = xreallocarray(p->containers, p->n_containers + 1, sizeof(*p->containers));
    struct sim_container *c = &p->containers[p->n_containers++];
    memset(c, 0, sizeof(*c));
    c->name = xstrdup(name);
    c->image = xstrdup(image);
    c->image_id = xstrdup(image_id);
    sim_rng_hex(rng, id, 64);
    c->container_id = xasprintf("containerd://%s", id);
    c->req_cpu_milli = c->req_memory = c->lim_cpu_milli = c->lim_memory = -1;
    c->state = SIM_CONTAINER_RUNNING;
    c->started_ns = p->start_ns;
    c->ready = true;
    return c;
}

static void add_command(struct sim_container *c, const char *const *argv)
{
    for (size_t i = 0; argv[i]; i++) {
        c->command = xreallocarray(c->command, c->n_command + 1, sizeof(*c->command));
        c->command[c->n_command++] = xstrdup(argv[i]);
    }
}

/* A Running, Ready pod bound to a node (node_ip NULL: not bound). */
static struct sim_pod *new_pod(struct gen *g, const char *ns, const char *generate_name,
                               const char *node, const char *node_ip)
{
    char suffix[6], name[256];
    struct sim_pod *p = xcalloc(1, sizeof(*p));
    p->obj.kind = SIM_KIND_POD;
    sim_rng_suffix(&g->rng, suffix, 5);
    snprintf(name, sizeof(name), "%s%s", generate_name, suffix);
    init_meta(g, &p->obj.meta, ns, name);
    p->obj.meta.generate_name = xstrdup(generate_name);
    p->restart_policy = "Always";
    p->dns_policy = "ClusterFirst";
    p->scheduler_name = "default-scheduler";
    p->phase = "Running";
    p->ready = true;
    p->node_name = xstrdup(node);
    p->host_ip = xstrdup(node_ip);
    p->start_ns = g->now;
    return p;
}

/* Adds a pod, drawing a new name suffix while the name is taken (as the API server's
 * generateName does on a conflict). */
static int add_pod(struct gen *g, struct sim_pod *p)
{
    for (int tries = 0; tries < 100; tries++) {
        /* store_add frees the object on failure: try with a copy of the name first */
        const struct sim_obj *old;
        store_rdlock(g->st);
        old = store_get(g->st, SIM_KIND_POD, p->obj.meta.namespace, p->obj.meta.name);
        store_unlock(g->st);
        if (!old)
            return store_add(g->st, &p->obj);
        char suffix[6];
        sim_rng_suffix(&g->rng, suffix, 5);
        char *name = xasprintf("%s%s", p->obj.meta.generate_name, suffix);
        free(p->obj.meta.name);
        p->obj.meta.name = name;
    }
    sim_obj_free(&p->obj);
    return -EEXIST;
}

static int add_node_pods(struct gen *g, unsigned i)
{
    char node[32], ip[48];
    world_node_name(i, node, sizeof(node));
    world_node_ip(i, ip, sizeof(ip));
    int rc;

    /* kube-proxy, as kubeadm deploys it (GKE's requests) */
    struct sim_pod *p = new_pod(g, "kube-system", "kube-proxy-", node, ip);
    sim_meta_set_label(&p->obj.meta, "controller-revision-hash", g->proxy_hash);
    sim_meta_set_label(&p->obj.meta, "k8s-app", "kube-proxy");
    sim_meta_set_label(&p->obj.meta, "pod-template-generation", "1");
    set_owner(&p->obj.meta, "apps/v1", "DaemonSet", "kube-proxy", g->ds_proxy_uid);
    p->pod_ip = xstrdup(ip);
    p->host_network = true;
    p->service_account = xstrdup("kube-proxy");
    p->priority_class = xstrdup("system-node-critical");
    p->priority = 2000001000;
    p->tolerate_everything = true;
    set_kv(&p->node_selector, &p->n_node_selector, "kubernetes.io/os", "linux");
    char image[128];
    snprintf(image, sizeof(image), "registry.k8s.io/kube-proxy:%s", g->kubelet_version);
    struct sim_container *c = add_container(p, "kube-proxy", image, g->image_proxy, &g->rng);
    static const char *const proxy_cmd[] = { "/usr/local/bin/kube-proxy",
                                             "--config=/var/lib/kube-proxy/config.conf",
                                             "--hostname-override=$(NODE_NAME)", NULL };
    add_command(c, proxy_cmd);
    c->req_cpu_milli = 100;
    c->privileged = true;
    rc = add_pod(g, p);
    if (rc)
        return rc;

    /* kindnet, the CNI of kind clusters: Guaranteed (requests = limits) */
    p = new_pod(g, "kube-system", "kindnet-", node, ip);
    sim_meta_set_label(&p->obj.meta, "app", "kindnet");
    sim_meta_set_label(&p->obj.meta, "controller-revision-hash", g->kindnet_hash);
    sim_meta_set_label(&p->obj.meta, "k8s-app", "kindnet");
    sim_meta_set_label(&p->obj.meta, "pod-template-generation", "1");
    sim_meta_set_label(&p->obj.meta, "tier", "node");
    set_owner(&p->obj.meta, "apps/v1", "DaemonSet", "kindnet", g->ds_kindnet_uid);
    p->pod_ip = xstrdup(ip);
    p->host_network = true;
    p->service_account = xstrdup("kindnet");
    p->tolerate_everything = true;
    c = add_container(p, "kindnet-cni", "docker.io/kindest/kindnetd:v20241108-5c6d2daf",
                      g->image_kindnet, &g->rng);
    c->req_cpu_milli = c->lim_cpu_milli = 100;
    c->req_memory = c->lim_memory = INT64_C(50) << 20;
    return add_pod(g, p);
}

static int add_coredns(struct gen *g, unsigned node_index, unsigned ordinal)
{
    char node[32], ip[48], cidr[48], pod_ip[64], gen_name[64];
    world_node_name(node_index, node, sizeof(node));
    world_node_ip(node_index, ip, sizeof(ip));
    world_node_pod_cidr(node_index, cidr, sizeof(cidr));
    /* pod IPs of a node: its /24 from .2 on (kindnet hands them out in order) */
    char *dot = strrchr(cidr, '.');
    *dot = '\0';
    snprintf(pod_ip, sizeof(pod_ip), "%s.%u", cidr, 2 + ordinal);
    snprintf(gen_name, sizeof(gen_name), "coredns-%s-", g->coredns_hash);
    struct sim_pod *p = new_pod(g, "kube-system", gen_name, node, ip);
    sim_meta_set_label(&p->obj.meta, "k8s-app", "kube-dns");
    sim_meta_set_label(&p->obj.meta, "pod-template-hash", g->coredns_hash);
    char rs[64];
    snprintf(rs, sizeof(rs), "coredns-%s", g->coredns_hash);
    set_owner(&p->obj.meta, "apps/v1", "ReplicaSet", rs, g->rs_coredns_uid);
    p->pod_ip = xstrdup(pod_ip);
    p->dns_policy = "Default";
    p->service_account = xstrdup("coredns");
    p->priority_class = xstrdup("system-cluster-critical");
    p->priority = 2000000000;
    set_kv(&p->node_selector, &p->n_node_selector, "kubernetes.io/os", "linux");
    struct sim_container *c = add_container(p, "coredns", "registry.k8s.io/coredns/coredns:v1.11.3",
                                            g->image_coredns, &g->rng);
    c->req_cpu_milli = 100;
    c->req_memory = INT64_C(70) << 20;
    c->lim_memory = INT64_C(170) << 20;
    return add_pod(g, p);
}

static bool valid_version(const char *v)
{
    /* v<major>.<minor>.<patch>, then anything (e.g. "-gke.100") */
    if (!v || v[0] != 'v')
        return false;
    const char *p = v + 1;
    for (int part = 0; part < 3; part++) {
        if (!isdigit((unsigned char)*p))
            return false;
        while (isdigit((unsigned char)*p))
            p++;
        if (part < 2 && *p++ != '.')
            return false;
    }
    return strlen(v) <= 64;
}

int world_populate(struct store *st, const struct world_config *cfg, char *err, size_t errlen)
{
    struct gen g = { .st = st };
    int rc = 0;
    if (cfg->nodes > KG_SIM_MAX_NODES) {
        snprintf(err, errlen, "--nodes %u is more than the %u nodes the sim supports", cfg->nodes,
                 (unsigned)KG_SIM_MAX_NODES);
        return -EINVAL;
    }
    g.kubelet_version =
        cfg->kubelet_version ? cfg->kubelet_version : KG_SIM_DEFAULT_KUBELET_VERSION;
    if (!valid_version(g.kubelet_version)) {
        snprintf(err, errlen,
                 "invalid kubelet version \"%.64s\": want v<major>.<minor>.<patch>, e.g. v1.32.5",
                 g.kubelet_version);
        return -EINVAL;
    }
    /* metav1.Time has whole seconds */
    g.now = cfg->now_ns - cfg->now_ns % NS_PER_SEC;
    sim_rng_seed(&g.rng, cfg->seed);

    char hex[65];
    sim_rng_hex(&g.rng, hex, 64);
    snprintf(g.image_proxy, sizeof(g.image_proxy), "sha256:%s", hex);
    sim_rng_hex(&g.rng, hex, 64);
    snprintf(g.image_kindnet, sizeof(g.image_kindnet), "sha256:%s", hex);
    sim_rng_hex(&g.rng, hex, 64);
    snprintf(g.image_coredns, sizeof(g.image_coredns), "sha256:%s", hex);
    sim_rng_uuid(&g.rng, g.ds_proxy_uid);
    sim_rng_uuid(&g.rng, g.ds_kindnet_uid);
    sim_rng_uuid(&g.rng, g.rs_coredns_uid);
    sim_rng_suffix(&g.rng, g.proxy_hash, 10);
    sim_rng_suffix(&g.rng, g.kindnet_hash, 10);
    sim_rng_suffix(&g.rng, g.coredns_hash, 10);

    static const char *const namespaces[] = { "default", "kube-node-lease", "kube-public",
                                              "kube-system" };
    for (size_t i = 0; i < sizeof(namespaces) / sizeof(namespaces[0]) && !rc; i++)
        rc = add_namespace(&g, namespaces[i]);
    for (unsigned i = 1; i <= cfg->nodes && !rc; i++)
        rc = add_node(&g, i);
    for (unsigned i = 1; i <= cfg->nodes && !rc; i++)
        rc = add_node_pods(&g, i);
    if (cfg->nodes >= 1 && !rc)
        rc = add_coredns(&g, 1, 0);
    if (cfg->nodes >= 1 && !rc)
        rc = add_coredns(&g, cfg->nodes >= 2 ? 2 : 1, cfg->nodes >= 2 ? 0 : 1);
    if (rc)
        snprintf(err, errlen, "populating the world: %s", strerror(-rc));
    return rc;
}
