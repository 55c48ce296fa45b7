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

/* A line, how many credentials redact_line hides in it, and what is recorded. */
struct redaction {
    const char *line;
    int hidden;
    const char *recorded;
};

static void assert_redactions(const struct redaction *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cr_assert_str_eq(redact(r[i].line, r[i].hidden), r[i].recorded);
    sb_free(&out);
}

#define REDACTIONS(...) do { \
        static const struct redaction r_[] = {__VA_ARGS__}; \
        assert_redactions(r_, sizeof r_ / sizeof r_[0]); \
    } while (0)

TestSuite(redact, .fini = NULL);

Test(redact, the_mqtt_password_in_the_command_its_echo_and_its_read_form)
{
    REDACTIONS({"AT+CMQTTCONNECT=0,\"tcp://b:1883\",60,1,\"alice\",\"s3cr,et\"\r", 1,
                "AT+CMQTTCONNECT=0,\"tcp://b:1883\",60,1,\"alice\",\"***\"\r"},
               {"at+cmqttconnect=0,\"tcp://b:1883\",60,1,\"alice\",\"pw\"\r\r\n", 1,
                "at+cmqttconnect=0,\"tcp://b:1883\",60,1,\"alice\",\"***\"\r\r\n"},
               {"\r\n+CMQTTCONNECT: 0,\"tcp://b:1883\",60,1,\"alice\",\"pw\"\r\n", 1,
                "\r\n+CMQTTCONNECT: 0,\"tcp://b:1883\",60,1,\"alice\",\"***\"\r\n"});
}

Test(redact, both_cgauth_credentials_whatever_their_order)
{
    REDACTIONS({"AT+CGAUTH=1,1,\"saf\",\"data\"\r", 2, "AT+CGAUTH=1,1,\"***\",\"***\"\r"},
               {"+CGAUTH: 1,1,\"pw\",\"user\"\r\n", 2, "+CGAUTH: 1,1,\"***\",\"***\"\r\n"});
}

Test(redact, both_csockauth_credentials_as_for_cgauth)
{
    REDACTIONS({"AT+CSOCKAUTH=1,1,\"APN_PASSWORD\",\"APN_USERNAME\"\r", 2, "AT+CSOCKAUTH=1,1,\"***\",\"***\"\r"},
               {"at+csockauth=1,2,\"pw\"\r", 1, "at+csockauth=1,2,\"***\"\r"},
               {"\r\n+CSOCKAUTH: 1,1,\"pw\",\"user\"\r\n", 2, "\r\n+CSOCKAUTH: 1,1,\"***\",\"***\"\r\n"},
               {"AT+CSOCKAUTH=1,0\r", 0, "AT+CSOCKAUTH=1,0\r"});
}

/* AT&V prints its settings on lines joined by "; ": what follows one is not its field. */
Test(redact, a_semicolon_ends_the_secret_fields)
{
    REDACTIONS({"+CSOCKAUTH: 1,0,\"\"; +CGAUTH: 1,0,\"\"; ; +CIPHEAD: 1; +CIPSRIP: 1;\r\n", 0,
                "+CSOCKAUTH: 1,0,\"\"; +CGAUTH: 1,0,\"\"; ; +CIPHEAD: 1; +CIPSRIP: 1;\r\n"},
               {"AT+CGAUTH=1,1,\"pw\";+CSQ\r", 1, "AT+CGAUTH=1,1,\"***\";+CSQ\r"});
}

/* An unquoted secret may hold ';' or ',' that nothing tells from the ones that
 * end it: the rest of its line is hidden, a chained command after it too. */
