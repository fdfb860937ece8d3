/*
 * /metrics/resource decoder and node_batch helpers (see decode.h for the contract).
 *
 * One pass over the payload with the promtext tokenizer: lines of families we do not read cost
 * a memchr and a name compare. A series we read is parsed in place; its (namespace, pod) is
 * interned in a small open-addressing table (so each pod's strings are copied into the batch
 * arena once, and a pod can be marked bad), and its container is found or appended through a
 * second table keyed by (namespace, pod, container). Both tables and the per-container state
 * grow geometrically, so a 110-pod payload costs a handful of allocations in all, none per
 * line. Drop rules are applied once at the end and the container array is compacted in place.
 */
#include "metrics/decode.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/promtext.h"
#include "util/err.h"
#include "util/alloc.h"
#include "util/arena.h"
#include "util/assert.h"
#include "util/limits.h"
#include "util/time.h"

/* ---- node_batch ---- */

#define BATCH_MIN_CAP 16

struct node_batch *node_batch_new(const char *node, size_t arena_chunk)
{
    struct arena *a = arena_new(arena_chunk ? arena_chunk : 8192);
    struct node_batch *b = arena_alloc(a, sizeof(*b));
    b->arena = a;
    if (node)
        b->node = arena_strdup(a, node);
    return b;
}

void node_batch_free(struct node_batch *b)
{
    if (b)
        arena_free(b->arena); /* b itself lives in its arena */
}

/* The containers array's capacity is implicit: 0 for n == 0, else max(16, next power of two
 * >= n). Growth happens when appending at such a boundary, copying into a fresh arena block. */
static void batch_grow(struct node_batch *b)
{
    size_t n = b->ncontainers, newcap = 0;
    ASSERT(n == 0 || b->containers != NULL);
    if (n == 0)
        newcap = BATCH_MIN_CAP;
    else if (n >= BATCH_MIN_CAP && (n & (n - 1)) == 0)
        newcap = n * 2;
    if (!newcap)
        return;
    struct container_sample *c = arena_alloc(b->arena, newcap * sizeof(*c));
    if (n)
        memcpy(c, b->containers, n * sizeof(*c));
    b->containers = c;
}

static struct container_sample *batch_append(struct node_batch *b)
{
    batch_grow(b);
    struct container_sample *c = &b->containers[b->ncontainers++];
    memset(c, 0, sizeof(*c));
    return c;
}

struct container_sample *node_batch_add(struct node_batch *b, const char *ns, const char *pod,
                                        const char *container, const struct sample_point *pt)
{
    const struct container_sample *prev =
        b->ncontainers ? &b->containers[b->ncontainers - 1] : NULL;
    const char *nsp =
        prev && !strcmp(prev->namespace, ns) ? prev->namespace : arena_strdup(b->arena, ns);
    const char *podp = prev && prev->namespace == nsp && !strcmp(prev->pod, pod)
                           ? prev->pod
                           : arena_strdup(b->arena, pod);
    const char *cp = arena_strdup(b->arena, container);
    struct container_sample *c = batch_append(b);
    c->namespace = nsp;
    c->pod = podp;
    c->container = cp;
    if (pt)
        c->point = *pt;
    return c;
}

static void batch_verror(struct node_batch *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void batch_verror(struct node_batch *b, const char *fmt, va_list ap)
{
    b->nerrors++;
    if (b->first_error)
        return;
    char msg[KG_ERRBUF];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    b->first_error = arena_strdup(b->arena, msg);
}

void node_batch_error(struct node_batch *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    batch_verror(b, fmt, ap);
    va_end(ap);
}

/* ---- container index ---- */

void decode__index_init(struct decode__index *ix)
{
    memset(ix, 0, sizeof(*ix));
}

void decode__index_cleanup(struct decode__index *ix)
{
    free(ix->slots);
    free(ix->hashes);
    memset(ix, 0, sizeof(*ix));
}

/* Word-at-a-time multiplicative hash: a few cycles per 8 bytes (the keys are ~60 bytes and
 * hashed once per series line). Lengths are mixed in, so ("ab","c") and ("a","bc") differ. */
static uint64_t hash_bytes(uint64_t h, const char *p, size_t n)
{
    const uint64_t k = UINT64_C(0x9E3779B97F4A7C15);
    h = (h ^ n) * k;
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * k;
        h ^= h >> 29;
    }
    if (n) {
        uint64_t w = 0;
        memcpy(&w, p, n);
        h = (h ^ w) * k;
        h ^= h >> 29;
    }
    return h;
}

