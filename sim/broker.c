#include "broker.h"

#include "alloc.h"

#include <stdlib.h>
#include <string.h>

struct subscription {
    int subscriber;
    int qos;
    size_t len;
    char *filter;
};

struct retained {
    char *topic;
    size_t topic_len;
    uint8_t *payload;
    size_t payload_len;
    int qos;
};

/* A published message waiting for the watcher: owned copies. */
struct published {
    char *topic;
    size_t topic_len;
    uint8_t *payload;
    size_t payload_len;
    int qos;
    bool retain;
};

struct broker {
    broker_deliver_fn deliver;
    void *ctx;
    bool keep_published;
    struct published *log;             /* waiting: log[log_head..log_len) */
    size_t log_head, log_len, log_cap;
    struct published taken;            /* the one broker_take_published handed out last */
    struct subscription *subs;
    size_t nsubs, subs_cap;
    struct retained *kept;
    size_t nkept, kept_cap;
    uint64_t published;
};

struct broker *broker_create(broker_deliver_fn deliver, void *ctx)
{
    struct broker *b = xmalloc(sizeof *b);
    *b = (struct broker){.deliver = deliver, .ctx = ctx};
    return b;
}

static void free_published(struct published *p)
{
    free(p->topic);
    free(p->payload);
    *p = (struct published){0};
}

void broker_destroy(struct broker *b)
{
    if (!b)
        return;
    broker_keep_published(b, false);
    free(b->log);
    for (size_t i = 0; i < b->nsubs; i++)
        free(b->subs[i].filter);
    for (size_t i = 0; i < b->nkept; i++) {
        free(b->kept[i].topic);
        free(b->kept[i].payload);
    }
    free(b->subs);
    free(b->kept);
    free(b);
}

void broker_keep_published(struct broker *b, bool keep)
{
    b->keep_published = keep;
    if (keep)
        return;
    for (size_t i = b->log_head; i < b->log_len; i++)
        free_published(&b->log[i]);
    b->log_head = b->log_len = 0;
    free_published(&b->taken);
}

bool broker_take_published(struct broker *b, struct broker_message *m)
{
    free_published(&b->taken);
    if (b->log_head == b->log_len)
        return false;
    b->taken = b->log[b->log_head++];
    if (b->log_head == b->log_len)
        b->log_head = b->log_len = 0;
    *m = (struct broker_message){b->taken.topic, b->taken.topic_len, b->taken.payload,
                                 b->taken.payload_len, b->taken.qos, b->taken.retain};
    return true;
}

/* Length of the topic level starting at p (up to the next '/'). */
static size_t level_len(const char *p, size_t n)
{
    const char *slash = memchr(p, '/', n);
    return slash ? (size_t)(slash - p) : n;
}

bool mqtt_topic_matches(const char *f, size_t fn, const char *t, size_t tn)
{
    /* Topics starting with '$' are not matched by a leading wildcard (§4.7.2). */
    if (tn && t[0] == '$' && fn && (f[0] == '+' || f[0] == '#'))
        return false;
    for (;;) {
        size_t fl = level_len(f, fn);
        if (fl == 1 && f[0] == '#')
            return true;
        size_t tl = level_len(t, tn);
        if (!(fl == 1 && f[0] == '+') && (fl != tl || memcmp(f, t, fl) != 0))
            return false;
        bool f_more = fl < fn, t_more = tl < tn;
        if (!f_more || !t_more) {
            /* "a/#" also matches "a" (§4.7.1.2) */
            if (f_more && !t_more && fn - fl == 2 && f[fl + 1] == '#')
                return true;
            return f_more == t_more;
        }
        f += fl + 1, fn -= fl + 1;
        t += tl + 1, tn -= tl + 1;
    }
}

bool mqtt_filter_valid(const char *f, size_t n)
{
    if (n == 0 || memchr(f, '\0', n))
        return false;
    for (size_t i = 0; i < n; i++) {
        bool starts = i == 0 || f[i - 1] == '/';
        bool ends = i + 1 == n || f[i + 1] == '/';
        if (f[i] == '+' && !(starts && ends))
            return false;
        if (f[i] == '#' && !(starts && i + 1 == n))
            return false;
    }
    return true;
}

bool mqtt_topic_valid(const char *t, size_t n)
{
    return n > 0 && !memchr(t, '\0', n) && !memchr(t, '+', n) && !memchr(t, '#', n);
}

static struct subscription *find_sub(struct broker *b, int subscriber, const char *f, size_t n)
{
    for (size_t i = 0; i < b->nsubs; i++) {
        struct subscription *s = &b->subs[i];
        if (s->subscriber == subscriber && s->len == n && memcmp(s->filter, f, n) == 0)
            return s;
    }
    return NULL;
}

