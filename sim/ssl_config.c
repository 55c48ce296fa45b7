/* The ten SSL contexts (SSL manual: AT+CSSLCFG; findings §27) and what one
 * gives a connection (ssl_resolve). Every refusal is a plain ERROR, as the
 * manual lists for this command. */
#include "sim_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SSL_VERSION_DEFAULT SIM_TLS_ANY
#define SSL_SNI_DEFAULT false          /* AT+CSSLCFG? on a SIM7600: enableSNI 0 until set (findings §27) */
#define HEX_BASE 16

void ssl_context_defaults(struct ssl_context *c)
{
    memset(c, 0, sizeof *c);
    c->version = SSL_VERSION_DEFAULT;
    c->auth = SIM_TLS_AUTH_NONE;
    c->ignore_local_time = true;
    c->negotiate_s = SSL_NEGOTIATE_MAX_S;
    c->sni = SSL_SNI_DEFAULT;
    c->ciphers = 0;
}

/* ---- the items of AT+CSSLCFG="<item>",<ctx>,<value> ----------------------------------------- */

enum item_kind { ITEM_NUMBER, ITEM_FILE, ITEM_PASSWORD, ITEM_CIPHERS };

enum item_id {
    ITEM_SSLVERSION, ITEM_AUTHMODE, ITEM_IGNORELOCALTIME, ITEM_NEGOTIATETIME, ITEM_CACERT,
    ITEM_CLIENTCERT, ITEM_CLIENTKEY, ITEM_PASSWORD_ID, ITEM_ENABLESNI, ITEM_CIPHERSUITES,
};

struct item {
    const char *name;           /* as the manual spells it; matched in any case */
    enum item_kind kind;
    long min, max;              /* numbers; lengths for files and the password */
    const char *range;          /* the test form's value range */
};

static const struct item items[] = {
    [ITEM_SSLVERSION] = {"sslversion", ITEM_NUMBER, SIM_TLS_SSL3, SIM_TLS_ANY, "(0-4)"},
    [ITEM_AUTHMODE] = {"authmode", ITEM_NUMBER, SIM_TLS_AUTH_NONE, SIM_TLS_AUTH_CLIENT, "(0-3)"},
    [ITEM_IGNORELOCALTIME] = {"ignorelocaltime", ITEM_NUMBER, 0, 1, "(0,1)"},
    [ITEM_NEGOTIATETIME] = {"negotiatetime", ITEM_NUMBER, SSL_NEGOTIATE_MIN_S, SSL_NEGOTIATE_MAX_S, "(10-300)"},
    [ITEM_CACERT] = {"cacert", ITEM_FILE, SSL_CERT_NAME_MIN, SSL_CERT_NAME_MAX, "(5-128)"},
    [ITEM_CLIENTCERT] = {"clientcert", ITEM_FILE, SSL_CERT_NAME_MIN, SSL_CERT_NAME_MAX, "(5-128)"},
    [ITEM_CLIENTKEY] = {"clientkey", ITEM_FILE, SSL_CERT_NAME_MIN, SSL_CERT_NAME_MAX, "(5-128)"},
    [ITEM_PASSWORD_ID] = {"password", ITEM_PASSWORD, 1, SSL_PASSWORD_MAX, "(1-128)"},
    [ITEM_ENABLESNI] = {"enableSNI", ITEM_NUMBER, 0, 1, "(0,1)"},
    [ITEM_CIPHERSUITES] = {"ciphersuites", ITEM_CIPHERS, 0, SSL_CIPHERS_MAX, "(0x0-0xFFFF)"},
};

#define ITEM_COUNT (sizeof items / sizeof items[0])

static int find_item(const struct at_arg *v)
{
    for (size_t i = 0; i < ITEM_COUNT; i++)
        if (v->type == AT_ARG_STRING && strlen(items[i].name) == v->len &&
            strncasecmp(items[i].name, v->text, v->len) == 0)
            return (int)i;
    return -1;
}

/* "0xFFFF" as the captures write it, or a decimal number. */
static bool cipher_value(const struct at_arg *v, long *out)
{
    if (v->type == AT_ARG_NUMBER) {
        *out = v->number;
        return true;
    }
    if (v->type != AT_ARG_WORD || v->len < 3 || v->len > 6 || v->text[0] != '0' || (v->text[1] | 0x20) != 'x')
        return false;
    char hex[8] = {0};
    memcpy(hex, v->text + 2, v->len - 2);
    char *end;
    *out = strtol(hex, &end, HEX_BASE);
    return *end == '\0';
}