uint32_t decode__hash(const char *ns, size_t nslen, const char *pod, size_t podlen, const char *c,
                      size_t clen)
{
    uint64_t h = hash_bytes(0, ns, nslen);
    h = hash_bytes(h, pod, podlen);
    h = hash_bytes(h, c, clen);
    h ^= h >> 32;
    return (uint32_t)h;
}

/* NUL-terminated s equals the n bytes at p (which may hold NULs: then they differ). */
static int span_eq(const char *s, const char *p, size_t n)
{
    return strnlen(s, n + 1) == n && memcmp(s, p, n) == 0;
}

long decode__index_find(const struct decode__index *ix, const struct node_batch *b, uint32_t h,
                        const char *ns, size_t nslen, const char *pod, size_t podlen, const char *c,
                        size_t clen)
{
    if (!ix->cap)
        return -1;
    size_t mask = ix->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        uint32_t s = ix->slots[i];
        if (!s)
            return -1;
        if (ix->hashes[i] != h)
            continue;
        const struct container_sample *cs = &b->containers[s - 1];
        if (span_eq(cs->container, c, clen) && span_eq(cs->pod, pod, podlen) &&
            span_eq(cs->namespace, ns, nslen))
            return (long)(s - 1);
    }
}

static void index_insert_raw(struct decode__index *ix, uint32_t h, uint32_t slot)
{
    size_t mask = ix->cap - 1, i = h & mask;
    while (ix->slots[i])
        i = (i + 1) & mask;
    ix->slots[i] = slot;
    ix->hashes[i] = h;
}

static void index_resize(struct decode__index *ix, size_t cap)
{
    struct decode__index old = *ix;
    ix->cap = cap;
    ix->slots = xcalloc(ix->cap, sizeof(*ix->slots));
    ix->hashes = xcalloc(ix->cap, sizeof(*ix->hashes));
    for (size_t i = 0; i < old.cap; i++) {
        if (old.slots[i])
            index_insert_raw(ix, old.hashes[i], old.slots[i]);
    }
    free(old.slots);
    free(old.hashes);
}

void decode__index_reserve(struct decode__index *ix, size_t n)
{
    size_t cap = ix->cap ? ix->cap : 64;
    while (cap < n * 2)
        cap *= 2;
    if (cap != ix->cap)
        index_resize(ix, cap);
}

void decode__index_put(struct decode__index *ix, uint32_t h, size_t idx)
{
    if ((ix->n + 1) * 2 > ix->cap)
        index_resize(ix, ix->cap ? ix->cap * 2 : 64);
    index_insert_raw(ix, h, (uint32_t)idx + 1);
    ix->n++;
}

void decode__compact(struct node_batch *b, const unsigned char *keep)
{
    size_t o = 0;
    for (size_t i = 0; i < b->ncontainers; i++) {
        if (!keep[i])
            continue;
        if (o != i)
            b->containers[o] = b->containers[i];
        o++;
    }
    b->ncontainers = o;
}