Test(redact, an_unquoted_secret_hides_the_rest_of_its_line)
{
    REDACTIONS({"AT+CMQTTCONNECT=0,\"tcp://b:1883\",60,1,\"user\",p;ss\r", 1,
                "AT+CMQTTCONNECT=0,\"tcp://b:1883\",60,1,\"user\",***\r"},
               {"AT+CGAUTH=1,1,pw;+CSOCKAUTH=1,1,\"pw2\",\"u\"\r", 1, "AT+CGAUTH=1,1,***\r"},
               {"at+csockauth=1,1,p,w;d,user\r\r\n", 1, "at+csockauth=1,1,***\r\r\n"},
               {"AT+CSQ;+CGAUTH=1,1,a;b\r", 1, "AT+CSQ;+CGAUTH=1,1,***\r"},
               {"\r\n+CMQTTCONNECT: 0,\"tcp://b:1883\",60,1,\"alice\",s;3\r\n", 1,
                "\r\n+CMQTTCONNECT: 0,\"tcp://b:1883\",60,1,\"alice\",***\r\n"});
}

/* V.250 chains commands with ';': a credential later on the line is hidden as the first one is. */
Test(redact, a_credential_in_a_chained_command)
{
    REDACTIONS({"AT+CGSOCKCONT=1,\"IP\",\"CMNET\";+CSOCKAUTH=1,1,\"pw\",\"user\";+CSOCKSETPN=1\r", 2,
                "AT+CGSOCKCONT=1,\"IP\",\"CMNET\";+CSOCKAUTH=1,1,\"***\",\"***\";+CSOCKSETPN=1\r"},
               {"AT+CSQ; +cgauth=1,1,\"a;b\",\"u\"\r", 2, "AT+CSQ; +cgauth=1,1,\"***\",\"***\"\r"},
               {"AT+CSQ;AT+CGAUTH=1,1,\"pw\"\r", 1, "AT+CSQ;AT+CGAUTH=1,1,\"***\"\r"},
               {"AT+CSQ;+CREG?;\"+CGAUTH=1,1,x\"\r", 0, "AT+CSQ;+CREG?;\"+CGAUTH=1,1,x\"\r"});
}

Test(redact, a_chained_command_on_its_way_waits_too)
{
    static const char *const waiting[] = {"AT+CSQ;", "AT+CSQ;+CSOCK", "AT+CGDCONT=1,\"IP\",\"a;b\";  +CG",
                                          "AT+CSQ;+CSOCKAUTH=1,1,\"p"};
    for (size_t i = 0; i < sizeof waiting / sizeof waiting[0]; i++)
        cr_assert(redact_may_hold_secret(waiting[i], strlen(waiting[i])), "%s", waiting[i]);
    static const char *const passing[] = {"AT+CSQ;+CREG?", "AT+CGDCONT=1,\"IP\",\"a;+CSOCK"};
    for (size_t i = 0; i < sizeof passing / sizeof passing[0]; i++)
        cr_assert_not(redact_may_hold_secret(passing[i], strlen(passing[i])), "%s", passing[i]);
}

Test(redact, other_lines_and_connects_without_password_are_kept)
{
    REDACTIONS({"AT+CMQTTCONNECT=0,\"tcp://b:1883\",60,1\r", 0, "AT+CMQTTCONNECT=0,\"tcp://b:1883\",60,1\r"},
               {"AT+CSQ\r", 0, "AT+CSQ\r"},
               {"AT+CGAUTH=1,0\r", 0, "AT+CGAUTH=1,0\r"});
}

Test(redact, an_unfinished_line_that_may_become_a_credential_waits)
{
    cr_assert(redact_may_hold_secret("\r\n+CMQTTCONN", 12));
    cr_assert(redact_may_hold_secret("AT+CMQTTCONNECT=0,\"tcp://b\",60,1,\"u\",\"p", 39));
    cr_assert(redact_may_hold_secret("at+cga", 6));
    cr_assert_not(redact_may_hold_secret("\r\n>", 3));
    cr_assert_not(redact_may_hold_secret("\r\n+CMQTTRXPAYLOAD: 0,5", 22));
}

