/* The certificate store on the host's disk (sim7600-sim --state-dir; issue 17). */
#include "state_dir.h"

#include "sim_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CERTS "certs"
#define TMP_PREFIX ".tmp-"          /* a save in progress; left by a crash, removed at the next load */
#define DIR_MODE 0700
#define FILE_MODE 0600
#define PATH_CAP 4096

static int fail(char *err, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
    return -1;
}

/* dir/prefix+name into out; false when it does not fit. */
static bool path_join(char *out, const char *dir, const char *prefix, const char *name)
{
    int n = snprintf(out, PATH_CAP, "%s/%s%s", dir, prefix, name);
    return n > 0 && n < PATH_CAP;
}

/* DIR exists (made if missing) as a directory we can write in. */
static int usable_dir(const char *path, char *err, size_t cap)
{
    if (mkdir(path, DIR_MODE) < 0 && errno != EEXIST)
        return fail(err, cap, "--state-dir: cannot make %s: %s; give a directory whose parent exists", path,
                    strerror(errno));
    struct stat st;
    if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
        return fail(err, cap, "--state-dir: %s is not a directory; give a directory (it is made if missing)", path);
    if (access(path, R_OK | W_OK | X_OK) < 0)
        return fail(err, cap, "--state-dir: cannot read and write in %s: %s; give a directory of yours", path,
                    strerror(errno));
    return 0;
}

static int read_file(const char *path, uint8_t *buf, size_t cap, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, cap);
    close(fd);
    if (n < 0)
        return -1;
    *len = (size_t)n;
    return 0;
}

/* One file of DIR/certs into the store, or why the module would not have it. */
static int load_one(struct sim *s, const char *certs, const char *name, char *err, size_t cap)
{
    char path[PATH_CAP];
    if (!path_join(path, certs, "", name))
        return fail(err, cap, "--state-dir: the path of %s in %s is too long; give a shorter DIR", name, certs);
    if (strncmp(name, TMP_PREFIX, strlen(TMP_PREFIX)) == 0) {
        unlink(path);
        return 0;
    }
    static uint8_t buf[SSL_CERT_SIZE_MAX + 1];
    size_t len;
    if (read_file(path, buf, sizeof buf, &len) < 0)
        return fail(err, cap, "--state-dir: cannot read %s: %s", path, strerror(errno));
    if (!ssl_cert_name_valid(name, strlen(name)) || len == 0 || len > SSL_CERT_SIZE_MAX)
        return fail(err, cap, "--state-dir: %s is not a file the module's store takes (a name of %d-%d bytes "
                    "ending .pem or .der, 1-%d bytes); remove it", path, SSL_CERT_NAME_MIN, SSL_CERT_NAME_MAX,
                    SSL_CERT_SIZE_MAX);
    if (!ssl_store_put(s, name, buf, len))
        return fail(err, cap, "--state-dir: %s holds more than the store's %d files; remove some", certs,
                    SSL_CERT_FILES_MAX);
    return 0;
}

int state_dir_load(struct sim *s, const char *dir, char *err, size_t cap)
{
    char certs[PATH_CAP];
    if (!path_join(certs, dir, "", CERTS))
        return fail(err, cap, "--state-dir: %s is too long a path; give a shorter one", dir);
    if (usable_dir(dir, err, cap) < 0 || usable_dir(certs, err, cap) < 0)
        return -1;
    DIR *d = opendir(certs);
    if (!d)
        return fail(err, cap, "--state-dir: cannot list %s: %s", certs, strerror(errno));
    int r = 0;
    for (struct dirent *e; r == 0 && (e = readdir(d)) != NULL;)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            r = load_one(s, certs, e->d_name, err, cap);
    closedir(d);
    s->ssl.store_changed = false;
    return r;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* A file whole or not at all: a temporary, then a rename over the old one. */
static int save_one(const char *certs, const struct ssl_cert_file *f, char *err, size_t cap)
{
    char tmp[PATH_CAP], path[PATH_CAP];
    if (!path_join(tmp, certs, TMP_PREFIX, f->name) || !path_join(path, certs, "", f->name))
        return fail(err, cap, "the path of %s in %s is too long", f->name, certs);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, FILE_MODE);
    if (fd < 0)
        return fail(err, cap, "cannot write %s: %s", tmp, strerror(errno));
    int r = write_all(fd, f->data, f->len);
    if (close(fd) < 0 || r < 0 || rename(tmp, path) < 0) {
        int e = errno;
        unlink(tmp);
        return fail(err, cap, "cannot write %s: %s", path, strerror(e));
    }
    return 0;
}

/* The files of DIR/certs the store no longer has (AT+CCERTDELE) go too. */
static void remove_deleted(const struct sim *s, const char *certs)
{
    DIR *d = opendir(certs);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.' || ssl_store_find(s, e->d_name))
            continue;
        char path[PATH_CAP];
        if (path_join(path, certs, "", e->d_name))
            unlink(path);
    }
    closedir(d);
}

int state_dir_save(struct sim *s, const char *dir, char *err, size_t cap)
{
    if (!s->ssl.store_changed)
        return 0;
    s->ssl.store_changed = false;     /* one report per change, not one per loop pass */
    char certs[PATH_CAP];
    if (!path_join(certs, dir, "", CERTS))
        return fail(err, cap, "%s is too long a path", dir);
    for (int i = 0; i < SSL_CERT_FILES_MAX; i++)
        if (s->ssl.store[i].name[0] && save_one(certs, &s->ssl.store[i], err, cap) < 0)
            return -1;
    remove_deleted(s, certs);
    return 0;
}
