/* The module's certificate store (SSL manual: AT+CCERTDOWN, AT+CCERTLIST,
 * AT+CCERTDELE; findings §27): named files in the module's flash, PEM or DER
 * bytes kept exactly as uploaded (a PEM's CR LF too). A reboot keeps them. */
#include "sim_internal.h"

#include "alloc.h"

#include <stdlib.h>
#include <string.h>

#define PEM_SUFFIX ".pem"
#define DER_SUFFIX ".der"
#define SUFFIX_LEN 4

void ssl_init(struct sim *s)
{
    memset(&s->ssl, 0, sizeof s->ssl);
    ssl_power_on(s);
}

/* Contexts come back at their defaults after a power cycle (findings §27). */
void ssl_power_on(struct sim *s)
{
    for (int i = 0; i < SSL_CONTEXTS; i++)
        ssl_context_defaults(&s->ssl.ctx[i]);
    s->ssl.download_name[0] = '\0';
}

static void file_clear(struct ssl_cert_file *f)
{
    free(f->data);
    memset(f, 0, sizeof *f);
}

void ssl_free(struct sim *s)
{
    for (int i = 0; i < SSL_CERT_FILES_MAX; i++)
        file_clear(&s->ssl.store[i]);
}

/* The slot holding `name`, or -1. */
static int find_index(const struct ssl_state *st, const char *name)
{
    for (int i = 0; name[0] && i < SSL_CERT_FILES_MAX; i++)
        if (strcmp(st->store[i].name, name) == 0)
            return i;
    return -1;
}

static struct ssl_cert_file *find_file(struct sim *s, const char *name)
{
    int i = find_index(&s->ssl, name);
    return i < 0 ? NULL : &s->ssl.store[i];
}

const struct ssl_cert_file *ssl_store_find(const struct sim *s, const char *name)
{
    int i = find_index(&s->ssl, name);
    return i < 0 ? NULL : &s->ssl.store[i];
}

static bool has_suffix(const char *name, size_t len, const char *suffix)
{
    if (len < SUFFIX_LEN)
        return false;
    for (size_t i = 0; i < SUFFIX_LEN; i++)
        if ((name[len - SUFFIX_LEN + i] | 0x20) != suffix[i])
            return false;
    return true;
}

