/*
 * kubeconfig loading, merging, resolution and writing; in-cluster config; rotating bearer
 * tokens. The behaviour mirrors client-go's clientcmd (loader.go, client_config.go,
 * validation.go), rest.InClusterConfig and transport.cachingTokenSource; error texts are
 * theirs, prefixed with the file and field path when a file is at fault.
 *
 * Files are parsed with libfyaml into small per-file tables (clusters, users, contexts).
 * Nothing is merged field by field: the first file defining a name wins that entry, so a
 * lookup scans the files in precedence order. Scalars are typed the way sigs.k8s.io/yaml
 * (go-yaml v2, YAML 1.1 resolution) and encoding/json would type them, so a config kubectl
 * rejects is rejected here too, with the field named.
 */
#include "kube/kubeconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <libfyaml.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "util/alloc.h"
#include "util/assert.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/time.h"

#define KC_PATH_MAX 4096 /* field paths and file names in messages */
#define KC_MAX_ERRS 16   /* validation errors kept for one aggregate message */

static const char empty_config_msg[] =
    "invalid configuration: no configuration has been provided, try setting KUBERNETES_MASTER "
    "environment variable";

/* ---- small helpers ---- */

/* Go's syscall error strings are strerror's with a lower-case first letter. */
static void go_errstr(int e, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s", strerror(e));
    if (out[0] >= 'A' && out[0] <= 'Z')
        out[0] = (char)(out[0] - 'A' + 'a');
}

static char *xstrdup_or_null(const char *s)
{
    return s != NULL ? xstrdup(s) : NULL;
}

static int nonempty(const char *s)
{
    return s != NULL && s[0] != '\0';
}

/*
 * Reads a whole file like Go's os.ReadFile, bounded by max. Error texts as Go's PathError:
 * "open F: no such file or directory", "read F: is a directory". Returns 0 or -errno (-E2BIG
 * past max). *data is NUL-terminated.
 */
static int read_file(const char *path, size_t max, char **data, size_t *len, char *err,
                     size_t errlen)
{
    struct buf b;
    char es[128];
    int fd = -1, rc = 0;
    buf_init(&b, max);
    *data = NULL;
    *len = 0;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = -errno;
        go_errstr(errno, es, sizeof(es));
        kg_set_err(err, errlen, "open %s: %s", path, es);
        goto out;
    }
    for (;;) {
        size_t room = max - b.len < 16384 ? max - b.len : 16384;
        int e = 0;
        char extra, *p = room > 0 ? buf_reserve(&b, room, &e) : &extra;
        ssize_t n;
        if (p == NULL) {
            rc = -ENOMEM;
            kg_set_err(err, errlen, "read %s: out of buffer space", path);
            goto out;
        }
        n = read(fd, p, room > 0 ? room : 1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = -errno;
            go_errstr(errno, es, sizeof(es));
            kg_set_err(err, errlen, "read %s: %s", path, es);
            goto out;
        }
        if (n == 0)
            break;
        if (room == 0) {
            rc = -E2BIG;
            kg_set_err(err, errlen, "read %s: file is larger than %zu bytes", path, max);
            goto out;
        }
        buf_commit(&b, (size_t)n);
    }
    *data = buf_take(&b, len);
out:
    if (fd >= 0)
        close(fd);
    buf_cleanup(&b);
    return rc;
}

/* Go's path.Clean for '/'-separated paths. Returns a new string. */
static char *path_clean(const char *p)
{
    size_t n = strlen(p), w = 0, r = 0, dotdot = 0;
    int rooted = n > 0 && p[0] == '/';
    char *out;
    if (n == 0)
        return xstrdup(".");
    out = xmalloc(n + 2);
    if (rooted) {
        out[w++] = '/';
        r = 1;
        dotdot = 1;
    }
    while (r < n) {
        if (p[r] == '/') {
            r++;
        } else if (p[r] == '.' && (r + 1 == n || p[r + 1] == '/')) {
            r++;
        } else if (p[r] == '.' && p[r + 1] == '.' && (r + 2 == n || p[r + 2] == '/')) {
            r += 2;
            if (w > dotdot) {
                w--;
                while (w > dotdot && out[w] != '/')
                    w--;
            } else if (!rooted) {
                if (w > 0)
                    out[w++] = '/';
                out[w++] = '.';
                out[w++] = '.';
                dotdot = w;
            }
        } else {
            if ((rooted && w != 1) || (!rooted && w != 0))
                out[w++] = '/';
            for (; r < n && p[r] != '/'; r++)
                out[w++] = p[r];
        }
    }
    if (w == 0)
        out[w++] = '.';
    out[w] = '\0';
    return out;
}

/* filepath.Abs(filepath.Dir(file)): the base for relative references made in file. */
static char *file_base_dir(const char *file)
{
    const char *slash = strrchr(file, '/');
    char *dir, *joined, *res;
    if (slash == NULL)
        dir = xstrdup(".");
    else if (slash == file)
        dir = xstrdup("/");
    else
        dir = xstrndup(file, (size_t)(slash - file));
    if (dir[0] == '/') {
        res = path_clean(dir);
        free(dir);
        return res;
    }
    char cwd[KC_PATH_MAX];
    if (getcwd(cwd, sizeof(cwd)) == NULL)
        snprintf(cwd, sizeof(cwd), ".");
    joined = xasprintf("%s/%s", cwd, dir);
    res = path_clean(joined);
    free(joined);
    free(dir);
    return res;
}

/* filepath.Join(base, ref) for a relative ref; absolute refs (and a NULL base) unchanged. */
static void resolve_ref(char **ref, const char *base)
{
    char *joined;
    if (base == NULL || *ref == NULL || (*ref)[0] == '\0' || (*ref)[0] == '/')
        return;
    joined = xasprintf("%s/%s", base, *ref);
    free(*ref);
    *ref = path_clean(joined);
    free(joined);
}

/* ---- base64 (Go's StdEncoding.Decode, byte-for-byte error offsets) ---- */

static int b64val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

int kubeconfig_base64_decode(const char *in, size_t len, unsigned char **out, size_t *outlen,
                             char *err, size_t errlen)
{
    unsigned char *dst = xmalloc(len / 4 * 3 + 4);
    size_t si = 0, n = 0, bad = 0;
    int rc = 0;
    while (si < len) {
        unsigned int dbuf[4] = { 0, 0, 0, 0 };
        int j, dlen = 4, trailing = 0;
        size_t trailing_at = 0;
        for (j = 0; j < 4; j++) {
            unsigned char c;
            int v;
            if (si == len) {
                if (j == 0)
                    goto done;
                bad = si - (size_t)j;
                goto corrupt;
            }
            c = (unsigned char)in[si++];
            v = b64val(c);
            if (v >= 0) {
                dbuf[j] = (unsigned int)v;
                continue;
            }
            if (c == '\n' || c == '\r') {
                j--;
                continue;
            }
            if (c != '=' || j < 2) {
                bad = si - 1;
                goto corrupt;
            }
            if (j == 2) {
                while (si < len && (in[si] == '\n' || in[si] == '\r'))
                    si++;
                if (si == len) {
                    bad = len;
                    goto corrupt;
                }
                if (in[si] != '=') {
                    bad = si - 1;
                    goto corrupt;
                }
                si++;
            }
            while (si < len && (in[si] == '\n' || in[si] == '\r'))
                si++;
            if (si < len) {
                trailing = 1;
                trailing_at = si;
            }
            dlen = j;
            break;
        }
        {
            unsigned int val = dbuf[0] << 18 | dbuf[1] << 12 | dbuf[2] << 6 | dbuf[3];
            if (dlen >= 2)
                dst[n++] = (unsigned char)(val >> 16);
            if (dlen >= 3)
                dst[n++] = (unsigned char)(val >> 8);
            if (dlen >= 4)
                dst[n++] = (unsigned char)val;
        }
        if (trailing) {
            bad = trailing_at;
            goto corrupt;
        }
    }
done:
    dst[n] = '\0';
    *out = dst;
    *outlen = n;
    return 0;
corrupt:
    rc = -EINVAL;
    kg_set_err(err, errlen, "illegal base64 data at input byte %zu", bad);
    free(dst);
    *out = NULL;
    *outlen = 0;
    return rc;
}

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int base64_encode(struct buf *out, const unsigned char *p, size_t n)
{
    size_t i;
    int rc = 0;
    for (i = 0; i + 3 <= n && rc == 0; i += 3) {
        char q[4] = { b64chars[p[i] >> 2], b64chars[((p[i] & 3) << 4) | (p[i + 1] >> 4)],
                      b64chars[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)], b64chars[p[i + 2] & 63] };
        rc = buf_append(out, q, 4);
    }
    if (rc == 0 && n - i == 1) {
        char q[4] = { b64chars[p[i] >> 2], b64chars[(p[i] & 3) << 4], '=', '=' };
        rc = buf_append(out, q, 4);
    } else if (rc == 0 && n - i == 2) {
        char q[4] = { b64chars[p[i] >> 2], b64chars[((p[i] & 3) << 4) | (p[i + 1] >> 4)],
                      b64chars[(p[i + 1] & 15) << 2], '=' };
        rc = buf_append(out, q, 4);
    }
    return rc;
}

/* ---- parsed file tables ---- */

struct kc_cluster {
    char *name;
    int idx;
    char *server, *tls_server_name, *ca_file, *proxy_url;
    unsigned char *ca_data;
    size_t ca_len;
    int insecure;
};

