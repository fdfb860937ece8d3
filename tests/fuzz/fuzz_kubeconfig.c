/* Fuzz target: arbitrary bytes as a kubeconfig document, loaded from memory and resolved with
 * and without overrides; also the base64 decoder on its own. Must never crash or leak. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "kube/kubeconfig.h"
#include "util/limits.h"
#include "util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    struct kubeconfig *kc = NULL;
    struct kubeconfig_overrides ov = { .context = "x", .namespace = "ns" };
    char err[KG_ERRBUF], tok[256];
    unsigned char *raw = NULL;
    size_t rawlen = 0;
    if (!init) {
        log_set_fd(-1); /* keep warnings out of the fuzzer's output */
        init = 1;
    }
    /* relative references resolve under a directory that does not exist */
    if (kubeconfig_load_data((const char *)data, size, "/nonexistent-kgauge-fuzz/config", NULL, &kc,
                             err, sizeof(err)) == 0) {
        (void)kubeconfig_bearer_token(kc, 0, tok, sizeof(tok), err, sizeof(err));
        kubeconfig_free(kc);
    }
    if (kubeconfig_load_data((const char *)data, size, NULL, &ov, &kc, err, sizeof(err)) == 0)
        kubeconfig_free(kc);
    if (kubeconfig_base64_decode((const char *)data, size, &raw, &rawlen, err, sizeof(err)) == 0)
        free(raw);
    return 0;
}
