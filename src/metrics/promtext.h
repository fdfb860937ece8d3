/*
 * Prometheus text exposition format (version 0.0.4), the format of kubelet /metrics/resource:
 * a zero-copy, allocation-free tokenizer and series parser.
 *
 * The input is read line by line. promtext_next() classifies each line (series, # HELP,
 * # TYPE, other comment; blank lines are skipped) and isolates the metric name, which is all a
 * consumer needs to decide whether it cares. Only then does promtext_parse_series() parse the
 * labels, the value and the optional timestamp of a series line. Every span points into the
 * caller's input, which must stay alive and unchanged while spans are used.
 *
 * Grammar accepted (what Prometheus' own text parser accepts, minus the exotic corners noted):
 *   series   = [blanks] name [blanks] ["{" [label {"," label} [","]] "}"] blanks value
 *              [blanks timestamp] [blanks]
 *   label    = [blanks] lname [blanks] "=" [blanks] '"' escaped-UTF-8 '"' [blanks]
 *   name     = [a-zA-Z_:][a-zA-Z0-9_:]*      lname = [a-zA-Z_][a-zA-Z0-9_]*
 *   escapes in label values: \\  \"  \n  (anything else after a backslash is an error)
 *   value    = Go strconv.ParseFloat decimal syntax: [+-] digits [. digits] [(e|E) [+-] digits]
 *              (".5" and "5." too), or NaN / [+-]Inf / [+-]Infinity in any letter case.
 *              Hexadecimal floats and "_" digit separators are not accepted (no exporter
 *              writes them). A finite literal beyond the double range is an error, as in Go.
 *   timestamp = decimal digits (int64 milliseconds since the epoch; no sign: the reference
 *              parser rejects negative timestamps too)
 *   "# HELP name [docstring]", "# TYPE name counter|gauge|histogram|summary|untyped";
 *   any other line starting with '#' is a comment. blanks are spaces and tabs. Lines end with
 *   "\n" (a "\r" before it is tolerated); the last line may lack its newline.
 *
 * Errors are per line: a malformed line yields a negative return with a message naming the
 * line number and what was wrong, and the parser is already positioned on the next line, so a
 * consumer may skip the line and go on (kgauge loses only the affected series) or stop (the
 * reference metrics-server fails the whole scrape).
 */
#ifndef KGAUGE_METRICS_PROMTEXT_H
#define KGAUGE_METRICS_PROMTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Labels one series may carry (kubelet resource series carry 3; more is hostile input). */
#define KG_MAX_PROMTEXT_LABELS 64
/* Longest value token (a float64 needs < 30 characters; anything longer is rejected). */
#define KG_MAX_PROMTEXT_VALUE 128

struct promtext_span {
    const char *ptr;
    size_t len;
};

enum promtext_kind {
    PROMTEXT_SERIES,
    PROMTEXT_HELP,
    PROMTEXT_TYPE,
    PROMTEXT_COMMENT,
};

enum promtext_type {
    PROMTEXT_TYPE_NONE, /* not a TYPE line */
    PROMTEXT_TYPE_COUNTER,
    PROMTEXT_TYPE_GAUGE,
    PROMTEXT_TYPE_HISTOGRAM,
    PROMTEXT_TYPE_SUMMARY,
    PROMTEXT_TYPE_UNTYPED,
};

/* Parser state; initialise with promtext_init. Fields are private. */
struct promtext_parser {
    const char *cur;
    const char *end;
    size_t lineno;
};

struct promtext_line {
    enum promtext_kind kind;
    size_t lineno;             /* 1-based line number in the input */
    struct promtext_span text; /* the whole line, without its "\n" / "\r\n" */
    struct promtext_span name; /* SERIES, HELP, TYPE: the metric name */
    /* SERIES: everything after the name ("{...} value ts"); HELP: the docstring as written
     * (escapes \\ and \n not decoded, see promtext_unescape); TYPE: the type word;
     * COMMENT: the text after '#'. */
    struct promtext_span rest;
    enum promtext_type type; /* TYPE lines */
};

struct promtext_label {
    struct promtext_span name;
    struct promtext_span value; /* raw, between the quotes */
    bool escaped;               /* value holds backslash escapes: decode with promtext_unescape */
};

struct promtext_series {
    struct promtext_label labels[KG_MAX_PROMTEXT_LABELS]; /* in input order */
    size_t nlabels;
    double value;         /* may be NaN or +-Inf */
    int64_t timestamp_ms; /* valid when has_timestamp */
    bool has_timestamp;
};

void promtext_init(struct promtext_parser *p, const void *data, size_t len);

/*
 * Reads the next non-blank line. Returns 1 with *line filled; 0 at the end of the input; or
 * -EINVAL for a malformed line (bad metric name, HELP/TYPE without a name, unknown TYPE), with
 * line->lineno and line->text set and the detail in err. The parser moves past the line in
 * every case.
 */
int promtext_next(struct promtext_parser *p, struct promtext_line *line, char *err, size_t errlen);

/*
 * Parses labels, value and timestamp of a SERIES line from promtext_next. Returns 0, or
 * -EINVAL with "line N: ..." in err (bad label syntax or escape, invalid UTF-8, a label name
 * repeated, more than KG_MAX_PROMTEXT_LABELS labels, missing or malformed value, malformed or
 * out-of-range timestamp, trailing text). *s is fully written only on success.
 */
int promtext_parse_series(const struct promtext_line *line, struct promtext_series *s, char *err,
                          size_t errlen);

/* The label called name (NUL-terminated), or NULL. */
const struct promtext_label *promtext_label(const struct promtext_series *s, const char *name);

/*
 * Decodes \\ \" \n in len bytes at in into out (room for len bytes; no NUL is added) and
 * returns the decoded length. Other backslash sequences are copied as they are (that is how
 * Prometheus treats a HELP docstring; label values never contain them after parsing).
 */
size_t promtext_unescape(const char *in, size_t len, char *out);

/* Parses a value token with the grammar above. Returns 0, or -EINVAL (syntax) / -ERANGE
 * (finite literal beyond the double range). */
int promtext_parse_value(const char *s, size_t len, double *out);

#endif
