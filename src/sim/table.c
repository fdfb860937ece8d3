/*
 * Table rendering after kube-apiserver 1.32's printers: the same column definitions (names,
 * types, formats, priorities and the descriptions the printers take from the API's swagger
 * docs) and the same cell computations (printPod's READY/STATUS/RESTARTS logic, printNode's
 * STATUS and ROLES, duration.HumanDuration for AGE). Init containers, readiness gates and
 * deletion timestamps do not exist in the sim yet, so their branches are not reproduced.
 */
#include <stdio.h>
#include <string.h>

#include "json/writer.h"
#include "sim/objects.h"
#include "sim/table.h"
#include "util/assert.h"
#include "util/time.h"

/* Descriptions as in k8s.io/apimachinery and k8s.io/api v0.32 (types_swagger_doc_generated.go). */
#define D_NAME                                                                                     \
    "Name must be unique within a namespace. Is required when creating resources, although "       \
    "some resources may allow a client to request the generation of an appropriate name "          \
    "automatically. Name is primarily intended for creation idempotence and configuration "        \
    "definition. Cannot be updated. More info: "                                                   \
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
#define D_AGE                                                                                      \
    "CreationTimestamp is a timestamp representing the server time when this object was "          \
    "created. It is not guaranteed to be set in happens-before order across separate "             \
    "operations. Clients may not set this value. It is represented in RFC3339 form and is in "     \
    "UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: "                      \
    "https://git.k8s.io/community/contributors/devel/sig-architecture/"                            \
    "api-conventions.md#metadata"
#define D_POD_IP                                                                                   \
    "podIP address allocated to the pod. Routable at least within the cluster. Empty if not "      \
    "yet allocated."
#define D_NODE_NAME                                                                                \
    "NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate "   \
    "for scheduling by the scheduler defined in schedulerName. Once this field is set, the "       \
    "kubelet for this node becomes responsible for the lifecycle of this pod. This field should "  \
    "not be used to express a desire for the pod to be scheduled on a specific node. "             \
    "https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename"
#define D_NOMINATED                                                                                \
    "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot "  \
    "be scheduled right away as preemption victims receive their graceful termination periods. "   \
    "This field does not guarantee that the pod will be scheduled on this node. Scheduler may "    \
    "decide to place the pod elsewhere if other nodes become available sooner. Scheduler may "     \
    "also decide to give the resources on this node to a higher priority pod that is created "     \
    "after preemption. As a result, this field may be different than PodSpec.nodeName when the "   \
    "pod is scheduled."
#define D_READINESS_GATES                                                                          \
    "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when "  \
    "all its containers are ready AND all conditions specified in the readiness gates have "       \
    "status equal to \"True\" More info: "                                                         \
    "https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates"
#define D_ADDRESSES                                                                                \
    "List of addresses reachable to the node. Queried from cloud provider, if available. More "    \
    "info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is "  \
    "declared as mergeable, but the merge key is not sufficiently unique, which can cause data "   \
    "corruption when it is merged. Callers should instead use a full-replacement patch. See "      \
    "https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change "   \
    "during the lifetime of a Node. However, there are some exceptions where this may not be "     \
    "possible, such as Pods that inherit a Node's address in its own status or consumers of the "  \
    "downward API (status.hostIP)."

struct column {
    const char *name;
    const char *type;
    const char *format;
    const char *description;
    int priority;
};

static const struct column pod_columns[] = {
    { "Name", "string", "name", D_NAME, 0 },
    { "Ready", "string", "", "The aggregate readiness state of this pod for accepting traffic.",
      0 },
    { "Status", "string", "", "The aggregate status of the containers in this pod.", 0 },
    { "Restarts", "string", "",
      "The number of times the containers in this pod have been restarted and when the last "
      "container in this pod has restarted.",
      0 },
    { "Age", "string", "", D_AGE, 0 },
    { "IP", "string", "", D_POD_IP, 1 },
    { "Node", "string", "", D_NODE_NAME, 1 },
    { "Nominated Node", "string", "", D_NOMINATED, 1 },
    { "Readiness Gates", "string", "", D_READINESS_GATES, 1 },
};

