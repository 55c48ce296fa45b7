/* A TLS session's keys and passwords never reach a log, a transcript or an
 * error message (issue 17): sim7600-sim --log of a bring-up that uploads a
 * PEM key and a DER key in pieces and sets the context's password, the
 * replay of that redacted log (it still answers as the live module did), the
 * replay's departure report on stderr, sim7600-hil run's transcript of a
 * TLS scenario, and what sim7600-hil import makes of a field log. Real
 * processes, a real pty. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "sim_process.h"
#include "strbuf.h"
#include "test_certs.h"
#include "test_dir.h"

#define T SIMPROC_DEFAULT_TIMEOUT_MS
#define PASSWORD TEST_CERTS_PASSWORD      /* client-key-enc.pem's */
#define PEM_KEY "client-key-enc.pem"
#define DER_KEY "client-key.der"
#define CERT "ca.pem"
#define PIECES 3                          /* each upload is written in this many reads */
#define DER_WINDOW 8                      /* no run of this many DER bytes may be in a log */
#define ANSWERS_CAP 16384
#define RUN_BOUND_MS 60000
#define OUT_CAP 65536
#define STDERR_SHOWN 4096

static struct sim_process sim;

static void make_dir(void) { test_dir_make("secrets-"); }

static void teardown(void)
{
    simproc_stop(&sim);
    test_dir_remove();
}

TestSuite(secrets, .init = make_dir, .fini = teardown, .timeout = 90);

static void start(const char *const *args, bool capture_stderr)
{
    const char *all[SIMPROC_MAX_ARGS] = {"--baud", "0", "--profile", "warm"};
    size_t n = 4;
    for (; args && *args && n + 1 < SIMPROC_MAX_ARGS; args++)
        all[n++] = *args;
    struct simproc_options o = {.args = all, .capture_stderr = capture_stderr};
    struct strbuf err = {0};
    cr_assert_eq(simproc_launch(&sim, &o, &err), 0, "sim7600-sim did not start: %s", sb_str(&err));
    sb_free(&err);
    cr_assert_eq(simproc_open(&sim), 0);
}

/* Sends `cmd` and appends the module's words up to `until` to answers. */
static void ask(const char *cmd, const char *until, char *answers)
{
    char got[ANSWERS_CAP];
    simproc_send(&sim, cmd);
    cr_assert(simproc_take(&sim, until, T, got, sizeof got), "no \"%s\" after %s: \"%s\"", until, cmd,
              simproc_pending(&sim));
    strncat(answers, got, ANSWERS_CAP - strlen(answers) - 1);
}

/* The module has read `bytes` of the data phase: the next piece is a read of its own. */
static void wait_data_got(size_t bytes)
{
    char want[64], json[8192];
    snprintf(want, sizeof want, "\"data_got\":%zu,", bytes);
    long long until = test_now_ms() + T;
    while (test_now_ms() < until) {
        if (simproc_control(&sim, "state", json, sizeof json) == 0 && strstr(json, want))
            return;
    }
    cr_assert_fail("the module never read %zu bytes of the upload: %s", bytes, json);
}

/* AT+CCERTDOWN of a test certificate file, its bytes in PIECES writes. */
static void upload(const char *name, char *answers, bool pieces)
{
    size_t len;
    uint8_t *data = test_cert_read(name, &len);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "AT+CCERTDOWN=\"%s\",%zu\r", name, len);
    ask(cmd, ">", answers);
    size_t step = pieces ? len / PIECES : len, at = 0;
    while (len - at > step) {
        simproc_write(&sim, data + at, step);
        at += step;
        wait_data_got(at);
    }
    simproc_write(&sim, data + at, len - at);
    free(data);
    char got[256];
    cr_assert(simproc_take(&sim, "OK\r\n", T, got, sizeof got), "the upload of %s was not taken: \"%s\"", name,
              simproc_pending(&sim));
    strncat(answers, got, ANSWERS_CAP - strlen(answers) - 1);
}

/* A TLS bring-up's store and context part, echo on; everything the module said in answers. */
static void tls_session(char *answers, bool pieces)
{
    answers[0] = '\0';
    ask("ATE1\r", "OK\r\n", answers);
    upload(CERT, answers, false);
    upload(PEM_KEY, answers, pieces);
    upload(DER_KEY, answers, pieces);
    ask("AT+CSSLCFG=\"password\",0,\"" PASSWORD "\"\r", "OK\r\n", answers);
    ask("AT+CSSLCFG=\"clientkey\",0,\"" PEM_KEY "\"\r", "OK\r\n", answers);
    ask("AT+CSSLCFG?\r", "\r\nOK\r\n", answers);
    ask("AT+CCERTLIST\r", "\r\nOK\r\n", answers);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "no file %s", path);
    char *text = calloc(1, 1 << 20);
    *len = fread(text, 1, (1 << 20) - 1, f);
    fclose(f);
    return text;
}

