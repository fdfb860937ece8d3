/*
 * Allocation wrappers: abort on OOM, with a counter-based failure hook for tests.
 * The counter is atomic so that the hook works in multi-threaded tests too.
 */
#include "util/alloc.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Atomic unsigned long alloc_count;
static _Atomic unsigned long fail_at; /* value of alloc_count at which to fail; 0 = never */
static _Atomic(xalloc_oom_fn) oom_handler;

static void default_oom(size_t size)
{
    fprintf(stderr, "kgauge: out of memory allocating %zu bytes\n", size);
    abort();
}

void xalloc_set_oom_handler(xalloc_oom_fn fn)
{
    atomic_store(&oom_handler, fn);
}

void xalloc_fail_nth(unsigned long n)
{
    atomic_store(&fail_at, n ? atomic_load(&alloc_count) + n : 0);
}

unsigned long xalloc_count(void)
{
    return atomic_load(&alloc_count);
}

/* Counts the allocation; true when the test hook says this one must fail. */
static int injected_failure(void)
{
    unsigned long n = atomic_fetch_add(&alloc_count, 1) + 1;
    unsigned long at = atomic_load(&fail_at);
    if (at != 0 && n == at) {
        atomic_store(&fail_at, 0);
        return 1;
    }
    return 0;
}

static void oom(size_t size)
{
    xalloc_oom_fn fn = atomic_load(&oom_handler);
    (fn ? fn : default_oom)(size);
    default_oom(size); /* a handler that returns is a bug: still never return NULL */
}

void *xmalloc(size_t size)
{
    void *p = injected_failure() ? NULL : malloc(size ? size : 1);
    if (!p)
        oom(size);
    return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
    if (size && nmemb > SIZE_MAX / size)
        oom(SIZE_MAX);
    void *p = injected_failure() ? NULL : calloc(nmemb ? nmemb : 1, size ? size : 1);
    if (!p)
        oom(nmemb * size);
    return p;
}

void *xrealloc(void *ptr, size_t size)
{
    void *p = injected_failure() ? NULL : realloc(ptr, size ? size : 1);
    if (!p)
        oom(size);
    return p;
}

void *xreallocarray(void *ptr, size_t nmemb, size_t size)
{
    if (size && nmemb > SIZE_MAX / size)
        oom(SIZE_MAX);
    return xrealloc(ptr, nmemb * size);
}

char *xstrdup(const char *s)
{
    return xmemdup(s, strlen(s) + 1);
}

char *xstrndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = xmalloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

void *xmemdup(const void *src, size_t n)
{
    void *p = xmalloc(n);
    if (n)
        memcpy(p, src, n);
    return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0)
        n = 0;
    char *p = xmalloc((size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = xvasprintf(fmt, ap);
    va_end(ap);
    return p;
}