int node_batch_check(const struct node_batch *b, char *err, size_t errlen)
{
    int rc = -EINVAL;
    struct decode__index ix;
    decode__index_init(&ix);
    if ((b->nerrors == 0) != (b->first_error == NULL)) {
        kg_set_err(err, errlen, "nerrors %zu but first_error %s", b->nerrors,
                   b->first_error ? "set" : "NULL");
        goto out;
    }
    if (b->has_node) {
        const struct sample_point *p = &b->node_point;
        if (!p->has_cpu || !p->has_memory || !p->cpu_ns || !p->memory_bytes ||
            p->timestamp_ns <= 0) {
            kg_set_err(err, errlen, "node point incomplete");
            goto out;
        }
    }
    for (size_t i = 0; i < b->ncontainers; i++) {
        const struct container_sample *c = &b->containers[i];
        if (!c->namespace || !c->pod || !c->container || !*c->namespace || !*c->pod ||
            !*c->container) {
            kg_set_err(err, errlen, "container %zu: empty name", i);
            goto out;
        }
        const struct sample_point *p = &c->point;
        if (!p->has_cpu || !p->has_memory || !p->cpu_ns || !p->memory_bytes ||
            p->timestamp_ns <= 0 || p->start_time_ns < 0) {
            kg_set_err(err, errlen, "container %s/%s/%s: point incomplete", c->namespace, c->pod,
                       c->container);
            goto out;
        }
        size_t nl = strlen(c->namespace), pl = strlen(c->pod), cl = strlen(c->container);
        uint32_t h = decode__hash(c->namespace, nl, c->pod, pl, c->container, cl);
        if (decode__index_find(&ix, b, h, c->namespace, nl, c->pod, pl, c->container, cl) >= 0) {
            kg_set_err(err, errlen, "container %s/%s/%s appears twice", c->namespace, c->pod,
                       c->container);
            goto out;
        }
        decode__index_put(&ix, h, i);
    }
    rc = 0;
out:
    decode__index_cleanup(&ix);
    return rc;
}

/* ---- /metrics/resource ---- */

enum metric_id {
    M_NONE,
    M_NODE_CPU,
    M_NODE_MEM,
    M_NODE_SWAP,
    M_CONT_CPU,
    M_CONT_MEM,
    M_CONT_SWAP,
    M_CONT_START,
};

enum { SEEN_CPU = 1, SEEN_MEM = 2, SEEN_SWAP = 4, SEEN_START = 8 };

static const struct {
    const char *name;
    size_t len;
    enum metric_id id;
} metrics[] = {
#define M(s, id)                                                                                   \
    {                                                                                              \
        s, sizeof(s) - 1, id                                                                       \
    }
    M("node_cpu_usage_seconds_total", M_NODE_CPU),
    M("node_cpu_usage_seconds", M_NODE_CPU), /* kubelet 1.18.0 */
    M("node_memory_working_set_bytes", M_NODE_MEM),
    M("node_swap_usage_bytes", M_NODE_SWAP),
    M("container_cpu_usage_seconds_total", M_CONT_CPU),
    M("container_cpu_usage_seconds", M_CONT_CPU), /* kubelet 1.18.0 */
    M("container_memory_working_set_bytes", M_CONT_MEM),
    M("container_swap_usage_bytes", M_CONT_SWAP),
    M("container_start_time_seconds", M_CONT_START),
#undef M
};

static enum metric_id classify(const struct promtext_span *name)
{
    /* Every name we read starts with 'n' or 'c'; most skipped lines are rejected here. */
    if (name->len < 21 || (name->ptr[0] != 'n' && name->ptr[0] != 'c'))
        return M_NONE;
    for (size_t i = 0; i < sizeof(metrics) / sizeof(metrics[0]); i++) {
        if (metrics[i].len == name->len && memcmp(metrics[i].name, name->ptr, name->len) == 0)
            return metrics[i].id;
    }
    return M_NONE;
}

struct pod_ent {
    const char *ns, *pod; /* in the batch arena */
    size_t nslen, podlen;
    uint32_t hash;
    unsigned char bad;
};

struct cstate {
    uint32_t pod; /* index into pods */
    unsigned char seen;
};

struct dec {
    struct node_batch *b;
    const struct decode_opts *o;
    /* pods: entries + open-addressing index */
    struct pod_ent *pods;
    size_t npods, podcap;
    uint32_t *podslots; /* 0 empty, else pod index + 1 */
    size_t podslotcap;
    /* containers: state parallel to b->containers + index */
    struct cstate *cs;
    size_t cscap;
    struct decode__index ix;
    unsigned node_seen;
    size_t ccap;         /* capacity of b->containers */
    size_t guess;        /* container index expected for the next series line */
    enum metric_id prev; /* family of the previous series line */
    /* scratch for unescaping label values */
    char *scratch;
    size_t scratchcap;
};

