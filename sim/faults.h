/* Scripted faults: rules that change the module's answers or the world when
 * the host sends a given command (the Nth time) or after N publishes. A fault
 * is a change of bytes or of state at one hook between model and wire, never
 * a special path in a command handler.
 *
 * This file only decides which rules fire: a hook runs inside a command or an
 * event, so a fired rule's action is queued (struct fault_action_item) and the
 * simulator's loop (sim.c) runs it once the hook has returned. faults.c calls
 * nothing above it: not the model, not the control commands. */
#ifndef SIM_FAULTS_H
#define SIM_FAULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cescape.h"
#include "strbuf.h"

enum fault_trigger {
    FAULT_ON_SEND,          /* the module receives the command line, before it runs */
    FAULT_ON_ANSWER,        /* right after its answer (mid-PUB: after OK, before +CMQTTPUB) */
    FAULT_IN_DATA,          /* at the first byte of the command's '>' data phase */
    FAULT_AFTER_PUBLISHES,  /* the nth confirmed publish */
};

/* The faults that took effect, by kind: what a soak compares with its plan. */
enum fault_kind_count { FAULT_COUNT_CONNLOST, FAULT_COUNT_REBOOT, FAULT_COUNT_SILENT,
                        FAULT_COUNT_GARBLE, FAULT_COUNT_KINDS };
enum fault_action {
    FAULT_REPLACE,   /* the module answers these bytes instead of executing the command */
    FAULT_DELAY,     /* the answer is held back */
    FAULT_GARBLE,    /* the next n bytes the module sends are corrupted */
    FAULT_CONTROL,   /* any control command: connlost, reboot, silent, deliver, reg ... */
    FAULT_INJECT_IN_ANSWER, /* these bytes follow the first line of the answer: a URC inside a response */
};

/* A rule's action: armed inside its rule; once fired, waiting in the queue
 * for the loop, owning the bytes and control line (a rule fires once). */
struct fault_action_item {
    enum fault_action action;
    uint8_t *bytes;             /* FAULT_REPLACE, FAULT_INJECT_IN_ANSWER */
    size_t len;
    uint32_t amount;            /* FAULT_DELAY ms, FAULT_GARBLE bytes */
    uint32_t seed;              /* FAULT_GARBLE: 0 continues the current sequence */
    char *control;              /* FAULT_CONTROL: the control line to run */
};


struct fault_rule {
    enum fault_trigger trigger;
    char prefix[64];            /* ON_SEND/ON_ANSWER/IN_DATA: upper-cased command-line prefix */
    unsigned nth;               /* fire on the nth match (on-send) or nth publish */
    unsigned seen;
    bool fired;
    struct fault_action_item act;   /* handed to the queue when the rule fires */
};

struct fault_set {
    struct fault_rule *rules;
    size_t count, cap;
    struct fault_action_item *queue;   /* fired, not yet run: queue[queue_head..queue_len) */
    size_t queue_head, queue_len, queue_cap;
    uint32_t garble_left;
    uint32_t garble_state;      /* xorshift: garbling is repeatable run to run */
    uint64_t publishes;
    uint8_t *answer_inject;     /* armed by FAULT_INJECT_IN_ANSWER, taken by faults_take_answer_inject */
    size_t answer_inject_len;
    char data_line[64];         /* the command whose '>' data phase is open (IN_DATA rules) */
    size_t rules_fired;
    uint32_t garbles_pending;   /* garble bursts armed that have not corrupted a byte yet */
    uint64_t took_effect[FAULT_COUNT_KINDS];
};
const char *fault_kind_count_name(enum fault_kind_count k);
/* A fault of this kind changed the module or the world (the control commands count them). */
void faults_count(struct fault_set *f, enum fault_kind_count k);

/* Every rule, queued action and armed byte freed (the simulator's end). */
void faults_free(struct fault_set *f);
/* `rules clear`: every rule gone; a garble under way, actions already fired
 * and the counts of faults that took effect stay. */
void faults_clear(struct fault_set *f);
/* "rule on-send <prefix> [nth=N] <action...>" / "rule after-publishes <N> <action...>"
 * (t->v[0] is "rule") into *r: 0, or -1 with "ERR <why>" in `reply`. A
 * control-command action is not checked here (faults.c knows no control
 * commands): *control_at is then the index of its first word, for the caller
 * to check before arming; otherwise 0. */
int faults_parse_rule(const struct tokens *t, struct fault_rule *r, int *control_at, struct strbuf *reply);
/* Arms a parsed rule, taking what it owns: 0 and "OK rule <n> armed", or -1 with ERR. */
int faults_arm(struct fault_set *f, struct fault_rule *r, struct strbuf *reply);
void fault_rule_free(struct fault_rule *r);

/* Hooks called by the simulator. They queue the actions of the rules that
 * fire; the caller runs them (faults_take_action) before anything else.
 * faults_on_line returns true when a rule answers the line itself (replace):
 * the command is not executed. */
bool faults_on_line(struct fault_set *f, const char *line, size_t n);
/* After the module answered `line` (not called when a rule replaced it). */
void faults_on_answer(struct fault_set *f, const char *line, size_t n);
/* The line opened a '>' data phase; faults_in_data runs at its first byte. */
void faults_data_begins(struct fault_set *f, const char *line, size_t n);
void faults_in_data(struct fault_set *f);
void faults_on_publish(struct fault_set *f);
/* The oldest queued action: true and *a filled (the caller frees it with
 * fault_action_item_free), false when none waits. */
bool faults_take_action(struct fault_set *f, struct fault_action_item *a);
void fault_action_item_free(struct fault_action_item *a);
/* The bytes an inject-in-answer action armed for the answer being printed, or
 * NULL; the caller owns (frees) them. Called after each line of an answer. */
uint8_t *faults_take_answer_inject(struct fault_set *f, size_t *len);
/* Arms bytes to follow the next line of an answer, taking ownership of them. */
void faults_arm_answer_inject(struct fault_set *f, uint8_t *bytes, size_t len);
/* Garbles the next `bytes` bytes out; a non-zero `seed` restarts the
 * pseudo-random sequence, so the same seed corrupts the same way every run. */
void faults_arm_garble(struct fault_set *f, uint32_t bytes, uint32_t seed);
/* Corrupts bytes on their way out while garbling is on. */
void faults_garble(struct fault_set *f, uint8_t *data, size_t n);

#endif
