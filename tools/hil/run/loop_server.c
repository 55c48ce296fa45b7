/* The runner's loopback servers' socket and thread (loop_server.h). */
#include "loop_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void loop_server_init(struct loop_server *l)
{
    memset(l, 0, sizeof *l);
    l->listen_fd = l->wake[0] = l->wake[1] = -1;
}

static int listen_on(struct loop_server *l, uint16_t port, int backlog, const char *who, uint16_t *bound,
                     struct strbuf *err)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    int one = 1;
    l->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (l->listen_fd < 0) {
        sb_printf(err, "cannot make a socket for %s: %s", who, strerror(errno));
        return -1;
    }
    setsockopt(l->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(l->listen_fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(l->listen_fd, backlog) < 0 ||
        getsockname(l->listen_fd, (struct sockaddr *)&a, &alen) < 0) {
        sb_printf(err, "%s cannot listen on 127.0.0.1:%u: %s%s", who, (unsigned)port, strerror(errno),
                  port ? " (drop port= to let the system pick a free one)" : "");
        return -1;
    }
    *bound = ntohs(a.sin_port);
    return 0;
}

int loop_server_start(struct loop_server *l, uint16_t port, int backlog, const char *who,
                      void *(*serve)(void *), void *arg, uint16_t *bound, struct strbuf *err)
{
    if (listen_on(l, port, backlog, who, bound, err) < 0)
        return -1;
    if (pipe2(l->wake, O_CLOEXEC) < 0) {
        sb_printf(err, "cannot make %s's wake-up pipe: %s", who, strerror(errno));
        return -1;
    }
    int rc = pthread_create(&l->thread, NULL, serve, arg);
    if (rc != 0) {
        sb_printf(err, "cannot start %s's thread: %s", who, strerror(rc));
        return -1;
    }
    l->running = true;
    return 0;
}

int loop_wait(struct pollfd *pf, nfds_t n, size_t wake, int timeout_ms)
{
    int ready;
    do
        ready = poll(pf, n, timeout_ms);
    while (ready < 0 && errno == EINTR);
    if (ready < 0 || (ready > 0 && pf[wake].revents))
        return -1;
    return ready > 0;
}

int loop_server_accept(struct loop_server *l)
{
    enum { WAKE, LISTEN };
    struct pollfd pf[] = {[WAKE] = {.fd = l->wake[0], .events = POLLIN},
                          [LISTEN] = {.fd = l->listen_fd, .events = POLLIN}};
    for (;;) {
        if (loop_wait(pf, sizeof pf / sizeof pf[0], WAKE, -1) < 0)
            return -1;
        int fd = accept(l->listen_fd, NULL, NULL);
        if (fd >= 0)
            return fd;
    }
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

void loop_server_stop(struct loop_server *l)
{
    if (l->running) {
        ssize_t w;
        do
            w = write(l->wake[1], "x", 1);
        while (w < 0 && errno == EINTR);
        pthread_join(l->thread, NULL);
        l->running = false;
    }
    close_fd(&l->listen_fd);
    close_fd(&l->wake[0]);
    close_fd(&l->wake[1]);
}
