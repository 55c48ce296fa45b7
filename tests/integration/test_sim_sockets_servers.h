/* Loopback servers for the socket tests (test_sim_sockets*.c), each on a
 * thread of its own, started and stopped by the test: an echo, a sender of a
 * long numbered burst, one that closes or resets after what it read, and a
 * UDP echo. What each did is read under its lock; every wait is bounded. */
#ifndef TEST_SIM_SOCKETS_SERVERS_H
#define TEST_SIM_SOCKETS_SERVERS_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TSERVER_POLL_MS 20
#define TSERVER_BUF 65536

enum tserver_mode {
    TSERVER_ECHO,        /* writes back what it reads; closes when the peer does */
    TSERVER_BURST,       /* writes burst_len bytes of tserver_byte(i), then closes (FIN) */
    TSERVER_CLOSE,       /* reads until it has close_after bytes, then closes (FIN) */
    TSERVER_RESET,       /* reads until it has close_after bytes, then resets (RST) */
    TSERVER_SINK,        /* keeps what it reads, answers nothing */
    TSERVER_UDP_ECHO,    /* each datagram back to its sender */
    TSERVER_DEAF,        /* reads nothing until tserver_listen() */
};

struct tserver {
    enum tserver_mode mode;
    size_t burst_len, close_after;
    int port;
    int listen_fd, conn_fd, stop_pipe[2];
    pthread_t thread;
    pthread_mutex_t lock;
    /* under lock */
    size_t received, written;
    bool burst_blocked;          /* the burst met a full socket before it was all written */
    bool done;                   /* it closed the connection */
    bool deaf;                   /* TSERVER_DEAF and not told to listen yet */
    uint8_t *kept;               /* TSERVER_SINK: what it read */
    size_t kept_cap;
};

static inline uint8_t tserver_byte(size_t i)
{
    return (uint8_t)(i * 7u + i / 251u);     /* no short period: a lost or repeated block shows */
}

static inline long long tserver_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline void tserver_note(struct tserver *s, size_t *field, size_t n)
{
    pthread_mutex_lock(&s->lock);
    *field += n;
    pthread_mutex_unlock(&s->lock);
}

static inline void tserver_keep(struct tserver *s, const uint8_t *buf, size_t n)
{
    pthread_mutex_lock(&s->lock);
    if (s->received + n > s->kept_cap) {
        s->kept_cap = (s->received + n) * 2;
        s->kept = realloc(s->kept, s->kept_cap);
    }
    memcpy(s->kept + s->received, buf, n);
    s->received += n;
    pthread_mutex_unlock(&s->lock);
}

