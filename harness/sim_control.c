/* A sim7600-sim's control socket: one line out, one reply line back
 * (sim_process.h). */
#include "sim_process.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fd_line.h"

/* No reply of the simulator comes near this: a longer line is not one of its. */
#define REPLY_LINE_MAX (1u << 20)
#define STATE_PREFIX "OK "

int simproc_connect(const struct sim_process *p)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", p->control_path);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
        return fd;
    if (fd >= 0) {
        int saved = errno;
        close(fd);
        errno = saved;
    }
    return -1;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* One line out, one line back. Returns 0 when a reply came, whatever it says. */
static int exchange(int fd, const char *line, struct strbuf *reply)
{
    if (fd >= 0 && send_all(fd, line, strlen(line)) == 0 && send_all(fd, "\n", 1) == 0 &&
        fd_read_line(fd, reply, REPLY_LINE_MAX, SIMPROC_REPLY_MS) == 0)
        return 0;
    sb_reset(reply);
    sb_printf(reply, "ERR the simulator's control socket did not answer '%s'", line);
    return -1;
}

int simproc_command(int fd, const char *line, struct strbuf *reply)
{
    if (exchange(fd, line, reply) < 0)
        return -1;
    return strncmp(sb_str(reply), "OK", 2) == 0 ? 0 : -1;
}

int simproc_control(struct sim_process *p, const char *line, char *reply, size_t cap)
{
    int fd = simproc_connect(p);
    if (fd < 0) {
        if (cap)
            snprintf(reply, cap, "cannot connect to %s: %s", p->control_path, strerror(errno));
        return -1;
    }
    struct strbuf got = {0};
    int rc = exchange(fd, line, &got) == 0 && got.len < cap ? 0 : -1;
    if (cap)
        snprintf(reply, cap, "%s", sb_str(&got));   /* the reply, or why there is none, for a message */
    sb_free(&got);
    close(fd);
    return rc;
}

int simproc_state_on(int fd, struct strbuf *json)
{
    if (simproc_command(fd, "state", json) < 0)
        return -1;
    size_t skip = strlen(STATE_PREFIX);
    if (strncmp(sb_str(json), STATE_PREFIX, skip) != 0) {
        sb_reset(json);
        sb_puts(json, "the simulator's reply to 'state' holds no state");
        return -1;
    }
    memmove(json->p, json->p + skip, json->len - skip + 1);
    json->len -= skip;
    return 0;
}

int simproc_state(const struct sim_process *p, struct strbuf *json)
{
    int fd = simproc_connect(p);
    if (fd < 0) {
        sb_reset(json);
        sb_printf(json, "cannot connect to the simulator's control socket %s: %s", p->control_path, strerror(errno));
        return -1;
    }
    int rc = simproc_state_on(fd, json);
    close(fd);
    return rc;
}
