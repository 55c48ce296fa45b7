#include "transcript.h"

#include "alloc.h"
#include "seeds.h"

#include <stdlib.h>
#include <string.h>

#define TR_TAIL_WIDTH 120   /* a failure report shows this much of each line */
#define TR_HASH_DIGITS 16   /* a 64-bit hash in hex */

static bool utf8_continuation(char c)
{
    return ((unsigned char)c & 0xC0) == 0x80;
}

void transcript_file_name(const char *scenario_name, struct strbuf *out)
{
    size_t start = out->len;
    scn_name_as_file(scenario_name, out);
    if (out->len - start <= TRANSCRIPT_STEM_MAX)
        return;
    size_t keep = TRANSCRIPT_STEM_MAX - 1 - TR_HASH_DIGITS;   /* "-" and the hash follow */
    while (keep && utf8_continuation(out->p[start + keep]))
        keep--;   /* never half a character */
    out->len = start + keep;
    out->p[out->len] = '\0';
    sb_printf(out, "-%0*llx", TR_HASH_DIGITS, (unsigned long long)scenario_name_fnv1a(scenario_name));
}

int transcript_open(struct transcript *tr, const char *path, const char *what, uint64_t now_us)
{
    memset(tr, 0, sizeof *tr);
    tr->start_us = now_us;
    if (!path)
        return 0;
    if (capture_open(&tr->cap, path, now_us, what) < 0)
        return -1;
    tr->cap_open = true;
    redacted_capture_init(&tr->rcap, &tr->cap);
    return 0;
}

void transcript_close(struct transcript *tr)
{
    if (tr->cap_open) {
        redacted_capture_finish(&tr->rcap);
        capture_close(&tr->cap);
    }
    for (size_t i = 0; i < tr->n; i++) {
        free(tr->v[i].text);
        free(tr->v[i].shown);
    }
    free(tr->v);
    sb_free(&tr->host);
    sb_free(&tr->module);
    memset(tr, 0, sizeof *tr);
}

/* The line as a report may show it: the host's through the upload-aware
 * stream (prompt data a piece per line end), the module's (an echo) alone. */
static int redact_shown(struct transcript *tr, enum tr_kind kind, const char *text, size_t len, struct strbuf *out)
{
    int hidden = 0;
    if (kind == TR_MODULE)
        return redact_line(text, len, out);
    if (kind != TR_HOST_COMMAND && kind != TR_HOST_DATA) {
        sb_add(out, text, len);
        return 0;
    }
    for (size_t at = 0; at < len;) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t n = nl ? (size_t)(nl - (text + at)) + 1 : len - at;
        hidden += redact_stream_line(&tr->host_redact, text + at, n, out);
        at += n;
    }
    return hidden;
}

static void add_line(struct transcript *tr, enum tr_kind kind, struct strbuf *b, uint64_t now_us)
{
    struct strbuf shown = {0};
    bool secret = redact_shown(tr, kind, sb_str(b), b->len, &shown) > 0;
    tr->v = grow_array(tr->v, &tr->cap_lines, tr->n + 1, sizeof *tr->v);
    tr->v[tr->n++] = (struct tr_line){kind, now_us - tr->start_us, xmemdup(sb_str(b), b->len), b->len,
                                      secret ? xmemdup(sb_str(&shown), shown.len) : NULL, shown.len};
    sb_free(&shown);
    sb_reset(b);
}

/* Data written after a prompt ends when the module speaks again. */
static void end_prompt_data(struct transcript *tr, uint64_t now_us)
{
    if (tr->after_prompt && tr->host.len)
        add_line(tr, TR_HOST_DATA, &tr->host, now_us);
    tr->after_prompt = false;
}

/* A line ends at CR or LF: whoever reads the port stops at the CR of a final
 * result, and its LF may not have been read when the checks run. */
static void module_byte(struct transcript *tr, uint8_t b, uint64_t now_us)
{
    if (b == '\n' || b == '\r') {
        if (tr->module.len)   /* a V.250 answer is framed by blank lines: keep only text */
            add_line(tr, TR_MODULE, &tr->module, now_us);
        return;
    }
    sb_add(&tr->module, &b, 1);
    if (tr->module.len == 1 && b == '>') {
        add_line(tr, TR_PROMPT, &tr->module, now_us);
        tr->after_prompt = true;
    }
}

