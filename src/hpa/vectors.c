/*
 * HPA test-vector runner (see vectors.h). Each vector is decoded into the hpa module's plain
 * structs (all memory from one arena, reset per vector), run through the same functions the
 * controller uses, and its expectations compared field by field.
 *
 * JSON comes from json/json.h (exact int64: vectors hold 2^63-1).
 * Decoding uses a sticky error: getters record the first problem (with the field's path) and
 * return neutral values, and the vector fails with that message once decoding is done. This
 * keeps a hostile file from ever reaching the algorithm half-decoded.
 *
 * Time fields: a number = seconds relative to now, "zero" = Go's zero time, {"unix_s": n} =
 * an absolute instant, null = absent. "now" is a fixed instant (2023-11-14T22:13:20Z).
 */
#include "hpa/vectors.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hpa/behavior.h"
#include "hpa/calc.h"
#include "hpa/reconcile.h"
#include "hpa/status.h"
#include "json/json.h"
#include "kube/labels.h"
#include "util/alloc.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/limits.h"
#include "util/time.h"

#define NOW (INT64_C(1700000000) * NS_PER_SEC)
#define VERR_LEN 512

/* snprintf for messages where truncation of absurd input is acceptable. */
static void fmt_into(char *dst, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fmt_into(char *dst, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, len, fmt, ap);
    va_end(ap);
}

/* ---- JSON access (json/json.h) with NULL meaning "absent" ---- */

static enum json_kind jtype(const struct json_value *v)
{
    return v ? json_kind(v) : JSON_NULL;
}

static const struct json_value *jmember(const struct json_value *o, const char *key)
{
    return jtype(o) == JSON_OBJECT ? json_member(o, key) : NULL;
}

/* Elements of an array or members of an object. */
static size_t jlen(const struct json_value *v)
{
    return jtype(v) == JSON_ARRAY ? json_array_len(v) : json_object_count(v);
}

static size_t jkeys(const struct json_value *o, const char **keys, size_t max)
{
    struct json_iter it;
    const char *k;
    const struct json_value *m;
    size_t n = 0;
    if (jtype(o) != JSON_OBJECT)
        return 0;
    json_iter_init(&it, o);
    while (n < max && json_iter_next(&it, &k, &m))
        keys[n++] = k;
    return n;
}

static int jint64(const struct json_value *v, int64_t *out)
{
    return v ? json_get_int64(v, "", out, NULL, 0) : -ENOENT;
}

static int jdouble(const struct json_value *v, double *out)
{
    return v ? json_get_double(v, "", out, NULL, 0) : -ENOENT;
}

static int jbool(const struct json_value *v, int *out)
{
    bool b;
    int rc = v ? json_get_bool(v, "", &b, NULL, 0) : -ENOENT;
    if (!rc)
        *out = b;
    return rc;
}

static const char *jstring(const struct json_value *v)
{
    const char *s = NULL;
    if (!v || json_get_string(v, "", &s, NULL, NULL, 0))
        return NULL;
    return s;
}

/* ---- decoding helpers (sticky error) ---- */

struct ld {
    struct arena *a;
    char err[VERR_LEN]; /* first decoding error, "" if none */
};

