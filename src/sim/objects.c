/*
 * JSON for the sim's objects, field by field in the order of the k8s.io/api Go structs (which is
 * the order encoding/json writes), with their omitempty rules: a struct-typed metav1.Time that is
 * zero still prints as null (lastProbeTime), empty optional strings and slices vanish. Quantities
 * are printed with kube/quantity so "100m", "4" and "16393220Ki" come out as Kubernetes would.
 */
#include <stdio.h>
#include <string.h>

#include "json/writer.h"
#include "kube/quantity.h"
#include "sim/objects.h"
#include "util/assert.h"
#include "util/time.h"

const char *obj_kind_name(enum sim_kind kind)
{
    switch (kind) {
    case SIM_KIND_NAMESPACE:
        return "Namespace";
    case SIM_KIND_NODE:
        return "Node";
    case SIM_KIND_POD:
        return "Pod";
    case SIM_KIND_COUNT:
        break;
    }
    ASSERT(!"bad kind");
    return "";
}

const char *obj_list_kind_name(enum sim_kind kind)
{
    switch (kind) {
    case SIM_KIND_NAMESPACE:
        return "NamespaceList";
    case SIM_KIND_NODE:
        return "NodeList";
    case SIM_KIND_POD:
        return "PodList";
    case SIM_KIND_COUNT:
        break;
    }
    ASSERT(!"bad kind");
    return "";
}

const char *obj_api_version(enum sim_kind kind)
{
    (void)kind;
    return "v1";
}

const char *obj_resource(enum sim_kind kind)
{
    switch (kind) {
    case SIM_KIND_NAMESPACE:
        return "namespaces";
    case SIM_KIND_NODE:
        return "nodes";
    case SIM_KIND_POD:
        return "pods";
    case SIM_KIND_COUNT:
        break;
    }
    ASSERT(!"bad kind");
    return "";
}

/* ---- small writers ---- */

static void w_time(struct json_writer *w, const char *key, int64_t ns)
{
    char t[TIME_RFC3339_LEN];
    json_writer_key(w, key);
    if (ns == 0) {
        json_writer_null(w);
        return;
    }
    time_format_rfc3339(ns, t, sizeof(t));
    json_writer_string(w, t);
}

static void w_str_opt(struct json_writer *w, const char *key, const char *v)
{
    if (v && v[0])
        json_writer_member_string(w, key, v);
}

static void w_map(struct json_writer *w, const char *key, const struct label *kv, size_t n)
{
    if (!n)
        return;
    json_writer_key(w, key);
    json_writer_begin_object(w);
    for (size_t i = 0; i < n; i++)
        json_writer_member_string(w, kv[i].key, kv[i].value);
    json_writer_end_object(w);
}

static void w_cpu(struct json_writer *w, const char *key, int64_t milli)
{
    struct quantity q;
    char s[KG_MAX_QUANTITY_LEN];
    quantity_from_milli(&q, milli, QUANTITY_DECIMAL_SI);
    quantity_format(&q, s);
    json_writer_member_string(w, key, s);
}

static void w_bytes(struct json_writer *w, const char *key, int64_t bytes)
{
    char s[KG_MAX_QUANTITY_LEN];
    quantity_format_bytes(bytes, s);
    json_writer_member_string(w, key, s);
}

static void w_count(struct json_writer *w, const char *key, int64_t n)
{
    char s[32];
    snprintf(s, sizeof(s), "%lld", (long long)n);
    json_writer_member_string(w, key, s);
}

static void w_strings(struct json_writer *w, const char *key, char *const *v, size_t n)
{
    if (!n)
        return;
    json_writer_key(w, key);
    json_writer_begin_array(w);
    for (size_t i = 0; i < n; i++)
        json_writer_string(w, v[i]);
    json_writer_end_array(w);
}

/* ---- metadata ---- */

