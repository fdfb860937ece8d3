/*
 * Discovery documents generated from the resource table below. Shapes and field order follow
 * k8s.io/apimachinery meta/v1 (APIVersions, APIGroupList, APIResourceList, APIResource) and
 * k8s.io/api apidiscovery v2/v2beta1 (APIGroupDiscoveryList ...). Two quirks of the real server
 * are kept: /api/v1's APIResourceList has no apiVersion while /apis/<g>/<v>'s has "v1", and the
 * core group's aggregated item has metadata {"creationTimestamp":null} (an empty name).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "json/writer.h"
#include "sim/discovery.h"
#include "sim/world.h"

static const char *const verbs_read[] = { "get", "list", NULL };
static const char *const short_ns[] = { "ns", NULL };
static const char *const short_no[] = { "no", NULL };
static const char *const short_po[] = { "po", NULL };
static const char *const cat_all[] = { "all", NULL };

/* Preference order: within a group, the first version listed is the preferred one. */
static const struct sim_resource resources[] = {
    { "", "v1", "namespaces", "namespace", "Namespace", false, SIM_KIND_NAMESPACE, verbs_read,
      short_ns, NULL },
    { "", "v1", "nodes", "node", "Node", false, SIM_KIND_NODE, verbs_read, short_no, NULL },
    { "", "v1", "pods", "pod", "Pod", true, SIM_KIND_POD, verbs_read, short_po, cat_all },
};

#define NRESOURCES (sizeof(resources) / sizeof(resources[0]))

const struct sim_resource *discovery_resources(size_t *n)
{
    *n = NRESOURCES;
    return resources;
}

const struct sim_resource *discovery_find(const char *group, const char *version,
                                          const char *resource)
{
    for (size_t i = 0; i < NRESOURCES; i++) {
        const struct sim_resource *r = &resources[i];
        if (!strcmp(r->group, group) && !strcmp(r->version, version) &&
            !strcmp(r->resource, resource))
            return r;
    }
    return NULL;
}

bool discovery_has_group_version(const char *group, const char *version)
{
    for (size_t i = 0; i < NRESOURCES; i++)
        if (!strcmp(resources[i].group, group) && !strcmp(resources[i].version, version))
            return true;
    return false;
}

static void string_array(struct json_writer *w, const char *key, const char *const *v)
{
    if (!v || !v[0])
        return;
    json_writer_key(w, key);
    json_writer_begin_array(w);
    for (size_t i = 0; v[i]; i++)
        json_writer_string(w, v[i]);
    json_writer_end_array(w);
}

/* Whether row i is the first one of its group (resp. group+version) in the table. */
static bool first_of_group(size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (!strcmp(resources[j].group, resources[i].group))
            return false;
    return true;
}

static bool first_of_version(size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (!strcmp(resources[j].group, resources[i].group) &&
            !strcmp(resources[j].version, resources[i].version))
            return false;
    return true;
}

int discovery_write_api_versions(struct json_writer *w, const char *server_address)
{
    json_writer_begin_object(w);
    json_writer_member_string(w, "kind", "APIVersions");
    json_writer_key(w, "versions");
    json_writer_begin_array(w);
    for (size_t i = 0; i < NRESOURCES; i++)
        if (!resources[i].group[0] && first_of_version(i))
            json_writer_string(w, resources[i].version);
    json_writer_end_array(w);
    json_writer_key(w, "serverAddressByClientCIDRs");
    json_writer_begin_array(w);
    json_writer_begin_object(w);
    json_writer_member_string(w, "clientCIDR", "0.0.0.0/0");
    json_writer_member_string(w, "serverAddress", server_address);
    json_writer_end_object(w);
    json_writer_end_array(w);
    return json_writer_end_object(w);
}

static void group_version(struct json_writer *w, const char *group, const char *version)
{
    char gv[256];
    snprintf(gv, sizeof(gv), "%s/%s", group, version);
    json_writer_begin_object(w);
    json_writer_member_string(w, "groupVersion", gv);
    json_writer_member_string(w, "version", version);
    json_writer_end_object(w);
}

int discovery_write_group_list(struct json_writer *w)
{
    json_writer_begin_object(w);
    json_writer_member_string(w, "kind", "APIGroupList");
    json_writer_member_string(w, "apiVersion", "v1");
    json_writer_key(w, "groups");
    json_writer_begin_array(w);
    for (size_t i = 0; i < NRESOURCES; i++) {
        if (!resources[i].group[0] || !first_of_group(i))
            continue;
        const char *g = resources[i].group;
        json_writer_begin_object(w);
        json_writer_member_string(w, "name", g);
        json_writer_key(w, "versions");
        json_writer_begin_array(w);
        for (size_t j = i; j < NRESOURCES; j++)
            if (!strcmp(resources[j].group, g) && first_of_version(j))
                group_version(w, g, resources[j].version);
        json_writer_end_array(w);
        json_writer_key(w, "preferredVersion");
        group_version(w, g, resources[i].version);
        json_writer_end_object(w);
    }
    json_writer_end_array(w);
    return json_writer_end_object(w);
}

