/* TLS in a scenario's run (run_tls.h). */
#include "run_tls.h"

#include "alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "child_process.h"
#include "run_internal.h"

#ifndef SIM7600_SOURCE_DIR
#define SIM7600_SOURCE_DIR "."
#endif
#define MAKE_CERTS SIM7600_SOURCE_DIR "/tests/support/make-test-certs.sh"
#define MAKE_CERTS_MS 30000        /* the set takes ~0.2 s; a loaded machine gets room */
#define TLS_FILE_MAX 10240         /* the module's store takes no more in one file */

/* The test set's files the broker's side uses. */
static const char *const server_files[2][2] = {
    {"server.pem", "server-key.pem"},     /* broker-cert=valid */
    {"expired.pem", "expired-key.pem"},   /* broker-cert=expired */
};

/* The set goes in the scenario's scratch directory, made fresh, unless
 * SIM7600_HIL_CERTS names a directory to keep it in (made there once: the
 * script leaves a complete set alone), for a suite that reuses one set or a
 * test that must know the keys the runner used. */
int run_tls_make_set(struct run *r, char *dir, size_t cap, int line)
{
    const char *parent = r->o->work_dir ? r->o->work_dir : getenv("TMPDIR");
    const char *fixed = getenv(RUN_TLS_CERTS_ENV);
    if (fixed && *fixed)
        snprintf(dir, cap, "%s", fixed);
    else
        snprintf(dir, cap, "%s/tls-certs", parent ? parent : "/tmp");
    const char *const argv[] = {MAKE_CERTS, dir, NULL};
    struct child_spec spec = {.argv = argv, .stdout_path = "/dev/null"};
    pid_t pid = child_spawn(&spec);
    int status = 0;
    if (pid < 0 || !child_wait(pid, MAKE_CERTS_MS, &status)) {
        child_stop(pid, 0);
        return run_fail(r, "line %d: cannot make the test certificates with %s %s (not there, or it hung)", line,
                        MAKE_CERTS, dir);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return run_fail(r, "line %d: %s %s failed (status %d; is openssl installed? make deps)", line, MAKE_CERTS,
                        dir, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 0;
}

uint8_t *run_read_file(const char *path, size_t max, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = xmalloc(max + 1);
    *len = fread(buf, 1, max + 1, f);
    bool bad = ferror(f) || *len == 0 || *len > max;
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* The store's name: the file's own when it ends .pem or .der (the module's
 * rule), else its role's. */
static char *store_name(const char *path, enum scn_tls_role role)
{
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    size_t n = strlen(base);
    if (n >= 5 && (strcmp(base + n - 4, ".pem") == 0 || strcmp(base + n - 4, ".der") == 0))
        return xstrdup(base);
    struct strbuf s = {0};
    sb_printf(&s, "%s.pem", scn_tls_role_names[role]);
    return s.p;
}

static int load_file(struct run *r, struct run_tls *t, enum scn_tls_role role)
{
    const struct scn_tls *st = &r->sc->tls;
    struct sim7600_cert *c = role == SCN_TLS_CA ? &t->cfg.ca : role == SCN_TLS_CERT ? &t->cfg.cert : &t->cfg.key;
    size_t len = 0;
    if (!st->file[role])
        return 0;
    if (st->from_set[role])
        sb_printf(&t->path[role], "%s/%s", t->certs, st->file[role]);
    else
        sb_puts(&t->path[role], st->file[role]);
    t->data[role] = run_read_file(sb_str(&t->path[role]), TLS_FILE_MAX, &len);
    if (!t->data[role])
        return run_fail(r, "line %d: cannot use %s=\"%s\": missing, unreadable, empty or over %d bytes (the most "
                           "the module's store takes)", st->line, scn_tls_role_names[role], sb_str(&t->path[role]),
                        TLS_FILE_MAX);
    t->store_name[role] = store_name(sb_str(&t->path[role]), role);
    *c = (struct sim7600_cert){t->store_name[role], t->data[role], len};
    return 0;
}

int run_tls_prepare(struct run *r)
{
    const struct scn_tls *st = &r->sc->tls;
    if (!st->line)
        return 0;
    struct run_tls *t = xmalloc(sizeof *t);
    memset(t, 0, sizeof *t);
    r->tls = t;
    if (run_tls_make_set(r, t->certs, sizeof t->certs, st->line) < 0)
        return -1;
    for (int role = 0; role < SCN_TLS_ROLES; role++)
        if (load_file(r, t, (enum scn_tls_role)role) < 0)
            return -1;
    t->cfg.key_password = st->key_password;
    t->cfg.version = (uint8_t)st->version;
    t->cfg.sni = st->sni;
    t->cfg.check_time = st->check_time;
    t->cfg.upload_if_missing = st->if_missing;
    sb_printf(&t->set_ca, "%s/ca.pem", t->certs);
    sb_printf(&t->server_cert, "%s/%s", t->certs, server_files[st->expired_broker][0]);
    sb_printf(&t->server_key, "%s/%s", t->certs, server_files[st->expired_broker][1]);
    return 0;
}

void run_tls_free(struct run *r)
{
    struct run_tls *t = r->tls;
    if (!t)
        return;
    for (int role = 0; role < SCN_TLS_ROLES; role++) {
        sb_free(&t->path[role]);
        free(t->data[role]);
        free(t->store_name[role]);
    }
    sb_free(&t->server_cert);
    sb_free(&t->server_key);
    sb_free(&t->set_ca);
    free(t);
    r->tls = NULL;
}

bool run_tls_listener(const struct run *r, struct mqproc_tls *out)
{
    const struct run_tls *t = r->tls;
    if (!t)
        return false;
    out->cafile = sb_str(&t->set_ca);
    out->certfile = sb_str(&t->server_cert);
    out->keyfile = sb_str(&t->server_key);
    out->require_certificate = t->cfg.cert.name != NULL;   /* mutual TLS asked */
    return true;
}

/* Is the scenario's file for `role` one of the set's `names` (same bytes)? */
static bool is_set_file(const struct run_tls *t, enum scn_tls_role role, const char *const *names)
{
    for (; *names; names++) {
        struct strbuf path = {0};
        size_t len = 0;
        sb_printf(&path, "%s/%s", t->certs, *names);
        uint8_t *set = run_read_file(sb_str(&path), TLS_FILE_MAX, &len);
        bool same = set && t->data[role] && len == (role == SCN_TLS_CA ? t->cfg.ca.len : t->cfg.cert.len) &&
                    memcmp(set, t->data[role], len) == 0;
        free(set);
        sb_free(&path);
        if (same)
            return true;
    }
    return false;
}

int run_tls_embedded(struct run *r, int (*control)(struct run *r, const char *line, int src_line))
{
    static const char *const set_ca[] = {"ca.pem", "ca.der", NULL};
    static const char *const set_client[] = {"client.pem", "client.der", NULL};
    const struct run_tls *t = r->tls;
    const char *fault = NULL;
    if (!t)
        return 0;
    if (t->cfg.ca.name && !is_set_file(t, SCN_TLS_CA, set_ca))
        fault = "tls-fail untrusted";   /* the broker's certificate is not signed by that CA */
    else if (t->cfg.ca.name && t->cfg.check_time && r->sc->tls.expired_broker)
        fault = "tls-fail expired";     /* ignorelocaltime 0: the module's clock judges it */
    else if (t->cfg.cert.name && !is_set_file(t, SCN_TLS_CERT, set_client))
        fault = "tls-fail rejected";    /* the broker does not know the client's CA */
    return fault ? control(r, fault, r->sc->tls.line) : 0;
}

void run_tls_placeholders(const struct run *r, struct strbuf *broker, struct strbuf *ca, struct strbuf *cert,
                          struct strbuf *key)
{
    const struct run_tls *t = r->tls;
    if (!t)
        return;
    if (r->mq_started)
        sb_printf(broker, "tcp://127.0.0.1:%d", r->mq.tls_port);
    else
        sb_puts(broker, r->o->server ? r->o->server : RUN_DEFAULT_TLS_SERVER);
    sb_puts(ca, sb_str(&t->path[SCN_TLS_CA]));
    sb_puts(cert, sb_str(&t->path[SCN_TLS_CERT]));
    sb_puts(key, sb_str(&t->path[SCN_TLS_KEY]));
}