int obj_write_meta(struct json_writer *w, const struct sim_meta *m)
{
    char rv[32];
    json_writer_begin_object(w);
    json_writer_member_string(w, "name", m->name);
    w_str_opt(w, "generateName", m->generate_name);
    w_str_opt(w, "namespace", m->namespace);
    w_str_opt(w, "uid", m->uid);
    snprintf(rv, sizeof(rv), "%llu", (unsigned long long)m->rv);
    json_writer_member_string(w, "resourceVersion", rv);
    w_time(w, "creationTimestamp", m->created_ns);
    w_map(w, "labels", m->labels, m->n_labels);
    w_map(w, "annotations", m->annotations, m->n_annotations);
    if (m->has_owner) {
        json_writer_key(w, "ownerReferences");
        json_writer_begin_array(w);
        json_writer_begin_object(w);
        json_writer_member_string(w, "apiVersion", m->owner.api_version);
        json_writer_member_string(w, "kind", m->owner.kind);
        json_writer_member_string(w, "name", m->owner.name);
        json_writer_member_string(w, "uid", m->owner.uid);
        json_writer_key(w, "controller");
        json_writer_bool(w, true);
        json_writer_key(w, "blockOwnerDeletion");
        json_writer_bool(w, true);
        json_writer_end_object(w);
        json_writer_end_array(w);
    }
    return json_writer_end_object(w);
}

int obj_write_partial(struct json_writer *w, const struct sim_obj *o)
{
    json_writer_begin_object(w);
    json_writer_member_string(w, "kind", "PartialObjectMetadata");
    json_writer_member_string(w, "apiVersion", "meta.k8s.io/v1");
    json_writer_key(w, "metadata");
    obj_write_meta(w, &o->meta);
    return json_writer_end_object(w);
}

/* ---- namespace ---- */

static void write_namespace(struct json_writer *w, const struct sim_namespace *ns)
{
    json_writer_key(w, "spec");
    json_writer_begin_object(w);
    json_writer_key(w, "finalizers");
    json_writer_begin_array(w);
    json_writer_string(w, "kubernetes");
    json_writer_end_array(w);
    json_writer_end_object(w);
    json_writer_key(w, "status");
    json_writer_begin_object(w);
    json_writer_member_string(w, "phase", ns->phase);
    json_writer_end_object(w);
}

/* ---- node ---- */

static void node_resources(struct json_writer *w, const char *key, int64_t cpu_milli,
                           int64_t ephemeral, int64_t memory, int64_t pods)
{
    json_writer_key(w, key);
    json_writer_begin_object(w);
    w_cpu(w, "cpu", cpu_milli);
    w_bytes(w, "ephemeral-storage", ephemeral);
    w_count(w, "hugepages-1Gi", 0);
    w_count(w, "hugepages-2Mi", 0);
    w_bytes(w, "memory", memory);
    w_count(w, "pods", pods);
    json_writer_end_object(w);
}

static void node_condition(struct json_writer *w, const struct sim_node *n, const char *type,
                           bool status, const char *reason, const char *message)
{
    json_writer_begin_object(w);
    json_writer_member_string(w, "type", type);
    json_writer_member_string(w, "status", status ? "True" : "False");
    w_time(w, "lastHeartbeatTime", n->heartbeat_ns);
    w_time(w, "lastTransitionTime", n->obj.meta.created_ns);
    json_writer_member_string(w, "reason", reason);
    json_writer_member_string(w, "message", message);
    json_writer_end_object(w);
}

