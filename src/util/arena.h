/*
 * Arena: many small allocations freed at once (a decoded payload, one API response's
 * scratch space). Memory comes in chunks; allocations are 16-byte aligned; requests bigger
 * than a chunk get a chunk of their own. Not thread-safe.
 */
#ifndef KGAUGE_UTIL_ARENA_H
#define KGAUGE_UTIL_ARENA_H

#include <stddef.h>

struct arena;

/* chunk_size 0 picks the default (64 KiB). */
struct arena *arena_new(size_t chunk_size);
void arena_free(struct arena *a); /* accepts NULL */
/* Frees everything allocated so far but keeps the first chunk for reuse. */
void arena_reset(struct arena *a);

void *arena_alloc(struct arena *a, size_t size); /* zero-filled, never NULL */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
void *arena_memdup(struct arena *a, const void *p, size_t n);

/* Bytes handed out since creation or the last reset (for accounting and tests). */
size_t arena_used(const struct arena *a);

#endif
