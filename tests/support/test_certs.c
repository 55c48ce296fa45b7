#include "test_certs.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "program.h"

#define PATH_BUFFERS 8
#define MAKE_BOUND_MS 30000   /* the set takes ~0.2 s; a loaded machine gets room */
#define MAKE_OUTPUT_MAX 4096

static const char certs_dir[] = SIM7600_BIN_DIR "/../test-certs";

const char *test_certs_dir(void)
{
    static int made;
    if (!made) {
        char out[MAKE_OUTPUT_MAX];
        const char *args[] = {certs_dir, NULL};
        int rc = program_run_args(SIM7600_SOURCE_DIR "/tests/support/make-test-certs.sh", args,
                                  MAKE_BOUND_MS, out, sizeof out);
        cr_assert_eq(rc, 0, "make-test-certs.sh %s failed (%d): %s", certs_dir, rc, out);
        made = 1;
    }
    return certs_dir;
}

const char *test_cert_path(const char *name)
{
    static char path[PATH_BUFFERS][512];
    static int next;
    char *p = path[next++ % PATH_BUFFERS];
    snprintf(p, sizeof path[0], "%s/%s", test_certs_dir(), name);
    return p;
}

uint8_t *test_cert_read(const char *name, size_t *len)
{
    const char *path = test_cert_path(name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open the test certificate %s", path);
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    cr_assert_geq(size, 0, "cannot size %s", path);
    rewind(f);
    uint8_t *data = malloc((size_t)size + 1);
    cr_assert_not_null(data);
    *len = fread(data, 1, (size_t)size, f);
    fclose(f);
    cr_assert_eq(*len, (size_t)size, "short read of %s", path);
    data[*len] = 0;
    return data;
}

uint8_t *test_cert_read_crlf(const char *name, size_t *len)
{
    size_t lf_len;
    uint8_t *lf = test_cert_read(name, &lf_len);
    uint8_t *crlf = malloc(lf_len * 2 + 1);
    cr_assert_not_null(crlf);
    size_t n = 0;
    for (size_t i = 0; i < lf_len; i++) {
        if (lf[i] == '\n')
            crlf[n++] = '\r';
        crlf[n++] = lf[i];
    }
    crlf[n] = 0;
    free(lf);
    *len = n;
    return crlf;
}
