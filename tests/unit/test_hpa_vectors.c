/* Runs every shared HPA vector file (the *.json files of $KGAUGE_TESTDATA/hpa) and the
 * project's own (tests/data/hpa) through the vector runner; every vector must pass. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hpa/vectors.h"

static int run_dir(const char *dir, size_t *files)
{
    char *argv[64];
    int argc = 0, rc;
    DIR *d = opendir(dir);
    struct dirent *e;

    *files = 0;
    if (!d)
        return -errno;
    argv[argc++] = "vectors";
    while ((e = readdir(d)) && argc < 63) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".json"))
            continue;
        size_t len = strlen(dir) + n + 2;
        argv[argc] = malloc(len);
        snprintf(argv[argc], len, "%s/%s", dir, e->d_name);
        argc++;
    }
    closedir(d);
    *files = (size_t)argc - 1;
    rc = *files ? hpa_vectors_main(argc, argv) : 0;
    for (int i = 1; i < argc; i++)
        free(argv[i]);
    return rc;
}

static void test_shared_vectors(void **state)
{
    (void)state;
    const char *td = getenv("KGAUGE_TESTDATA");
    char dir[4096];
    size_t files;
    if (!td) {
        print_message("KGAUGE_TESTDATA not set: shared HPA vectors skipped\n");
        skip();
    }
    snprintf(dir, sizeof(dir), "%s/hpa", td);
    assert_int_equal(run_dir(dir, &files), 0);
    assert_true(files >= 3);
}

static void test_own_vectors(void **state)
{
    (void)state;
    const char *src = getenv("KGAUGE_SRC");
    char dir[4096];
    size_t files;
    if (!src) {
        print_message("KGAUGE_SRC not set: tests/data/hpa vectors skipped\n");
        skip();
    }
    snprintf(dir, sizeof(dir), "%s/tests/data/hpa", src);
    assert_int_equal(run_dir(dir, &files), 0);
    assert_true(files >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shared_vectors),
        cmocka_unit_test(test_own_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
