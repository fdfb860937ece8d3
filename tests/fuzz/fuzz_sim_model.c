/* Fuzz target for src/sim/model: kubelet version parsing (versions come from scenario files)
 * and Go float formatting, which must round-trip every finite double. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/model.h"
#include "util/alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = xstrndup((const char *)data, size);
    int minor = -1;
    if (sim_kubelet_minor(s, &minor) == 0 && (minor < 0 || minor > 1000))
        abort();
    free(s);
    if (size >= sizeof(double)) {
        double v;
        memcpy(&v, data, sizeof v);
        char out[32];
        sim_go_float(v, out, sizeof out);
        if (isfinite(v) && strtod(out, NULL) != v)
            abort();
        if (strlen(out) >= sizeof out - 1)
            abort();
    }
    return 0;
}
