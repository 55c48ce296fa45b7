/* Time: the real-time clock (AT+CCLK) and network time zone reporting and
 * update (AT+CTZR, AT+CTZU; 27.007 §8.15, §8.40, §8.41). */
#include "sim_internal.h"

#include <stdio.h>
#include <string.h>

/* The clock after power-on: 1980-01-06 00:00:00 (the GPS epoch), 5 days after rtc_ref_s's origin. */
#define RTC_POWER_ON_S (5 * 86400)
#define CLOCK_TEXT_LEN 20      /* "yy/MM/dd,hh:mm:ss+zz" */

void modem_clock_start(struct sim *s)
{
    s->modem.rtc_running = true;
    s->modem.rtc_ref_us = s->now_us;
    s->modem.rtc_ref_s = RTC_POWER_ON_S;
}

/* 1980-01-01, the clock's origin, in Unix time. */
#define UNIX_1980_S 315532800
#define TZ_QUARTER_S (15 * 60)

int64_t modem_clock_unix_utc(const struct sim *s)
{
    int64_t local = s->modem.rtc_running
                        ? s->modem.rtc_ref_s + (int64_t)((s->now_us - s->modem.rtc_ref_us) / 1000000u)
                        : RTC_POWER_ON_S;
    return local - (int64_t)s->modem.rtc_tz * TZ_QUARTER_S + UNIX_1980_S;
}

static void clock_set(struct sim *s, int64_t secs, int tz)
{
    s->modem.rtc_running = true;
    s->modem.rtc_ref_us = s->now_us;
    s->modem.rtc_ref_s = secs;
    s->modem.rtc_tz = tz;
}

/* The network's time and zone reached the module (NITZ, at registration or
 * when the network sends it): reported with AT+CTZR=1, taken with AT+CTZU=1
 * (27.007 §8.40, §8.41; findings §21). Without a network clock, nothing. */
void modem_clock_network_time(struct sim *s)
{
    const struct world_net *w = &s->world.net;
    if (!w->nitz || !modem_registered(s))
        return;
    if (s->modem.ctzr == 1)
        sim_urc(s, "+CTZV: %c%02d", w->nitz_tz < 0 ? '-' : '+', w->nitz_tz < 0 ? -w->nitz_tz : w->nitz_tz);
    if (s->modem.ctzu == 1)
        clock_set(s, w->nitz_s + (int64_t)((s->now_us - w->nitz_ref_us) / 1000000u), w->nitz_tz);
}

static DECLARE_HANDLER(cmd_ctzr) { return modem_switch_command(s, c, a, &s->modem.ctzr); }
static DECLARE_HANDLER(cmd_ctzu) { return modem_switch_command(s, c, a, &s->modem.ctzu); }

static bool leap_year(int year)
{
    return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

/* Days since 1980-01-01 of a date of 1980-2079, and back. */
static long days_from_date(int year, int month, int day)
{
    static const int before[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    long days = 0;
    for (int y = 1980; y < year; y++)
        days += leap_year(y) ? 366 : 365;
    return days + before[month - 1] + (month > 2 && leap_year(year)) + day - 1;
}

static void date_from_days(long days, int *year, int *month, int *day)
{
    int y = 1980;
    while (days >= (leap_year(y) ? 366 : 365)) {
        days -= leap_year(y) ? 366 : 365;
        y++;
    }
    int m = 12;
    while (m > 1 && days_from_date(y, m, 1) - days_from_date(y, 1, 1) > days)
        m--;
    *year = y;
    *month = m;
    *day = (int)(days - (days_from_date(y, m, 1) - days_from_date(y, 1, 1))) + 1;
}

static bool parse_two(const char *p, int *out)
{
    if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
        return false;
    *out = (p[0] - '0') * 10 + (p[1] - '0');
    return true;
}

/* "yy/MM/dd,hh:mm:ss±zz" (27.007 §8.15), yy 80-99 for 1980-1999 and 00-79 for 2000-2079. */
bool modem_clock_parse(const char *t, size_t len, int64_t *secs, int *tz)
{
    int f[7];
    if (len != CLOCK_TEXT_LEN)
        return false;
    static const char seps[] = "//,::";
    for (int i = 0; i < 6; i++)
        if (!parse_two(t + 3 * i, &f[i]) || (i < 5 && t[3 * i + 2] != seps[i]))
            return false;
    if ((t[17] != '+' && t[17] != '-') || !parse_two(t + 18, &f[6]))
        return false;
    int year = f[0] >= 80 ? 1900 + f[0] : 2000 + f[0];
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > mdays[f[1] - 1] || (f[1] == 2 && f[2] == 29 && !leap_year(year)) ||
        f[3] > 23 || f[4] > 59 || f[5] > 59 || f[6] > 48)
        return false;
    *secs = (int64_t)days_from_date(year, f[1], f[2]) * 86400 + f[3] * 3600 + f[4] * 60 + f[5];
    *tz = t[17] == '-' ? -f[6] : f[6];
    return true;
}

static DECLARE_HANDLER(cmd_cclk)
{
    switch (c->form) {
    case AT_FORM_TEST:
        return CMD_OK;
    case AT_FORM_EXEC:
        return CMD_ERROR;
    case AT_FORM_READ: {
        if (!s->modem.rtc_running)      /* a warm start: the clock's origin is not known */
            modem_clock_start(s);
        int64_t now = s->modem.rtc_ref_s + (int64_t)((s->now_us - s->modem.rtc_ref_us) / 1000000u);
        int year, month, day;
        date_from_days((long)(now / 86400), &year, &month, &day);
        int sec = (int)(now % 86400);
        int tz = s->modem.rtc_tz;
        sim_info(s, "+CCLK: \"%02d/%02d/%02d,%02d:%02d:%02d%c%02d\"", year % 100, month, day, sec / 3600,
                 sec / 60 % 60, sec % 60, tz < 0 ? '-' : '+', tz < 0 ? -tz : tz);
        return CMD_OK;
    }
    case AT_FORM_WRITE:
        break;
    }
    int64_t secs;
    int tz;
    if (a->count != 1 || a->v[0].type != AT_ARG_STRING || !modem_clock_parse(a->v[0].text, a->v[0].len, &secs, &tz))
        return CMD_ERROR;
    clock_set(s, secs, tz);
    return CMD_OK;
}

static const struct command commands[] = {
    {"+CTZR", cmd_ctzr, 0},
    {"+CTZU", cmd_ctzu, 0},
    {"+CCLK", cmd_cclk, 0},
};

const struct command_family modem_clock_commands = {commands, sizeof commands / sizeof commands[0]};