static void pods_rehash(struct dec *d)
{
    size_t cap = d->podslotcap ? d->podslotcap * 2 : 64;
    uint32_t *s = xcalloc(cap, sizeof(*s));
    for (size_t i = 0; i < d->npods; i++) {
        size_t j = d->pods[i].hash & (cap - 1);
        while (s[j])
            j = (j + 1) & (cap - 1);
        s[j] = (uint32_t)i + 1;
    }
    free(d->podslots);
    d->podslots = s;
    d->podslotcap = cap;
}

/* Namespaces repeat across pods: reuse an already copied one when a recent pod has it. */
static const char *intern_ns(struct dec *d, const char *ns, size_t len)
{
    size_t lim = d->npods > 32 ? d->npods - 32 : 0;
    for (size_t i = d->npods; i > lim; i--) {
        const struct pod_ent *p = &d->pods[i - 1];
        if (p->nslen == len && memcmp(p->ns, ns, len) == 0)
            return p->ns;
    }
    return arena_strndup(d->b->arena, ns, len);
}

static uint32_t pod_get(struct dec *d, const char *ns, size_t nslen, const char *pod, size_t podlen)
{
    uint32_t h = decode__hash(ns, nslen, pod, podlen, "", 0);
    if (d->podslotcap) {
        size_t mask = d->podslotcap - 1;
        for (size_t j = h & mask; d->podslots[j]; j = (j + 1) & mask) {
            const struct pod_ent *p = &d->pods[d->podslots[j] - 1];
            if (p->hash == h && p->podlen == podlen && p->nslen == nslen &&
                memcmp(p->pod, pod, podlen) == 0 && memcmp(p->ns, ns, nslen) == 0)
                return d->podslots[j] - 1;
        }
    }
    if (d->npods == d->podcap) {
        d->podcap = d->podcap ? d->podcap * 2 : 64;
        d->pods = xreallocarray(d->pods, d->podcap, sizeof(*d->pods));
    }
    struct pod_ent *p = &d->pods[d->npods];
    p->ns = intern_ns(d, ns, nslen);
    p->nslen = nslen;
    p->pod = arena_strndup(d->b->arena, pod, podlen);
    p->podlen = podlen;
    p->hash = h;
    p->bad = 0;
    d->npods++;
    if (d->npods * 2 > d->podslotcap) {
        pods_rehash(d);
    } else {
        size_t mask = d->podslotcap - 1, j = h & mask;
        while (d->podslots[j])
            j = (j + 1) & mask;
        d->podslots[j] = (uint32_t)d->npods;
    }
    return (uint32_t)(d->npods - 1);
}

/* The container for the key, appended when new; -1 past KG_MAX_BATCH_CONTAINERS. */
static long container_get(struct dec *d, const char *ns, size_t nslen, const char *pod,
                          size_t podlen, const char *c, size_t clen)
{
    struct node_batch *b = d->b;
    /* Kubelet families list containers in the same order: try the one after the previous. */
    size_t g = d->guess;
    if (g < b->ncontainers) {
        const struct container_sample *cs = &b->containers[g];
        if (span_eq(cs->container, c, clen) && span_eq(cs->pod, pod, podlen) &&
            span_eq(cs->namespace, ns, nslen))
            return (long)g;
    }
    uint32_t h = decode__hash(ns, nslen, pod, podlen, c, clen);
    long i = decode__index_find(&d->ix, b, h, ns, nslen, pod, podlen, c, clen);
    if (i >= 0)
        return i;
    if (b->ncontainers >= KG_MAX_BATCH_CONTAINERS)
        return -1;
    uint32_t pid = pod_get(d, ns, nslen, pod, podlen);
    if (b->ncontainers == d->cscap) {
        d->cscap = d->cscap ? d->cscap * 2 : 64;
        d->cs = xreallocarray(d->cs, d->cscap, sizeof(*d->cs));
    }
    if (b->ncontainers == d->ccap) {
        /* powers of two >= BATCH_MIN_CAP, so node_batch_add's implicit capacity stays true */
        d->ccap = d->ccap ? d->ccap * 2 : BATCH_MIN_CAP;
        struct container_sample *na = arena_alloc(b->arena, d->ccap * sizeof(*na));
        if (b->ncontainers)
            memcpy(na, b->containers, b->ncontainers * sizeof(*na));
        b->containers = na;
    }
    struct container_sample *cs = &b->containers[b->ncontainers++];
    cs->namespace = d->pods[pid].ns;
    cs->pod = d->pods[pid].pod;
    cs->container = arena_strndup(b->arena, c, clen);
    size_t idx = b->ncontainers - 1;
    d->cs[idx].pod = pid;
    d->cs[idx].seen = 0;
    decode__index_put(&d->ix, h, idx);
    return (long)idx;
}