static void write_node(struct json_writer *w, const struct sim_node *n)
{
    json_writer_key(w, "spec");
    json_writer_begin_object(w);
    w_str_opt(w, "podCIDR", n->pod_cidr);
    if (n->pod_cidr) {
        json_writer_key(w, "podCIDRs");
        json_writer_begin_array(w);
        json_writer_string(w, n->pod_cidr);
        json_writer_end_array(w);
    }
    if (n->unschedulable) {
        json_writer_key(w, "unschedulable");
        json_writer_bool(w, true);
    }
    json_writer_end_object(w);

    json_writer_key(w, "status");
    json_writer_begin_object(w);
    node_resources(w, "capacity", n->cap_cpu_milli, n->cap_ephemeral, n->cap_memory, n->cap_pods);
    node_resources(w, "allocatable", n->alloc_cpu_milli, n->alloc_ephemeral, n->alloc_memory,
                   n->alloc_pods);
    json_writer_key(w, "conditions");
    json_writer_begin_array(w);
    node_condition(w, n, "MemoryPressure", false, "KubeletHasSufficientMemory",
                   "kubelet has sufficient memory available");
    node_condition(w, n, "DiskPressure", false, "KubeletHasNoDiskPressure",
                   "kubelet has no disk pressure");
    node_condition(w, n, "PIDPressure", false, "KubeletHasSufficientPID",
                   "kubelet has sufficient PID available");
    if (n->ready)
        node_condition(w, n, "Ready", true, "KubeletReady", "kubelet is posting ready status");
    else
        node_condition(w, n, "Ready", false, "KubeletNotReady",
                       "container runtime status check may not have completed yet");
    json_writer_end_array(w);
    json_writer_key(w, "addresses");
    json_writer_begin_array(w);
    json_writer_begin_object(w);
    json_writer_member_string(w, "type", "InternalIP");
    json_writer_member_string(w, "address", n->internal_ip);
    json_writer_end_object(w);
    json_writer_begin_object(w);
    json_writer_member_string(w, "type", "Hostname");
    json_writer_member_string(w, "address", n->obj.meta.name);
    json_writer_end_object(w);
    json_writer_end_array(w);
    json_writer_key(w, "daemonEndpoints");
    json_writer_begin_object(w);
    json_writer_key(w, "kubeletEndpoint");
    json_writer_begin_object(w);
    json_writer_member_int64(w, "Port", n->kubelet_port);
    json_writer_end_object(w);
    json_writer_end_object(w);
    json_writer_key(w, "nodeInfo");
    json_writer_begin_object(w);
    json_writer_member_string(w, "machineID", n->machine_id);
    json_writer_member_string(w, "systemUUID", n->system_uuid);
    json_writer_member_string(w, "bootID", n->boot_id);
    json_writer_member_string(w, "kernelVersion", n->kernel_version);
    json_writer_member_string(w, "osImage", n->os_image);
    json_writer_member_string(w, "containerRuntimeVersion", n->runtime_version);
    json_writer_member_string(w, "kubeletVersion", n->kubelet_version);
    /* Deprecated and no longer set by 1.31+ kubelets, but not omitempty. */
    json_writer_member_string(w, "kubeProxyVersion", "");
    json_writer_member_string(w, "operatingSystem", "linux");
    json_writer_member_string(w, "architecture", "amd64");
    json_writer_end_object(w);
    json_writer_end_object(w);
}

/* ---- pod ---- */

const char *obj_pod_qos(const struct sim_pod *p)
{
    bool any = false, guaranteed = true;
    for (size_t i = 0; i < p->n_containers; i++) {
        const struct sim_container *c = &p->containers[i];
        if (c->req_cpu_milli >= 0 || c->req_memory >= 0 || c->lim_cpu_milli >= 0 ||
            c->lim_memory >= 0)
            any = true;
        /* Guaranteed: limits for cpu and memory on every container, requests (defaulted to
         * the limits) equal to them. */
        if (c->lim_cpu_milli < 0 || c->lim_memory < 0)
            guaranteed = false;
        if (c->req_cpu_milli >= 0 && c->req_cpu_milli != c->lim_cpu_milli)
            guaranteed = false;
        if (c->req_memory >= 0 && c->req_memory != c->lim_memory)
            guaranteed = false;
    }
    if (!any)
        return "BestEffort";
    return guaranteed ? "Guaranteed" : "Burstable";
}

static void container_resources(struct json_writer *w, const struct sim_container *c)
{
    json_writer_key(w, "resources");
    json_writer_begin_object(w);
    if (c->lim_cpu_milli >= 0 || c->lim_memory >= 0) {
        json_writer_key(w, "limits");
        json_writer_begin_object(w);
        if (c->lim_cpu_milli >= 0)
            w_cpu(w, "cpu", c->lim_cpu_milli);
        if (c->lim_memory >= 0)
            w_bytes(w, "memory", c->lim_memory);
        json_writer_end_object(w);
    }
    /* The API server defaults missing requests to the limits. */
    int64_t rc = c->req_cpu_milli >= 0 ? c->req_cpu_milli : c->lim_cpu_milli;
    int64_t rm = c->req_memory >= 0 ? c->req_memory : c->lim_memory;
    if (rc >= 0 || rm >= 0) {
        json_writer_key(w, "requests");
        json_writer_begin_object(w);
        if (rc >= 0)
            w_cpu(w, "cpu", rc);
        if (rm >= 0)
            w_bytes(w, "memory", rm);
        json_writer_end_object(w);
    }
    json_writer_end_object(w);
}

