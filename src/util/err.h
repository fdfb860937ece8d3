/*
 * The caller's error buffer (DESIGN style rule 4): functions return 0 or a negative errno and
 * put the human-readable detail into `char *err, size_t errlen`. kg_set_err fills it; err may
 * be NULL or errlen 0 (the caller wants no detail). Messages longer than the buffer are cut.
 */
#ifndef KGAUGE_UTIL_ERR_H
#define KGAUGE_UTIL_ERR_H

#include <stdarg.h>
#include <stddef.h>

void kg_set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void kg_vset_err(char *err, size_t errlen, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

#endif
