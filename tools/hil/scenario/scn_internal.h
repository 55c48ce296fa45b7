/* The scenario parser's pieces, shared among its own files and nobody else
 * (the runner and the tests use scenario.h):
 *
 *   scn_names.c      names of the enums, both ways
 *   scn_pattern.c    patterns: compiled at parse time, matched by the runner
 *   scn_diags.c      the error list, and how the parser reports into it
 *   scn_free.c       freeing a scenario and its parts
 *   scn_values.c     a token read as a typed value (number, duration, string,
 *                    name), and the options of a statement
 *   scn_kw_world.c   keywords: the header and the start state; the world's defaults
 *   scn_kw_steps.c   keywords: the steps
 *   scn_kw_checks.c  keywords: the final checks
 *   scn_kw_events.c  keywords: the triggers and their actions
 *   scn_kw_program.c keywords: the programs, their steps, check and actions
 *   scn_servers.c    keywords: net-map, the test servers and their check; {server}
 *   scn_clients.c    keywords: the runner as a client of the module's TCP server
 *   scn_statement.c  one statement: its keyword found, its arguments split and
 *                    checked, its handler called, what it built kept
 *   scn_parse.c      a whole file: its lines, the checks on the whole, the result
 *
 * Each reader reports its own error (scn_perr) and returns false; handlers
 * carry on with the rest of the line, so that all of a line's errors are told. */
#ifndef HIL_SCN_INTERNAL_H
#define HIL_SCN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "regex_guard.h"
#include "scenario.h"
#include "scn_lex.h"

/* ---- a statement's arguments, split by scn_statement.c ---- */

#define SCN_MAX_POS 20
#define SCN_MAX_OPTS 12

struct scn_args {
    const char *keyword;
    const struct scn_tok *kw;
    const struct scn_tok *pos[SCN_MAX_POS];
    size_t n_pos;
    const struct scn_tok *opt[SCN_MAX_OPTS];
    size_t n_opt;
};

/* ---- the parser's state ---- */

struct scn_sim_only_use { int line; const char *what; };

/* Keywords that may be given once: their slots in scn_parser.seen[]. */
enum { ONCE_NONE, ONCE_SCENARIO, ONCE_TARGETS, ONCE_TIME_LIMIT, ONCE_PROFILE, ONCE_SIM, ONCE_SIGNAL,
       ONCE_REGISTRATION, ONCE_BROKER, ONCE_LATENCY, ONCE_BAUD, ONCE_REPLAY, ONCE_MODEL, ONCE_TLS, ONCE_COUNT_ };

struct scn_parser {
    const char *file;
    struct scn_diags *diags;
    struct scenario *sc;
    int line;
    size_t n_errors;
    size_t cap_events, cap_steps, cap_checks, cap_programs;
    int targets_line;
    int seen[ONCE_COUNT_];             /* line where each once-only keyword was given */
    int first_step_line;               /* the first step, for "world must come before steps" */
    int first_driver_line, first_send_line;
    const char *first_driver_kw, *first_send_kw;
    struct scn_sim_only_use *sim_only; /* every sim-only statement, for "targets hardware" */
    size_t n_sim_only, cap_sim_only;
    struct regex_cost regex_spent;     /* by the regexes compiled so far */
    int client_open[SCN_MAX_CLIENTS];  /* the client-connect line of each client connected now; 0: closed */
    int last_client;                   /* 1 + the latest client-connect's client (the default); 0: none yet */
};

/* ---- keywords: each family's table lives in its scn_kw_*.c ---- */

enum {
    KW_HEADER = 1u << 0,   /* once per file */
    KW_WORLD = 1u << 1,    /* start state: once, before the first step */
    KW_STEP = 1u << 2,
    KW_CHECK = 1u << 3,
    KW_EVENT = 1u << 4,    /* a trigger; an action follows */
    KW_SIM_ONLY = 1u << 5,
    KW_WIRE_SEND = 1u << 6,/* writes to the wire itself: no driver in the same scenario */
    KW_ON_SEND = 1u << 7,  /* action: only with an on-send trigger */
};

