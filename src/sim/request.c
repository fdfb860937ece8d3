/*
 * Request parsing for the sim API server: API paths (RequestInfoFactory's split), Accept
 * negotiation (the media types kube-apiserver offers for JSON, its Table and metadata-only
 * conversions and aggregated discovery) and continue tokens (k8s.io/apiserver/pkg/storage
 * continue.go: base64url JSON, with its error texts). Everything works on bounded copies.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json/json.h"
#include "json/writer.h"
#include "sim/request.h"
#include "util/buf.h"

/* ---- paths ---- */

#define MAX_SEGMENTS 16

void request_parse_path(const char *path, struct request_info *out)
{
    memset(out, 0, offsetof(struct request_info, scratch_));
    out->group = out->version = out->ns = out->resource = out->name = out->subresource = "";
    size_t len = strlen(path);
    if (len > KG_SIM_MAX_PATH)
        return;
    /* trim leading and trailing '/' */
    while (len && *path == '/') {
        path++;
        len--;
    }
    while (len && path[len - 1] == '/')
        len--;
    memcpy(out->scratch_, path, len);
    out->scratch_[len] = '\0';

    char *seg[MAX_SEGMENTS];
    size_t n = 0, extra = 0;
    char *p = out->scratch_;
    if (len) {
        for (;;) {
            char *slash = strchr(p, '/');
            if (n < MAX_SEGMENTS)
                seg[n++] = p;
            else
                extra++;
            if (!slash)
                break;
            *slash = '\0';
            p = slash + 1;
        }
    }
    size_t at;
    if (n >= 2 && !strcmp(seg[0], "api")) {
        out->core = true;
        out->version = seg[1];
        at = 2;
    } else if (n >= 3 && !strcmp(seg[0], "apis")) {
        out->group = seg[1];
        out->version = seg[2];
        at = 3;
    } else {
        return;
    }
    out->is_api = true;
    char **rest = &seg[at];
    size_t nrest = n - at;
    if (nrest >= 2 && !strcmp(rest[0], "namespaces")) {
        out->ns = rest[1];
        if (nrest >= 3 && strcmp(rest[2], "status") != 0 && strcmp(rest[2], "finalize") != 0) {
            rest += 2;
            nrest -= 2;
        }
    }
    if (nrest >= 1)
        out->resource = rest[0];
    if (nrest >= 2)
        out->name = rest[1];
    if (nrest >= 3)
        out->subresource = rest[2];
    out->n_extra = (nrest > 3 ? nrest - 3 : 0) + extra;
}

/* ---- Accept ---- */

struct range {
    unsigned media;
    double q;
};

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

/* One media range "type/subtype;k=v;..." -> a MEDIA_* bit (0 = nothing we produce) and q. */
static void parse_range(char *s, struct range *r)
{
    r->media = 0;
    r->q = 1.0;
    char *params = strchr(s, ';');
    if (params)
        *params++ = '\0';
    char *type = trim(s);
    const char *as = NULL, *g = NULL, *v = NULL;
    while (params) {
        char *next = strchr(params, ';');
        if (next)
            *next++ = '\0';
        char *eq = strchr(params, '=');
        if (eq) {
            *eq = '\0';
            char *k = trim(params), *val = trim(eq + 1);
            size_t vl = strlen(val);
            if (vl >= 2 && val[0] == '"' && val[vl - 1] == '"') {
                val[vl - 1] = '\0';
                val++;
            }
            if (!strcasecmp(k, "q"))
                r->q = strtod(val, NULL);
            else if (!strcasecmp(k, "as"))
                as = val;
            else if (!strcasecmp(k, "g"))
                g = val;
            else if (!strcasecmp(k, "v"))
                v = val;
        }
        params = next;
    }
    if (!strcmp(type, "*/*") || !strcasecmp(type, "application/*")) {
        r->media = MEDIA_JSON;
        return;
    }
    if (strcasecmp(type, "application/json") != 0)
        return;
    if (!as) {
        r->media = MEDIA_JSON;
        return;
    }
    if (!g || !v)
        return;
    if (!strcmp(g, "meta.k8s.io")) {
        if (!strcmp(as, "Table"))
            r->media = !strcmp(v, "v1")        ? MEDIA_TABLE_V1
                       : !strcmp(v, "v1beta1") ? MEDIA_TABLE_V1BETA1
                                               : 0;
        else if (!strcmp(as, "PartialObjectMetadata") && !strcmp(v, "v1"))
            r->media = MEDIA_PARTIAL;
        else if (!strcmp(as, "PartialObjectMetadataList") && !strcmp(v, "v1"))
            r->media = MEDIA_PARTIAL_LIST;
    } else if (!strcmp(g, "apidiscovery.k8s.io") && !strcmp(as, "APIGroupDiscoveryList")) {
        r->media = !strcmp(v, "v2")        ? MEDIA_DISCOVERY_V2
                   : !strcmp(v, "v2beta1") ? MEDIA_DISCOVERY_V2BETA1
                                           : 0;
    }
}

