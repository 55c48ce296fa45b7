/* The runner as a client of the module's own TCP server: client-connect,
 * client-send, expect-client-received and client-close (simulator only).
 *
 * The simulator listens for the module's server on the host's 127.0.0.1, on
 * the module's port when it is free there, else on one the kernel picked; its
 * state (sockets.servers[i]) says which, so client-connect reads it until the
 * server is listening and connects there. Each client has a reader thread
 * that keeps what the module sends (rx_keep.h), so the module's sends never
 * wait for a step to read. client-close half-closes (a FIN, never a reset
 * for unread bytes); the reader reads on until the module's end closes. */
#include "run_internal.h"

#include "alloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hil_clock.h"
#include "json_read.h"
#include "loop_server.h"
#include "rx_keep.h"

#define CLIENT_POLL_SLICE_MS 20   /* how often a send to a full link tries again */
#define CLIENT_READ_CHUNK 4096
#define STATE_PATH_MAX 64         /* "sockets.servers[N].host_port" */

/* A client's life: a connect makes it CONNECTED, client-close CLOSING (our
 * FIN sent, its reader still reading); a later connect of the same name
 * starts it again. UNUSED: never connected in this run. */
enum client_state { CLIENT_UNUSED, CLIENT_CONNECTED, CLIENT_CLOSING };

struct run_client {
    enum client_state state;
    int fd;
    int wake[2];                  /* a byte here stops the reader */
    pthread_t reader;
    atomic_bool module_closed;    /* the module's end of the connection ended (EOF, reset) */
    struct rx_keep rx;            /* what it received since its latest connect */
};

struct run_clients {
    struct run_client c[SCN_MAX_CLIENTS];
};

/* ---- the reader thread ---- */

enum { PF_SOCKET, PF_WAKE, PF_COUNT };

static void *client_read(void *arg)
{
    struct run_client *c = arg;
    char buf[CLIENT_READ_CHUNK];
    struct pollfd pf[PF_COUNT] = {[PF_SOCKET] = {.fd = c->fd, .events = POLLIN},
                                  [PF_WAKE] = {.fd = c->wake[0], .events = POLLIN}};
    for (;;) {
        if (loop_wait(pf, PF_COUNT, PF_WAKE, -1) < 0)
            break;
        ssize_t n = recv(c->fd, buf, sizeof buf, 0);
        if (n > 0) {
            rx_keep_add(&c->rx, buf, (size_t)n);
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            atomic_store(&c->module_closed, true);
            break;
        }
    }
    return NULL;
}

/* Stops the reader, closes the socket, drops what it received. */
static void client_end(struct run_client *c)
{
    if (c->state == CLIENT_UNUSED)
        return;
    ssize_t w;
    do
        w = write(c->wake[1], "x", 1);
    while (w < 0 && errno == EINTR);
    pthread_join(c->reader, NULL);
    close(c->fd);
    close(c->wake[0]);
    close(c->wake[1]);
    rx_keep_free(&c->rx);
    c->state = CLIENT_UNUSED;
}

/* Starts the reader on connected socket fd; -1 with errno when it cannot. */
static int client_begin(struct run_client *c, int fd)
{
    if (pipe2(c->wake, O_CLOEXEC) < 0)   /* not into the programs the runner starts */
        return -1;
    c->fd = fd;
    atomic_store(&c->module_closed, false);
    rx_keep_init(&c->rx);
    int rc = pthread_create(&c->reader, NULL, client_read, c);
    if (rc != 0) {
        rx_keep_free(&c->rx);
        close(c->wake[0]);
        close(c->wake[1]);
        errno = rc;
        return -1;
    }
    c->state = CLIENT_CONNECTED;
    return 0;
}

static struct run_client *client_of(struct run *r, const struct scn_step *s)
{
    if (!r->clients) {
        r->clients = xmalloc(sizeof *r->clients);
        memset(r->clients, 0, sizeof *r->clients);
    }
    return &r->clients->c[s->client_idx];
}

static const char *client_name(const struct run *r, const struct scn_step *s)
{
    return r->sc->clients[s->client_idx].name;
}

void run_clients_stop(struct run *r)
{
    if (!r->clients)
        return;
    for (size_t i = 0; i < SCN_MAX_CLIENTS; i++)
        client_end(&r->clients->c[i]);
    free(r->clients);
    r->clients = NULL;
}