struct kc_user {
    char *name;
    int idx;
    char *token, *token_file, *cert_file, *key_file, *username, *password;
    unsigned char *cert_data, *key_data;
    size_t cert_len, key_len;
    int has_exec, has_auth_provider;
};

struct kc_context {
    char *name;
    int idx;
    char *cluster, *user, *namespace;
};

struct kc_file {
    char *path; /* as named (for messages) */
    char *current_context;
    struct kc_cluster *clusters;
    size_t nclusters;
    struct kc_user *users;
    size_t nusers;
    struct kc_context *contexts;
    size_t ncontexts;
};

static void kc_file_cleanup(struct kc_file *f)
{
    size_t i;
    for (i = 0; i < f->nclusters; i++) {
        struct kc_cluster *c = &f->clusters[i];
        free(c->name);
        free(c->server);
        free(c->tls_server_name);
        free(c->ca_file);
        free(c->proxy_url);
        free(c->ca_data);
    }
    for (i = 0; i < f->nusers; i++) {
        struct kc_user *u = &f->users[i];
        free(u->name);
        free(u->token);
        free(u->token_file);
        free(u->cert_file);
        free(u->key_file);
        free(u->username);
        free(u->password);
        free(u->cert_data);
        free(u->key_data);
    }
    for (i = 0; i < f->ncontexts; i++) {
        struct kc_context *c = &f->contexts[i];
        free(c->name);
        free(c->cluster);
        free(c->user);
        free(c->namespace);
    }
    free(f->clusters);
    free(f->users);
    free(f->contexts);
    free(f->current_context);
    free(f->path);
    memset(f, 0, sizeof(*f));
}

/* ---- YAML typing ---- */

enum ykind { YK_NULL, YK_BOOL, YK_NUMBER, YK_STRING, YK_MAP, YK_SEQ, YK_BAD };

static const char *ykind_name(enum ykind k)
{
    switch (k) {
    case YK_NULL:
        return "null";
    case YK_BOOL:
        return "a boolean";
    case YK_NUMBER:
        return "a number";
    case YK_STRING:
        return "a string";
    case YK_MAP:
        return "a mapping";
    case YK_SEQ:
        return "a sequence";
    case YK_BAD:
        break;
    }
    return "an unresolvable alias or an unreadable scalar";
}

