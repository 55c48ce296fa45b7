#include "test_server.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define READ_CHUNK 4096
#define LISTEN_BACKLOG 8

enum { PF_WAKE, PF_LISTEN, PF_CLIENTS };

static void set_nonblocking(int fd)
{
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static void client_close(struct test_server_client *c)
{
    close(c->fd);
    c->fd = -1;
    sb_free(&c->out);
    c->out_off = 0;
}

static void accept_one(struct test_server *s)
{
    int fd = accept(s->loop.listen_fd, NULL, NULL);
    if (fd < 0)
        return;
    for (size_t i = 0; i < TEST_SERVER_CLIENTS; i++)
        if (s->clients[i].fd < 0) {
            set_nonblocking(fd);
            s->clients[i].fd = fd;
            pthread_mutex_lock(&s->mu);
            s->accepted++;
            pthread_mutex_unlock(&s->mu);
            return;
        }
    close(fd);   /* every slot taken: the peer sees its connection closed */
}

static void send_pending(struct test_server_client *c)
{
    ssize_t n = send(c->fd, c->out.p + c->out_off, c->out.len - c->out_off, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
        client_close(c);
        return;
    }
    c->out_off += n > 0 ? (size_t)n : 0;
    if (c->out_off == c->out.len) {
        sb_reset(&c->out);
        c->out_off = 0;
    }
}

static void read_client(struct test_server *s, struct test_server_client *c)
{
    char buf[READ_CHUNK];
    ssize_t n = recv(c->fd, buf, sizeof buf, 0);
    if (n > 0) {
        rx_keep_add(&s->rx, buf, (size_t)n);
        if (s->echo)
            sb_add(&c->out, buf, (size_t)n);
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        client_close(c);
    }
}

/* An echo client with bytes still to send is not read from: the module's
 * own flow control then holds its sender back, as a slow peer does. */
static bool echo_pending(const struct test_server_client *c)
{
    return c->out.len > c->out_off;
}

static size_t poll_set(struct test_server *s, struct pollfd *pf, size_t *slot)
{
    size_t n = PF_CLIENTS;
    pf[PF_WAKE] = (struct pollfd){.fd = s->loop.wake[0], .events = POLLIN};
    pf[PF_LISTEN] = (struct pollfd){.fd = s->loop.listen_fd, .events = POLLIN};
    for (size_t i = 0; i < TEST_SERVER_CLIENTS; i++) {
        if (s->clients[i].fd < 0)
            continue;
        slot[n - PF_CLIENTS] = i;
        pf[n++] = (struct pollfd){.fd = s->clients[i].fd, .events = echo_pending(&s->clients[i]) ? POLLOUT : POLLIN};
    }
    return n;
}

static void *serve(void *arg)
{
    struct test_server *s = arg;
    struct pollfd pf[PF_CLIENTS + TEST_SERVER_CLIENTS];
    size_t slot[TEST_SERVER_CLIENTS];
    for (;;) {
        size_t n = poll_set(s, pf, slot);
        if (loop_wait(pf, n, PF_WAKE, -1) < 0)
            break;
        if (pf[PF_LISTEN].revents & POLLIN)
            accept_one(s);
        for (size_t i = PF_CLIENTS; i < n; i++) {
            struct test_server_client *c = &s->clients[slot[i - PF_CLIENTS]];
            if (!pf[i].revents || c->fd < 0)
                continue;
            if (echo_pending(c))
                send_pending(c);
            else
                read_client(s, c);
        }
    }
    return NULL;
}

int test_server_start(struct test_server *s, bool echo, uint16_t port, struct strbuf *err)
{
    memset(s, 0, sizeof *s);
    s->echo = echo;
    loop_server_init(&s->loop);
    for (size_t i = 0; i < TEST_SERVER_CLIENTS; i++)
        s->clients[i].fd = -1;
    pthread_mutex_init(&s->mu, NULL);
    rx_keep_init(&s->rx);
    return loop_server_start(&s->loop, port, LISTEN_BACKLOG, "the test server", serve, s, &s->port, err);
}

unsigned test_server_accepted(struct test_server *s)
{
    pthread_mutex_lock(&s->mu);
    unsigned n = s->accepted;
    pthread_mutex_unlock(&s->mu);
    return n;
}

void test_server_stop(struct test_server *s)
{
    loop_server_stop(&s->loop);
    for (size_t i = 0; i < TEST_SERVER_CLIENTS; i++)
        if (s->clients[i].fd >= 0)
            client_close(&s->clients[i]);
    rx_keep_free(&s->rx);
    pthread_mutex_destroy(&s->mu);
}
