/* sim7600-mqtt's TLS files: read whole, bounded by what the module's store
 * takes, named in the store by role and format. */
#include "tls_files.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The store's names (5..128 bytes, ".pem" or ".der": SSL manual); one per
 * role, so a second run replaces the first run's files. */
static const char *const store_names[][2] = {
    {"sim7600-mqtt-ca.pem", "sim7600-mqtt-ca.der"},
    {"sim7600-mqtt-cert.pem", "sim7600-mqtt-cert.der"},
    {"sim7600-mqtt-key.pem", "sim7600-mqtt-key.der"},
};
enum { ROLE_CA, ROLE_CERT, ROLE_KEY };

static int file_error(const char *opt, const char *path, const char *why)
{
    fprintf(stderr, "sim7600-mqtt: %s %s: %s\n", opt, path, why);
    return 1;
}

/* Reads at most `limit` bytes; a longer file is refused, not cut. */
static int read_file(const char *opt, const char *path, size_t limit, uint8_t **out, size_t *len)
{
    char why[160];
    FILE *f = fopen(path, "rb");
    size_t n;

    if (f == NULL) {
        snprintf(why, sizeof why, "cannot open: %s", strerror(errno));
        return file_error(opt, path, why);
    }
    *out = malloc(limit + 1);
    if (*out == NULL) {
        fclose(f);
        return file_error(opt, path, "out of memory");
    }
    n = fread(*out, 1, limit + 1, f);
    if (ferror(f)) {
        snprintf(why, sizeof why, "cannot read: %s", strerror(errno));
        fclose(f);
        return file_error(opt, path, why);
    }
    fclose(f);
    *len = n;
    if (n == 0)
        return file_error(opt, path, "is empty: give the certificate or key file itself (PEM or DER)");
    if (n > limit) {
        snprintf(why, sizeof why,
                 "larger than %zu bytes, the most the module's store takes in one file "
                 "(AT+CCERTDOWN): give the single certificate or key, not a bundle", limit);
        return file_error(opt, path, why);
    }
    return 0;
}

/* PEM is text starting with "-----BEGIN"; anything else is taken for DER. */
static bool is_pem(const uint8_t *p, size_t n)
{
    static const char begin[] = "-----BEGIN";
    const uint8_t *s = memmem(p, n, begin, sizeof begin - 1);
    return s != NULL;
}

static int load_cert(const char *opt, const char *path, int role, uint8_t **buf,
                     struct sim7600_cert *c)
{
    size_t len = 0;

    if (path == NULL)
        return 0;
    if (read_file(opt, path, APP_CERT_MAX, buf, &len) != 0)
        return 1;
    c->name = store_names[role][is_pem(*buf, len) ? 0 : 1];
    c->data = *buf;
    c->len = len;
    return 0;
}

/* The password file's first line, without its line end. */
static int load_password(const char *path, char **out)
{
    uint8_t *buf = NULL;
    size_t len = 0;

    if (read_file("--key-password-file", path, APP_KEY_PASSWORD_MAX + 2, &buf, &len) != 0) {
        free(buf);
        return 1;
    }
    len = strcspn((const char *)buf, "\r\n");
    if (len == 0 || len > APP_KEY_PASSWORD_MAX || memchr(buf, '"', len) != NULL) {
        free(buf);
        return file_error("--key-password-file", path,
                          "must hold one line of 1..128 characters without '\"' (an AT "
                          "command cannot carry a quote)");
    }
    buf[len] = '\0';
    *out = (char *)buf;
    return 0;
}

int app_tls_load(const struct opts *o, struct app_tls *t)
{
    memset(t, 0, sizeof *t);
    t->tls.version = (uint8_t)o->tls_version;
    t->tls.sni = o->sni;
    t->tls.check_time = o->check_time;
    if (load_cert("--ca", o->insecure ? NULL : o->ca, ROLE_CA, &t->ca, &t->tls.ca) != 0 ||
        load_cert("--cert", o->cert, ROLE_CERT, &t->cert, &t->tls.cert) != 0 ||
        load_cert("--key", o->key, ROLE_KEY, &t->key, &t->tls.key) != 0)
        return 1;
    if (o->key_pass_file != NULL && load_password(o->key_pass_file, &t->password) != 0)
        return 1;
    t->tls.key_password = t->password;
    return 0;
}

void app_tls_free(struct app_tls *t)
{
    /* the key and its password are wiped before the memory goes back */
    if (t->key != NULL)
        explicit_bzero(t->key, t->tls.key.len);
    if (t->password != NULL)
        explicit_bzero(t->password, strlen(t->password));
    free(t->ca);
    free(t->cert);
    free(t->key);
    free(t->password);
    memset(t, 0, sizeof *t);
}