static inline void tserver_finish(struct tserver *s, bool reset)
{
    if (reset) {
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        setsockopt(s->conn_fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    }
    close(s->conn_fd);
    s->conn_fd = -1;
    pthread_mutex_lock(&s->lock);
    s->done = true;
    pthread_mutex_unlock(&s->lock);
}

/* The burst: as much as the socket takes now; a full socket is noted. */
static inline void tserver_push(struct tserver *s, uint8_t *buf)
{
    ssize_t w = 0;
    while (s->written < s->burst_len) {
        size_t at = s->written;
        size_t n = s->burst_len - at < TSERVER_BUF ? s->burst_len - at : TSERVER_BUF;
        for (size_t i = 0; i < n; i++)
            buf[i] = tserver_byte(at + i);
        w = send(s->conn_fd, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w <= 0)
            break;
        tserver_note(s, &s->written, (size_t)w);
    }
    bool full = w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    if (full) {
        pthread_mutex_lock(&s->lock);
        s->burst_blocked = true;
        pthread_mutex_unlock(&s->lock);
    } else {
        tserver_finish(s, false);        /* all of it went, or the connection failed */
    }
}

static inline void tserver_read(struct tserver *s, uint8_t *buf)
{
    ssize_t n = recv(s->conn_fd, buf, TSERVER_BUF, MSG_DONTWAIT);
    if (n <= 0) {
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
            tserver_finish(s, false);
        return;
    }
    if (s->mode == TSERVER_SINK) {
        tserver_keep(s, buf, (size_t)n);
        return;
    }
    tserver_note(s, &s->received, (size_t)n);
    if (s->mode == TSERVER_ECHO)
        tserver_note(s, &s->written, (size_t)send(s->conn_fd, buf, (size_t)n, MSG_NOSIGNAL));
    else if ((s->mode == TSERVER_CLOSE || s->mode == TSERVER_RESET) && s->received >= s->close_after)
        tserver_finish(s, s->mode == TSERVER_RESET);
}

static inline void tserver_udp(struct tserver *s, uint8_t *buf)
{
    struct sockaddr_in from;
    socklen_t flen = sizeof from;
    ssize_t n = recvfrom(s->listen_fd, buf, TSERVER_BUF, MSG_DONTWAIT, (struct sockaddr *)&from, &flen);
    if (n < 0)
        return;
    tserver_note(s, &s->received, (size_t)n);
    sendto(s->listen_fd, buf, (size_t)n, 0, (struct sockaddr *)&from, flen);
    tserver_note(s, &s->written, (size_t)n);
}

static inline void *tserver_main(void *arg)
{
    struct tserver *s = arg;
    uint8_t *buf = malloc(TSERVER_BUF);
    for (;;) {
        bool udp = s->mode == TSERVER_UDP_ECHO;
        bool pushing = s->mode == TSERVER_BURST && s->conn_fd >= 0;
        pthread_mutex_lock(&s->lock);
        bool deaf = s->deaf && s->conn_fd >= 0;
        pthread_mutex_unlock(&s->lock);
        struct pollfd p[2] = {{s->stop_pipe[0], POLLIN, 0},
                              {s->conn_fd >= 0 ? s->conn_fd : s->listen_fd,
                               (short)(pushing ? POLLOUT : POLLIN), 0}};
        if ((!udp && s->conn_fd < 0 && s->done) || deaf)
            p[1].fd = -1;                      /* one connection per server; a deaf one reads nothing */
        if (poll(p, 2, TSERVER_POLL_MS) < 0 && errno != EINTR)
            break;
        if (p[0].revents)
            break;
        if (!p[1].revents)
            continue;
        if (udp)
            tserver_udp(s, buf);
        else if (s->conn_fd < 0)
            s->conn_fd = accept(s->listen_fd, NULL, NULL);
        else if (pushing)
            tserver_push(s, buf);
        else
            tserver_read(s, buf);
    }
    free(buf);
    return NULL;
}

/* Starts it on 127.0.0.1 (a port of the kernel's choosing). 0, or -1. */
static inline int tserver_start(struct tserver *s, enum tserver_mode mode)
{
    bool udp = mode == TSERVER_UDP_ECHO;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    s->mode = mode;
    s->deaf = mode == TSERVER_DEAF;
    s->conn_fd = -1;
    s->listen_fd = socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
    if (s->listen_fd < 0 || bind(s->listen_fd, (struct sockaddr *)&a, sizeof a) < 0 ||
        (!udp && listen(s->listen_fd, 4) < 0) || getsockname(s->listen_fd, (struct sockaddr *)&a, &len) < 0 ||
        pipe(s->stop_pipe) < 0)
        return -1;
    s->port = ntohs(a.sin_port);
    pthread_mutex_init(&s->lock, NULL);
    return pthread_create(&s->thread, NULL, tserver_main, s) == 0 ? 0 : -1;
}

static inline void tserver_stop(struct tserver *s)
{
    if (s->port == 0)
        return;
    (void)!write(s->stop_pipe[1], "", 1);
    pthread_join(s->thread, NULL);
    if (s->conn_fd >= 0)
        close(s->conn_fd);
    close(s->listen_fd);
    close(s->stop_pipe[0]);
    close(s->stop_pipe[1]);
    pthread_mutex_destroy(&s->lock);
    free(s->kept);
    memset(s, 0, sizeof *s);
}

/* A deaf server starts reading (and keeps nothing). */
static inline void tserver_listen(struct tserver *s)
{
    pthread_mutex_lock(&s->lock);
    s->deaf = false;
    pthread_mutex_unlock(&s->lock);
}

/* A snapshot of what it did, under its lock. */
static inline struct tserver tserver_peek(struct tserver *s)
{
    pthread_mutex_lock(&s->lock);
    struct tserver copy = *s;
    pthread_mutex_unlock(&s->lock);
    return copy;
}

/* A loopback TCP port where nobody listens: bound, not listening, so the
 * kernel refuses a connect there for as long as the test holds it. */
static inline int tserver_refusing_port(int *holder)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    *holder = socket(AF_INET, SOCK_STREAM, 0);
    if (*holder < 0 || bind(*holder, (struct sockaddr *)&a, sizeof a) < 0 ||
        getsockname(*holder, (struct sockaddr *)&a, &len) < 0)
        return -1;
    return ntohs(a.sin_port);
}

#endif
