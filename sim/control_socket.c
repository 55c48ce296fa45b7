#include "control_socket.h"

#include "sim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define CONTROL_OPTION "--control"
/* Connections waiting for accept(); the loop accepts them within one poll. */
#define LISTEN_BACKLOG 8
#define US_PER_MS 1000u
/* An ERR line telling a connection why it is closed or refused. */
#define NOTICE_MAX 256

int control_open(struct control_server *cs, const char *path, uint32_t idle_ms, char *err, size_t errlen)
{
    memset(cs, 0, sizeof *cs);
    cs->listen_fd = -1;
    cs->idle_us = (uint64_t)idle_ms * US_PER_MS;
    for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
        cs->clients[i].fd = -1;
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof addr.sun_path) {
        snprintf(err, errlen, "%s %s: longer than a socket path may be (%zu bytes); choose a shorter path",
                 CONTROL_OPTION, path, sizeof addr.sun_path - 1);
        return -1;
    }
    memcpy(addr.sun_path, path, strlen(path));
    if (path_claim_prepare(path, PATH_CLAIM_SOCKET, CONTROL_OPTION, err, errlen) < 0)
        return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        snprintf(err, errlen, "%s %s: cannot make a socket: %s", CONTROL_OPTION, path, strerror(errno));
        return -1;
    }
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        snprintf(err, errlen, "%s %s: %s; choose another path", CONTROL_OPTION, path, strerror(errno));
        close(fd);
        return -1;
    }
    path_claim_hold(&cs->path, path);
    if (listen(fd, LISTEN_BACKLOG) < 0) {
        snprintf(err, errlen, "%s %s: listen: %s", CONTROL_OPTION, path, strerror(errno));
        close(fd);
        path_claim_release(&cs->path);
        return -1;
    }
    cs->listen_fd = fd;
    return 0;
}

static void drop_client(struct control_client *c)
{
    close(c->fd);
    c->fd = -1;
    c->watching = c->discarding = false;
    sb_free(&c->in);
    sb_free(&c->out);
    c->out_off = 0;
}

void control_close(struct control_server *cs)
{
    if (cs->listen_fd < 0)
        return;                /* never opened: no clients either */
    for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
        if (cs->clients[i].fd >= 0)
            drop_client(&cs->clients[i]);
    close(cs->listen_fd);
    path_claim_release(&cs->path);
    cs->listen_fd = -1;
}

size_t control_pollfds(const struct control_server *cs, struct pollfd *fds, size_t cap)
{
    size_t n = 0;
    if (cs->listen_fd < 0 || cap == 0)
        return 0;
    fds[n++] = (struct pollfd){.fd = cs->listen_fd, .events = POLLIN};
    for (int i = 0; i < CONTROL_MAX_CLIENTS && n < cap; i++) {
        const struct control_client *c = &cs->clients[i];
        if (c->fd >= 0)
            fds[n++] = (struct pollfd){.fd = c->fd,
                                       .events = POLLIN | (c->out.len > c->out_off ? POLLOUT : 0)};
    }
    return n;
}

