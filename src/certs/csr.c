/*
 * cfssl CSR JSON for `kgauge certs`: the subset of csr.CertificateRequest that shapes a
 * certificate (CN, key, names, hosts, ca.expiry), decoded with Go encoding/json's rules as cfssl
 * would see the same file (case-insensitive member names, unknown members ignored, null =
 * absent, wrong types refused), and cfssl's key rules. The input is untrusted (fuzzed).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certs/certs.h"
#include "json/json.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/time.h"

/* Nesting needed by the schema is 3 (root, names, one name); allow room for ignored members. */
#define CSR_MAX_DEPTH 16

int certs_key_spec_check(const char *algo, long long size, struct certs_key_spec *out, char *err,
                         size_t errlen)
{
    if (strcmp(algo, "rsa") == 0) {
        if (size < KG_CERTS_RSA_MIN_BITS) {
            snprintf(err, errlen, "RSA key size %lld is too weak (want %d to %d bits)", size,
                     KG_CERTS_RSA_MIN_BITS, KG_CERTS_RSA_MAX_BITS);
            return -EINVAL;
        }
        if (size > KG_CERTS_RSA_MAX_BITS) {
            snprintf(err, errlen, "RSA key size %lld is too large (want %d to %d bits)", size,
                     KG_CERTS_RSA_MIN_BITS, KG_CERTS_RSA_MAX_BITS);
            return -EINVAL;
        }
        out->type = KG_X509_KEY_RSA;
        out->bits = (unsigned)size;
        return 0;
    }
    if (strcmp(algo, "ecdsa") == 0) {
        if (size != 256 && size != 384 && size != 521) {
            snprintf(err, errlen, "invalid ECDSA curve size %lld (want 256, 384 or 521)", size);
            return -EINVAL;
        }
        out->type = KG_X509_KEY_EC;
        out->bits = (unsigned)size;
        return 0;
    }
    snprintf(err, errlen, "unsupported algorithm \"%s\" (want \"rsa\" or \"ecdsa\")", algo);
    return -EINVAL;
}

int certs_key_generate(const struct certs_key_spec *spec, struct x509_key **out, char *err,
                       size_t errlen)
{
    if (spec->type == KG_X509_KEY_RSA)
        return x509_key_new_rsa(out, spec->bits, err, errlen);
    switch (spec->bits) {
    case 256:
        return x509_key_new_ec(out, KG_X509_P256, err, errlen);
    case 384:
        return x509_key_new_ec(out, KG_X509_P384, err, errlen);
    case 521:
        return x509_key_new_ec(out, KG_X509_P521, err, errlen);
    default:
        snprintf(err, errlen, "invalid ECDSA curve size %u", spec->bits);
        return -EINVAL;
    }
}

/* ---- decoding helpers ---- */

struct csr_parse {
    const char *label;
    char *err;
    size_t errlen;
};

static int fail(struct csr_parse *p, int rc, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(struct csr_parse *p, int rc, const char *field, const char *fmt, ...)
{
    char msg[KG_ERRBUF];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (field != NULL && field[0] != '\0')
        snprintf(p->err, p->errlen, "%s: %s: %s", p->label, field, msg);
    else
        snprintf(p->err, p->errlen, "%s: %s", p->label, msg);
    return rc;
}

static int ascii_casecmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y - 'A' + 'a');
        if (x != y)
            return x < y ? -1 : 1;
        if (x == 0)
            return 0;
    }
}

/* The member Go's decoder would store into field `name`: keys match ASCII case-insensitively,
 * and of several matches the last non-null one wins (a null leaves a Go string untouched).
 * NULL when absent or null. */
static const struct json_value *member(const struct json_value *obj, const char *name)
{
    struct json_iter it;
    const char *k;
    const struct json_value *v, *found = NULL;

    json_iter_init(&it, obj);
    while (json_iter_next(&it, &k, &v)) {
        if (ascii_casecmp(k, name) == 0 && json_kind(v) != JSON_NULL)
            found = v;
    }
    return found;
}

