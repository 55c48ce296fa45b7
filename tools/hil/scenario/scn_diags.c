/* The parser's error list: every error of a file, "file:line: message". */
#include "scn_internal.h"

#include "alloc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void scn_diags_add(struct scn_diags *d, const char *file, int line, const char *msg)
{
    d->v = grow_array(d->v, &d->cap, d->n + 1, sizeof *d->v);
    d->v[d->n++] = (struct scn_diag){.file = xstrdup(file), .line = line, .msg = xstrdup(msg)};
}

void scn_diags_print(const struct scn_diags *d, FILE *out)
{
    for (size_t i = 0; i < d->n; i++) {
        if (d->v[i].line > 0)
            fprintf(out, "%s:%d: %s\n", d->v[i].file, d->v[i].line, d->v[i].msg);
        else
            fprintf(out, "%s: %s\n", d->v[i].file, d->v[i].msg);
    }
}

void scn_diags_free(struct scn_diags *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->v[i].file);
        free(d->v[i].msg);
    }
    free(d->v);
    d->v = NULL;
    d->n = d->cap = 0;
}

void scn_diags_sort_by_line(struct scn_diag *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        struct scn_diag x = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1].line > x.line; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

/* Room for the longest message: "unknown keyword" lists every keyword. */
#define SCN_MSG_MAX 1024

void scn_perr_at(struct scn_parser *p, int line, const char *fmt, ...)
{
    char buf[SCN_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    scn_diags_add(p->diags, p->file, line, buf);
    p->n_errors++;
}