Test(redact, the_ssl_context_password_in_the_command_and_the_read_form)
{
    REDACTIONS({"AT+CSSLCFG=\"password\",0,\"hunter22\"\r", 1, "AT+CSSLCFG=\"password\",0,\"***\"\r"},
               {"at+csslcfg=\"Password\",9,hunter22\r", 1, "at+csslcfg=\"Password\",9,***\r"},
               {"+CSSLCFG: 0,4,2,1,300,\"ca.pem\",\"c.pem\",\"k.pem\",1,\"hunter22\",0xFFFF\r\n", 1,
                "+CSSLCFG: 0,4,2,1,300,\"ca.pem\",\"c.pem\",\"k.pem\",1,\"***\",0xFFFF\r\n"},
               {"AT+CSSLCFG=\"cacert\",0,\"ca.pem\"\r", 0, "AT+CSSLCFG=\"cacert\",0,\"ca.pem\"\r"},
               {"+CSSLCFG: \"password\",(0-9),(1-128)\r\n", 0, "+CSSLCFG: \"password\",(0-9),(1-128)\r\n"});
    cr_assert(redact_may_hold_secret("AT+CSSLCFG=\"pass", 16));
}

Test(redact, the_http_request_headers_a_firmware_adds)
{
    REDACTIONS({"AT+HTTPPARA=\"USERDATA\",\"Authorization: Bearer eyJhbGc, x\"\r", 1,
                "AT+HTTPPARA=\"USERDATA\",\"***\"\r"},
               {"at+httppara=\"userdata\",\"X-Api-Key: k3y\"\r", 1, "at+httppara=\"userdata\",\"***\"\r"},
               {"AT+HTTPPARA=\"URL\",\"http://example.com/a\"\r", 0,
                "AT+HTTPPARA=\"URL\",\"http://example.com/a\"\r"});
}

/* Lines through one stream, as the tap records them; returns everything recorded. */
static const char *stream(struct redact_stream *st, const char *const *lines, int *replaced)
{
    sb_reset(&out);
    sb_add(&out, "", 0);
    *replaced = 0;
    for (; *lines; lines++)
        *replaced += redact_stream_line(st, *lines, strlen(*lines), &out);
    return sb_str(&out);
}

#define KEY_BODY "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg"

Test(redact, a_private_key_upload_keeps_its_markers_and_hides_its_body)
{
    struct redact_stream st = {0};
    static const char *const lines[] = {
        "AT+CCERTDOWN=\"client-key.pem\",95\r", "\n", "-----BEGIN PRIVATE KEY-----\r", "\n" KEY_BODY "\r",
        "\n-----END PRIVATE KEY-----\r", "\n", "AT+CSQ\r", NULL,
    };
    int n;
    const char *got = stream(&st, lines, &n);
    cr_assert_eq(n, 1);
    cr_assert_null(strstr(got, KEY_BODY), "%s", got);
    cr_assert_str_eq(got, "AT+CCERTDOWN=\"client-key.pem\",95\r\n-----BEGIN PRIVATE KEY-----\r\n***\r"
                          "\n-----END PRIVATE KEY-----\r\nAT+CSQ\r");
}

Test(redact, a_certificate_upload_is_recorded_whole)
{
    struct redact_stream st = {0};
    static const char *const lines[] = {
        "AT+CCERTDOWN=\"ca.pem\",68\r", "-----BEGIN CERTIFICATE-----\n", "MIIBszCCAVmgAwIBAgIU\n",
        "-----END CERTIFICATE-----\n", NULL,
    };
    int n;
    cr_assert_str_eq(stream(&st, lines, &n), "AT+CCERTDOWN=\"ca.pem\",68\r-----BEGIN CERTIFICATE-----\n"
                                             "MIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n");
    cr_assert_eq(n, 0);
    cr_assert_eq(st.data_left, 0);
}

