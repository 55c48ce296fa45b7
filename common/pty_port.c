#include "pty_port.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

static int fail(char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "%s: %s", what, strerror(errno));
    return -1;
}

/* Both tools that make a pty link take its path as --link. */
#define LINK_OPTION "--link"

int pty_open(struct sim_pty *p, const char *link_path, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    p->master = p->watch = -1;
    bool linked = link_path && *link_path;
    /* before the pty exists: a refused path costs nothing and is not touched */
    if (linked && path_claim_prepare(link_path, PATH_CLAIM_PTY_LINK, LINK_OPTION, err, errlen) < 0)
        return -1;
    int slave;
    if (openpty(&p->master, &slave, p->slave_path, NULL, NULL) < 0)
        return fail(err, errlen, "openpty");
    struct termios t;
    /* raw on the slave: the host's bytes reach us unchanged, ours reach it unchanged */
    if (tcgetattr(slave, &t) == 0) {
        cfmakeraw(&t);
        cfsetspeed(&t, B115200);
        tcsetattr(slave, TCSANOW, &t);
    }
    if (fchmod(slave, 0600) < 0 || fcntl(p->master, F_SETFL, O_NONBLOCK) < 0) {
        close(slave);
        pty_close(p);
        return fail(err, errlen, "setting up the pty");
    }
    /* watch before closing our slave fd, so no open by the host can be missed; without
     * inotify (its per-user instances are limited, 128 by default) pty_host_present() is polled */
    p->watch = getenv("SIM7600_SIM_NO_INOTIFY") ? -1 : inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (p->watch >= 0 && inotify_add_watch(p->watch, p->slave_path, IN_OPEN | IN_CLOSE) < 0) {
        close(p->watch);
        p->watch = -1;
    }
    p->holders = 1;        /* our own slave descriptor; its close is the first event */
    close(slave);
    fcntl(p->master, F_SETFD, FD_CLOEXEC);
    if (linked) {
        if (symlink(p->slave_path, link_path) < 0) {
            int e = errno;
            pty_close(p);
            snprintf(err, errlen, "%s %s: cannot create the link: %s%s", LINK_OPTION, link_path, strerror(e),
                     e == EEXIST ? " (something was created there meanwhile); choose another path" : "");
            return -1;
        }
        path_claim_hold(&p->link, link_path);
    }
    p->host = PTY_HOST_NOT_YET;
    return 0;
}

void pty_close(struct sim_pty *p)
{
    path_claim_release(&p->link);
    if (p->watch >= 0)
        close(p->watch);
    if (p->master >= 0)
        close(p->master);
    p->watch = p->master = -1;
}

static void count_event(struct sim_pty *p, uint32_t mask, enum pty_change *changes, int max, int *n)
{
    if (mask & IN_OPEN) {
        if (p->holders++ == 0 && *n < max)
            changes[(*n)++] = PTY_HOST_CAME;
    }
    if ((mask & IN_CLOSE) && p->holders > 0) {
        if (--p->holders == 0 && *n < max)
            changes[(*n)++] = PTY_HOST_LEFT;
    }
}

int pty_watch_changes(struct sim_pty *p, enum pty_change *changes, int max)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    int n = 0;
    ssize_t got;
    while ((got = read(p->watch, buf, sizeof buf)) > 0) {
        for (char *q = buf; q < buf + got;) {
            const struct inotify_event *ev = (const struct inotify_event *)q;
            count_event(p, ev->mask, changes, max, &n);
            q += sizeof *ev + ev->len;
        }
    }
    return n;
}

bool pty_host_present(const struct sim_pty *p)
{
    struct pollfd pfd = {p->master, POLLIN, 0};
    return poll(&pfd, 1, 0) >= 0 && !(pfd.revents & POLLHUP);
}
