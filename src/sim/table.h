/*
 * meta.k8s.io Table responses (what `kubectl get` prints), with the columns, types, formats,
 * priorities, descriptions and cell values of kube-apiserver 1.32's printers
 * (pkg/printers/internalversion/printers.go): nodes, pods and namespaces. The server always
 * sends the priority-1 ("-o wide") columns too; kubectl hides them unless asked.
 */
#ifndef KGAUGE_SIM_TABLE_H
#define KGAUGE_SIM_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "sim/world.h"

struct json_writer;

/* includeObject=None|Metadata|Object (default Metadata: rows carry PartialObjectMetadata). */
enum table_include { TABLE_INCLUDE_NONE, TABLE_INCLUDE_METADATA, TABLE_INCLUDE_OBJECT };

/* What goes in the Table's ListMeta. */
struct table_listmeta {
    uint64_t rv;
    const char *cont;  /* continue token, NULL or "" = none */
    int64_t remaining; /* remainingItemCount, < 0 = absent */
};

/*
 * Writes a whole Table: apiVersion "meta.k8s.io/<version>" (version "v1" or "v1beta1"), the
 * kind's column definitions and one row per object (now_ns is the "now" ages are computed from).
 */
int table_write(struct json_writer *w, const char *version, enum sim_kind kind,
                const struct sim_obj *const *objs, size_t n, const struct table_listmeta *lm,
                enum table_include include, int64_t now_ns);

/* The cells of one row, as a JSON array (exposed for tests). */
int table_write_cells(struct json_writer *w, const struct sim_obj *o, int64_t now_ns);

/* k8s.io/apimachinery/pkg/util/duration.HumanDuration: "0s", "119s", "2m", "9m59s", "3h",
 * "2d", "2y3d", "<invalid>" for more than 1 s in the future. Returns the length. */
size_t table_human_duration(int64_t ns, char *out, size_t outlen);

#endif
