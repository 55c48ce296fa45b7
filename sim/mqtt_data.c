/* The MQTT model's '>' data commands (TOPIC, PAYLOAD, WILLTOPIC, WILLMSG,
 * SUBTOPIC, UNSUBTOPIC, and SUB/UNSUB with a topic): their write forms open
 * the data phase; mqtt_data_complete() takes the bytes once they are in. */
#include "mqtt_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- '>' data commands -------------------------------------------------------------- */

struct data_spec {
    enum data_target target;
    size_t max_len;
    bool has_qos;
    enum client_need need;
};

static const struct data_spec data_specs[] = {
    [DATA_WILL_TOPIC] = {DATA_WILL_TOPIC, MQTT_TOPIC_MAX, false, NEED_HELD},
    [DATA_WILL_MSG] = {DATA_WILL_MSG, MQTT_PAYLOAD_MAX, true, NEED_HELD},
    [DATA_TOPIC] = {DATA_TOPIC, MQTT_TOPIC_MAX, false, NEED_HELD},
    [DATA_PAYLOAD] = {DATA_PAYLOAD, MQTT_PAYLOAD_MAX, false, NEED_HELD},
    [DATA_SUBTOPIC] = {DATA_SUBTOPIC, MQTT_TOPIC_MAX, true, NEED_HELD},
    [DATA_UNSUBTOPIC] = {DATA_UNSUBTOPIC, MQTT_TOPIC_MAX, false, NEED_HELD},
    [DATA_SUB] = {DATA_SUB, MQTT_TOPIC_MAX, true, NEED_CONNECTED},
    [DATA_UNSUB] = {DATA_UNSUB, MQTT_TOPIC_MAX, false, NEED_CONNECTED},
};

static void begin_data(struct sim *s, enum data_target t, int client, long len, long qos, long dup)
{
    s->data.target = t;
    s->data.client = client;
    s->data.want = (size_t)len;
    s->data.got = 0;
    s->data.qos = (int)qos;
    s->data.dup = (int)dup;
    s->data.deadline_us = s->now_us + (uint64_t)s->cfg.data_timeout_ms * 1000u;
    s->mode = INPUT_DATA;
    sim_prompt(s);
}

static bool list_full(const struct mqtt_client *cl, enum data_target t)
{
    return (t == DATA_SUBTOPIC && cl->sub_count == MQTT_LIST_MAX) ||
           (t == DATA_UNSUBTOPIC && cl->unsub_count == MQTT_LIST_MAX);
}

/* The write form "<i>,<len>[,<qos>][,<dup>]" of every '>' command. */
enum cmd_result mqtt_data_command(struct sim *s, const struct at_cmdline_cmd *c, const struct at_args *a,
                                    enum data_target t, const char *test_text)
{
    const struct data_spec *spec = &data_specs[t];
    bool has_dup = t == DATA_SUB || t == DATA_UNSUB;
    if (c->form == AT_FORM_TEST) {
        sim_info(s, "%s: %s", c->name, test_text);
        return CMD_OK;
    }
    int nargs = 2 + spec->has_qos;
    enum cmd_result res;
    struct mqtt_client *cl = mqtt_client_arg(s, c, a, nargs, nargs + has_dup, &res);
    if (!cl)
        return res;
    int i = mqtt_client_index(s, cl);
    long len, qos = 0, dup = 0;
    int err = mqtt_number_param(a, 1, 1, (long)spec->max_len, MQTT_LENGTH_OUT_OF_RANGE, &len);
    if (!err && spec->has_qos)
        err = mqtt_number_param(a, 2, 0, 2, MQTT_INVALID_PARAMETER, &qos);
    if (!err && has_dup)
        err = mqtt_optional_flag(a, nargs, &dup);
    if (!err)
        err = mqtt_precondition(s, cl, spec->need);
    if (!err && list_full(cl, t))
        err = MQTT_FAILED;
    if (err)
        return mqtt_refuse(s, c, i, err);
    begin_data(s, t, i, len, qos, dup);
    return CMD_PROMPT;
}

