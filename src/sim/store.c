/*
 * In-memory object store. Each kind is a sorted array of (key, object) where the key is what
 * kube-apiserver's etcd key holds after /registry/<resource>/: "<namespace>/<name>" or "<name>".
 * Sorting by that string (not by the (namespace, name) pair) reproduces etcd's list order, which
 * differs when one namespace is a prefix of another ("a-b/x" sorts before "a/x").
 *
 * Inserts and deletes move the tail of the array (memmove of pointers): fine for the sim's rates.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sim/objects.h"
#include "sim/store.h"
#include "util/alloc.h"
#include "util/assert.h"

struct entry {
    char *key;
    size_t keylen;
    struct sim_obj *obj;
};

struct collection {
    struct entry *v;
    size_t n, cap;
};

struct store {
    pthread_rwlock_t lock;
    uint64_t rv;
    struct collection kinds[SIM_KIND_COUNT];
};

bool store_kind_namespaced(enum sim_kind kind)
{
    return kind == SIM_KIND_POD;
}

struct store *store_new(void)
{
    struct store *st = xcalloc(1, sizeof(*st));
    ASSERT(pthread_rwlock_init(&st->lock, NULL) == 0);
    st->rv = 1;
    return st;
}

void store_free(struct store *st)
{
    if (!st)
        return;
    for (int k = 0; k < SIM_KIND_COUNT; k++) {
        struct collection *c = &st->kinds[k];
        for (size_t i = 0; i < c->n; i++) {
            free(c->v[i].key);
            sim_obj_free(c->v[i].obj);
        }
        free(c->v);
    }
    pthread_rwlock_destroy(&st->lock);
    free(st);
}

void store_rdlock(struct store *st)
{
    ASSERT(pthread_rwlock_rdlock(&st->lock) == 0);
}

void store_unlock(struct store *st)
{
    ASSERT(pthread_rwlock_unlock(&st->lock) == 0);
}

static int key_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    int c = memcmp(a, b, n);
    if (c)
        return c;
    return alen < blen ? -1 : alen > blen ? 1 : 0;
}

/* First index whose key is >= key. */
static size_t lower_bound(const struct collection *c, const char *key, size_t keylen)
{
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (key_cmp(c->v[mid].key, c->v[mid].keylen, key, keylen) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static char *make_key(enum sim_kind kind, const char *ns, const char *name, size_t *len)
{
    char *k = store_kind_namespaced(kind) ? xasprintf("%s/%s", ns, name) : xstrdup(name);
    *len = strlen(k);
    return k;
}

static int check_scope(const struct sim_obj *o)
{
    if (!o->meta.name || !o->meta.name[0])
        return -EINVAL;
    if (store_kind_namespaced(o->kind) != (o->meta.namespace != NULL))
        return -EINVAL;
    if (o->meta.namespace && !o->meta.namespace[0])
        return -EINVAL;
    return 0;
}

int store_add(struct store *st, struct sim_obj *o)
{
    int rc = check_scope(o);
    if (rc) {
        sim_obj_free(o);
        return rc;
    }
    size_t keylen;
    char *key = make_key(o->kind, o->meta.namespace, o->meta.name, &keylen);
    ASSERT(pthread_rwlock_wrlock(&st->lock) == 0);
    struct collection *c = &st->kinds[o->kind];
    size_t i = lower_bound(c, key, keylen);
    if (i < c->n && key_cmp(c->v[i].key, c->v[i].keylen, key, keylen) == 0) {
        rc = -EEXIST;
        goto out;
    }
    if (c->n >= KG_SIM_MAX_OBJECTS_PER_KIND) {
        rc = -ENOSPC;
        goto out;
    }
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->v = xreallocarray(c->v, c->cap, sizeof(*c->v));
    }
    memmove(&c->v[i + 1], &c->v[i], (c->n - i) * sizeof(*c->v));
    c->v[i] = (struct entry){ .key = key, .keylen = keylen, .obj = o };
    c->n++;
    o->meta.rv = ++st->rv;
    key = NULL;
    o = NULL;
out:
    ASSERT(pthread_rwlock_unlock(&st->lock) == 0);
    free(key);
    sim_obj_free(o);
    return rc;
}

int store_replace(struct store *st, struct sim_obj *o)
{
    int rc = check_scope(o);
    if (rc) {
        sim_obj_free(o);
        return rc;
    }
    size_t keylen;
    char *key = make_key(o->kind, o->meta.namespace, o->meta.name, &keylen);
    struct sim_obj *old = NULL;
    ASSERT(pthread_rwlock_wrlock(&st->lock) == 0);
    struct collection *c = &st->kinds[o->kind];
    size_t i = lower_bound(c, key, keylen);
    if (i >= c->n || key_cmp(c->v[i].key, c->v[i].keylen, key, keylen) != 0) {
        rc = -ENOENT;
        old = o;
        goto out;
    }
    old = c->v[i].obj;
    c->v[i].obj = o;
    o->meta.rv = ++st->rv;
out:
    ASSERT(pthread_rwlock_unlock(&st->lock) == 0);
    free(key);
    sim_obj_free(old);
    return rc;
}

int store_delete(struct store *st, enum sim_kind kind, const char *ns, const char *name)
{
    int rc = 0;
    size_t keylen;
    char *key = make_key(kind, ns ? ns : "", name, &keylen);
    struct entry gone = { 0 };
    ASSERT(pthread_rwlock_wrlock(&st->lock) == 0);
    struct collection *c = &st->kinds[kind];
    size_t i = lower_bound(c, key, keylen);
    if (i >= c->n || key_cmp(c->v[i].key, c->v[i].keylen, key, keylen) != 0) {
        rc = -ENOENT;
        goto out;
    }
    gone = c->v[i];
    memmove(&c->v[i], &c->v[i + 1], (c->n - i - 1) * sizeof(*c->v));
    c->n--;
    ++st->rv;
out:
    ASSERT(pthread_rwlock_unlock(&st->lock) == 0);
    free(key);
    free(gone.key);
    sim_obj_free(gone.obj);
    return rc;
}

uint64_t store_rv(const struct store *st)
{
    return st->rv;
}

size_t store_count(const struct store *st, enum sim_kind kind)
{
    return st->kinds[kind].n;
}

const struct sim_obj *store_get(const struct store *st, enum sim_kind kind, const char *ns,
                                const char *name)
{
    size_t keylen;
    if (store_kind_namespaced(kind) && !ns)
        return NULL;
    char *key = make_key(kind, ns, name, &keylen);
    const struct collection *c = &st->kinds[kind];
    size_t i = lower_bound(c, key, keylen);
    const struct sim_obj *o = NULL;
    if (i < c->n && key_cmp(c->v[i].key, c->v[i].keylen, key, keylen) == 0)
        o = c->v[i].obj;
    free(key);
    return o;
}

static bool matches(const struct sim_obj *o, const struct store_query *q)
{
    if (q->labels && !labels_selector_matches(q->labels, o->meta.labels, o->meta.n_labels))
        return false;
    if (q->fields && !fields_selector_matches(q->fields, obj_field_get, (void *)o))
        return false;
    return true;
}

int store_query(const struct store *st, enum sim_kind kind, const struct store_query *q,
                struct store_page *out)
{
    const struct collection *c = &st->kinds[kind];
    memset(out, 0, sizeof(*out));
    out->rv = st->rv;
    out->remaining = -1;

    /* The collection's key range: everything, or "<ns>/..." for one namespace. */
    char *prefix = NULL;
    size_t plen = 0;
    if (store_kind_namespaced(kind) && q->ns) {
        prefix = xasprintf("%s/", q->ns);
        plen = strlen(prefix);
    }
    size_t i;
    if (q->start) {
        char *full = xmalloc(plen + q->start_len + 1);
        memcpy(full, prefix ? prefix : "", plen);
        memcpy(full + plen, q->start, q->start_len);
        i = lower_bound(c, full, plen + q->start_len);
        free(full);
    } else {
        i = prefix ? lower_bound(c, prefix, plen) : 0;
    }

    size_t cap = 0;
    size_t last = 0;
    for (; i < c->n; i++) {
        const struct entry *e = &c->v[i];
        if (prefix && (e->keylen < plen || memcmp(e->key, prefix, plen) != 0))
            break;
        if (!matches(e->obj, q))
            continue;
        if (q->limit && out->n == q->limit) {
            out->more = true;
            break;
        }
        if (out->n == cap) {
            cap = cap ? cap * 2 : 64;
            out->items = xreallocarray(out->items, cap, sizeof(const struct sim_obj *));
        }
        out->items[out->n++] = e->obj;
        last = i;
    }
    if (out->n) {
        out->last_key = xstrdup(c->v[last].key + plen);
        if (out->more && !q->labels && !q->fields) {
            /* Without selectors kube-apiserver knows how many objects follow. */
            size_t end;
            if (prefix) {
                /* the keys with the prefix end at the first key >= prefix with '/' + 1 */
                char *stop = xstrdup(prefix);
                stop[plen - 1] = '/' + 1;
                end = lower_bound(c, stop, plen);
                free(stop);
            } else {
                end = c->n;
            }
            out->remaining = (int64_t)(end - last - 1);
        }
    }
    free(prefix);
    return 0;
}

void store_page_cleanup(struct store_page *p)
{
    free(p->items);
    free(p->last_key);
    memset(p, 0, sizeof(*p));
}
