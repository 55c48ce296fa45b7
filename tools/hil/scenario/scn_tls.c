/* The `tls` statement (issue 17): the files the driver uploads to the
 * module's certificate store and the SSL context's settings; and the
 * whole-file check of what uses it (connect tls=1, the TLS placeholders). */
#include "scn_internal.h"

#include "alloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TLS_FILE_MAX 10240   /* AT+CCERTDOWN's <len> (SSL manual): the most the module's store takes */

const char *const scn_tls_role_names[] = { "ca", "cert", "key", NULL };

/* What tests/support/make-test-certs.sh makes (its header lists them). */
const char *const scn_tls_set[] = {
    "ca.pem", "ca.der", "server.pem", "server.der", "client.pem", "client.der", "client-key.pem",
    "client-key.der", "client-key-enc.pem", "wrong-ca.pem", "wrong-ca.der", "wrong-client.pem",
    "wrong-client-key.pem", "expired.pem", NULL,
};

/* In the order of enum sim7600_tls_version. */
static const char *const version_names[] = { "any", "ssl3", "1.0", "1.1", "1.2", NULL };
static const char *const upload_names[] = { "always", "if-missing", NULL };
static const char *const broker_cert_names[] = { "valid", "expired", NULL };

/* A path is relative to the scenario's folder, so a suite moves as a whole. */
char *scn_resolve_path(const struct scn_parser *p, const char *path)
{
    const char *slash = strrchr(p->file, '/');
    if (path[0] == '/' || !slash)
        return xstrdup(path);
    size_t dir = (size_t)(slash - p->file) + 1, n = strlen(path);
    char *full = xmalloc(dir + n + 1);
    memcpy(full, p->file, dir);
    memcpy(full + dir, path, n + 1);
    return full;
}

/* A file of the test set by name, or a readable file the module's store can take. */
static void tls_file(struct scn_parser *p, const struct scn_args *a, struct scn_tls *t, enum scn_tls_role role)
{
    const char *key = scn_tls_role_names[role];
    struct scn_bytes v = {0};
    scn_opt_string(p, a, key, &v);
    if (!v.ptr)
        return;
    if (v.len == 0 || memchr(v.ptr, '\0', v.len)) {
        scn_perr(p, "%s= must name a file, without NUL bytes", key);
    } else if (!strchr(v.ptr, '/')) {
        char list[400];
        t->from_set[role] = true;
        if (scn_name_index(scn_tls_set, v.ptr) < 0) {
            scn_join_names(list, sizeof list, scn_tls_set);
            scn_perr(p, "%s=\"%s\" is not in the runner's test set; expected one of: %s, or a path with a '/' "
                        "(relative to the scenario's folder)", key, v.ptr, list);
        }
    } else {
        struct stat st;
        char *full = scn_resolve_path(p, v.ptr);
        if (stat(full, &st) != 0)
            scn_perr(p, "cannot read %s=\"%s\": %s; paths are relative to the scenario's folder", key, full,
                     strerror(errno));
        else if (!S_ISREG(st.st_mode) || st.st_size == 0 || st.st_size > TLS_FILE_MAX)
            scn_perr(p, "%s=\"%s\" must be a file of 1 to %d bytes (the module's store takes no more)", key, full,
                     TLS_FILE_MAX);
        scn_bytes_free(&v);
        v.ptr = full;
    }
    t->file[role] = v.ptr;
}

static void tls_name_opt(struct scn_parser *p, const struct scn_args *a, const char *key,
                         const char *const *names, int *out)
{
    const struct scn_tok *tok = scn_opt(a, key);
    if (tok)
        scn_get_name(p, tok, key, names, out);
}

void scn_kw_tls(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj)
{
    struct scn_tls *t = &((struct scenario *)obj)->tls;
    struct scn_bytes pw = {0};
    int sni = 0, check_time = 0, upload = 0, broker_cert = 0;
    (void)d;
    t->line = p->line;
    for (int r = 0; r < SCN_TLS_ROLES; r++)
        tls_file(p, a, t, (enum scn_tls_role)r);
    scn_opt_string(p, a, "key-password", &pw);
    t->key_password = pw.ptr;
    tls_name_opt(p, a, "version", version_names, &t->version);
    tls_name_opt(p, a, "upload", upload_names, &upload);
    tls_name_opt(p, a, "broker-cert", broker_cert_names, &broker_cert);
    scn_opt_int(p, a, "sni", 0, 1, &sni);
    scn_opt_int(p, a, "check-time", 0, 1, &check_time);
    t->sni = sni != 0;
    t->check_time = check_time != 0;
    t->if_missing = upload == 1;
    t->expired_broker = broker_cert == 1;
    if (!t->file[SCN_TLS_CERT] != !t->file[SCN_TLS_KEY])
        scn_perr(p, "cert= and key= go together: the client's certificate and its key (mutual TLS)");
    if (pw.ptr && !t->file[SCN_TLS_KEY])
        scn_perr(p, "key-password= needs key= (the password opens that key)");
    if (pw.ptr && (pw.len == 0 || memchr(pw.ptr, '"', pw.len) || memchr(pw.ptr, '\0', pw.len)))
        scn_perr(p, "key-password= must be 1 or more characters without '\"' (AT+CSSLCFG cannot carry a quote)");
}

/* {tls-broker}, {ca}, {cert}, {key}: the first in a program's command line. */
static int tls_placeholder_line(const struct scenario *sc, const char **which)
{
    static const char *const names[] = { "{tls-broker}", "{ca}", "{cert}", "{key}" };
    for (size_t i = 0; i < sc->n_programs; i++)
        for (size_t w = 0; w < sc->programs[i].argc; w++)
            for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
                if (strstr(sc->programs[i].argv[w], names[k])) {
                    *which = names[k];
                    return sc->programs[i].line;
                }
    return 0;
}

void scn_check_tls(struct scn_parser *p)
{
    const struct scenario *sc = p->sc;
    const char *which = NULL;
    int line;
    if (sc->tls.line)
        return;
    for (size_t i = 0; i < sc->n_steps; i++)
        if (sc->steps[i].kind == SCN_STEP_CONNECT && sc->steps[i].tls == 1)
            scn_perr_at(p, sc->steps[i].line, "connect tls=1 needs a tls statement (its files and settings), "
                                              "e.g. tls ca=\"ca.pem\"");
    line = tls_placeholder_line(sc, &which);
    if (line)
        scn_perr_at(p, line, "%s needs a tls statement to fill it in, e.g. tls ca=\"ca.pem\"", which);
}

void scn_tls_free(struct scn_tls *t)
{
    for (int r = 0; r < SCN_TLS_ROLES; r++)
        free(t->file[r]);
    free(t->key_password);
    memset(t, 0, sizeof *t);
}