/* Every byte a capture holds, both ways, unescaped. */
static void capture_bytes(const char *text, struct strbuf *bytes)
{
    char line[8192];
    uint8_t data[8192];
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, "\n");
        cr_assert_lt(n, sizeof line);
        memcpy(line, p, n);
        line[n] = '\0';
        p += n + (p[n] == '\n');
        double t;
        char dir;
        size_t len;
        const char *why;
        if (capture_parse_line(line, &t, &dir, data, &len, &why) == 1)
            sb_add(bytes, data, len);
    }
}

/* The text holds no line of the PEM key's base64 body, no run of its DER
 * bytes, and not the password. */
static void assert_no_secret(const char *what, const char *text, size_t len)
{
    size_t klen;
    char *key = (char *)test_cert_read(PEM_KEY, &klen);
    for (char *l = strtok(key, "\r\n"); l; l = strtok(NULL, "\r\n"))
        if (strncmp(l, "-----", 5) != 0)
            cr_assert_null(memmem(text, len, l, strlen(l)), "%s holds the key's line %s", what, l);
    free(key);
    uint8_t *der = test_cert_read(DER_KEY, &klen);
    for (size_t i = 0; i + DER_WINDOW <= klen; i++)
        cr_assert_null(memmem(text, len, der + i, DER_WINDOW), "%s holds the DER key's bytes at %zu", what, i);
    free(der);
    cr_assert_null(memmem(text, len, PASSWORD, strlen(PASSWORD)), "%s holds the password", what);
}

static const char *record_session(char *answers, bool pieces)
{
    const char *log = test_dir_path("tls.cap");
    const char *args[] = {"--log", log, NULL};
    start(args, false);
    tls_session(answers, pieces);
    char json[16384];
    cr_assert_eq(simproc_control(&sim, "state", json, sizeof json), 0);
    assert_no_secret("the control socket's state", json, strlen(json));
    simproc_stop(&sim);
    return log;
}

Test(secrets, the_log_has_the_commands_and_the_certificate_but_no_key_and_no_password)
{
    static char answers[ANSWERS_CAP];
    const char *log = record_session(answers, true);
    cr_assert(strstr(answers, "+CSSLCFG: 0,4,0,1,300,\"\",\"\",\"" PEM_KEY "\",0,\"" PASSWORD "\""),
              "the live module shows the password to the host: %s", answers);
    size_t len;
    char *text = read_file(log, &len);
    struct strbuf bytes = {0};
    capture_bytes(text, &bytes);
    assert_no_secret("the log's text", text, len);
    assert_no_secret("the log's bytes", bytes.p, bytes.len);
    size_t clen;
    char *cert = (char *)test_cert_read(CERT, &clen);
    cr_assert(memmem(bytes.p, bytes.len, cert, clen), "the certificate upload is not in the log whole:\n%s", text);
    free(cert);
    static const char *const kept[] = {
        "AT+CCERTDOWN=\"" PEM_KEY "\"", "AT+CCERTDOWN=\"" DER_KEY "\"", "-----BEGIN ENCRYPTED PRIVATE KEY-----",
        "> AT+CSSLCFG=\"password\",0,\"***\"\\r", "< AT+CSSLCFG=\"password\",0,\"***\"\\r",
        "\"" PEM_KEY "\",0,\"***\",0x0", "+CCERTLIST: \"" DER_KEY "\"",
    };
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        cr_assert(strstr(text, kept[i]), "the log lacks %s:\n%s", kept[i], text);
    sb_free(&bytes);
    free(text);
}

/* What the live module said, with the password as the log holds it where
 * the replay cannot know it: AT+CSSLCFG?'s read form (its echo of the
 * password command is the host's own line again). */
static void as_logged(char *answers)
{
    static const char shown[] = ",\"" PASSWORD "\",0x0", logged[] = ",\"***\",0x0";
    for (char *p; (p = strstr(answers, shown));) {
        memmove(p + strlen(logged), p + strlen(shown), strlen(p + strlen(shown)) + 1);
        memcpy(p, logged, strlen(logged));
    }
}

