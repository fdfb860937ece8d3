/*
 * ASSERT() for invariants: stays on in release builds (a broken invariant in a metrics
 * pipeline means wrong numbers served; better to crash loudly and be restarted).
 */
#ifndef KGAUGE_UTIL_ASSERT_H
#define KGAUGE_UTIL_ASSERT_H

void kg_assert_fail(const char *expr, const char *file, int line) __attribute__((noreturn));

#define ASSERT(cond)                                                                               \
    do {                                                                                           \
        if (!(cond))                                                                               \
            kg_assert_fail(#cond, __FILE__, __LINE__);                                             \
    } while (0)

#endif