struct scn_kw;
/* obj: the scenario (header, world), the step, the check or the event being built. */
typedef void (*scn_kw_fn)(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj);

struct scn_kw {
    const char *name;
    unsigned min_args, max_args;
    unsigned flags;
    const char *const *keys; /* allowed options, NULL-terminated; NULL = none */
    const char *usage;
    scn_kw_fn fn;
    int kind;                /* step/check/trigger/action kind */
    int once;                /* header and start state: slot in scn_parser.seen[], for "given twice" */
};

struct scn_kw_family {
    const struct scn_kw *v;
    size_t n;
};

/* Statements, in the order "expected one of" lists them: header and start
 * state, triggers, steps, checks. Actions follow a trigger on its line. */
extern const struct scn_kw_family scn_kw_world, scn_kw_triggers, scn_kw_steps, scn_kw_checks;
extern const struct scn_kw_family scn_kw_actions;
/* The scenario's programs (scn_kw_program.c): `program`, its steps and check. */
extern const struct scn_kw_family scn_kw_program;
/* The actions restart-program, kill-program and pause-program (scn_kw_program.c). */
void scn_act_program(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj);
/* The checks a program brings to the whole file (it owns the wire). */
void scn_check_programs(struct scn_parser *p);

/* The socket side (scn_servers.c): the keywords net-map, server and
 * expect-server-received, and the whole-file check that every {server}
 * placeholder names a server. */
void scn_kw_net_map(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj);
void scn_kw_server(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj);
void scn_kw_expect_server_received(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a,
                                   void *obj);
void scn_check_servers(struct scn_parser *p);

/* The runner as a client of the module's TCP server (scn_clients.c): the
 * step client-connect, the steps on a connected client (client-send,
 * expect-client-received, client-close: by the keyword's kind), their
 * option lists, and freeing the clients' names. */
extern const char *const scn_client_wait_keys[], *const scn_client_keys[];   /* with within=, without */
void scn_kw_client_connect(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj);
void scn_kw_client_step(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj);
void scn_clients_free(struct scenario *sc);

/* The HTTP test server (scn_http.c): the keywords http-server and
 * expect-http-request, their option lists, the whole-file check that {http}
 * has a server, and freeing. */
extern const char *const scn_http_server_keys[], *const scn_http_request_keys[];
void scn_kw_http_server(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj);
void scn_kw_expect_http_request(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a,
                                void *obj);
void scn_check_http(struct scn_parser *p);
void scn_http_free(struct scn_http_server *h);
/* send-file "FILE" (scn_http.c): a file of the runner's test set or a path. */
void scn_kw_send_file(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj);
/* A path relative to the scenario's folder made whole (malloc'd); absolute ones copied. */
char *scn_resolve_path(const struct scn_parser *p, const char *path);

/* TLS (scn_tls.c): the keyword tls, and the whole-file check that connect
 * tls=1 and the TLS placeholders have a tls statement to use. */
void scn_kw_tls(struct scn_parser *p, const struct scn_kw *d, const struct scn_args *a, void *obj);
void scn_check_tls(struct scn_parser *p);
void scn_tls_free(struct scn_tls *t);

/* What the start state is when the file says nothing (scn_kw_world.c). */
extern const struct scn_world scn_world_defaults;

/* The start state's readers, shared with the actions that change the world
 * during the run (same words): the first argument of a. */
bool scn_get_sim(struct scn_parser *p, const struct scn_args *a, int *present);
bool scn_get_rssi(struct scn_parser *p, const struct scn_args *a, int *rssi);
bool scn_get_reg(struct scn_parser *p, const struct scn_args *a, int *stat);
bool scn_get_broker(struct scn_parser *p, const struct scn_args *a, enum scn_broker *mode, int *code);

/* ---- diagnostics (scn_diags.c) ---- */