Test(redact, password_files_der_bytes_and_encrypted_key_headers_are_hidden)
{
    struct redact_stream st = {0};
    static const char *const lines[] = {
        "AT+CCERTDOWN=\"pw.pem\",8\r", "testpass", "AT+CCERTDOWN=\"k.der\",4\r", "\x30\x82\x01\x0a",
        "AT+CCERTDOWN=\"k.pem\",60\r", "-----BEGIN ENCRYPTED PRIVATE KEY-----\n", "Proc-Type: 4,ENCRYPTED\n",
        NULL,
    };
    int n;
    const char *got = stream(&st, lines, &n);
    cr_assert_eq(n, 3);
    cr_assert_null(strstr(got, "testpass"), "%s", got);
    cr_assert_null(strstr(got, "\x30\x82"), "%s", got);
    cr_assert_null(strstr(got, "Proc-Type"), "%s", got);
    cr_assert(redact_stream_may_hold_secret(&st, "AT", 2), "the upload is not over yet: its lines wait");
}

Test(redact, a_module_that_echoes_the_upload_after_its_prompt_is_redacted_too)
{
    struct redact_stream st = {0};
    static const char *const lines[] = {
        "AT+CCERTDOWN=\"k.pem\",80\r\r\n", ">-----BEGIN EC PRIVATE KEY-----\r\n", KEY_BODY "\r\n", NULL,
    };
    int n;
    const char *got = stream(&st, lines, &n);
    cr_assert_null(strstr(got, KEY_BODY), "%s", got);
    cr_assert(strstr(got, ">-----BEGIN EC PRIVATE KEY-----"), "%s", got);
}

Test(redact, outside_an_upload_the_stream_redacts_as_the_line_does)
{
    struct redact_stream st = {0};
    static const char *const lines[] = {"AT+CGAUTH=1,1,\"saf\",\"data\"\r", "AT+CCERTDOWN=\"x.pem\",0\r", "AT\r", NULL};
    int n;
    cr_assert_str_eq(stream(&st, lines, &n), "AT+CGAUTH=1,1,\"***\",\"***\"\rAT+CCERTDOWN=\"x.pem\",0\rAT\r");
    cr_assert_eq(n, 2);
    cr_assert_not(redact_stream_may_hold_secret(&st, "\r\n>", 3));
    sb_free(&out);
}

Test(redact, an_empty_password_is_shown_empty)
{
    REDACTIONS({"+CSSLCFG: 1,4,0,1,300,\"\",\"\",\"\",0,\"\",0x0\r\n", 0,
                "+CSSLCFG: 1,4,0,1,300,\"\",\"\",\"\",0,\"\",0x0\r\n"},
               {"AT+CMQTTCONNECT=0,\"tcp://b:1883\",60,1,\"u\",\"\"\r", 0,
                "AT+CMQTTCONNECT=0,\"tcp://b:1883\",60,1,\"u\",\"\"\r"});
}

/* The module's side of a non-echoed upload: the echo of the command announces
 * data that never comes from it; its prompt and its OK are not data. */
Test(redact, on_the_modules_side_the_prompt_and_the_result_are_kept_and_end_the_upload)
{
    struct redact_stream st = {.module = true};
    static const char *const lines[] = {
        "AT+CCERTDOWN=\"k.pem\",241\r\r\n", ">", "\r\n", "OK\r\n", "AT+CSSLCFG=\"password\",0,\"pw\"\r\r\n", "OK\r\n",
        NULL,
    };
    int n;
    cr_assert_str_eq(stream(&st, lines, &n), "AT+CCERTDOWN=\"k.pem\",241\r\r\n>\r\nOK\r\n"
                                             "AT+CSSLCFG=\"password\",0,\"***\"\r\r\nOK\r\n");
    cr_assert_eq(n, 1);
    cr_assert_eq(st.data_left, 0);
    sb_free(&out);
}

Test(redact, a_lone_prompt_in_an_upload_need_not_wait)
{
    struct redact_stream st = {.module = true};
    struct strbuf clean = {0};
    redact_stream_line(&st, "AT+CCERTDOWN=\"k.pem\",9\r\r\n", 25, &clean);
    cr_assert_not(redact_stream_may_hold_secret(&st, "\r\n>", 3), "the prompt would be written after the data");
    cr_assert(redact_stream_may_hold_secret(&st, ">MIG", 4), "an echoed key's bytes must wait for redaction");
    sb_free(&clean);
}

