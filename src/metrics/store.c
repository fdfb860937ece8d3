/*
 * Metrics store: two samples per node and container, rebuilt into an immutable view on every
 * put (spec/metrics-server.md §2; design in docs/internals/store.md).
 *
 * Layout of a view, chosen for 5,000 nodes × 110 pods in a few tens of MB:
 *  - strings (node, namespace, pod, container names) are interned once into a chunked pool
 *    and referred to by 32-bit ids (chunk << 20 | offset). Chunks never move, so the writer
 *    appends while readers read older strings. A pool is reference-counted by the views using
 *    it; when more than half of it is garbage (pods come and go), a put copies the live strings
 *    into a new pool (a new "generation") and remaps the new view's ids.
 *  - nodes sorted by name, pods sorted by (namespace, name), each pod's containers contiguous
 *    and sorted by name: reads are binary searches and linear scans, no hashing, no locks.
 *  - a container is 56 bytes; the rare extras (swap, a previous start time that differs from
 *    the current one) live in a parallel array allocated only when some container needs it.
 *  - rate errors and the "all containers have two samples" pod rule are decided at put time
 *    and stored as flags; a read only divides.
 * The writer finds last cycle's entries through a hash index of the old view keyed by ids, and
 * sorts the new pods by merging the (already sorted) surviving ones with the few new ones.
 */
#include "metrics/store.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/assert.h"
#include "util/log.h"

#define NONE UINT32_MAX

/* ---- string pool ---- */

#define POOL_CHUNK_BITS 20
#define POOL_CHUNK (1u << POOL_CHUNK_BITS)
#define POOL_MAX_CHUNKS 4096u /* 4 GiB of names: ids stay 32-bit */
#define POOL_HDR 8            /* u32 stamp (last put that used it), u32 hash, then the chars */

struct pool {
    atomic_long refs;
    uint32_t nchunks;
    uint32_t used; /* bytes used in the newest chunk */
    size_t bytes;  /* record bytes in all chunks */
    char *chunks[POOL_MAX_CHUNKS];
};

static struct pool *pool_new(void)
{
    struct pool *p = xcalloc(1, sizeof(*p));
    atomic_init(&p->refs, 1);
    return p;
}

static void pool_unref(struct pool *p)
{
    if (p == NULL || atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) != 1)
        return;
    for (uint32_t i = 0; i < p->nchunks; i++)
        free(p->chunks[i]);
    free(p);
}

static void pool_ref(struct pool *p)
{
    atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
}

static inline const char *pool_str(const struct pool *p, uint32_t id)
{
    return p->chunks[id >> POOL_CHUNK_BITS] + (id & (POOL_CHUNK - 1));
}

static inline uint32_t rec_hash(const struct pool *p, uint32_t id)
{
    uint32_t h;
    memcpy(&h, pool_str(p, id) - 4, 4);
    return h;
}

/* Returns the new id, or 0 when the pool is full. */
static uint32_t pool_add(struct pool *p, const char *str, size_t len, uint32_t hash, uint32_t stamp)
{
    size_t need = POOL_HDR + len + 1;
    if (p->nchunks == 0 || p->used + need > POOL_CHUNK) {
        if (p->nchunks == POOL_MAX_CHUNKS)
            return 0;
        p->chunks[p->nchunks++] = xmalloc(POOL_CHUNK);
        p->used = 0;
    }
    char *rec = p->chunks[p->nchunks - 1] + p->used;
    memcpy(rec, &stamp, 4);
    memcpy(rec + 4, &hash, 4);
    memcpy(rec + POOL_HDR, str, len);
    rec[POOL_HDR + len] = '\0';
    uint32_t id = ((p->nchunks - 1) << POOL_CHUNK_BITS) | (p->used + POOL_HDR);
    p->used += (uint32_t)need;
    p->bytes += need;
    return id;
}

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= UINT64_C(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x *= UINT64_C(0xc4ceb9fe1a85ec53);
    x ^= x >> 33;
    return x;
}

/* Eight bytes at a time, then a full avalanche (names are short; this is on the hot path). */
static uint32_t str_hash(const char *s, size_t len)
{
    uint64_t h = UINT64_C(0x9e3779b97f4a7c15) ^ len;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = (h ^ w) * UINT64_C(0xff51afd7ed558ccd);
        h ^= h >> 32;
    }
    uint64_t w = 0;
    memcpy(&w, s + i, len - i);
    h = (h ^ w) * UINT64_C(0xc4ceb9fe1a85ec53);
    return (uint32_t)mix64(h);
}

static size_t pow2_at_least(size_t n)
{
    size_t c = 16;
    while (c < n)
        c <<= 1;
    return c;
}

/* ---- views ---- */

/* Entry flags (nodes and containers). */
enum {
    F_LAST = 1u << 0,       /* has a newer sample (always for containers) */
    F_PREV = 1u << 1,       /* has an older sample */
    F_SWAP = 1u << 2,       /* newer sample carries swap */
    F_ERR_START = 1u << 3,  /* start time decreased between the samples */
    F_ERR_CPU = 1u << 4,    /* cumulative CPU decreased */
    F_ERR_WINDOW = 1u << 5, /* window <= 0 (unreachable by the rules; guarded) */
    F_EXT = 1u << 6,        /* container: swap/prev start in the ext array */
    F_STALE = 1u << 7,      /* node: kept through a failed scrape */
};
#define F_ERR (F_ERR_START | F_ERR_CPU | F_ERR_WINDOW)
#define POD_SERVE 1u /* every container has two samples */

/* Unpacked entry used while applying the rules. */
struct entry {
    int64_t ts, start;
    uint64_t cpu, mem, swap;
    int64_t pts, pstart;
    uint64_t pcpu;
    uint32_t flags;
};

struct snode {
    uint32_t name;
    uint32_t flags;
    struct entry e;
    int64_t newest_ts; /* newest sample of the node or its containers: ages a failed node */
};

struct sctr {
    int64_t ts, start;
    uint64_t cpu, mem;
    int64_t pts;
    uint64_t pcpu;
    uint32_t name;
    uint32_t flags;
};

struct ctr_ext {
    int64_t pstart;
    uint64_t swap;
};

struct spod {
    uint32_t ns, name, node, first;
    uint16_t n, flags;
};

struct store_view {
    atomic_long refs;
    struct pool *pool;
    struct snode *nodes;
    size_t nnodes;
    struct spod *pods;
    size_t npods;
    struct sctr *ctrs;
    struct ctr_ext *ext; /* NULL unless some container has F_EXT */
    size_t nslots;       /* length of ctrs (pods may leave unused slots after duplicates) */
    uint32_t *pindex;    /* (ns, name) ids -> pod index + 1; for the next put */
    size_t pindex_cap;
    struct store_stats stats;
};