static int streq_n(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

static int in_set(const char *s, size_t n, const char *const *set)
{
    for (; *set != NULL; set++)
        if (streq_n(s, n, *set))
            return 1;
    return 0;
}

static const char *const yaml_true[] = { "y",    "Y",    "yes", "Yes", "YES", "true",
                                         "True", "TRUE", "on",  "On",  "ON",  NULL };
static const char *const yaml_false[] = { "n",     "N",     "no",  "No",  "NO",  "false",
                                          "False", "FALSE", "off", "Off", "OFF", NULL };
static const char *const yaml_null[] = { "~", "null", "Null", "NULL", NULL };
static const char *const yaml_special_float[] = { ".nan",  ".NaN",  ".NAN",  ".inf",  ".Inf",
                                                  ".INF",  "+.inf", "+.Inf", "+.INF", "-.inf",
                                                  "-.Inf", "-.INF", NULL };

static int all_in(const char *s, size_t n, const char *chars)
{
    size_t i;
    if (n == 0)
        return 0;
    for (i = 0; i < n; i++)
        if (s[i] == '\0' || strchr(chars, s[i]) == NULL)
            return 0;
    return 1;
}

/* go-yaml v2 float regexp: ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static int yaml_is_float(const char *s, size_t n)
{
    size_t i = 0, d;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        i++;
    if (i < n && s[i] == '.') {
        i++;
        for (d = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++, d++)
            ;
        if (d == 0)
            return 0;
    } else {
        for (d = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++, d++)
            ;
        if (d == 0)
            return 0;
        if (i < n && s[i] == '.')
            for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
                ;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '-' || s[i] == '+'))
            i++;
        for (d = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++, d++)
            ;
        if (d == 0)
            return 0;
    }
    return i == n;
}

/* A plain scalar go-yaml v2 would resolve to an int or float. */
static int yaml_is_number(const char *s, size_t n)
{
    char tmp[128];
    size_t i, m = 0, k = 0;
    if (n == 0 || strchr("-+0123456789.", s[0]) == NULL)
        return 0;
    if (in_set(s, n, yaml_special_float))
        return 1;
    if (n >= sizeof(tmp))
        return yaml_is_float(s, n);
    for (i = 0; i < n; i++)
        if (s[i] != '_')
            tmp[m++] = s[i];
    if (yaml_is_float(tmp, m))
        return 1;
    if (k < m && (tmp[k] == '-' || tmp[k] == '+'))
        k++;
    if (m - k > 2 && tmp[k] == '0') {
        if (tmp[k + 1] == 'x' || tmp[k + 1] == 'X')
            return all_in(tmp + k + 2, m - k - 2, "0123456789abcdefABCDEF");
        if (tmp[k + 1] == 'o' || tmp[k + 1] == 'O')
            return all_in(tmp + k + 2, m - k - 2, "01234567");
        if (tmp[k + 1] == 'b' || tmp[k + 1] == 'B')
            return all_in(tmp + k + 2, m - k - 2, "01");
    }
    return 0;
}

/* Follows aliases. NULL (an empty value) stays NULL. *bad set when an alias cannot resolve. */
static struct fy_node *deref(struct fy_node *n, int *bad)
{
    if (n != NULL && fy_node_is_alias(n)) {
        struct fy_node *r = fy_node_resolve_alias(n);
        if (r == NULL)
            *bad = 1;
        return r;
    }
    return n;
}

struct kc_parse {
    const char *file; /* for messages */
    char *err;
    size_t errlen;
    struct buf keybuf; /* text of the mapping key being looked at */
    struct buf valbuf; /* text of the value being converted */
};

/*
 * A scalar's text, assembled from libfyaml's token chunks into scratch. (fy_node_get_scalar
 * leaks in libfyaml 0.7.12 for some quoted scalars; the chunk iterator does not.) NULL when
 * the text does not fit.
 */
static const char *scalar_text(struct fy_node *n, struct buf *scratch, size_t *len)
{
    struct fy_token_iter *it = fy_token_iter_create(fy_node_get_scalar_token(n));
    const struct fy_iter_chunk *c = NULL;
    int e = 0, rc = 0;
    buf_reset(scratch);
    if (it == NULL)
        return NULL;
    while (rc == 0 && (c = fy_token_iter_chunk_next(it, c, &e)) != NULL)
        rc = buf_append(scratch, c->str, c->len);
    fy_token_iter_destroy(it);
    if (rc != 0 || e != 0)
        return NULL;
    *len = scratch->len;
    return buf_str(scratch);
}

/* Types a node; for scalars, s and len give the text and bval the boolean value. */
static enum ykind yclassify(struct buf *scratch, struct fy_node *n, const char **s, size_t *len,
                            int *bval)
{
    int bad = 0;
    size_t tl = 0;
    const char *tag;
    n = deref(n, &bad);
    *s = "";
    *len = 0;
    *bval = 0;
    if (bad)
        return YK_BAD;
    if (n == NULL)
        return YK_NULL;
    switch (fy_node_get_type(n)) {
    case FYNT_MAPPING:
        return YK_MAP;
    case FYNT_SEQUENCE:
        return YK_SEQ;
    case FYNT_SCALAR:
        break;
    }
    *s = scalar_text(n, scratch, len);
    if (*s == NULL) {
        *s = "";
        *len = 0;
        return YK_BAD;
    }
    tag = fy_node_get_tag(n, &tl);
    if (tag != NULL && (streq_n(tag, tl, "!!str") || streq_n(tag, tl, "tag:yaml.org,2002:str")))
        return YK_STRING;
    if (fy_node_get_style(n) != FYNS_PLAIN)
        return YK_STRING;
    if (*len == 0 || in_set(*s, *len, yaml_null))
        return YK_NULL;
    if (in_set(*s, *len, yaml_true)) {
        *bval = 1;
        return YK_BOOL;
    }
    if (in_set(*s, *len, yaml_false))
        return YK_BOOL;
    if (yaml_is_number(*s, *len))
        return YK_NUMBER;
    return YK_STRING;
}

static int type_error(struct kc_parse *p, const char *path, const char *want, enum ykind got)
{
    kg_set_err(p->err, p->errlen, "%s: %s: expected %s, got %s", p->file, path, want,
               ykind_name(got));
    return -EINVAL;
}

static int get_string(struct kc_parse *p, struct fy_node *n, const char *path, char **out)
{
    const char *s;
    size_t len;
    int b;
    enum ykind k = yclassify(&p->valbuf, n, &s, &len, &b);
    if (k == YK_NULL)
        return 0;
    if (k != YK_STRING)
        return type_error(p, path, "a string", k);
    if (memchr(s, '\0', len) != NULL) {
        kg_set_err(p->err, p->errlen, "%s: %s: contains a NUL byte", p->file, path);
        return -EINVAL;
    }
    free(*out);
    *out = xstrndup(s, len);
    return 0;
}

static int get_bool(struct kc_parse *p, struct fy_node *n, const char *path, int *out)
{
    const char *s;
    size_t len;
    int b;
    enum ykind k = yclassify(&p->valbuf, n, &s, &len, &b);
    if (k == YK_NULL)
        return 0;
    if (k != YK_BOOL)
        return type_error(p, path, "a boolean (true or false)", k);
    *out = b;
    return 0;
}

static int get_bytes(struct kc_parse *p, struct fy_node *n, const char *path, unsigned char **out,
                     size_t *outlen)
{
    const char *s;
    size_t len;
    int b, rc;
    char e[128];
    enum ykind k = yclassify(&p->valbuf, n, &s, &len, &b);
    if (k == YK_NULL)
        return 0;
    if (k != YK_STRING)
        return type_error(p, path, "a base64 string", k);
    free(*out);
    *out = NULL;
    rc = kubeconfig_base64_decode(s, len, out, outlen, e, sizeof(e));
    if (rc < 0)
        kg_set_err(p->err, p->errlen, "%s: %s: %s", p->file, path, e);
    return rc;
}

/* A value that is present and not null (exec, auth-provider). */
static int is_set(struct kc_parse *p, struct fy_node *n)
{
    const char *s;
    size_t len;
    int b;
    return yclassify(&p->valbuf, n, &s, &len, &b) != YK_NULL;
}

/* Iterates a mapping's pairs whose key is a string scalar; returns the key text. */
static struct fy_node_pair *map_next(struct kc_parse *p, struct fy_node *map, void **iter,
                                     const char **key, size_t *keylen)
{
    struct fy_node_pair *pr;
    while ((pr = fy_node_mapping_iterate(map, iter)) != NULL) {
        int b;
        enum ykind k = yclassify(&p->keybuf, fy_node_pair_key(pr), key, keylen, &b);
        if (k == YK_STRING)
            return pr;
    }
    return NULL;
}

static int parse_cluster(struct kc_parse *p, struct fy_node *m, const char *path,
                         struct kc_cluster *c)
{
    void *it = NULL;
    struct fy_node_pair *pr;
    const char *key;
    size_t kl;
    int rc = 0;
    char fp[KC_PATH_MAX];
    while (rc == 0 && (pr = map_next(p, m, &it, &key, &kl)) != NULL) {
        struct fy_node *v = fy_node_pair_value(pr);
        snprintf(fp, sizeof(fp), "%s.%.*s", path, (int)kl, key);
        if (streq_n(key, kl, "server"))
            rc = get_string(p, v, fp, &c->server);
        else if (streq_n(key, kl, "tls-server-name"))
            rc = get_string(p, v, fp, &c->tls_server_name);
        else if (streq_n(key, kl, "insecure-skip-tls-verify"))
            rc = get_bool(p, v, fp, &c->insecure);
        else if (streq_n(key, kl, "certificate-authority"))
            rc = get_string(p, v, fp, &c->ca_file);
        else if (streq_n(key, kl, "certificate-authority-data"))
            rc = get_bytes(p, v, fp, &c->ca_data, &c->ca_len);
        else if (streq_n(key, kl, "proxy-url"))
            rc = get_string(p, v, fp, &c->proxy_url);
    }
    return rc;
}

static int parse_user(struct kc_parse *p, struct fy_node *m, const char *path, struct kc_user *u)
{
    void *it = NULL;
    struct fy_node_pair *pr;
    const char *key;
    size_t kl;
    int rc = 0;
    char fp[KC_PATH_MAX];
    while (rc == 0 && (pr = map_next(p, m, &it, &key, &kl)) != NULL) {
        struct fy_node *v = fy_node_pair_value(pr);
        snprintf(fp, sizeof(fp), "%s.%.*s", path, (int)kl, key);
        if (streq_n(key, kl, "client-certificate"))
            rc = get_string(p, v, fp, &u->cert_file);
        else if (streq_n(key, kl, "client-certificate-data"))
            rc = get_bytes(p, v, fp, &u->cert_data, &u->cert_len);
        else if (streq_n(key, kl, "client-key"))
            rc = get_string(p, v, fp, &u->key_file);
        else if (streq_n(key, kl, "client-key-data"))
            rc = get_bytes(p, v, fp, &u->key_data, &u->key_len);
        else if (streq_n(key, kl, "token"))
            rc = get_string(p, v, fp, &u->token);
        else if (streq_n(key, kl, "tokenFile"))
            rc = get_string(p, v, fp, &u->token_file);
        else if (streq_n(key, kl, "username"))
            rc = get_string(p, v, fp, &u->username);
        else if (streq_n(key, kl, "password"))
            rc = get_string(p, v, fp, &u->password);
        else if (streq_n(key, kl, "exec"))
            u->has_exec = is_set(p, v);
        else if (streq_n(key, kl, "auth-provider"))
            u->has_auth_provider = is_set(p, v);
    }
    return rc;
}

static int parse_context(struct kc_parse *p, struct fy_node *m, const char *path,
                         struct kc_context *c)
{
    void *it = NULL;
    struct fy_node_pair *pr;
    const char *key;
    size_t kl;
    int rc = 0;
    char fp[KC_PATH_MAX];
    while (rc == 0 && (pr = map_next(p, m, &it, &key, &kl)) != NULL) {
        struct fy_node *v = fy_node_pair_value(pr);
        snprintf(fp, sizeof(fp), "%s.%.*s", path, (int)kl, key);
        if (streq_n(key, kl, "cluster"))
            rc = get_string(p, v, fp, &c->cluster);
        else if (streq_n(key, kl, "user"))
            rc = get_string(p, v, fp, &c->user);
        else if (streq_n(key, kl, "namespace"))
            rc = get_string(p, v, fp, &c->namespace);
    }
    return rc;
}

enum kc_list { KL_CLUSTERS, KL_USERS, KL_CONTEXTS };

/* One of clusters/users/contexts: a sequence of {name, <inner>: mapping}. */
static int parse_list(struct kc_parse *p, struct fy_node *seq, enum kc_list which,
                      struct kc_file *f)
{
    static const char *const lname[] = { "clusters", "users", "contexts" };
    static const char *const iname[] = { "cluster", "user", "context" };
    const char *s;
    size_t len, count, i;
    int b, rc = 0;
    void *it = NULL;
    struct fy_node *item;
    enum ykind k = yclassify(&p->valbuf, seq, &s, &len, &b);
    if (k == YK_NULL)
        return 0;
    if (k != YK_SEQ)
        return type_error(p, lname[which], "a sequence", k);
    seq = deref(seq, &b);
    count = (size_t)fy_node_sequence_item_count(seq);
    if (count > KG_MAX_KUBECONFIG_ENTRIES) {
        kg_set_err(p->err, p->errlen, "%s: %s: more than %d entries", p->file, lname[which],
                   KG_MAX_KUBECONFIG_ENTRIES);
        return -E2BIG;
    }
    switch (which) {
    case KL_CLUSTERS:
        f->clusters = xcalloc(count ? count : 1, sizeof(*f->clusters));
        break;
    case KL_USERS:
        f->users = xcalloc(count ? count : 1, sizeof(*f->users));
        break;
    case KL_CONTEXTS:
        f->contexts = xcalloc(count ? count : 1, sizeof(*f->contexts));
        break;
    }
    for (i = 0; rc == 0 && (item = fy_node_sequence_iterate(seq, &it)) != NULL && i < count; i++) {
        char path[96], inner[128];
        char *name = NULL;
        struct fy_node *inner_node = NULL;
        void *mit = NULL;
        struct fy_node_pair *pr;
        const char *key;
        size_t kl;
        int bad = 0;
        snprintf(path, sizeof(path), "%s[%zu]", lname[which], i);
        snprintf(inner, sizeof(inner), "%s.%s", path, iname[which]);
        k = yclassify(&p->valbuf, item, &s, &len, &b);
        if (k != YK_NULL && k != YK_MAP) {
            rc = type_error(p, path, "a mapping", k);
            break;
        }
        item = deref(item, &bad);
        while (k == YK_MAP && rc == 0 && (pr = map_next(p, item, &mit, &key, &kl)) != NULL) {
            if (streq_n(key, kl, "name")) {
                char np[112];
                snprintf(np, sizeof(np), "%s.name", path);
                rc = get_string(p, fy_node_pair_value(pr), np, &name);
            } else if (streq_n(key, kl, iname[which])) {
                inner_node = fy_node_pair_value(pr);
            }
        }
        if (rc == 0 && name == NULL)
            name = xstrdup("");
        /* client-go's conversion to a map refuses a name used twice in one file */
        for (size_t j = 0; rc == 0 && j < i; j++) {
            const char *other = which == KL_CLUSTERS ? f->clusters[j].name
                                : which == KL_USERS  ? f->users[j].name
                                                     : f->contexts[j].name;
            if (strcmp(other, name) == 0) {
                kg_set_err(p->err, p->errlen, "%s: %s.name: duplicate name \"%s\" in list", p->file,
                           path, name);
                rc = -EINVAL;
            }
        }
        if (rc == 0 && inner_node != NULL) {
            k = yclassify(&p->valbuf, inner_node, &s, &len, &b);
            if (k != YK_NULL && k != YK_MAP)
                rc = type_error(p, inner, "a mapping", k);
            inner_node = deref(inner_node, &bad);
            if (k != YK_MAP)
                inner_node = NULL;
        }
        switch (which) {
        case KL_CLUSTERS:
            f->clusters[i].name = name;
            f->clusters[i].idx = (int)i;
            f->nclusters = i + 1;
            if (rc == 0 && inner_node != NULL)
                rc = parse_cluster(p, inner_node, inner, &f->clusters[i]);
            break;
        case KL_USERS:
            f->users[i].name = name;
            f->users[i].idx = (int)i;
            f->nusers = i + 1;
            if (rc == 0 && inner_node != NULL)
                rc = parse_user(p, inner_node, inner, &f->users[i]);
            break;
        case KL_CONTEXTS:
            f->contexts[i].name = name;
            f->contexts[i].idx = (int)i;
            f->ncontexts = i + 1;
            if (rc == 0 && inner_node != NULL)
                rc = parse_context(p, inner_node, inner, &f->contexts[i]);
            break;
        }
    }
    return rc;
}

/* libfyaml diagnostics are captured (never printed) and reduced to "yaml: line L: message". */
struct diag_capture {
    char text[1024];
    size_t len;
};

static void diag_capture_cb(struct fy_diag *diag, void *user, const char *text, size_t len)
{
    struct diag_capture *cap = user;
    (void)diag;
    if (len > sizeof(cap->text) - 1 - cap->len)
        len = sizeof(cap->text) - 1 - cap->len;
    memcpy(cap->text + cap->len, text, len);
    cap->len += len;
    cap->text[cap->len] = '\0';
}

static void yaml_error(struct kc_parse *p, const struct diag_capture *cap)
{
    const char *e = strstr(cap->text, ": error: ");
    const char *q, *msg;
    long line = 0;
    int msglen;
    if (e == NULL) {
        kg_set_err(p->err, p->errlen, "%s: yaml: invalid document", p->file);
        return;
    }
    /* "<input>:LINE:COL: error: MESSAGE\n<source excerpt>" */
    q = e;
    while (q > cap->text && q[-1] != ':')
        q--; /* start of COL */
    if (q > cap->text) {
        const char *l = q - 1;
        while (l > cap->text && l[-1] >= '0' && l[-1] <= '9')
            l--;
        line = strtol(l, NULL, 10);
    }
    msg = e + strlen(": error: ");
    msglen = (int)strcspn(msg, "\n");
    kg_set_err(p->err, p->errlen, "%s: yaml: line %ld: %.*s", p->file, line, msglen, msg);
}

/*
 * Offset of the first byte that is not valid UTF-8, or len. go-yaml refuses such input too
 * ("invalid leading UTF-8 octet"), and libfyaml 0.7.12 can spin forever on it after '%'.
 */
static size_t utf8_invalid_at(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t n, k;
        unsigned int cp;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return i;
        }
        if (len - i <= n)
            return i;
        for (k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return i;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
            return i;
        i += n + 1;
    }
    return len;
}