/* The namespace, pod and container label values as plain bytes: the spans themselves, or,
 * when escaped, decoded into the scratch buffer (grown once per line, before any decoding, so
 * earlier results stay valid). */
static void label_texts(struct dec *d, const struct promtext_label *const l[3], const char *txt[3],
                        size_t len[3])
{
    size_t need = 0, off = 0;
    for (int i = 0; i < 3; i++)
        need += l[i]->escaped ? l[i]->value.len : 0;
    if (need > d->scratchcap) {
        d->scratchcap = need * 2;
        d->scratch = xrealloc(d->scratch, d->scratchcap);
    }
    for (int i = 0; i < 3; i++) {
        if (!l[i]->escaped) {
            txt[i] = l[i]->value.ptr;
            len[i] = l[i]->value.len;
            continue;
        }
        /* an escaped value holds a backslash, so need > 0 and scratch was grown above */
        ASSERT(d->scratch != NULL);
        txt[i] = d->scratch + off;
        len[i] = promtext_unescape(l[i]->value.ptr, l[i]->value.len, d->scratch + off);
        off += l[i]->value.len;
    }
}

static int secs_to_ns(double v, uint64_t *out)
{
    if (!(v >= 0) || !(v * 1e9 < 18446744073709551616.0))
        return -1;
    *out = (uint64_t)(v * 1e9);
    return 0;
}

static int to_bytes(double v, uint64_t *out)
{
    if (!(v >= 0) || !(v < 18446744073709551616.0))
        return -1;
    *out = (uint64_t)v;
    return 0;
}

static int to_start_ns(double v, int64_t *out)
{
    if (!(v >= 0) || !(v * 1e9 < 9223372036854775808.0))
        return -1;
    *out = (int64_t)(v * 1e9);
    return 0;
}

