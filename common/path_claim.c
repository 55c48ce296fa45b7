#include "path_claim.h"

#include <dirent.h>
#include <limits.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Where Linux puts pty slaves: a link pointing anywhere else is not a simulator's. */
#define PTS_DIR "/dev/pts/"
/* Our programs' names start so (sim7600-sim, sim7600-hil tap): a pty whose master
 * one of them holds is in use; one held by anything else had its number reused. */
#define OUR_PROGRAMS "sim7600-"
/* Linux shows a pty master's number in /proc/PID/fdinfo/FD (since 4.x). */
#define TTY_INDEX_FIELD "tty-index:"

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

/* Does one of /proc/<pid>/fdinfo/ show the master of pty `index`? */
static bool holds_pty_master(const char *pid, unsigned long index)
{
    char dir[NAME_MAX + 32], file[2 * NAME_MAX + 64], line[128];
    snprintf(dir, sizeof dir, "/proc/%s/fdinfo", pid);
    DIR *d = opendir(dir);
    if (!d)
        return false;
    bool held = false;
    for (struct dirent *e; !held && (e = readdir(d)) != NULL;) {
        if (!all_digits(e->d_name))
            continue;
        snprintf(file, sizeof file, "%s/%s", dir, e->d_name);
        FILE *f = fopen(file, "r");
        while (f && !held && fgets(line, sizeof line, f))
            held = strncmp(line, TTY_INDEX_FIELD, strlen(TTY_INDEX_FIELD)) == 0 &&
                   strtoul(line + strlen(TTY_INDEX_FIELD), NULL, 10) == index;
        if (f)
            fclose(f);
    }
    closedir(d);
    return held;
}

static bool is_our_program(const char *pid)
{
    char file[NAME_MAX + 32], comm[64] = "";
    snprintf(file, sizeof file, "/proc/%s/comm", pid);
    FILE *f = fopen(file, "r");
    if (!f)
        return false;
    bool ours = fgets(comm, sizeof comm, f) != NULL && strncmp(comm, OUR_PROGRAMS, strlen(OUR_PROGRAMS)) == 0;
    fclose(f);
    return ours;
}

static bool older(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* The pid of our program that holds pty `index`'s master, or 0 if none does. */
static long pty_owner(unsigned long index)
{
    DIR *proc = opendir("/proc");
    long owner = 0;
    if (!proc)
        return 0;
    for (struct dirent *e; owner == 0 && (e = readdir(proc)) != NULL;)
        if (all_digits(e->d_name) && is_our_program(e->d_name) && holds_pty_master(e->d_name, index))
            owner = strtol(e->d_name, NULL, 10);
    closedir(proc);
    return owner;
}

/* A simulator's link points at /dev/pts/N, made after that pty, whose master
 * the simulator holds while it runs. Once it exited or was killed, the number
 * is gone, or reused by a newer pty (of any program, another simulator too):
 * either way the link is stale. Returns 0 then. */
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
    struct stat pty, link;
    if (stat(target, &pty) != 0) {
        if (errno == ENOENT)
            return 0;   /* the pty is gone with its simulator */
        return refuse(err, errlen, "%s %s: cannot tell whether %s is in use (%s); remove the link or choose "
                      "another path", option, path, target, strerror(errno));
    }
    if (lstat(path, &link) == 0 && older(&link.st_ctim, &pty.st_ctim))
        return 0;       /* the pty was made after the link: its number was reused */
    long owner = pty_owner(strtoul(target + strlen(PTS_DIR), NULL, 10));
    if (owner > 0)
        return refuse(err, errlen,
                      "%s %s: it links to %s, a pty in use by a running simulator (pid %ld); stop it, "
                      "or remove the link, or choose another path", option, path, target, owner);
    return 0;   /* the pty is gone, or its number now belongs to another program */
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
