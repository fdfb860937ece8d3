/*
 * The simulated cluster's world: the typed objects the sim serves (namespaces, nodes, pods) and
 * the deterministic generator that fills a store with them.
 *
 * Every object starts with a struct sim_obj (kind + ObjectMeta), so the store, the selectors,
 * the JSON and Table renderers and the API server handle all kinds through one pointer type and
 * switch on obj->kind for the kind-specific part. A kind added by a later slice (Deployment,
 * ReplicaSet, HorizontalPodAutoscaler, Lease...) adds an enum value, a struct embedding
 * struct sim_obj first, a free/render/field case, and a row in the discovery resource table.
 *
 * Ownership: every string and array reachable from an object is owned by that object and freed
 * by sim_obj_free(). Once an object is in the store it is immutable: a change is a new object
 * replacing the old one (store_replace), so readers holding the store's read lock never see a
 * half-written object.
 *
 * Determinism: world_populate() draws every name suffix, UID, IP and hash from one PRNG seeded
 * with the --seed value, in a fixed order, so the same seed and node count always produce the
 * same objects (timestamps aside: they come from the wall clock passed in the config).
 */
#ifndef KGAUGE_SIM_WORLD_H
#define KGAUGE_SIM_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kube/labels.h"

/* Largest --nodes accepted: node i gets 127.1.x.y and pod CIDR 10.a.b.0/24, both derived from
 * i, and both address plans run out a little past this (see world.c). */
#define KG_SIM_MAX_NODES 40000
/* Default kubelet version reported by nodes (nodeInfo.kubeletVersion). */
#define KG_SIM_DEFAULT_KUBELET_VERSION "v1.32.5"
/* Kubelet port every node advertises in status.daemonEndpoints. */
#define KG_SIM_KUBELET_PORT 10250

enum sim_kind { SIM_KIND_NAMESPACE = 0, SIM_KIND_NODE, SIM_KIND_POD, SIM_KIND_COUNT };

/* metadata.ownerReferences[0] (the sim's objects have at most one owner, their controller). */
struct sim_owner {
    char *api_version;
    char *kind;
    char *name;
    char *uid;
};

struct sim_meta {
    char *name;
    char *generate_name; /* NULL when none */
    char *namespace;     /* NULL for cluster-scoped kinds */
    char *uid;
    uint64_t rv;        /* resourceVersion, assigned by the store */
    int64_t created_ns; /* creationTimestamp, wall clock ns */
    /* Sorted by key (Go encodes maps in key order), keys unique; strings owned. */
    struct label *labels;
    size_t n_labels;
    struct label *annotations;
    size_t n_annotations;
    bool has_owner;
    struct sim_owner owner;
};

struct sim_obj {
    enum sim_kind kind;
    struct sim_meta meta;
};

struct sim_namespace {
    struct sim_obj obj;
    const char *phase; /* "Active" or "Terminating" (static) */
};

struct sim_node {
    struct sim_obj obj;
    char *internal_ip;
    char *pod_cidr;
    /* status.capacity / status.allocatable */
    int64_t cap_cpu_milli, cap_memory, cap_ephemeral, cap_pods;
    int64_t alloc_cpu_milli, alloc_memory, alloc_ephemeral, alloc_pods;
    bool ready;         /* condition Ready True, else False */
    bool unschedulable; /* spec.unschedulable */
    int kubelet_port;
    int64_t heartbeat_ns; /* conditions' lastHeartbeatTime */
    char *kubelet_version;
    char *os_image, *kernel_version, *runtime_version;
    char *machine_id, *system_uuid, *boot_id;
};

enum sim_container_state { SIM_CONTAINER_WAITING, SIM_CONTAINER_RUNNING, SIM_CONTAINER_TERMINATED };

struct sim_container {
    char *name;
    char *image;
    char *image_id;     /* status imageID */
    char *container_id; /* "containerd://<64 hex>" */
    char **command;
    size_t n_command;
    /* requests and limits; -1 = not set */
    int64_t req_cpu_milli, req_memory, lim_cpu_milli, lim_memory;
    bool privileged;
    enum sim_container_state state;
    char *state_reason; /* waiting/terminated reason, NULL = none */
    int exit_code;      /* terminated */
    int64_t started_ns; /* running.startedAt */
    bool ready;
    int restart_count;
    int64_t last_finished_ns; /* lastState.terminated.finishedAt; 0 = no previous run */
};