static void pod_condition(struct json_writer *w, const char *type, bool status, int64_t t)
{
    json_writer_begin_object(w);
    json_writer_member_string(w, "type", type);
    json_writer_member_string(w, "status", status ? "True" : "False");
    w_time(w, "lastProbeTime", 0);
    w_time(w, "lastTransitionTime", t);
    json_writer_end_object(w);
}

static void container_status(struct json_writer *w, const struct sim_container *c)
{
    char t[TIME_RFC3339_LEN];
    json_writer_begin_object(w);
    json_writer_member_string(w, "name", c->name);
    json_writer_key(w, "state");
    json_writer_begin_object(w);
    switch (c->state) {
    case SIM_CONTAINER_WAITING:
        json_writer_key(w, "waiting");
        json_writer_begin_object(w);
        w_str_opt(w, "reason", c->state_reason);
        json_writer_end_object(w);
        break;
    case SIM_CONTAINER_RUNNING:
        json_writer_key(w, "running");
        json_writer_begin_object(w);
        if (c->started_ns) {
            time_format_rfc3339(c->started_ns, t, sizeof(t));
            json_writer_member_string(w, "startedAt", t);
        }
        json_writer_end_object(w);
        break;
    case SIM_CONTAINER_TERMINATED:
        json_writer_key(w, "terminated");
        json_writer_begin_object(w);
        json_writer_member_int64(w, "exitCode", c->exit_code);
        w_str_opt(w, "reason", c->state_reason);
        w_time(w, "startedAt", c->started_ns);
        w_time(w, "finishedAt", c->last_finished_ns);
        json_writer_end_object(w);
        break;
    }
    json_writer_end_object(w);
    json_writer_key(w, "lastState");
    json_writer_begin_object(w);
    if (c->last_finished_ns && c->state != SIM_CONTAINER_TERMINATED) {
        json_writer_key(w, "terminated");
        json_writer_begin_object(w);
        json_writer_member_int64(w, "exitCode", 137);
        json_writer_member_string(w, "reason", "Error");
        w_time(w, "startedAt", 0);
        w_time(w, "finishedAt", c->last_finished_ns);
        json_writer_end_object(w);
    }
    json_writer_end_object(w);
    json_writer_key(w, "ready");
    json_writer_bool(w, c->ready);
    json_writer_member_int64(w, "restartCount", c->restart_count);
    json_writer_member_string(w, "image", c->image);
    json_writer_member_string(w, "imageID", c->image_id ? c->image_id : "");
    w_str_opt(w, "containerID", c->container_id);
    if (c->state == SIM_CONTAINER_RUNNING) {
        json_writer_key(w, "started");
        json_writer_bool(w, true);
    } else {
        json_writer_key(w, "started");
        json_writer_bool(w, false);
    }
    json_writer_end_object(w);
}

