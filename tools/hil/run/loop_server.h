/* What the runner's loopback servers (test_server.c: echo and sink;
 * http_server.c: HTTP and HTTPS) share: a listening socket on 127.0.0.1 and
 * a thread that serves it, stopped by a byte on a wake-up pipe that the
 * thread's waits include. */
#ifndef HIL_LOOP_SERVER_H
#define HIL_LOOP_SERVER_H

#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "strbuf.h"

struct loop_server {
    int listen_fd;
    int wake[2];             /* a byte here stops the thread */
    pthread_t thread;
    bool running;            /* the thread was started and not joined */
};

/* No socket, no thread: what loop_server_stop() may be called on. */
void loop_server_init(struct loop_server *l);

/* Listens on 127.0.0.1:port (0: a free one; the one taken goes to *bound),
 * then runs serve(arg) on a thread of its own. `who` names the server in
 * err's text ("the test server"). Returns 0, or -1 with what went wrong in
 * err; loop_server_stop() then frees what was made. */
int loop_server_start(struct loop_server *l, uint16_t port, int backlog, const char *who,
                      void *(*serve)(void *), void *arg, uint16_t *bound, struct strbuf *err);

/* For a thread that serves one connection at a time: the next connection's
 * socket, waited for as long as it takes; -1 once loop_server_stop() wakes
 * the thread (or the wait fails). */
int loop_server_accept(struct loop_server *l);

/* A serving thread's wait: poll(pf, n, timeout_ms), a signal's
 * interruption waited through. 1 when something is ready, 0 when the time
 * ran out, -1 when pf[wake] (the wake-up pipe) has a byte (the thread is to
 * stop) or the poll failed. */
int loop_wait(struct pollfd *pf, nfds_t n, size_t wake, int timeout_ms);

/* Wakes and joins the thread, closes the sockets and the pipe. */
void loop_server_stop(struct loop_server *l);

#endif