static struct store_view *view_new(struct pool *p)
{
    struct store_view *v = xcalloc(1, sizeof(*v));
    atomic_init(&v->refs, 1);
    pool_ref(p);
    v->pool = p;
    return v;
}

static void view_free(struct store_view *v)
{
    pool_unref(v->pool);
    free(v->nodes);
    free(v->pods);
    free(v->ctrs);
    free(v->ext);
    free(v->pindex);
    free(v);
}

void store_release(struct store_view *v)
{
    if (v == NULL || atomic_fetch_sub_explicit(&v->refs, 1, memory_order_acq_rel) != 1)
        return;
    view_free(v);
}

static inline uint64_t pod_key(uint32_t ns, uint32_t name)
{
    return ((uint64_t)ns << 32) | name;
}

static uint32_t view_find_pod_id(const struct store_view *v, uint32_t ns, uint32_t name)
{
    if (v->pindex_cap == 0)
        return NONE;
    size_t mask = v->pindex_cap - 1;
    for (size_t i = mix64(pod_key(ns, name)) & mask;; i = (i + 1) & mask) {
        uint32_t slot = v->pindex[i];
        if (slot == 0)
            return NONE;
        const struct spod *p = &v->pods[slot - 1];
        if (p->ns == ns && p->name == name)
            return slot - 1;
    }
}

static void view_build_index(struct store_view *v)
{
    v->pindex_cap = pow2_at_least(v->npods + v->npods / 3 + 1);
    v->pindex = xcalloc(v->pindex_cap, sizeof(*v->pindex));
    size_t mask = v->pindex_cap - 1;
    for (size_t k = 0; k < v->npods; k++) {
        size_t i = mix64(pod_key(v->pods[k].ns, v->pods[k].name)) & mask;
        while (v->pindex[i] != 0)
            i = (i + 1) & mask;
        v->pindex[i] = (uint32_t)k + 1;
    }
}

/* ---- small hash map u64 -> u32 (writer scratch) ---- */

struct umap {
    uint64_t *keys; /* 0 = empty; keys are never 0 (ids are >= POOL_HDR) */
    uint32_t *vals;
    size_t cap, n;
};

static void umap_init(struct umap *m, size_t expect)
{
    m->cap = pow2_at_least(expect * 2);
    m->n = 0;
    m->keys = xcalloc(m->cap, sizeof(*m->keys));
    m->vals = xcalloc(m->cap, sizeof(*m->vals));
}

static void umap_cleanup(struct umap *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof(*m));
}

static uint32_t umap_get(const struct umap *m, uint64_t key)
{
    size_t mask = m->cap - 1;
    for (size_t i = mix64(key) & mask;; i = (i + 1) & mask) {
        if (m->keys[i] == key)
            return m->vals[i];
        if (m->keys[i] == 0)
            return NONE;
    }
}

/* Inserts key -> val unless present; returns the value stored for key. */
static uint32_t umap_put(struct umap *m, uint64_t key, uint32_t val)
{
    if ((m->n + 1) * 2 > m->cap) {
        struct umap g;
        umap_init(&g, m->cap);
        for (size_t i = 0; i < m->cap; i++)
            if (m->keys[i] != 0)
                (void)umap_put(&g, m->keys[i], m->vals[i]);
        umap_cleanup(m);
        *m = g;
    }
    size_t mask = m->cap - 1;
    for (size_t i = mix64(key) & mask;; i = (i + 1) & mask) {
        if (m->keys[i] == key)
            return m->vals[i];
        if (m->keys[i] == 0) {
            m->keys[i] = key;
            m->vals[i] = val;
            m->n++;
            return val;
        }
    }
}

/* ---- the store ---- */

struct store {
    struct store_opts opts;
    pthread_mutex_t mu; /* guards cur (pointer swap and reference taking only) */
    struct store_view *cur;
    /* Writer-only state. */
    struct pool *pool; /* current generation; the store holds a reference */
    uint64_t *islots;  /* intern table: hash << 32 | id of the strings in pool */
    size_t icap, in;
    uint32_t seq;
    size_t live;     /* pool bytes referenced by the view being built */
    atomic_int busy; /* catches concurrent puts */
    int was_ready;
};

int store_new(const struct store_opts *opts, struct store **out, char *err, size_t errlen)
{
    *out = NULL;
    if (opts == NULL || opts->resolution_ns <= 0 || opts->resolution_ns > INT64_MAX / 4) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen,
                     "store: metric resolution must be a positive duration, got %lld ns",
                     opts ? (long long)opts->resolution_ns : 0LL);
        return -EINVAL;
    }
    struct store *s = xcalloc(1, sizeof(*s));
    s->opts = *opts;
    ASSERT(pthread_mutex_init(&s->mu, NULL) == 0);
    s->pool = pool_new();
    s->icap = 1024;
    s->islots = xcalloc(s->icap, sizeof(*s->islots));
    s->cur = view_new(s->pool);
    atomic_init(&s->busy, 0);
    *out = s;
    return 0;
}