static void write_pod(struct json_writer *w, const struct sim_pod *p)
{
    json_writer_key(w, "spec");
    json_writer_begin_object(w);
    json_writer_key(w, "containers");
    json_writer_begin_array(w);
    for (size_t i = 0; i < p->n_containers; i++) {
        const struct sim_container *c = &p->containers[i];
        json_writer_begin_object(w);
        json_writer_member_string(w, "name", c->name);
        json_writer_member_string(w, "image", c->image);
        w_strings(w, "command", c->command, c->n_command);
        container_resources(w, c);
        json_writer_member_string(w, "terminationMessagePath", "/dev/termination-log");
        json_writer_member_string(w, "terminationMessagePolicy", "File");
        json_writer_member_string(w, "imagePullPolicy", "IfNotPresent");
        if (c->privileged) {
            json_writer_key(w, "securityContext");
            json_writer_begin_object(w);
            json_writer_key(w, "privileged");
            json_writer_bool(w, true);
            json_writer_end_object(w);
        }
        json_writer_end_object(w);
    }
    json_writer_end_array(w);
    json_writer_member_string(w, "restartPolicy", p->restart_policy);
    json_writer_member_int64(w, "terminationGracePeriodSeconds", 30);
    json_writer_member_string(w, "dnsPolicy", p->dns_policy);
    w_map(w, "nodeSelector", p->node_selector, p->n_node_selector);
    w_str_opt(w, "serviceAccountName", p->service_account);
    w_str_opt(w, "serviceAccount", p->service_account);
    w_str_opt(w, "nodeName", p->node_name);
    if (p->host_network) {
        json_writer_key(w, "hostNetwork");
        json_writer_bool(w, true);
    }
    json_writer_key(w, "securityContext");
    json_writer_begin_object(w);
    json_writer_end_object(w);
    json_writer_member_string(w, "schedulerName", p->scheduler_name);
    if (p->tolerate_everything) {
        json_writer_key(w, "tolerations");
        json_writer_begin_array(w);
        json_writer_begin_object(w);
        json_writer_member_string(w, "operator", "Exists");
        json_writer_end_object(w);
        json_writer_end_array(w);
    }
    w_str_opt(w, "priorityClassName", p->priority_class);
    json_writer_member_int64(w, "priority", p->priority);
    json_writer_key(w, "enableServiceLinks");
    json_writer_bool(w, true);
    json_writer_member_string(w, "preemptionPolicy", "PreemptLowerPriority");
    json_writer_end_object(w);

    json_writer_key(w, "status");
    json_writer_begin_object(w);
    json_writer_member_string(w, "phase", p->phase);
    if (p->node_name) {
        int64_t t = p->start_ns ? p->start_ns : p->obj.meta.created_ns;
        bool started = p->start_ns != 0;
        json_writer_key(w, "conditions");
        json_writer_begin_array(w);
        pod_condition(w, "PodReadyToStartContainers", started, t);
        pod_condition(w, "Initialized", true, t);
        pod_condition(w, "Ready", p->ready, t);
        pod_condition(w, "ContainersReady", p->ready, t);
        pod_condition(w, "PodScheduled", true, p->obj.meta.created_ns);
        json_writer_end_array(w);
    }
    w_str_opt(w, "nominatedNodeName", p->nominated_node);
    if (p->host_ip) {
        json_writer_member_string(w, "hostIP", p->host_ip);
        json_writer_key(w, "hostIPs");
        json_writer_begin_array(w);
        json_writer_begin_object(w);
        json_writer_member_string(w, "ip", p->host_ip);
        json_writer_end_object(w);
        json_writer_end_array(w);
    }
    if (p->pod_ip) {
        json_writer_member_string(w, "podIP", p->pod_ip);
        json_writer_key(w, "podIPs");
        json_writer_begin_array(w);
        json_writer_begin_object(w);
        json_writer_member_string(w, "ip", p->pod_ip);
        json_writer_end_object(w);
        json_writer_end_array(w);
    }
    if (p->start_ns) {
        char t[TIME_RFC3339_LEN];
        time_format_rfc3339(p->start_ns, t, sizeof(t));
        json_writer_member_string(w, "startTime", t);
    }
    if (p->start_ns && p->n_containers) {
        json_writer_key(w, "containerStatuses");
        json_writer_begin_array(w);
        for (size_t i = 0; i < p->n_containers; i++)
            container_status(w, &p->containers[i]);
        json_writer_end_array(w);
    }
    json_writer_member_string(w, "qosClass", obj_pod_qos(p));
    json_writer_end_object(w);
}

int obj_write_json(struct json_writer *w, const struct sim_obj *o, bool with_type)
{
    json_writer_begin_object(w);
    if (with_type) {
        json_writer_member_string(w, "kind", obj_kind_name(o->kind));
        json_writer_member_string(w, "apiVersion", obj_api_version(o->kind));
    }
    json_writer_key(w, "metadata");
    obj_write_meta(w, &o->meta);
    switch (o->kind) {
    case SIM_KIND_NAMESPACE:
        write_namespace(w, sim_as_namespace(o));
        break;
    case SIM_KIND_NODE:
        write_node(w, sim_as_node(o));
        break;
    case SIM_KIND_POD:
        write_pod(w, sim_as_pod(o));
        break;
    case SIM_KIND_COUNT:
        ASSERT(!"bad kind");
    }
    return json_writer_end_object(w);
}