struct sim_pod {
    struct sim_obj obj;
    /* spec */
    struct sim_container *containers;
    size_t n_containers;
    const char *restart_policy; /* static: "Always" */
    const char *dns_policy;     /* static: "ClusterFirst", "Default" */
    const char *scheduler_name; /* static: "default-scheduler" */
    char *service_account;      /* NULL = none */
    char *node_name;            /* NULL = not scheduled */
    bool host_network;
    struct label *node_selector; /* sorted; owned */
    size_t n_node_selector;
    bool tolerate_everything; /* tolerations: [{operator: Exists}] as DaemonSets have */
    char *priority_class;     /* NULL = none */
    int32_t priority;
    /* status */
    const char *phase; /* static: "Pending", "Running", "Succeeded", "Failed", "Unknown" */
    bool ready;        /* Ready and ContainersReady conditions */
    char *host_ip;
    char *pod_ip;
    char *nominated_node; /* NULL = none */
    int64_t start_ns;     /* status.startTime; 0 = not started */
};

/* Frees an object of any kind (accepts NULL). */
void sim_obj_free(struct sim_obj *o);

/* Typed views; the kind must match (ASSERTed). */
const struct sim_node *sim_as_node(const struct sim_obj *o);
const struct sim_pod *sim_as_pod(const struct sim_obj *o);
const struct sim_namespace *sim_as_namespace(const struct sim_obj *o);

/* Sets a label/annotation on an object under construction (keeps the array sorted; replaces an
 * existing key). Strings are copied. */
void sim_meta_set_label(struct sim_meta *m, const char *key, const char *value);
void sim_meta_set_annotation(struct sim_meta *m, const char *key, const char *value);

/* A small deterministic PRNG (splitmix64): the same seed gives the same sequence everywhere. */
struct sim_rng {
    uint64_t state;
};
void sim_rng_seed(struct sim_rng *r, uint64_t seed);
uint64_t sim_rng_next(struct sim_rng *r);
/* A random RFC 4122 version-4 UUID string ("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx"). */
void sim_rng_uuid(struct sim_rng *r, char out[37]);
/* n characters from Kubernetes' name-suffix alphabet "bcdfghjklmnpqrstvwxz2456789"
 * (utilrand.String), NUL-terminated: out must hold n + 1 bytes. */
void sim_rng_suffix(struct sim_rng *r, char *out, size_t n);
/* n lowercase hex digits, NUL-terminated. */
void sim_rng_hex(struct sim_rng *r, char *out, size_t n);

struct store;

struct world_config {
    unsigned nodes;              /* 0..KG_SIM_MAX_NODES */
    uint64_t seed;               /* --seed */
    const char *kubelet_version; /* NULL = KG_SIM_DEFAULT_KUBELET_VERSION */
    int64_t now_ns;              /* wall clock of the cluster's creation */
};

/* Node i (1-based) name and addresses, as world_populate() assigns them (the kubelets of a
 * later slice listen on the same IP). Buffers of 48 bytes always suffice. */
void world_node_name(unsigned i, char *out, size_t outlen);
void world_node_ip(unsigned i, char *out, size_t outlen);
void world_node_pod_cidr(unsigned i, char *out, size_t outlen);

/*
 * Fills an empty store with the initial world: namespaces default, kube-node-lease, kube-public,
 * kube-system; cfg->nodes Ready nodes sim-node-0001...; per node a kube-proxy and a kindnet
 * DaemonSet pod (hostNetwork, Running, Ready); two coredns pods of a ReplicaSet on the first
 * node(s) with pod IPs from their node's pod CIDR. Returns 0, or -EINVAL (message in err) for
 * an out-of-range node count or kubelet version that is not "v<major>.<minor>.<patch>...".
 */
int world_populate(struct store *st, const struct world_config *cfg, char *err, size_t errlen);

#endif