static int want_kind(struct csr_parse *p, const struct json_value *v, enum json_kind kind,
                     const char *field)
{
    if (json_kind(v) == kind)
        return 0;
    return fail(p, -EINVAL, field, "expected %s %s, got %s",
                kind == JSON_OBJECT || kind == JSON_ARRAY ? "an" : "a", json_kind_name(kind),
                json_kind_name(json_kind(v)));
}

/* A string value copied out; -EINVAL for another type, a NUL inside, or over-long text. */
static int get_str(struct csr_parse *p, const struct json_value *v, const char *field, char **out)
{
    const char *s;
    size_t len;
    int rc = want_kind(p, v, JSON_STRING, field);
    if (rc)
        return rc;
    /* fail() returns rc, but the analyzer does not follow variadic calls: return rc itself so it
     * sees that every error path leaves *out unwritten with a non-zero result. */
    rc = json_get_string(v, "", &s, &len, NULL, 0);
    if (rc) {
        fail(p, rc, field, "unreadable string");
        return rc;
    }
    if (strlen(s) != len) {
        fail(p, -EINVAL, field, "contains a NUL character");
        return -EINVAL;
    }
    if (len > KG_MAX_X509_STRING) {
        fail(p, -E2BIG, field, "longer than %d bytes", KG_MAX_X509_STRING);
        return -E2BIG;
    }
    *out = xstrndup(s, len);
    return 0;
}

/* Appends a non-empty value to a NULL-terminated-or-full subject list (cfssl appendIf). */
static int add_name_value(struct csr_parse *p, char **list, char *s, const char *field)
{
    if (s[0] == '\0') {
        free(s);
        return 0;
    }
    for (size_t i = 0; i < KG_MAX_X509_NAME_VALUES; i++) {
        if (list[i] == NULL) {
            list[i] = s;
            return 0;
        }
    }
    free(s);
    return fail(p, -E2BIG, field, "more than %d values of this attribute", KG_MAX_X509_NAME_VALUES);
}

static int parse_key(struct csr_parse *p, const struct json_value *kv, struct certs_csr *out)
{
    const struct json_value *algo_v, *size_v;
    const char *algo = "";
    char *algo_copy = NULL, msg[KG_ERRBUF];
    int64_t size = 0;
    int rc = want_kind(p, kv, JSON_OBJECT, "key");
    if (rc)
        return rc;

    algo_v = member(kv, "algo");
    if (algo_v != NULL) {
        rc = get_str(p, algo_v, "key.algo", &algo_copy);
        if (rc)
            goto out;
        algo = algo_copy;
    }
    size_v = member(kv, "size");
    if (size_v != NULL) {
        /* Go decodes an int field from an integer literal only (2048.0 and 2e3 are errors). */
        if (json_kind(size_v) != JSON_INT) {
            rc = fail(p, -EINVAL, "key.size", "expected an integer, got %s",
                      json_kind(size_v) == JSON_DOUBLE ? "a fractional or out-of-range number"
                                                       : json_kind_name(json_kind(size_v)));
            goto out;
        }
        rc = json_get_int64(size_v, "", &size, NULL, 0);
        if (rc) {
            rc = fail(p, -EINVAL, "key.size", "integer out of range");
            goto out;
        }
    }
    rc = certs_key_spec_check(algo, (long long)size, &out->key, msg, sizeof(msg));
    if (rc) {
        int bad_algo = strcmp(algo, "rsa") != 0 && strcmp(algo, "ecdsa") != 0;
        rc = fail(p, rc, bad_algo ? "key.algo" : "key.size", "%s", msg);
        goto out;
    }
    out->has_key = 1;
out:
    free(algo_copy);
    return rc;
}

