/* The runner as a client of the module's own TCP server (AT+SERVERSTART):
 * the steps client-connect, client-send, expect-client-received and
 * client-close. Steps run in file order, so the parser follows which client
 * is connected at each line: a step may only name a client an earlier
 * client-connect made, and send or close only one still connected. */
#include "scn_internal.h"

#include "alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLIENT_NAME_MAX 32
#define CLIENT_NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"
#define CLIENT_DEFAULT_NAME "client-%zu"
#define PORT_MIN 1
#define PORT_MAX 65535

static int client_index(const struct scenario *sc, const char *name, size_t len)
{
    for (size_t i = 0; i < sc->n_clients; i++)
        if (strlen(sc->clients[i].name) == len && memcmp(sc->clients[i].name, name, len) == 0)
            return (int)i;
    return -1;
}

/* A new client named name (NULL: the next free client-N); -1 when the
 * scenario has as many as it may. */
static int client_add(struct scn_parser *p, const char *name)
{
    struct scenario *sc = p->sc;
    char dflt[CLIENT_NAME_MAX + 1];
    if (sc->n_clients == SCN_MAX_CLIENTS) {
        scn_perr(p, "more than %d clients; a scenario connects at most %d (a named client may connect again "
                    "after its client-close: client-connect PORT client=NAME)", SCN_MAX_CLIENTS, SCN_MAX_CLIENTS);
        return -1;
    }
    for (size_t n = sc->n_clients + 1; !name; n++) {   /* an explicit name may have taken client-N */
        snprintf(dflt, sizeof dflt, CLIENT_DEFAULT_NAME, n);
        if (client_index(sc, dflt, strlen(dflt)) < 0)
            name = dflt;
    }
    sc->clients[sc->n_clients] = (struct scn_client){.line = p->line, .name = xstrdup(name)};
    return (int)sc->n_clients++;
}

static bool client_name_ok(struct scn_parser *p, const struct scn_tok *t)
{
    if (!scn_want_word(p, t, "client name"))
        return false;
    if (t->len == 0 || t->len > CLIENT_NAME_MAX || strspn(t->text, CLIENT_NAME_CHARS) != t->len) {
        scn_perr(p, "bad client name=%s; expected 1 to %d letters, digits, '-' or '_'", t->text, CLIENT_NAME_MAX);
        return false;
    }
    return true;
}

/* client-connect's client: a new one, or a named one that is not connected now. */
static int connect_client(struct scn_parser *p, const struct scn_args *a)
{
    const struct scn_tok *t = scn_opt(a, "client");
    if (!t)
        return client_add(p, NULL);
    if (!client_name_ok(p, t))
        return -1;
    int i = client_index(p->sc, t->text, t->len);
    if (i < 0)
        return client_add(p, t->text);
    if (p->client_open[i]) {
        scn_perr(p, "client %s is still connected (line %d); close it first with client-close client=%s, "
                    "or name a second client with client=NAME", t->text, p->client_open[i], t->text);
        return -1;
    }
    return i;
}

void scn_kw_client_connect(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_step *s = obj;
    long port = 0;
    (void)d;
    s->within_ms = SCN_DEFAULT_EXPECT_MS;
    if (scn_get_uint(p, a->pos[0], "module port (AT+SERVERSTART's)", PORT_MIN, PORT_MAX, &port))
        s->port = (uint16_t)port;
    scn_opt_duration(p, a, "within", &s->within_ms);
    int i = connect_client(p, a);
    if (i < 0)
        return;
    /* followed even when the line has another error: the steps below still name it */
    s->client_idx = (size_t)i;
    p->client_open[i] = p->line;
    p->last_client = i + 1;
}

/* The client a step names with client=, or the latest client-connect's. */
static int step_client(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a)
{
    const struct scn_tok *t = scn_opt(a, "client");
    if (!t) {
        if (!p->last_client)
            scn_perr(p, "'%s' needs a client, but no client-connect comes before it; add client-connect PORT "
                        "(the port the firmware's AT+SERVERSTART listens on) above it", d->name);
        return p->last_client - 1;
    }
    if (!client_name_ok(p, t))
        return -1;
    int i = client_index(p->sc, t->text, t->len);
    if (i < 0)
        scn_perr(p, "no client named '%s' is connected above; connect it first with client-connect PORT client=%s",
                 t->text, t->text);
    return i;
}

/* client-send and client-close need the client connected at their line. */
static bool client_connected(struct scn_parser *p, const struct scn_kw *d, int i)
{
    if (p->client_open[i])
        return true;
    scn_perr(p, "'%s': client %s was closed above (client-close); connect it again first with "
                "client-connect PORT client=%s", d->name, p->sc->clients[i].name, p->sc->clients[i].name);
    return false;
}

void scn_kw_client_step(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_step *s = obj;
    if (d->kind == SCN_STEP_EXPECT_CLIENT_RECEIVED) {
        s->within_ms = SCN_DEFAULT_EXPECT_MS;
        scn_get_pattern(p, a->pos[0], "the bytes received", &s->pat);
        scn_opt_duration(p, a, "within", &s->within_ms);
    } else if (d->kind == SCN_STEP_CLIENT_SEND) {
        scn_get_string(p, a->pos[0], "the bytes", &s->text);
    }
    int i = step_client(p, d, a);
    if (i < 0)
        return;
    s->client_idx = (size_t)i;
    if (d->kind != SCN_STEP_EXPECT_CLIENT_RECEIVED && !client_connected(p, d, i))
        return;
    if (d->kind == SCN_STEP_CLIENT_CLOSE)
        p->client_open[i] = 0;
}

const char *const scn_client_wait_keys[] = {"client", "within", NULL};
const char *const scn_client_keys[] = {"client", NULL};

void scn_clients_free(struct scenario *sc)
{
    for (size_t i = 0; i < sc->n_clients; i++)
        free(sc->clients[i].name);
}
