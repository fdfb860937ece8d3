/*
 * Bounded growable byte buffer. Every buffer has a maximum size chosen by its owner (from
 * util/limits.h); appending past it fails with -E2BIG and leaves the content unchanged, so
 * a hostile peer cannot make kgauge grow without bound. The content is always NUL-terminated,
 * so text can be used as a C string; binary content may hold NULs.
 */
#ifndef KGAUGE_UTIL_BUF_H
#define KGAUGE_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
    char *ptr;  /* NULL until the first append */
    size_t len; /* bytes in use, excluding the terminating NUL */
    size_t cap; /* bytes allocated */
    size_t max; /* largest len allowed */
};

void buf_init(struct buf *b, size_t max);
void buf_cleanup(struct buf *b); /* frees memory; b can be reused after buf_init */
void buf_reset(struct buf *b);   /* len = 0, memory kept */

/* Return 0, or -E2BIG when the result would exceed max (content unchanged). */
int buf_append(struct buf *b, const void *data, size_t n);
int buf_appends(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Make room for n more bytes without changing len; returns a pointer to the free space. */
char *buf_reserve(struct buf *b, size_t n, int *err);
/* Commit n bytes written into space returned by buf_reserve. */
void buf_commit(struct buf *b, size_t n);
/* Drop the first n bytes (consumed input), moving the rest to the front. */
void buf_consume(struct buf *b, size_t n);

/* The content as a NUL-terminated string ("" when empty; valid until the next change). */
const char *buf_str(const struct buf *b);
static inline size_t buf_len(const struct buf *b)
{
    return b->len;
}
/* Hands the allocation to the caller (free() it) and resets b; never NULL. */
char *buf_take(struct buf *b, size_t *len);

#endif
