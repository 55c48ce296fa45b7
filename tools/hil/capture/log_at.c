/* What AT traffic looks like: a command line the host sends or a line the
 * module answers. An import refuses input with no such line. */
#include "log_import.h"

#include <ctype.h>
#include <string.h>

#define AT_NAME_MAX 16   /* command and URC names are shorter (CMQTTSUBTOPIC: 13) */
#define AT_BASIC_MAX 8   /* basic commands run short: "E0", "E0V1", "&F0", "I" */

static const char *const at_answers[] = {
    "OK", "ERROR", "RDY", "NO CARRIER", "SMS DONE", "PB DONE", "CONNECT", "BUSY", "NO ANSWER", "NO DIALTONE",
};

/* Leading letters and digits (capitals only unless `lower`). */
static size_t name_len(const char *s, size_t n, bool lower)
{
    size_t i = 0;
    while (i < n && (isupper((unsigned char)s[i]) || isdigit((unsigned char)s[i]) ||
                     (lower && islower((unsigned char)s[i]))))
        i++;
    return i;
}

/* "AT", "ATE0", "AT&F", "AT+CSQ", "AT+CMQTTSTART=...", "at+csq?" */
static bool at_command(const char *s, size_t n)
{
    if (n < 2 || toupper((unsigned char)s[0]) != 'A' || toupper((unsigned char)s[1]) != 'T')
        return false;
    s += 2, n -= 2;
    if (n == 0)
        return true;
    if (s[0] == '+') {
        size_t k = name_len(s + 1, n - 1, true);
        return k >= 1 && k <= AT_NAME_MAX && isalpha((unsigned char)s[1]) &&
               (k + 1 == n || s[k + 1] == '=' || s[k + 1] == '?');
    }
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '&')
            return false;
    return n <= AT_BASIC_MAX && !isdigit((unsigned char)s[0]);
}

/* "OK", "+CSQ: 23,0", "+CME ERROR: 10", "+CMQTTCONNLOST: 0,1" */
static bool at_answer(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof at_answers / sizeof at_answers[0]; i++)
        if (n == strlen(at_answers[i]) && memcmp(s, at_answers[i], n) == 0)
            return true;
    if (n < 2 || s[0] != '+' || !isupper((unsigned char)s[1]))
        return false;
    size_t k = name_len(s + 1, n - 1, false);
    const char *rest = s + 1 + k;
    size_t left = n - 1 - k;
    static const char cme[] = " ERROR:";
    return k >= 2 && k <= AT_NAME_MAX &&
           (left == 0 || rest[0] == ':' || (left >= sizeof cme - 1 && memcmp(rest, cme, sizeof cme - 1) == 0));
}

bool log_line_is_at(const char *s, size_t n)
{
    while (n && isspace((unsigned char)s[0]))
        s++, n--;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    return n && (at_command(s, n) || at_answer(s, n));
}
