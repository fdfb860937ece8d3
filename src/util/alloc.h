/*
 * Allocation wrappers. They never return NULL: on failure they call the OOM handler, which by
 * default logs the size and aborts (a metrics pipeline that lost an allocation cannot serve
 * honest numbers). Tests can make the Nth allocation fail and install a handler that unwinds.
 */
#ifndef KGAUGE_UTIL_ALLOC_H
#define KGAUGE_UTIL_ALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size); /* checks nmemb*size for overflow */
void *xrealloc(void *ptr, size_t size);
/* Array growth: reallocates to nmemb*size bytes, checking the product for overflow. */
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n); /* copies at most n bytes, always NUL-terminated */
void *xmemdup(const void *p, size_t n);
/* printf into a fresh allocation. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Called with the requested size when an allocation fails. Must not return normally (abort,
 * exit or longjmp). NULL restores the default (message on stderr, abort()). */
typedef void (*xalloc_oom_fn)(size_t size);
void xalloc_set_oom_handler(xalloc_oom_fn fn);

/* Test hook: the nth allocation from now (1 = the next one) fails; 0 disables. Thread-safe. */
void xalloc_fail_nth(unsigned long n);
/* Number of allocations made through these wrappers since start (for tests). */
unsigned long xalloc_count(void);

#endif