/* Parses one kubeconfig document into f (f->path must be set). base resolves relative paths. */
static int parse_doc(const char *data, size_t len, const char *base, struct kc_file *f, char *err,
                     size_t errlen)
{
    struct kc_parse p;
    struct fy_parse_cfg cfg;
    struct fy_diag_cfg dcfg;
    struct fy_diag *diag = NULL;
    struct diag_capture cap = { "", 0 };
    struct fy_parser *fyp = NULL;
    struct fy_document *fyd = NULL;
    struct fy_node *root;
    struct fy_node_pair *pr;
    void *it = NULL;
    const char *s, *key;
    size_t sl, kl, i, bad_at;
    int b, rc = 0;
    char *api_version = NULL, *kind = NULL;
    enum ykind k;

    memset(&p, 0, sizeof(p));
    p.file = f->path;
    p.err = err;
    p.errlen = errlen;
    buf_init(&p.keybuf, KG_MAX_CONFIG_FILE);
    buf_init(&p.valbuf, KG_MAX_CONFIG_FILE);
    if (len == 0)
        goto out;
    if (len > KG_MAX_CONFIG_FILE) {
        kg_set_err(err, errlen, "%s: larger than %u bytes", f->path, KG_MAX_CONFIG_FILE);
        rc = -E2BIG;
        goto out;
    }
    bad_at = utf8_invalid_at((const unsigned char *)data, len);
    if (bad_at < len) {
        kg_set_err(err, errlen, "%s: yaml: invalid UTF-8 at byte %zu", f->path, bad_at);
        rc = -EINVAL;
        goto out;
    }
    fy_diag_cfg_default(&dcfg);
    dcfg.fp = NULL;
    dcfg.output_fn = diag_capture_cb;
    dcfg.user = &cap;
    dcfg.level = FYET_ERROR;
    dcfg.colorize = false;
    diag = fy_diag_create(&dcfg);
    if (diag == NULL) {
        kg_set_err(err, errlen, "%s: cannot create a YAML parser", f->path);
        rc = -ENOMEM;
        goto out;
    }
    memset(&cfg, 0, sizeof(cfg));
    cfg.flags = FYPCF_QUIET;
    cfg.diag = diag;
    fyp = fy_parser_create(&cfg);
    if (fyp == NULL) {
        kg_set_err(err, errlen, "%s: cannot create a YAML parser", f->path);
        rc = -ENOMEM;
        goto out;
    }
    if (fy_parser_set_string(fyp, data, len) != 0) {
        kg_set_err(err, errlen, "%s: cannot read the document", f->path);
        rc = -EINVAL;
        goto out;
    }
    fyd = fy_parse_load_document(fyp);
    if (fyd == NULL) {
        if (fy_parser_get_stream_error(fyp)) {
            yaml_error(&p, &cap);
            rc = -EINVAL;
        }
        goto out; /* no document at all (only comments or whitespace): an empty config */
    }
    root = fy_document_root(fyd);
    k = yclassify(&p.valbuf, root, &s, &sl, &b);
    if (k == YK_NULL)
        goto out;
    if (k != YK_MAP) {
        kg_set_err(err, errlen, "%s: expected a mapping at the top level, got %s", f->path,
                   ykind_name(k));
        rc = -EINVAL;
        goto out;
    }
    root = deref(root, &b);
    while (rc == 0 && (pr = map_next(&p, root, &it, &key, &kl)) != NULL) {
        struct fy_node *v = fy_node_pair_value(pr);
        if (streq_n(key, kl, "clusters"))
            rc = parse_list(&p, v, KL_CLUSTERS, f);
        else if (streq_n(key, kl, "users"))
            rc = parse_list(&p, v, KL_USERS, f);
        else if (streq_n(key, kl, "contexts"))
            rc = parse_list(&p, v, KL_CONTEXTS, f);
        else if (streq_n(key, kl, "current-context"))
            rc = get_string(&p, v, "current-context", &f->current_context);
        else if (streq_n(key, kl, "apiVersion"))
            rc = get_string(&p, v, "apiVersion", &api_version);
        else if (streq_n(key, kl, "kind"))
            rc = get_string(&p, v, "kind", &kind);
    }
    if (rc == 0 && nonempty(api_version) && strcmp(api_version, "v1") != 0) {
        kg_set_err(err, errlen, "%s: apiVersion: no kind \"%s\" is registered for version \"%s\"",
                   f->path, nonempty(kind) ? kind : "Config", api_version);
        rc = -EINVAL;
    }
    if (rc == 0 && nonempty(kind) && strcmp(kind, "Config") != 0) {
        kg_set_err(err, errlen, "%s: kind: no kind \"%s\" is registered for version \"v1\"",
                   f->path, kind);
        rc = -EINVAL;
    }
    if (rc == 0) {
        for (i = 0; i < f->nclusters; i++)
            resolve_ref(&f->clusters[i].ca_file, base);
        for (i = 0; i < f->nusers; i++) {
            resolve_ref(&f->users[i].cert_file, base);
            resolve_ref(&f->users[i].key_file, base);
            resolve_ref(&f->users[i].token_file, base);
        }
    }
out:
    free(api_version);
    free(kind);
    if (fyd != NULL)
        fy_parse_document_destroy(fyp, fyd);
    if (fyp != NULL)
        fy_parser_destroy(fyp);
    if (diag != NULL)
        fy_diag_destroy(diag);
    buf_cleanup(&p.keybuf);
    buf_cleanup(&p.valbuf);
    return rc;
}

/* ---- merged view ---- */

struct kc_set {
    struct kc_file *files;
    size_t nfiles;
};

static void kc_set_cleanup(struct kc_set *set)
{
    size_t i;
    for (i = 0; i < set->nfiles; i++)
        kc_file_cleanup(&set->files[i]);
    free(set->files);
    set->files = NULL;
    set->nfiles = 0;
}

static struct kc_file *kc_set_add(struct kc_set *set, const char *path)
{
    struct kc_file *f;
    set->files = xreallocarray(set->files, set->nfiles + 1, sizeof(*set->files));
    f = &set->files[set->nfiles++];
    memset(f, 0, sizeof(*f));
    f->path = xstrdup(path);
    return f;
}

/* First file defining name wins (client-go merges maps with the first file's entry on top). */
#define KC_FIND(fn, type, arr, cnt)                                                                \
    static const struct type *fn(const struct kc_set *set, const char *name,                       \
                                 const struct kc_file **file)                                      \
    {                                                                                              \
        size_t i, j;                                                                               \
        for (i = 0; i < set->nfiles; i++)                                                          \
            for (j = 0; j < set->files[i].cnt; j++)                                                \
                if (strcmp(set->files[i].arr[j].name, name) == 0) {                                \
                    *file = &set->files[i];                                                        \
                    return &set->files[i].arr[j];                                                  \
                }                                                                                  \
        *file = NULL;                                                                              \
        return NULL;                                                                               \
    }
KC_FIND(find_cluster, kc_cluster, clusters, nclusters)
KC_FIND(find_user, kc_user, users, nusers)
KC_FIND(find_context, kc_context, contexts, ncontexts)

static const char *current_context(const struct kc_set *set)
{
    size_t i;
    for (i = 0; i < set->nfiles; i++)
        if (nonempty(set->files[i].current_context))
            return set->files[i].current_context;
    return "";
}

