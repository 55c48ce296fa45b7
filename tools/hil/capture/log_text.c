/* Reading a log's lines as text: times, direction prefixes, socat headers,
 * and which format a log is in (one pass, a line at a time). */
#include "log_text.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The direction prefixes serial monitors commonly use; the first pair that
 * places the most lines wins (a log may also name its own with --tx/--rx). */
static const struct { const char *tx, *rx; } prefix_pairs[] = {
    {"-->", "<--"}, {">>", "<<"}, {"TX:", "RX:"}, {"SENT:", "RECV:"}, {">", "<"},
};
#define N_PAIRS (sizeof prefix_pairs / sizeof prefix_pairs[0])
_Static_assert(N_PAIRS == LOG_PREFIX_PAIRS, "struct log_detect counts one entry per prefix pair");
bool log_blank(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return *s == '\0';
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A leading "[12:00:01.123]" or "12:00:01.123 " or "1234.5 " is a time; returns seconds or -1. */
double log_strip_time(const char **p)
{
    const char *s = *p;
    bool bracket = *s == '[';
    s += bracket;
    if (!isdigit((unsigned char)*s))
        return -1;
    double t = 0, part = 0;
    while (isdigit((unsigned char)*s) || *s == ':' || *s == '.') {
        if (*s == ':') {
            t = (t + part) * 60;
            part = 0;
            s++;
        } else {
            char *end;
            part = strtod(s, &end);
            if (end == s)
                return -1; /* a '.' strtod cannot read ("1:.") would never be passed */
            s = end;
        }
    }
    if (bracket && *s != ']')
        return -1;
    s += bracket;
    if (*s != ' ' && *s != '\t')
        return -1;
    while (*s == ' ' || *s == '\t')
        s++;
    *p = s;
    return t + part;
}

const char *log_after_prefix(const char *s, const char *prefix)
{
    if (!starts_with(s, prefix))
        return NULL;
    s += strlen(prefix);
    if (*s == ' ')
        s++;
    return s;
}

/* socat -v: "> 2024/01/01 12:00:00.000000  length=9 from=0 to=8" then the
 * data, CR shown as "\r" and each LF as the end of a printed line. */
bool log_socat_header(const char *s, char *dir, double *t, long *length)
{
    int h, m;
    double sec;
    if ((s[0] != '>' && s[0] != '<') || s[1] != ' ')
        return false;
    const char *len = strstr(s, "length=");
    if (!len)
        return false;
    *dir = s[0];
    *length = strtol(len + 7, NULL, 10);
    *t = sscanf(s + 2, "%*d/%*d/%*d %d:%d:%lf", &h, &m, &sec) == 3 ? h * 3600.0 + m * 60 + sec : -1;
    return true;
}

/* ---- detecting the format: one pass, a line at a time ------------------------------- */

void log_detect_line(struct log_detect *d, const char *s)
{
    char dir;
    double t;
    long len;
    if (d->header == LOG_AUTO && starts_with(s, "# sim7600-hil capture"))
        d->header = LOG_CAPTURE;
    else if (d->header == LOG_AUTO && log_socat_header(s, &dir, &t, &len))
        d->header = LOG_SOCAT;
    d->nonblank += !log_blank(s);
    log_strip_time(&s);
    for (size_t i = 0; i < N_PAIRS; i++)
        d->placed[i] += log_after_prefix(s, prefix_pairs[i].tx) || log_after_prefix(s, prefix_pairs[i].rx);
}

/* The pair that places the most lines, the first of equals. */
static size_t best_pair(const struct log_detect *d)
{
    size_t best = 0;
    for (size_t i = 1; i < N_PAIRS; i++)
        best = d->placed[i] > d->placed[best] ? i : best;
    return best;
}

enum log_format log_detected(const struct log_detect *d)
{
    if (d->header != LOG_AUTO)
        return d->header;
    /* most lines carry a direction prefix: a serial-monitor log */
    return d->placed[best_pair(d)] * 2 > d->nonblank ? LOG_PREFIXED : LOG_PLAIN;
}


void log_detected_prefixes(const struct log_detect *d, const char **tx, const char **rx)
{
    size_t best = best_pair(d);
    *tx = prefix_pairs[best].tx;
    *rx = prefix_pairs[best].rx;
}
