/* The socket side of the start state and its checks: `net-map` rules (the
 * simulator's --net-map), the runner's loopback test servers, their {server}
 * placeholders in net-map and send lines, and expect-server-received. */
#include "scn_internal.h"

#include "alloc.h"
#include "strbuf.h"

#include <stdio.h>
#include <string.h>

#define SERVER_NAME_MAX 32
#define SERVER_NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"
#define PORT_MAX 65535

static const char *const server_kind_names[] = { [SCN_SERVER_ECHO] = "echo", [SCN_SERVER_SINK] = "sink", NULL };

const char *scn_server_kind_str(enum scn_server_kind k)
{
    return (size_t)k < sizeof server_kind_names / sizeof server_kind_names[0] - 1 ? server_kind_names[k] : "?";
}

static int server_index(const struct scenario *sc, const char *name, size_t len)
{
    for (size_t i = 0; i < sc->n_servers; i++)
        if (strlen(sc->servers[i].name) == len && memcmp(sc->servers[i].name, name, len) == 0)
            return (int)i;
    return -1;
}

/* The placeholder at s[0..len) (it starts with SCN_SERVER_PLACEHOLDER): its
 * length in *used and its server's index, or -1 when it names none. */
static int placeholder(const struct scenario *sc, const char *s, size_t len, size_t *used)
{
    const size_t head = strlen(SCN_SERVER_PLACEHOLDER);
    const char *close = memchr(s, '}', len);
    *used = close ? (size_t)(close - s) + 1 : len;
    if (!close)
        return -1;
    if (close == s + head)                       /* {server}: the first one */
        return sc->n_servers ? 0 : -1;
    if (s[head] != ':')
        return -1;
    return server_index(sc, s + head + 1, (size_t)(close - s) - head - 1);
}

static const char *next_placeholder(const char *s, size_t len)
{
    const size_t head = strlen(SCN_SERVER_PLACEHOLDER);
    for (const char *q = s; q + head <= s + len; q++) {
        q = memchr(q, '{', (size_t)(s + len - q));
        if (!q || q + head > s + len)
            return NULL;
        if (memcmp(q, SCN_SERVER_PLACEHOLDER, head) == 0)
            return q;
    }
    return NULL;
}

void scn_expand_servers(const struct scenario *sc, const struct scn_bytes *in, const uint16_t *ports,
                        struct strbuf *out)
{
    const char *s = in->ptr, *end = in->ptr + in->len, *q;
    while ((q = next_placeholder(s, (size_t)(end - s))) != NULL) {
        size_t used;
        int i = placeholder(sc, q, (size_t)(end - q), &used);
        sb_add(out, s, (size_t)(q - s));
        if (i >= 0)
            sb_printf(out, "%u", (unsigned)ports[i]);
        else
            sb_add(out, q, used);   /* the parser refused these: kept as written */
        s = q + used;
    }
    sb_add(out, s, (size_t)(end - s));
}

/* Every placeholder in b names a server of the scenario. */
static void check_placeholders(struct scn_parser *p, int line, const struct scn_bytes *b)
{
    const char *s = b->ptr, *end = b->ptr + b->len, *q;
    while (s && (q = next_placeholder(s, (size_t)(end - s))) != NULL) {
        size_t used;
        if (placeholder(p->sc, q, (size_t)(end - q), &used) < 0) {
            if (p->sc->n_servers == 0)
                scn_perr_at(p, line, "'%.*s' stands for a test server's port, but the scenario starts none; "
                                     "add 'server echo' or 'server sink' to the start state",
                            (int)used, q);
            else
                scn_perr_at(p, line, "'%.*s' names no test server; expected {server} (the first) or "
                                     "{server:NAME} with the name= of a 'server' statement",
                            (int)used, q);
        }
        s = q + used;
    }
}

void scn_check_servers(struct scn_parser *p)
{
    const struct scenario *sc = p->sc;
    for (size_t i = 0; i < sc->world.n_net_map; i++)
        check_placeholders(p, sc->world.net_map_line[i], &sc->world.net_map[i]);
    for (size_t i = 0; i < sc->n_steps; i++)
        if (sc->steps[i].kind == SCN_STEP_SEND || sc->steps[i].kind == SCN_STEP_SEND_RAW)
            check_placeholders(p, sc->steps[i].line, &sc->steps[i].text);
}