int discovery_write_resource_list(struct json_writer *w, const char *group, const char *version)
{
    char gv[256];
    if (!discovery_has_group_version(group, version))
        return -ENOENT;
    if (group[0])
        snprintf(gv, sizeof(gv), "%s/%s", group, version);
    else
        snprintf(gv, sizeof(gv), "%s", version);
    json_writer_begin_object(w);
    json_writer_member_string(w, "kind", "APIResourceList");
    if (group[0])
        json_writer_member_string(w, "apiVersion", "v1");
    json_writer_member_string(w, "groupVersion", gv);
    json_writer_key(w, "resources");
    json_writer_begin_array(w);
    for (size_t i = 0; i < NRESOURCES; i++) {
        const struct sim_resource *r = &resources[i];
        if (strcmp(r->group, group) != 0 || strcmp(r->version, version) != 0)
            continue;
        json_writer_begin_object(w);
        json_writer_member_string(w, "name", r->resource);
        json_writer_member_string(w, "singularName", r->singular);
        json_writer_key(w, "namespaced");
        json_writer_bool(w, r->namespaced);
        json_writer_member_string(w, "kind", r->kind);
        string_array(w, "verbs", r->verbs);
        string_array(w, "shortNames", r->short_names);
        string_array(w, "categories", r->categories);
        json_writer_end_object(w);
    }
    json_writer_end_array(w);
    return json_writer_end_object(w);
}

static void aggregated_resource(struct json_writer *w, const struct sim_resource *r)
{
    json_writer_begin_object(w);
    json_writer_member_string(w, "resource", r->resource);
    json_writer_key(w, "responseKind");
    json_writer_begin_object(w);
    json_writer_member_string(w, "group", r->group);
    json_writer_member_string(w, "version", r->version);
    json_writer_member_string(w, "kind", r->kind);
    json_writer_end_object(w);
    json_writer_member_string(w, "scope", r->namespaced ? "Namespaced" : "Cluster");
    json_writer_member_string(w, "singularResource", r->singular);
    string_array(w, "verbs", r->verbs);
    string_array(w, "shortNames", r->short_names);
    string_array(w, "categories", r->categories);
    json_writer_end_object(w);
}

int discovery_write_aggregated(struct json_writer *w, bool core, const char *dversion)
{
    char api_version[64];
    snprintf(api_version, sizeof(api_version), "apidiscovery.k8s.io/%s", dversion);
    json_writer_begin_object(w);
    json_writer_member_string(w, "kind", "APIGroupDiscoveryList");
    json_writer_member_string(w, "apiVersion", api_version);
    json_writer_key(w, "metadata");
    json_writer_begin_object(w);
    json_writer_end_object(w);
    json_writer_key(w, "items");
    json_writer_begin_array(w);
    for (size_t i = 0; i < NRESOURCES; i++) {
        const char *g = resources[i].group;
        if ((g[0] == '\0') != core || !first_of_group(i))
            continue;
        json_writer_begin_object(w);
        json_writer_key(w, "metadata");
        json_writer_begin_object(w);
        if (g[0])
            json_writer_member_string(w, "name", g);
        json_writer_key(w, "creationTimestamp");
        json_writer_null(w);
        json_writer_end_object(w);
        json_writer_key(w, "versions");
        json_writer_begin_array(w);
        for (size_t j = i; j < NRESOURCES; j++) {
            if (strcmp(resources[j].group, g) != 0 || !first_of_version(j))
                continue;
            const char *v = resources[j].version;
            json_writer_begin_object(w);
            json_writer_member_string(w, "version", v);
            json_writer_key(w, "resources");
            json_writer_begin_array(w);
            for (size_t k = j; k < NRESOURCES; k++)
                if (!strcmp(resources[k].group, g) && !strcmp(resources[k].version, v))
                    aggregated_resource(w, &resources[k]);
            json_writer_end_array(w);
            json_writer_member_string(w, "freshness", "Current");
            json_writer_end_object(w);
        }
        json_writer_end_array(w);
        json_writer_end_object(w);
    }
    json_writer_end_array(w);
    return json_writer_end_object(w);
}