static int parse_names(struct csr_parse *p, const struct json_value *arr, struct certs_csr *out,
                       size_t *nonempty_entries)
{
    static const char *const attrs[] = { "C", "ST", "L", "O", "OU" };
    char *(*lists[])[KG_MAX_X509_NAME_VALUES] = { &out->c, &out->st, &out->l, &out->o, &out->ou };
    size_t n;
    int rc = want_kind(p, arr, JSON_ARRAY, "names");
    if (rc)
        return rc;
    n = json_array_len(arr);
    for (size_t i = 0; i < n; i++) {
        const struct json_value *ent = json_array_at(arr, i);
        char field[64];
        int any = 0;
        snprintf(field, sizeof(field), "names[%zu]", i);
        if (json_kind(ent) == JSON_NULL)
            continue;
        rc = want_kind(p, ent, JSON_OBJECT, field);
        if (rc)
            return rc;
        for (size_t a = 0; a < sizeof(attrs) / sizeof(attrs[0]); a++) {
            const struct json_value *v = member(ent, attrs[a]);
            char *s = NULL;
            if (v == NULL)
                continue;
            snprintf(field, sizeof(field), "names[%zu].%s", i, attrs[a]);
            rc = get_str(p, v, field, &s);
            if (rc)
                return rc;
            if (s[0] != '\0')
                any = 1;
            rc = add_name_value(p, *lists[a], s, field);
            if (rc)
                return rc;
        }
        if (!any && out->cn[0] == '\0') {
            /* cfssl's gencert validator: without a CN, every name must say something. */
            snprintf(field, sizeof(field), "names[%zu]", i);
            return fail(p, -EINVAL, field, "empty name (and no CN)");
        }
        if (any)
            (*nonempty_entries)++;
    }
    return 0;
}

