#include "faults.h"

#include "alloc.h"
#include "parse_num.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

void fault_rule_free(struct fault_rule *r)
{
    fault_action_item_free(&r->act);
}

void fault_action_item_free(struct fault_action_item *a)
{
    free(a->bytes);
    free(a->control);
    a->bytes = NULL;
    a->control = NULL;
}

static void free_rules(struct fault_set *f)
{
    for (size_t i = 0; i < f->count; i++)
        fault_rule_free(&f->rules[i]);
    free(f->rules);
    f->rules = NULL;
    f->count = f->cap = 0;
}

void faults_free(struct fault_set *f)
{
    free_rules(f);
    for (size_t i = f->queue_head; i < f->queue_len; i++)
        fault_action_item_free(&f->queue[i]);
    free(f->queue);
    free(f->answer_inject);
    memset(f, 0, sizeof *f);
}

/* Starts the rules afresh (the publish count and rules_fired too). A garble
 * under way, the counts of faults that took effect and the actions already
 * fired (`rules clear` may itself be one, run from the queue) are not rules:
 * they stay. */
void faults_clear(struct fault_set *f)
{
    free_rules(f);
    faults_arm_answer_inject(f, NULL, 0);
    f->publishes = 0;
    f->rules_fired = 0;
    f->data_line[0] = '\0';
}

static int fail(struct strbuf *reply, const char *why)
{
    sb_puts(reply, "ERR ");
    sb_puts(reply, why);
    return -1;
}

static bool parse_uint(const char *text, unsigned long max, unsigned long *out)
{
    uint64_t v;
    if (!parse_u64(text, max, &v))
        return false;
    *out = (unsigned long)v;
    return true;
}

/* The action words (t->v[at..]) into the rule. */
static int parse_action(struct fault_rule *r, const struct tokens *t, int at, struct strbuf *reply)
{
    unsigned long v;
    if (at >= t->count)
        return fail(reply, "the rule has no action (replace \"<bytes>\", delay <ms>, garble <n>, or a control command)");
    const char *word = t->v[at];
    int args = t->count - at - 1;
    bool inject = strcmp(word, "inject-in-answer") == 0;
    if (inject || strcmp(word, "replace") == 0) {
        if (args != 1)
            return fail(reply, "usage: ... replace|inject-in-answer \"<bytes with C escapes>\"");
        if (inject && r->trigger != FAULT_ON_SEND)
            return fail(reply, "inject-in-answer needs an on-send trigger: it goes inside that command's answer");
        r->act.action = inject ? FAULT_INJECT_IN_ANSWER : FAULT_REPLACE;
        r->act.len = t->len[at + 1];
        r->act.bytes = xmemdup(t->v[at + 1], r->act.len);
        return 0;
    }
    if (strcmp(word, "delay") == 0) {
        if (args != 1 || !parse_uint(t->v[at + 1], 3600000, &v))
            return fail(reply, "usage: ... delay <ms 0-3600000>");
        r->act.action = FAULT_DELAY;
        r->act.amount = (uint32_t)v;
        return 0;
    }
    if (strcmp(word, "garble") == 0) {
        unsigned long seed = 0;
        if (args < 1 || args > 2 || !parse_uint(t->v[at + 1], 1000000, &v) || v == 0 ||
            (args == 2 && (strncmp(t->v[at + 2], "seed=", 5) != 0 ||
                           !parse_uint(t->v[at + 2] + 5, 0xFFFFFFFFul, &seed) || seed == 0)))
            return fail(reply, "usage: ... garble <bytes 1-1000000> [seed=<1-4294967295>]");
        r->act.action = FAULT_GARBLE;
        r->act.amount = (uint32_t)v;
        r->act.seed = (uint32_t)seed;
        return 0;
    }
    /* any other word is a control command, for the caller to check; re-quoted
     * so that the control layer reads it back unchanged */
    struct strbuf line = {0};
    for (int i = at; i < t->count; i++) {
        if (i > at)
            sb_puts(&line, " ");
        sb_c_quote(&line, t->v[i], t->len[i]);
    }
    r->act.action = FAULT_CONTROL;
    r->act.control = line.p;
    return 0;
}