/* An aggregate of error strings printed like apimachinery's utilerrors.Aggregate. */
struct errlist {
    char *msg[KC_MAX_ERRS];
    int n;
    int empty_cluster; /* the only error is ErrEmptyCluster */
};

static void errlist_add(struct errlist *el, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void errlist_add(struct errlist *el, const char *fmt, ...)
{
    va_list ap;
    if (el->n >= KC_MAX_ERRS)
        return;
    va_start(ap, fmt);
    el->msg[el->n++] = xvasprintf(fmt, ap);
    va_end(ap);
}

static void errlist_format(const struct errlist *el, const char *prefix, char *err, size_t errlen)
{
    struct buf b;
    int i;
    buf_init(&b, errlen > 0 ? errlen - 1 : 0);
    (void)buf_appends(&b, prefix);
    if (el->n > 1)
        (void)buf_putc(&b, '[');
    for (i = 0; i < el->n; i++) {
        if (i > 0)
            (void)buf_appends(&b, ", ");
        (void)buf_appends(&b, el->msg[i]);
    }
    if (el->n > 1)
        (void)buf_putc(&b, ']');
    kg_set_err(err, errlen, "%s", buf_str(&b));
    buf_cleanup(&b);
}

static void errlist_cleanup(struct errlist *el)
{
    int i;
    for (i = 0; i < el->n; i++)
        free(el->msg[i]);
    el->n = 0;
}

/* The cluster and user after overrides (borrowed strings; data owned by the file tables). */
struct merged_cluster {
    const char *server, *tls_server_name, *ca_file, *proxy_url;
    const unsigned char *ca_data;
    size_t ca_len;
    int insecure;
};

struct merged_user {
    const char *token, *token_file, *cert_file, *key_file, *username, *password;
    const unsigned char *cert_data, *key_data;
    size_t cert_len, key_len;
    int has_exec, has_auth_provider;
};

static int can_open(const char *path, char *es, size_t eslen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    char e[128];
    if (fd < 0) {
        go_errstr(errno, e, sizeof(e));
        snprintf(es, eslen, "open %s: %s", path, e);
        return 0;
    }
    close(fd);
    return 1;
}

/* client-go parseProxyURL: http, https and socks5 only. */
static int proxy_scheme_error(const char *url, char *es, size_t eslen)
{
    const char *colon = strstr(url, "://");
    size_t n = colon != NULL ? (size_t)(colon - url) : 0;
    if (streq_n(url, n, "http") || streq_n(url, n, "https") || streq_n(url, n, "socks5"))
        return 0;
    snprintf(es, eslen, "unsupported scheme \"%.*s\", must be http, https, or socks5", (int)n, url);
    return 1;
}

static void validate_auth_info(struct errlist *el, const char *name, const struct merged_user *u)
{
    char es[KC_PATH_MAX];
    int token = nonempty(u->token), basic = nonempty(u->username) || nonempty(u->password);
    if (nonempty(u->cert_file) || u->cert_data != NULL) {
        if (nonempty(u->cert_file) && u->cert_data != NULL)
            errlist_add(el,
                        "client-cert-data and client-cert are both specified for %s. "
                        "client-cert-data will override.",
                        name);
        if (nonempty(u->key_file) && u->key_data != NULL)
            errlist_add(el,
                        "client-key-data and client-key are both specified for %s; "
                        "client-key-data will override",
                        name);
        if (!nonempty(u->key_file) && u->key_data == NULL)
            errlist_add(el,
                        "client-key-data or client-key must be specified for %s to use the "
                        "clientCert authentication method.",
                        name);
        if (nonempty(u->cert_file) && !can_open(u->cert_file, es, sizeof(es)))
            errlist_add(el, "unable to read client-cert %s for %s due to %s", u->cert_file, name,
                        es);
        if (nonempty(u->key_file) && !can_open(u->key_file, es, sizeof(es)))
            errlist_add(el, "unable to read client-key %s for %s due to %s", u->key_file, name, es);
    }
    if (token && basic)
        errlist_add(el,
                    "more than one authentication method found for %s; found [token basicAuth], "
                    "only one is allowed",
                    name);
}

static void validate_cluster_info(struct errlist *el, const char *name,
                                  const struct merged_cluster *c, int empty)
{
    char es[KC_PATH_MAX];
    if (empty) {
        errlist_add(el, "cluster has no server defined");
        el->empty_cluster = el->n == 1;
        return;
    }
    if (!nonempty(c->server)) {
        if (name[0] == '\0')
            errlist_add(el, "default cluster has no server defined");
        else
            errlist_add(el, "no server found for cluster \"%s\"", name);
    }
    if (nonempty(c->proxy_url) && proxy_scheme_error(c->proxy_url, es, sizeof(es)))
        errlist_add(el, "invalid 'proxy-url' \"%s\" for cluster \"%s\": %s", c->proxy_url, name,
                    es);
    if (nonempty(c->ca_file) && c->ca_data != NULL)
        errlist_add(el,
                    "certificate-authority-data and certificate-authority are both specified "
                    "for %s. certificate-authority-data will override.",
                    name);
    if (nonempty(c->ca_file) && !can_open(c->ca_file, es, sizeof(es)))
        errlist_add(el, "unable to read certificate-authority %s for %s due to %s", c->ca_file,
                    name, es);
}

/* rest.DefaultServerURL: a host without scheme://host gets "http://" (no TLS is configured
 * at that point in client-go); a path longer than "/" loses its query and fragment. */
static char *normalize_server(const char *server, int *tls)
{
    const char *sep = strstr(server, "://");
    char *s;
    int has_scheme = 0;
    if (sep != NULL && sep != server && sep[3] != '\0' && sep[3] != '/') {
        const char *q;
        has_scheme = 1;
        for (q = server; q < sep; q++)
            if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
                  (q > server &&
                   ((*q >= '0' && *q <= '9') || *q == '+' || *q == '-' || *q == '.'))))
                has_scheme = 0;
    }
    s = has_scheme ? xstrdup(server) : xasprintf("http://%s", server);
    sep = strstr(s, "://");
    *tls = (size_t)(sep - s) == 5 && strncasecmp(s, "https", 5) == 0;
    {
        char *path = strchr(sep + 3, '/');
        if (path != NULL && strlen(path) > 1 && path[1] != '?' && path[1] != '#') {
            char *cut = strpbrk(path, "?#");
            if (cut != NULL)
                *cut = '\0';
        }
    }
    return s;
}

/* ---- token cache ---- */

struct kubeconfig__token {
    pthread_mutex_t mu;
    char *cached; /* last good read, trimmed */
    int64_t read_at;
    int have_stat;
    struct stat st;
};

static int same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static char *trim_dup(const char *s, size_t n)
{
    while (n > 0 &&
           (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\v' || *s == '\f')) {
        s++;
        n--;
    }
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r' ||
                     s[n - 1] == '\v' || s[n - 1] == '\f'))
        n--;
    return xstrndup(s, n);
}

/* fileTokenSource.Token: read, trim, refuse empty. */
static int read_token_file(const char *path, char **tok, char *err, size_t errlen)
{
    char *data = NULL;
    size_t len = 0;
    int rc = read_file(path, KG_MAX_TOKEN_FILE, &data, &len, err, errlen);
    *tok = NULL;
    if (rc < 0)
        goto out;
    if (len > 0 && memchr(data, '\0', len) != NULL) {
        kg_set_err(err, errlen, "token file \"%s\" contains a NUL byte", path);
        rc = -EINVAL;
        goto out;
    }
    *tok = trim_dup(data, len);
    if ((*tok)[0] == '\0') {
        kg_set_err(err, errlen, "read empty token from file \"%s\"", path);
        free(*tok);
        *tok = NULL;
        rc = -EINVAL;
    }
out:
    free(data);
    return rc;
}

static int copy_token(const char *tok, char *out, size_t outlen)
{
    size_t n = strlen(tok);
    if (n + 1 > outlen)
        return -E2BIG;
    memcpy(out, tok, n + 1);
    return 0;
}

int kubeconfig_bearer_token(struct kubeconfig *kc, int64_t now_ns, char *out, size_t outlen,
                            char *err, size_t errlen)
{
    struct kubeconfig__token *t = kc->tok_;
    struct stat st;
    char *fresh = NULL;
    char e[KG_ERRBUF];
    int rc = 0, changed;
    if (outlen > 0)
        out[0] = '\0';
    if (t == NULL || kc->token_file == NULL)
        return kc->token != NULL ? copy_token(kc->token, out, outlen) : 0;
    pthread_mutex_lock(&t->mu);
    changed = stat(kc->token_file, &st) != 0 || !t->have_stat || !same_file(&st, &t->st);
    if (t->cached != NULL && !changed && now_ns >= t->read_at &&
        now_ns - t->read_at < KG_KUBECONFIG_TOKEN_REREAD_NS) {
        rc = copy_token(t->cached, out, outlen);
        goto out;
    }
    rc = read_token_file(kc->token_file, &fresh, e, sizeof(e));
    if (rc == 0) {
        free(t->cached);
        t->cached = fresh;
        t->read_at = now_ns;
        t->have_stat = stat(kc->token_file, &t->st) == 0;
        rc = copy_token(t->cached, out, outlen);
        goto out;
    }
    if (t->cached != NULL || kc->token != NULL) {
        log_error("Unable to rotate token: %s", e);
        rc = copy_token(t->cached != NULL ? t->cached : kc->token, out, outlen);
        goto out;
    }
    kg_set_err(err, errlen, "%s", e);
out:
    pthread_mutex_unlock(&t->mu);
    return rc;
}

