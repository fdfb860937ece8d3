/*
 * HPA test-vector runner: `kgauge hpa vectors FILE...`.
 *
 * Reads files in the schema of ../shared/testdata/hpa/VECTORS.md (a JSON array of vector
 * objects: replica-calculator, behavior and whole-reconcile kinds), runs each through the hpa
 * module and compares every expectation. The files are untrusted input: malformed vectors
 * fail with a message naming the vector and the field; nothing aborts the run.
 *
 * Output: one line per failing vector ("FAIL <id>: <what differed>") and a closing
 * "N passed, M failed" line.
 */
#ifndef KGAUGE_HPA_VECTORS_H
#define KGAUGE_HPA_VECTORS_H

#include <stddef.h>
#include <stdio.h>
#include "util/limits.h"

struct hpa_vectors_result {
    size_t passed;
    size_t failed;
};

/* Runs every vector of one document (data need not be NUL-terminated). Failures are printed
 * to out (NULL = silent) prefixed with label. Returns 0 when the document was read (whatever
 * the vectors' outcome), or -EINVAL when it is not a JSON array of objects (err says why and
 * where; the document then counts as one failure). */
int hpa_vectors_run(const char *data, size_t len, const char *label, FILE *out,
                    struct hpa_vectors_result *res, char *err, size_t errlen);

/* `kgauge hpa vectors [-v] FILE...` (argv[0] = "vectors"). -v also prints passing vectors.
 * Exit status: 0 all passed, 1 any vector failed or a file could not be read, 2 usage. */
int hpa_vectors_main(int argc, char **argv);

#endif