/* The value is one the item takes: a number in range, or a text of a length in range. */
static bool value_fits(const struct item *it, const struct at_arg *v, long *number)
{
    switch (it->kind) {
    case ITEM_NUMBER:
        *number = v->number;
        return v->type == AT_ARG_NUMBER && v->number >= it->min && v->number <= it->max;
    case ITEM_CIPHERS:
        return cipher_value(v, number) && *number >= it->min && *number <= it->max;
    case ITEM_FILE:
        return v->type == AT_ARG_STRING && ssl_cert_name_valid(v->text, v->len);
    case ITEM_PASSWORD:
        return v->type == AT_ARG_STRING && (long)v->len >= it->min && (long)v->len <= it->max;
    }
    return false;
}

static void set_item(struct ssl_context *c, enum item_id id, const struct at_arg *v, long n)
{
    switch (id) {
    case ITEM_SSLVERSION: c->version = (enum sim_tls_version)n; break;
    case ITEM_AUTHMODE: c->auth = (enum sim_tls_auth)n; break;
    case ITEM_IGNORELOCALTIME: c->ignore_local_time = n != 0; break;
    case ITEM_NEGOTIATETIME: c->negotiate_s = (uint32_t)n; break;
    case ITEM_CACERT: at_arg_copy(c->cacert, sizeof c->cacert, v); break;
    case ITEM_CLIENTCERT: at_arg_copy(c->clientcert, sizeof c->clientcert, v); break;
    case ITEM_CLIENTKEY: at_arg_copy(c->clientkey, sizeof c->clientkey, v); break;
    case ITEM_PASSWORD_ID: at_arg_copy(c->password, sizeof c->password, v); break;
    case ITEM_ENABLESNI: c->sni = n != 0; break;
    case ITEM_CIPHERSUITES: c->ciphers = (unsigned)n; break;
    }
}

static bool context_index(const struct at_arg *v, int *ctx)
{
    if (v->type != AT_ARG_NUMBER || v->number < 0 || v->number >= SSL_CONTEXTS)
        return false;
    *ctx = (int)v->number;
    return true;
}

/* ---- AT+CSSLCFG forms ------------------------------------------------------------------ */

/* One context as AT+CSSLCFG? prints it (a SIM7600's own listing, findings §27):
 * <ctx>,<sslversion>,<authmode>,<ignoreltime>,<negotiatetime>,<ca>,<cert>,<key>,<enableSNI>,<password>,<ciphersuites> */
static void print_context(struct sim *s, int i)
{
    const struct ssl_context *c = &s->ssl.ctx[i];
    sim_info(s, "+CSSLCFG: %d,%d,%d,%d,%u,\"%s\",\"%s\",\"%s\",%d,\"%s\",0x%X", i, (int)c->version, (int)c->auth,
             c->ignore_local_time, (unsigned)c->negotiate_s, c->cacert, c->clientcert, c->clientkey, c->sni,
             c->password, c->ciphers);
}

static enum cmd_result csslcfg_test(struct sim *s)
{
    for (size_t i = 0; i < ITEM_COUNT; i++)
        sim_info(s, "+CSSLCFG: \"%s\",(0-%d),%s", items[i].name, SSL_CONTEXTS - 1, items[i].range);
    return CMD_OK;
}

static enum cmd_result csslcfg_write(struct sim *s, const struct at_args *a)
{
    int ctx;
    if (a->count == 1 && context_index(&a->v[0], &ctx)) {   /* AT+CSSLCFG=<ctx>: that context */
        print_context(s, ctx);
        return CMD_OK;
    }
    int id = a->count == 3 ? find_item(&a->v[0]) : -1;
    long n = 0;
    if (id < 0 || !context_index(&a->v[1], &ctx) || !value_fits(&items[id], &a->v[2], &n))
        return CMD_ERROR;
    set_item(&s->ssl.ctx[ctx], (enum item_id)id, &a->v[2], n);
    return CMD_OK;
}