static int parse_trigger(struct fault_rule *r, const struct tokens *t, int *at, struct strbuf *reply)
{
    unsigned long v;
    if (t->count < 3)
        return fail(reply, "usage: rule on-send|on-answer|in-data <prefix> [nth=N] <action> | rule after-publishes <N> <action>");
    r->nth = 1;
    if (strcmp(t->v[1], "after-publishes") == 0) {
        if (!parse_uint(t->v[2], 1000000, &v) || v == 0)
            return fail(reply, "after-publishes needs a count of 1 or more");
        r->trigger = FAULT_AFTER_PUBLISHES;
        r->nth = (unsigned)v;
        *at = 3;
        return 0;
    }
    static const struct { const char *word; enum fault_trigger trigger; } line_triggers[] = {
        {"on-send", FAULT_ON_SEND}, {"on-answer", FAULT_ON_ANSWER}, {"in-data", FAULT_IN_DATA},
    };
    size_t k = 0;
    while (k < sizeof line_triggers / sizeof line_triggers[0] && strcmp(t->v[1], line_triggers[k].word) != 0)
        k++;
    if (k == sizeof line_triggers / sizeof line_triggers[0])
        return fail(reply, "a rule starts with on-send|on-answer|in-data <prefix> or after-publishes <N>");
    if (t->len[2] == 0 || t->len[2] >= sizeof r->prefix)
        return fail(reply, "the command prefix must be 1-63 bytes, e.g. \"AT+CMQTTPUB\"");
    r->trigger = line_triggers[k].trigger;
    for (size_t i = 0; i <= t->len[2]; i++)
        r->prefix[i] = (char)toupper((unsigned char)t->v[2][i]);
    *at = 3;
    if (t->count > 3 && strncmp(t->v[3], "nth=", 4) == 0) {
        if (!parse_uint(t->v[3] + 4, 1000000, &v) || v == 0)
            return fail(reply, "nth=N needs N of 1 or more");
        r->nth = (unsigned)v;
        *at = 4;
    }
    return 0;
}

int faults_parse_rule(const struct tokens *t, struct fault_rule *r, int *control_at, struct strbuf *reply)
{
    int at;
    *r = (struct fault_rule){0};
    *control_at = 0;
    if (parse_trigger(r, t, &at, reply) < 0 || parse_action(r, t, at, reply) < 0) {
        fault_rule_free(r);
        return -1;
    }
    if (r->act.action == FAULT_CONTROL)
        *control_at = at;
    return 0;
}

int faults_arm(struct fault_set *f, struct fault_rule *r, struct strbuf *reply)
{
    f->rules = grow_array(f->rules, &f->cap, f->count + 1, sizeof *f->rules);
    f->rules[f->count++] = *r;
    *r = (struct fault_rule){0};
    sb_printf(reply, "OK rule %zu armed", f->count);
    return 0;
}

/* The rule fires: its action joins the queue, taking the rule's bytes and
 * control line with it (a rule fires once and never needs them again). */
static void fire(struct fault_set *f, struct fault_rule *r)
{
    r->fired = true;
    f->rules_fired++;
    f->queue = grow_array(f->queue, &f->queue_cap, f->queue_len + 1, sizeof *f->queue);
    f->queue[f->queue_len++] = r->act;
    r->act.bytes = NULL;
    r->act.control = NULL;
}

bool faults_take_action(struct fault_set *f, struct fault_action_item *a)
{
    if (f->queue_head == f->queue_len) {
        f->queue_head = f->queue_len = 0;
        return false;
    }
    *a = f->queue[f->queue_head++];
    if (f->queue_head == f->queue_len)
        f->queue_head = f->queue_len = 0;
    return true;
}

