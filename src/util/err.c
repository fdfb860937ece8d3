/*
 * Filling a caller's error buffer; see err.h.
 */
#include "util/err.h"

#include <stdio.h>

void kg_vset_err(char *err, size_t errlen, const char *fmt, va_list ap)
{
    if (!err || errlen == 0)
        return;
    vsnprintf(err, errlen, fmt, ap);
}

void kg_set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kg_vset_err(err, errlen, fmt, ap);
    va_end(ap);
}
