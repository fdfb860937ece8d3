/*
 * Arena allocator: a singly-linked list of chunks, bump allocation in the newest one.
 */
#include "util/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

#define ARENA_DEFAULT_CHUNK (64u * 1024)
#define ARENA_ALIGN 16u

struct chunk {
    struct chunk *next;
    size_t size; /* usable bytes in data */
    size_t used;
    alignas(ARENA_ALIGN) unsigned char data[];
};

struct arena {
    struct chunk *head; /* newest chunk first */
    size_t chunk_size;
    size_t used;
};

static struct chunk *chunk_new(size_t size)
{
    struct chunk *c = xmalloc(sizeof(*c) + size);
    c->next = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

struct arena *arena_new(size_t chunk_size)
{
    struct arena *a = xcalloc(1, sizeof(*a));
    a->chunk_size = chunk_size ? chunk_size : ARENA_DEFAULT_CHUNK;
    return a;
}

static void free_chunks(struct chunk *c)
{
    while (c) {
        struct chunk *next = c->next;
        free(c);
        c = next;
    }
}

void arena_free(struct arena *a)
{
    if (!a)
        return;
    free_chunks(a->head);
    free(a);
}

void arena_reset(struct arena *a)
{
    if (!a->head)
        return;
    /* Keep the oldest chunk if it has the standard size, so a reused arena does not churn. */
    struct chunk *c = a->head, *keep = NULL;
    while (c->next)
        c = c->next;
    if (c->size == a->chunk_size)
        keep = c;
    for (c = a->head; c != keep;) {
        struct chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = keep;
    if (keep)
        keep->used = 0;
    a->used = 0;
}

void *arena_alloc(struct arena *a, size_t size)
{
    if (size > SIZE_MAX - ARENA_ALIGN)
        xmalloc(SIZE_MAX); /* reports OOM for an impossible size */
    size_t rounded = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    struct chunk *c = a->head;
    if (!c || c->size - c->used < rounded) {
        if (rounded > a->chunk_size / 4) {
            /* Big request: its own chunk, placed behind the current one so the current
             * chunk's free space stays usable. */
            struct chunk *big = chunk_new(rounded);
            big->used = rounded;
            if (c) {
                big->next = c->next;
                c->next = big;
            } else {
                a->head = big;
            }
            a->used += size;
            memset(big->data, 0, rounded);
            return big->data;
        }
        c = chunk_new(a->chunk_size);
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += rounded;
    a->used += size;
    memset(p, 0, rounded);
    return p;
}

void *arena_memdup(struct arena *a, const void *p, size_t n)
{
    void *d = arena_alloc(a, n);
    if (n)
        memcpy(d, p, n);
    return d;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *d = arena_alloc(a, len + 1);
    memcpy(d, s, len);
    return d;
}

char *arena_strdup(struct arena *a, const char *s)
{
    return arena_memdup(a, s, strlen(s) + 1);
}

size_t arena_used(const struct arena *a)
{
    return a->used;
}