int kubeconfig_token_cb(void *ud, char *out, size_t outlen)
{
    return kubeconfig_bearer_token(ud, time_mono_ns(), out, outlen, NULL, 0);
}

static void token_cache_init(struct kubeconfig *kc)
{
    kc->tok_ = xcalloc(1, sizeof(*kc->tok_));
    pthread_mutex_init(&kc->tok_->mu, NULL);
}

void kubeconfig_free(struct kubeconfig *kc)
{
    if (kc == NULL)
        return;
    if (kc->tok_ != NULL) {
        pthread_mutex_destroy(&kc->tok_->mu);
        free(kc->tok_->cached);
        free(kc->tok_);
    }
    free(kc->server);
    free(kc->context);
    free(kc->cluster);
    free(kc->user);
    free(kc->namespace);
    free(kc->source);
    free(kc->ca_pem);
    free(kc->ca_file);
    free(kc->cert_pem);
    free(kc->cert_file);
    free(kc->key_pem);
    free(kc->key_file);
    free(kc->token);
    free(kc->token_file);
    free(kc->username);
    free(kc->password);
    free(kc->tls_server_name);
    free(kc->proxy_url);
    free(kc);
}

/* ---- resolution (DirectClientConfig.ClientConfig) ---- */

static int load_pem(const char *file, const char *where, unsigned char **pem, size_t *len,
                    char *err, size_t errlen)
{
    char e[KG_ERRBUF];
    char *data = NULL;
    int rc = read_file(file, KG_MAX_CONFIG_FILE, &data, len, e, sizeof(e));
    if (rc < 0) {
        kg_set_err(err, errlen, "%s: %s", where, e);
        return rc;
    }
    *pem = (unsigned char *)data;
    return 0;
}

static const char *ov_str(const struct kubeconfig_overrides *ov, size_t off)
{
    const char *s = *(const char *const *)(const void *)((const char *)ov + off);
    return nonempty(s) ? s : NULL;
}
#define OV(ov, field) ov_str((ov), offsetof(struct kubeconfig_overrides, field))

static int resolve(const struct kc_set *set, const struct kubeconfig_overrides *ov,
                   struct kubeconfig **out, char *err, size_t errlen)
{
    static const struct kubeconfig_overrides none;
    struct kubeconfig *kc = NULL;
    struct errlist el;
    const struct kc_file *ctx_file, *user_file, *cl_file;
    const struct kc_context *ce;
    const struct kc_user *ue;
    const struct kc_cluster *cle;
    struct merged_cluster mc;
    struct merged_user mu;
    const char *ctx_name, *user_name, *cluster_name, *ns;
    char where[KC_PATH_MAX];
    int rc = 0, tls = 0, cluster_empty;

    memset(&el, 0, sizeof(el));
    memset(&mc, 0, sizeof(mc));
    memset(&mu, 0, sizeof(mu));
    if (ov == NULL)
        ov = &none;
    ctx_name = OV(ov, context) != NULL ? ov->context : current_context(set);
    ce = find_context(set, ctx_name, &ctx_file);

    /* getAuthInfo */
    user_name = OV(ov, user) != NULL ? ov->user : (ce != NULL && ce->user ? ce->user : "");
    ue = find_user(set, user_name, &user_file);
    if (ue == NULL && OV(ov, user) != NULL) {
        kg_set_err(err, errlen, "auth info \"%s\" does not exist", user_name);
        rc = -EINVAL;
        goto out;
    }
    /* getContext */
    if (ce == NULL && OV(ov, context) != NULL) {
        kg_set_err(err, errlen, "context \"%s\" does not exist", ctx_name);
        rc = -EINVAL;
        goto out;
    }
    /* getCluster */
    cluster_name =
        OV(ov, cluster) != NULL ? ov->cluster : (ce != NULL && ce->cluster ? ce->cluster : "");
    cle = find_cluster(set, cluster_name, &cl_file);
    if (cle == NULL && OV(ov, cluster) != NULL) {
        kg_set_err(err, errlen, "cluster \"%s\" does not exist", cluster_name);
        rc = -EINVAL;
        goto out;
    }
    /* clientcmd.ClusterDefaults: $KUBERNETES_MASTER, the variable the empty-config error
     * points at (kgauge never defaults to http://localhost:8080) */
    if (nonempty(getenv("KUBERNETES_MASTER")))
        mc.server = getenv("KUBERNETES_MASTER");
    if (cle != NULL) {
        if (nonempty(cle->server))
            mc.server = cle->server;
        mc.tls_server_name = cle->tls_server_name;
        mc.ca_file = cle->ca_file;
        mc.proxy_url = cle->proxy_url;
        mc.ca_data = cle->ca_data;
        mc.ca_len = cle->ca_len;
        mc.insecure = cle->insecure;
    }
    cluster_empty = cle == NULL && !nonempty(mc.server);
    if (OV(ov, server) != NULL)
        mc.server = ov->server;
    if (OV(ov, certificate_authority) != NULL || ov->insecure_skip_tls_verify) {
        mc.insecure = ov->insecure_skip_tls_verify != 0;
        mc.ca_file = OV(ov, certificate_authority);
        mc.ca_data = NULL;
        mc.ca_len = 0;
    }
    if (OV(ov, tls_server_name) != NULL || OV(ov, server) != NULL)
        mc.tls_server_name = OV(ov, tls_server_name);
    if (OV(ov, server) != NULL || OV(ov, tls_server_name) != NULL ||
        OV(ov, certificate_authority) != NULL || ov->insecure_skip_tls_verify)
        cluster_empty = 0;

    if (ue != NULL) {
        mu.token = ue->token;
        mu.token_file = ue->token_file;
        mu.cert_file = ue->cert_file;
        mu.key_file = ue->key_file;
        mu.username = ue->username;
        mu.password = ue->password;
        mu.cert_data = ue->cert_data;
        mu.cert_len = ue->cert_len;
        mu.key_data = ue->key_data;
        mu.key_len = ue->key_len;
        mu.has_exec = ue->has_exec;
        mu.has_auth_provider = ue->has_auth_provider;
    }
    if (OV(ov, token) != NULL)
        mu.token = ov->token;
    if (OV(ov, username) != NULL)
        mu.username = ov->username;
    if (OV(ov, password) != NULL)
        mu.password = ov->password;
    if (OV(ov, client_certificate) != NULL) {
        mu.cert_file = ov->client_certificate;
        mu.cert_data = NULL;
        mu.cert_len = 0;
    }
    if (OV(ov, client_key) != NULL) {
        mu.key_file = ov->client_key;
        mu.key_data = NULL;
        mu.key_len = 0;
    }

    /* ConfirmUsable */
    if (ctx_name[0] != '\0' && ce == NULL)
        errlist_add(&el, "context was not found for specified context: %s", ctx_name);
    validate_auth_info(&el, user_name, &mu);
    validate_cluster_info(&el, cluster_name, &mc, cluster_empty);
    if (el.n == 1 && el.empty_cluster) {
        kg_set_err(err, errlen, "%s", empty_config_msg);
        rc = -EINVAL;
        goto out;
    }
    if (el.n > 0) {
        errlist_format(&el, "invalid configuration: ", err, errlen);
        rc = -EINVAL;
        goto out;
    }
    if (ce != NULL && ue == NULL && nonempty(ce->user))
        log_warn("%s: contexts[%d].context.user: user \"%s\" was not found for context \"%s\"; "
                 "requests will be anonymous",
                 ctx_file->path, ce->idx, ce->user, ctx_name);
    if (mu.has_exec || mu.has_auth_provider) {
        const char *what = mu.has_exec ? "exec" : "auth-provider";
        kg_set_err(err, errlen,
                   "%s: users[%d].user.%s: user \"%s\" authenticates with %s, which is not "
                   "supported by kgauge; give it a client certificate or a token instead",
                   user_file->path, ue->idx, what, user_name,
                   mu.has_exec ? "an exec credential plugin" : "an auth-provider plugin");
        rc = -ENOTSUP;
        goto out;
    }

    ASSERT(nonempty(mc.server));
    kc = xcalloc(1, sizeof(*kc));
    kc->server = normalize_server(mc.server, &tls);
    kc->tls = tls;
    kc->context = xstrdup(ce != NULL ? ctx_name : "");
    kc->cluster = xstrdup(cluster_name);
    kc->user = xstrdup(user_name);
    ns = OV(ov, namespace) != NULL               ? ov->namespace
         : ce != NULL && nonempty(ce->namespace) ? ce->namespace
                                                 : "default";
    kc->namespace = xstrdup(ns);
    kc->source = xstrdup(ctx_file != NULL ? ctx_file->path : cl_file != NULL ? cl_file->path : "");
    kc->proxy_url = xstrdup_or_null(mc.proxy_url);

