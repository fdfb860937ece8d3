/*
 * Unit tests for src/kube/labels.
 *
 * Expected values come from Kubernetes, not from running this code:
 *   [st]  k8s.io/apimachinery v0.36.3 pkg/labels/selector_test.go tables, cited by test name
 *         (TestSelectorParse, TestSelectorMatches, TestSetSelectorParser, TestToString,
 *         TestRequirementSelectorMatching, TestRequiresExactMatch, TestLexer...);
 *   [go]  hand-derived from the v0.36.3 sources: labels/selector.go (lexer, parser and error
 *         texts), api/validate/content/{kube,dns,errors}.go (validation texts),
 *         util/validation/field/{errors,path}.go (`<path>: Invalid value: %q: detail`),
 *         util/errors/errors.go (aggregate "[a, b]"), strconv.Quote's documented rules;
 *   [kg]  kgauge's documented bounds (KG_MAX_SELECTOR_LEN, KG_MAX_SELECTOR_TERMS).
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kube/labels.h"
#include "util/buf.h"
#include "util/limits.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Message fragments, spelled out independently from content/kube.go and content/dns.go. */
#define NAME_MSG                                                                                   \
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "    \
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "         \
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
#define VALUE_MSG                                                                                  \
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "    \
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "             \
    "'my_value',  or '12345', regex used for validation is "                                       \
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
#define DNS_MSG                                                                                    \
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "   \
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "  \
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
#define INT_MSG "for 'Gt', 'Lt' operators, the value must be an integer"
#define REQ "unable to parse requirement: "

static struct labels_selector *parse_n(const char *s, size_t n)
{
    char err[KG_SELECTOR_ERRBUF];
    struct labels_selector *sel = NULL;
    int rc = labels_selector_parse(&sel, s, n, err, sizeof(err));
    if (rc != 0)
        fail_msg("parse '%s' failed (%d): %s", s, rc, err);
    assert_non_null(sel);
    assert_string_equal(err, "");
    return sel;
}

static struct labels_selector *parse(const char *s)
{
    return parse_n(s, strlen(s));
}

/* String() of s, into a static buffer */
static const char *restring(const char *s)
{
    static char out[KG_MAX_SELECTOR_LEN * 2];
    struct labels_selector *sel = parse(s);
    struct buf b;
    buf_init(&b, sizeof(out) - 1);
    assert_int_equal(labels_selector_format(sel, &b), 0);
    memcpy(out, buf_str(&b), buf_len(&b) + 1);
    buf_cleanup(&b);
    labels_selector_free(sel);
    return out;
}

static void expect_err_n(const char *s, size_t n, int want_rc, const char *want)
{
    char err[KG_SELECTOR_ERRBUF];
    struct labels_selector *sel = (struct labels_selector *)&err; /* must be reset to NULL */
    int rc = labels_selector_parse(&sel, s, n, err, sizeof(err));
    if (rc != want_rc)
        fail_msg("parse '%s': rc %d, want %d (%s)", s, rc, want_rc, rc ? err : "");
    assert_null(sel);
    if (want && strcmp(err, want) != 0)
        fail_msg("parse '%s':\n got  %s\n want %s", s, err, want);
}

static void expect_err(const char *s, const char *want)
{
    expect_err_n(s, strlen(s), -EINVAL, want);
}

/* [st] TestSelectorParse: good strings re-string to themselves without spaces; bad ones fail. */
static void test_selector_parse(void **state)
{
    (void)state;
    static const char *const good[] = {
        "x=a,y=b,z=c", "", "x!=a,y=b", "x=", "x= ", "x=,z= ", "x= ,z= ", "!x", "x>1", "x>1,z<5",
    };
    static const char *const bad[] = { "x=a||y=b", "x==a==b", "!x=a", "x<a" };
    for (size_t i = 0; i < N_ELEMS(good); i++) {
        char want[64];
        size_t k = 0;
        for (const char *p = good[i]; *p; p++)
            if (*p != ' ')
                want[k++] = *p;
        want[k] = '\0';
        assert_string_equal(restring(good[i]), want);
    }
    for (size_t i = 0; i < N_ELEMS(bad); i++)
        expect_err(bad[i], NULL);
}

/* [st] TestDeterministicParse; sort by key [go parse: sort.Sort(ByKey)] */
static void test_deterministic(void **state)
{
    (void)state;
    assert_string_equal(restring("x=a,a=x"), "a=x,x=a");
    assert_string_equal(restring("a=x,x=a"), "a=x,x=a");
    /* equal keys keep input order (Go: insertion sort below 13 elements) */
    assert_string_equal(restring("z,z!=a"), "z,z!=a");
    assert_string_equal(restring("z!=a,b,z"), "b,z!=a,z");
}

