/*
 * API discovery for the sim, generated from one resource table: the legacy documents
 * (/api APIVersions, /apis APIGroupList, /api/v1 and /apis/<g>/<v> APIResourceList) and the
 * aggregated ones (apidiscovery.k8s.io v2 and v2beta1 APIGroupDiscoveryList for /api and /apis,
 * served with Content-Type application/json;g=apidiscovery.k8s.io;v=<v>;as=APIGroupDiscoveryList).
 *
 * The table lists only what the sim serves, with the verbs it answers: kubectl trusts discovery,
 * so a listed resource or verb must work. A later slice serving a new resource adds one row
 * (and, for a new group, the group's versions appear automatically in table order: the first
 * version of a group in the table is its preferred version).
 */
#ifndef KGAUGE_SIM_DISCOVERY_H
#define KGAUGE_SIM_DISCOVERY_H

#include <stdbool.h>
#include <stddef.h>

struct json_writer;

/* Content types of the aggregated discovery documents. */
#define SIM_DISCOVERY_V2_TYPE "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
#define SIM_DISCOVERY_V2BETA1_TYPE                                                                 \
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"

struct sim_resource {
    const char *group; /* "" = the core group */
    const char *version;
    const char *resource; /* plural, e.g. "pods" */
    const char *singular;
    const char *kind;
    bool namespaced;
    int store_kind;                 /* enum sim_kind served from the store */
    const char *const *verbs;       /* NULL-terminated */
    const char *const *short_names; /* NULL-terminated or NULL */
    const char *const *categories;  /* NULL-terminated or NULL */
};

/* The whole table, in preference order. */
const struct sim_resource *discovery_resources(size_t *n);
/* The row for group/version/resource, or NULL. */
const struct sim_resource *discovery_find(const char *group, const char *version,
                                          const char *resource);
/* True when some row has that group and version. */
bool discovery_has_group_version(const char *group, const char *version);

/* GET /api: {"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[...]};
 * server_address is "host:port" as the client reached the server. */
int discovery_write_api_versions(struct json_writer *w, const char *server_address);
/* GET /apis: APIGroupList of every non-core group. */
int discovery_write_group_list(struct json_writer *w);
/* GET /api/v1 or /apis/<g>/<v>: APIResourceList. -ENOENT for a group/version not served. */
int discovery_write_resource_list(struct json_writer *w, const char *group, const char *version);
/* Aggregated discovery: core=true for /api (the core group), false for /apis (every other
 * group). dversion is "v2" or "v2beta1" (the apidiscovery.k8s.io version asked for). */
int discovery_write_aggregated(struct json_writer *w, bool core, const char *dversion);

#endif