    /* only read the auth information if we are secure (client-go) */
    if (!tls)
        goto out;
    kc->insecure_skip_tls_verify = mc.insecure;
    kc->tls_server_name = nonempty(mc.tls_server_name) ? xstrdup(mc.tls_server_name) : NULL;
    if (mc.ca_data != NULL) {
        kc->ca_pem = xmemdup(mc.ca_data, mc.ca_len + 1);
        kc->ca_len = mc.ca_len;
    } else if (nonempty(mc.ca_file)) {
        snprintf(where, sizeof(where), "%s: clusters[%d].cluster.certificate-authority",
                 cl_file != NULL ? cl_file->path : "--certificate-authority",
                 cle != NULL ? cle->idx : 0);
        if (OV(ov, certificate_authority) != NULL)
            snprintf(where, sizeof(where), "--certificate-authority");
        rc = load_pem(mc.ca_file, where, &kc->ca_pem, &kc->ca_len, err, errlen);
        if (rc < 0)
            goto out;
        kc->ca_file = xstrdup(mc.ca_file);
    }
    if (kc->insecure_skip_tls_verify && kc->ca_pem != NULL) {
        kg_set_err(err, errlen,
                   "specifying a root certificates file with the insecure flag is not allowed");
        rc = -EINVAL;
        goto out;
    }
    if (ue != NULL)
        snprintf(where, sizeof(where), "%s: users[%d].user", user_file->path, ue->idx);
    else
        snprintf(where, sizeof(where), "flags");
    if (nonempty(mu.token)) {
        kc->token = xstrdup(mu.token);
        kc->token_file = nonempty(mu.token_file) ? xstrdup(mu.token_file) : NULL;
    } else if (nonempty(mu.token_file)) {
        char e[KG_ERRBUF];
        rc = read_token_file(mu.token_file, &kc->token, e, sizeof(e));
        if (rc < 0) {
            kg_set_err(err, errlen, "%s.tokenFile: %s", where, e);
            goto out;
        }
        kc->token_file = xstrdup(mu.token_file);
    }
    if (kc->token_file != NULL)
        token_cache_init(kc);
    if (nonempty(mu.cert_file) || mu.cert_data != NULL) {
        char w[KC_PATH_MAX + 32];
        if (mu.cert_data != NULL) {
            kc->cert_pem = xmemdup(mu.cert_data, mu.cert_len + 1);
            kc->cert_len = mu.cert_len;
        } else {
            snprintf(w, sizeof(w), "%s.client-certificate", where);
            rc = load_pem(mu.cert_file, w, &kc->cert_pem, &kc->cert_len, err, errlen);
            if (rc < 0)
                goto out;
            kc->cert_file = xstrdup(mu.cert_file);
        }
        if (mu.key_data != NULL) {
            kc->key_pem = xmemdup(mu.key_data, mu.key_len + 1);
            kc->key_len = mu.key_len;
        } else {
            snprintf(w, sizeof(w), "%s.client-key", where);
            rc = load_pem(mu.key_file, w, &kc->key_pem, &kc->key_len, err, errlen);
            if (rc < 0)
                goto out;
            kc->key_file = xstrdup(mu.key_file);
        }
    }
    if (nonempty(mu.username) || nonempty(mu.password)) {
        kc->username = xstrdup(mu.username != NULL ? mu.username : "");
        kc->password = xstrdup(mu.password != NULL ? mu.password : "");
    }
out:
    errlist_cleanup(&el);
    if (rc < 0) {
        kubeconfig_free(kc);
        kc = NULL;
    }
    *out = kc;
    return rc;
}

/* ---- loading ---- */

/* LoadFromFile for one precedence entry. Missing files return -ENOENT with no message. */
static int load_one(struct kc_set *set, const char *path, char *err, size_t errlen)
{
    char *data = NULL, *base = NULL;
    size_t len = 0;
    char e[KG_ERRBUF];
    struct kc_file *f;
    int rc = read_file(path, KG_MAX_CONFIG_FILE, &data, &len, e, sizeof(e));
    if (rc == -ENOENT)
        goto out;
    if (rc < 0) {
        kg_set_err(err, errlen, "error loading config file \"%s\": %s", path, e);
        goto out;
    }
    f = kc_set_add(set, path);
    base = file_base_dir(path);
    rc = parse_doc(data, len, base, f, err, errlen);
out:
    free(base);
    free(data);
    return rc;
}

int kubeconfig_load(const struct kubeconfig_overrides *ov, struct kubeconfig **out, char *err,
                    size_t errlen)
{
    struct kc_set set = { NULL, 0 };
    struct errlist el;
    char *list = NULL, *home = NULL;
    char *paths[KG_MAX_KUBECONFIG_FILES];
    size_t npaths = 0, i;
    int rc = 0;
    memset(&el, 0, sizeof(el));
    *out = NULL;
    if (ov != NULL && nonempty(ov->kubeconfig)) {
        struct stat st;
        if (stat(ov->kubeconfig, &st) != 0 && errno == ENOENT) {
            kg_set_err(err, errlen, "stat %s: no such file or directory", ov->kubeconfig);
            rc = -ENOENT;
            goto out;
        }
        paths[npaths++] = xstrdup(ov->kubeconfig);
    } else if (nonempty(getenv("KUBECONFIG"))) {
        char *save = NULL, *p;
        list = xstrdup(getenv("KUBECONFIG"));
        for (p = list; p != NULL; p = save) {
            int dup = 0;
            save = strchr(p, ':');
            if (save != NULL)
                *save++ = '\0';
            if (p[0] == '\0')
                continue;
            for (i = 0; i < npaths; i++)
                dup |= strcmp(paths[i], p) == 0;
            if (dup)
                continue;
            if (npaths == KG_MAX_KUBECONFIG_FILES) {
                kg_set_err(err, errlen, "KUBECONFIG: more than %d files", KG_MAX_KUBECONFIG_FILES);
                rc = -E2BIG;
                goto out;
            }
            paths[npaths++] = xstrdup(p);
        }
    } else {
        const char *h = getenv("HOME");
        home = nonempty(h) ? xasprintf("%s/.kube/config", h) : xstrdup(".kube/config");
        paths[npaths++] = path_clean(home);
    }
    for (i = 0; i < npaths; i++) {
        char e[KG_ERRBUF];
        int r = load_one(&set, paths[i], e, sizeof(e));
        if (r == -ENOENT)
            continue;
        if (r < 0) {
            errlist_add(&el, "%s", e);
            if (rc == 0)
                rc = r;
        }
    }
    if (rc < 0) {
        errlist_format(&el, "", err, errlen);
        goto out;
    }
    rc = resolve(&set, ov, out, err, errlen);
out:
    for (i = 0; i < npaths; i++)
        free(paths[i]);
    errlist_cleanup(&el);
    kc_set_cleanup(&set);
    free(list);
    free(home);
    return rc;
}

int kubeconfig_load_data(const char *data, size_t len, const char *origin,
                         const struct kubeconfig_overrides *ov, struct kubeconfig **out, char *err,
                         size_t errlen)
{
    struct kc_set set = { NULL, 0 };
    struct kc_file *f = kc_set_add(&set, origin != NULL ? origin : "<memory>");
    char *base = origin != NULL ? file_base_dir(origin) : NULL;
    int rc;
    *out = NULL;
    rc = parse_doc(data, len, base, f, err, errlen);
    if (rc == 0)
        rc = resolve(&set, ov, out, err, errlen);
    free(base);
    kc_set_cleanup(&set);
    return rc;
}

int kubeconfig_is_empty_error(const char *err)
{
    return err != NULL && strcmp(err, empty_config_msg) == 0;
}

/* ---- in-cluster ---- */

static const char *sa_dir_or_default(const char *sa_dir)
{
    if (nonempty(sa_dir))
        return sa_dir;
    if (nonempty(getenv("KGAUGE_SA_DIR")))
        return getenv("KGAUGE_SA_DIR");
    return KG_KUBECONFIG_SA_DIR;
}

/* certutil.NewPool: every CERTIFICATE block must parse and there must be at least one. */
static int ca_bundle_ok(const char *pem, size_t len, char *e, size_t elen)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    int certs = 0, ok = 1;
    if (bio == NULL || len > KG_MAX_CONFIG_FILE) {
        snprintf(e, elen, "cannot read the bundle");
        BIO_free(bio);
        return 0;
    }
    for (;;) {
        char *name = NULL, *header = NULL;
        unsigned char *der = NULL;
        long dlen = 0;
        if (!PEM_read_bio(bio, &name, &header, &der, &dlen))
            break;
        if (strcmp(name, "CERTIFICATE") == 0) {
            const unsigned char *q = der;
            X509 *x = d2i_X509(NULL, &q, dlen);
            if (x == NULL)
                ok = 0;
            else
                certs++;
            X509_free(x);
        }
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(der);
    }
    ERR_clear_error();
    BIO_free(bio);
    if (!ok)
        snprintf(e, elen, "x509: malformed certificate");
    else if (certs == 0)
        snprintf(e, elen, "data does not contain any valid RSA or ECDSA certificates");
    return ok && certs > 0;
}

int kubeconfig_in_cluster_possible(const char *sa_dir)
{
    struct stat st;
    char *path;
    int ok;
    if (!nonempty(getenv("KUBERNETES_SERVICE_HOST")) ||
        !nonempty(getenv("KUBERNETES_SERVICE_PORT")))
        return 0;
    path = xasprintf("%s/token", sa_dir_or_default(sa_dir));
    ok = stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
    free(path);
    return ok;
}

