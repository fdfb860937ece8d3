/*
 * Rendering of the sim's objects as the Kubernetes v1 JSON kube-apiserver serves (field order of
 * the Go structs, maps in key order, omitempty as in k8s.io/api), their metadata alone
 * (PartialObjectMetadata), and the field values their field selectors match on.
 *
 * All functions write through a json/writer.h writer and return its sticky error (0 when fine).
 */
#ifndef KGAUGE_SIM_OBJECTS_H
#define KGAUGE_SIM_OBJECTS_H

#include <stdbool.h>
#include <stddef.h>

#include "kube/fields.h"
#include "sim/world.h"

struct json_writer;

/* Kind and list kind ("Node", "NodeList"), API version ("v1") and resource ("nodes"). */
const char *obj_kind_name(enum sim_kind kind);
const char *obj_list_kind_name(enum sim_kind kind);
const char *obj_api_version(enum sim_kind kind);
const char *obj_resource(enum sim_kind kind);

/* The whole object. with_type: lead with "kind" and "apiVersion" (a GET; list items omit them,
 * as kube-apiserver's do). */
int obj_write_json(struct json_writer *w, const struct sim_obj *o, bool with_type);
/* The ObjectMeta object (the value of "metadata"). */
int obj_write_meta(struct json_writer *w, const struct sim_meta *m);
/* {"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":{...}} */
int obj_write_partial(struct json_writer *w, const struct sim_obj *o);

/* Field labels a kind accepts in fieldSelector, with kube-apiserver's renames (pods take the
 * old "spec.host" as "spec.nodeName"). For fields_selector_check(..., FIELDS_REJECT_NOT_SUPPORTED).
 */
const struct fields_allowed *obj_field_labels(enum sim_kind kind, size_t *n);

/* fields_get_cb for an object (ud = const struct sim_obj *): the values of the kind's selectable
 * fields, as kube-apiserver's ToSelectableFields computes them. */
bool obj_field_get(void *ud, const char *field, size_t field_len, const char **value,
                   size_t *value_len);

/* The pod's QoS class as the API server computes it: "Guaranteed", "Burstable", "BestEffort". */
const char *obj_pod_qos(const struct sim_pod *p);

#endif