/* Replies are short and the peer reads them; a peer that stops reading loses them. */
static void send_fd_line(int fd, const char *text, size_t len)
{
    /* on failure the next read sees the hang-up and drops the client */
    (void)send(fd, text, len, MSG_NOSIGNAL | MSG_DONTWAIT | MSG_MORE);
    (void)send(fd, "\n", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* Sends what waits for the peer, as much as its socket takes now. */
static void flush_out(struct control_client *c)
{
    while (c->out.len > c->out_off) {
        ssize_t n = send(c->fd, c->out.p + c->out_off, c->out.len - c->out_off,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n <= 0)
            break;    /* full (POLLOUT will say when), or gone (the next read drops it) */
        c->out_off += (size_t)n;
    }
    if (c->out_off < c->out.len) {
        if (c->out_off > c->out.len / 2) {   /* a reader always a little behind: keep only what waits */
            memmove(c->out.p, c->out.p + c->out_off, c->out.len - c->out_off + 1);
            c->out.len -= c->out_off;
            c->out_off = 0;
        }
        return;
    }
    sb_reset(&c->out);
    c->out_off = 0;
}

/* Queues a line behind what waits and sends what the socket takes. */
static void send_line(struct control_client *c, const char *text, size_t len)
{
    if (c->out.len - c->out_off + len + 1 > CONTROL_OUT_MAX) {
        fprintf(stderr, "sim7600-sim: a control connection stopped reading (%u MiB waiting); "
                        "closing it: what it missed is lost to it\n", CONTROL_OUT_MAX >> 20);
        drop_client(c);
        return;
    }
    sb_add(&c->out, text, len);
    sb_add(&c->out, "\n", 1);
    flush_out(c);
}

static void run_line(struct control_client *c, const char *line, struct sim *s, uint64_t now_us)
{
    struct strbuf reply = {0};
    if (strcmp(line, "watch") == 0) {
        c->watching = true;
        sb_puts(&reply, "OK watching: MSG <qos> <retain> \"<topic>\" \"<payload>\" per published message");
    } else {
        sim_control(s, line, &reply, now_us);
    }
    send_line(c, sb_str(&reply), reply.len);
    sb_free(&reply);
}

/* Splits what arrived into lines; an over-long line gets one ERR and is dropped whole. */
static void take_lines(struct control_client *c, const char *data, size_t n, struct sim *s, uint64_t now_us)
{
    for (size_t i = 0; i < n; i++) {
        if (data[i] == '\n') {
            if (!c->discarding) {
                if (c->in.len && c->in.p[c->in.len - 1] == '\r')
                    c->in.p[--c->in.len] = '\0';
                sb_add(&c->in, "", 0);
                /* the command is a C string: a raw NUL would run the part before it
                 * and silently drop the rest */
                if (memchr(sb_str(&c->in), '\0', c->in.len)) {
                    static const char nul[] = "ERR the line has a NUL byte; nothing was done "
                                              "(write bytes inside quotes as \\0 or \\xHH)";
                    send_line(c, nul, sizeof nul - 1);
                } else {
                    run_line(c, sb_str(&c->in), s, now_us);
                    if (c->fd < 0)
                        return;   /* closed for not reading its answers */
                }
            }
            c->discarding = false;
            sb_reset(&c->in);
            continue;
        }
        if (c->discarding)
            continue;
        if (c->in.len >= CONTROL_LINE_MAX) {
            static const char msg[] = "ERR line too long (the limit is 65536 bytes); it was ignored";
            send_line(c, msg, sizeof msg - 1);
            c->discarding = true;
            sb_reset(&c->in);
            continue;
        }
        sb_add(&c->in, &data[i], 1);
    }
}

static struct control_client *free_slot(struct control_server *cs)
{
    for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
        if (cs->clients[i].fd < 0)
            return &cs->clients[i];
    return NULL;
}

/* The connection silent the longest, if for at least idle_us; never a watcher. */
static struct control_client *idlest(struct control_server *cs, uint64_t now_us)
{
    struct control_client *best = NULL;
    for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
        struct control_client *c = &cs->clients[i];
        if (c->fd < 0 || c->watching || now_us - c->heard_us < cs->idle_us)
            continue;
        if (!best || c->heard_us < best->heard_us)
            best = c;
    }
    return best;
}

/* Frees an idle connection's slot for a newcomer, telling it why. */
static void evict(struct control_client *c, uint64_t now_us)
{
    char notice[NOTICE_MAX];
    int n = snprintf(notice, sizeof notice,
                     "ERR closed: nothing was heard on this control connection for %llu ms and a new one "
                     "needed its slot (%d at most); reconnect to send more",
                     (unsigned long long)((now_us - c->heard_us) / US_PER_MS), CONTROL_MAX_CLIENTS);
    send_line(c, notice, (size_t)n);
    drop_client(c);
}

static void refuse(const struct control_server *cs, int fd)
{
    char notice[NOTICE_MAX];
    int n = snprintf(notice, sizeof notice,
                     "ERR too many control connections (%d, each heard from in the last %llu ms; watch "
                     "connections are never closed); close one and retry",
                     CONTROL_MAX_CLIENTS, (unsigned long long)(cs->idle_us / US_PER_MS));
    send_fd_line(fd, notice, (size_t)n);
    close(fd);
}

static void accept_client(struct control_server *cs, uint64_t now_us)
{
    int fd = accept4(cs->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0)
        return;
    struct control_client *slot = free_slot(cs);
    if (!slot && (slot = idlest(cs, now_us)) != NULL)
        evict(slot, now_us);
    if (!slot) {
        refuse(cs, fd);
        return;
    }
    *slot = (struct control_client){.fd = fd, .heard_us = now_us};
}

static struct control_client *client_by_fd(struct control_server *cs, int fd)
{
    for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
        if (cs->clients[i].fd == fd)
            return &cs->clients[i];
    return NULL;
}

void control_handle(struct control_server *cs, const struct pollfd *fds, size_t n, struct sim *s, uint64_t now_us)
{
    for (size_t i = 0; i < n; i++) {
        if (!fds[i].revents)
            continue;
        if (fds[i].fd == cs->listen_fd) {
            accept_client(cs, now_us);
            continue;
        }
        struct control_client *c = client_by_fd(cs, fds[i].fd);
        if (!c)
            continue;
        if (fds[i].revents & POLLOUT)
            flush_out(c);
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        char buf[4096];
        ssize_t got = read(c->fd, buf, sizeof buf);
        if (got <= 0) {
            if (got == 0 || (errno != EAGAIN && errno != EINTR))
                drop_client(c);
            continue;
        }
        c->heard_us = now_us;
        take_lines(c, buf, (size_t)got, s, now_us);
    }
}

void control_broadcast(struct control_server *cs, const char *line, size_t len)
{
    for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
        if (cs->clients[i].fd >= 0 && cs->clients[i].watching)
            send_line(&cs->clients[i], line, len);
}