struct req_want {
    const char *key;
    enum labels_op op;
    const char *values[6]; /* NULL-terminated, sorted */
};

static void expect_reqs(const char *s, const struct req_want *want, size_t n)
{
    struct labels_selector *sel = parse(s);
    assert_int_equal(labels_selector_count(sel), n);
    assert_int_equal(labels_selector_empty(sel), n == 0);
    for (size_t i = 0; i < n; i++) {
        const struct labels_requirement *r = labels_selector_get(sel, i);
        size_t nv = 0;
        assert_string_equal(r->key, want[i].key);
        assert_int_equal(r->op, want[i].op);
        while (want[i].values[nv])
            nv++;
        assert_int_equal(r->nvalues, nv);
        for (size_t j = 0; j < nv; j++)
            assert_string_equal(r->values[j], want[i].values[j]);
    }
    labels_selector_free(sel);
}

/* [st] TestSetSelectorParser, valid rows (expected requirements in key order). */
static void test_set_selector_parser_valid(void **state)
{
    (void)state;
    expect_reqs("", NULL, 0);
    expect_reqs("\rx", (struct req_want[]){ { "x", LABELS_OP_EXISTS, { NULL } } }, 1);
    expect_reqs("this-is-a-dns.domain.com/key-with-dash",
                (struct req_want[]){
                    { "this-is-a-dns.domain.com/key-with-dash", LABELS_OP_EXISTS, { 0 } } },
                1);
    expect_reqs("this-is-another-dns.domain.com/key-with-dash in (so,what)",
                (struct req_want[]){ { "this-is-another-dns.domain.com/key-with-dash",
                                       LABELS_OP_IN,
                                       { "so", "what", NULL } } },
                1);
    expect_reqs(
        "0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
        (struct req_want[]){
            { "0.1.2.domain/99", LABELS_OP_NOT_IN, { "10.10.100.1", "tick.tack.clock", NULL } } },
        1);
    expect_reqs("foo  in\t (abc)", (struct req_want[]){ { "foo", LABELS_OP_IN, { "abc", NULL } } },
                1);
    expect_reqs("x notin\n (abc)",
                (struct req_want[]){ { "x", LABELS_OP_NOT_IN, { "abc", NULL } } }, 1);
    expect_reqs("x  notin\t\t\t(abc,def)",
                (struct req_want[]){ { "x", LABELS_OP_NOT_IN, { "abc", "def", NULL } } }, 1);
    expect_reqs("x in (abc,def)",
                (struct req_want[]){ { "x", LABELS_OP_IN, { "abc", "def", NULL } } }, 1);
    expect_reqs("x in (abc,)", (struct req_want[]){ { "x", LABELS_OP_IN, { "", "abc", NULL } } },
                1);
    expect_reqs("x in (abc,abc)", (struct req_want[]){ { "x", LABELS_OP_IN, { "abc", NULL } } }, 1);
    expect_reqs("x in ()", (struct req_want[]){ { "x", LABELS_OP_IN, { "", NULL } } }, 1);
    expect_reqs("x in (a,,)", (struct req_want[]){ { "x", LABELS_OP_IN, { "", "a", NULL } } }, 1);
    expect_reqs("x in (a,,,)", (struct req_want[]){ { "x", LABELS_OP_IN, { "", "a", NULL } } }, 1);
    expect_reqs("x in (a,,,,,,)", (struct req_want[]){ { "x", LABELS_OP_IN, { "", "a", NULL } } },
                1);
    expect_reqs("x in (a,,a,,a,,a,,)",
                (struct req_want[]){ { "x", LABELS_OP_IN, { "", "a", NULL } } }, 1);
    expect_reqs("x notin (abc,,def),bar,z in (),w",
                (struct req_want[]){ { "bar", LABELS_OP_EXISTS, { NULL } },
                                     { "w", LABELS_OP_EXISTS, { NULL } },
                                     { "x", LABELS_OP_NOT_IN, { "", "abc", "def", NULL } },
                                     { "z", LABELS_OP_IN, { "", NULL } } },
                4);
    expect_reqs("x,y in (a)",
                (struct req_want[]){ { "x", LABELS_OP_EXISTS, { NULL } },
                                     { "y", LABELS_OP_IN, { "a", NULL } } },
                2);
    expect_reqs("x=a", (struct req_want[]){ { "x", LABELS_OP_EQUALS, { "a", NULL } } }, 1);
    expect_reqs("x>1", (struct req_want[]){ { "x", LABELS_OP_GT, { "1", NULL } } }, 1);
    expect_reqs("x<7", (struct req_want[]){ { "x", LABELS_OP_LT, { "7", NULL } } }, 1);
    expect_reqs("x=a,y!=b",
                (struct req_want[]){ { "x", LABELS_OP_EQUALS, { "a", NULL } },
                                     { "y", LABELS_OP_NOT_EQUALS, { "b", NULL } } },
                2);
    expect_reqs("x=a,y!=b,z in (h,i,j)",
                (struct req_want[]){ { "x", LABELS_OP_EQUALS, { "a", NULL } },
                                     { "y", LABELS_OP_NOT_EQUALS, { "b", NULL } },
                                     { "z", LABELS_OP_IN, { "h", "i", "j", NULL } } },
                3);
    expect_reqs("x notin ( )", (struct req_want[]){ { "x", LABELS_OP_NOT_IN, { "", NULL } } }, 1);
    expect_reqs("x notin (, a)",
                (struct req_want[]){ { "x", LABELS_OP_NOT_IN, { "", "a", NULL } } }, 1);
    expect_reqs("a ", (struct req_want[]){ { "a", LABELS_OP_EXISTS, { NULL } } }, 1);
    expect_reqs(
        "a in (x,y,notin, z,in)",
        (struct req_want[]){ { "a", LABELS_OP_IN, { "in", "notin", "x", "y", "z", NULL } } }, 1);
    /* [go] keywords are identifiers where a key or value is expected */
    expect_reqs("in in (in)", (struct req_want[]){ { "in", LABELS_OP_IN, { "in", NULL } } }, 1);
    expect_reqs("notin=in", (struct req_want[]){ { "notin", LABELS_OP_EQUALS, { "in", NULL } } },
                1);
    expect_reqs("!notin", (struct req_want[]){ { "notin", LABELS_OP_DOES_NOT_EXIST, { NULL } } },
                1);
    expect_reqs("x==y", (struct req_want[]){ { "x", LABELS_OP_DOUBLE_EQUALS, { "y", NULL } } }, 1);
}

