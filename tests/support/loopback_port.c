/* Test support: a loopback port held by the test (loopback_port.h). */
#include "loopback_port.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#define HOLDER_BACKLOG 1   /* nobody is meant to connect to it */

int loopback_port_hold(int *holder)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    *holder = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    cr_assert(*holder >= 0 && bind(*holder, (struct sockaddr *)&a, sizeof a) == 0 &&
                  listen(*holder, HOLDER_BACKLOG) == 0 && getsockname(*holder, (struct sockaddr *)&a, &len) == 0,
              "cannot hold a loopback port for the test: %s", strerror(errno));
    return ntohs(a.sin_port);
}