Test(secrets, the_redacted_log_replays_as_the_live_session_answered)
{
    static char live[ANSWERS_CAP], replayed[ANSWERS_CAP];
    const char *log = record_session(live, true);
    const char *args[] = {"--replay", log, "--replay-strict", "--replay-speed", "10", NULL};
    start(args, false);
    tls_session(replayed, false);     /* the uploads in one write: the log's lines still match */
    as_logged(live);
    cr_assert_str_eq(replayed, live);
    char json[16384];
    cr_assert_eq(simproc_control(&sim, "state", json, sizeof json), 0);
    cr_assert(strstr(json, "\"replay\":{\"state\":\"finished\""), "the replay did not follow the log: %s", json);
}

/* Waits (bounded) until the simulator told a departure on stderr; what it said into `said`. */
static void stderr_told(struct strbuf *said)
{
    long long until = test_now_ms() + T;
    do {
        sb_reset(said);
        simproc_stderr_tail(&sim, said, STDERR_SHOWN);
    } while (!strstr(sb_str(said), "departed") && test_now_ms() < until);
    cr_assert(strstr(sb_str(said), "departed"), "the simulator told no departure: %s", sb_str(said));
}

/* The host's key differs from the recorded one where the log hides it: the
 * departure is told, on stderr and in state, without the key's bytes. */
Test(secrets, a_departure_inside_a_key_upload_is_reported_without_the_key)
{
    static char answers[ANSWERS_CAP];
    const char *log = record_session(answers, false);
    const char *args[] = {"--replay", log, "--replay-strict", "--replay-speed", "10", NULL};
    start(args, true);
    answers[0] = '\0';
    ask("ATE1\r", "OK\r\n", answers);
    upload(CERT, answers, false);
    size_t len;
    char *key = (char *)test_cert_read(PEM_KEY, &len);
    char *body = strchr(key, '\n') + 1;
    *strchr(body, '\n') = '\r';            /* the first body line ends otherwise than recorded */
    char cmd[128];
    snprintf(cmd, sizeof cmd, "AT+CCERTDOWN=\"%s\",%zu\r", PEM_KEY, len);
    ask(cmd, ">", answers);
    simproc_write(&sim, key, len);
    struct strbuf said = {0};
    stderr_told(&said);
    cr_assert(strstr(sb_str(&said), "got \"***\\r\""), "the departure is not told, redacted: %s", sb_str(&said));
    cr_assert(strstr(sb_str(&said), "*** hides a key's bytes or a password"), "%s", sb_str(&said));
    assert_no_secret("the simulator's stderr", said.p, said.len);
    char json[16384];
    cr_assert_eq(simproc_control(&sim, "state", json, sizeof json), 0);
    cr_assert(strstr(json, "\"diverged\""), "%s", json);
    assert_no_secret("the state's divergence", json, strlen(json));
    sb_free(&said);
    free(key);
}

/* The host sends the password where the log has another command. */
Test(secrets, a_departure_with_the_password_is_reported_without_it)
{
    static char answers[ANSWERS_CAP];
    const char *log = record_session(answers, false);
    const char *args[] = {"--replay", log, NULL};
    start(args, true);
    answers[0] = '\0';
    ask("ATE1\r", "OK\r\n", answers);
    ask("AT+CSSLCFG=\"password\",0,\"" PASSWORD "\"\r", "OK\r\n", answers);   /* the model answers */
    struct strbuf said = {0};
    stderr_told(&said);
    cr_assert(strstr(sb_str(&said), "got \"AT+CSSLCFG=\"password\",0,\"***\"\\r\""), "%s", sb_str(&said));
    assert_no_secret("the simulator's stderr", said.p, said.len);
    sb_free(&said);
}

#define TLS_SCENARIO(NAME, KEY)                                                                    \
    "scenario \"" NAME "\"\ntargets sim\ntime-limit 30s\n"                                          \
    "tls ca=\"" CERT "\" cert=\"client.pem\" key=\"" KEY "\" key-password=\"" PASSWORD "\"\n"      \
    "bring-up apn=\"internet\"\nconnect client-id=\"" NAME "\"\n"                                 \
    "publish \"tls/secret\" \"hello\" qos=1\ndisconnect\n"                                       \
    "expect-message \"tls/secret\" \"hello\" count=1\n"