/* ---- field selectors ---- */

/* pkg/apis/core/v1/conversion.go (AddFieldLabelConversionFunc) of Kubernetes 1.32. */
static const struct fields_allowed pod_fields[] = {
    { "metadata.name", NULL },
    { "metadata.namespace", NULL },
    { "spec.nodeName", NULL },
    { "spec.restartPolicy", NULL },
    { "spec.schedulerName", NULL },
    { "spec.serviceAccountName", NULL },
    { "spec.hostNetwork", NULL },
    { "status.phase", NULL },
    { "status.podIP", NULL },
    { "status.podIPs", NULL },
    { "status.nominatedNodeName", NULL },
    { "spec.host", "spec.nodeName" },
};
static const struct fields_allowed node_fields[] = {
    { "metadata.name", NULL },
    { "spec.unschedulable", NULL },
};
static const struct fields_allowed namespace_fields[] = {
    { "status.phase", NULL },
    { "metadata.name", NULL },
};

const struct fields_allowed *obj_field_labels(enum sim_kind kind, size_t *n)
{
    switch (kind) {
    case SIM_KIND_POD:
        *n = sizeof(pod_fields) / sizeof(pod_fields[0]);
        return pod_fields;
    case SIM_KIND_NODE:
        *n = sizeof(node_fields) / sizeof(node_fields[0]);
        return node_fields;
    case SIM_KIND_NAMESPACE:
        *n = sizeof(namespace_fields) / sizeof(namespace_fields[0]);
        return namespace_fields;
    case SIM_KIND_COUNT:
        break;
    }
    *n = 0;
    return NULL;
}

static bool field_is(const char *field, size_t len, const char *name)
{
    return strlen(name) == len && memcmp(field, name, len) == 0;
}

static bool field_value(const char *v, const char **value, size_t *value_len)
{
    *value = v ? v : "";
    *value_len = strlen(*value);
    return true;
}

bool obj_field_get(void *ud, const char *field, size_t field_len, const char **value,
                   size_t *value_len)
{
    const struct sim_obj *o = ud;
    if (field_is(field, field_len, "metadata.name"))
        return field_value(o->meta.name, value, value_len);
    if (o->meta.namespace && field_is(field, field_len, "metadata.namespace"))
        return field_value(o->meta.namespace, value, value_len);
    switch (o->kind) {
    case SIM_KIND_POD: {
        const struct sim_pod *p = sim_as_pod(o);
        if (field_is(field, field_len, "spec.nodeName"))
            return field_value(p->node_name, value, value_len);
        if (field_is(field, field_len, "spec.restartPolicy"))
            return field_value(p->restart_policy, value, value_len);
        if (field_is(field, field_len, "spec.schedulerName"))
            return field_value(p->scheduler_name, value, value_len);
        if (field_is(field, field_len, "spec.serviceAccountName"))
            return field_value(p->service_account, value, value_len);
        if (field_is(field, field_len, "spec.hostNetwork"))
            return field_value(p->host_network ? "true" : "false", value, value_len);
        if (field_is(field, field_len, "status.phase"))
            return field_value(p->phase, value, value_len);
        if (field_is(field, field_len, "status.podIP"))
            return field_value(p->pod_ip, value, value_len);
        if (field_is(field, field_len, "status.nominatedNodeName"))
            return field_value(p->nominated_node, value, value_len);
        break;
    }
    case SIM_KIND_NODE:
        if (field_is(field, field_len, "spec.unschedulable"))
            return field_value(sim_as_node(o)->unschedulable ? "true" : "false", value, value_len);
        break;
    case SIM_KIND_NAMESPACE:
        if (field_is(field, field_len, "status.phase"))
            return field_value(sim_as_namespace(o)->phase, value, value_len);
        break;
    case SIM_KIND_COUNT:
        break;
    }
    return false;
}
