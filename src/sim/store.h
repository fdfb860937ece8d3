/*
 * The sim's in-memory object store: one ordered collection per kind, ordered as etcd orders
 * kube-apiserver's keys (byte-wise by "<namespace>/<name>", or "<name>" for cluster-scoped
 * kinds; so "a-b/x" sorts before "a/x"), and one cluster-wide resourceVersion counter that every
 * write advances, as etcd's revision does.
 *
 * Locking: a read-write lock. Readers bracket everything they do with the returned pointers in
 * store_rdlock()/store_unlock(); objects are immutable, so rendering under the read lock is safe
 * while writers wait. Writers (store_add, store_replace, store_delete) take the write lock
 * themselves and must not be called while the caller holds the read lock.
 *
 * Ownership: the store owns the objects added to it and frees them on replace, delete and
 * store_free().
 */
#ifndef KGAUGE_SIM_STORE_H
#define KGAUGE_SIM_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kube/fields.h"
#include "kube/labels.h"
#include "sim/world.h"

/* Objects of one kind (5,000 nodes x 110 pods is 550,000; this leaves room). */
#define KG_SIM_MAX_OBJECTS_PER_KIND 2000000

struct store;

struct store *store_new(void);
void store_free(struct store *st); /* accepts NULL */

/*
 * Adds o (taking ownership, even on failure) and stamps it with the next resourceVersion.
 * -EEXIST when an object of that kind, namespace and name exists, -ENOSPC past
 * KG_SIM_MAX_OBJECTS_PER_KIND, -EINVAL when the namespace presence does not match the kind's
 * scope. On error o is freed.
 */
int store_add(struct store *st, struct sim_obj *o);
/* Replaces the object with o's kind/namespace/name (taking ownership; the old one is freed) and
 * stamps o with the next resourceVersion. -ENOENT (o freed) when there is none. */
int store_replace(struct store *st, struct sim_obj *o);
/* Deletes an object (advancing the resourceVersion). -ENOENT when absent. */
int store_delete(struct store *st, enum sim_kind kind, const char *ns, const char *name);

void store_rdlock(struct store *st);
void store_unlock(struct store *st);

/* The following need the read lock. */

/* Current resourceVersion (the last write's; 1 for an empty store, as the list RV). */
uint64_t store_rv(const struct store *st);
size_t store_count(const struct store *st, enum sim_kind kind);
/* The object, or NULL. ns is ignored (may be NULL) for cluster-scoped kinds. */
const struct sim_obj *store_get(const struct store *st, enum sim_kind kind, const char *ns,
                                const char *name);

/* A list request, as kube-apiserver's storage layer sees it. */
struct store_query {
    const char *ns; /* NULL: every namespace (and always for cluster-scoped kinds) */
    const struct labels_selector *labels; /* NULL: everything */
    const struct fields_selector *fields; /* NULL: everything; fields must already be checked */
    size_t limit;                         /* 0: no limit */
    /* Start at this key (inclusive), relative to the listed collection: "<name>" within a
     * namespace or for cluster-scoped kinds, "<namespace>/<name>" across namespaces. Continue
     * tokens carry the previous page's last key plus a NUL byte. NULL: from the beginning. */
    const char *start;
    size_t start_len;
};

/* One page. items point into the store: valid until store_unlock(). */
struct store_page {
    const struct sim_obj **items;
    size_t n;
    bool more;         /* objects may follow: the caller issues a continue token */
    int64_t remaining; /* objects after this page when known (no selectors), else -1 */
    uint64_t rv;       /* the list's resourceVersion */
    char *last_key;    /* key of items[n-1] relative to the collection (for the next token) */
};

/* Runs a query: matching objects in key order, at most limit of them. -E2BIG (never in
 * practice) when the result array cannot be allocated within limits. Free the page with
 * store_page_cleanup() (before or after unlocking). */
int store_query(const struct store *st, enum sim_kind kind, const struct store_query *q,
                struct store_page *out);
void store_page_cleanup(struct store_page *p);

/* True when the kind is namespaced. */
bool store_kind_namespaced(enum sim_kind kind);

#endif