/* [st] TestSetSelectorParser invalid rows, with the messages derived from selector.go [go]. */
static void test_set_selector_parser_invalid(void **state)
{
    (void)state;
    expect_err("x=a||y=b", REQ "values[0][x]: Invalid value: \"a||y\": " VALUE_MSG);
    expect_err("x,,y", "found ',', expected: identifier after ','");
    expect_err(",x,y", "found ',', expected: !, identifier, or 'end of string'");
    expect_err("x nott in (y)", REQ "found 'nott', expected: in, notin, =, ==, !=, gt, lt");
    expect_err("a in (xyz),", "found '', expected: identifier after ','");
    expect_err("a in (xyz)b notin ()", "found 'b', expected: ',' or 'end of string'");
    expect_err("a in (xyz abc)", REQ "found 'abc', expected: ',' or ')'");
    expect_err("a notin(", REQ "found '', expected: ',', ')' or identifier");
    expect_err("a (", REQ "found '(', expected: in, notin, =, ==, !=, gt, lt");
    expect_err("(", "found '(', expected: !, identifier, or 'end of string'");
    /* TestSelectorParse bad strings */
    expect_err("x==a==b", "found '==', expected: ',' or 'end of string'");
    expect_err("!x=a", "found '=', expected: ',' or 'end of string'");
    expect_err("x<a", REQ "values[0]: Invalid value: \"a\": " INT_MSG);
    /* TestParseOperator: "!" and "exists" are not binary operators */
    expect_err("x !", REQ "found '!', expected: in, notin, =, ==, !=, gt, lt");
    expect_err("x exists", REQ "found 'exists', expected: in, notin, =, ==, !=, gt, lt");
    /* [go] more paths through the parser */
    expect_err("x in a", REQ "found 'a' expected: '('");
    expect_err("x in (a in)", REQ "found 'in', expected: ',' or ')'");
    expect_err("x in (a,=)", REQ "found '=', expected: ',', or identifier");
    expect_err("x in (=)", REQ "found '=', expected: ',', ')' or identifier");
    expect_err("x!==a", REQ "found '=', expected: identifier");
    expect_err("x>=1", REQ "found '=', expected: identifier");
    expect_err("x=(a)", REQ "found '(', expected: identifier");
    expect_err("!", REQ "found '', expected: identifier");
    expect_err("!!x", REQ "found '!', expected: identifier");
    expect_err("x y", REQ "found 'y', expected: in, notin, =, ==, !=, gt, lt");
    expect_err("x)", REQ "found ')', expected: in, notin, =, ==, !=, gt, lt");
    expect_err("x in (a),", "found '', expected: identifier after ','");
    expect_err("x,)", "found ')', expected: identifier after ','");
}

