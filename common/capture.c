#include "capture.h"

#include "cescape.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

int capture_open(struct capture *c, const char *path, uint64_t start_us, const char *what)
{
    memset(c, 0, sizeof *c);
    c->f = fopen(path, "w");
    if (!c->f)
        return -1;
    c->start_us = start_us;
    fprintf(c->f, "# sim7600-hil capture v1: %s\n# SECONDS DIR DATA (> host to module, < module to host)\n", what);
    fflush(c->f);
    return 0;
}

static void flush_line(struct capture *c)
{
    if (!c->pending.len)
        return;
    struct strbuf esc = {0};
    sb_c_escape(&esc, c->pending.p, c->pending.len);
    fprintf(c->f, "%.6f %c %s\n", (double)(c->pending_us - c->start_us) / 1e6, c->pending_dir, sb_str(&esc));
    sb_free(&esc);
    sb_reset(&c->pending);
    fflush(c->f);
}

static bool ends_line(char dir, uint8_t b)
{
    return b == '\n' || (dir == CAPTURE_TO_MODULE && b == '\r');
}

void capture_write(struct capture *c, char dir, const uint8_t *data, size_t n, uint64_t now_us)
{
    if (!c->f)
        return;
    if (c->pending.len && c->pending_dir != dir)
        flush_line(c);
    for (size_t i = 0; i < n; i++) {
        if (!c->pending.len) {
            c->pending_dir = dir;
            c->pending_us = now_us;
        }
        sb_add(&c->pending, &data[i], 1);
        /* a host's CR LF stays on one line */
        bool crlf_follows = dir == CAPTURE_TO_MODULE && data[i] == '\r' && i + 1 < n && data[i + 1] == '\n';
        if (ends_line(dir, data[i]) && !crlf_follows)
            flush_line(c);
    }
}

void capture_end_line(struct capture *c)
{
    if (c->f)
        flush_line(c);
}

void capture_comment(struct capture *c, const char *text)
{
    if (!c->f)
        return;
    flush_line(c);
    fprintf(c->f, "# %s\n", text);
    fflush(c->f);
}

void capture_close(struct capture *c)
{
    if (!c->f)
        return;
    flush_line(c);
    fclose(c->f);
    c->f = NULL;
    sb_free(&c->pending);
}

int capture_parse_line(const char *line, double *t, char *dir, uint8_t *out, size_t *len, const char **why)
{
    while (*line == ' ' || *line == '\t')
        line++;
    size_t n = strcspn(line, "\r\n");
    if (n == 0 || line[0] == '#')
        return 0;
    *t = -1;
    if (isdigit((unsigned char)line[0])) {
        char *end;
        *t = strtod(line, &end);
        if (*end != ' ') {
            *why = "the time must be followed by a space and a direction";
            return -1;
        }
        n -= (size_t)(end + 1 - line);
        line = end + 1;
    }
    if (n < 1 || (line[0] != CAPTURE_TO_MODULE && line[0] != CAPTURE_FROM_MODULE)) {
        *why = "expected a direction: '>' (host to module) or '<' (module to host)";
        return -1;
    }
    *dir = line[0];
    size_t skip = n > 1 && line[1] == ' ' ? 2 : 1;
    size_t bad;
    long got = c_unescape(line + skip, n - skip, out, &bad);
    if (got < 0) {
        *why = "bad escape in the data (use \\r \\n \\\\ or \\xHH)";
        return -1;
    }
    *len = (size_t)got;
    return 1;
}