bool ssl_cert_name_valid(const char *name, size_t len)
{
    if (len < SSL_CERT_NAME_MIN || len > SSL_CERT_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (name[i] < ' ' || name[i] > '~' || name[i] == '/' || name[i] == '\\' || name[i] == '"')
            return false;
    return has_suffix(name, len, PEM_SUFFIX) || has_suffix(name, len, DER_SUFFIX);
}

/* A file of that name is replaced; a new one takes a free slot. */
bool ssl_store_put(struct sim *s, const char *name, const uint8_t *data, size_t len)
{
    if (!ssl_cert_name_valid(name, strlen(name)) || len == 0 || len > SSL_CERT_SIZE_MAX)
        return false;
    struct ssl_cert_file *f = find_file(s, name);
    for (int i = 0; !f && i < SSL_CERT_FILES_MAX; i++)
        if (!s->ssl.store[i].name[0])
            f = &s->ssl.store[i];
    if (!f)
        return false;
    uint8_t *copy = xmalloc(len + 1);
    memcpy(copy, data, len);
    copy[len] = '\0';        /* a password file reads as a C string */
    file_clear(f);
    strcpy(f->name, name);
    f->data = copy;
    f->len = len;
    s->ssl.store_changed = true;
    return true;
}

static bool store_full(const struct sim *s)
{
    for (int i = 0; i < SSL_CERT_FILES_MAX; i++)
        if (!s->ssl.store[i].name[0])
            return false;
    return true;
}

/* ---- AT+CCERTDOWN=<filename>,<len> ---------------------------------------------------- */

static void begin_download(struct sim *s, size_t len)
{
    s->data.target = DATA_CERT;
    s->data.client = 0;
    s->data.variable = false;
    s->data.want = len;
    s->data.got = 0;
    s->data.deadline_us = s->now_us + (uint64_t)s->cfg.data_timeout_ms * 1000u;
    s->mode = INPUT_DATA;
    sim_prompt(s);
}

static DECLARE_HANDLER(cmd_ccertdown)
{
    if (c->form == AT_FORM_TEST) {
        sim_info(s, "+CCERTDOWN: (%d-%d),(1-%d)", SSL_CERT_NAME_MIN, SSL_CERT_NAME_MAX, SSL_CERT_SIZE_MAX);
        return CMD_OK;
    }
    if (c->form != AT_FORM_WRITE || a->count != 2 || a->v[0].type != AT_ARG_STRING ||
        a->v[1].type != AT_ARG_NUMBER)
        return CMD_ERROR;
    const struct at_arg *name = &a->v[0];
    long len = a->v[1].number;
    if (!ssl_cert_name_valid(name->text, name->len) || len < 1 || len > SSL_CERT_SIZE_MAX)
        return CMD_ERROR;
    at_arg_copy(s->ssl.download_name, sizeof s->ssl.download_name, name);
    if (!find_file(s, s->ssl.download_name) && store_full(s))
        return CMD_ERROR;
    begin_download(s, (size_t)len);
    return CMD_PROMPT;
}

void ssl_cert_download_complete(struct sim *s)
{
    bool stored = ssl_store_put(s, s->ssl.download_name, s->data.buf, s->data.want);
    s->ssl.download_name[0] = '\0';
    sim_final(s, stored ? V250_OK : V250_ERROR);
}

/* ---- AT+CCERTLIST, AT+CCERTDELE -------------------------------------------------------- */

static DECLARE_HANDLER(cmd_ccertlist)
{
    (void)a;
    if (c->form == AT_FORM_TEST)
        return CMD_OK;
    if (c->form != AT_FORM_EXEC)
        return CMD_ERROR;
    for (int i = 0; i < SSL_CERT_FILES_MAX; i++)
        if (s->ssl.store[i].name[0])
            sim_info(s, "+CCERTLIST: \"%s\"", s->ssl.store[i].name);
    return CMD_OK;
}

static DECLARE_HANDLER(cmd_ccertdele)
{
    if (c->form == AT_FORM_TEST)
        return CMD_OK;
    if (c->form != AT_FORM_WRITE || a->count != 1 || a->v[0].type != AT_ARG_STRING)
        return CMD_ERROR;
    char name[SSL_CERT_NAME_MAX + 1];
    if (a->v[0].len > SSL_CERT_NAME_MAX)
        return CMD_ERROR;
    at_arg_copy(name, sizeof name, &a->v[0]);
    struct ssl_cert_file *f = find_file(s, name);
    if (!f)
        return CMD_ERROR;
    file_clear(f);
    s->ssl.store_changed = true;
    return CMD_OK;
}

/* ---- the control socket's state ------------------------------------------------------- */

void ssl_state_json(const struct sim *s, struct strbuf *o)
{
    sb_puts(o, ",\"tls\":{\"store\":[");
    const char *sep = "";
    for (int i = 0; i < SSL_CERT_FILES_MAX; i++) {
        const struct ssl_cert_file *f = &s->ssl.store[i];
        if (!f->name[0])
            continue;
        sb_printf(o, "%s{\"name\":", sep);
        sb_json_string(o, f->name, strlen(f->name));
        sb_printf(o, ",\"size\":%zu}", f->len);
        sep = ",";
    }
    sb_puts(o, "],\"contexts\":[");
    ssl_contexts_json(s, o);
    sb_puts(o, "]}");
}

static const struct command commands[] = {
    {"+CCERTDOWN", cmd_ccertdown, 0},
    {"+CCERTLIST", cmd_ccertlist, 0},
    {"+CCERTDELE", cmd_ccertdele, 0},
};

const struct command_family ssl_store_commands = {commands, sizeof commands / sizeof commands[0]};