static void host_byte(struct transcript *tr, uint8_t b, uint64_t now_us)
{
    if (!tr->after_prompt && (b == '\r' || b == '\n')) {
        if (tr->host.len)
            add_line(tr, TR_HOST_COMMAND, &tr->host, now_us);
        return;
    }
    sb_add(&tr->host, &b, 1);
}

void transcript_record(struct transcript *tr, char dir, const uint8_t *data, size_t n, uint64_t now_us)
{
    if (tr->cap_open) {
        redacted_capture_bytes(&tr->rcap, dir, data, n, now_us);
        fflush(tr->cap.f);   /* a scenario stopped at its time limit keeps its transcript */
    }
    if (dir == CAPTURE_FROM_MODULE) {
        end_prompt_data(tr, now_us);
        for (size_t i = 0; i < n; i++)
            module_byte(tr, data[i], now_us);
    } else {
        for (size_t i = 0; i < n; i++)
            host_byte(tr, data[i], now_us);
    }
}

void transcript_note(struct transcript *tr, const char *text)
{
    if (tr->cap_open)
        capture_comment(&tr->cap, text);
}

void transcript_program(struct transcript *tr, const char *name, const char *stream, const char *text, size_t len,
                        uint64_t now_us)
{
    uint64_t t = now_us > tr->start_us ? now_us - tr->start_us : 0;
    struct strbuf line = {0};
    sb_printf(&line, "%s %.6f %s %s: ", TRANSCRIPT_PROGRAM_MARK, (double)t / 1e6, name, stream);
    sb_c_escape(&line, text, len);
    transcript_note(tr, sb_str(&line));
    sb_reset(&line);
    sb_printf(&line, "%s: ", name);
    sb_add(&line, text, len);
    add_line(tr, TR_PROGRAM, &line, now_us);
    sb_free(&line);
}

void transcript_skip_all(struct transcript *tr)
{
    tr->cursor = tr->n;
}

long transcript_take(struct transcript *tr, const struct scn_pattern *pat, bool want_prompt)
{
    for (size_t i = tr->cursor; i < tr->n; i++) {
        const struct tr_line *l = &tr->v[i];
        bool hit = want_prompt ? l->kind == TR_PROMPT
                               : l->kind == TR_MODULE && scn_pattern_match(pat, l->text, l->len);
        if (hit) {
            tr->cursor = i + 1;
            return (long)i;
        }
    }
    return -1;
}

long transcript_count(const struct transcript *tr, enum tr_kind kind, const struct scn_pattern *pat)
{
    long count = 0;
    for (size_t i = 0; i < tr->n; i++)
        if (tr->v[i].kind == kind && scn_pattern_match(pat, tr->v[i].text, tr->v[i].len))
            count++;
    return count;
}

void transcript_tail(const struct transcript *tr, size_t n, struct strbuf *out)
{
    static const char marks[] = {[TR_HOST_COMMAND] = '>', [TR_HOST_DATA] = '>',
                                 [TR_MODULE] = '<', [TR_PROMPT] = '<', [TR_PROGRAM] = '|'};
    size_t from = tr->n > n ? tr->n - n : 0;
    for (size_t i = from; i < tr->n; i++) {
        const struct tr_line *l = &tr->v[i];
        const char *text = l->shown ? l->shown : l->text;
        size_t len = l->shown ? l->shown_len : l->len;
        size_t shown = len < TR_TAIL_WIDTH ? len : TR_TAIL_WIDTH;
        sb_printf(out, "    %8.3fs %c ", (double)l->t_us / 1e6, marks[l->kind]);
        sb_c_escape(out, text, shown);
        if (shown < len)
            sb_printf(out, "... (%zu bytes)", len);
        sb_puts(out, "\n");
    }
    if (tr->module.len || tr->host.len)
        sb_puts(out, "    (and a line still unfinished)\n");
}