/* [go] content.IsLabelKey / IsLabelValue messages inside field.Invalid errors. */
static void test_validation_messages(void **state)
{
    (void)state;
    char key[400], sel[512], want[2048];

    expect_err("a_", REQ "<nil>: Invalid value: \"a_\": name part " NAME_MSG);
    expect_err("-a=b", REQ "<nil>: Invalid value: \"-a\": name part " NAME_MSG);
    expect_err("a/", REQ
               "<nil>: Invalid value: \"a/\": name part must be non-empty; name part " NAME_MSG);
    expect_err("/a", REQ "<nil>: Invalid value: \"/a\": prefix part must be non-empty");
    expect_err("Example.com/a",
               REQ "<nil>: Invalid value: \"Example.com/a\": prefix part " DNS_MSG);
    expect_err("a..b/c", REQ "<nil>: Invalid value: \"a..b/c\": prefix part " DNS_MSG);
    expect_err("a/b/c", REQ "<nil>: Invalid value: \"a/b/c\": a valid label key " NAME_MSG
                            " with an optional DNS subdomain prefix and '/' (e.g. "
                            "'example.com/MyName')");
    expect_err("/", REQ "<nil>: Invalid value: \"/\": prefix part must be non-empty; "
                        "name part must be non-empty; name part " NAME_MSG);

    /* name part: 63 bytes fine, 64 too long (the regex still matches) */
    memset(key, 'a', 63);
    key[63] = '\0';
    expect_reqs(key, (struct req_want[]){ { key, LABELS_OP_EXISTS, { NULL } } }, 1);
    memset(key, 'a', 64);
    key[64] = '\0';
    snprintf(want, sizeof(want),
             REQ "<nil>: Invalid value: \"%s\": name part must be no more "
                 "than 63 bytes",
             key);
    expect_err(key, want);
    /* prefix: 253 bytes fine, 254 too long [st TestRequirementConstructor uses 254] */
    memset(key, 'a', 253);
    memcpy(key + 253, "/b", 3);
    expect_reqs(key, (struct req_want[]){ { key, LABELS_OP_EXISTS, { NULL } } }, 1);
    memset(key, 'a', 254);
    memcpy(key + 254, "/b", 3);
    snprintf(want, sizeof(want),
             REQ "<nil>: Invalid value: \"%s\": prefix part must be no "
                 "more than 253 bytes",
             key);
    expect_err(key, want);

    /* values: 63 fine, 64 too long [st TestValidatedSelectorFromSet] */
    memset(key, 'v', 64);
    key[64] = '\0';
    snprintf(sel, sizeof(sel), "x=%.63s", key);
    expect_reqs(sel, (struct req_want[]){ { "x", LABELS_OP_EQUALS, { sel + 2, NULL } } }, 1);
    snprintf(sel, sizeof(sel), "Key=%s", key);
    snprintf(want, sizeof(want),
             REQ "values[0][Key]: Invalid value: \"%s\": must be no more "
                 "than 63 bytes",
             key);
    expect_err(sel, want);
    snprintf(sel, sizeof(sel), "Key=%s_", key);
    snprintf(want, sizeof(want),
             REQ "values[0][Key]: Invalid value: \"%s_\": must be no more "
                 "than 63 bytes; " VALUE_MSG,
             key);
    expect_err(sel, want);

    /* several invalid values: an aggregate, indexes into the sorted set */
    expect_err("x in (b_,a_,ok)", REQ "[values[0][x]: Invalid value: \"a_\": " VALUE_MSG
                                      ", values[1][x]: Invalid value: \"b_\": " VALUE_MSG "]");
    /* Gt/Lt: integer errors first, then label-value errors */
    expect_err("x>a_", REQ "[values[0]: Invalid value: \"a_\": " INT_MSG
                           ", values[0][x]: Invalid value: \"a_\": " VALUE_MSG "]");
    expect_err("x>", REQ "values[0]: Invalid value: \"\": " INT_MSG);
    expect_err("x>-1", REQ "values[0][x]: Invalid value: \"-1\": " VALUE_MSG);
    expect_err("x<1.5", REQ "values[0]: Invalid value: \"1.5\": " INT_MSG);
    expect_err("x>9223372036854775808",
               REQ "values[0]: Invalid value: \"9223372036854775808\": " INT_MSG);
    expect_reqs("x>9223372036854775807",
                (struct req_want[]){ { "x", LABELS_OP_GT, { "9223372036854775807", NULL } } }, 1);
    expect_reqs("x<007", (struct req_want[]){ { "x", LABELS_OP_LT, { "007", NULL } } }, 1);
    /* the key is checked before the operator */
    expect_err("a_ b", REQ "<nil>: Invalid value: \"a_\": name part " NAME_MSG);
}