/* ---- client-connect: where the module's server listens ---- */

static enum json_result server_field(const struct strbuf *json, size_t i, const char *field, long long *v)
{
    char path[STATE_PATH_MAX];
    snprintf(path, sizeof path, "sockets.servers[%zu].%s", i, field);
    if (strcmp(field, "listening") != 0)
        return json_get_int(json->p, json->len, path, v);
    bool b = false;
    enum json_result jr = json_get_bool(json->p, json->len, path, &b);
    *v = b;
    return jr;
}

/* The host port of the module's server listening on `port`: 1 found (in
 * *host_port), 0 not (what listens is in `seen`), -1 after run_fail. */
static int find_server(struct run *r, const struct scn_step *s, int *host_port, struct strbuf *seen)
{
    struct strbuf json = {0};
    int found = 0;
    if (simproc_state_on(r->sim.control_fd, &json) < 0) {
        found = run_fail(r, "line %d: cannot read the simulator's state for its servers: %s", s->line, sb_str(&json));
        sb_free(&json);
        return found;
    }
    long long listening, port, host;
    for (size_t i = 0; !found && server_field(&json, i, "listening", &listening) == JSON_OK; i++) {
        if (!listening || server_field(&json, i, "port", &port) != JSON_OK ||
            server_field(&json, i, "host_port", &host) != JSON_OK)
            continue;
        if (port == s->port) {
            *host_port = (int)host;
            found = 1;
        }
        sb_printf(seen, "%sserver %zu on port %lld", seen->len ? ", " : "", i, port);
    }
    sb_free(&json);
    return found;
}

static int no_server(struct run *r, const struct scn_step *s, const struct strbuf *seen)
{
    return run_fail(r, "line %d: no server of the module listens on port %u within %.2fs (did the firmware run "
                       "AT+SERVERSTART=%u,0 after +NETOPEN: 0?); its servers: %s", s->line, (unsigned)s->port,
                    (double)s->within_ms / 1000, (unsigned)s->port, seen->len ? sb_str(seen) : "none listening");
}

struct server_wait {
    const struct scn_step *s;
    int host_port;
    struct strbuf seen;      /* the servers listening at the last look */
};

static int server_look(struct run *r, void *ctx)
{
    struct server_wait *w = ctx;
    sb_reset(&w->seen);
    return find_server(r, w->s, &w->host_port, &w->seen);
}

/* Waits up to the step's within= for the server; 1 with *host_port, or -1. */
static int await_server(struct run *r, const struct scn_step *s, int *host_port)
{
    struct server_wait w = {.s = s};
    int rc = run_poll_until(r, s->within_ms, server_look, &w);
    if (rc == 0)
        rc = no_server(r, s, &w.seen);
    *host_port = w.host_port;
    sb_free(&w.seen);
    return rc;
}

struct connect_wait {
    int fd;
    int err;                 /* poll's errno when it failed */
};

/* 1 once the connect under way ended (either way), 0 while it has not. */
static int connected_look(struct run *r, void *ctx)
{
    struct connect_wait *w = ctx;
    struct pollfd pf = {.fd = w->fd, .events = POLLOUT};
    (void)r;
    int n = poll(&pf, 1, 0);
    if (n == 0 || (n < 0 && errno == EINTR))   /* a signal says nothing of the connect */
        return 0;
    w->err = n < 0 ? errno : 0;
    return 1;
}

/* Until a connect under way ends, the wire served meanwhile (a full backlog
 * holds it), bounded by the scenario's time limit: 0 or its errno. */
static int await_connected(struct run *r, int fd)
{
    struct connect_wait w = {.fd = fd};
    uint64_t now = hil_now_ms();
    uint32_t left = r->deadline_ms > now ? (uint32_t)(r->deadline_ms - now) : 0;
    int rc = run_poll_until(r, left, connected_look, &w);
    if (rc == 0)
        return ETIMEDOUT;
    if (rc < 0)
        return EIO;
    if (w.err != 0)
        return w.err;
    int err = 0;
    socklen_t len = sizeof err;
    return getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 ? errno : err;
}

