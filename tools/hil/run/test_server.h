/* A loopback TCP server a scenario starts (`server echo|sink`): the far end
 * of a firmware's sockets, steered to it by a net-map rule. It keeps every
 * byte it received, from all its connections in the order they arrived, for
 * expect-server-received; an echo server also sends each byte back on the
 * connection it came on.
 *
 * It runs on a thread of its own, so it serves while the runner waits in a
 * step; test_server_stop() wakes and joins it and closes every socket.
 * What it received (rx) may be read from any thread meanwhile. */
#ifndef HIL_TEST_SERVER_H
#define HIL_TEST_SERVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loop_server.h"
#include "rx_keep.h"
#include "strbuf.h"

#define TEST_SERVER_CLIENTS 8              /* connections served at once; more are closed at once */

struct test_server_client {
    int fd;                  /* -1: a free slot */
    struct strbuf out;       /* echo: bytes still to send back */
    size_t out_off;
};

struct test_server {
    bool echo;
    uint16_t port;
    struct loop_server loop; /* its socket and thread */
    struct test_server_client clients[TEST_SERVER_CLIENTS];
    struct rx_keep rx;       /* what every connection received, in arrival order */
    pthread_mutex_t mu;      /* guards what follows */
    unsigned accepted;
};

/* Listens on 127.0.0.1:port (0: a free port; the one taken is in s->port)
 * and starts serving. Returns 0, or -1 with what went wrong in err. */
int test_server_start(struct test_server *s, bool echo, uint16_t port, struct strbuf *err);

/* How many connections it has accepted so far. */
unsigned test_server_accepted(struct test_server *s);

/* Stops the thread, closes every socket, frees what it kept. Safe on a
 * server that did not start. */
void test_server_stop(struct test_server *s);

#endif