void store_free(struct store *s)
{
    if (s == NULL)
        return;
    store_release(s->cur);
    pool_unref(s->pool);
    free(s->islots);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

struct store_view *store_acquire(struct store *s)
{
    ASSERT(pthread_mutex_lock(&s->mu) == 0);
    struct store_view *v = s->cur;
    atomic_fetch_add_explicit(&v->refs, 1, memory_order_relaxed);
    pthread_mutex_unlock(&s->mu);
    return v;
}

int store_ready(struct store *s)
{
    struct store_view *v = store_acquire(s);
    int r = v->stats.ready;
    store_release(v);
    return r;
}

/* Marks a string as used by the view being built (for the garbage estimate). */
static void stamp(struct store *s, uint32_t id)
{
    char *rec = (char *)pool_str(s->pool, id) - POOL_HDR;
    uint32_t st;
    memcpy(&st, rec, 4);
    if (st == s->seq)
        return;
    memcpy(rec, &s->seq, 4);
    s->live += POOL_HDR + strlen(rec + POOL_HDR) + 1;
}

static void intern_grow(struct store *s)
{
    size_t cap = s->icap * 2;
    uint64_t *slots = xcalloc(cap, sizeof(*slots));
    for (size_t i = 0; i < s->icap; i++) {
        uint64_t id = s->islots[i];
        if (id == 0)
            continue;
        size_t j = (id >> 32) & (cap - 1);
        while (slots[j] != 0)
            j = (j + 1) & (cap - 1);
        slots[j] = id;
    }
    free(s->islots);
    s->islots = slots;
    s->icap = cap;
}

/* Id of str in the current pool; added when add is set. 0: absent (or the pool is full). */
static uint32_t intern(struct store *s, const char *str, size_t len, uint32_t h, int add)
{
    size_t mask = s->icap - 1;
    size_t i = h & mask;
    for (;; i = (i + 1) & mask) {
        uint64_t slot = s->islots[i];
        if (slot == 0)
            break;
        if ((uint32_t)(slot >> 32) != h)
            continue;
        uint32_t id = (uint32_t)slot;
        const char *c = pool_str(s->pool, id);
        if (memcmp(c, str, len) == 0 && c[len] == '\0') {
            if (add)
                stamp(s, id);
            return id;
        }
    }
    if (!add)
        return 0;
    uint32_t id = pool_add(s->pool, str, len, h, s->seq);
    if (id == 0)
        return 0;
    s->live += POOL_HDR + len + 1;
    s->islots[i] = ((uint64_t)h << 32) | id;
    s->in++;
    if (s->in * 10 > s->icap * 7)
        intern_grow(s);
    return id;
}

/* ---- the storage rules (spec §2.2–2.4) ---- */

/* A zero start time means "not reported"; metrics-server then holds Go's zero time, which is
 * before every real time. */
static inline int64_t start_key(int64_t start_ns)
{
    return start_ns == 0 ? INT64_MIN : start_ns;
}

static void set_rate_flags(struct entry *e)
{
    e->flags &= ~(uint32_t)F_ERR;
    if (!(e->flags & F_PREV))
        return;
    if (start_key(e->start) < start_key(e->pstart))
        e->flags |= F_ERR_START;
    else if (e->cpu < e->pcpu)
        e->flags |= F_ERR_CPU;
    else if (e->ts <= e->pts)
        e->flags |= F_ERR_WINDOW;
}

static void take_prev_from_last(struct entry *e, const struct entry *old)
{
    e->pts = old->ts;
    e->pstart = old->start;
    e->pcpu = old->cpu;
    e->flags |= F_PREV;
}

static void take_prev_from_prev(struct entry *e, const struct entry *old)
{
    e->pts = old->pts;
    e->pstart = old->pstart;
    e->pcpu = old->pcpu;
    e->flags |= F_PREV;
}

static void set_last(struct entry *e, const struct sample_point *n)
{
    memset(e, 0, sizeof(*e));
    e->ts = n->timestamp_ns;
    e->start = n->start_time_ns;
    e->cpu = n->cpu_ns;
    e->mem = n->memory_bytes;
    e->flags = F_LAST;
    if (n->has_swap) {
        e->swap = n->swap_bytes;
        e->flags |= F_SWAP;
    }
}

/* Node rule (§2.2). old may be NULL (or hold no sample). */
static void node_rule(struct entry *e, const struct sample_point *n, const struct entry *old)
{
    set_last(e, n);
    if (old != NULL && (old->flags & F_LAST)) {
        if (e->ts > old->ts)
            take_prev_from_last(e, old);
        else if ((old->flags & F_PREV) && old->pts < e->ts)
            take_prev_from_prev(e, old);
    }
    set_rate_flags(e);
}

/* Container rule (§2.3) with the fresh-container rule first. */
static void container_rule(struct entry *e, const struct sample_point *n, const struct entry *old,
                           int64_t resolution_ns)
{
    set_last(e, n);
    int64_t age;
    if (n->start_time_ns != 0 && n->start_time_ns < n->timestamp_ns &&
        !__builtin_sub_overflow(n->timestamp_ns, n->start_time_ns, &age) && age < resolution_ns &&
        age >= KG_STORE_FRESH_MIN_NS) {
        e->pts = n->start_time_ns;
        e->pstart = n->start_time_ns;
        e->pcpu = 0;
        e->flags |= F_PREV;
    } else if (old != NULL && start_key(n->start_time_ns) < old->ts) {
        if (e->ts > old->ts)
            take_prev_from_last(e, old);
        else if ((old->flags & F_PREV) && old->pts < e->ts)
            take_prev_from_prev(e, old);
    }
    set_rate_flags(e);
}

static void ctr_unpack(const struct store_view *v, size_t i, struct entry *e)
{
    const struct sctr *c = &v->ctrs[i];
    e->ts = c->ts;
    e->start = c->start;
    e->cpu = c->cpu;
    e->mem = c->mem;
    e->pts = c->pts;
    e->pcpu = c->pcpu;
    e->flags = c->flags;
    e->pstart = c->start;
    e->swap = 0;
    if (c->flags & F_EXT) {
        e->pstart = v->ext[i].pstart;
        e->swap = v->ext[i].swap;
    }
}

static void ctr_pack(struct store_view *v, size_t i, const struct entry *e, uint32_t name)
{
    struct sctr *c = &v->ctrs[i];
    c->ts = e->ts;
    c->start = e->start;
    c->cpu = e->cpu;
    c->mem = e->mem;
    c->pts = e->pts;
    c->pcpu = e->pcpu;
    c->name = name;
    c->flags = e->flags & ~(uint32_t)F_EXT;
    if ((e->flags & F_SWAP) || ((e->flags & F_PREV) && e->pstart != e->start)) {
        if (v->ext == NULL)
            v->ext = xcalloc(v->nslots, sizeof(*v->ext));
        v->ext[i].pstart = (e->flags & F_PREV) ? e->pstart : e->start;
        v->ext[i].swap = e->swap;
        c->flags |= F_EXT;
    }
}

uint64_t store_cpu_rate(uint64_t delta_cpu_ns, int64_t window_ns)
{
    /* Go: float64(delta) / window.Seconds(), where Seconds() = float64(sec) + float64(nsec)/1e9;
     * then uint64(...) which truncates. */
    if (window_ns <= 0)
        return 0;
    int64_t sec = window_ns / 1000000000;
    int64_t nsec = window_ns % 1000000000;
    double secs = (double)sec + (double)nsec / 1e9;
    double r = (double)delta_cpu_ns / secs;
    if (!(r >= 0.0))
        return 0;
    if (r >= 18446744073709551616.0)
        return UINT64_MAX;
    return (uint64_t)r;
}

/* ---- put ---- */

struct tnode {
    uint32_t name;
    uint32_t old; /* index in the old view, or NONE */
    uint32_t final;
    const struct node_batch *b; /* NULL: carried from the old view */
    uint32_t stale;
};

struct tpod {
    uint32_t ns, name, tnode, old, count, final;
    uint32_t old_first; /* first container of the old pod */
    uint32_t slot;      /* first container slot in the new view */
    uint32_t placed;    /* containers placed so far */
    uint8_t carried, rejected;
};

struct tsample {
    uint32_t tpod, cname;
};

struct scratch {
    uint32_t ns, cn, pod, h, len;
};

#define PREFETCH 16 /* samples ahead */

struct put {
    struct store *s;
    const struct store_view *old;
    struct store_view *v;
    struct store_put_result *res;
    char *err;
    size_t errlen;
    struct tnode *tnodes;
    size_t ntnodes;
    struct tpod *tpods;
    size_t ntpods, captpods;
    struct tsample *samples;
    size_t nsamples;
    uint32_t *by_old; /* old pod index -> tpod */
};

static void problem(struct put *P, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(struct put *P, const char *fmt, ...)
{
    if (P->res->rejected++ == 0 && P->err != NULL && P->errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(P->err, P->errlen, fmt, ap);
        va_end(ap);
    }
}

static int name_ok(const char *s, size_t *len)
{
    if (s == NULL)
        return 0;
    *len = strnlen(s, KG_STORE_MAX_NAME + 1);
    return *len > 0 && *len <= KG_STORE_MAX_NAME;
}

static uint32_t intern_name(struct put *P, const char *str, const char *what)
{
    size_t len;
    if (!name_ok(str, &len)) {
        problem(P, "%s name is %s", what,
                str == NULL ? "missing" : (str[0] ? "too long" : "empty"));
        return 0;
    }
    uint32_t id = intern(P->s, str, len, str_hash(str, len), 1);
    if (id == 0)
        problem(P, "string pool full (%u MiB of names)", POOL_MAX_CHUNKS);
    return id;
}

/* Last names seen: equal strings (usually the same pointer) skip the intern table. */
#define MEMO_CTR 4
struct memo {
    const char *str;
    uint32_t id;
};

static int memo_hit(const struct memo *m, const char *str)
{
    return m->str != NULL && str != NULL && (m->str == str || strcmp(m->str, str) == 0);
}

static uint32_t memo_ns(struct put *P, struct memo *m, const char *str)
{
    if (memo_hit(m, str))
        return m->id;
    uint32_t id = intern_name(P, str, "namespace");
    if (id != 0)
        *m = (struct memo){ str, id };
    return id;
}

static uint32_t memo_ctr(struct put *P, struct memo *m, const char *str)
{
    for (int i = 0; i < MEMO_CTR; i++)
        if (memo_hit(&m[i], str)) {
            if (i > 0) { /* move to front */
                struct memo t = m[i];
                memmove(&m[1], &m[0], (size_t)i * sizeof(*m));
                m[0] = t;
            }
            return m[0].id;
        }
    uint32_t id = intern_name(P, str, "container");
    if (id != 0) {
        memmove(&m[1], &m[0], (MEMO_CTR - 1) * sizeof(*m));
        m[0] = (struct memo){ str, id };
    }
    return id;
}

static int point_ok(const struct sample_point *p)
{
    return p->has_cpu && p->has_memory && p->timestamp_ns > 0;
}

static uint32_t add_tpod(struct put *P, uint32_t ns, uint32_t name, uint32_t tnode, uint32_t old)
{
    if (P->ntpods == P->captpods) {
        P->captpods = P->captpods ? P->captpods * 2 : 1024;
        P->tpods = xreallocarray(P->tpods, P->captpods, sizeof(*P->tpods));
    }
    struct tpod *t = &P->tpods[P->ntpods];
    memset(t, 0, sizeof(*t));
    t->ns = ns;
    t->name = name;
    t->tnode = tnode;
    t->old = old;
    t->final = NONE;
    return (uint32_t)P->ntpods++;
}

static int cmp_tnode(const void *a, const void *b, void *ctx)
{
    const struct put *P = ctx;
    const struct tnode *x = &P->tnodes[*(const uint32_t *)a];
    const struct tnode *y = &P->tnodes[*(const uint32_t *)b];
    return strcmp(pool_str(P->s->pool, x->name), pool_str(P->s->pool, y->name));
}

static int cmp_pod_ids(const struct pool *p, uint32_t ns1, uint32_t n1, uint32_t ns2, uint32_t n2)
{
    if (ns1 != ns2) {
        int c = strcmp(pool_str(p, ns1), pool_str(p, ns2));
        if (c != 0)
            return c;
    }
    if (n1 == n2)
        return 0;
    return strcmp(pool_str(p, n1), pool_str(p, n2));
}

static int cmp_tpod(const void *a, const void *b, void *ctx)
{
    const struct put *P = ctx;
    const struct tpod *x = &P->tpods[*(const uint32_t *)a];
    const struct tpod *y = &P->tpods[*(const uint32_t *)b];
    return cmp_pod_ids(P->s->pool, x->ns, x->name, y->ns, y->name);
}

/* Order of the pods: surviving pods keep their old (sorted) order; new ones are sorted and
 * merged in by binary search. Returns the number of ordered pods (rejected ones left out). */
static size_t order_pods(struct put *P, uint32_t *order)
{
    const struct store_view *old = P->old;
    const uint32_t *by_old = P->by_old;
    uint32_t *fresh = xmalloc((P->ntpods ? P->ntpods : 1) * sizeof(*fresh));
    size_t nfresh = 0;
    for (size_t t = 0; t < P->ntpods; t++) {
        if (!P->tpods[t].rejected && P->tpods[t].old == NONE)
            fresh[nfresh++] = (uint32_t)t;
    }
    uint32_t *kept = xmalloc((old->npods ? old->npods : 1) * sizeof(*kept));
    size_t nkept = 0;
    for (size_t i = 0; i < old->npods; i++)
        if (by_old[i] != NONE && !P->tpods[by_old[i]].rejected)
            kept[nkept++] = by_old[i];
    qsort_r(fresh, nfresh, sizeof(*fresh), cmp_tpod, P);

    size_t n = 0, k = 0;
    for (size_t f = 0; f < nfresh; f++) {
        const struct tpod *x = &P->tpods[fresh[f]];
        size_t lo = k, hi = nkept;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            const struct tpod *y = &P->tpods[kept[mid]];
            if (cmp_pod_ids(P->s->pool, y->ns, y->name, x->ns, x->name) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        while (k < lo)
            order[n++] = kept[k++];
        order[n++] = fresh[f];
    }
    while (k < nkept)
        order[n++] = kept[k++];
    free(fresh);
    free(kept);
    return n;
}

static void ctr_swap(struct store_view *v, size_t i, size_t j)
{
    struct sctr t = v->ctrs[i];
    v->ctrs[i] = v->ctrs[j];
    v->ctrs[j] = t;
    if (v->ext != NULL) {
        struct ctr_ext e = v->ext[i];
        v->ext[i] = v->ext[j];
        v->ext[j] = e;
    }
}

/* Copies the live strings into a new pool and remaps the view's ids. */
static void compact(struct store *s, struct store_view *v)
{
    struct pool *oldp = s->pool;
    struct pool *np = pool_new();
    size_t icap = pow2_at_least(v->npods * 3 + v->nnodes * 2 + 64);
    uint64_t *slots = xcalloc(icap, sizeof(*slots));
    free(s->islots);
    s->pool = np;
    s->islots = slots;
    s->icap = icap;
    s->in = 0;
    s->live = 0;
#define REMAP(field)                                                                               \
    do {                                                                                           \
        const char *str_ = pool_str(oldp, (field));                                                \
        size_t len_ = strlen(str_);                                                                \
        (field) = intern(s, str_, len_, rec_hash(oldp, (field)), 1);                               \
        ASSERT((field) != 0);                                                                      \
    } while (0)
    for (size_t i = 0; i < v->nnodes; i++)
        REMAP(v->nodes[i].name);
    for (size_t i = 0; i < v->npods; i++) {
        struct spod *p = &v->pods[i];
        REMAP(p->ns);
        REMAP(p->name);
        for (size_t j = p->first; j < (size_t)p->first + p->n; j++)
            REMAP(v->ctrs[j].name);
    }
#undef REMAP
    pool_ref(np);
    v->pool = np;
    /* oldp holds at least these two references, so the first unref cannot free it; the
     * analyzer does not follow reference counts. Old views keep their own references. */
    pool_unref(oldp); /* the view's reference */
    pool_unref(oldp); // NOLINT(clang-analyzer-unix.Malloc): the store's reference; refs >= 2
    log_v(4, "store: compacted string pool to %zu bytes", np->bytes);
}

static void finish_pod(struct store_view *v, struct spod *p, struct store_put_result *res)
{
    /* containers by name (insertion sort: pods have one or a few) */
    for (size_t i = (size_t)p->first + 1; i < (size_t)p->first + p->n; i++)
        for (size_t j = i; j > p->first; j--) {
            if (strcmp(pool_str(v->pool, v->ctrs[j - 1].name),
                       pool_str(v->pool, v->ctrs[j].name)) <= 0)
                break;
            ctr_swap(v, j - 1, j);
        }
    int all = p->n > 0;
    for (size_t j = p->first; j < (size_t)p->first + p->n; j++) {
        if (v->ctrs[j].flags & F_PREV)
            v->stats.container_points++;
        else
            all = 0;
    }
    p->flags = all ? POD_SERVE : 0;
    v->stats.containers += p->n;
    res->containers += p->n;
}

int store_put(struct store *s, const struct store_cycle *c, struct store_put_result *res, char *err,
              size_t errlen)
{
    struct store_put_result dummy;
    if (res == NULL)
        res = &dummy;
    memset(res, 0, sizeof(*res));
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (c == NULL || (c->nbatches > 0 && c->batches == NULL) ||
        (c->nfailed > 0 && c->failed_nodes == NULL) || c->now_ns <= 0 ||
        c->nbatches > UINT32_MAX / 2 || c->nfailed > UINT32_MAX / 2) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen,
                     "store_put: malformed cycle (NULL array with a count, or now_ns <= 0)");
        return -EINVAL;
    }
    int was_busy = atomic_exchange(&s->busy, 1);
    ASSERT(!was_busy); /* one writer at a time */

    struct put P = { .s = s, .old = s->cur, .res = res, .err = err, .errlen = errlen };
    const struct store_view *old = P.old;
    s->seq++;
    if (s->seq == 0)
        s->seq = 1;
    s->live = 0;

    struct umap oldnodes, nodemap, podmap;
    umap_init(&oldnodes, old->nnodes + 1);
    for (size_t i = 0; i < old->nnodes; i++)
        (void)umap_put(&oldnodes, old->nodes[i].name, (uint32_t)i);
    umap_init(&nodemap, c->nbatches + old->nnodes + 1);
    umap_init(&podmap, 1024); /* new pods only */
    size_t maxnodes = c->nbatches + old->nnodes;
    P.tnodes = xmalloc((maxnodes ? maxnodes : 1) * sizeof(*P.tnodes));
    uint32_t *carry = xmalloc((old->nnodes ? old->nnodes : 1) * sizeof(*carry));
    for (size_t i = 0; i < old->nnodes; i++)
        carry[i] = NONE;
    int any_carry = 0;

    /* 1. nodes scraped this cycle (first wins) */
    size_t total = 0;
    for (size_t i = 0; i < c->nbatches; i++) {
        const struct node_batch *b = c->batches[i];
        if (b == NULL) {
            problem(&P, "batch %zu is NULL", i);
            continue;
        }
        uint32_t id = intern_name(&P, b->node, "node");
        if (id == 0)
            continue;
        uint32_t t = (uint32_t)P.ntnodes;
        if (umap_put(&nodemap, id, t) != t) {
            res->duplicates++;
            log_v(2, "store: duplicate node point for %s ignored", b->node);
            continue;
        }
        P.tnodes[P.ntnodes++] =
            (struct tnode){ .name = id, .old = umap_get(&oldnodes, id), .final = NONE, .b = b };
        if (b->ncontainers > 0 && b->containers == NULL) {
            problem(&P, "node %s: containers array missing", b->node);
            continue;
        }
        total += b->ncontainers;
    }

    /* 2. failed nodes: kept with their last good samples, or dropped */
    for (size_t i = 0; i < c->nfailed; i++) {
        const char *f = c->failed_nodes[i];
        size_t len;
        if (!name_ok(f, &len)) {
            problem(&P, "failed node %zu: name missing, empty or too long", i);
            continue;
        }
        uint32_t id = intern(s, f, len, str_hash(f, len), 0);
        if (id == 0 || umap_get(&nodemap, id) != NONE)
            continue; /* never stored, or scraped successfully after all */
        uint32_t oi = umap_get(&oldnodes, id);
        if (oi == NONE || carry[oi] != NONE)
            continue;
        const struct snode *on = &old->nodes[oi];
        int64_t age;
        if (s->opts.reference_mode || __builtin_sub_overflow(c->now_ns, on->newest_ts, &age) ||
            age > 2 * s->opts.resolution_ns) {
            res->dropped_nodes++;
            continue;
        }
        carry[oi] = (uint32_t)P.ntnodes;
        (void)umap_put(&nodemap, id, carry[oi]);
        P.tnodes[P.ntnodes++] =
            (struct tnode){ .name = id, .old = oi, .final = NONE, .b = NULL, .stale = 1 };
        res->kept_nodes++;
        any_carry = 1;
    }
    if (c->partial) {
        for (size_t oi = 0; oi < old->nnodes; oi++) {
            if (carry[oi] != NONE || umap_get(&nodemap, old->nodes[oi].name) != NONE)
                continue;
            carry[oi] = (uint32_t)P.ntnodes;
            P.tnodes[P.ntnodes++] =
                (struct tnode){ .name = old->nodes[oi].name,
                                .old = (uint32_t)oi,
                                .final = NONE,
                                .b = NULL,
                                .stale = (old->nodes[oi].flags & F_STALE) != 0 };
            any_carry = 1;
        }
    }

    /* 3. pass 1: group container samples into pods. Per batch in three sweeps, so that the
     * cache misses of the big tables (interned names, last cycle's pod index and pods) are
     * prefetched a few samples ahead instead of waited for one by one. */
    P.samples = xmalloc((total ? total : 1) * sizeof(*P.samples));
    P.by_old = xmalloc((old->npods ? old->npods : 1) * sizeof(*P.by_old));
    for (size_t i = 0; i < old->npods; i++)
        P.by_old[i] = NONE;
    struct memo mns = { 0 }, mctr[MEMO_CTR] = { { 0 } };
    struct scratch *sc = NULL;
    size_t sccap = 0;
    for (size_t t = 0; t < P.ntnodes; t++) {
        const struct node_batch *b = P.tnodes[t].b;
        if (b == NULL || (b->ncontainers > 0 && b->containers == NULL))
            continue;
        size_t n = b->ncontainers;
        if (n > sccap) {
            sccap = n;
            sc = xreallocarray(sc, sccap, sizeof(*sc));
        }
        struct tsample *tss = &P.samples[P.nsamples];
        P.nsamples += n;
        /* sweep A: validate; namespace and container names (decoders emit runs of one
         * namespace and one container name: kubelet series are sorted by container,
         * namespace, pod); hash the pod name */
        for (size_t k = 0; k < n; k++) {
            const struct container_sample *cs = &b->containers[k];
            tss[k].tpod = NONE;
            sc[k].ns = sc[k].pod = 0;
            if (!point_ok(&cs->point)) {
                problem(&P, "node %s: container %s/%s/%s: incomplete sample", b->node,
                        cs->namespace ? cs->namespace : "?", cs->pod ? cs->pod : "?",
                        cs->container ? cs->container : "?");
                continue;
            }
            uint32_t ns = memo_ns(&P, &mns, cs->namespace);
            uint32_t cn = ns ? memo_ctr(&P, mctr, cs->container) : 0;
            if (cn == 0)
                continue;
            size_t len;
            if (!name_ok(cs->pod, &len)) {
                (void)intern_name(&P, cs->pod, "pod"); /* reports the problem */
                continue;
            }
            sc[k] = (struct scratch){
                .ns = ns, .cn = cn, .h = str_hash(cs->pod, len), .len = (uint32_t)len
            };
        }
        /* sweep B: intern the pod names */
        for (size_t k = 0; k < n; k++) {
            if (k + PREFETCH < n && sc[k + PREFETCH].ns)
                __builtin_prefetch(&s->islots[sc[k + PREFETCH].h & (s->icap - 1)]);
            if (k + PREFETCH / 2 < n && sc[k + PREFETCH / 2].ns) {
                uint64_t slot = s->islots[sc[k + PREFETCH / 2].h & (s->icap - 1)];
                if (slot != 0 && (uint32_t)(slot >> 32) == sc[k + PREFETCH / 2].h)
                    __builtin_prefetch(pool_str(s->pool, (uint32_t)slot) - POOL_HDR);
            }
            if (sc[k].ns == 0)
                continue;
            sc[k].pod = intern(s, b->containers[k].pod, sc[k].len, sc[k].h, 1);
            if (sc[k].pod == 0)
                problem(&P, "string pool full (%u MiB of names)", POOL_MAX_CHUNKS);
        }
        /* sweep C: find each pod in the last view, group samples into pods */
        size_t pmask = old->pindex_cap ? old->pindex_cap - 1 : 0;
        for (size_t k = 0; k < n; k++) {
            if (pmask && k + PREFETCH < n && sc[k + PREFETCH].pod) {
                const struct scratch *x = &sc[k + PREFETCH];
                __builtin_prefetch(&old->pindex[mix64(pod_key(x->ns, x->pod)) & pmask]);
            }
            if (pmask && k + PREFETCH / 2 < n && sc[k + PREFETCH / 2].pod) {
                const struct scratch *x = &sc[k + PREFETCH / 2];
                uint32_t slot = old->pindex[mix64(pod_key(x->ns, x->pod)) & pmask];
                if (slot != 0)
                    __builtin_prefetch(&old->pods[slot - 1]);
            }
            if (sc[k].pod == 0)
                continue;
            const struct container_sample *cs = &b->containers[k];
            uint32_t ns = sc[k].ns, pod = sc[k].pod;
            uint32_t tp, oi = view_find_pod_id(old, ns, pod);
            if (oi != NONE) { /* existed last cycle: indexed by its old position */
                tp = P.by_old[oi];
                if (tp == NONE) {
                    tp = P.by_old[oi] = add_tpod(&P, ns, pod, (uint32_t)t, oi);
                    P.tpods[tp].old_first = old->pods[oi].first;
                }
            } else {
                uint32_t np = (uint32_t)P.ntpods;
                tp = umap_put(&podmap, pod_key(ns, pod), np);
                if (tp == np)
                    (void)add_tpod(&P, ns, pod, (uint32_t)t, NONE);
            }
            if (P.tpods[tp].tnode != t) {
                res->duplicates++;
                log_v(2, "store: duplicate pod point for %s/%s (node %s) ignored", cs->namespace,
                      cs->pod, b->node);
                continue;
            }
            if (P.tpods[tp].count++ == KG_STORE_MAX_CONTAINERS) {
                P.tpods[tp].rejected = 1;
                problem(&P, "pod %s/%s: more than %d containers", cs->namespace, cs->pod,
                        KG_STORE_MAX_CONTAINERS);
            }
            tss[k].tpod = tp;
            tss[k].cname = sc[k].cn;
        }
    }
    free(sc);

    /* 4. pods of carried nodes (unless scraped elsewhere this cycle) */
    if (any_carry) {
        for (size_t oi = 0; oi < old->npods; oi++) {
            const struct spod *op = &old->pods[oi];
            uint32_t t = carry[op->node];
            if (t == NONE || P.by_old[oi] != NONE)
                continue;
            uint32_t tp = add_tpod(&P, op->ns, op->name, t, (uint32_t)oi);
            P.by_old[oi] = tp;
            P.tpods[tp].carried = 1;
            P.tpods[tp].count = op->n;
            stamp(s, op->ns);
            stamp(s, op->name);
            for (size_t j = op->first; j < (size_t)op->first + op->n; j++)
                stamp(s, old->ctrs[j].name);
        }
    }
    for (size_t t = 0; t < P.ntnodes; t++)
        stamp(s, P.tnodes[t].name);

    /* 5. the new view: nodes */
    struct store_view *v = view_new(s->pool);
    P.v = v;
    uint32_t *norder = xmalloc((P.ntnodes ? P.ntnodes : 1) * sizeof(*norder));
    for (size_t t = 0; t < P.ntnodes; t++)
        norder[t] = (uint32_t)t;
    qsort_r(norder, P.ntnodes, sizeof(*norder), cmp_tnode, &P);
    v->nnodes = P.ntnodes;
    v->nodes = xcalloc(v->nnodes ? v->nnodes : 1, sizeof(*v->nodes));
    size_t nerr_nodes = 0;
    for (size_t k = 0; k < P.ntnodes; k++) {
        struct tnode *tn = &P.tnodes[norder[k]];
        struct snode *sn = &v->nodes[k];
        const struct snode *on = tn->old != NONE ? &old->nodes[tn->old] : NULL;
        tn->final = (uint32_t)k;
        sn->name = tn->name;
        if (tn->b == NULL) { /* carried: only a node the old view had is carried */
            ASSERT(on != NULL);
            *sn = *on;
            sn->flags = (on->flags & ~(uint32_t)F_STALE) | (tn->stale ? F_STALE : 0);
            continue;
        }
        sn->newest_ts = INT64_MIN;
        if (tn->b->has_node) {
            if (!point_ok(&tn->b->node_point)) {
                problem(&P, "node %s: incomplete node sample", tn->b->node);
            } else {
                node_rule(&sn->e, &tn->b->node_point, on ? &on->e : NULL);
                sn->flags = sn->e.flags;
                sn->newest_ts = sn->e.ts;
                nerr_nodes += (sn->flags & F_ERR) != 0;
            }
        }
    }
    for (size_t k = 0; k < v->nnodes; k++)
        if (v->nodes[k].flags & F_PREV)
            v->stats.node_points++;
    free(norder);

    /* 6. pods in order, container slots */
    uint32_t *porder = xmalloc((P.ntpods ? P.ntpods : 1) * sizeof(*porder));
    v->npods = order_pods(&P, porder);
    v->pods = xcalloc(v->npods ? v->npods : 1, sizeof(*v->pods));
    size_t slots = 0;
    for (size_t k = 0; k < v->npods; k++) {
        struct tpod *tp = &P.tpods[porder[k]];
        tp->final = (uint32_t)k;
        tp->slot = (uint32_t)slots;
        v->pods[k] = (struct spod){ .ns = tp->ns,
                                    .name = tp->name,
                                    .node = P.tnodes[tp->tnode].final,
                                    .first = (uint32_t)slots };
        slots += tp->count;
    }
    ASSERT(slots < UINT32_MAX);
    v->nslots = slots;
    v->ctrs = xcalloc(slots ? slots : 1, sizeof(*v->ctrs));

    /* 7. pass 2: apply the container rules (old and new containers prefetched ahead) */
    size_t si = 0;
    for (size_t t = 0; t < P.ntnodes; t++) {
        const struct node_batch *b = P.tnodes[t].b;
        if (b == NULL || (b->ncontainers > 0 && b->containers == NULL))
            continue;
        struct snode *sn = &v->nodes[P.tnodes[t].final];
        const struct tsample *tss = &P.samples[si];
        size_t n = b->ncontainers;
        si += n;
        for (size_t k = 0; k < n; k++) {
            if (k + PREFETCH < n && tss[k + PREFETCH].tpod != NONE) {
                const struct tpod *x = &P.tpods[tss[k + PREFETCH].tpod];
                if (x->old != NONE)
                    __builtin_prefetch(&old->ctrs[x->old_first]);
                if (!x->rejected)
                    __builtin_prefetch(&v->ctrs[x->slot + x->placed], 1);
            }
            const struct tsample *ts = &tss[k];
            if (ts->tpod == NONE || P.tpods[ts->tpod].rejected)
                continue;
            struct tpod *tp = &P.tpods[ts->tpod];
            int dup = 0;
            for (size_t j = tp->slot; j < (size_t)tp->slot + tp->placed && !dup; j++)
                dup = v->ctrs[j].name == ts->cname;
            if (dup) {
                res->duplicates++;
                continue;
            }
            struct entry olde, e;
            const struct entry *oldp = NULL;
            if (tp->old != NONE) {
                const struct spod *op = &old->pods[tp->old];
                for (size_t j = op->first; j < (size_t)op->first + op->n; j++)
                    if (old->ctrs[j].name == ts->cname) {
                        ctr_unpack(old, j, &olde);
                        oldp = &olde;
                        break;
                    }
            }
            const struct sample_point *pt = &b->containers[k].point;
            container_rule(&e, pt, oldp, s->opts.resolution_ns);
            ctr_pack(v, (size_t)tp->slot + tp->placed, &e, ts->cname);
            tp->placed++;
            if (pt->timestamp_ns > sn->newest_ts)
                sn->newest_ts = pt->timestamp_ns;
        }
    }
    ASSERT(si == P.nsamples);
    size_t nerr_ctrs = 0;
    for (size_t k = 0; k < v->npods; k++) {
        struct spod *p = &v->pods[k];
        const struct tpod *tp = &P.tpods[porder[k]];
        if (tp->carried) {
            const struct spod *op = &old->pods[tp->old];
            for (size_t j = 0; j < op->n; j++) {
                struct entry e;
                ctr_unpack(old, (size_t)op->first + j, &e);
                ctr_pack(v, (size_t)p->first + j, &e, old->ctrs[op->first + j].name);
            }
            p->n = op->n;
        } else {
            p->n = (uint16_t)tp->placed;
        }
        finish_pod(v, p, res);
        for (size_t j = p->first; j < (size_t)p->first + p->n; j++)
            nerr_ctrs += (v->ctrs[j].flags & F_ERR) != 0;
    }
    free(porder);
    if (nerr_nodes + nerr_ctrs > 0)
        log_v(2,
              "store: %zu node and %zu container usage metrics skipped: unexpected decrease "
              "in start time or cumulative CPU",
              nerr_nodes, nerr_ctrs);

    /* 8. strings: compact the pool when more than half of it is garbage */
    if (s->pool->bytes > 2 * s->live + POOL_CHUNK)
        compact(s, v);
    view_build_index(v);

    v->stats.seq = s->seq;
    v->stats.nodes = v->nnodes;
    v->stats.pods = v->npods;
    v->stats.ready = v->stats.node_points > 0 && v->stats.container_points > 0;
    v->stats.bytes = sizeof(*v) + v->nnodes * sizeof(*v->nodes) + v->npods * sizeof(*v->pods) +
                     v->nslots * sizeof(*v->ctrs) + (v->ext ? v->nslots * sizeof(*v->ext) : 0) +
                     v->pindex_cap * sizeof(*v->pindex);
    v->stats.pool_bytes = v->pool->bytes + sizeof(struct pool);
    res->nodes = v->nnodes;
    res->pods = v->npods;
    if (v->stats.ready != s->was_ready) {
        log_v(2, "store: metric storage is %sready (node points %zu, container points %zu)",
              v->stats.ready ? "" : "not ", v->stats.node_points, v->stats.container_points);
        s->was_ready = v->stats.ready;
    }

    /* 9. publish */
    ASSERT(pthread_mutex_lock(&s->mu) == 0);
    struct store_view *prev = s->cur;
    s->cur = v;
    pthread_mutex_unlock(&s->mu);
    store_release(prev);

    umap_cleanup(&oldnodes);
    umap_cleanup(&nodemap);
    umap_cleanup(&podmap);
    free(P.tnodes);
    free(P.tpods);
    free(P.samples);
    free(P.by_old);
    free(carry);
    atomic_store(&s->busy, 0);
    return 0;
}

int store_put_node(struct store *s, const struct node_batch *batch, int64_t now_ns,
                   struct store_put_result *res, char *err, size_t errlen)
{
    const struct node_batch *one[1] = { batch };
    struct store_cycle c = { .batches = one, .nbatches = 1, .now_ns = now_ns, .partial = 1 };
    return store_put(s, &c, res, err, errlen);
}

/* ---- reads ---- */

static void usage_of(const struct entry *e, struct store_usage *u)
{
    u->cpu_nanocores = store_cpu_rate(e->cpu - e->pcpu, e->ts - e->pts);
    u->memory_bytes = e->mem;
    u->swap_bytes = (e->flags & F_SWAP) ? e->swap : 0;
    u->has_swap = (e->flags & F_SWAP) != 0;
}

static int node_fill(const struct store_view *v, const struct snode *n,
                     struct store_node_metrics *out)
{
    if ((n->flags & (F_LAST | F_PREV)) != (F_LAST | F_PREV) || (n->flags & F_ERR))
        return -ENOENT;
    out->name = pool_str(v->pool, n->name);
    out->timestamp_ns = n->e.ts;
    out->window_ns = n->e.ts - n->e.pts;
    usage_of(&n->e, &out->usage);
    out->stale = (n->flags & F_STALE) != 0;
    return 0;
}

static int pod_fill(const struct store_view *v, const struct spod *p, struct store_pod_metrics *out)
{
    if (!(p->flags & POD_SERVE))
        return -ENOENT;
    out->namespace = pool_str(v->pool, p->ns);
    out->name = pool_str(v->pool, p->name);
    out->node = pool_str(v->pool, v->nodes[p->node].name);
    out->stale = (v->nodes[p->node].flags & F_STALE) != 0;
    out->timestamp_ns = 0;
    out->window_ns = 0;
    out->nskipped = 0;
    out->ncontainers = 0;
    for (size_t j = p->first; j < (size_t)p->first + p->n; j++) {
        struct entry e;
        ctr_unpack(v, j, &e);
        if (e.flags & F_ERR) {
            out->nskipped++;
            continue;
        }
        struct store_container_metrics *cm = &out->containers[out->ncontainers++];
        cm->name = pool_str(v->pool, v->ctrs[j].name);
        usage_of(&e, &cm->usage);
        if (out->ncontainers == 1 || e.ts < out->timestamp_ns) {
            out->timestamp_ns = e.ts;
            out->window_ns = e.ts - e.pts;
        }
    }
    return 0;
}

static size_t node_lower(const struct store_view *v, const char *name)
{
    size_t lo = 0, hi = v->nnodes;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(pool_str(v->pool, v->nodes[mid].name), name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* First pod >= (ns, name); name NULL: first pod of ns; upper: first pod after ns. */
static size_t pod_bound(const struct store_view *v, const char *ns, const char *name, int upper)
{
    size_t lo = 0, hi = v->npods;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct spod *p = &v->pods[mid];
        int c = strcmp(pool_str(v->pool, p->ns), ns);
        if (c == 0 && name != NULL)
            c = strcmp(pool_str(v->pool, p->name), name);
        if (c < 0 || (upper && c == 0))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int store_node_metrics(const struct store_view *v, const char *name, struct store_node_metrics *out)
{
    if (name == NULL)
        return -ENOENT;
    size_t i = node_lower(v, name);
    if (i == v->nnodes || strcmp(pool_str(v->pool, v->nodes[i].name), name) != 0)
        return -ENOENT;
    return node_fill(v, &v->nodes[i], out);
}

int store_pod_metrics(const struct store_view *v, const char *namespace, const char *name,
                      struct store_pod_metrics *out)
{
    if (namespace == NULL || name == NULL)
        return -ENOENT;
    size_t i = pod_bound(v, namespace, name, 0);
    if (i == v->npods || strcmp(pool_str(v->pool, v->pods[i].ns), namespace) != 0 ||
        strcmp(pool_str(v->pool, v->pods[i].name), name) != 0)
        return -ENOENT;
    return pod_fill(v, &v->pods[i], out);
}

void store_iter_nodes(const struct store_view *v, struct store_iter *it)
{
    it->v = v;
    it->pos = 0;
    it->end = v->nnodes;
}

void store_iter_pods(const struct store_view *v, const char *namespace, struct store_iter *it)
{
    it->v = v;
    if (namespace == NULL) {
        it->pos = 0;
        it->end = v->npods;
    } else {
        it->pos = pod_bound(v, namespace, NULL, 0);
        it->end = pod_bound(v, namespace, NULL, 1);
    }
}

int store_next_node(struct store_iter *it, struct store_node_metrics *out)
{
    while (it->pos < it->end)
        if (node_fill(it->v, &it->v->nodes[it->pos++], out) == 0)
            return 1;
    return 0;
}

int store_next_pod(struct store_iter *it, struct store_pod_metrics *out)
{
    while (it->pos < it->end)
        if (pod_fill(it->v, &it->v->pods[it->pos++], out) == 0)
            return 1;
    return 0;
}

void store_view_stats(const struct store_view *v, struct store_stats *out)
{
    *out = v->stats;
}
