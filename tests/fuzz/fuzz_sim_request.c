/*
 * Fuzz target for src/sim/request: the first byte picks the parser (API path, Accept header,
 * continue token), the rest is its input. Decoded tokens are re-encoded and decoded again: a
 * token the server accepts must survive the round trip with the same key and resourceVersion.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/request.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 3 * KG_SIM_MAX_PATH)
        return 0;
    char *s = malloc(size);
    if (!s)
        return 0;
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0';
    switch (data[0] % 3) {
    case 0: {
        struct request_info ri;
        request_parse_path(s, &ri);
        if (ri.is_api && !ri.version)
            abort();
        break;
    }
    case 1: {
        unsigned m = request_negotiate(s, 0x7f);
        if (m & (m - 1))
            abort(); /* at most one bit */
        break;
    }
    case 2: {
        char key[KG_SIM_MAX_CONTINUE + 1], key2[KG_SIM_MAX_CONTINUE + 1], err[512];
        size_t klen, klen2;
        uint64_t rv, rv2;
        if (request_continue_decode(s, &rv, key, sizeof(key), &klen, err, sizeof(err)) == 0 &&
            rv > 0 && klen > 0 && key[klen - 1] == '\0' && memchr(key, '\0', klen - 1) == NULL) {
            struct buf b;
            buf_init(&b, 4 * KG_SIM_MAX_CONTINUE);
            /* (a key grown by U+FFFD replacements may re-encode past the token limit) */
            if (request_continue_encode(rv, key, &b) == 0 && buf_len(&b) <= KG_SIM_MAX_CONTINUE) {
                if (request_continue_decode(buf_str(&b), &rv2, key2, sizeof(key2), &klen2, err,
                                            sizeof(err)) != 0 ||
                    rv2 != rv || klen2 != klen || memcmp(key, key2, klen) != 0)
                    abort();
            }
            buf_cleanup(&b);
        }
        break;
    }
    }
    free(s);
    return 0;
}
