/* Response framing: what the module prints, formatted per ATV/ATQ/CMEE (AT
 * §2.3), through the garbling a fault may have armed, into the paced FIFO.
 * Nothing here reads the clock or decides anything: the model says what to
 * print, this says how it looks on the wire. */
#include "sim_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool output_lost(const struct sim *s)
{
    return !s->host_attached || s->now_us < s->silent_until_us || s->power == POWER_OFF;
}

void sim_raw(struct sim *s, const void *data, size_t n)
{
    if (output_lost(s))
        return;
    if (s->faults.garble_left) {
        uint8_t copy[512];
        for (size_t off = 0; off < n; off += sizeof copy) {
            size_t k = n - off < sizeof copy ? n - off : sizeof copy;
            memcpy(copy, (const uint8_t *)data + off, k);
            faults_garble(&s->faults, copy, k);
            fifo_append(&s->out, copy, k, s->now_us);
        }
        return;
    }
    fifo_append(&s->out, data, n, s->now_us);
}

static void raw_str(struct sim *s, const char *text)
{
    sim_raw(s, text, strlen(text));
}

/* A URC that a rule placed inside the answer goes out after the answer's first line. */
static void answer_inject(struct sim *s)
{
    size_t n;
    uint8_t *p = faults_take_answer_inject(&s->faults, &n);
    if (p)
        sim_raw(s, p, n);
    free(p);
}

void sim_info_bytes(struct sim *s, const void *data, size_t n)
{
    /* V1: <CR><LF> before the first line of a response, <CR><LF> after each (AT §2.3) */
    if (s->modem.verbose && !s->response_open)
        raw_str(s, "\r\n");
    sim_raw(s, data, n);
    raw_str(s, "\r\n");
    s->response_open = true;
    answer_inject(s);
}

static void vformat_line(struct sim *s, void (*emit)(struct sim *, const void *, size_t),
                         const char *fmt, va_list ap)
{
    char line[MQTT_FIELD_MAX * 4];
    int n = vsnprintf(line, sizeof line, fmt, ap);
    if (n < 0)
        return;
    emit(s, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

void sim_info(struct sim *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vformat_line(s, sim_info_bytes, fmt, ap);
    va_end(ap);
}

static void urc_bytes(struct sim *s, const void *data, size_t n)
{
    if (s->modem.verbose)
        raw_str(s, "\r\n");
    sim_raw(s, data, n);
    raw_str(s, "\r\n");
}

void sim_urc(struct sim *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vformat_line(s, urc_bytes, fmt, ap);
    va_end(ap);
}

/* A final result code in the current format (ATV) unless suppressed (ATQ1). */
static void final_text(struct sim *s, const char *verbose_text, int numeric)
{
    s->response_open = false;
    if (s->modem.quiet)
        return;
    char buf[96];
    int n = s->modem.verbose ? snprintf(buf, sizeof buf, "\r\n%s\r\n", verbose_text)
                             : snprintf(buf, sizeof buf, "%d\r", numeric);
    sim_raw(s, buf, (size_t)n);
    answer_inject(s);
}

void sim_final(struct sim *s, enum v250_result r)
{
    if (r == V250_ERROR)
        s->stats.errors++;
    final_text(s, v250_result_text(r), (int)r);
}

enum cmd_result sim_cme(struct sim *s, enum cme_err code)
{
    char text[64];
    if (s->modem.cmee == 0) {
        sim_final(s, V250_ERROR);
        return CMD_DONE;
    }
    s->stats.errors++;
    if (s->modem.cmee == 1 || !cme_err_text(code))
        snprintf(text, sizeof text, "+CME ERROR: %d", (int)code);
    else
        snprintf(text, sizeof text, "+CME ERROR: %s", cme_err_text(code));
    if (s->modem.verbose) {
        final_text(s, text, V250_ERROR);
    } else if (!s->modem.quiet) {   /* ATV0: the manual is silent; a text line, as 27.007 does */
        s->response_open = false;
        raw_str(s, text);
        raw_str(s, "\r\n");
    }
    return CMD_DONE;
}

/* "\r\n>" and no space: real captures show the data right after '>' (findings §4). */
void sim_prompt(struct sim *s)
{
    raw_str(s, "\r\n>");
}
