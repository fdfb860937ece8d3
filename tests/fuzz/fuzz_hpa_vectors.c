/* libFuzzer target: the HPA vector-file loader and runner (`kgauge hpa vectors`) on arbitrary
 * bytes. Any input must be rejected or run without crashes, leaks or undefined behaviour. */
#include <stddef.h>
#include <stdint.h>

#include "hpa/vectors.h"
#include "util/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hpa_vectors_result res;
    char err[KG_ERRBUF];
    (void)hpa_vectors_run((const char *)data, size, "fuzz", NULL, &res, err, sizeof(err));
    return 0;
}
