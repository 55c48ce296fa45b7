/* The scenario language's HTTP side (issue 19): http-server and what it
 * answers (tls=1 too), the {http} placeholder, expect-http-request,
 * send-file and its {size:FILE}, each into its fields, every error with its
 * line. */
#include "scn_fixture.h"
#include "strbuf.h"

static struct strbuf line;

static void teardown(void)
{
    scn_fixture_free();
    sb_free(&line);
}

TestSuite(scn_http, .fini = teardown);

Test(scn_http, the_server_and_what_it_answers)
{
    parse_ok("scenario \"h\"\ntargets sim\n"
             "http-server port=18080 status=201 body=\"{}\" header=\"X-A: 1\\r\\nX-B: 2\" chunked=1 delay=250ms "
             "answer=half\n"
             "net-map \"api.example.com:80=127.0.0.1:{http}\"\n"
             "send \"AT\"\n"
             "expect-http-request POST \"/v1/r?x=1\" /temp/ within=2s\n");
    const struct scn_http_server *h = &sc->http;
    cr_assert_eq(h->line, 3);
    cr_assert_eq(h->port, 18080);
    cr_assert_eq(h->status, 201);
    cr_assert_str_eq(h->body.ptr, "{}");
    cr_assert_str_eq(h->headers.ptr, "X-A: 1\r\nX-B: 2");
    cr_assert(h->chunked);
    cr_assert_eq(h->delay_ms, 250);
    cr_assert_eq(h->action, SCN_HTTP_HALF);
    const struct scn_step *s = &sc->steps[1];
    cr_assert_eq(s->kind, SCN_STEP_EXPECT_HTTP_REQUEST);
    cr_assert_str_eq(s->text.ptr, "POST");
    cr_assert_str_eq(s->topic.ptr, "/v1/r?x=1");
    cr_assert_eq(s->pat.kind, SCN_PAT_REGEX);
    cr_assert_eq(s->within_ms, 2000);
    cr_assert_str_eq(scn_step_kind_str(s->kind), "expect-http-request");
}

Test(scn_http, defaults_answer_200_at_once)
{
    parse_ok("scenario \"h\"\ntargets sim\nhttp-server\nsend \"AT\"\nexpect-http-request GET \"/\"\n");
    cr_assert_eq(sc->http.status, 200);
    cr_assert_eq(sc->http.action, SCN_HTTP_ANSWER);
    cr_assert_eq(sc->http.port, 0);
    cr_assert_eq(sc->steps[1].pat.kind, SCN_PAT_NONE, "no body given: any body");
    cr_assert_eq(sc->steps[1].within_ms, 5000);
}

Test(scn_http, the_placeholder_is_the_port)
{
    parse_ok("scenario \"h\"\ntargets sim\nhttp-server\nnet-map \"a:80=127.0.0.1:{http}\"\nsend \"AT\"\n");
    scn_expand_http(&sc->world.net_map[0], 40123, &line);
    cr_assert_str_eq(sb_str(&line), "a:80=127.0.0.1:40123");
}

Test(scn_http, errors_say_what_to_write)
{
#define HEAD "scenario \"h\"\ntargets sim\n"
#define STEP "send \"AT\"\n"
    one_error(HEAD "net-map \"a:80=127.0.0.1:{http}\"\n" STEP, 3, "add 'http-server'");
    one_error(HEAD STEP "expect-http-request GET \"/\"\n", 4, "add 'http-server'");
    one_error(HEAD "http-server\nhttp-server\n" STEP, 4, "a second http-server");
    one_error(HEAD "http-server status=99\n" STEP, 3, "status");
    one_error(HEAD "http-server answer=later\n" STEP, 3, "normal, drop, silent, half");
    one_error(HEAD "http-server body=\"x\" body-size=3\n" STEP, 3, "not both");
    one_error("scenario \"h\"\ntargets hardware\nhttp-server\n" STEP, 3, "needs the simulator");
    one_error(HEAD "http-server tls=2\n" STEP, 3, "tls");
    one_error(HEAD "http-server\nsend-file \"ca.pem\"\n", 4, "add one, or name a path");
    one_error(HEAD "http-server tls=1\nsend-file \"ca.crt\"\n", 4, "not in the runner's test set");
    one_error(HEAD "http-server tls=1\nsend-file \"./no/such.pem\"\n", 4, "relative to the scenario's folder");
    one_error(HEAD "http-server tls=1\nsend \"AT+CCERTDOWN=\\\"a.pem\\\",{size:ca.pem}\"\n", 4,
              "no such send-file");
    one_error(HEAD "http-server tls=1\nbring-up\nsend-file \"ca.pem\"\n", 5, "cannot share it with driver steps");
#undef HEAD
#undef STEP
}

Test(scn_http, https_and_a_file_sent_with_its_size)
{
    parse_ok("scenario \"h\"\ntargets sim\nhttp-server tls=1\n"
             "send \"AT+CCERTDOWN=\\\"ca.pem\\\",{size:ca.pem}\"\nexpect-prompt\nsend-file \"ca.pem\"\n");
    cr_assert(sc->http.tls);
    const struct scn_step *f = &sc->steps[2];
    cr_assert_eq(f->kind, SCN_STEP_SEND_FILE);
    cr_assert_str_eq(f->text.ptr, "ca.pem", "a test-set name stays a name: the runner knows the set's folder");
    cr_assert_str_eq(scn_step_kind_str(f->kind), "send-file");
    cr_assert_eq(scn_send_file_step(sc, "ca.pem", 6), f);
    cr_assert_null(scn_send_file_step(sc, "ca.der", 6));
    const char *name;
    size_t name_len, used;
    const char *text = sc->steps[0].text.ptr, *end = text + sc->steps[0].text.len;
    const char *q = scn_next_size(text, end, &name, &name_len, &used);
    cr_assert_not_null(q);
    cr_assert_eq(name_len, 6);
    cr_assert_eq(memcmp(name, "ca.pem", 6), 0);
    cr_assert_eq(used, strlen("{size:ca.pem}"));
    cr_assert_null(scn_next_size(q + used, end, &name, &name_len, &used));
}

Test(scn_http, a_tls_statement_makes_the_set_too)
{
    parse_ok("scenario \"h\"\ntargets sim\ntls ca=\"ca.pem\"\nsend-file \"client.pem\"\n");
    cr_assert_eq(sc->steps[0].kind, SCN_STEP_SEND_FILE);
}