/* [go] strconv.Quote rules as they show in messages (Go docs example: "\"Fran & Freddie's
 * Diner\"\t☺" quotes as "\"Fran & Freddie's Diner\"\t☺"). */
static void test_quote(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t n;
        const char *want;
    } cases[] = {
        { "\"Fran & Freddie's Diner\"\t\xe2\x98\xba", 0,
          "\"\\\"Fran & Freddie's Diner\\\"\\t\xe2\x98\xba\"" },
        { "", 0, "\"\"" },
        { "a\\b", 0, "\"a\\\\b\"" },
        { "\a\b\f\n\r\t\v", 0, "\"\\a\\b\\f\\n\\r\\t\\v\"" },
        { "\x00\x01\x1f\x7f", 4, "\"\\x00\\x01\\x1f\\x7f\"" },
        { "\xc3\xa9", 0, "\"\xc3\xa9\"" },                     /* é (Ll) */
        { "e\xcc\x81", 0, "\"e\xcc\x81\"" },                   /* U+0301 combining (Mn) */
        { "\xc2\x85", 0, "\"\\u0085\"" },                      /* NEL (Cc) */
        { "\xc2\xa0", 0, "\"\\u00a0\"" },                      /* NBSP (Zs) */
        { "\xc2\xad", 0, "\"\\u00ad\"" },                      /* soft hyphen (Cf) */
        { "\xe3\x80\x80", 0, "\"\\u3000\"" },                  /* ideographic space (Zs) */
        { "\xe2\x80\xa8", 0, "\"\\u2028\"" },                  /* line separator (Zl) */
        { "\xee\x80\x80", 0, "\"\\ue000\"" },                  /* private use (Co) */
        { "\xf0\x9f\x98\x80", 0, "\"\xf0\x9f\x98\x80\"" },     /* U+1F600 (So) */
        { "\xf3\xb0\x80\x80", 0, "\"\\U000f0000\"" },          /* plane-15 private use */
        { "\xf4\x8f\xbf\xbf", 0, "\"\\U0010ffff\"" },          /* noncharacter (Cn) */
        { "\xef\xbf\xbd", 0, "\"\xef\xbf\xbd\"" },             /* U+FFFD itself is printable */
        { "\x80", 0, "\"\\x80\"" },                            /* stray continuation byte */
        { "\xe2\x82", 0, "\"\\xe2\\x82\"" },                   /* truncated sequence */
        { "\xc0\x80", 0, "\"\\xc0\\x80\"" },                   /* overlong */
        { "\xed\xa0\x80", 0, "\"\\xed\\xa0\\x80\"" },          /* surrogate */
        { "\xf4\x90\x80\x80", 0, "\"\\xf4\\x90\\x80\\x80\"" }, /* > U+10FFFF */
        { "\xe0\x80\xaf", 0, "\"\\xe0\\x80\\xaf\"" },          /* overlong 3-byte */
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        struct buf b;
        size_t n = cases[i].n ? cases[i].n : strlen(cases[i].in);
        buf_init(&b, 1024);
        assert_int_equal(labels_quote(&b, cases[i].in, n), 0);
        assert_string_equal(buf_str(&b), cases[i].want);
        buf_cleanup(&b);
    }
    /* truncation reports -E2BIG */
    struct buf b;
    buf_init(&b, 4);
    assert_int_equal(labels_quote(&b, "abcdef", 6), -E2BIG);
    assert_string_equal(buf_str(&b), "\"abc");
    buf_cleanup(&b);

    /* quoting inside a parse error: \v and \f are not selector whitespace */
    expect_err("a\vb", REQ "<nil>: Invalid value: \"a\\vb\": name part " NAME_MSG);
    expect_err("\xc3\xa9", REQ "<nil>: Invalid value: \"\xc3\xa9\": name part " NAME_MSG);
    expect_err("x=\x80", REQ "values[0][x]: Invalid value: \"\\x80\": " VALUE_MSG);
}

/* [go] Lexer.read returns 0 for a NUL byte: it ends the token it is in, and where a token
 * would start it ends the selector. */
static void test_nul_bytes(void **state)
{
    (void)state;
    struct labels_selector *sel;
    struct buf b;

    buf_init(&b, 256);
    sel = parse_n("x \0y", 4);
    assert_int_equal(labels_selector_format(sel, &b), 0);
    assert_string_equal(buf_str(&b), "x");
    labels_selector_free(sel);

    buf_reset(&b);
    sel = parse_n("x=\0y", 4); /* "=" ends at the NUL, lexing resumes after it */
    assert_int_equal(labels_selector_format(sel, &b), 0);
    assert_string_equal(buf_str(&b), "x=y");
    labels_selector_free(sel);

    buf_cleanup(&b);
    expect_err_n("x=a\0,b_", 7, -EINVAL, REQ "<nil>: Invalid value: \"b_\": name part " NAME_MSG);
    expect_err_n("x\0y", 3, -EINVAL, REQ "found 'y', expected: in, notin, =, ==, !=, gt, lt");
    expect_reqs("\0garbage((", NULL, 0);
    sel = parse_n("\0garbage((", 10);
    assert_true(labels_selector_empty(sel));
    labels_selector_free(sel);
}