/* Where the recorder (and a replay) cut the host's lines. */
Test(redact, the_hosts_line_ends_at_a_line_end_at_its_limit_and_at_the_uploads_last_byte)
{
    struct redact_stream st = {0};
    cr_assert_not(redact_stream_line_ends(&st, "AT+CSQ", 6));
    cr_assert(redact_stream_line_ends(&st, "AT+CSQ\r", 7));
    struct strbuf clean = {0};
    redact_stream_line(&st, "AT+CCERTDOWN=\"k.der\",5\r", 23, &clean);
    cr_assert_not(redact_stream_line_ends(&st, "\x30\x82\x01", 3));
    cr_assert(redact_stream_line_ends(&st, "\x30\x82\x01\x0b\x02", 5), "the DER's last byte ends it");
    static char big[REDACT_LINE_MAX];
    memset(big, 'x', sizeof big);
    struct redact_stream idle = {0};
    cr_assert(redact_stream_line_ends(&idle, big, sizeof big));
    struct redact_stream module = {.module = true};
    cr_assert_not(redact_stream_line_ends(&module, "OK\r", 3), "the module's lines end at LF");
    cr_assert(redact_stream_line_ends(&module, "OK\r\n", 4));
    sb_free(&clean);
}

/* Text of one side in one piece (an imported log's step): cut into lines, each redacted. */
Test(redact, a_stretch_of_text_is_redacted_line_by_line)
{
    struct redact_stream module = {.module = true};
    sb_reset(&out);
    sb_add(&out, "", 0);
    const char *text = "\r\nOK\r\n\r\n+CSSLCFG: 0,4,2,1,300,\"ca.pem\",\"c.pem\",\"k.pem\",1,\"pw\",0x0\r\n";
    cr_assert_eq(redact_stream_text(&module, text, strlen(text), &out), 1);
    cr_assert_str_eq(sb_str(&out), "\r\nOK\r\n\r\n+CSSLCFG: 0,4,2,1,300,\"ca.pem\",\"c.pem\",\"k.pem\",1,\"***\",0x0\r\n");
    struct redact_stream host = {0};
    sb_reset(&out);
    text = "AT+CCERTDOWN=\"k.pem\",12\rsecret\nbytes\nAT\r";
    cr_assert_eq(redact_stream_text(&host, text, strlen(text), &out), 2);
    cr_assert_str_eq(sb_str(&out), "AT+CCERTDOWN=\"k.pem\",12\r***\n***\nAT\r");
    struct redact_stream idle = {0};
    cr_assert_not(redact_stream_text_may_change(&idle, "AT+CSQ\r\n+CSQ: 9,9\r\n", 19));
    cr_assert(redact_stream_text_may_change(&idle, "AT\rAT+CCERTDOWN=\"k.pem\",9\r", 26), "an upload begins");
    cr_assert(redact_stream_text_may_change(&idle, "\r\nOK\r\n+CSSLCFG: 0,4", 20), "a read form");
    sb_free(&out);
}

/* Text redacted before: its "***" no longer has the upload's length, and only
 * the module's answer tells where the data ended. */
Test(redact, the_modules_result_ends_the_hosts_upload)
{
    struct redact_stream host = {0};
    sb_reset(&out);
    const char *text = "AT+CCERTDOWN=\"k.pem\",90\r***\n";
    redact_stream_text(&host, text, strlen(text), &out);
    cr_assert_gt(host.data_left, 0);
    redact_stream_module_said(&host, "\r\n+CCERTLIST: \"a.pem\"\r\n", 23);
    cr_assert_gt(host.data_left, 0, "only a final result ends it");
    redact_stream_module_said(&host, "\r\nOK\r\n", 6);
    cr_assert_eq(host.data_left, 0);
    sb_reset(&out);
    cr_assert_eq(redact_stream_text(&host, "AT+CSQ\r", 7, &out), 0);
    cr_assert_str_eq(sb_str(&out), "AT+CSQ\r", "the next command is not data");
    sb_free(&out);
}
