#include "scratch_dir.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define SCRATCH_OPEN_FDS 16 /* nftw's limit on directories held open at once */

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