static const struct column node_columns[] = {
    { "Name", "string", "name", D_NAME, 0 },
    { "Status", "string", "", "The status of the node", 0 },
    { "Roles", "string", "", "The roles of the node", 0 },
    { "Age", "string", "", D_AGE, 0 },
    { "Version", "string", "", "Kubelet Version reported by the node.", 0 },
    { "Internal-IP", "string", "", D_ADDRESSES, 1 },
    { "External-IP", "string", "", D_ADDRESSES, 1 },
    { "OS-Image", "string", "",
      "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).", 1 },
    { "Kernel-Version", "string", "",
      "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1 },
    { "Container-Runtime", "string", "",
      "ContainerRuntime Version reported by the node through runtime remote API (e.g. "
      "containerd://1.4.2).",
      1 },
};

static const struct column namespace_columns[] = {
    { "Name", "string", "name", D_NAME, 0 },
    { "Status", "string", "", "The status of the namespace", 0 },
    { "Age", "string", "", D_AGE, 0 },
};

static const struct column *columns(enum sim_kind kind, size_t *n)
{
    switch (kind) {
    case SIM_KIND_POD:
        *n = sizeof(pod_columns) / sizeof(pod_columns[0]);
        return pod_columns;
    case SIM_KIND_NODE:
        *n = sizeof(node_columns) / sizeof(node_columns[0]);
        return node_columns;
    case SIM_KIND_NAMESPACE:
        *n = sizeof(namespace_columns) / sizeof(namespace_columns[0]);
        return namespace_columns;
    case SIM_KIND_COUNT:
        break;
    }
    ASSERT(!"bad kind");
    return NULL;
}

size_t table_human_duration(int64_t ns, char *out, size_t outlen)
{
    /* Go: int(d.Seconds()) truncates toward zero */
    int64_t seconds = ns / NS_PER_SEC;
    int n;
    if (seconds < -1) {
        n = snprintf(out, outlen, "<invalid>");
    } else if (seconds < 0) {
        n = snprintf(out, outlen, "0s");
    } else if (seconds < 60 * 2) {
        n = snprintf(out, outlen, "%llds", (long long)seconds);
    } else {
        int64_t minutes = ns / (60 * NS_PER_SEC);
        int64_t hours = ns / (3600 * NS_PER_SEC);
        if (minutes < 10) {
            int64_t s = seconds % 60;
            n = s ? snprintf(out, outlen, "%lldm%llds", (long long)minutes, (long long)s)
                  : snprintf(out, outlen, "%lldm", (long long)minutes);
        } else if (minutes < 60 * 3) {
            n = snprintf(out, outlen, "%lldm", (long long)minutes);
        } else if (hours < 8) {
            int64_t m = minutes % 60;
            n = m ? snprintf(out, outlen, "%lldh%lldm", (long long)hours, (long long)m)
                  : snprintf(out, outlen, "%lldh", (long long)hours);
        } else if (hours < 48) {
            n = snprintf(out, outlen, "%lldh", (long long)hours);
        } else if (hours < 24 * 8) {
            int64_t h = hours % 24;
            n = h ? snprintf(out, outlen, "%lldd%lldh", (long long)(hours / 24), (long long)h)
                  : snprintf(out, outlen, "%lldd", (long long)(hours / 24));
        } else if (hours < 24 * 365 * 2) {
            n = snprintf(out, outlen, "%lldd", (long long)(hours / 24));
        } else if (hours < 24 * 365 * 8) {
            int64_t dy = (hours / 24) % 365;
            n = dy ? snprintf(out, outlen, "%lldy%lldd", (long long)(hours / 24 / 365),
                              (long long)dy)
                   : snprintf(out, outlen, "%lldy", (long long)(hours / 24 / 365));
        } else {
            n = snprintf(out, outlen, "%lldy", (long long)(hours / 24 / 365));
        }
    }
    if (n < 0)
        n = 0;
    return (size_t)n < outlen ? (size_t)n : outlen ? outlen - 1 : 0;
}

static void cell_age(struct json_writer *w, int64_t created_ns, int64_t now_ns)
{
    char s[32];
    if (!created_ns) {
        json_writer_string(w, "<unknown>");
        return;
    }
    table_human_duration(now_ns - created_ns, s, sizeof(s));
    json_writer_string(w, s);
}

static const char *or_none(const char *s)
{
    return s && s[0] ? s : "<none>";
}

static void pod_cells(struct json_writer *w, const struct sim_pod *p, int64_t now_ns)
{
    char buf[128], restarts_s[96];
    const char *reason = p->phase;
    int restarts = 0, ready = 0;
    int64_t last_restart = 0;
    bool has_running = false;

    for (size_t k = p->n_containers; k-- > 0;) {
        const struct sim_container *c = &p->containers[k];
        restarts += c->restart_count;
        if (c->last_finished_ns > last_restart)
            last_restart = c->last_finished_ns;
        if (c->state == SIM_CONTAINER_WAITING && c->state_reason && c->state_reason[0]) {
            reason = c->state_reason;
        } else if (c->state == SIM_CONTAINER_TERMINATED && c->state_reason && c->state_reason[0]) {
            reason = c->state_reason;
        } else if (c->state == SIM_CONTAINER_TERMINATED) {
            snprintf(buf, sizeof(buf), "ExitCode:%d", c->exit_code);
            reason = buf;
        } else if (c->ready && c->state == SIM_CONTAINER_RUNNING) {
            has_running = true;
            ready++;
        }
    }
    if (!strcmp(reason, "Completed") && has_running)
        reason = p->ready ? "Running" : "NotReady";

    if (restarts != 0 && last_restart) {
        char ago[32];
        table_human_duration(now_ns - last_restart, ago, sizeof(ago));
        snprintf(restarts_s, sizeof(restarts_s), "%d (%s ago)", restarts, ago);
    } else {
        snprintf(restarts_s, sizeof(restarts_s), "%d", restarts);
    }
    char ready_s[48];
    snprintf(ready_s, sizeof(ready_s), "%d/%zu", ready, p->n_containers);

    json_writer_string(w, p->obj.meta.name);
    json_writer_string(w, ready_s);
    json_writer_string(w, reason);
    json_writer_string(w, restarts_s);
    cell_age(w, p->obj.meta.created_ns, now_ns);
    json_writer_string(w, or_none(p->pod_ip));
    json_writer_string(w, or_none(p->node_name));
    json_writer_string(w, or_none(p->nominated_node));
    json_writer_string(w, "<none>"); /* readiness gates: none in the sim */
}

static void node_cells(struct json_writer *w, const struct sim_node *n, int64_t now_ns)
{
    char status[64];
    snprintf(status, sizeof(status), "%s%s", n->ready ? "Ready" : "NotReady",
             n->unschedulable ? ",SchedulingDisabled" : "");

    /* Roles: node-role.kubernetes.io/<role> labels and kubernetes.io/role=<role>, as a sorted
     * set joined by ",". The labels are sorted by key, but the two sources interleave. */
    static const char prefix[] = "node-role.kubernetes.io/";
    const char *roles[64];
    size_t nroles = 0;
    for (size_t i = 0; i < n->obj.meta.n_labels && nroles < 64; i++) {
        const struct label *l = &n->obj.meta.labels[i];
        const char *role = NULL;
        if (!strncmp(l->key, prefix, sizeof(prefix) - 1) && l->key[sizeof(prefix) - 1])
            role = l->key + sizeof(prefix) - 1;
        else if (!strcmp(l->key, "kubernetes.io/role") && l->value[0])
            role = l->value;
        if (!role)
            continue;
        size_t at = 0;
        while (at < nroles && strcmp(roles[at], role) < 0)
            at++;
        if (at < nroles && !strcmp(roles[at], role))
            continue;
        memmove(&roles[at + 1], &roles[at], (nroles - at) * sizeof(roles[0]));
        roles[at] = role;
        nroles++;
    }
    char roles_s[1024] = "";
    size_t len = 0;
    for (size_t i = 0; i < nroles && len < sizeof(roles_s); i++)
        len +=
            (size_t)snprintf(roles_s + len, sizeof(roles_s) - len, "%s%s", i ? "," : "", roles[i]);

    json_writer_string(w, n->obj.meta.name);
    json_writer_string(w, status);
    json_writer_string(w, or_none(roles_s));
    cell_age(w, n->obj.meta.created_ns, now_ns);
    json_writer_string(w, n->kubelet_version);
    json_writer_string(w, or_none(n->internal_ip));
    json_writer_string(w, "<none>"); /* the sim's nodes have no ExternalIP */
    json_writer_string(w, n->os_image && n->os_image[0] ? n->os_image : "<unknown>");
    json_writer_string(w,
                       n->kernel_version && n->kernel_version[0] ? n->kernel_version : "<unknown>");
    json_writer_string(w, n->runtime_version && n->runtime_version[0] ? n->runtime_version
                                                                      : "<unknown>");
}

int table_write_cells(struct json_writer *w, const struct sim_obj *o, int64_t now_ns)
{
    json_writer_begin_array(w);
    switch (o->kind) {
    case SIM_KIND_POD:
        pod_cells(w, sim_as_pod(o), now_ns);
        break;
    case SIM_KIND_NODE:
        node_cells(w, sim_as_node(o), now_ns);
        break;
    case SIM_KIND_NAMESPACE:
        json_writer_string(w, o->meta.name);
        json_writer_string(w, sim_as_namespace(o)->phase);
        cell_age(w, o->meta.created_ns, now_ns);
        break;
    case SIM_KIND_COUNT:
        ASSERT(!"bad kind");
    }
    return json_writer_end_array(w);
}

static void row_conditions(struct json_writer *w, const struct sim_obj *o)
{
    if (o->kind != SIM_KIND_POD)
        return;
    const char *phase = sim_as_pod(o)->phase;
    const char *msg = NULL;
    if (!strcmp(phase, "Succeeded"))
        msg = "The pod has completed successfully.";
    else if (!strcmp(phase, "Failed"))
        msg = "The pod failed.";
    if (!msg)
        return;
    json_writer_key(w, "conditions");
    json_writer_begin_array(w);
    json_writer_begin_object(w);
    json_writer_member_string(w, "type", "Completed");
    json_writer_member_string(w, "status", "True");
    json_writer_member_string(w, "reason", phase);
    json_writer_member_string(w, "message", msg);
    json_writer_end_object(w);
    json_writer_end_array(w);
}

int table_write(struct json_writer *w, const char *version, enum sim_kind kind,
                const struct sim_obj *const *objs, size_t n, const struct table_listmeta *lm,
                enum table_include include, int64_t now_ns)
{
    char api_version[32], rv[32];
    snprintf(api_version, sizeof(api_version), "meta.k8s.io/%s", version);
    json_writer_begin_object(w);
    json_writer_member_string(w, "kind", "Table");
    json_writer_member_string(w, "apiVersion", api_version);
    json_writer_key(w, "metadata");
    json_writer_begin_object(w);
    snprintf(rv, sizeof(rv), "%llu", (unsigned long long)lm->rv);
    json_writer_member_string(w, "resourceVersion", rv);
    if (lm->cont && lm->cont[0])
        json_writer_member_string(w, "continue", lm->cont);
    if (lm->remaining >= 0)
        json_writer_member_int64(w, "remainingItemCount", lm->remaining);
    json_writer_end_object(w);

    size_t ncols;
    const struct column *cols = columns(kind, &ncols);
    json_writer_key(w, "columnDefinitions");
    json_writer_begin_array(w);
    for (size_t i = 0; i < ncols; i++) {
        json_writer_begin_object(w);
        json_writer_member_string(w, "name", cols[i].name);
        json_writer_member_string(w, "type", cols[i].type);
        json_writer_member_string(w, "format", cols[i].format);
        json_writer_member_string(w, "description", cols[i].description);
        json_writer_member_int64(w, "priority", cols[i].priority);
        json_writer_end_object(w);
    }
    json_writer_end_array(w);

    json_writer_key(w, "rows");
    json_writer_begin_array(w);
    for (size_t i = 0; i < n; i++) {
        json_writer_begin_object(w);
        json_writer_key(w, "cells");
        table_write_cells(w, objs[i], now_ns);
        row_conditions(w, objs[i]);
        switch (include) {
        case TABLE_INCLUDE_NONE:
            break;
        case TABLE_INCLUDE_METADATA:
            json_writer_key(w, "object");
            obj_write_partial(w, objs[i]);
            break;
        case TABLE_INCLUDE_OBJECT:
            json_writer_key(w, "object");
            obj_write_json(w, objs[i], true);
            break;
        }
        json_writer_end_object(w);
    }
    json_writer_end_array(w);
    return json_writer_end_object(w);
}