unsigned request_negotiate(const char *accept, unsigned allowed)
{
    char copy[KG_SIM_MAX_ACCEPT + 1];
    struct range ranges[KG_SIM_MAX_ACCEPT_RANGES];
    size_t n = 0;
    if (!accept)
        accept = "";
    snprintf(copy, sizeof(copy), "%s", accept);
    char *p = copy;
    bool any = false;
    while (p && n < KG_SIM_MAX_ACCEPT_RANGES) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma++ = '\0';
        char *item = trim(p);
        p = comma;
        if (!*item)
            continue;
        any = true;
        parse_range(item, &ranges[n]);
        if (ranges[n].q > 0) /* q=0: "not acceptable"; NaN compares false too */
            n++;
    }
    if (!any)
        return allowed & MEDIA_JSON;
    /* stable: a later range wins only with a strictly higher q */
    unsigned best = 0;
    double best_q = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(ranges[i].media & allowed))
            continue;
        if (!best || ranges[i].q > best_q) {
            best = ranges[i].media;
            best_q = ranges[i].q;
        }
    }
    return best;
}

/* ---- continue tokens ---- */

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int b64_encode(const unsigned char *in, size_t len, struct buf *out)
{
    int rc = 0;
    for (size_t i = 0; i < len && !rc; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        size_t n = len - i >= 3 ? 3 : len - i;
        if (n > 1)
            v |= (uint32_t)in[i + 1] << 8;
        if (n > 2)
            v |= in[i + 2];
        char q[4] = { b64url[(v >> 18) & 63], b64url[(v >> 12) & 63], b64url[(v >> 6) & 63],
                      b64url[v & 63] };
        rc = buf_append(out, q, n + 1);
    }
    return rc;
}

static int b64_value(unsigned char c)
{
    const char *p = c ? strchr(b64url, c) : NULL;
    return p ? (int)(p - b64url) : -1;
}

/* Go's base64.RawURLEncoding.DecodeString: '\r' and '\n' are skipped, anything else outside
 * the alphabet (padding included) or a dangling sixth of a byte is "illegal base64 data at
 * input byte N". */
static int b64_decode(const char *in, struct buf *out, char *err, size_t errlen)
{
    uint32_t acc = 0;
    int nbits = 0;
    size_t last = 0, group = 0;
    for (size_t i = 0; in[i]; i++) {
        if (in[i] == '\r' || in[i] == '\n')
            continue;
        int v = b64_value((unsigned char)in[i]);
        if (v < 0) {
            snprintf(err, errlen, "illegal base64 data at input byte %zu", i);
            return -EINVAL;
        }
        last = i;
        group++;
        acc = (acc << 6) | (uint32_t)v;
        nbits += 6;
        if (nbits >= 8) {
            nbits -= 8;
            char c = (char)((acc >> nbits) & 0xff);
            if (buf_append(out, &c, 1))
                return -E2BIG;
        }
    }
    if (group % 4 == 1) {
        snprintf(err, errlen, "illegal base64 data at input byte %zu", last);
        return -EINVAL;
    }
    return 0;
}

int request_continue_encode(uint64_t rv, const char *last_key, struct buf *out)
{
    struct buf json;
    buf_init(&json, KG_SIM_MAX_CONTINUE * 2);
    struct json_writer *w = json_writer_new(&json);
    json_writer_begin_object(w);
    json_writer_member_string(w, "v", "meta.k8s.io/v1");
    json_writer_key(w, "rv");
    json_writer_uint64(w, rv);
    json_writer_key(w, "start");
    size_t kl = strlen(last_key);
    char *start = malloc(kl + 1);
    int rc = -ENOMEM;
    if (start) {
        memcpy(start, last_key, kl);
        start[kl] = '\0'; /* the NUL that makes the next page start right after last_key */
        json_writer_string_n(w, start, kl + 1);
        free(start);
        json_writer_end_object(w);
        rc = json_writer_finish(w, NULL, 0);
    }
    json_writer_free(w);
    if (!rc)
        rc = b64_encode((const unsigned char *)json.ptr, json.len, out);
    buf_cleanup(&json);
    return rc;
}

