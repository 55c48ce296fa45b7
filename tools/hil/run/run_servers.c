/* A scenario's test servers in the run: started before the simulator (their
 * ports go into its --net-map rules and the send lines), checked by
 * expect-server-received, stopped at tear-down. */
#include "run_internal.h"

#include "alloc.h"

#include <stdlib.h>
#include <string.h>

#include "hil_clock.h"
#include "test_server.h"

#define SERVER_POLL_SLICE_MS 20   /* how often the step looks at what arrived */
#define SHOWN_BYTES_MAX 200       /* of what arrived, in a failure message */

int run_servers_start(struct run *r)
{
    const struct scenario *sc = r->sc;
    struct strbuf err = {0};
    if (sc->n_servers == 0)
        return 0;
    r->servers = xmalloc(sc->n_servers * sizeof *r->servers);
    for (size_t i = 0; i < sc->n_servers; i++) {
        const struct scn_server *sv = &sc->servers[i];
        r->n_servers = i + 1;   /* tear-down stops what start began, failed or not */
        if (test_server_start(&r->servers[i], sv->kind == SCN_SERVER_ECHO, sv->port, &err) < 0) {
            run_fail(r, "line %d: server %s: %s", sv->line, sv->name, sb_str(&err));
            sb_free(&err);
            return -1;
        }
        r->server_ports[i] = r->servers[i].port;
    }
    return 0;
}

void run_servers_stop(struct run *r)
{
    for (size_t i = 0; i < r->n_servers; i++)
        test_server_stop(&r->servers[i]);
    free(r->servers);
    r->servers = NULL;
    r->n_servers = 0;
}

void run_expand_servers(const struct run *r, const struct scn_bytes *in, struct strbuf *out)
{
    struct strbuf servers = {0};
    scn_expand_servers(r->sc, in, r->server_ports, &servers);
    run_expand_http(r, &servers, out);      /* {http}: the HTTP test server's port */
    sb_free(&servers);
}

/* ---- what a loopback peer received, waited for (shared with run_clients.c) ---- */

static int received_failed(struct run *r, const struct scn_step *s, const char *who, const struct strbuf *got,
                           size_t not_kept, const char *note)
{
    struct strbuf shown = {0};
    size_t n = got->len < SHOWN_BYTES_MAX ? got->len : SHOWN_BYTES_MAX;
    sb_c_quote(&shown, got->p ? got->p : "", n);
    int rc = run_fail(r, "line %d: %s did not receive %s%s%s within %.2fs; it received %zu bytes%s: %s%s%s",
                      s->line, who, s->pat.kind == SCN_PAT_REGEX ? "/" : "\"", s->pat.text.ptr,
                      s->pat.kind == SCN_PAT_REGEX ? "/" : "\"", (double)s->within_ms / 1000, got->len + not_kept,
                      note, sb_str(&shown), n < got->len ? " ..." : "",
                      not_kept ? " (more than the runner keeps: check a shorter stream)" : "");
    sb_free(&shown);
    return rc;
}

int run_received_step(struct run *r, const struct scn_step *s, struct rx_keep *rx, const char *who,
                      run_received_note_fn note, void *ctx)
{
    uint64_t end = hil_now_ms() + s->within_ms;
    struct strbuf got = {0};
    size_t not_kept = 0;
    int rc = 0;
    for (;;) {
        sb_reset(&got);
        rx_keep_copy(rx, &got, &not_kept);
        if (scn_pattern_match(&s->pat, got.p ? got.p : "", got.len))
            break;
        uint64_t now = hil_now_ms();
        if (now >= end) {
            rc = received_failed(r, s, who, &got, not_kept, note ? note(ctx) : "");
            break;
        }
        uint64_t left = end - now;
        if ((rc = run_idle(r, left < SERVER_POLL_SLICE_MS ? (uint32_t)left : SERVER_POLL_SLICE_MS)) < 0)
            break;
    }
    sb_free(&got);
    return rc;
}

/* A test server nobody reached: most likely no net-map rule steers to it. */
static const char *server_note(void *ctx)
{
    return test_server_accepted(ctx) ? ""
                                     : " (no connection reached it: is a net-map rule steering the socket to {server}?)";
}

int run_server_received_step(struct run *r, const struct scn_step *s)
{
    struct test_server *ts = &r->servers[s->server_idx];
    struct strbuf who = {0};
    sb_printf(&who, "server %s", r->sc->servers[s->server_idx].name);
    int rc = run_received_step(r, s, &ts->rx, sb_str(&who), server_note, ts);
    sb_free(&who);
    return rc;
}