int kubeconfig_in_cluster(const char *sa_dir, struct kubeconfig **out, char *err, size_t errlen)
{
    const char *host = getenv("KUBERNETES_SERVICE_HOST");
    const char *port = getenv("KUBERNETES_SERVICE_PORT");
    const char *dir = sa_dir_or_default(sa_dir);
    const char *pod_ns = getenv("POD_NAMESPACE");
    struct kubeconfig *kc = NULL;
    char *token_path = NULL, *ca_path = NULL, *ns_path = NULL, *data = NULL;
    size_t len = 0;
    char e[KG_ERRBUF];
    int rc = 0;
    *out = NULL;
    if (!nonempty(host) || !nonempty(port)) {
        kg_set_err(err, errlen,
                   "unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and "
                   "KUBERNETES_SERVICE_PORT must be defined");
        rc = -ENXIO;
        goto out;
    }
    token_path = xasprintf("%s/token", dir);
    ca_path = xasprintf("%s/ca.crt", dir);
    ns_path = xasprintf("%s/namespace", dir);
    kc = xcalloc(1, sizeof(*kc));
    rc = read_token_file(token_path, &kc->token, err, errlen);
    if (rc < 0)
        goto out;
    kc->token_file = xstrdup(token_path);
    token_cache_init(kc);
    kc->server = strchr(host, ':') != NULL ? xasprintf("https://[%s]:%s", host, port)
                                           : xasprintf("https://%s:%s", host, port);
    kc->tls = 1;
    if (read_file(ca_path, KG_MAX_CONFIG_FILE, &data, &len, e, sizeof(e)) == 0 &&
        ca_bundle_ok(data, len, e, sizeof(e))) {
        kc->ca_pem = (unsigned char *)data;
        kc->ca_len = len;
        kc->ca_file = xstrdup(ca_path);
        data = NULL;
    } else {
        log_error("Expected to load root CA config from %s, but got err: %s", ca_path, e);
    }
    free(data);
    data = NULL;
    if (nonempty(pod_ns)) {
        kc->namespace = xstrdup(pod_ns);
    } else if (read_file(ns_path, KG_MAX_TOKEN_FILE, &data, &len, e, sizeof(e)) == 0) {
        kc->namespace = trim_dup(data, len);
        if (kc->namespace[0] == '\0') {
            free(kc->namespace);
            kc->namespace = NULL;
        }
    }
    if (kc->namespace == NULL)
        kc->namespace = xstrdup("default");
    kc->context = xstrdup("");
    kc->cluster = xstrdup("");
    kc->user = xstrdup("");
    kc->source = xstrdup("in-cluster");
    kc->in_cluster = 1;
out:
    free(data);
    free(token_path);
    free(ca_path);
    free(ns_path);
    if (rc < 0) {
        kubeconfig_free(kc);
        kc = NULL;
    }
    *out = kc;
    return rc;
}

int kubeconfig_load_auto(const struct kubeconfig_overrides *ov, struct kubeconfig **out, char *err,
                         size_t errlen)
{
    struct kubeconfig *kc = NULL;
    char e[KG_ERRBUF];
    int rc = kubeconfig_load(ov, out, e, sizeof(e));
    if (rc == 0)
        return 0;
    if (!kubeconfig_is_empty_error(e) || !kubeconfig_in_cluster_possible(NULL)) {
        kg_set_err(err, errlen, "%s", e);
        return rc;
    }
    log_v(4, "Using in-cluster configuration");
    rc = kubeconfig_in_cluster(NULL, &kc, err, errlen);
    if (rc < 0)
        return rc;
    if (ov != NULL && nonempty(ov->server)) {
        free(kc->server);
        kc->server = normalize_server(ov->server, &kc->tls);
    }
    if (ov != NULL && nonempty(ov->token)) {
        free(kc->token);
        free(kc->token_file);
        kc->token = xstrdup(ov->token);
        kc->token_file = NULL;
    }
    if (ov != NULL && nonempty(ov->certificate_authority)) {
        free(kc->ca_pem);
        free(kc->ca_file);
        kc->ca_pem = NULL;
        kc->ca_file = NULL;
        rc = load_pem(ov->certificate_authority, "--certificate-authority", &kc->ca_pem,
                      &kc->ca_len, err, errlen);
        if (rc < 0) {
            kubeconfig_free(kc);
            return rc;
        }
        kc->ca_file = xstrdup(ov->certificate_authority);
    }
    if (ov != NULL && nonempty(ov->namespace)) {
        free(kc->namespace);
        kc->namespace = xstrdup(ov->namespace);
    }
    *out = kc;
    return 0;
}

/* ---- writer ---- */

/* A YAML double-quoted scalar (JSON escaping is valid YAML). */
static int put_quoted(struct buf *b, const char *s)
{
    int rc = buf_putc(b, '"');
    for (; rc == 0 && *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            rc = buf_printf(b, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            rc = buf_printf(b, "\\u%04x", c);
        else
            rc = buf_putc(b, (char)c);
    }
    return rc != 0 ? rc : buf_putc(b, '"');
}

static int put_field(struct buf *b, const char *indent, const char *key, const char *val)
{
    int rc = buf_printf(b, "%s%s: ", indent, key);
    if (rc == 0)
        rc = put_quoted(b, val);
    return rc != 0 ? rc : buf_putc(b, '\n');
}

static int put_b64_field(struct buf *b, const char *indent, const char *key, const void *p,
                         size_t n)
{
    int rc = buf_printf(b, "%s%s: ", indent, key);
    if (rc == 0)
        rc = base64_encode(b, p, n);
    return rc != 0 ? rc : buf_putc(b, '\n');
}

int kubeconfig_write(const struct kubeconfig_spec *s, struct buf *out, char *err, size_t errlen)
{
    int rc = 0;
    if (!nonempty(s->cluster_name) || !nonempty(s->server) || !nonempty(s->user_name) ||
        !nonempty(s->context_name)) {
        kg_set_err(err, errlen,
                   "kubeconfig: cluster_name, server, user_name and context_name are "
                   "required");
        return -EINVAL;
    }
    if ((s->cert_pem != NULL) != (s->key_pem != NULL)) {
        kg_set_err(err, errlen, "kubeconfig: user %s: a client certificate needs its key",
                   s->user_name);
        return -EINVAL;
    }
    if (s->ca_pem != NULL && s->insecure_skip_tls_verify) {
        kg_set_err(err, errlen,
                   "specifying a root certificates file with the insecure flag is not allowed");
        return -EINVAL;
    }
    rc = buf_appends(out, "apiVersion: v1\nkind: Config\nclusters:\n- name: ");
    if (rc == 0)
        rc = put_quoted(out, s->cluster_name);
    if (rc == 0)
        rc = buf_appends(out, "\n  cluster:\n");
    if (rc == 0)
        rc = put_field(out, "    ", "server", s->server);
    if (rc == 0 && s->ca_pem != NULL)
        rc = put_b64_field(out, "    ", "certificate-authority-data", s->ca_pem, s->ca_len);
    if (rc == 0 && s->insecure_skip_tls_verify)
        rc = buf_appends(out, "    insecure-skip-tls-verify: true\n");
    if (rc == 0 && nonempty(s->tls_server_name))
        rc = put_field(out, "    ", "tls-server-name", s->tls_server_name);
    if (rc == 0)
        rc = buf_appends(out, "users:\n- name: ");
    if (rc == 0)
        rc = put_quoted(out, s->user_name);
    if (rc == 0)
        rc = buf_appends(out, "\n  user:");
    if (rc == 0 && s->cert_pem == NULL && !nonempty(s->token))
        rc = buf_appends(out, " {}");
    if (rc == 0)
        rc = buf_putc(out, '\n');
    if (rc == 0 && s->cert_pem != NULL) {
        rc = put_b64_field(out, "    ", "client-certificate-data", s->cert_pem, s->cert_len);
        if (rc == 0)
            rc = put_b64_field(out, "    ", "client-key-data", s->key_pem, s->key_len);
    }
    if (rc == 0 && nonempty(s->token))
        rc = put_field(out, "    ", "token", s->token);
    if (rc == 0)
        rc = buf_appends(out, "contexts:\n- name: ");
    if (rc == 0)
        rc = put_quoted(out, s->context_name);
    if (rc == 0)
        rc = buf_appends(out, "\n  context:\n");
    if (rc == 0)
        rc = put_field(out, "    ", "cluster", s->cluster_name);
    if (rc == 0)
        rc = put_field(out, "    ", "user", s->user_name);
    if (rc == 0 && nonempty(s->namespace))
        rc = put_field(out, "    ", "namespace", s->namespace);
    if (rc == 0)
        rc = put_field(out, "", "current-context", s->context_name);
    if (rc == 0)
        rc = buf_appends(out, "preferences: {}\n");
    if (rc != 0)
        kg_set_err(err, errlen, "kubeconfig: output larger than %zu bytes", out->max);
    return rc;
}

int kubeconfig_write_file(const struct kubeconfig_spec *spec, const char *path, char *err,
                          size_t errlen)
{
    struct buf b;
    char *tmp = NULL;
    char es[128];
    int fd = -1, rc;
    size_t off = 0;
    buf_init(&b, KG_MAX_CONFIG_FILE);
    rc = kubeconfig_write(spec, &b, err, errlen);
    if (rc < 0)
        goto out;
    tmp = xasprintf("%s.tmp.XXXXXX", path);
    fd = mkstemp(tmp);
    if (fd < 0) {
        rc = -errno;
        go_errstr(errno, es, sizeof(es));
        kg_set_err(err, errlen, "open %s: %s", tmp, es);
        free(tmp);
        tmp = NULL;
        goto out;
    }
    if (fchmod(fd, 0600) != 0)
        goto fail;
    while (off < b.len) {
        ssize_t n = write(fd, b.ptr + off, b.len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            goto fail;
        off += (size_t)n;
    }
    if (fsync(fd) != 0)
        goto fail;
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) != 0)
        goto fail;
    free(tmp);
    tmp = NULL;
    goto out;
fail:
    rc = -errno;
    go_errstr(errno, es, sizeof(es));
    kg_set_err(err, errlen, "write %s: %s", path, es);
out:
    if (fd >= 0)
        close(fd);
    if (tmp != NULL) {
        unlink(tmp);
        free(tmp);
    }
    buf_cleanup(&b);
    return rc;
}