/* [st] TestToString (built by parsing equivalent input) */
static void test_to_string(void **state)
{
    (void)state;
    assert_string_equal(restring("x in (def,abc),y notin (jkl),z"),
                        "x in (abc,def),y notin (jkl),z");
    assert_string_equal(restring("x notin (abc,def),y!=jkl,!z"), "x notin (abc,def),y!=jkl,!z");
    assert_string_equal(restring("x notin (abc),y in (mno,jkl),z notin ()"),
                        "x notin (abc),y in (jkl,mno),z notin ()");
    assert_string_equal(restring("x=abc,y==jkl,z!=a,z"), "x=abc,y==jkl,z!=a,z");
    assert_string_equal(restring("x>2,y<8,z"), "x>2,y<8,z");
    /* [go] whitespace normalised, spaces around in/notin added */
    assert_string_equal(restring("  b  in(x , y)  ,a"), "a,b in (x,y)");
    assert_string_equal(restring("x in (,)"), "x in ()");
    assert_string_equal(restring("x in (a,)"), "x in (,a)");
}

struct match_case {
    const char *sel;
    struct label set[3];
    size_t n;
    bool match;
};

/* [st] TestSelectorMatches, TestRequirementSelectorMatching, TestEverything */
static void test_matches(void **state)
{
    (void)state;
    static const struct match_case cases[] = {
        { "", { { "x", "y" } }, 1, true },
        { "x=y", { { "x", "y" } }, 1, true },
        { "x=y,z=w", { { "x", "y" }, { "z", "w" } }, 2, true },
        { "x!=y,z!=w", { { "x", "z" }, { "z", "a" } }, 2, true },
        { "notin=in", { { "notin", "in" } }, 1, true },
        { "x", { { "x", "z" } }, 1, true },
        { "!x", { { "y", "z" } }, 1, true },
        { "x>1", { { "x", "2" } }, 1, true },
        { "x<1", { { "x", "0" } }, 1, true },
        { "x=z", { { NULL, NULL } }, 0, false },
        { "x=y", { { "x", "z" } }, 1, false },
        { "x=y,z=w", { { "x", "w" }, { "z", "w" } }, 2, false },
        { "x!=y,z!=w", { { "x", "z" }, { "z", "w" } }, 2, false },
        { "x", { { "y", "z" } }, 1, false },
        { "!x", { { "x", "z" } }, 1, false },
        { "x>1", { { "x", "0" } }, 1, false },
        { "x<1", { { "x", "2" } }, 1, false },
        { "foo=bar", { { "foo", "bar" }, { "baz", "blah" } }, 2, true },
        { "baz=blah", { { "foo", "bar" }, { "baz", "blah" } }, 2, true },
        { "foo=bar,baz=blah", { { "foo", "bar" }, { "baz", "blah" } }, 2, true },
        { "foo=blah", { { "foo", "bar" }, { "baz", "blah" } }, 2, false },
        { "baz=bar", { { "foo", "bar" }, { "baz", "blah" } }, 2, false },
        { "foo=bar,foobar=bar,baz=blah", { { "foo", "bar" }, { "baz", "blah" } }, 2, false },
        /* TestRequirementSelectorMatching */
        { "x in (foo),y notin (alpha)", { { "x", "foo" }, { "y", "baz" } }, 2, true },
        { "x in (foo),y in (alpha)", { { "x", "foo" }, { "y", "baz" } }, 2, false },
        { "x notin (),y", { { "y", "" } }, 1, true },
        { "!x,y", { { "y", "" } }, 1, true },
        { "x notin (),!y", { { "y", "" } }, 1, false },
        { "x in ()", { { "y", "baz" } }, 1, false },
        { "z>1", { { "z", "2" } }, 1, true },
        { "z>1", { { "z", "v2" } }, 1, false },
        /* [go] Requirement.Matches details */
        { "x in ()", { { "x", "" } }, 1, true },
        { "x=", { { "x", "" } }, 1, true },
        { "x!=a", { { NULL, NULL } }, 0, true },
        { "x notin (a)", { { NULL, NULL } }, 0, true },
        { "x>1", { { NULL, NULL } }, 0, false },
        { "x<1", { { "x", "-5" } }, 1, true }, /* label values parse with ParseInt */
        { "x>1", { { "x", "+5" } }, 1, true },
        { "x>1", { { "x", "" } }, 1, false },
        { "x<9223372036854775807", { { "x", "9223372036854775808" } }, 1, false },
        { "x>0", { { "x", "9223372036854775807" } }, 1, true },
        { "x<0", { { "x", "-9223372036854775808" } }, 1, true },
        { "x>0", { { "x", "1_0" } }, 1, false },
        { "x=a", { { "x", "a" }, { "x", "b" } }, 2, true }, /* first pair wins */
        { "x=b", { { "x", "a" }, { "x", "b" } }, 2, false },
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        struct labels_selector *sel = parse(cases[i].sel);
        if (labels_selector_matches(sel, cases[i].set, cases[i].n) != cases[i].match)
            fail_msg("case %zu: '%s' should %smatch", i, cases[i].sel,
                     cases[i].match ? "" : "not ");
        labels_selector_free(sel);
    }
    /* NULL selector: everything */
    struct label l = { "x", "y" };
    assert_true(labels_selector_matches(NULL, &l, 1));
    assert_true(labels_selector_matches(NULL, NULL, 0));
    assert_true(labels_selector_empty(NULL));
    assert_int_equal(labels_selector_count(NULL), 0);
}

