/* TLS (issue 17; findings §32): the caller's certificates into the module's
 * store (AT+CCERTDOWN), the SSL context (AT+CSSLCFG), once per bring-up, as
 * the MQTT manual §3.3/§3.4 does before AT+CMQTTSTART; and, before every
 * CONNECT, the client's binding to that context (AT+CMQTTSSLCFG: the module
 * forgets it once CONNECT finishes, MQTT §2.2.5). */
#include <string.h>

#include "sim7600_internal.h"

#if SIM7600_TLS

/* A certificate upload may cross a slow UART: about 1 ms a byte at 9600 baud. */
#define CERT_MS_PER_BYTE 2u
#define CERT_FILES 3

/* The line built in b, with a certificate's bytes after '>' if data is given. */
static int run_line(struct sim7600 *dev, const struct at_buf *b, unsigned flags,
                    const struct sim7600_cert *data)
{
    if (data == NULL)
        return sim7600_run(dev, b, flags, 0, NULL, 0);
    return sim7600_run(dev, b, flags, dev->cfg.cmd_timeout_ms + (uint32_t)data->len * CERT_MS_PER_BYTE,
                       data->data, data->len);
}

/* AT+CCERTDOWN="<name>",<len>, '>', exactly len bytes, OK. Marked secret:
 * no log line shows anything the module says while a key is going in. */
static int cert_down(struct sim7600 *dev, const struct sim7600_cert *f)
{
    struct at_buf b;

    sim7600_cmd_begin(dev, &b, "AT+CCERTDOWN");
    at_buf_str(&b, "=");
    at_buf_quoted(&b, f->name);
    at_buf_arg_u32(&b, (uint32_t)f->len);
    return run_line(dev, &b, AT_CMD_PROMPT | AT_CMD_SECRET, f);
}

struct listing {
    const struct sim7600_cert *const *files;
    unsigned have; /* bit i: files[i] is in the store */
};

/* "+CCERTLIST: "ca.pem"" (the quotes are optional: firmwares differ). */
static void on_list(void *ctx, const char *line, size_t len)
{
    struct listing *l = ctx;
    size_t i, n;
    const char *p = memchr(line, ':', len);

    if (p == NULL)
        return;
    for (p++; p < line + len && (*p == ' ' || *p == '"'); p++)
        ;
    n = (size_t)(line + len - p);
    if (n > 0 && p[n - 1] == '"')
        n--;
    for (i = 0; i < CERT_FILES; i++) {
        const char *name = l->files[i]->name;
        if (name != NULL && strlen(name) == n && memcmp(name, p, n) == 0)
            l->have |= 1u << i;
    }
}

static int upload_files(struct sim7600 *dev, const struct sim7600_tls *t)
{
    const struct sim7600_cert *const files[CERT_FILES] = {&t->ca, &t->cert, &t->key};
    struct listing l = {files, 0};
    size_t i;
    int st = SIM7600_OK;

    if (t->upload_if_missing)
        st = sim7600_exec_simple(dev, "AT+CCERTLIST", on_list, &l);
    for (i = 0; i < CERT_FILES && st == SIM7600_OK; i++) {
        if (files[i]->name != NULL && files[i]->data != NULL && !(l.have & (1u << i)))
            st = cert_down(dev, files[i]);
    }
    return st;
}

/* AT+CSSLCFG="<item>",<ctx>,<value>: text NULL sends num. */
static int ssl_cfg(struct sim7600 *dev, const char *item, const char *text, uint32_t num,
                   unsigned flags)
{
    struct at_buf b;

    sim7600_cmd_begin(dev, &b, "AT+CSSLCFG");
    at_buf_str(&b, "=");
    at_buf_quoted(&b, item);
    at_buf_arg_u32(&b, dev->cfg.tls->ssl_ctx);
    if (text != NULL)
        at_buf_arg_quoted(&b, text);
    else
        at_buf_arg_u32(&b, num);
    return run_line(dev, &b, flags, NULL);
}

/* The AT+CSSLCFG items in the order they are sent; the first NUMERIC_ITEMS
 * take a number, the rest a quoted string (file names, the key's password). */
enum { SSLVERSION, AUTHMODE, IGNORELOCALTIME, ENABLESNI, NUMERIC_ITEMS,
       CACERT = NUMERIC_ITEMS, CLIENTCERT, CLIENTKEY, PASSWORD, ITEMS };
static const char item_names[] = /* at_text_nth */
    "sslversion\0authmode\0ignorelocaltime\0enableSNI\0cacert\0clientcert\0clientkey\0password";

/* Every setting is sent, defaults too: a warm module keeps what an earlier
 * run of the host set. enableSNI only when asked: older firmware lacks it. */
static int configure(struct sim7600 *dev, const struct sim7600_tls *t)
{
    const uint32_t num[NUMERIC_ITEMS] = {
        (t->version + 4u) % 5u, /* enum sim7600_tls_version -> the module's value */
        sim7600_tls_authmode(t), t->check_time ? 0u : 1u, 1u,
    };
    const char *const text[ITEMS - NUMERIC_ITEMS] = {t->ca.name, t->cert.name, t->key.name,
                                                     t->key_password};
    unsigned i;
    int st = SIM7600_OK;

    for (i = 0; i < ITEMS && st == SIM7600_OK; i++) {
        const char *s = i >= NUMERIC_ITEMS ? text[i - NUMERIC_ITEMS] : NULL;
        if (i >= NUMERIC_ITEMS ? s != NULL : (i != ENABLESNI || t->sni))
            st = ssl_cfg(dev, at_text_nth(item_names, ITEMS, i), s, i < NUMERIC_ITEMS ? num[i] : 0,
                         i == PASSWORD ? AT_CMD_SECRET : 0);
    }
    return st;
}

int sim7600_tls_setup(struct sim7600 *dev)
{
    const struct sim7600_tls *t = dev->cfg.tls;
    int st;

    if (t == NULL)
        return SIM7600_OK;
    st = upload_files(dev, t);
    return st == SIM7600_OK ? configure(dev, t) : st;
}

int sim7600_tls_bind(struct sim7600 *dev)
{
    struct at_buf b;

    if (dev->cfg.tls == NULL)
        return SIM7600_OK;
    sim7600_cmd_begin(dev, &b, "AT+CMQTTSSLCFG");
    at_buf_str(&b, "=" SIM7600_CLIENT ",");
    at_buf_u32(&b, dev->cfg.tls->ssl_ctx);
    return run_line(dev, &b, 0, NULL);
}

#else /* built without TLS: sim7600_init() refused any cfg.tls */

int sim7600_tls_setup(struct sim7600 *dev)
{
    (void)dev;
    return SIM7600_OK;
}

int sim7600_tls_bind(struct sim7600 *dev)
{
    (void)dev;
    return SIM7600_OK;
}

#endif
