/*
 * Fuzzes the JSON reader. Oracles: the validation pass and the full parse agree; every value
 * is reachable through the accessors without crashing; re-serialising a parsed document with
 * the writer and parsing that again gives the same bytes (write . parse is idempotent), in
 * compact and indented form.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "json/writer.h"
#include "util/assert.h"
#include "util/buf.h"
#include "util/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Touches every value through the checked accessors. */
static void walk(const struct json_value *v, int depth)
{
    char err[KG_ERRBUF];
    int64_t i;
    uint64_t u;
    int32_t i32;
    double d;
    bool b;
    const char *s;
    size_t len;
    const struct json_value *c;

    ASSERT(depth <= KG_MAX_JSON_DEPTH + 1);
    (void)json_get_int64(v, "", &i, err, sizeof(err));
    (void)json_get_uint64(v, "", &u, err, sizeof(err));
    (void)json_get_int32(v, "", &i32, err, sizeof(err));
    (void)json_opt_double(v, "", &d, err, sizeof(err));
    (void)json_opt_bool(v, "", &b, err, sizeof(err));
    if (json_get_string(v, "", &s, &len, err, sizeof(err)) == 0)
        ASSERT(s[len] == '\0');
    (void)json_opt_object(v, "", &c, err, sizeof(err));
    switch (json_kind(v)) {
    case JSON_ARRAY:
        for (size_t k = 0; k < json_array_len(v); k++)
            walk(json_array_at(v, k), depth + 1);
        ASSERT(json_array_at(v, json_array_len(v)) == NULL);
        (void)json_get_string(v, "[0].a.b[1]", &s, NULL, err, sizeof(err));
        break;
    case JSON_OBJECT: {
        struct json_iter it;
        const char *k;
        const struct json_value *m;
        size_t n = 0;
        json_iter_init(&it, v);
        while (json_iter_next(&it, &k, &m)) {
            ASSERT(json_member(v, k) != NULL);
            walk(m, depth + 1);
            n++;
        }
        ASSERT(n == json_object_count(v));
        (void)json_get_int64(v, "metadata.name", &i, err, sizeof(err));
        break;
    }
    default:
        break;
    }
}

static int write_doc(const struct json_doc *doc, const char *indent, struct buf *out)
{
    struct json_writer *w = json_writer_new(out);
    json_writer_set_indent(w, indent);
    int rc = json_writer_value(w, json_doc_root(doc));
    char err[KG_ERRBUF];
    int frc = json_writer_finish(w, err, sizeof(err));
    ASSERT(rc == frc);
    json_writer_free(w);
    return frc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[KG_ERRBUF], err2[KG_ERRBUF];
    struct json_doc *doc = NULL, *doc2 = NULL;
    struct buf a, b;

    int rc = json_parse(data, size, &doc, err, sizeof(err));
    int vrc = json_validate(data, size, KG_MAX_JSON_DOC, KG_MAX_JSON_DEPTH, err2, sizeof(err2));
    ASSERT(rc == vrc);
    if (rc) {
        ASSERT(doc == NULL);
        ASSERT(strcmp(err, err2) == 0);
        return 0;
    }
    walk(json_doc_root(doc), 0);

    for (int pretty = 0; pretty < 2; pretty++) {
        const char *indent = pretty ? "  " : "";
        buf_init(&a, KG_MAX_JSON_DOC);
        buf_init(&b, KG_MAX_JSON_DOC);
        /* only a non-finite double (e.g. 1e400) can make writing fail */
        if (write_doc(doc, indent, &a) == 0) {
            rc = json_parse(a.ptr, a.len, &doc2, err, sizeof(err));
            ASSERT(rc == 0);
            ASSERT(write_doc(doc2, indent, &b) == 0);
            ASSERT(a.len == b.len && memcmp(a.ptr, b.ptr, a.len) == 0);
            json_doc_free(doc2);
        }
        buf_cleanup(&a);
        buf_cleanup(&b);
    }
    json_doc_free(doc);
    return 0;
}