/* A non-blocking connect to 127.0.0.1:port: the socket, or -1 with errno. */
static int connect_loopback(struct run *r, int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int err = connect(fd, (struct sockaddr *)&a, sizeof a) == 0 ? 0 : errno;
    if (err == EINPROGRESS)
        err = await_connected(r, fd);
    if (err != 0) {
        close(fd);
        errno = err;
        return -1;
    }
    return fd;
}

static int step_connect(struct run *r, const struct scn_step *s)
{
    struct run_client *c = client_of(r, s);
    int host_port = 0;
    client_end(c);   /* a named client connecting again: its last connection is over */
    if (await_server(r, s, &host_port) < 0)
        return -1;
    int fd = connect_loopback(r, host_port);
    if (fd < 0 || client_begin(c, fd) < 0) {
        int err = errno;
        if (fd >= 0)
            close(fd);
        if (r->wire_broken)
            return run_wire_failed(r);
        return run_fail(r, "line %d: client %s could not connect to the module's server on port %u "
                           "(127.0.0.1:%d on this host): %s; did the firmware stop it (AT+SERVERSTOP) meanwhile?",
                        s->line, client_name(r, s), (unsigned)s->port, host_port, strerror(err));
    }
    struct strbuf note = {0};
    sb_printf(&note, "client %s connected to the module's server on port %u (127.0.0.1:%d on this host)",
              client_name(r, s), (unsigned)s->port, host_port);
    transcript_note(&r->tr, sb_str(&note));
    sb_free(&note);
    return 0;
}

/* ---- the steps on a connected client ---- */

static const char *closed_note(void *ctx)
{
    const struct run_client *c = ctx;
    return atomic_load(&c->module_closed) ? " (the module's end closed the connection)" : "";
}

/* Writes the step's bytes, the wire served while the module's side is full. */
static int step_send(struct run *r, const struct scn_step *s)
{
    struct run_client *c = client_of(r, s);
    size_t off = 0;
    while (off < s->text.len) {
        ssize_t n = send(c->fd, s->text.ptr + off, s->text.len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return run_fail(r, "line %d: client %s could not send: %s%s", s->line, client_name(r, s), strerror(errno),
                            closed_note(c));
        if (hil_now_ms() >= r->deadline_ms)
            return run_fail(r, "line %d: client %s sent %zu of %zu bytes by the time limit: the module takes no "
                               "more (a stalled link, or its receive buffer full and nobody reading it)",
                            s->line, client_name(r, s), off, s->text.len);
        if (run_idle(r, CLIENT_POLL_SLICE_MS) < 0)
            return -1;
    }
    return 0;
}

static const char *over_note(void *ctx)
{
    const struct run_client *c = ctx;
    return atomic_load(&c->module_closed) ? "the module's end closed the connection" : NULL;
}

static int step_received(struct run *r, const struct scn_step *s)
{
    struct run_client *c = client_of(r, s);
    struct strbuf who = {0};
    sb_printf(&who, "client %s", client_name(r, s));
    struct run_peer peer = {.who = sb_str(&who), .rx = &c->rx, .note = closed_note, .over = over_note, .ctx = c};
    int rc = run_received_step(r, s, &peer);
    sb_free(&who);
    return rc;
}

static int step_close(struct run *r, const struct scn_step *s)
{
    struct run_client *c = client_of(r, s);
    /* a FIN, whatever is unread: close() with bytes unread would reset the connection */
    if (shutdown(c->fd, SHUT_WR) < 0 && errno != ENOTCONN)
        return run_fail(r, "line %d: client %s could not close its connection: %s", s->line, client_name(r, s),
                        strerror(errno));
    c->state = CLIENT_CLOSING;
    return 0;
}

int run_client_step(struct run *r, const struct scn_step *s)
{
    switch (s->kind) {
    case SCN_STEP_CLIENT_CONNECT:         return step_connect(r, s);
    case SCN_STEP_CLIENT_SEND:            return step_send(r, s);
    case SCN_STEP_EXPECT_CLIENT_RECEIVED: return step_received(r, s);
    case SCN_STEP_CLIENT_CLOSE:           return step_close(r, s);
    default:                              return run_fail(r, "line %d: not a client step", s->line);
    }
}

bool run_uses_clients(const struct scenario *sc, int *line)
{
    for (size_t i = 0; i < sc->n_steps; i++)
        if (sc->steps[i].kind == SCN_STEP_CLIENT_CONNECT) {
            *line = sc->steps[i].line;
            return true;
        }
    return false;
}