/* path.Clean(key) == key for a key starting with '/'. */
static bool path_is_clean(const char *key, size_t len)
{
    if (len == 1)
        return true; /* "/" */
    if (key[len - 1] == '/')
        return false;
    size_t i = 1;
    while (i <= len) {
        size_t j = i;
        while (j < len && key[j] != '/')
            j++;
        size_t seg = j - i;
        if (seg == 0)
            return false; /* "//" */
        if ((seg == 1 && key[i] == '.') || (seg == 2 && key[i] == '.' && key[i + 1] == '.'))
            return false;
        i = j + 1;
    }
    return true;
}

int request_continue_decode(const char *token, uint64_t *rv, char *key, size_t keylen,
                            size_t *key_len, char *err, size_t errlen)
{
    char msg[256];
    struct buf raw;
    struct json_doc *doc = NULL;
    int rc;
    buf_init(&raw, KG_SIM_MAX_CONTINUE);
    if (strlen(token) > KG_SIM_MAX_CONTINUE) {
        snprintf(err, errlen, "continue key is not valid: token longer than %u bytes",
                 (unsigned)KG_SIM_MAX_CONTINUE);
        rc = -EINVAL;
        goto out;
    }
    rc = b64_decode(token, &raw, msg, sizeof(msg));
    if (rc) {
        snprintf(err, errlen, "continue key is not valid: %s", msg);
        rc = -EINVAL;
        goto out;
    }
    rc = json_parse(raw.ptr ? raw.ptr : "", raw.len, &doc, msg, sizeof(msg));
    if (rc) {
        snprintf(err, errlen, "continue key is not valid: %s", msg);
        rc = -EINVAL;
        goto out;
    }
    const struct json_value *root = json_doc_root(doc);
    if (json_kind(root) != JSON_OBJECT) {
        snprintf(err, errlen,
                 "continue key is not valid: json: cannot unmarshal %s into Go value of type "
                 "storage.continueToken",
                 json_kind(root) == JSON_ARRAY    ? "array"
                 : json_kind(root) == JSON_STRING ? "string"
                 : json_kind(root) == JSON_BOOL   ? "bool"
                 : json_kind(root) == JSON_NULL   ? "null"
                                                  : "number");
        rc = -EINVAL;
        goto out;
    }
    const char *v = "", *start = "";
    size_t start_len = 0;
    int64_t r = 0;
    if (json_opt_string(root, "v", &v, NULL, NULL, 0) < 0 ||
        json_opt_int64(root, "rv", &r, NULL, 0) < 0 ||
        json_opt_string(root, "start", &start, &start_len, NULL, 0) < 0) {
        snprintf(err, errlen,
                 "continue key is not valid: json: cannot unmarshal a value of the "
                 "wrong type into Go struct field continueToken");
        rc = -EINVAL;
        goto out;
    }
    if (strcmp(v, "meta.k8s.io/v1") != 0) {
        snprintf(err, errlen,
                 "continue key is not valid: server does not recognize this encoded version %.64s",
                 v);
        rc = -EINVAL;
        goto out;
    }
    if (r == 0) {
        snprintf(err, errlen,
                 "continue key is not valid: incorrect encoded start "
                 "resourceVersion (version meta.k8s.io/v1)");
        rc = -EINVAL;
        goto out;
    }
    if (start_len == 0) {
        snprintf(err, errlen,
                 "continue key is not valid: encoded start key empty (version meta.k8s.io/v1)");
        rc = -EINVAL;
        goto out;
    }
    /* the key must be a clean path once given a leading '/' */
    char *slashed = malloc(start_len + 2);
    if (!slashed) {
        rc = -ENOMEM;
        goto out;
    }
    size_t sl = 0;
    if (start[0] != '/')
        slashed[sl++] = '/';
    memcpy(slashed + sl, start, start_len);
    sl += start_len;
    bool clean = path_is_clean(slashed, sl);
    free(slashed);
    if (!clean || start_len + 1 > keylen) {
        snprintf(err, errlen, "continue key is not valid: %.256s", start);
        rc = -EINVAL;
        goto out;
    }
    /* relative to the collection: drop the leading '/' the cleaning step allows */
    size_t skip = start[0] == '/' ? 1 : 0;
    memcpy(key, start + skip, start_len - skip);
    key[start_len - skip] = '\0';
    *key_len = start_len - skip;
    *rv = r < 0 ? 0 : (uint64_t)r;
    rc = 0;
out:
    json_doc_free(doc);
    buf_cleanup(&raw);
    return rc;
}