static int is_ip(const char *s)
{
    unsigned char b[16];
    return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

static int parse_hosts(struct csr_parse *p, const struct json_value *arr, struct certs_csr *out)
{
    size_t n;
    int rc = want_kind(p, arr, JSON_ARRAY, "hosts");
    if (rc)
        return rc;
    n = json_array_len(arr);
    if (n > KG_MAX_CERTS_HOSTS)
        return fail(p, -E2BIG, "hosts", "%zu entries (at most %d)", n, KG_MAX_CERTS_HOSTS);
    out->dns = xcalloc(n ? n : 1, sizeof(char *));
    out->ips = xcalloc(n ? n : 1, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        char field[32], *s = NULL;
        snprintf(field, sizeof(field), "hosts[%zu]", i);
        rc = get_str(p, json_array_at(arr, i), field, &s);
        if (rc)
            return rc;
        if (s[0] == '\0') {
            free(s);
            return fail(p, -EINVAL, field, "empty host");
        }
        if (is_ip(s)) {
            out->ips[out->n_ips++] = s;
        } else if (strpbrk(s, "@:/ ") != NULL) {
            rc = fail(p, -EINVAL, field,
                      "\"%s\" is not a DNS name or IP address (email and URI SANs are not "
                      "supported)",
                      s);
            free(s);
            return rc;
        } else {
            out->dns[out->n_dns++] = s;
        }
    }
    return 0;
}

static int parse_ca(struct csr_parse *p, const struct json_value *ca, struct certs_csr *out)
{
    const struct json_value *v;
    char *s = NULL;
    int64_t ns = 0;
    int rc = want_kind(p, ca, JSON_OBJECT, "ca");
    if (rc)
        return rc;
    v = member(ca, "expiry");
    if (v == NULL)
        return 0;
    rc = get_str(p, v, "ca.expiry", &s);
    if (rc)
        return rc;
    if (s[0] != '\0') {
        rc = time_parse_duration(s, &ns);
        if (rc)
            rc = fail(p, -EINVAL, "ca.expiry", "invalid duration \"%s\" (want e.g. \"43800h\")", s);
        else if (ns < 1000000000LL)
            rc = fail(p, -EINVAL, "ca.expiry", "duration \"%s\" is not positive", s);
        if (rc == 0) {
            out->has_ca_expiry = 1;
            out->ca_expiry_s = ns / 1000000000LL;
        }
    }
    free(s);
    return rc;
}

void certs_csr_cleanup(struct certs_csr *csr)
{
    if (csr == NULL)
        return;
    free(csr->cn);
    for (size_t i = 0; i < KG_MAX_X509_NAME_VALUES; i++) {
        free(csr->c[i]);
        free(csr->st[i]);
        free(csr->l[i]);
        free(csr->o[i]);
        free(csr->ou[i]);
    }
    for (size_t i = 0; i < csr->n_dns; i++)
        free(csr->dns[i]);
    for (size_t i = 0; i < csr->n_ips; i++)
        free(csr->ips[i]);
    free(csr->dns);
    free(csr->ips);
    memset(csr, 0, sizeof(*csr));
}

int certs_csr_parse(const void *data, size_t len, const char *label, struct certs_csr *out,
                    char *err, size_t errlen)
{
    struct csr_parse p = { .label = label ? label : "CSR" };
    struct json_doc *doc = NULL;
    const struct json_value *root, *v;
    char jerr[KG_ERRBUF];
    size_t names = 0;
    int rc;

    /* messages go to the caller's buffer, or to jerr when it gave none */
    if (err != NULL && errlen > 0) {
        p.err = err;
        p.errlen = errlen;
    } else {
        p.err = jerr;
        p.errlen = sizeof(jerr);
    }
    memset(out, 0, sizeof(*out));
    out->key.type = KG_X509_KEY_EC; /* cfssl's default key request: ECDSA P-256 */
    out->key.bits = 256;

    if (len > KG_MAX_CERTS_CSR_FILE) {
        rc = fail(&p, -E2BIG, NULL, "%zu bytes (at most %u)", len, KG_MAX_CERTS_CSR_FILE);
        goto out;
    }
    rc = json_parse_limits(data, len, KG_MAX_CERTS_CSR_FILE, CSR_MAX_DEPTH, &doc, jerr,
                           sizeof(jerr));
    if (rc) {
        rc = fail(&p, rc == -E2BIG ? -E2BIG : -EINVAL, NULL, "%s", jerr);
        goto out;
    }
    root = json_doc_root(doc);
    rc = want_kind(&p, root, JSON_OBJECT, NULL);
    if (rc)
        goto out;

    v = member(root, "CN");
    if (v != NULL) {
        rc = get_str(&p, v, "CN", &out->cn);
        if (rc)
            goto out;
    } else {
        out->cn = xstrdup("");
    }
    v = member(root, "key");
    if (v != NULL) {
        rc = parse_key(&p, v, out);
        if (rc)
            goto out;
    }
    v = member(root, "names");
    if (v != NULL) {
        rc = parse_names(&p, v, out, &names);
        if (rc)
            goto out;
    }
    if (out->cn[0] == '\0' && names == 0) {
        rc = fail(&p, -EINVAL, NULL, "missing subject information (no CN and no names)");
        goto out;
    }
    v = member(root, "hosts");
    if (v != NULL) {
        rc = parse_hosts(&p, v, out);
        if (rc)
            goto out;
    }
    v = member(root, "ca");
    if (v != NULL) {
        rc = parse_ca(&p, v, out);
        if (rc)
            goto out;
    }
out:
    json_doc_free(doc);
    if (rc)
        certs_csr_cleanup(out);
    return rc;
}

int certs_csr_load(const char *path, struct certs_csr *out, char *err, size_t errlen)
{
    struct buf b;
    char rerr[KG_ERRBUF];
    int rc;

    memset(out, 0, sizeof(*out));
    buf_init(&b, KG_MAX_CONFIG_FILE);
    rc = x509_read_file(path, &b, rerr, sizeof(rerr));
    if (rc) {
        snprintf(err, errlen, "%s", rerr);
        goto out;
    }
    rc = certs_csr_parse(b.ptr ? b.ptr : "", b.len, path, out, err, errlen);
out:
    buf_cleanup(&b);
    return rc;
}

void certs_csr_name(const struct certs_csr *csr, const char *cn, struct x509_name *out)
{
    memset(out, 0, sizeof(*out));
    out->cn = cn ? cn : csr->cn;
    for (size_t i = 0; i < KG_MAX_X509_NAME_VALUES; i++) {
        out->c[i] = csr->c[i];
        out->st[i] = csr->st[i];
        out->l[i] = csr->l[i];
        out->o[i] = csr->o[i];
        out->ou[i] = csr->ou[i];
    }
}