Test(secrets, a_tls_scenarios_transcript_has_no_key_and_no_password)
{
    static char out[OUT_CAP];
    const char *pem = test_dir_file("pem.scn", TLS_SCENARIO("secret-pem", PEM_KEY));
    const char *der = test_dir_file("der.scn", TLS_SCENARIO("secret-der", DER_KEY));
    int st = hil_tool(out, sizeof out, RUN_BOUND_MS, "run", "--keep-logs", test_dir_path("logs"), pem, der, NULL);
    cr_assert_eq(st, 0, "exit %d:\n%s", st, out);
    static const char *const caps[] = {"logs/secret-pem.cap", "logs/secret-der.cap"};
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
        size_t len;
        char *text = read_file(test_dir_path(caps[i]), &len);
        assert_no_secret(caps[i], text, len);
        struct strbuf bytes = {0};
        capture_bytes(text, &bytes);
        assert_no_secret(caps[i], bytes.p, bytes.len);
        cr_assert(strstr(text, "AT+CSSLCFG=\"password\",0,\"***\""), "%s lacks the password command", caps[i]);
        cr_assert(strstr(text, "-----BEGIN CERTIFICATE-----"), "%s lacks the CA's upload", caps[i]);
        sb_free(&bytes);
        free(text);
    }
}

#define FIELD_PASSWORD "Hunter2-field"
#define FIELD_KEY_LINE "MIGHAgEAMBMGByqGSM49AgEG"

/* A serial monitor's log of a TLS bring-up, with its secrets in clear. */
static const char FIELD_LOG[] =
    "--> AT+CSSLCFG=\"password\",0,\"" FIELD_PASSWORD "\"\n<-- OK\n"
    "--> AT+CSSLCFG?\n<-- +CSSLCFG: 0,4,2,1,300,\"ca.pem\",\"c.pem\",\"k.pem\",1,\"" FIELD_PASSWORD "\",0x0\n"
    "<-- OK\n"
    "--> AT+CCERTDOWN=\"k.pem\",80\n<-- >\n"     /* a monitor's log does not keep the exact bytes */
    "--> -----BEGIN PRIVATE KEY-----\n--> " FIELD_KEY_LINE "\n--> -----END PRIVATE KEY-----\n<-- OK\n";

/* A log --log wrote imports whole: the commands after its uploads are not
 * taken for upload data, though its "***" lines are shorter than the keys. */
Test(secrets, a_redacted_log_imports_with_every_command)
{
    static char answers[ANSWERS_CAP], out[OUT_CAP];
    const char *log = record_session(answers, false);
    int st = hil_tool(out, sizeof out, RUN_BOUND_MS, "import", "--as", "scenario", log, NULL);
    cr_assert_eq(st, 0, "exit %d:\n%s", st, out);
    static const char *const sent[] = {
        "send \"AT+CSSLCFG=\\\"password\\\",0,\\\"***\\\"\"", "send \"AT+CSSLCFG=\\\"clientkey\\\",0,",
        "send \"AT+CSSLCFG?\"", "send \"AT+CCERTLIST\"",
    };
    for (size_t i = 0; i < sizeof sent / sizeof sent[0]; i++)
        cr_assert(strstr(out, sent[i]), "the scenario lacks %s:\n%s", sent[i], out);
    assert_no_secret("the imported scenario", out, strlen(out));
}

Test(secrets, an_imported_field_log_copies_no_password_and_no_key)
{
    static char out[OUT_CAP];
    const char *log = test_dir_file("field.log", FIELD_LOG);
    static const char *const as[] = {"scenario", "capture"};
    for (size_t i = 0; i < sizeof as / sizeof as[0]; i++) {
        int st = hil_tool(out, sizeof out, RUN_BOUND_MS, "import", "--as", as[i], log, NULL);
        cr_assert_eq(st, 0, "import --as %s: exit %d:\n%s", as[i], st, out);
        cr_assert_null(strstr(out, FIELD_PASSWORD), "import --as %s copied the password:\n%s", as[i], out);
        cr_assert_null(strstr(out, FIELD_KEY_LINE), "import --as %s copied the key:\n%s", as[i], out);
        cr_assert(strstr(out, "-----BEGIN PRIVATE KEY-----"), "import --as %s lost the upload:\n%s", as[i], out);
        const char *cmd = strstr(out, "AT+CSSLCFG=");
        cr_assert(cmd && memmem(cmd, strcspn(cmd, "\n"), "***", 3), "import --as %s lost the password command:\n%s",
                  as[i], out);
    }
}
