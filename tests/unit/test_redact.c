/* Credentials never reach a recorded log. */
#include <criterion/criterion.h>
#include <string.h>

#include "redact.h"

static struct strbuf out;

static const char *redact(const char *line, int want)
{
    sb_reset(&out);
    sb_add(&out, "", 0);
    cr_assert_eq(redact_line(line, strlen(line), &out), want, "%s", line);
    return sb_str(&out);
}

TestSuite(redact, .fini = NULL);

Test(redact, the_mqtt_password_in_the_command_its_echo_and_its_read_form)
{
    cr_assert_str_eq(redact("AT+CMQTTCONNECT=0,\"tcp://b:1883\",60,1,\"alice\",\"s3cr,et\"\r", 1),
                     "AT+CMQTTCONNECT=0,\"tcp://b:1883\",60,1,\"alice\",\"***\"\r");
    cr_assert_str_eq(redact("at+cmqttconnect=0,\"tcp://b:1883\",60,1,\"alice\",\"pw\"\r\r\n", 1),
                     "at+cmqttconnect=0,\"tcp://b:1883\",60,1,\"alice\",\"***\"\r\r\n");
    cr_assert_str_eq(redact("\r\n+CMQTTCONNECT: 0,\"tcp://b:1883\",60,1,\"alice\",\"pw\"\r\n", 1),
                     "\r\n+CMQTTCONNECT: 0,\"tcp://b:1883\",60,1,\"alice\",\"***\"\r\n");
    sb_free(&out);
}

Test(redact, both_cgauth_credentials_whatever_their_order)
{
    cr_assert_str_eq(redact("AT+CGAUTH=1,1,\"saf\",\"data\"\r", 2), "AT+CGAUTH=1,1,\"***\",\"***\"\r");
    cr_assert_str_eq(redact("+CGAUTH: 1,1,\"pw\",\"user\"\r\n", 2), "+CGAUTH: 1,1,\"***\",\"***\"\r\n");
    sb_free(&out);
}

Test(redact, other_lines_and_connects_without_password_are_kept)
{
    cr_assert_str_eq(redact("AT+CMQTTCONNECT=0,\"tcp://b:1883\",60,1\r", 0), "AT+CMQTTCONNECT=0,\"tcp://b:1883\",60,1\r");
    cr_assert_str_eq(redact("AT+CSQ\r", 0), "AT+CSQ\r");
    cr_assert_str_eq(redact("AT+CGAUTH=1,0\r", 0), "AT+CGAUTH=1,0\r");
    sb_free(&out);
}

Test(redact, an_unfinished_line_that_may_become_a_credential_waits)
{
    cr_assert(redact_may_hold_secret("\r\n+CMQTTCONN", 12));
    cr_assert(redact_may_hold_secret("AT+CMQTTCONNECT=0,\"tcp://b\",60,1,\"u\",\"p", 39));
    cr_assert(redact_may_hold_secret("at+cga", 6));
    cr_assert_not(redact_may_hold_secret("\r\n>", 3));
    cr_assert_not(redact_may_hold_secret("\r\n+CMQTTRXPAYLOAD: 0,5", 22));
}