/* ---- net-map ---- */

/* "FROM=TO": the simulator reads the two sides (README's --net-map); here
 * only the shape, so a typo is told with its line before anything starts. */
void scn_kw_net_map(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_world *w = &((struct scenario *)obj)->world;
    struct scn_bytes rule = {0};
    (void)d;
    if (w->n_net_map == SCN_MAX_NET_MAPS) {
        scn_perr(p, "more than %d net-map rules; the first that matches wins, so merge them with '*' "
                    "(\"*:8883=127.0.0.1:18883\")", SCN_MAX_NET_MAPS);
        return;
    }
    if (!scn_get_string(p, a->pos[0], "the net-map rule", &rule))
        return;
    const char *eq = memchr(rule.ptr, '=', rule.len);
    if (!eq || eq == rule.ptr || eq == rule.ptr + rule.len - 1 || rule.len != strlen(rule.ptr) ||
        strpbrk(rule.ptr, " \t\"")) {
        scn_perr(p, "bad net-map rule \"%s\"; expected \"HOST:PORT=HOST:PORT\", e.g. "
                    "\"cloud.example.com:5000=127.0.0.1:{server}\"", rule.ptr);
        scn_bytes_free(&rule);
        return;
    }
    w->net_map[w->n_net_map] = rule;
    w->net_map_line[w->n_net_map++] = p->line;
}

/* ---- server ---- */

static bool server_name(struct scn_parser *p, const struct scn_args *a, char **name)
{
    const struct scn_tok *t = scn_opt(a, "name");
    if (!t) {
        char dflt[SERVER_NAME_MAX];
        snprintf(dflt, sizeof dflt, "server-%zu", p->sc->n_servers + 1);
        *name = xstrdup(dflt);
        return true;
    }
    if (!scn_want_word(p, t, "server name")) return false;
    if (t->len == 0 || t->len > SERVER_NAME_MAX || strspn(t->text, SERVER_NAME_CHARS) != t->len) {
        scn_perr(p, "bad server name=%s; expected 1 to %d letters, digits, '-' or '_'", t->text, SERVER_NAME_MAX);
        return false;
    }
    if (server_index(p->sc, t->text, t->len) >= 0) {
        scn_perr(p, "a server named '%s' is already started above; give each server its own name=", t->text);
        return false;
    }
    *name = xstrdup(t->text);
    return true;
}

void scn_kw_server(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scenario *sc = obj;
    struct scn_server sv = { .line = p->line };
    int kind;
    long port = 0;
    (void)d;
    if (sc->n_servers == SCN_MAX_SERVERS) {
        scn_perr(p, "more than %d servers; a scenario starts at most %d", SCN_MAX_SERVERS, SCN_MAX_SERVERS);
        return;
    }
    bool ok = scn_get_name(p, a->pos[0], "server kind", server_kind_names, &kind);
    scn_opt_uint(p, a, "port", 1, PORT_MAX, &port);
    if (!server_name(p, a, &sv.name) || !ok)
        return;
    sv.kind = (enum scn_server_kind)kind;
    sv.port = (uint16_t)port;
    sc->servers[sc->n_servers++] = sv;
}

/* ---- expect-server-received ---- */

void scn_kw_expect_server_received(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a,
                                   void *obj)
{
    struct scn_step *s = obj;
    const struct scn_tok *t = scn_opt(a, "server");
    (void)d;
    s->within_ms = SCN_DEFAULT_EXPECT_MS;
    scn_get_pattern(p, a->pos[0], "the bytes received", &s->pat);
    scn_opt_duration(p, a, "within", &s->within_ms);
    if (p->sc->n_servers == 0) {
        scn_perr(p, "'expect-server-received' checks a test server, but the scenario starts none; "
                    "add 'server echo' or 'server sink' to the start state");
        return;
    }
    if (t && scn_want_word(p, t, "server name")) {
        int i = server_index(p->sc, t->text, t->len);
        if (i < 0)
            scn_perr(p, "no server named '%s'; name it with 'server echo|sink name=%s' in the start state",
                     t->text, t->text);
        s->server_idx = i < 0 ? 0 : (size_t)i;
    }
}