static DECLARE_HANDLER(cmd_csslcfg)
{
    switch (c->form) {
    case AT_FORM_TEST:
        return csslcfg_test(s);
    case AT_FORM_READ:
        for (int i = 0; i < SSL_CONTEXTS; i++)
            print_context(s, i);
        return CMD_OK;
    case AT_FORM_WRITE:
        return csslcfg_write(s, a);
    case AT_FORM_EXEC:
        break;
    }
    return CMD_ERROR;
}

/* ---- what a context gives a connection ------------------------------------------------- */

static struct sim_tls_blob blob(const struct sim *s, const char *name)
{
    const struct ssl_cert_file *f = ssl_store_find(s, name);
    return f ? (struct sim_tls_blob){f->data, f->len} : (struct sim_tls_blob){NULL, 0};
}

/* The key's password: the store file of that name when there is one (the
 * manual's <password_file>), else the text itself (findings §27). */
static const char *key_password(const struct sim *s, const struct ssl_context *c)
{
    if (!c->password[0])
        return NULL;
    const struct ssl_cert_file *f = ssl_store_find(s, c->password);
    return f ? (const char *)f->data : c->password;
}

enum ssl_resolve_result ssl_resolve(const struct sim *s, int ctx, const char *host, struct sim_tls_config *out)
{
    const struct ssl_context *c = &s->ssl.ctx[ctx];
    memset(out, 0, sizeof *out);
    out->version = c->version;
    out->auth = c->auth;
    out->ca = blob(s, c->cacert);
    out->cert = blob(s, c->clientcert);
    out->key = blob(s, c->clientkey);
    out->key_password = key_password(s, c);
    out->sni = c->sni ? host : NULL;
    out->check_time = !c->ignore_local_time;
    out->module_time = modem_clock_unix_utc(s);
    out->negotiate_ms = c->negotiate_s * 1000u;
    out->cipher_suite = c->ciphers == 0 || c->ciphers == SSL_CIPHERS_MAX ? -1 : (int)c->ciphers;
    bool needs_ca = c->auth == SIM_TLS_AUTH_SERVER || c->auth == SIM_TLS_AUTH_MUTUAL;
    bool needs_client = c->auth == SIM_TLS_AUTH_MUTUAL || c->auth == SIM_TLS_AUTH_CLIENT;
    if (needs_ca && !out->ca.len)
        return SSL_NO_CA;
    if (needs_client && (!out->cert.len || !out->key.len))
        return SSL_NO_CLIENT_CERT;
    return SSL_RESOLVED;
}

static bool context_is_default(const struct ssl_context *c)
{
    struct ssl_context d;
    ssl_context_defaults(&d);
    return c->version == d.version && c->auth == d.auth && !c->cacert[0] && !c->clientcert[0] &&
           !c->clientkey[0] && !c->password[0] && c->ignore_local_time == d.ignore_local_time &&
           c->negotiate_s == d.negotiate_s && c->sni == d.sni && c->ciphers == d.ciphers;
}

/* The contexts a command changed (the others are at their defaults), for the
 * control socket's state: never a password, only whether one is set. */
void ssl_contexts_json(const struct sim *s, struct strbuf *o)
{
    const char *sep = "";
    for (int i = 0; i < SSL_CONTEXTS; i++) {
        const struct ssl_context *c = &s->ssl.ctx[i];
        if (context_is_default(c))
            continue;
        sb_printf(o, "%s{\"index\":%d,\"sslversion\":%d,\"authmode\":%d,\"cacert\":", sep, i,
                  (int)c->version, (int)c->auth);
        sep = ",";
        sb_json_string(o, c->cacert, strlen(c->cacert));
        sb_puts(o, ",\"clientcert\":");
        sb_json_string(o, c->clientcert, strlen(c->clientcert));
        sb_puts(o, ",\"clientkey\":");
        sb_json_string(o, c->clientkey, strlen(c->clientkey));
        sb_printf(o, ",\"password\":\"%s\",\"ignorelocaltime\":%d,\"negotiatetime\":%u,\"enableSNI\":%d,"
                     "\"ciphersuites\":\"0x%X\"}",
                  c->password[0] ? "(set)" : "", c->ignore_local_time, (unsigned)c->negotiate_s, c->sni,
                  c->ciphers);
    }
}

static const struct command commands[] = {
    {"+CSSLCFG", cmd_csslcfg, 0},
};

const struct command_family ssl_config_commands = {commands, sizeof commands / sizeof commands[0]};