/* Appends one diag (copies of file and msg). */
void scn_diags_add(struct scn_diags *d, const char *file, int line, const char *msg);
/* Stable, so several errors of one line keep their order. */
void scn_diags_sort_by_line(struct scn_diag *v, size_t n);

/* Reports an error of the file at `line`; scn_perr at the line being parsed. */
void scn_perr_at(struct scn_parser *p, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define scn_perr(p, ...) scn_perr_at((p), (p)->line, __VA_ARGS__)

/* ---- names (scn_names.c): NULL-terminated, indexed by the enum ---- */

extern const char *const scn_profile_names[];
extern const char *const scn_broker_names[];
extern const char *const scn_latency_names[];
extern const char *const scn_result_names[];
/* The index of s in names, or -1. */
int scn_name_index(const char *const *names, const char *s);

/* ---- freeing (scn_free.c) ---- */

void scn_bytes_free(struct scn_bytes *b);
void scn_pattern_free(struct scn_pattern *p);
void scn_step_free(struct scn_step *s);
void scn_event_free(struct scn_event *e);
void scn_check_free(struct scn_check *c);


/* ---- values (scn_values.c, scn_pattern.c) ---- */

/* A heap copy of s[0..n) with a NUL after it (xmemdup: p is not used). */
char *scn_xmemdup(struct scn_parser *p, const char *s, size_t n);
/* Joins names as "a, b, c" for "expected one of" messages. */
void scn_join_names(char *buf, size_t cap, const char *const *names);
/* A token shown in a message: words as is, strings quoted, regexes in slashes. */
const char *scn_tok_show(const struct scn_tok *t, char *buf, size_t cap);
/* A whole number in decimal digits only, without sign or blanks. */
bool scn_parse_ulong(const char *s, unsigned long *v);

/* Token readers: `what` names the value in the message when it is wrong. */
bool scn_want_word(struct scn_parser *p, const struct scn_tok *t, const char *what);
bool scn_get_uint(struct scn_parser *p, const struct scn_tok *t, const char *what,
                  unsigned long min, unsigned long max, long *out);
bool scn_get_duration(struct scn_parser *p, const struct scn_tok *t, const char *what, uint32_t *out);
bool scn_get_string(struct scn_parser *p, const struct scn_tok *t, const char *what, struct scn_bytes *out);
/* A string, or a word (for names such as "scenario cold-start"). */
bool scn_get_text(struct scn_parser *p, const struct scn_tok *t, const char *what, char **out);
bool scn_get_name(struct scn_parser *p, const struct scn_tok *t, const char *what,
                  const char *const *names, int *out);
/* A string (exact line) or a regex, compiled within the file's regex budget. */
bool scn_get_pattern(struct scn_parser *p, const struct scn_tok *t, const char *what, struct scn_pattern *out);
/* PAYLOAD as positional idx or size=N, exactly one of them. */
void scn_get_payload(struct scn_parser *p, const struct scn_args *a, size_t idx, const char *kw,
                     struct scn_bytes *payload, size_t *size);

/* The option `key` of a statement, or NULL. */
const struct scn_tok *scn_opt(const struct scn_args *a, const char *key);
/* Option readers: leave *out untouched when the option is absent. */
void scn_opt_uint(struct scn_parser *p, const struct scn_args *a, const char *key,
                  unsigned long min, unsigned long max, long *out);
void scn_opt_int(struct scn_parser *p, const struct scn_args *a, const char *key,
                 unsigned long min, unsigned long max, int *out);
void scn_opt_duration(struct scn_parser *p, const struct scn_args *a, const char *key, uint32_t *out);
void scn_opt_string(struct scn_parser *p, const struct scn_args *a, const char *key, struct scn_bytes *out);
void scn_opt_result(struct scn_parser *p, const struct scn_args *a, enum scn_result *out);

/* ---- statements (scn_statement.c) ---- */

/* Parses one tokenized line (at least one token) into p->sc. */
void scn_statement(struct scn_parser *p, const struct scn_line *ln);

#endif
