/* Fuzzes the HTTP client's response header line parser (status line, Content-Type). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "http/client.h"
#include "util/assert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char reason[64], ctype[128], small[1], small2[1];
    int rc = http__parse_header_line((const char *)data, size, reason, sizeof(reason), ctype,
                                     sizeof(ctype));
    ASSERT(rc >= 0 && rc <= 2);
    if (rc == 1)
        ASSERT(strlen(reason) < sizeof(reason));
    if (rc == 2)
        ASSERT(strlen(ctype) < sizeof(ctype));
    rc = http__parse_header_line((const char *)data, size, small, 1, small2, 1);
    ASSERT(rc < 1 || (small[0] == '\0' || small2[0] == '\0'));
    return 0;
}