/* A malformed or unusable line: strict mode stops here (-EINVAL), otherwise it is counted. */
static int line_error(struct dec *d, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int line_error(struct dec *d, char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (d->o->flags & DECODE_STRICT) {
        if (err && errlen)
            vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
        return -EINVAL;
    }
    batch_verror(d->b, fmt, ap);
    va_end(ap);
    return 0;
}

static const char *metric_what(unsigned bit)
{
    switch (bit) {
    case SEEN_CPU:
        return "CPU usage";
    case SEEN_MEM:
        return "memory working set";
    case SEEN_SWAP:
        return "swap usage";
    default:
        return "start time";
    }
}

static int apply_point(struct dec *d, struct sample_point *pt, unsigned *seen, unsigned bit,
                       enum metric_id id, double v, int64_t ts, const struct promtext_line *line,
                       char *err, size_t errlen)
{
    int bad;
    if (*seen & bit)
        return line_error(d, err, errlen, "line %zu: %.*s: repeated series%s", line->lineno,
                          (int)line->name.len, line->name.ptr,
                          (d->o->flags & DECODE_STRICT) ? "" : ", first one kept");
    switch (id) {
    case M_NODE_CPU:
    case M_CONT_CPU:
        bad = secs_to_ns(v, &pt->cpu_ns);
        break;
    case M_NODE_MEM:
    case M_CONT_MEM:
        bad = to_bytes(v, &pt->memory_bytes);
        break;
    case M_NODE_SWAP:
    case M_CONT_SWAP:
        bad = to_bytes(v, &pt->swap_bytes);
        break;
    default:
        bad = to_start_ns(v, &pt->start_time_ns);
        break;
    }
    if (bad)
        return line_error(d, err, errlen, "line %zu: %.*s: %s value %g is not usable", line->lineno,
                          (int)line->name.len, line->name.ptr, metric_what(bit), v);
    *seen |= bit;
    if (bit == SEEN_CPU)
        pt->has_cpu = 1;
    else if (bit == SEEN_MEM)
        pt->has_memory = 1;
    else if (bit == SEEN_SWAP)
        pt->has_swap = 1;
    if ((bit == SEEN_CPU || bit == SEEN_MEM) && ts)
        pt->timestamp_ns = ts;
    return 0;
}

static unsigned metric_bit(enum metric_id id)
{
    switch (id) {
    case M_NODE_CPU:
    case M_CONT_CPU:
        return SEEN_CPU;
    case M_NODE_MEM:
    case M_CONT_MEM:
        return SEEN_MEM;
    case M_NODE_SWAP:
    case M_CONT_SWAP:
        return SEEN_SWAP;
    default:
        return SEEN_START;
    }
}

static int decode_series(struct dec *d, enum metric_id id, const struct promtext_line *line,
                         struct promtext_series *s, char *err, size_t errlen)
{
    char perr[KG_ERRBUF];
    if (promtext_parse_series(line, s, perr, sizeof(perr)))
        return line_error(d, err, errlen, "%s", perr);
    if (id == M_NONE)
        return 0; /* strict mode validates every series */
    int64_t ts = d->o->default_time_ns;
    if (s->has_timestamp) {
        if (s->timestamp_ms > INT64_MAX / NS_PER_MS)
            return line_error(d, err, errlen, "line %zu: timestamp %lld ms is out of range",
                              line->lineno, (long long)s->timestamp_ms);
        ts = s->timestamp_ms * NS_PER_MS;
    }
    unsigned bit = metric_bit(id);
    if (id == M_NODE_CPU || id == M_NODE_MEM || id == M_NODE_SWAP)
        return apply_point(d, &d->b->node_point, &d->node_seen, bit, id, s->value, ts, line, err,
                           errlen);

    static const char *const want[3] = { "namespace", "pod", "container" };
    const struct promtext_label *l[3];
    const char *txt[3];
    size_t len[3];
    for (int i = 0; i < 3; i++) {
        l[i] = promtext_label(s, want[i]);
        if (!l[i] || !l[i]->value.len)
            return line_error(d, err, errlen, "line %zu: %.*s: %s label %s", line->lineno,
                              (int)line->name.len, line->name.ptr, l[i] ? "empty" : "missing",
                              want[i]);
    }
    label_texts(d, l, txt, len);
    for (int i = 0; i < 3; i++) {
        if (memchr(txt[i], '\0', len[i]))
            return line_error(d, err, errlen, "line %zu: %.*s: label %s holds a NUL byte",
                              line->lineno, (int)line->name.len, line->name.ptr, want[i]);
    }
    if (id != d->prev)
        d->guess = 0;
    d->prev = id;
    long ci = container_get(d, txt[0], len[0], txt[1], len[1], txt[2], len[2]);
    if (ci >= 0)
        d->guess = (size_t)ci + 1;
    if (ci < 0)
        return line_error(d, err, errlen,
                          "line %zu: more than %d containers, %.*s/%.*s/%.*s dropped", line->lineno,
                          KG_MAX_BATCH_CONTAINERS, (int)len[0], txt[0], (int)len[1], txt[1],
                          (int)len[2], txt[2]);
    unsigned seen = d->cs[ci].seen;
    int rc = apply_point(d, &d->b->containers[ci].point, &seen, bit, id, s->value, ts, line, err,
                         errlen);
    d->cs[ci].seen = (unsigned char)seen;
    return rc;
}

static int point_all_zero(const struct sample_point *p)
{
    return !p->cpu_ns && !p->memory_bytes && !p->swap_bytes && !p->timestamp_ns &&
           !p->start_time_ns;
}

static const char *missing_what(const struct sample_point *p)
{
    if (!p->cpu_ns)
        return p->has_cpu ? "zero CPU usage" : "no CPU usage";
    if (!p->memory_bytes)
        return p->has_memory ? "zero memory working set" : "no memory working set";
    return "no timestamp";
}

static int point_complete(const struct sample_point *p)
{
    return p->cpu_ns && p->memory_bytes && p->timestamp_ns > 0;
}

static void finish(struct dec *d)
{
    struct node_batch *b = d->b;
    int keep_partial = (d->o->flags & DECODE_KEEP_PARTIAL_PODS) != 0;
    if (point_complete(&b->node_point)) {
        b->has_node = 1;
    } else if (d->node_seen) {
        node_batch_error(b, "node: %s, node sample dropped", missing_what(&b->node_point));
    }
    if (!b->ncontainers)
        return;
    unsigned char *keep = xmalloc(b->ncontainers);
    for (size_t i = 0; i < b->ncontainers; i++) {
        const struct container_sample *c = &b->containers[i];
        keep[i] = 1;
        if (point_complete(&c->point))
            continue;
        keep[i] = 0;
        if (point_all_zero(&c->point))
            continue; /* the reference ignores completely empty entries */
        if (keep_partial) {
            node_batch_error(b, "container %s/%s/%s: %s, container dropped", c->namespace, c->pod,
                             c->container, missing_what(&c->point));
        } else {
            node_batch_error(b, "container %s/%s/%s: %s, pod dropped", c->namespace, c->pod,
                             c->container, missing_what(&c->point));
            d->pods[d->cs[i].pod].bad = 1;
        }
    }
    if (!keep_partial) {
        for (size_t i = 0; i < b->ncontainers; i++) {
            if (d->pods[d->cs[i].pod].bad)
                keep[i] = 0;
        }
    }
    decode__compact(b, keep);
    free(keep);
}

int decode_resource(const void *data, size_t len, const struct decode_opts *opts,
                    struct node_batch **out, char *err, size_t errlen)
{
    static const struct decode_opts zero_opts;
    const struct decode_opts *o = opts ? opts : &zero_opts;
    int rc = 0;
    struct promtext_series s;
    struct dec d;
    memset(&d, 0, sizeof(d));
    *out = NULL;
    if (len > KG_MAX_KUBELET_BODY) {
        kg_set_err(err, errlen, "/metrics/resource payload of %zu bytes exceeds the limit of %u",
                   len, (unsigned)KG_MAX_KUBELET_BODY);
        return -E2BIG;
    }
    /* Strings are ~5% of the payload; small chunks keep a stored batch small. */
    size_t chunk = len / 4;
    chunk = chunk < 4096 ? 4096 : chunk > 65536 ? 65536 : chunk;
    d.b = node_batch_new(o->node, chunk);
    d.o = o;
    decode__index_init(&d.ix);
    /* Size the tables once from the payload: a kubelet writes >= 250 bytes per container (three
     * series lines plus its pod's lines), so len / 256 is an upper estimate for real payloads. */
    size_t est = BATCH_MIN_CAP;
    while (est < len / 256 && est < KG_MAX_BATCH_CONTAINERS)
        est *= 2;
    d.ccap = est;
    d.b->containers = arena_alloc(d.b->arena, est * sizeof(*d.b->containers));
    d.cscap = d.podcap = est;
    d.cs = xmalloc(est * sizeof(*d.cs));
    d.pods = xmalloc(est * sizeof(*d.pods));
    d.podslotcap = est * 2;
    d.podslots = xcalloc(d.podslotcap, sizeof(*d.podslots));
    decode__index_reserve(&d.ix, est);

    struct promtext_parser p;
    struct promtext_line line;
    char perr[KG_ERRBUF];
    promtext_init(&p, data, len);
    for (;;) {
        int r = promtext_next(&p, &line, perr, sizeof(perr));
        if (r == 0)
            break;
        if (r < 0) {
            rc = line_error(&d, err, errlen, "%s", perr);
            if (rc)
                goto out;
            continue;
        }
        if (line.kind != PROMTEXT_SERIES)
            continue;
        enum metric_id id = classify(&line.name);
        if (id == M_NONE && !(o->flags & DECODE_STRICT))
            continue;
        rc = decode_series(&d, id, &line, &s, err, errlen);
        if (rc)
            goto out;
    }
    finish(&d);
    *out = d.b;
    d.b = NULL;
out:
    node_batch_free(d.b);
    decode__index_cleanup(&d.ix);
    free(d.pods);
    free(d.podslots);
    free(d.cs);
    free(d.scratch);
    return rc;
}
