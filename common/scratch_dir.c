#include "scratch_dir.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define SCRATCH_OPEN_FDS 16 /* nftw's limit on directories held open at once */
#define SCRATCH_SUFFIX_LEN 6 /* mkdtemp's XXXXXX */
/* The owner file is locked under this name, then renamed: a reaper never sees it unlocked. */
#define SCRATCH_OWNER_NEW SCRATCH_DIR_OWNER_FILE ".new"

const char *scratch_dir_default_parent(void)
{
    const char *tmp = getenv("TMPDIR");
    return tmp && tmp[0] ? tmp : "/tmp";
}

int scratch_dir_make(char *path, size_t cap, const char *parent, const char *prefix, unsigned mode)
{
    int n = snprintf(path, cap, "%s/%sXXXXXX", parent ? parent : scratch_dir_default_parent(), prefix);
    if (n < 0 || (size_t)n >= cap) {
        errno = ENAMETOOLONG;
        return -1;
    }
    if (!mkdtemp(path) || chmod(path, (mode_t)mode) < 0)
        return -1;
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st, (void)ftw;
    if (type == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;   /* go on: remove as much as can be removed */
}

void scratch_dir_remove(const char *path)
{
    if (path && path[0])
        nftw(path, remove_entry, SCRATCH_OPEN_FDS, FTW_DEPTH | FTW_PHYS);
}

/* ---- owned directories ------------------------------------------------------------ */

/* The owner file, created, locked, then put in place; its fd, or -1. */
static int lock_owner_file(const char *dir)
{
    char tmp[SCRATCH_DIR_PATH_MAX + sizeof SCRATCH_OWNER_NEW], final[sizeof tmp];
    snprintf(tmp, sizeof tmp, "%s/%s", dir, SCRATCH_OWNER_NEW);
    snprintf(final, sizeof final, "%s/%s", dir, SCRATCH_DIR_OWNER_FILE);
    int fd = open(tmp, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) < 0 || rename(tmp, final) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

int scratch_dir_make_owned(struct scratch_dir *d, const char *prefix, unsigned mode)
{
    d->lock_fd = -1;
    if (scratch_dir_make(d->path, sizeof d->path, NULL, prefix, mode) < 0) {
        d->path[0] = '\0';
        return -1;
    }
    d->lock_fd = lock_owner_file(d->path);
    if (d->lock_fd < 0) {
        int saved = errno;
        scratch_dir_remove(d->path);
        d->path[0] = '\0';
        errno = saved;
        return -1;
    }
    return 0;
}

static void let_go(struct scratch_dir *d)
{
    if (d->lock_fd >= 0)
        close(d->lock_fd);
    d->lock_fd = -1;
    d->path[0] = '\0';
}

void scratch_dir_release(struct scratch_dir *d)
{
    scratch_dir_remove(d->path);   /* still locked: no reaper races the removal */
    let_go(d);
}

void scratch_dir_disown(struct scratch_dir *d)
{
    if (d->path[0]) {
        char owner[SCRATCH_DIR_PATH_MAX + sizeof SCRATCH_DIR_OWNER_FILE];
        snprintf(owner, sizeof owner, "%s/%s", d->path, SCRATCH_DIR_OWNER_FILE);
        unlink(owner);
    }
    let_go(d);
}

/* ---- reaping what killed owners left ---------------------------------------------- */

/* "<prefix>" then exactly what mkdtemp puts in place of XXXXXX. */
static bool made_from_template(const char *name, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(name, prefix, n) != 0 || strlen(name + n) != SCRATCH_SUFFIX_LEN)
        return false;
    for (const char *p = name + n; *p; p++)
        if (!isalnum((unsigned char)*p))
            return false;
    return true;
}

/* The locked owner file of directory `name` if it is this user's and its
 * owner is gone; -1 if it is not provably a dead owner's. */
static int claim_leftover(int parent_fd, const char *name)
{
    struct stat st;
    int fd = -1, dir = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dir < 0)
        return -1;
    if (fstat(dir, &st) == 0 && st.st_uid == geteuid())
        fd = openat(dir, SCRATCH_DIR_OWNER_FILE, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    close(dir);
    if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
                    flock(fd, LOCK_EX | LOCK_NB) < 0)) {
        close(fd);   /* not a file of ours, or its owner holds it: alive */
        fd = -1;
    }
    return fd;
}

int scratch_dir_reap(const char *parent, const char *prefix)
{
    if (!parent)
        parent = scratch_dir_default_parent();
    DIR *dir = opendir(parent);
    if (!dir)
        return 0;
    int reaped = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (!made_from_template(e->d_name, prefix))
            continue;
        char path[SCRATCH_DIR_PATH_MAX];
        int n = snprintf(path, sizeof path, "%s/%s", parent, e->d_name);
        int lock = n > 0 && (size_t)n < sizeof path ? claim_leftover(dirfd(dir), e->d_name) : -1;
        if (lock < 0)
            continue;
        scratch_dir_remove(path);   /* holding the lock: another reaper skips it */
        close(lock);
        reaped++;
    }
    closedir(dir);
    return reaped;
}
