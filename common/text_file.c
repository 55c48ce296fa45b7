#include "text_file.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int text_file_read(const char *path, size_t limit, struct strbuf *out, struct strbuf *why)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        sb_printf(why, "cannot open: %s", strerror(errno));
        return -1;
    }
    char chunk[8192];
    size_t n;
    sb_reset(out);
    sb_add(out, "", 0);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (out->len + n > limit) {
            sb_printf(why, "larger than %zu MiB: not a log, capture or scenario (a device, or the wrong file?)",
                      limit >> 20);
            break;
        }
        sb_add(out, chunk, n);
    }
    int failed = ferror(f), saved = errno;
    fclose(f);
    if (failed)
        sb_printf(why, "cannot read: %s", strerror(saved));
    if (failed || n > 0) {
        sb_free(out);
        return -1;
    }
    return 0;
}