static bool line_matches(const struct fault_rule *r, const char *line, size_t n)
{
    size_t len = strlen(r->prefix);
    if (len > n)
        return false;
    for (size_t i = 0; i < len; i++)
        if (toupper((unsigned char)line[i]) != r->prefix[i])
            return false;
    return true;
}

/* Fires the rules of `trigger` whose prefix the line starts with, on their nth
 * match. @retval true if one of them replaced the answer. */
static bool fire_matching(struct fault_set *f, enum fault_trigger trigger, const char *line, size_t n)
{
    bool replaced = false;
    /* every rule sees the line as the rules stood when it arrived: a rule an
     * action arms or clears takes effect when the queue runs, after this */
    for (size_t i = 0; i < f->count; i++) {
        struct fault_rule *r = &f->rules[i];
        if (r->fired || r->trigger != trigger || !line_matches(r, line, n) || ++r->seen != r->nth)
            continue;
        replaced |= r->act.action == FAULT_REPLACE;
        fire(f, r);
    }
    return replaced;
}

bool faults_on_line(struct fault_set *f, const char *line, size_t n)
{
    return fire_matching(f, FAULT_ON_SEND, line, n);
}

void faults_on_answer(struct fault_set *f, const char *line, size_t n)
{
    fire_matching(f, FAULT_ON_ANSWER, line, n);
}

void faults_data_begins(struct fault_set *f, const char *line, size_t n)
{
    if (n >= sizeof f->data_line)
        n = sizeof f->data_line - 1;
    memcpy(f->data_line, line, n);
    f->data_line[n] = '\0';
}

void faults_in_data(struct fault_set *f)
{
    fire_matching(f, FAULT_IN_DATA, f->data_line, strlen(f->data_line));
}

void faults_on_publish(struct fault_set *f)
{
    f->publishes++;
    for (size_t i = 0; i < f->count; i++) {
        struct fault_rule *r = &f->rules[i];
        if (!r->fired && r->trigger == FAULT_AFTER_PUBLISHES && f->publishes == r->nth)
            fire(f, r);
    }
}

uint8_t *faults_take_answer_inject(struct fault_set *f, size_t *len)
{
    uint8_t *p = f->answer_inject;
    *len = f->answer_inject_len;
    f->answer_inject = NULL;
    f->answer_inject_len = 0;
    return p;
}

void faults_arm_answer_inject(struct fault_set *f, uint8_t *bytes, size_t len)
{
    free(f->answer_inject);
    f->answer_inject = bytes;
    f->answer_inject_len = len;
}

static const char *const kind_names[] = {
    [FAULT_COUNT_CONNLOST] = "connlost", [FAULT_COUNT_REBOOT] = "reboot",
    [FAULT_COUNT_SILENT] = "silent",     [FAULT_COUNT_GARBLE] = "garble",
};

const char *fault_kind_count_name(enum fault_kind_count k)
{
    return (unsigned)k < FAULT_COUNT_KINDS ? kind_names[k] : "?";
}

void faults_count(struct fault_set *f, enum fault_kind_count k)
{
    f->took_effect[k]++;
}

void faults_arm_garble(struct fault_set *f, uint32_t bytes, uint32_t seed)
{
    f->garble_left += bytes;
    f->garbles_pending++;
    if (seed)
        f->garble_state = seed;
}

/* A garble burst took effect once it corrupted its first byte. */
void faults_garble(struct fault_set *f, uint8_t *data, size_t n)
{
    if (n > 0 && f->garble_left > 0) {
        f->took_effect[FAULT_COUNT_GARBLE] += f->garbles_pending;
        f->garbles_pending = 0;
    }
    for (size_t i = 0; i < n && f->garble_left; i++, f->garble_left--) {
        uint32_t x = f->garble_state ? f->garble_state : 0x9E3779B9u;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        f->garble_state = x;
        data[i] ^= (uint8_t)(x | 1);    /* never a no-op: every garbled byte changes */
    }
}
