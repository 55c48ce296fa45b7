#include "path_claim.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Where Linux puts pty slaves: a link pointing anywhere else is not a simulator's. */
#define PTS_DIR "/dev/pts/"

__attribute__((format(printf, 3, 4))) static int refuse(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static const struct {
    mode_t type;
    const char *name;
} file_kinds[] = {
    {S_IFREG, "a regular file"}, {S_IFDIR, "a directory"},        {S_IFLNK, "a symlink"},
    {S_IFSOCK, "a socket"},      {S_IFIFO, "a FIFO"},             {S_IFCHR, "a character device"},
    {S_IFBLK, "a block device"},
};

static const char *file_kind(mode_t mode)
{
    for (size_t i = 0; i < sizeof file_kinds / sizeof file_kinds[0]; i++)
        if ((mode & S_IFMT) == file_kinds[i].type)
            return file_kinds[i].name;
    return "a file of unknown type";
}

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/* A simulator's link points at /dev/pts/N, which disappears when that
 * simulator's pty master closes (it exited or was killed). Whether a pty that
 * still exists is another simulator's or a reused number cannot be told, so
 * it is never taken over. Returns 0 when the link is stale. */
static int check_pty_link(const char *path, const char *option, char *err, size_t errlen)
{
    char target[PATH_CLAIM_MAX];
    ssize_t n = readlink(path, target, sizeof target - 1);
    if (n < 0)
        return refuse(err, errlen, "%s %s: cannot read the link: %s", option, path, strerror(errno));
    target[n] = '\0';
    if (strncmp(target, PTS_DIR, strlen(PTS_DIR)) != 0 || !all_digits(target + strlen(PTS_DIR)))
        return refuse(err, errlen,
                      "%s %s: there is a symlink to %s there, not a simulator's link to a pty; "
                      "remove it or choose another path", option, path, target);
    struct stat st;
    if (stat(target, &st) == 0)
        return refuse(err, errlen,
                      "%s %s: it links to %s, a pty in use (another simulator's, unless its number was "
                      "reused); stop that simulator, or remove the link, or choose another path",
                      option, path, target);
    if (errno != ENOENT)
        return refuse(err, errlen, "%s %s: cannot tell whether %s is in use (%s); remove the link or choose "
                      "another path", option, path, target, strerror(errno));
    return 0;
}

/* A socket whose simulator died answers connect() with ECONNREFUSED; a live one
 * accepts (or, with a full backlog, says EAGAIN). Returns 0 when it is stale. */
static int check_socket(const char *path, const char *option, char *err, size_t errlen)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof addr.sun_path)
        return refuse(err, errlen, "%s %s: longer than a socket path may be (%zu bytes)", option, path,
                      sizeof addr.sun_path - 1);
    memcpy(addr.sun_path, path, strlen(path));
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int r = fd < 0 ? -1 : connect(fd, (struct sockaddr *)&addr, sizeof addr);
    int e = errno;
    if (fd >= 0)
        close(fd);
    if (r < 0 && e == ECONNREFUSED)
        return 0;
    if (r == 0 || e == EAGAIN || e == EINPROGRESS)
        return refuse(err, errlen,
                      "%s %s: a program is listening on this socket (another simulator?); stop it or choose "
                      "another path", option, path);
    return refuse(err, errlen, "%s %s: cannot tell whether this socket is in use (%s); remove it if it is "
                  "stale, or choose another path", option, path, strerror(e));
}

/* Per kind of claim: the file type it makes, its name in messages, its staleness test. */
static const struct {
    mode_t type;
    const char *what;
    int (*check_stale)(const char *path, const char *option, char *err, size_t errlen);
} claim_kinds[] = {
    [PATH_CLAIM_PTY_LINK] = {S_IFLNK, "link to a pty", check_pty_link},
    [PATH_CLAIM_SOCKET] = {S_IFSOCK, "socket", check_socket},
};

int path_claim_prepare(const char *path, enum path_claim_kind kind, const char *option, char *err, size_t errlen)
{
    if (strlen(path) >= PATH_CLAIM_MAX)
        return refuse(err, errlen, "%s %s: longer than %d bytes; choose a shorter path", option, path,
                      PATH_CLAIM_MAX - 1);
    struct stat st;
    if (lstat(path, &st) < 0) {
        if (errno == ENOENT)
            return 0;
        return refuse(err, errlen, "%s %s: %s", option, path, strerror(errno));
    }
    if ((st.st_mode & S_IFMT) != claim_kinds[kind].type)
        return refuse(err, errlen,
                      "%s %s: there is %s there, and only a stale %s left by a simulator is replaced; "
                      "remove it or choose another path", option, path, file_kind(st.st_mode),
                      claim_kinds[kind].what);
    if (claim_kinds[kind].check_stale(path, option, err, errlen) < 0)
        return -1;
    if (unlink(path) < 0 && errno != ENOENT)
        return refuse(err, errlen, "%s %s: cannot remove the stale %s: %s", option, path, claim_kinds[kind].what,
                      strerror(errno));
    return 0;
}

void path_claim_hold(struct path_claim *c, const char *path)
{
    struct stat st;
    /* a path that vanished at once, or too long to keep, is never removed */
    c->held = strlen(path) < sizeof c->path && lstat(path, &st) == 0;
    if (!c->held)
        return;
    memcpy(c->path, path, strlen(path) + 1);
    c->dev = st.st_dev;
    c->ino = st.st_ino;
    c->ctime = st.st_ctim;
}

void path_claim_release(struct path_claim *c)
{
    struct stat st;
    if (c->held && lstat(c->path, &st) == 0 && st.st_dev == c->dev && st.st_ino == c->ino &&
        st.st_ctim.tv_sec == c->ctime.tv_sec && st.st_ctim.tv_nsec == c->ctime.tv_nsec)
        unlink(c->path);
    c->held = false;
}