DECLARE_HANDLER(cmd_mqtt_willtopic) { return mqtt_data_command(s, c, a, DATA_WILL_TOPIC, "(0-1),(1-1024)"); }
DECLARE_HANDLER(cmd_mqtt_willmsg) { return mqtt_data_command(s, c, a, DATA_WILL_MSG, "(0-1),(1-10240),(0-2)"); }
DECLARE_HANDLER(cmd_mqtt_topic) { return mqtt_data_command(s, c, a, DATA_TOPIC, "(0-1),(1-1024)"); }
DECLARE_HANDLER(cmd_mqtt_payload) { return mqtt_data_command(s, c, a, DATA_PAYLOAD, "(0-1),(1-10240)"); }
DECLARE_HANDLER(cmd_mqtt_subtopic) { return mqtt_data_command(s, c, a, DATA_SUBTOPIC, "(0-1),(1-1024),(0-2)"); }
DECLARE_HANDLER(cmd_mqtt_unsubtopic) { return mqtt_data_command(s, c, a, DATA_UNSUBTOPIC, "(0-1),(1-1024)"); }

static bool valid_utf8(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint8_t b = p[i];
        size_t extra = b < 0x80 ? 0 : (b & 0xE0) == 0xC0 ? 1 : (b & 0xF0) == 0xE0 ? 2 : (b & 0xF8) == 0xF0 ? 3 : SIZE_MAX;
        if (extra == SIZE_MAX || extra >= n - i)
            return false;
        for (size_t k = 1; k <= extra; k++)
            if ((p[i + k] & 0xC0) != 0x80)
                return false;
        i += extra + 1;
    }
    return true;
}

static void add_entry(struct topic_entry *list, int *count, const uint8_t *data, size_t n, int qos)
{
    struct topic_entry *e = &list[(*count)++];
    memcpy(e->topic, data, n);
    e->topic[n] = '\0';
    e->len = n;
    e->qos = qos;
}

static const char *data_command_name(enum data_target t)
{
    static const char *const names[] = {
        [DATA_WILL_TOPIC] = "+CMQTTWILLTOPIC", [DATA_WILL_MSG] = "+CMQTTWILLMSG",
        [DATA_TOPIC] = "+CMQTTTOPIC", [DATA_PAYLOAD] = "+CMQTTPAYLOAD",
        [DATA_SUBTOPIC] = "+CMQTTSUBTOPIC", [DATA_UNSUBTOPIC] = "+CMQTTUNSUBTOPIC",
        [DATA_SUB] = "+CMQTTSUB", [DATA_UNSUB] = "+CMQTTUNSUB",
    };
    return names[t];
}

void mqtt_data_complete(struct sim *s)
{
    struct data_phase *d = &s->data;
    struct mqtt_client *cl = &s->mqtt.client[d->client];
    if (cl->check_utf8 && !valid_utf8(d->buf, d->want)) {
        sim_info(s, "%s: %d,%d", data_command_name(d->target), d->client, MQTT_BAD_UTF8);
        sim_final(s, V250_ERROR);
        return;
    }
    switch (d->target) {
    case DATA_WILL_TOPIC:
        memcpy(cl->will_topic, d->buf, d->want);
        cl->will_topic[d->want] = '\0';
        cl->will_topic_len = d->want;
        break;
    case DATA_WILL_MSG:
        memcpy(cl->will_msg, d->buf, d->want);
        cl->will_msg_len = d->want;
        cl->will_qos = d->qos;
        break;
    case DATA_TOPIC:
        memcpy(cl->topic, d->buf, d->want);
        cl->topic_len = d->want;
        break;
    case DATA_PAYLOAD:
        memcpy(cl->payload, d->buf, d->want);
        cl->payload_len = d->want;
        break;
    case DATA_SUBTOPIC:
        add_entry(cl->sub_list, &cl->sub_count, d->buf, d->want, d->qos);
        break;
    case DATA_UNSUBTOPIC:
        add_entry(cl->unsub_list, &cl->unsub_count, d->buf, d->want, 0);
        break;
    case DATA_SUB:
    case DATA_UNSUB: {
        /* the one-topic forms act on that topic alone, not on the list */
        char *filter = (char *)d->buf;
        d->buf[d->want] = '\0';
        cl->busy = true;
        sim_final(s, V250_OK);
        if (d->target == DATA_SUB)
            s->link->subscribe(s->link_ctx, d->client, 1, &filter, &d->qos);
        else
            s->link->unsubscribe(s->link_ctx, d->client, 1, &filter);
        return;
    }
    case DATA_CIPSEND:           /* not MQTT's: line_input.c gives them to their families */
    case DATA_CERT:
    case DATA_CCHSEND:
    case DATA_HTTP:
        return;
    }
    sim_final(s, V250_OK);
}