/* [st] TestRequiresExactMatch */
static void test_requires_exact_match(void **state)
{
    (void)state;
    static const struct {
        const char *sel, *label;
        bool found;
        const char *value;
    } cases[] = {
        { "key in (value)", "key", true, "value" },
        { "key in (value,value2)", "key", false, NULL },
        { "key in (value,value1),key2 in (value2)", "key2", true, "value2" },
        { "key=value", "key", true, "value" },
        { "key==value", "key", true, "value" },
        { "key!=value", "key", false, NULL },
        { "key in (value),key2 in (value2)", "key", true, "value" },
        /* [go] only the first requirement on the key counts */
        { "key,key=value", "key", false, NULL },
        { "other=x", "key", false, NULL },
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        struct labels_selector *sel = parse(cases[i].sel);
        const char *v = NULL;
        assert_int_equal(labels_selector_requires_exact_match(sel, cases[i].label, &v),
                         cases[i].found);
        if (cases[i].found)
            assert_string_equal(v, cases[i].value);
        labels_selector_free(sel);
    }
}

static void test_equal_and_ops(void **state)
{
    (void)state;
    struct labels_selector *a = parse("b in (y,x),a"), *b = parse("a, b in (x,y,x)"),
                           *c = parse("a,b notin (x,y)"), *e = parse("  ");
    assert_true(labels_selector_equal(a, b));
    assert_false(labels_selector_equal(a, c));
    assert_false(labels_selector_equal(a, NULL));
    assert_true(labels_selector_equal(e, NULL));
    assert_true(labels_selector_empty(e));
    labels_selector_free(a);
    labels_selector_free(b);
    labels_selector_free(c);
    labels_selector_free(e);
    labels_selector_free(NULL);
    /* selection.Operator spellings */
    assert_string_equal(labels_op_name(LABELS_OP_EXISTS), "exists");
    assert_string_equal(labels_op_name(LABELS_OP_DOES_NOT_EXIST), "!");
    assert_string_equal(labels_op_name(LABELS_OP_EQUALS), "=");
    assert_string_equal(labels_op_name(LABELS_OP_DOUBLE_EQUALS), "==");
    assert_string_equal(labels_op_name(LABELS_OP_NOT_EQUALS), "!=");
    assert_string_equal(labels_op_name(LABELS_OP_IN), "in");
    assert_string_equal(labels_op_name(LABELS_OP_NOT_IN), "notin");
    assert_string_equal(labels_op_name(LABELS_OP_GT), "gt");
    assert_string_equal(labels_op_name(LABELS_OP_LT), "lt");
    /* parsed numbers */
    a = parse("x<0,y>42");
    assert_int_equal(labels_selector_get(a, 0)->number, 0);
    assert_int_equal(labels_selector_get(a, 1)->number, 42);
    labels_selector_free(a);
}

