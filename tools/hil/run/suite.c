/* Loading a suite: every scenario file named or found below a directory. */
#include <dirent.h>

#include "alloc.h"
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "seeds.h"
#include "strbuf.h"
#include "suite.h"
#include "transcript.h"

static bool has_scn_suffix(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcmp(name + n - 4, ".scn") == 0;
}

static void check_file(struct scn_suite *r, const char *path)
{
    struct scenario *sc = NULL;
    r->n_files++;
    if (scn_parse_file(path, &sc, &r->diags) != SCN_OK)
        return;
    r->ok = grow_array(r->ok, &r->cap_ok, r->n_ok + 1, sizeof *r->ok);
    r->ok[r->n_ok++] = sc;
}

static int only_visible(const struct dirent *e) { return e->d_name[0] != '.'; }

/* The directories being searched, innermost first. */
struct dir_chain {
    dev_t dev;
    ino_t ino;
    const struct dir_chain *up;
};

/* Directories: every *.scn below, in name order so the output is stable. */
static void check_path(struct scn_suite *r, const char *path, bool explicit_arg, const struct dir_chain *up)
{
    struct stat stbuf;
    if (stat(path, &stbuf) != 0) {
        check_file(r, path); /* records "file: cannot open: reason" */
        return;
    }
    if (!S_ISDIR(stbuf.st_mode)) {
        /* opening a FIFO waits for a writer and a device can be endless: only a
         * FIFO named on the command line (a pipe, <(...)) is read */
        if (!S_ISREG(stbuf.st_mode) && !(explicit_arg && S_ISFIFO(stbuf.st_mode))) {
            printf("%s: not a regular file (a FIFO, device or socket); not read\n", path);
            r->n_files++; /* counts as a failed file, so the exit status is 1 */
            r->n_unread++;
            return;
        }
        if (explicit_arg || has_scn_suffix(path)) check_file(r, path);
        return;
    }
    /* a link back to a directory being searched would be followed without end
     * (two such links: 2^40 paths before ELOOP); its files are checked once already */
    for (const struct dir_chain *d = up; d; d = d->up)
        if (d->dev == stbuf.st_dev && d->ino == stbuf.st_ino)
            return;
    const struct dir_chain here = {stbuf.st_dev, stbuf.st_ino, up};
    struct dirent **names;
    int n = scandir(path, &names, only_visible, alphasort);
    if (n < 0) {
        fprintf(stderr, "%s: cannot read directory: %s\n", path, strerror(errno));
        r->n_files++; /* counts as a failed file, so the exit status is 1 */
        return;
    }
    for (int i = 0; i < n; i++) {
        size_t len = strlen(path) + strlen(names[i]->d_name) + 2;
        char *child = xmalloc(len);
        snprintf(child, len, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/", names[i]->d_name);
        struct stat cs;
        /* a *.scn that cannot be stat'ed (a dangling link) is reported, not skipped */
        if (has_scn_suffix(child) || (stat(child, &cs) == 0 && S_ISDIR(cs.st_mode)))
            check_path(r, child, false, &here);
        free(child);
        free(names[i]);
    }
    free(names);
}

/* Two scenarios with one name would make reports ambiguous, and two whose
 * names make one file name ("a b", "a_b") would write one transcript. */
static size_t check_unique_names(const struct scn_suite *r, FILE *out)
{
    struct strbuf *files = xmalloc(r->n_ok * sizeof *files);
    for (size_t i = 0; i < r->n_ok; i++) {
        files[i] = (struct strbuf){0};
        transcript_file_name(r->ok[i]->name, &files[i]);
    }
    size_t dups = 0;
    for (size_t i = 0; i < r->n_ok; i++) {
        for (size_t j = 0; j < i; j++) {
            if (strcmp(sb_str(&files[i]), sb_str(&files[j])) != 0)
                continue;
            if (strcmp(r->ok[i]->name, r->ok[j]->name) == 0)
                fprintf(out, "%s:%d: scenario name \"%s\" is already used by %s:%d; names must be unique\n",
                        r->ok[i]->file, r->ok[i]->name_line, r->ok[i]->name, r->ok[j]->file, r->ok[j]->name_line);
            else
                fprintf(out, "%s:%d: scenario name \"%s\" makes the same transcript file (%s.cap) as \"%s\" at "
                        "%s:%d; rename one\n", r->ok[i]->file, r->ok[i]->name_line, r->ok[i]->name,
                        sb_str(&files[i]), r->ok[j]->name, r->ok[j]->file, r->ok[j]->name_line);
            dups++;
            break;
        }
    }
    for (size_t i = 0; i < r->n_ok; i++)
        sb_free(&files[i]);
    free(files);
    return dups;
}

void suite_load(struct scn_suite *s, char **paths, int n)
{
    memset(s, 0, sizeof *s);
    for (int i = 0; i < n; i++)
        check_path(s, paths[i], true, NULL);
}

size_t suite_report(const struct scn_suite *s, FILE *out)
{
    scn_diags_print(&s->diags, out);
    return s->diags.n + check_unique_names(s, out) + s->n_unread;
}

struct dealt {
    uint64_t key;
    const char *name;   /* names are unique: ties in key broken by name */
    size_t at;          /* its place in the suite */
};

static int by_key(const void *a, const void *b)
{
    const struct dealt *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return strcmp(x->name, y->name);
}

size_t suite_shard(const struct scn_suite *s, unsigned k, unsigned n, struct scenario **out)
{
    struct dealt *order = xmalloc(s->n_ok * sizeof *order);
    bool *mine = xmalloc(s->n_ok * sizeof *mine);
    for (size_t i = 0; i < s->n_ok; i++)
        order[i] = (struct dealt){shard_key(s->ok[i]->name), s->ok[i]->name, i};
    qsort(order, s->n_ok, sizeof *order, by_key);
    for (size_t i = 0; i < s->n_ok; i++)
        mine[order[i].at] = i % n == k - 1;
    size_t taken = 0;
    for (size_t i = 0; i < s->n_ok; i++)
        if (mine[i])
            out[taken++] = s->ok[i];
    free(order);
    free(mine);
    return taken;
}

void suite_free(struct scn_suite *s)
{
    for (size_t i = 0; i < s->n_ok; i++)
        scn_free(s->ok[i]);
    free(s->ok);
    scn_diags_free(&s->diags);
    memset(s, 0, sizeof *s);
}