static void ld_fail(struct ld *L, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void ld_fail(struct ld *L, const char *path, const char *fmt, ...)
{
    va_list ap;
    char msg[VERR_LEN / 2];
    if (L->err[0])
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(L->err, sizeof(L->err), "%.200s: %s", path, msg);
}

/* Member key of object o; NULL when absent or JSON null. Records a type error when o is not an
 * object. */
static const struct json_value *ld_get(struct ld *L, const struct json_value *o, const char *key,
                                       const char *path)
{
    if (!o || jtype(o) != JSON_OBJECT) {
        ld_fail(L, path, "expected an object");
        return NULL;
    }
    const struct json_value *v = jmember(o, key);
    if (v && jtype(v) == JSON_NULL)
        return NULL;
    return v;
}

static int ld_has(const struct json_value *o, const char *key)
{
    const struct json_value *v = o && jtype(o) == JSON_OBJECT ? jmember(o, key) : NULL;
    return v && jtype(v) != JSON_NULL;
}

/* The n keys of object o, in document order, copied into the arena. */
static const char **ld_keys(struct ld *L, const struct json_value *o, size_t n)
{
    const char **k = arena_alloc(L->a, (n ? n : 1) * sizeof(char *));
    size_t got = jkeys(o, k, n);
    for (size_t i = 0; i < got; i++)
        k[i] = arena_strdup(L->a, k[i]);
    return k;
}

static int64_t ld_i64(struct ld *L, const struct json_value *o, const char *key, const char *path)
{
    int64_t x = 0;
    const struct json_value *v = ld_get(L, o, key, path);
    if (!v) {
        ld_fail(L, path, "field \"%s\" is missing", key);
        return 0;
    }
    if (jint64(v, &x))
        ld_fail(L, path, "field \"%s\" is not an integer within int64", key);
    return x;
}

static int32_t ld_i32(struct ld *L, const struct json_value *o, const char *key, const char *path)
{
    int64_t x = ld_i64(L, o, key, path);
    if (x < INT32_MIN || x > INT32_MAX) {
        ld_fail(L, path, "field \"%s\" is out of int32 range", key);
        return 0;
    }
    return (int32_t)x;
}

static double ld_dbl(struct ld *L, const struct json_value *o, const char *key, const char *path)
{
    double d = 0;
    const struct json_value *v = ld_get(L, o, key, path);
    if (!v) {
        ld_fail(L, path, "field \"%s\" is missing", key);
        return 0;
    }
    if (jdouble(v, &d) || !isfinite(d))
        ld_fail(L, path, "field \"%s\" is not a finite number", key);
    return d;
}

/* String member; NULL when absent or null (not an error unless required). */
static const char *ld_str_opt(struct ld *L, const struct json_value *o, const char *key,
                              const char *path)
{
    const struct json_value *v = ld_get(L, o, key, path);
    if (!v)
        return NULL;
    const char *s = jstring(v);
    if (!s) {
        ld_fail(L, path, "field \"%s\" is not a string", key);
        return NULL;
    }
    return arena_strdup(L->a, s);
}

static const char *ld_str(struct ld *L, const struct json_value *o, const char *key,
                          const char *path)
{
    const char *s = ld_str_opt(L, o, key, path);
    if (!s) {
        ld_fail(L, path, "field \"%s\" is missing", key);
        return "";
    }
    return s;
}

/* Array member: returns its length (0 when absent/null) and the array in *arr. */
static size_t ld_arr(struct ld *L, const struct json_value *o, const char *key, const char *path,
                     const struct json_value **arr)
{
    const struct json_value *v = ld_get(L, o, key, path);
    *arr = NULL;
    if (!v)
        return 0;
    if (jtype(v) != JSON_ARRAY) {
        ld_fail(L, path, "field \"%s\" is not an array", key);
        return 0;
    }
    size_t n = jlen(v);
    if (n > KG_MAX_HPA_VECTOR_LIST) {
        ld_fail(L, path, "field \"%s\" has more than %d elements", key, KG_MAX_HPA_VECTOR_LIST);
        return 0;
    }
    *arr = v;
    return n;
}

static const char *subpath(struct ld *L, const char *path, const char *key, long idx)
{
    char b[VERR_LEN];
    if (idx >= 0)
        snprintf(b, sizeof(b), "%s.%s[%ld]", path, key, idx);
    else
        snprintf(b, sizeof(b), "%s.%s", path, key);
    return arena_strdup(L->a, b);
}

/* A time field: number (relative seconds), "zero", {"unix_s": n}; null/absent -> *has = 0. */
static int64_t ld_time(struct ld *L, const struct json_value *o, const char *key, const char *path,
                       int *has)
{
    const struct json_value *v = ld_get(L, o, key, path);
    int64_t x;
    *has = 0;
    if (!v)
        return 0;
    *has = 1;
    if (jtype(v) == JSON_STRING) {
        if (!strcmp(jstring(v), "zero"))
            return HPA_TIME_GO_ZERO;
        ld_fail(L, path, "field \"%s\": unknown time string", key);
        return 0;
    }
    if (jtype(v) == JSON_OBJECT) {
        x = ld_i64(L, v, "unix_s", subpath(L, path, key, -1));
        if (x < -(INT64_C(1) << 32) || x > (INT64_C(1) << 32)) {
            ld_fail(L, path, "field \"%s\": unix_s out of range", key);
            return 0;
        }
        return x * NS_PER_SEC;
    }
    double d;
    if (jdouble(v, &d) || !isfinite(d) || d < -1e9 || d > 1e9) {
        ld_fail(L, path, "field \"%s\" is not a relative time in seconds", key);
        return 0;
    }
    return NOW + (int64_t)llround(d * 1e9);
}

/* Seconds as a duration in ns (bounded to a day, far beyond any period the API allows). */
static int64_t ld_secs(struct ld *L, const struct json_value *o, const char *key, const char *path)
{
    int64_t s = ld_i64(L, o, key, path);
    if (s < -86400 * 366 || s > 86400 * 366) {
        ld_fail(L, path, "field \"%s\" is out of range", key);
        return 0;
    }
    return s * NS_PER_SEC;
}

/* {"cpu": 100, ...} -> quantities. */
static size_t ld_quantities(struct ld *L, const struct json_value *o, const char *key,
                            const char *path, struct hpa_quantity **out)
{
    const struct json_value *v = ld_get(L, o, key, path);
    *out = NULL;
    if (!v)
        return 0;
    if (jtype(v) != JSON_OBJECT) {
        ld_fail(L, path, "field \"%s\" is not an object", key);
        return 0;
    }
    size_t n = jlen(v);
    if (n > KG_MAX_HPA_VECTOR_LIST) {
        ld_fail(L, path, "field \"%s\" is too large", key);
        return 0;
    }
    struct hpa_quantity *q = arena_alloc(L->a, (n ? n : 1) * sizeof(*q));
    const char **keys = ld_keys(L, v, n);
    const char *sp = subpath(L, path, key, -1);
    for (size_t i = 0; i < n; i++) {
        const char *k = keys[i];
        q[i].name = arena_strdup(L->a, k);
        q[i].milli = ld_i64(L, v, k, sp);
    }
    *out = q;
    return n;
}

static double ld_dbl_opt(struct ld *L, const struct json_value *o, const char *key,
                         const char *path, double dflt)
{
    return ld_has(o, key) ? ld_dbl(L, o, key, path) : dflt;
}

/* ---- decoding of the shared shapes ---- */

static enum hpa_pod_phase parse_phase(struct ld *L, const char *s, const char *path)
{
    if (!s || !strcmp(s, "Running"))
        return HPA_POD_RUNNING;
    if (!strcmp(s, "Pending"))
        return HPA_POD_PENDING;
    if (!strcmp(s, "Succeeded"))
        return HPA_POD_SUCCEEDED;
    if (!strcmp(s, "Failed"))
        return HPA_POD_FAILED;
    if (!strcmp(s, "Unknown"))
        return HPA_POD_UNKNOWN;
    ld_fail(L, path, "unknown pod phase \"%s\"", s);
    return HPA_POD_UNKNOWN;
}

static enum hpa_cond_status parse_cond(struct ld *L, const char *s, const char *path)
{
    if (!strcmp(s, "True"))
        return HPA_COND_TRUE;
    if (!strcmp(s, "False"))
        return HPA_COND_FALSE;
    if (!strcmp(s, "Unknown"))
        return HPA_COND_UNKNOWN;
    ld_fail(L, path, "unknown condition status \"%s\"", s);
    return HPA_COND_UNKNOWN;
}

static size_t ld_containers(struct ld *L, const struct json_value *o, const char *key,
                            const char *path, struct hpa_container **out)
{
    const struct json_value *arr;
    size_t n = ld_arr(L, o, key, path, &arr);
    struct hpa_container *c = arena_alloc(L->a, (n ? n : 1) * sizeof(*c));
    for (size_t i = 0; i < n && !L->err[0]; i++) {
        const struct json_value *e = json_array_at(arr, i);
        const char *p = subpath(L, path, key, (long)i);
        struct hpa_quantity *q;
        c[i].name = ld_str(L, e, "name", p);
        const char *rp = ld_str_opt(L, e, "restart_policy", p);
        c[i].restart_always = rp && !strcmp(rp, "Always");
        c[i].n_requests = ld_quantities(L, e, "requests_milli", p, &q);
        c[i].requests = q;
    }
    *out = c;
    return n;
}

/* Pods; labels (when wanted) go to a parallel array of label sets. */
struct labelset {
    size_t n;
    struct label *l;
};

static size_t ld_pods(struct ld *L, const struct json_value *o, const char *key, const char *path,
                      struct hpa_pod **out, struct labelset **labels)
{
    const struct json_value *arr;
    size_t n = ld_arr(L, o, key, path, &arr);
    struct hpa_pod *pods = arena_alloc(L->a, (n ? n : 1) * sizeof(*pods));
    struct labelset *ls = arena_alloc(L->a, (n ? n : 1) * sizeof(*ls));
    for (size_t i = 0; i < n && !L->err[0]; i++) {
        const struct json_value *e = json_array_at(arr, i);
        const char *p = subpath(L, path, key, (long)i);
        struct hpa_pod *pd = &pods[i];
        struct hpa_container *cs;
        struct hpa_quantity *q;
        int has;
        pd->name = ld_str(L, e, "name", p);
        pd->phase = parse_phase(L, ld_str_opt(L, e, "phase", p), p);
        pd->start_time = ld_time(L, e, "start_time", p, &pd->has_start_time);
        (void)ld_time(L, e, "deletion_timestamp", p, &has);
        pd->deleting = has;
        const struct json_value *rc = ld_get(L, e, "ready_condition", p);
        if (rc) {
            const char *rp = subpath(L, p, "ready_condition", -1);
            pd->ready = parse_cond(L, ld_str(L, rc, "status", rp), rp);
            pd->ready_transition = ld_time(L, rc, "last_transition_time", rp, &has);
            if (!has)
                pd->ready_transition = HPA_TIME_GO_ZERO;
        }
        pd->n_containers = ld_containers(L, e, "containers", p, &cs);
        pd->containers = cs;
        pd->n_init_containers = ld_containers(L, e, "init_containers", p, &cs);
        pd->init_containers = cs;
        pd->has_pod_requests = ld_has(e, "pod_requests_milli");
        pd->n_pod_requests = ld_quantities(L, e, "pod_requests_milli", p, &q);
        pd->pod_requests = q;
        const struct json_value *lab = ld_get(L, e, "labels", p);
        if (lab && jtype(lab) == JSON_OBJECT) {
            size_t m = jlen(lab);
            const char **keys = ld_keys(L, lab, m);
            ls[i].n = m;
            ls[i].l = arena_alloc(L->a, (m ? m : 1) * sizeof(struct label));
            for (size_t j = 0; j < m; j++) {
                ls[i].l[j].key = keys[j];
                ls[i].l[j].value = ld_str(L, lab, keys[j], subpath(L, p, "labels", -1));
            }
        } else if (lab) {
            ld_fail(L, p, "labels is not an object");
        }
    }
    *out = pods;
    if (labels)
        *labels = ls;
    return n;
}

static size_t ld_resource_metrics(struct ld *L, const struct json_value *o, const char *key,
                                  const char *path, struct hpa_pod_metrics **out)
{
    const struct json_value *arr;
    size_t n = ld_arr(L, o, key, path, &arr);
    struct hpa_pod_metrics *pm = arena_alloc(L->a, (n ? n : 1) * sizeof(*pm));
    for (size_t i = 0; i < n && !L->err[0]; i++) {
        const struct json_value *e = json_array_at(arr, i);
        const char *p = subpath(L, path, key, (long)i);
        int has;
        pm[i].pod = ld_str(L, e, "pod", p);
        pm[i].timestamp = ld_time(L, e, "timestamp", p, &has);
        if (!has)
            pm[i].timestamp = HPA_TIME_GO_ZERO;
        pm[i].window = ld_has(e, "window_s") ? ld_secs(L, e, "window_s", p) : 60 * NS_PER_SEC;
        const struct json_value *ca;
        size_t nc = ld_arr(L, e, "containers", p, &ca);
        struct hpa_container_usage *cu = arena_alloc(L->a, (nc ? nc : 1) * sizeof(*cu));
        for (size_t j = 0; j < nc && !L->err[0]; j++) {
            const struct json_value *ce = json_array_at(ca, j);
            const char *cp = subpath(L, p, "containers", (long)j);
            struct hpa_quantity *q;
            cu[j].name = ld_str(L, ce, "name", cp);
            cu[j].n_usage = ld_quantities(L, ce, "usage_milli", cp, &q);
            cu[j].usage = q;
        }
        pm[i].containers = cu;
        pm[i].n_containers = nc;
    }
    *out = pm;
    return n;
}

/* [{"pod", "value_milli" (or "value"), "timestamp", "window_s"}] */
static size_t ld_pod_values(struct ld *L, const struct json_value *arr, size_t n, const char *path,
                            struct hpa_pod_metric **out)
{
    struct hpa_pod_metric *m = arena_alloc(L->a, (n ? n : 1) * sizeof(*m));
    for (size_t i = 0; i < n && !L->err[0]; i++) {
        const struct json_value *e = json_array_at(arr, i);
        char p[VERR_LEN];
        int has;
        snprintf(p, sizeof(p), "%s[%zu]", path, i);
        m[i].pod = ld_str(L, e, "pod", p);
        m[i].value =
            ld_has(e, "value_milli") ? ld_i64(L, e, "value_milli", p) : ld_i64(L, e, "value", p);
        m[i].timestamp = ld_time(L, e, "timestamp", p, &has);
        if (!has)
            m[i].timestamp = HPA_TIME_GO_ZERO;
        m[i].window = ld_has(e, "window_s") ? ld_secs(L, e, "window_s", p) : 60 * NS_PER_SEC;
    }
    *out = m;
    return n;
}

static size_t ld_i64_list(struct ld *L, const struct json_value *o, const char *key,
                          const char *path, int64_t **out)
{
    const struct json_value *arr;
    size_t n = ld_arr(L, o, key, path, &arr);
    int64_t *v = arena_alloc(L->a, (n ? n : 1) * sizeof(*v));
    for (size_t i = 0; i < n && !L->err[0]; i++)
        if (jint64(json_array_at(arr, i), &v[i]))
            ld_fail(L, path, "%s[%zu] is not an integer within int64", key, i);
    *out = v;
    return n;
}

static struct hpa_tolerances ld_tolerance(struct ld *L, const struct json_value *o, const char *key,
                                          const char *path)
{
    struct hpa_tolerances t = { 0.1, 0.1 };
    const struct json_value *v = ld_get(L, o, key, path);
    if (v) {
        const char *p = subpath(L, path, key, -1);
        t.down = ld_dbl(L, v, "scale_down", p);
        t.up = ld_dbl(L, v, "scale_up", p);
    }
    return t;
}

/* metav1.LabelSelector: {"matchLabels": {...}, "matchExpressions": [...]}; NULL when absent. */
static const struct hpa_label_selector *ld_selector(struct ld *L, const struct json_value *o,
                                                    const char *key, const char *path)
{
    const struct json_value *v = ld_get(L, o, key, path);
    if (!v)
        return NULL;
    if (jtype(v) != JSON_OBJECT) {
        ld_fail(L, path, "field \"%s\" is not a label selector object", key);
        return NULL;
    }
    const char *p = subpath(L, path, key, -1);
    struct hpa_label_selector *s = arena_alloc(L->a, sizeof(*s));
    const struct json_value *ml = ld_get(L, v, "matchLabels", p);
    if (!ml)
        ml = ld_get(L, v, "match_labels", p);
    if (ml && jtype(ml) == JSON_OBJECT) {
        size_t m = jlen(ml);
        const char **k = ld_keys(L, ml, m);
        const char **val = arena_alloc(L->a, (m ? m : 1) * sizeof(char *));
        for (size_t i = 0; i < m; i++) {
            val[i] = ld_str(L, ml, k[i], p);
        }
        s->n_match = m;
        s->match_keys = k;
        s->match_values = val;
    } else if (ml) {
        ld_fail(L, p, "matchLabels is not an object");
    }
    const struct json_value *ea;
    size_t ne = ld_arr(L, v, "matchExpressions", p, &ea);
    struct hpa_label_requirement *r = arena_alloc(L->a, (ne ? ne : 1) * sizeof(*r));
    for (size_t i = 0; i < ne && !L->err[0]; i++) {
        const struct json_value *e = json_array_at(ea, i);
        const char *ep = subpath(L, p, "matchExpressions", (long)i);
        const struct json_value *va;
        r[i].key = ld_str(L, e, "key", ep);
        r[i].op = ld_str(L, e, "operator", ep);
        size_t nv = ld_arr(L, e, "values", ep, &va);
        const char **vals = arena_alloc(L->a, (nv ? nv : 1) * sizeof(char *));
        for (size_t j = 0; j < nv; j++) {
            const char *sv = jstring(json_array_at(va, j));
            if (!sv)
                ld_fail(L, ep, "values[%zu] is not a string", j);
            vals[j] = arena_strdup(L->a, sv ? sv : "");
        }
        r[i].values = vals;
        r[i].n_values = nv;
    }
    s->exprs = r;
    s->n_exprs = ne;
    return s;
}

static int ld_rules(struct ld *L, const struct json_value *o, const char *key, const char *path,
                    struct hpa_scaling_rules *r)
{
    const struct json_value *v = ld_get(L, o, key, path);
    memset(r, 0, sizeof(*r));
    if (!v)
        return 0;
    const char *p = subpath(L, path, key, -1);
    const char *sp = ld_str_opt(L, v, "select_policy", p);
    if (sp) {
        r->has_select = 1;
        if (!strcmp(sp, "Max"))
            r->select = HPA_SELECT_MAX;
        else if (!strcmp(sp, "Min"))
            r->select = HPA_SELECT_MIN;
        else if (!strcmp(sp, "Disabled"))
            r->select = HPA_SELECT_DISABLED;
        else
            ld_fail(L, p, "unknown select_policy \"%s\"", sp);
    }
    if (ld_has(v, "stabilization_window_seconds")) {
        r->has_window = 1;
        r->window_s = ld_i32(L, v, "stabilization_window_seconds", p);
    }
    if (ld_has(v, "tolerance")) {
        r->has_tolerance = 1;
        r->tolerance = ld_dbl(L, v, "tolerance", p);
    }
    const struct json_value *pa;
    size_t n = ld_arr(L, v, "policies", p, &pa);
    if (n > KG_MAX_HPA_POLICIES) {
        ld_fail(L, p, "more than %d policies", KG_MAX_HPA_POLICIES);
        return 1;
    }
    for (size_t i = 0; i < n && !L->err[0]; i++) {
        const struct json_value *e = json_array_at(pa, i);
        const char *pp = subpath(L, p, "policies", (long)i);
        const char *t = ld_str(L, e, "type", pp);
        if (!strcmp(t, "Pods"))
            r->policies[i].type = HPA_POLICY_PODS;
        else if (!strcmp(t, "Percent"))
            r->policies[i].type = HPA_POLICY_PERCENT;
        else
            ld_fail(L, pp, "unknown policy type \"%s\"", t);
        r->policies[i].value = ld_i32(L, e, "value", pp);
        r->policies[i].period_s = ld_i32(L, e, "period_seconds", pp);
    }
    r->n_policies = n;
    return 1;
}

/* History entries with "age_s" (seconds before now). */
static void ld_recommendations(struct ld *L, const struct json_value *arr, size_t n,
                               const char *path, struct hpa_history *h)
{
    for (size_t i = 0; i < n && !L->err[0]; i++) {
        const struct json_value *e = json_array_at(arr, i);
        char p[VERR_LEN];
        snprintf(p, sizeof(p), "%s[%zu]", path, i);
        int32_t r = ld_i32(L, e, "replicas", p);
        double age = ld_dbl(L, e, "age_s", p);
        if (age < -1e9 || age > 1e9)
            ld_fail(L, p, "age_s out of range");
        else
            hpa_history_add_recommendation(h, r, NOW - (int64_t)llround(age * 1e9));
    }
}

static void ld_events(struct ld *L, const struct json_value *o, const char *key, const char *path,
                      struct hpa_history *h, enum hpa_direction d)
{
    const struct json_value *arr;
    size_t n = ld_arr(L, o, key, path, &arr);
    for (size_t i = 0; i < n && !L->err[0]; i++) {
        const struct json_value *e = json_array_at(arr, i);
        const char *p = subpath(L, path, key, (long)i);
        int32_t c = ld_i32(L, e, "replica_change", p);
        double age = ld_dbl(L, e, "age_s", p);
        int outdated = 0;
        const struct json_value *ov = ld_get(L, e, "outdated", p);
        if (ov && jbool(ov, &outdated))
            ld_fail(L, p, "outdated is not a boolean");
        if (age < -1e9 || age > 1e9)
            ld_fail(L, p, "age_s out of range");
        else
            hpa_history_add_event(h, d, c, NOW - (int64_t)llround(age * 1e9), outdated);
    }
}

/* ---- comparison and reporting ---- */

struct report {
    struct buf diff; /* "field: got X, want Y; ..." */
};

static void diff_add(struct report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void diff_add(struct report *r, const char *fmt, ...)
{
    va_list ap;
    if (buf_len(&r->diff))
        buf_appends(&r->diff, "; ");
    va_start(ap, fmt);
    buf_vprintf(&r->diff, fmt, ap);
    va_end(ap);
}

static void expect_i64(struct ld *L, struct report *r, const struct json_value *exp,
                       const char *key, int64_t got)
{
    if (!ld_has(exp, key))
        return;
    int64_t want = ld_i64(L, exp, key, "expected");
    if (!L->err[0] && want != got)
        diff_add(r, "%s: got %lld, want %lld", key, (long long)got, (long long)want);
}

static void expect_str(struct ld *L, struct report *r, const struct json_value *exp,
                       const char *key, const char *got)
{
    if (!ld_has(exp, key))
        return;
    const char *want = ld_str(L, exp, key, "expected");
    if (!L->err[0] && strcmp(want, got) != 0)
        diff_add(r, "%s: got \"%s\", want \"%s\"", key, got, want);
}

/* error_contains / error_equals; returns 1 when the vector expects an error. */
static int expect_error(struct ld *L, struct report *r, const struct json_value *exp, int rc,
                        const char *errtext)
{
    const char *c = ld_str_opt(L, exp, "error_contains", "expected");
    const char *e = ld_str_opt(L, exp, "error_equals", "expected");
    if (!c && !e) {
        if (rc)
            diff_add(r, "unexpected error: %s", errtext);
        return 0;
    }
    if (!rc)
        diff_add(r, "expected an error (%s \"%s\"), got success", c ? "containing" : "equal to",
                 c ? c : e);
    else if (c && !strstr(errtext, c))
        diff_add(r, "error \"%s\" does not contain \"%s\"", errtext, c);
    else if (e && strcmp(errtext, e) != 0)
        diff_add(r, "error \"%s\", want \"%s\"", errtext, e);
    return 1;
}

/* ---- fake sources (the cluster as a vector describes it) ---- */

struct fake {
    struct ld *L;
    const struct hpa_pod *pods;
    const struct labelset *labels;
    size_t n_pods;
    const struct hpa_pod *selected;
    size_t n_selected;
    const char *controlling;
    const struct hpa_pod_metrics *rm;
    size_t n_rm;
    const struct json_value *root; /* the vector, for custom/object/external metrics */
    int fail_resource, fail_custom, fail_external, fail_update;
    int updated;
    int32_t updated_to;
    /* other HPAs' selectors (match_labels only) */
    size_t n_others;
    const char **other_names;
    const struct hpa_label_selector **other_sel;
    const char *own_name;
};

/* metav1.LabelSelectorAsSelector for another HPA's selector (matchLabels and expressions
 * rendered in the label-selector grammar). An empty one selects nothing: another HPA's
 * selector is labels.Nothing() until that HPA has been reconciled. */
static struct labels_selector *other_selector(const struct hpa_label_selector *s)
{
    struct labels_selector *sel = NULL;
    struct buf b;
    if (!s || (s->n_match == 0 && s->n_exprs == 0))
        return NULL;
    buf_init(&b, KG_MAX_SELECTOR_LEN);
    for (size_t i = 0; i < s->n_match; i++)
        buf_printf(&b, "%s%s=%s", i ? "," : "", s->match_keys[i], s->match_values[i]);
    for (size_t i = 0; i < s->n_exprs; i++) {
        const struct hpa_label_requirement *r = &s->exprs[i];
        int set = !strcmp(r->op, "In") || !strcmp(r->op, "NotIn");
        buf_printf(&b, "%s%s%s%s", buf_len(&b) ? "," : "",
                   !strcmp(r->op, "DoesNotExist") ? "!" : "", r->key,
                   !set                   ? ""
                   : !strcmp(r->op, "In") ? " in ("
                                          : " notin (");
        for (size_t v = 0; set && v < r->n_values; v++)
            buf_printf(&b, "%s%s", v ? "," : "", r->values[v]);
        if (set)
            buf_appends(&b, ")");
    }
    if (labels_selector_parse(&sel, buf_str(&b), buf_len(&b), NULL, 0))
        sel = NULL;
    buf_cleanup(&b);
    return sel;
}

static int fake_select(void *ud, const char *selector, struct hpa_selection *out, char *err,
                       size_t errlen)
{
    struct fake *f = ud;
    struct hpa_pod *sel = arena_alloc(f->L->a, (f->n_pods ? f->n_pods : 1) * sizeof(*sel));
    char *matched = arena_alloc(f->L->a, f->n_pods ? f->n_pods : 1);
    struct labels_selector *ls = NULL;
    size_t n = 0, n_hpas = 0;
    struct buf names;

    if (labels_selector_parse(&ls, selector, strlen(selector), err, errlen))
        return -EINVAL;
    for (size_t i = 0; i < f->n_pods; i++) {
        matched[i] = labels_selector_matches(ls, f->labels[i].l, f->labels[i].n);
        if (matched[i])
            sel[n++] = f->pods[i];
    }
    labels_selector_free(ls);
    buf_init(&names, 1u << 16);
    buf_appends(&names, "[");
    if (n) {
        n_hpas = 1;
        buf_appends(&names, f->own_name);
    }
    for (size_t o = 0; o < f->n_others; o++) {
        struct labels_selector *os = other_selector(f->other_sel[o]);
        for (size_t i = 0; os && i < f->n_pods; i++) {
            if (matched[i] && labels_selector_matches(os, f->labels[i].l, f->labels[i].n)) {
                buf_printf(&names, "%s%s", n_hpas ? " " : "", f->other_names[o]);
                n_hpas++;
                break;
            }
        }
        labels_selector_free(os);
    }
    buf_appends(&names, "]");
    f->controlling = arena_strdup(f->L->a, buf_str(&names));
    buf_cleanup(&names);
    f->selected = sel;
    f->n_selected = n;
    out->pods = sel;
    out->n_pods = n;
    out->n_controlling_hpas = n_hpas;
    out->controlling_hpas = f->controlling;
    return 0;
}

static int fake_resource(void *ud, const struct hpa_pod_metrics **items, size_t *n, char *err,
                         size_t errlen)
{
    struct fake *f = ud;
    if (f->fail_resource) {
        snprintf(err, errlen, "injected failure");
        return -EIO;
    }
    *items = f->rm;
    *n = f->n_rm;
    return 0;
}

static int fake_pods(void *ud, const char *name, const struct hpa_label_selector *sel,
                     const struct hpa_pod_metric **values, size_t *n, char *err, size_t errlen)
{
    struct fake *f = ud;
    (void)sel;
    if (f->fail_custom) {
        snprintf(err, errlen, "injected failure");
        return -EIO;
    }
    const struct json_value *m = ld_get(f->L, f->root, "pod_custom_metrics", "vector");
    const struct json_value *arr = m ? ld_get(f->L, m, name, "pod_custom_metrics") : NULL;
    struct hpa_pod_metric *vals;
    size_t cnt = 0;
    if (arr && jtype(arr) == JSON_ARRAY) {
        cnt = jlen(arr);
        if (cnt > KG_MAX_HPA_VECTOR_LIST)
            cnt = 0;
    }
    cnt = ld_pod_values(f->L, arr, cnt, "pod_custom_metrics", &vals);
    if (f->L->err[0]) {
        snprintf(err, errlen, "%s", f->L->err);
        return -EINVAL;
    }
    *values = vals;
    *n = cnt;
    return 0;
}

static int fake_object(void *ud, const char *name, const struct hpa_object_ref *obj,
                       const struct hpa_label_selector *sel, int64_t *value, int64_t *ts, char *err,
                       size_t errlen)
{
    struct fake *f = ud;
    (void)obj;
    (void)sel;
    if (f->fail_custom) {
        snprintf(err, errlen, "injected failure");
        return -EIO;
    }
    const struct json_value *m = ld_get(f->L, f->root, "object_metrics", "vector");
    if (!m || !ld_has(m, name)) {
        snprintf(err, errlen, "the server could not find the metric %s", name);
        return -ENOENT;
    }
    *value = ld_i64(f->L, m, name, "object_metrics");
    *ts = NOW;
    return 0;
}

static int fake_external(void *ud, const char *name, const struct hpa_label_selector *sel,
                         const int64_t **values, size_t *n, char *err, size_t errlen)
{
    struct fake *f = ud;
    (void)sel;
    if (f->fail_external) {
        snprintf(err, errlen, "injected failure");
        return -EIO;
    }
    const struct json_value *m = ld_get(f->L, f->root, "external_metrics", "vector");
    int64_t *v = NULL;
    *n = m ? ld_i64_list(f->L, m, name, "external_metrics", &v) : 0;
    *values = v;
    if (f->L->err[0]) {
        snprintf(err, errlen, "%s", f->L->err);
        return -EINVAL;
    }
    return 0;
}

static int fake_update(void *ud, int32_t replicas, char *err, size_t errlen)
{
    struct fake *f = ud;
    if (f->fail_update) {
        snprintf(err, errlen, "injected failure");
        return -EIO;
    }
    f->updated = 1;
    f->updated_to = replicas;
    return 0;
}

static const struct hpa_sources fake_sources_tmpl = {
    .select_pods = fake_select,
    .resource_metrics = fake_resource,
    .pods_metric = fake_pods,
    .object_metric = fake_object,
    .external_metric = fake_external,
    .update_scale = fake_update,
};

/* ---- replica-calculator kinds ---- */

/* resource_utilization, pods, object_*, external_*: the calculator functions the controller's
 * hpa_compute_metric uses, with the vector's data as the fetched metrics. */
static void run_metric_kind(struct ld *L, struct report *r, const struct json_value *v,
                            const char *kind)
{
    const struct json_value *prm = ld_get(L, v, "params", "vector");
    const struct json_value *exp = ld_get(L, v, "expected", "vector");
    struct hpa_calc_out co = { 0 };
    struct hpa_pod *pods;
    char err[KG_HPA_MSG_LEN] = "";
    int rc = 0;

    if (!prm || !exp) {
        ld_fail(L, "vector", "params and expected are required");
        return;
    }
    int32_t cur = ld_i32(L, prm, "current_replicas", "params");
    size_t n_pods = ld_pods(L, v, "pods", "vector", &pods, NULL);
    struct hpa_calc_in in = {
        pods,
        n_pods,
        ld_tolerance(L, prm, "tolerance", "params"),
        ld_has(prm, "cpu_initialization_period_s")
            ? ld_secs(L, prm, "cpu_initialization_period_s", "params")
            : 120 * NS_PER_SEC,
        ld_has(prm, "delay_of_initial_readiness_status_s")
            ? ld_secs(L, prm, "delay_of_initial_readiness_status_s", "params")
            : 10 * NS_PER_SEC,
        NOW,
    };

    if (!strcmp(kind, "resource_utilization")) {
        struct hpa_pod_metrics *rm;
        const char *container = ld_str_opt(L, prm, "container", "params");
        const char *res = ld_str(L, prm, "resource", "params");
        size_t n = ld_resource_metrics(L, v, "resource_metrics", "vector", &rm);
        int32_t target = ld_i32(L, prm, "target_utilization_percent", "params");
        if (L->err[0])
            return;
        rc = hpa_calc_resource_utilization(&in, cur, target, res, container, rm, n, &co, err,
                                           sizeof(err));
        if (!expect_error(L, r, exp, rc, err)) {
            expect_i64(L, r, exp, "replicas", co.replicas);
            expect_i64(L, r, exp, "utilization_percent", co.utilization);
            expect_i64(L, r, exp, "raw_average_value_milli", co.usage);
        }
        return;
    }
    if (!strcmp(kind, "pods")) {
        const struct json_value *arr;
        struct hpa_pod_metric *vals;
        const char *name = ld_str(L, prm, "metric_name", "params");
        int64_t target = ld_i64(L, prm, "target_average_value_milli", "params");
        size_t n = ld_arr(L, v, "pod_metrics", "vector", &arr);
        ld_pod_values(L, arr, n, "vector.pod_metrics", &vals);
        if (L->err[0])
            return;
        rc = hpa_calc_pods(&in, cur, target, name, vals, n, &co, err, sizeof(err));
    } else if (!strcmp(kind, "object_value")) {
        int64_t target = ld_i64(L, prm, "target_value_milli", "params");
        int64_t val = ld_i64(L, v, "object_metric_value_milli", "vector");
        if (L->err[0])
            return;
        rc = hpa_calc_object_value(&in, cur, target, val, &co, err, sizeof(err));
    } else if (!strcmp(kind, "object_average_value")) {
        int64_t target = ld_i64(L, prm, "target_average_value_milli", "params");
        int64_t val = ld_i64(L, v, "object_metric_value_milli", "vector");
        if (L->err[0])
            return;
        rc = hpa_calc_object_average(&in, cur, target, val, &co);
    } else {
        int avg = !strcmp(kind, "external_average_value");
        const char *name = ld_str(L, prm, "metric_name", "params");
        const struct hpa_label_selector *sel = ld_selector(L, prm, "metric_selector", "params");
        int64_t target = avg ? ld_i64(L, prm, "target_average_value_milli", "params")
                             : ld_i64(L, prm, "target_value_milli", "params");
        int64_t *vals;
        size_t n = ld_i64_list(L, v, "external_metric_values_milli", "vector", &vals);
        if (L->err[0])
            return;
        if (n == 0) {
            char s[KG_HPA_MSG_LEN];
            hpa_format_label_selector(sel, s, sizeof(s));
            fmt_into(err, sizeof(err),
                     "unable to get external metric %s/%s/%s: no metrics returned from external "
                     "metrics API",
                     "test-namespace", name, s);
            rc = -EINVAL;
        } else if (avg) {
            rc = hpa_calc_external_average(&in, cur, target, vals, n, &co);
        } else {
            rc = hpa_calc_external_value(&in, cur, target, vals, n, &co, err, sizeof(err));
        }
    }
    if (!expect_error(L, r, exp, rc, err)) {
        expect_i64(L, r, exp, "replicas", co.replicas);
        expect_i64(L, r, exp, "usage_milli", co.usage);
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Compares a set of pod names (order irrelevant). */
static void expect_set(struct ld *L, struct report *r, const struct json_value *exp,
                       const char *key, const char **got, size_t n_got)
{
    const struct json_value *arr;
    size_t n = ld_arr(L, exp, key, "expected", &arr);
    if (!arr || L->err[0])
        return;
    const char **want = arena_alloc(L->a, (n ? n : 1) * sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        want[i] = jstring(json_array_at(arr, i));
        if (!want[i]) {
            ld_fail(L, "expected", "%s[%zu] is not a string", key, i);
            return;
        }
    }
    qsort(want, n, sizeof(char *), cmp_str);
    qsort(got, n_got, sizeof(char *), cmp_str);
    int same = n == n_got;
    for (size_t i = 0; same && i < n; i++)
        same = !strcmp(want[i], got[i]);
    if (!same) {
        struct buf b;
        buf_init(&b, 4096);
        buf_appends(&b, "got [");
        for (size_t i = 0; i < n_got; i++)
            buf_printf(&b, "%s%s", i ? " " : "", got[i]);
        buf_appends(&b, "], want [");
        for (size_t i = 0; i < n; i++)
            buf_printf(&b, "%s%s", i ? " " : "", want[i]);
        buf_appends(&b, "]");
        diff_add(r, "%s: %s", key, buf_str(&b));
        buf_cleanup(&b);
    }
}

static void run_group_pods(struct ld *L, struct report *r, const struct json_value *v)
{
    const struct json_value *prm = ld_get(L, v, "params", "vector");
    const struct json_value *exp = ld_get(L, v, "expected", "vector");
    const struct json_value *arr;
    struct hpa_pod *pods;
    struct hpa_pod_metric *pts;
    char err[KG_HPA_MSG_LEN];
    size_t ready = 0;

    if (!prm || !exp) {
        ld_fail(L, "vector", "params and expected are required");
        return;
    }
    size_t n_pods = ld_pods(L, v, "pods", "vector", &pods, NULL);
    size_t n_pts = ld_arr(L, v, "pod_metric_points", "vector", &arr);
    ld_pod_values(L, arr, n_pts, "vector.pod_metric_points", &pts);
    const char *res = ld_str(L, prm, "resource", "params");
    struct hpa_calc_in in = { pods,
                              n_pods,
                              { 0.1, 0.1 },
                              ld_secs(L, prm, "cpu_initialization_period_s", "params"),
                              ld_secs(L, prm, "delay_of_initial_readiness_status_s", "params"),
                              NOW };
    if (L->err[0])
        return;
    enum hpa_pod_class *cls = arena_alloc(L->a, (n_pods ? n_pods : 1) * sizeof(*cls));
    if (hpa_group_pods(&in, pts, n_pts, res, cls, &ready, err, sizeof(err))) {
        diff_add(r, "unexpected error: %s", err);
        return;
    }
    expect_i64(L, r, exp, "ready_pod_count", (int64_t)ready);
    static const struct {
        enum hpa_pod_class c;
        const char *key;
    } sets[] = { { HPA_CLASS_UNREADY, "unready_pods" },
                 { HPA_CLASS_MISSING, "missing_pods" },
                 { HPA_CLASS_IGNORED, "ignored_pods" } };
    for (size_t s = 0; s < sizeof(sets) / sizeof(sets[0]); s++) {
        const char **got = arena_alloc(L->a, (n_pods ? n_pods : 1) * sizeof(char *));
        size_t n = 0;
        for (size_t i = 0; i < n_pods; i++) {
            if (cls[i] != sets[s].c)
                continue;
            got[n++] = pods[i].name;
        }
        /* a set: a name listed twice counts once */
        qsort(got, n, sizeof(char *), cmp_str);
        size_t w = 0;
        for (size_t i = 0; i < n; i++)
            if (!w || strcmp(got[w - 1], got[i]) != 0)
                got[w++] = got[i];
        n = w;
        expect_set(L, r, exp, sets[s].key, got, n);
    }
}

static void run_calculate_requests(struct ld *L, struct report *r, const struct json_value *v)
{
    const struct json_value *prm = ld_get(L, v, "params", "vector");
    const struct json_value *exp = ld_get(L, v, "expected", "vector");
    struct hpa_pod *pods;
    char err[KG_HPA_MSG_LEN] = "";
    int rc = 0, pod_level = 0;

    if (!prm || !exp) {
        ld_fail(L, "vector", "params and expected are required");
        return;
    }
    size_t n = ld_pods(L, v, "pods", "vector", &pods, NULL);
    const char *res = ld_str(L, prm, "resource", "params");
    const char *container = ld_str_opt(L, prm, "container", "params");
    const struct json_value *pl = ld_get(L, prm, "pod_level_resources_feature_enabled", "params");
    if (pl && jbool(pl, &pod_level))
        ld_fail(L, "params", "pod_level_resources_feature_enabled is not a boolean");
    if (L->err[0])
        return;
    int64_t *req = arena_alloc(L->a, (n ? n : 1) * sizeof(*req));
    for (size_t i = 0; i < n && !rc; i++)
        rc = hpa_pod_request(&pods[i], container, res, pod_level, &req[i], err, sizeof(err));
    if (expect_error(L, r, exp, rc, err))
        return;
    const struct json_value *want = ld_get(L, exp, "requests_milli", "expected");
    if (!want)
        return;
    if (jtype(want) != JSON_OBJECT) {
        ld_fail(L, "expected", "requests_milli is not an object");
        return;
    }
    size_t nw = jlen(want);
    if (nw != n)
        diff_add(r, "requests_milli: got %zu pods, want %zu", n, nw);
    const char **wk = ld_keys(L, want, nw);
    for (size_t i = 0; i < nw; i++) {
        const char *k = wk[i];
        int64_t w = ld_i64(L, want, k, "expected.requests_milli");
        size_t j = 0;
        while (j < n && strcmp(pods[j].name, k) != 0)
            j++;
        if (j == n)
            diff_add(r, "requests_milli[%s]: pod not found", k);
        else if (req[j] != w)
            diff_add(r, "requests_milli[%s]: got %lld, want %lld", k, (long long)req[j],
                     (long long)w);
    }
}

/* ---- behavior kinds ---- */

static void run_behavior(struct ld *L, struct report *r, const struct json_value *v,
                         const char *kind)
{
    const struct json_value *in = ld_get(L, v, "input", "vector");
    const struct json_value *exp = ld_get(L, v, "expected", "vector");
    struct hpa_history *h = hpa_history_new();
    struct hpa_behavior *b = arena_alloc(L->a, sizeof(*b));
    const char *reason = "";
    const struct json_value *arr;
    size_t n;

    if (!in || !exp) {
        ld_fail(L, "vector", "input and expected are required");
        goto out;
    }
    if (!strcmp(kind, "convert_desired_replicas_with_behavior_rate")) {
        int32_t cur = ld_i32(L, in, "current_replicas", "input");
        int32_t des = ld_i32(L, in, "desired_replicas", "input");
        int32_t min = ld_i32(L, in, "min_replicas", "input");
        int32_t max = ld_i32(L, in, "max_replicas", "input");
        if (!ld_rules(L, in, "scale_up_rules", "input", &b->up))
            ld_fail(L, "input", "scale_up_rules is required");
        if (!ld_rules(L, in, "scale_down_rules", "input", &b->down))
            ld_fail(L, "input", "scale_down_rules is required");
        ld_events(L, in, "scale_up_events", "input", h, HPA_DIR_UP);
        ld_events(L, in, "scale_down_events", "input", h, HPA_DIR_DOWN);
        if (L->err[0])
            goto out;
        int32_t got = hpa_convert_with_behavior_rate(h, cur, des, min, max, b, NOW, &reason);
        expect_i64(L, r, exp, "replicas", got);
        expect_str(L, r, exp, "condition_reason", reason);
    } else if (!strcmp(kind, "stabilize_recommendation_with_behaviors")) {
        int32_t cur = ld_i32(L, in, "current_replicas", "input");
        int32_t des = ld_i32(L, in, "desired_replicas", "input");
        int32_t up = ld_i32(L, in, "scale_up_stabilization_window_s", "input");
        int32_t down = ld_i32(L, in, "scale_down_stabilization_window_s", "input");
        n = ld_arr(L, in, "recommendations", "input", &arr);
        ld_recommendations(L, arr, n, "input.recommendations", h);
        if (L->err[0])
            goto out;
        int32_t got = hpa_stabilize_behavior(h, cur, des, up, down, NOW, &reason);
        expect_i64(L, r, exp, "stabilized_replicas", got);
        n = ld_arr(L, exp, "stored_recommendation_values", "expected", &arr);
        if (arr) {
            size_t nh = hpa_history_n_recommendations(h);
            int same = nh == n;
            for (size_t i = 0; same && i < n; i++) {
                int64_t w;
                if (jint64(json_array_at(arr, i), &w)) {
                    ld_fail(L, "expected", "stored_recommendation_values[%zu]: not an integer", i);
                    goto out;
                }
                same = hpa_history_recommendation(h, i)->replicas == w;
            }
            if (!same) {
                struct buf bb;
                buf_init(&bb, 1u << 16);
                for (size_t i = 0; i < nh; i++)
                    buf_printf(&bb, "%s%d", i ? " " : "",
                               (int)hpa_history_recommendation(h, i)->replicas);
                diff_add(r, "stored_recommendation_values: got [%s]", buf_str(&bb));
                buf_cleanup(&bb);
            }
        }
    } else if (!strcmp(kind, "store_scale_event")) {
        int32_t change = ld_i32(L, in, "replica_change", "input");
        int has_rules = ld_rules(L, in, "rules", "input", &b->up);
        b->down = b->up;
        n = ld_arr(L, v, "applies_to_directions", "vector", &arr);
        if (!arr)
            ld_fail(L, "vector", "applies_to_directions is required");
        for (size_t d = 0; d < n && !L->err[0]; d++) {
            const char *dir = jstring(json_array_at(arr, d));
            enum hpa_direction dd;
            if (dir && !strcmp(dir, "scale_up"))
                dd = HPA_DIR_UP;
            else if (dir && !strcmp(dir, "scale_down"))
                dd = HPA_DIR_DOWN;
            else {
                ld_fail(L, "vector", "applies_to_directions[%zu] is not a direction", d);
                break;
            }
            struct hpa_history *hd = hpa_history_new();
            ld_events(L, in, "previous_events", "input", hd, dd);
            if (L->err[0]) {
                hpa_history_free(hd);
                break;
            }
            struct report sub;
            buf_init(&sub.diff, 1u << 16);
            expect_i64(L, &sub, exp, "replicas_change_in_last_60s_before_store",
                       hpa_replicas_change_in_period(hd, dd, 60, NOW));
            int32_t prev = 10, next = dd == HPA_DIR_UP ? 10 + change : 10 - change;
            hpa_store_scale_event(hd, has_rules ? b : NULL, prev, next, NOW);
            const struct json_value *ea;
            size_t ne = ld_arr(L, exp, "events_after_store", "expected", &ea);
            size_t nh = hpa_history_n_events(hd, dd);
            int same = ne == nh;
            for (size_t i = 0; same && i < ne; i++) {
                const struct hpa_scale_event *e = hpa_history_event(hd, dd, i);
                int outdated = 0;
                const struct json_value *we = json_array_at(ea, i);
                int32_t wc = ld_i32(L, we, "replica_change", "expected.events_after_store");
                const struct json_value *ov =
                    ld_get(L, we, "outdated", "expected.events_after_store");
                if (ov && jbool(ov, &outdated))
                    ld_fail(L, "expected.events_after_store", "outdated is not a boolean");
                same = e->change == wc && e->outdated == outdated;
            }
            if (!same) {
                buf_appends(&sub.diff, buf_len(&sub.diff) ? "; " : "");
                buf_appends(&sub.diff, "events_after_store: got [");
                for (size_t i = 0; i < nh; i++) {
                    const struct hpa_scale_event *e = hpa_history_event(hd, dd, i);
                    buf_printf(&sub.diff, "%s{%d %s}", i ? " " : "", (int)e->change,
                               e->outdated ? "outdated" : "current");
                }
                buf_appends(&sub.diff, "]");
            }
            if (buf_len(&sub.diff))
                diff_add(r, "%s: %s", dd == HPA_DIR_UP ? "scale_up" : "scale_down",
                         buf_str(&sub.diff));
            buf_cleanup(&sub.diff);
            hpa_history_free(hd);
        }
    } else if (!strcmp(kind, "convert_desired_replicas_with_rules")) {
        int32_t cur = ld_i32(L, in, "current_replicas", "input");
        int32_t des = ld_i32(L, in, "desired_replicas", "input");
        int32_t min = ld_i32(L, in, "min_replicas", "input");
        int32_t max = ld_i32(L, in, "max_replicas", "input");
        double f = ld_dbl_opt(L, in, "scale_up_limit_factor", "input", 2.0);
        double m = ld_dbl_opt(L, in, "scale_up_limit_minimum", "input", 4.0);
        if (L->err[0])
            goto out;
        int32_t got = hpa_convert_with_rules(cur, des, min, max, f, m, &reason);
        expect_i64(L, r, exp, "replicas", got);
        expect_str(L, r, exp, "condition_reason", reason);
        const struct json_value *e2 = ld_get(L, v, "expected_with_production_factor_2", "vector");
        if (e2) {
            struct report sub;
            buf_init(&sub.diff, 1u << 16);
            got = hpa_convert_with_rules(cur, des, min, max, 2.0, 4.0, &reason);
            expect_i64(L, &sub, e2, "replicas", got);
            expect_str(L, &sub, e2, "condition_reason", reason);
            if (buf_len(&sub.diff))
                diff_add(r, "with production factor 2: %s", buf_str(&sub.diff));
            buf_cleanup(&sub.diff);
        }
    } else if (!strcmp(kind, "legacy_stabilize_recommendation")) {
        int32_t w = ld_i32(L, in, "downscale_stabilization_window_s", "input");
        int32_t des = ld_i32(L, in, "desired_replicas", "input");
        n = ld_arr(L, in, "recommendations", "input", &arr);
        ld_recommendations(L, arr, n, "input.recommendations", h);
        if (L->err[0])
            goto out;
        int32_t got = hpa_stabilize_legacy(h, des, w, NOW);
        expect_i64(L, r, exp, "stabilized_replicas", got);
        expect_i64(L, r, exp, "recommendations_log_length",
                   (int64_t)hpa_history_n_recommendations(h));
    } else { /* scale_up_limit_with_scaling_rules / scale_down_limit_with_behaviors */
        int up = !strcmp(kind, "scale_up_limit_with_scaling_rules");
        int32_t cur = ld_i32(L, in, "current_replicas", "input");
        if (!ld_rules(L, in, "rules", "input", &b->up))
            ld_fail(L, "input", "rules is required");
        ld_events(L, in, "scale_up_events", "input", h, HPA_DIR_UP);
        ld_events(L, in, "scale_down_events", "input", h, HPA_DIR_DOWN);
        if (L->err[0])
            goto out;
        int32_t got = up ? hpa_scale_up_limit(h, cur, &b->up, NOW)
                         : hpa_scale_down_limit(h, cur, &b->up, NOW);
        expect_i64(L, r, exp, "limit", got);
    }
out:
    hpa_history_free(h);
}

/* ---- whole reconcile ---- */

static int ld_target(struct ld *L, const struct json_value *o, const char *path,
                     struct hpa_metric_target *t)
{
    const struct json_value *v = ld_get(L, o, "target", path);
    memset(t, 0, sizeof(*t));
    if (!v)
        return 0;
    const char *p = subpath(L, path, "target", -1);
    const char *type = ld_str_opt(L, v, "type", p);
    if (!type)
        t->type = HPA_TARGET_NONE;
    else if (!strcmp(type, "Utilization"))
        t->type = HPA_TARGET_UTILIZATION;
    else if (!strcmp(type, "Value"))
        t->type = HPA_TARGET_VALUE;
    else if (!strcmp(type, "AverageValue"))
        t->type = HPA_TARGET_AVERAGE_VALUE;
    else
        ld_fail(L, p, "unknown target type \"%s\"", type);
    if ((t->has_utilization = ld_has(v, "average_utilization")))
        t->average_utilization = ld_i32(L, v, "average_utilization", p);
    if ((t->has_value = ld_has(v, "value_milli")))
        t->value = ld_i64(L, v, "value_milli", p);
    if ((t->has_average_value = ld_has(v, "average_value_milli")))
        t->average_value = ld_i64(L, v, "average_value_milli", p);
    return 1;
}

static size_t ld_metric_specs(struct ld *L, const struct json_value *o, const char *path,
                              struct hpa_metric_spec **out)
{
    const struct json_value *arr;
    size_t n = ld_arr(L, o, "metrics", path, &arr);
    struct hpa_metric_spec *ms = arena_alloc(L->a, (n ? n : 1) * sizeof(*ms));
    *out = ms;
    if (n > KG_MAX_HPA_METRICS) {
        ld_fail(L, path, "more than %d metrics", KG_MAX_HPA_METRICS);
        return 0;
    }
    for (size_t i = 0; i < n && !L->err[0]; i++) {
        const struct json_value *e = json_array_at(arr, i);
        const char *p = subpath(L, path, "metrics", (long)i);
        struct hpa_metric_spec *s = &ms[i];
        const char *type = ld_str(L, e, "type", p);
        const struct json_value *src = NULL, *metric;
        const char *sp;
        s->type_name = type;
        if (!strcmp(type, "Resource")) {
            s->type = HPA_METRIC_RESOURCE;
            src = ld_get(L, e, "resource", p);
        } else if (!strcmp(type, "ContainerResource")) {
            s->type = HPA_METRIC_CONTAINER_RESOURCE;
            src = ld_get(L, e, "container_resource", p);
        } else if (!strcmp(type, "Pods")) {
            s->type = HPA_METRIC_PODS;
            src = ld_get(L, e, "pods", p);
        } else if (!strcmp(type, "Object")) {
            s->type = HPA_METRIC_OBJECT;
            src = ld_get(L, e, "object", p);
        } else if (!strcmp(type, "External")) {
            s->type = HPA_METRIC_EXTERNAL;
            src = ld_get(L, e, "external", p);
        } else {
            s->type = HPA_METRIC_UNKNOWN;
            continue;
        }
        if (!src) {
            ld_fail(L, p, "the %s metric source is missing", type);
            break;
        }
        sp = subpath(L, p, "source", -1);
        if (s->type == HPA_METRIC_RESOURCE || s->type == HPA_METRIC_CONTAINER_RESOURCE) {
            s->resource = ld_str(L, src, "name", sp);
            if (s->type == HPA_METRIC_CONTAINER_RESOURCE)
                s->container = ld_str(L, src, "container", sp);
        } else {
            metric = ld_get(L, src, "metric", sp);
            if (!metric) {
                ld_fail(L, sp, "metric is missing");
                break;
            }
            s->metric_name = ld_str(L, metric, "name", sp);
            s->metric_selector = ld_selector(L, metric, "selector", sp);
        }
        if (s->type == HPA_METRIC_OBJECT) {
            const struct json_value *d = ld_get(L, src, "described_object", sp);
            if (d) {
                s->described.kind = ld_str_opt(L, d, "kind", sp);
                s->described.name = ld_str_opt(L, d, "name", sp);
                s->described.api_version = ld_str_opt(L, d, "apiVersion", sp);
            }
        }
        ld_target(L, src, sp, &s->target);
    }
    return n;
}

static void ld_conditions(struct ld *L, const struct json_value *o, const char *path,
                          struct hpa_conditions *c)
{
    const struct json_value *arr;
    size_t n = ld_arr(L, o, "conditions", path, &arr);
    if (n > KG_MAX_HPA_CONDITIONS - 3) {
        ld_fail(L, path, "more than %d conditions", KG_MAX_HPA_CONDITIONS - 3);
        return;
    }
    for (size_t i = 0; i < n && !L->err[0]; i++) {
        const struct json_value *e = json_array_at(arr, i);
        const char *p = subpath(L, path, "conditions", (long)i);
        const char *msg = ld_str_opt(L, e, "message", p);
        int has;
        int64_t ltt = ld_time(L, e, "last_transition_time", p, &has);
        const char *type = ld_str(L, e, "type", p);
        if (hpa_condition_find(c, type)) {
            ld_fail(L, p, "duplicate condition type \"%s\"", type);
            return;
        }
        hpa_condition_set(c, type, ld_str(L, e, "status", p), ld_str(L, e, "reason", p),
                          has ? ltt : 0, "%s", msg ? msg : "");
    }
}

static void run_reconcile(struct ld *L, struct report *r, const struct json_value *v)
{
    const struct json_value *ctl = ld_get(L, v, "controller", "vector");
    const struct json_value *hv = ld_get(L, v, "hpa", "vector");
    const struct json_value *sv = ld_get(L, v, "scale", "vector");
    const struct json_value *exp = ld_get(L, v, "expected", "vector");
    struct hpa_history *h = hpa_history_new();
    struct hpa_reconcile_out *out = xcalloc(1, sizeof(*out));
    struct hpa_status *st = arena_alloc(L->a, sizeof(*st));
    struct hpa_behavior *beh = NULL;
    struct hpa_config cfg;
    struct hpa_spec spec = { 0 };
    struct hpa_scale scale = { 0 };
    struct hpa_metric_spec *ms;
    struct hpa_pod *pods;
    struct hpa_pod_metrics *rm;
    struct fake f = { 0 };
    const struct json_value *arr;
    size_t n;

    if (!ctl || !hv || !sv || !exp) {
        ld_fail(L, "vector", "controller, hpa, scale and expected are required");
        goto out;
    }
    hpa_config_default(&cfg);
    cfg.tolerance = ld_tolerance(L, ctl, "tolerance", "controller");
    if (ld_has(ctl, "downscale_stabilization_window_s"))
        cfg.downscale_window_s = ld_i32(L, ctl, "downscale_stabilization_window_s", "controller");
    cfg.cpu_init_period = ld_has(ctl, "cpu_initialization_period_s")
                              ? ld_secs(L, ctl, "cpu_initialization_period_s", "controller")
                              : 120 * NS_PER_SEC;
    cfg.readiness_delay = ld_has(ctl, "delay_of_initial_readiness_status_s")
                              ? ld_secs(L, ctl, "delay_of_initial_readiness_status_s", "controller")
                              : 10 * NS_PER_SEC;
    cfg.scale_up_limit_factor = ld_dbl_opt(L, ctl, "scale_up_limit_factor", "controller", 2.0);
    cfg.scale_up_limit_minimum = ld_dbl_opt(L, ctl, "scale_up_limit_minimum", "controller", 4.0);

    spec.name = ld_str(L, hv, "name", "hpa");
    spec.namespace_ = ld_str(L, hv, "namespace", "hpa");
    const struct json_value *ref = ld_get(L, hv, "scale_target_ref", "hpa");
    if (ref) {
        spec.target_kind = ld_str_opt(L, ref, "kind", "hpa.scale_target_ref");
        spec.target_name = ld_str_opt(L, ref, "name", "hpa.scale_target_ref");
    }
    if ((spec.has_min_replicas = ld_has(hv, "min_replicas")))
        spec.min_replicas = ld_i32(L, hv, "min_replicas", "hpa");
    spec.max_replicas = ld_i32(L, hv, "max_replicas", "hpa");
    spec.n_metrics = ld_metric_specs(L, hv, "hpa", &ms);
    spec.metrics = ms;
    if (ld_has(hv, "behavior")) {
        const struct json_value *bv = ld_get(L, hv, "behavior", "hpa");
        beh = arena_alloc(L->a, sizeof(*beh));
        ld_rules(L, bv, "scale_up", "hpa.behavior", &beh->up);
        ld_rules(L, bv, "scale_down", "hpa.behavior", &beh->down);
        hpa_rules_default(&beh->up, 1);
        hpa_rules_default(&beh->down, 0);
        spec.behavior = beh;
    }
    const struct json_value *stv = ld_get(L, hv, "status", "hpa");
    if (stv) {
        int has;
        st->current_replicas = ld_i32(L, stv, "current_replicas", "hpa.status");
        st->desired_replicas = ld_i32(L, stv, "desired_replicas", "hpa.status");
        st->last_scale_time = ld_time(L, stv, "last_scale_time", "hpa.status", &has);
        st->has_last_scale_time = has;
        ld_conditions(L, stv, "hpa.status", &st->conditions);
    }
    scale.spec_replicas = ld_i32(L, sv, "spec_replicas", "scale");
    scale.status_replicas = ld_i32(L, sv, "status_replicas", "scale");
    scale.selector = ld_str_opt(L, sv, "selector", "scale");

    f.L = L;
    f.root = v;
    struct labelset *labels;
    f.n_pods = ld_pods(L, v, "pods", "vector", &pods, &labels);
    f.labels = labels;
    f.pods = pods;
    f.n_rm = ld_resource_metrics(L, v, "resource_metrics", "vector", &rm);
    f.rm = rm;
    char own[VERR_LEN];
    snprintf(own, sizeof(own), "%s/%s", spec.namespace_, spec.name);
    f.own_name = arena_strdup(L->a, own);
    n = ld_arr(L, v, "other_hpa_selectors", "vector", &arr);
    f.n_others = n;
    f.other_names = arena_alloc(L->a, (n ? n : 1) * sizeof(char *));
    f.other_sel = arena_alloc(L->a, (n ? n : 1) * sizeof(void *));
    for (size_t i = 0; i < n && !L->err[0]; i++) {
        const struct json_value *e = json_array_at(arr, i);
        const char *p = subpath(L, "vector", "other_hpa_selectors", (long)i);
        f.other_names[i] = ld_str(L, e, "hpa", p);
        struct hpa_label_selector *s = arena_alloc(L->a, sizeof(*s));
        const struct hpa_label_selector *ml = ld_selector(L, e, "selector", p);
        if (ml) {
            *s = *ml;
        } else {
            const struct json_value *lab = ld_get(L, e, "match_labels", p);
            if (lab && jtype(lab) == JSON_OBJECT) {
                size_t m = jlen(lab);
                const char **k = ld_keys(L, lab, m);
                const char **val = arena_alloc(L->a, (m ? m : 1) * sizeof(char *));
                for (size_t j = 0; j < m; j++) {
                    val[j] = ld_str(L, lab, k[j], p);
                }
                s->n_match = m;
                s->match_keys = k;
                s->match_values = val;
            }
        }
        f.other_sel[i] = s;
    }
    int fail_get = 0;
    n = ld_arr(L, v, "injected_failures", "vector", &arr);
    for (size_t i = 0; i < n && !L->err[0]; i++) {
        const char *s = jstring(json_array_at(arr, i));
        if (!s)
            ld_fail(L, "vector", "injected_failures[%zu] is not a string", i);
        else if (!strcmp(s, "get_scale"))
            fail_get = 1;
        else if (!strcmp(s, "update_scale"))
            f.fail_update = 1;
        else if (!strcmp(s, "resource_metrics_api"))
            f.fail_resource = 1;
        else if (!strcmp(s, "custom_metrics_api"))
            f.fail_custom = 1;
        else if (!strcmp(s, "external_metrics_api"))
            f.fail_external = 1;
        else
            ld_fail(L, "vector", "unknown injected failure \"%s\"", s);
    }
    if (ld_has(v, "recommendations")) {
        n = ld_arr(L, v, "recommendations", "vector", &arr);
        hpa_history_mark_initialized(h);
        ld_recommendations(L, arr, n, "vector.recommendations", h);
    }
    if (L->err[0])
        goto out;

    struct hpa_sources src = fake_sources_tmpl;
    src.ud = &f;
    struct hpa_reconcile_in in = {
        .spec = &spec,
        .status = st,
        .scale = fail_get ? NULL : &scale,
        .scale_error = "injected failure",
        .cfg = &cfg,
        .now = NOW,
    };
    (void)hpa_reconcile(&in, &src, h, out);
    if (L->err[0]) /* a fake source met a malformed field */
        goto out;

    expect_i64(L, r, exp, "status_desired_replicas", out->status.desired_replicas);
    if (ld_has(exp, "scale_updated")) {
        int want = 0;
        if (jbool(ld_get(L, exp, "scale_updated", "expected"), &want))
            ld_fail(L, "expected", "scale_updated is not a boolean");
        else if (want != out->scale_updated)
            diff_add(r, "scale_updated: got %s, want %s", out->scale_updated ? "true" : "false",
                     want ? "true" : "false");
    }
    n = ld_arr(L, exp, "conditions", "expected", &arr);
    if (arr) {
        int same = n == out->status.conditions.n;
        for (size_t i = 0; same && i < n; i++) {
            const struct json_value *e = json_array_at(arr, i);
            const struct hpa_condition *c = &out->status.conditions.c[i];
            const char *p = "expected.conditions";
            same = !strcmp(c->type, ld_str(L, e, "type", p)) &&
                   !strcmp(c->status, ld_str(L, e, "status", p)) &&
                   !strcmp(c->reason, ld_str(L, e, "reason", p));
        }
        if (!same) {
            struct buf b;
            buf_init(&b, 1u << 16);
            for (size_t i = 0; i < out->status.conditions.n; i++) {
                const struct hpa_condition *c = &out->status.conditions.c[i];
                buf_printf(&b, "%s%s=%s/%s", i ? " " : "", c->type, c->status, c->reason);
            }
            diff_add(r, "conditions: got [%s]", buf_str(&b));
            buf_cleanup(&b);
        }
    }
    if (ld_has(exp, "cpu_current_utilization")) {
        int64_t want = ld_i64(L, exp, "cpu_current_utilization", "expected");
        int found = 0;
        for (size_t i = 0; i < out->status.n_metrics && i < spec.n_metrics && !found; i++) {
            const struct hpa_metric_status *m = &out->status.metrics[i];
            if (spec.metrics[i].type == HPA_METRIC_RESOURCE && m->present && m->has_utilization &&
                spec.metrics[i].resource && !strcmp(spec.metrics[i].resource, "cpu")) {
                found = 1;
                if (m->average_utilization != want)
                    diff_add(r, "cpu_current_utilization: got %d, want %lld",
                             (int)m->average_utilization, (long long)want);
            }
        }
        if (!found && !L->err[0])
            diff_add(r, "cpu_current_utilization: no cpu utilization in status, want %lld",
                     (long long)want);
    }
    const struct json_value *ev = ld_get(L, exp, "event", "expected");
    if (ev) {
        const char *t = ld_str(L, ev, "type", "expected.event");
        const char *rs = ld_str(L, ev, "reason", "expected.event");
        const char *msg = ld_str_opt(L, ev, "message", "expected.event");
        int found = 0;
        for (size_t i = 0; i < out->events.n && !found; i++) {
            const struct hpa_event *e = &out->events.e[i];
            found =
                !strcmp(e->type, t) && !strcmp(e->reason, rs) && (!msg || !strcmp(e->message, msg));
        }
        if (!found && !L->err[0]) {
            struct buf b;
            buf_init(&b, 1u << 16);
            for (size_t i = 0; i < out->events.n; i++)
                buf_printf(&b, "%s%s/%s \"%s\"", i ? ", " : "", out->events.e[i].type,
                           out->events.e[i].reason, out->events.e[i].message);
            diff_add(r, "event %s/%s not emitted; got [%s]", t, rs, buf_str(&b));
            buf_cleanup(&b);
        }
    }
out:
    free(out);
    hpa_history_free(h);
}

/* ---- runner ---- */

static void run_one(struct ld *L, struct report *r, const struct json_value *v, const char **id)
{
    *id = "?";
    if (jtype(v) != JSON_OBJECT) {
        ld_fail(L, "vector", "not an object");
        return;
    }
    *id = ld_str(L, v, "id", "vector");
    const char *kind = ld_str(L, v, "kind", "vector");
    if (L->err[0])
        return;
    if (!strcmp(kind, "resource_utilization") || !strcmp(kind, "pods") ||
        !strcmp(kind, "object_value") || !strcmp(kind, "object_average_value") ||
        !strcmp(kind, "external_value") || !strcmp(kind, "external_average_value"))
        run_metric_kind(L, r, v, kind);
    else if (!strcmp(kind, "group_pods"))
        run_group_pods(L, r, v);
    else if (!strcmp(kind, "calculate_requests"))
        run_calculate_requests(L, r, v);
    else if (!strcmp(kind, "convert_desired_replicas_with_behavior_rate") ||
             !strcmp(kind, "stabilize_recommendation_with_behaviors") ||
             !strcmp(kind, "store_scale_event") ||
             !strcmp(kind, "convert_desired_replicas_with_rules") ||
             !strcmp(kind, "legacy_stabilize_recommendation") ||
             !strcmp(kind, "scale_up_limit_with_scaling_rules") ||
             !strcmp(kind, "scale_down_limit_with_behaviors"))
        run_behavior(L, r, v, kind);
    else if (!strcmp(kind, "reconcile"))
        run_reconcile(L, r, v);
    else
        ld_fail(L, "vector", "unknown kind \"%s\"", kind);
}

static int run_doc(const char *data, size_t len, const char *label, FILE *out, int verbose,
                   struct hpa_vectors_result *res, char *err, size_t errlen)
{
    struct json_doc *doc = NULL;
    struct ld L = { 0 };
    int rc = 0;

    memset(res, 0, sizeof(*res));
    char perr[VERR_LEN];
    if (json_parse(data, len, &doc, perr, sizeof(perr))) {
        fmt_into(err, errlen, "%s: %s", label, perr);
        return -EINVAL;
    }
    const struct json_value *root = json_doc_root(doc);
    if (jtype(root) != JSON_ARRAY) {
        snprintf(err, errlen, "%s: the document is not a JSON array of vectors", label);
        rc = -EINVAL;
        goto out;
    }
    size_t n = jlen(root);
    if (n > KG_MAX_HPA_VECTORS) {
        snprintf(err, errlen, "%s: more than %d vectors", label, KG_MAX_HPA_VECTORS);
        rc = -EINVAL;
        goto out;
    }
    L.a = arena_new(0);
    for (size_t i = 0; i < n; i++) {
        struct report r;
        const char *id;
        buf_init(&r.diff, 1u << 20);
        L.err[0] = 0;
        run_one(&L, &r, json_array_at(root, i), &id);
        if (L.err[0]) {
            if (out)
                fprintf(out, "FAIL %s: %s[%zu] (%s): malformed vector: %s\n", label, label, i, id,
                        L.err);
            res->failed++;
        } else if (buf_len(&r.diff)) {
            if (out)
                fprintf(out, "FAIL %s: %s\n", id, buf_str(&r.diff));
            res->failed++;
        } else {
            if (out && verbose)
                fprintf(out, "ok   %s\n", id);
            res->passed++;
        }
        buf_cleanup(&r.diff);
        arena_reset(L.a);
    }
out:
    arena_free(L.a);
    json_doc_free(doc);
    return rc;
}

int hpa_vectors_run(const char *data, size_t len, const char *label, FILE *out,
                    struct hpa_vectors_result *res, char *err, size_t errlen)
{
    return run_doc(data, len, label ? label : "input", out, 0, res, err, errlen);
}

/* Reads a whole file, bounded by KG_MAX_HPA_VECTOR_FILE. */
static int read_file(const char *path, struct buf *b, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int rc = 0;
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -errno;
    }
    for (;;) {
        int e = 0;
        char *p = buf_reserve(b, 65536, &e);
        if (!p) {
            snprintf(err, errlen, "%s: larger than %u bytes", path, KG_MAX_HPA_VECTOR_FILE);
            rc = -E2BIG;
            break;
        }
        ssize_t got = read(fd, p, 65536);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
            rc = -EIO;
            break;
        }
        if (got == 0)
            break;
        buf_commit(b, (size_t)got);
    }
    close(fd);
    return rc;
}

int hpa_vectors_main(int argc, char **argv)
{
    struct hpa_vectors_result total = { 0, 0 };
    int verbose = 0, files = 0;
    char err[VERR_LEN];

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("Usage: kgauge hpa vectors [-v] FILE...\n\n"
                   "Runs HPA test vectors (the schema of testdata/hpa/VECTORS.md) through the\n"
                   "HPA algorithm; prints each failing vector and a closing count.\n"
                   "  -v   also list passing vectors\n");
            return 0;
        }
        if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
            verbose = 1;
            continue;
        }
        if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "kgauge hpa vectors: unknown flag %s (see --help)\n", argv[i]);
            return 2;
        }
        files++;
    }
    if (!files) {
        fprintf(stderr, "kgauge hpa vectors: no vector files given\n"
                        "Usage: kgauge hpa vectors [-v] FILE...\n");
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        struct hpa_vectors_result res = { 0, 0 };
        struct buf b;
        if (argv[i][0] == '-' && argv[i][1])
            continue;
        buf_init(&b, KG_MAX_HPA_VECTOR_FILE);
        if (read_file(argv[i], &b, err, sizeof(err)) ||
            run_doc(buf_str(&b), buf_len(&b), argv[i], stdout, verbose, &res, err, sizeof(err))) {
            printf("FAIL %s\n", err);
            total.failed++;
        }
        total.passed += res.passed;
        total.failed += res.failed;
        buf_cleanup(&b);
    }
    printf("%zu passed, %zu failed\n", total.passed, total.failed);
    fflush(stdout);
    return total.failed ? 1 : 0;
}
