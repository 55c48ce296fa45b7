/* sim7600-hil check: parse scenario files, report every error, run nothing. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hil.h"
#include "scenario.h"

struct check_run {
    struct scn_diags diags;
    struct scenario **ok;      /* parsed scenarios, kept for the name check */
    size_t n_ok, cap_ok;
    size_t n_files;
    bool nomem;
};

static bool has_scn_suffix(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcmp(name + n - 4, ".scn") == 0;
}

static void check_file(struct check_run *r, const char *path)
{
    struct scenario *sc = NULL;
    r->n_files++;
    enum scn_status st = scn_parse_file(path, &sc, &r->diags);
    if (st == SCN_ERR_NOMEM) {
        r->nomem = true;
        return;
    }
    if (st != SCN_OK) return;
    if (r->n_ok == r->cap_ok) {
        size_t cap = r->cap_ok ? r->cap_ok * 2 : 16;
        struct scenario **v = realloc(r->ok, cap * sizeof *v);
        if (!v) {
            scn_free(sc);
            r->nomem = true;
            return;
        }
        r->ok = v;
        r->cap_ok = cap;
    }
    r->ok[r->n_ok++] = sc;
}

static int only_visible(const struct dirent *e) { return e->d_name[0] != '.'; }

/* Directories: every *.scn below, in name order so the output is stable. */
static void check_path(struct check_run *r, const char *path, bool explicit_arg)
{
    struct stat stbuf;
    if (stat(path, &stbuf) != 0) {
        check_file(r, path); /* records "file: cannot open: reason" */
        return;
    }
    if (!S_ISDIR(stbuf.st_mode)) {
        if (explicit_arg || has_scn_suffix(path)) check_file(r, path);
        return;
    }
    struct dirent **names;
    int n = scandir(path, &names, only_visible, alphasort);
    if (n < 0) {
        fprintf(stderr, "%s: cannot read directory: %s\n", path, strerror(errno));
        r->n_files++; /* counts as a failed file, so the exit status is 1 */
        return;
    }
    for (int i = 0; i < n; i++) {
        size_t len = strlen(path) + strlen(names[i]->d_name) + 2;
        char *child = malloc(len);
        if (child) {
            snprintf(child, len, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/", names[i]->d_name);
            struct stat cs;
            if (stat(child, &cs) == 0 && (S_ISDIR(cs.st_mode) || has_scn_suffix(child)))
                check_path(r, child, false);
            free(child);
        } else {
            r->nomem = true;
        }
        free(names[i]);
    }
    free(names);
}

/* Two files with one name would make reports ambiguous. */
static size_t check_unique_names(const struct check_run *r)
{
    size_t dups = 0;
    for (size_t i = 0; i < r->n_ok; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(r->ok[i]->name, r->ok[j]->name) == 0) {
                printf("%s:%d: scenario name \"%s\" is already used by %s:%d; names must be unique\n",
                       r->ok[i]->file, r->ok[i]->name_line, r->ok[i]->name, r->ok[j]->file, r->ok[j]->name_line);
                dups++;
                break;
            }
    return dups;
}

int hil_cmd_check(int argc, char **argv)
{
    if (argc < 2) {
        fputs("usage: sim7600-hil check FILES-OR-DIRS...\n", stderr);
        return HIL_EXIT_USAGE;
    }
    struct check_run r = { 0 };
    for (int i = 1; i < argc; i++)
        check_path(&r, argv[i], true);
    scn_diags_print(&r.diags, stdout);
    size_t dups = check_unique_names(&r);
    int rc;
    if (r.nomem) {
        fputs("sim7600-hil check: out of memory\n", stderr);
        rc = HIL_EXIT_FAIL;
    } else if (r.diags.n == 0 && dups == 0 && r.n_ok == r.n_files && r.n_files > 0) {
        printf("%zu scenario(s) OK\n", r.n_ok);
        rc = HIL_EXIT_OK;
    } else if (r.n_files == 0) {
        fputs("sim7600-hil check: no *.scn files found\n", stderr);
        rc = HIL_EXIT_FAIL;
    } else {
        printf("%zu error(s); %zu of %zu file(s) have errors\n", r.diags.n + dups,
               r.n_files - r.n_ok, r.n_files);
        rc = HIL_EXIT_FAIL;
    }
    for (size_t i = 0; i < r.n_ok; i++) scn_free(r.ok[i]);
    free(r.ok);
    scn_diags_free(&r.diags);
    return rc;
}