/* [kg] bounds: input length and number of requirements; err buffer handling. */
static void test_limits(void **state)
{
    (void)state;
    static char s[KG_MAX_SELECTOR_LEN + 2];
    struct labels_selector *sel;
    char small[16];
    size_t n = 0;

    /* exactly KG_MAX_SELECTOR_LEN bytes of a valid selector is fine */
    memset(s, ' ', KG_MAX_SELECTOR_LEN);
    s[0] = 'x';
    sel = parse_n(s, KG_MAX_SELECTOR_LEN);
    assert_int_equal(labels_selector_count(sel), 1);
    labels_selector_free(sel);
    expect_err_n(s, KG_MAX_SELECTOR_LEN + 1, -E2BIG, "label selector is longer than 8192 bytes");

    /* KG_MAX_SELECTOR_TERMS requirements pass, one more fails */
    for (int i = 0; i < KG_MAX_SELECTOR_TERMS; i++)
        n += (size_t)snprintf(s + n, sizeof(s) - n, "%sk%d", i ? "," : "", i);
    sel = parse_n(s, n);
    assert_int_equal(labels_selector_count(sel), KG_MAX_SELECTOR_TERMS);
    labels_selector_free(sel);
    n += (size_t)snprintf(s + n, sizeof(s) - n, ",k%d", KG_MAX_SELECTOR_TERMS);
    expect_err_n(s, n, -E2BIG, "label selector has more than 256 requirements");

    /* messages are truncated to the caller's buffer; NULL err is fine */
    sel = (struct labels_selector *)small;
    assert_int_equal(labels_selector_parse(&sel, "(", 1, small, sizeof(small)), -EINVAL);
    assert_null(sel);
    assert_string_equal(small, "found '(', expe");
    assert_int_equal(labels_selector_parse(&sel, "(", 1, NULL, 0), -EINVAL);
    assert_int_equal(labels_selector_parse(&sel, "(", 1, small, 1), -EINVAL);
    assert_string_equal(small, "");

    /* format into a too-small buffer */
    struct buf b;
    sel = parse("abc=def");
    buf_init(&b, 4);
    assert_int_equal(labels_selector_format(sel, &b), -E2BIG);
    buf_cleanup(&b);
    labels_selector_free(sel);
}

/* Percent-decoding of one query parameter value ('+' is a space). */
static size_t url_decode(const char *s, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n) {
            char hex[3] = { s[i + 1], s[i + 2], 0 };
            out[o++] = (char)strtol(hex, NULL, 16);
            i += 2;
        } else {
            out[o++] = s[i] == '+' ? ' ' : s[i];
        }
    }
    out[o] = '\0';
    return o;
}

/* Every labelSelector real kubectl sent in $KGAUGE_TESTDATA/kubectl-transcripts parses,
 * re-strings to itself and selects the pods it names. */
static void test_transcripts(void **state)
{
    (void)state;
    const char *dir = getenv("KGAUGE_TESTDATA");
    char path[2048], line[8192], sel_text[8192];
    DIR *top, *sub;
    struct dirent *d, *e;
    int seen = 0;

    if (!dir) {
        printf("skipping: KGAUGE_TESTDATA not set\n");
        skip();
    }
    snprintf(path, sizeof(path), "%s/kubectl-transcripts", dir);
    top = opendir(path);
    if (!top) {
        printf("skipping: %s not readable\n", path);
        skip();
    }
    while ((d = readdir(top)) != NULL && seen < 10000) {
        if (d->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/kubectl-transcripts/%s", dir, d->d_name);
        sub = opendir(path);
        if (!sub)
            continue;
        while ((e = readdir(sub)) != NULL) {
            FILE *f;
            if (e->d_name[0] == '.')
                continue;
            snprintf(path, sizeof(path), "%s/kubectl-transcripts/%s/%s", dir, d->d_name, e->d_name);
            f = fopen(path, "r");
            if (!f)
                continue;
            while (fgets(line, sizeof(line), f)) {
                const char *p = strstr(line, "labelSelector=");
                if (!p)
                    continue;
                p += strlen("labelSelector=");
                size_t n = strcspn(p, " &\r\n");
                url_decode(p, n, sel_text);
                struct label pod[] = { { "app", "x" }, { "pod-template-hash", "5d9c" } };
                struct label other[] = { { "app", "y" } };
                assert_string_equal(restring(sel_text), sel_text);
                struct labels_selector *sel = parse(sel_text);
                assert_true(labels_selector_matches(sel, pod, 2));
                assert_false(labels_selector_matches(sel, other, 1));
                labels_selector_free(sel);
                seen++;
            }
            fclose(f);
        }
        closedir(sub);
    }
    closedir(top);
    assert_true(seen > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_selector_parse),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_set_selector_parser_valid),
        cmocka_unit_test(test_set_selector_parser_invalid),
        cmocka_unit_test(test_validation_messages),
        cmocka_unit_test(test_quote),
        cmocka_unit_test(test_nul_bytes),
        cmocka_unit_test(test_to_string),
        cmocka_unit_test(test_matches),
        cmocka_unit_test(test_requires_exact_match),
        cmocka_unit_test(test_equal_and_ops),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_transcripts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
