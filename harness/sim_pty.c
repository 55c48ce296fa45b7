/* The simulator's pty, driven as a host program drives a module: raw,
 * non-blocking, every wait bounded (sim_process.h). */
#include "sim_process.h"

#include "alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "hil_clock.h"

#define RX_CHUNK 4096

long long test_now_ms(void)
{
    return (long long)hil_now_ms();   /* signed: tests subtract deadlines freely */
}

int simproc_open(struct sim_process *p)
{
    p->fd = open(p->pty_path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (p->fd < 0)
        return -1;
    struct termios t;
    if (tcgetattr(p->fd, &t) == 0) {
        cfmakeraw(&t);
        tcsetattr(p->fd, TCSANOW, &t);
    }
    return 0;
}

void simproc_close_port(struct sim_process *p)
{
    if (p->fd >= 0)
        close(p->fd);
    p->fd = -1;
}

int simproc_write(struct sim_process *p, const void *data, size_t n)
{
    const char *c = data;
    long long end = test_now_ms() + SIMPROC_DEFAULT_TIMEOUT_MS;
    while (n) {
        ssize_t w = write(p->fd, c, n);
        if (w > 0) {
            c += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno != EAGAIN)
            return -1;
        struct pollfd pfd = {p->fd, POLLOUT, 0};
        if (test_now_ms() > end || poll(&pfd, 1, 100) < 0)
            return -1;
    }
    return 0;
}

int simproc_send(struct sim_process *p, const char *text)
{
    return simproc_write(p, text, strlen(text));
}

/* Appends what is readable now, waiting at most wait_ms for the first byte. */
static ssize_t receive(struct sim_process *p, int wait_ms)
{
    struct pollfd pfd = {p->fd, POLLIN, 0};
    if (poll(&pfd, 1, wait_ms) <= 0)
        return 0;
    p->rx = grow_array(p->rx, &p->rx_cap, p->rx_len + RX_CHUNK + 1, 1);
    ssize_t r = read(p->fd, p->rx + p->rx_len, RX_CHUNK);
    if (r > 0) {
        p->rx_len += (size_t)r;
        p->rx[p->rx_len] = '\0';
    }
    return r;
}

static char *find_bytes(char *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; m <= n && i <= n - m; i++)
        if (memcmp(hay + i, needle, m) == 0)
            return hay + i;
    return NULL;
}

bool simproc_expect(struct sim_process *p, const char *needle, int timeout_ms)
{
    return simproc_take(p, needle, timeout_ms, NULL, 0);
}

bool simproc_take(struct sim_process *p, const char *needle, int timeout_ms, char *taken, size_t cap)
{
    long long end = test_now_ms() + timeout_ms;
    for (;;) {
        char *hit = p->rx ? find_bytes(p->rx, p->rx_len, needle) : NULL;
        if (hit) {
            size_t used = (size_t)(hit - p->rx) + strlen(needle);
            if (taken && cap) {
                size_t n = used < cap - 1 ? used : cap - 1;
                memcpy(taken, p->rx, n);
                taken[n] = '\0';
            }
            memmove(p->rx, p->rx + used, p->rx_len - used + 1);
            p->rx_len -= used;
            return true;
        }
        long long left = end - test_now_ms();
        if (left <= 0 || receive(p, (int)left) < 0)
            return false;
    }
}

size_t simproc_gather_for(struct sim_process *p, int ms)
{
    size_t before = p->rx_len;
    long long end = test_now_ms() + ms;
    for (long long left; (left = end - test_now_ms()) > 0;)
        if (receive(p, (int)left) < 0)
            break;
    return p->rx_len - before;
}

bool simproc_quiet_for(struct sim_process *p, int ms)
{
    return simproc_gather_for(p, ms) == 0;
}

void simproc_flush(struct sim_process *p)
{
    while (receive(p, 0) > 0)
        ;
    p->rx_len = 0;
    if (p->rx)
        p->rx[0] = '\0';
}

const char *simproc_pending(struct sim_process *p)
{
    return p->rx ? p->rx : "";
}

void simproc_drop_pending(struct sim_process *p)
{
    free(p->rx);
    p->rx = NULL;
    p->rx_len = p->rx_cap = 0;
}
