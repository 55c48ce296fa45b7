/* A scenario's test servers in the run: started before the simulator (their
 * ports go into its --net-map rules and the send lines), checked by
 * expect-server-received, stopped at tear-down. */
#include "run_internal.h"

#include "alloc.h"

#include <stdlib.h>
#include <string.h>

#include "hil_clock.h"
#include "rx_keep.h"
#include "test_server.h"

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

enum { RECEIVED_MATCHED = 1, RECEIVED_OVER };   /* what received_look found */

struct received_wait {
    const struct scn_step *s;
    const struct run_peer *peer;
    struct strbuf got;
    size_t not_kept;
    const char *over;        /* why nothing more can arrive; NULL while more may */
};

static int received_look(struct run *r, void *ctx)
{
    struct received_wait *w = ctx;
    (void)r;
    /* asked before the copy: a peer that was over by then has kept all it ever will */
    w->over = w->peer->over ? w->peer->over(w->peer->ctx) : NULL;
    sb_reset(&w->got);
    rx_keep_copy(w->peer->rx, &w->got, &w->not_kept);
    if (scn_pattern_match(&w->s->pat, w->got.p ? w->got.p : "", w->got.len))
        return RECEIVED_MATCHED;
    return w->over ? RECEIVED_OVER : 0;
}

/* `why` it failed follows the pattern: " within 0.30s", or ": <over> ...". */
static int received_failed(struct run *r, const struct received_wait *w, const char *why, const char *note)
{
    const struct scn_step *s = w->s;
    const char *quote = s->pat.kind == SCN_PAT_REGEX ? "/" : "\"";
    struct strbuf shown = {0};
    size_t n = w->got.len < SHOWN_BYTES_MAX ? w->got.len : SHOWN_BYTES_MAX;
    sb_c_quote(&shown, w->got.p ? w->got.p : "", n);
    int rc = run_fail(r, "line %d: %s did not receive %s%s%s%s; it received %zu bytes%s: %s%s%s", s->line,
                      w->peer->who, quote, s->pat.text.ptr, quote, why, w->got.len + w->not_kept, note,
                      sb_str(&shown), n < w->got.len ? " ..." : "",
                      w->not_kept ? " (more than the runner keeps: check a shorter stream)" : "");
    sb_free(&shown);
    return rc;
}

int run_received_step(struct run *r, const struct scn_step *s, const struct run_peer *peer)
{
    struct received_wait w = {.s = s, .peer = peer};
    uint64_t started = hil_now_ms();
    int rc = run_poll_until(r, s->within_ms, received_look, &w);
    struct strbuf why = {0};
    if (rc == 0) {
        sb_printf(&why, " within %.2fs", (double)s->within_ms / 1000);
        rc = received_failed(r, &w, sb_str(&why), peer->note ? peer->note(peer->ctx) : "");
    } else if (rc == RECEIVED_OVER) {
        /* waiting out within= would only delay the failure */
        sb_printf(&why, ": %s and nothing more can arrive (looked for %.2fs of within=%.2fs)", w.over,
                  (double)(hil_now_ms() - started) / 1000, (double)s->within_ms / 1000);
        rc = received_failed(r, &w, sb_str(&why), "");
    }
    sb_free(&why);
    sb_free(&w.got);
    return rc < 0 ? -1 : 0;
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
    /* never over: the module may connect again */
    struct run_peer peer = {.who = sb_str(&who), .rx = &ts->rx, .note = server_note, .ctx = ts};
    int rc = run_received_step(r, s, &peer);
    sb_free(&who);
    return rc;
}