static void deliver_retained(struct broker *b, const struct subscription *s)
{
    for (size_t i = 0; i < b->nkept; i++) {
        const struct retained *r = &b->kept[i];
        if (!mqtt_topic_matches(s->filter, s->len, r->topic, r->topic_len))
            continue;
        struct broker_message m = {r->topic, r->topic_len, r->payload, r->payload_len,
                                   r->qos < s->qos ? r->qos : s->qos, true};
        b->deliver(b->ctx, s->subscriber, &m);
    }
}

int broker_subscribe(struct broker *b, int subscriber, const char *f, size_t n, int qos)
{
    if (!mqtt_filter_valid(f, n))
        return -1;
    struct subscription *s = find_sub(b, subscriber, f, n);
    if (!s) {     /* a repeated subscription replaces the old one's QoS (§3.8.4) */
        b->subs = grow_array(b->subs, &b->subs_cap, b->nsubs + 1, sizeof *b->subs);
        char *copy = xmemdup(f, n);
        s = &b->subs[b->nsubs++];
        *s = (struct subscription){subscriber, qos, n, copy};
    }
    s->qos = qos;
    deliver_retained(b, s);
    return 0;
}

int broker_unsubscribe(struct broker *b, int subscriber, const char *f, size_t n)
{
    struct subscription *s = find_sub(b, subscriber, f, n);
    if (s) {
        free(s->filter);
        *s = b->subs[--b->nsubs];
    }
    return 0;
}

void broker_drop_subscriber(struct broker *b, int subscriber)
{
    for (size_t i = b->nsubs; i-- > 0;) {
        if (b->subs[i].subscriber == subscriber) {
            free(b->subs[i].filter);
            b->subs[i] = b->subs[--b->nsubs];
        }
    }
}

static struct retained *find_retained(struct broker *b, const char *t, size_t n)
{
    for (size_t i = 0; i < b->nkept; i++)
        if (b->kept[i].topic_len == n && memcmp(b->kept[i].topic, t, n) == 0)
            return &b->kept[i];
    return NULL;
}

/* A retained publish replaces the topic's retained message; an empty one clears it (§3.3.1.3). */
static int keep_retained(struct broker *b, const struct broker_message *m)
{
    struct retained *r = find_retained(b, m->topic, m->topic_len);
    if (r) {
        free(r->topic);
        free(r->payload);
        *r = b->kept[--b->nkept];
    }
    if (m->payload_len == 0)
        return 0;
    b->kept = grow_array(b->kept, &b->kept_cap, b->nkept + 1, sizeof *b->kept);
    b->kept[b->nkept++] = (struct retained){xmemdup(m->topic, m->topic_len), m->topic_len,
                                            xmemdup(m->payload, m->payload_len), m->payload_len, m->qos};
    return 0;
}

static void keep_published(struct broker *b, const struct broker_message *m)
{
    b->log = grow_array(b->log, &b->log_cap, b->log_len + 1, sizeof *b->log);
    b->log[b->log_len++] = (struct published){xmemdup(m->topic, m->topic_len), m->topic_len,
                                              xmemdup(m->payload, m->payload_len), m->payload_len,
                                              m->qos, m->retain};
}

int broker_publish(struct broker *b, const struct broker_message *m)
{
    if (!mqtt_topic_valid(m->topic, m->topic_len))
        return -1;
    b->published++;
    if (b->keep_published)
        keep_published(b, m);
    if (m->retain && keep_retained(b, m) < 0)
        return -1;
    int delivered = 0;
    /* One delivery per subscriber even when several of its filters match (§3.3.5). */
    for (size_t i = 0; i < b->nsubs; i++) {
        const struct subscription *s = &b->subs[i];
        if (!mqtt_topic_matches(s->filter, s->len, m->topic, m->topic_len))
            continue;
        int best = s->qos;
        bool first = true;
        for (size_t j = 0; j < b->nsubs; j++) {
            const struct subscription *o = &b->subs[j];
            if (o->subscriber != s->subscriber || !mqtt_topic_matches(o->filter, o->len, m->topic, m->topic_len))
                continue;
            if (j < i)
                first = false;
            if (o->qos > best)
                best = o->qos;
        }
        if (!first)
            continue;
        struct broker_message d = *m;
        d.qos = m->qos < best ? m->qos : best;
        d.retain = false;          /* retain is cleared on normal delivery (§3.3.1.3) */
        b->deliver(b->ctx, s->subscriber, &d);
        delivered++;
    }
    return delivered;
}

size_t broker_subscription_count(const struct broker *b, int subscriber)
{
    size_t n = 0;
    for (size_t i = 0; i < b->nsubs; i++)
        n += b->subs[i].subscriber == subscriber;
    return n;
}

size_t broker_retained_count(const struct broker *b)
{
    return b->nkept;
}

uint64_t broker_published_count(const struct broker *b)
{
    return b->published;
}
