#include "fd_line.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <unistd.h>

#include "hil_clock.h"

int fd_read_line(int fd, struct strbuf *line, size_t max, int timeout_ms)
{
    uint64_t end = hil_now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
    sb_reset(line);
    while (line->len < max) {
        uint64_t now = hil_now_ms();
        struct pollfd pfd = {fd, POLLIN, 0};
        if (now >= end)
            return -1;
        int ready = poll(&pfd, 1, (int)(end - now));
        if (ready < 0 && errno == EINTR)
            continue;   /* a signal the program handles (a runner's SIGINT) is no timeout */
        if (ready <= 0)
            return -1;
        char c;
        ssize_t r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        if (c == '\n')
            return 0;
        sb_add(line, &c, 1);
    }
    return -1;
}
