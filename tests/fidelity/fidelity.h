/* The fidelity measure (issue 14): public captures of real SIM7600 modules,
 * replayed against the simulator's core, exchange by exchange.
 *
 * A log is read into exchanges (fid_log.c): a command line the host sent, the
 * module's information lines, its final result, the asynchronous result lines
 * of that command that followed (`+CMQTTCONNECT: 0,0` after `OK`), and the
 * URCs. The model answers the same commands from the start state the log's
 * header names (fid_model.c); the two are compared (fid_compare.c): final
 * results exactly, information lines by their prefix. A difference is either
 * explained (tests/fidelity/explained.txt names a finding of
 * sim/real-module-findings.md §23) or UNEXPLAINED. */
#ifndef FIDELITY_H
#define FIDELITY_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

#define FID_TEXT_MAX 256     /* a command or a line kept for the report; longer ones are cut */
#define FID_LINES_MAX 48     /* module lines kept per part of an exchange */

/* The module's side of one exchange, or the model's. */
struct fid_answer {
    char info[FID_LINES_MAX][FID_TEXT_MAX];    /* before the final result ('>' prompt included) */
    int n_info;
    char final[FID_TEXT_MAX];                  /* "" when none came */
    char async[FID_LINES_MAX][FID_TEXT_MAX];   /* after it, with the command's own prefix */
    int n_async;
    int urcs;                                  /* other lines after it */
};

enum fid_kind {
    FID_BOOT,        /* what the module printed before the first command */
    FID_COMMAND,     /* a command line and its answer */
    FID_ESCAPE,      /* `#! escape`: "+++" between guard times, out of a data mode, and its answer */
};

struct fid_exchange {
    enum fid_kind kind;
    bool incomplete;               /* `#! incomplete` before it: the publication lost part of it */
    int line;                      /* the command's line in the log (the first boot line for FID_BOOT) */
    double t;                      /* when the host sent it, in seconds; -1 when the log has no times */
    char command[FID_TEXT_MAX];    /* as sent, without its CR */
    struct strbuf data;            /* typed after a '>' prompt, whole (a payload may be long) */
    struct fid_answer module;
};

#define FID_STORE_MAX 8          /* `#! store` files per log */
#define FID_STORE_NAME_MAX 129   /* a store file's name and its NUL (the module takes 5-128 bytes, findings §27) */

/* How the model starts (the log's `#!` directives). */
enum fid_start {
    FID_START_COLD,      /* powered on: the log may show the boot banner; commands wait for the boot */
    FID_START_POWERON,   /* the host talks from the instant of power-on (the boot is part of the log) */
    FID_START_WARM,      /* a module that stayed powered (--profile warm) */
};

struct fid_setup {
    enum fid_start start;
    int realistic;       /* 1: --latency realistic (a log that times the boot), 0: fast */
    bool sim_present;
    int reg;             /* -1: the simulator's default */
    int rssi;            /* -1: the simulator's default */
    int echo;            /* -1: as after power-on; 0/1: ATE0/ATE1 sent before the log */
    int cmee;            /* -1: as after power-on; 0-2: AT+CMEE=n sent before the log */
    char model[64];      /* the module variant the capture names ("" when not named) */
    char store[FID_STORE_MAX][FID_STORE_NAME_MAX];   /* files the module's store held before the log */
    int n_store;
    char tls_fail[16];   /* how the server's side of a TLS handshake fails ("" when it does not) */
    int baud;            /* the UART's rate (`#! baud`, --baud); 0: unpaced */
    bool net_accept;     /* `#! net accept`: every connection opens, its peer takes and says nothing */
};

#define FID_MARKS_MAX 64     /* `#! incomplete` (and `#! escape`) lines per log */
#define FID_ESCAPE_TEXT "+++"   /* an escape exchange's command, as reports name it */

struct fid_log {
    char name[128];      /* the file's base name, used in explained.txt */
    char path[512];
    struct fid_setup setup;
    int incomplete[FID_MARKS_MAX];   /* the lines of the `#! incomplete` marks */
    int n_incomplete;
    int escape[FID_MARKS_MAX];       /* the lines of the `#! escape` marks */
    int n_escape;
    struct fid_exchange *x;
    size_t n;
};

/* Reads `path`; 0, or -1 with the reason in `err` ("path:line: what; what to do"). */
int fid_log_read(const char *path, struct fid_log *log, struct strbuf *err);
/* The same from text in memory, named `name` in messages. */
int fid_log_parse(const char *name, const char *text, struct fid_log *log, struct strbuf *err);
void fid_log_free(struct fid_log *log);

/* The variant the simulator plays for a log: the one `#! model` names when
 * the simulator has it (common/module_models.h), else the default. */
struct module_model;
const struct module_model *fid_model_variant(const struct fid_setup *su);

/* The model's answers to every command exchange of the log, in order
 * (model[i] answers log->x[i]; a FID_BOOT entry gets the model's boot). */
void fid_model_run(const struct fid_log *log, const bool *skip, struct fid_answer *model);

/* Sorting one module line into the parts of an answer. */
bool fid_is_final(const char *line);
/* A line that asks the host for data ('>' or DOWNLOAD). */
bool fid_is_prompt(const char *line);
/* A line's prefix: the text up to and including ':'; for a line without one,
 * its leading letters, spaces and '+' ("SMS DONE", "SIMCOM"), or "#" for a
 * line of digits (an IMEI), ">" for the prompt. */
void fid_prefix(const char *line, char *out, size_t cap);
/* The command's own name as a result line starts it: "AT+CMQTTCONNECT=0,..." → "+CMQTTCONNECT:". */
void fid_command_prefix(const char *command, char *out, size_t cap);
void fid_answer_add(struct fid_answer *a, const char *command, const char *line);

/* ---- out of scope --------------------------------------------------------------------- */

/* The family a command belongs to when the simulator does not model it
 * (GNSS, SMS sending and reading, voice calls): its name and issue, or NULL. */
const char *fid_out_of_scope(const char *command);

/* ---- explanations --------------------------------------------------------------------- */

#define FID_ID_MAX 16        /* a finding's id, "F12", with room */
#define FID_PATTERN_MAX 64   /* a command prefix in explained.txt */

struct fid_rule {
    char log[128];        /* a log's base name, or "" for a command pattern */
    int line;             /* with log: the command's line */
    char pattern[FID_PATTERN_MAX];   /* without log: a command prefix, any case */
    char id[FID_ID_MAX];             /* a finding of §23: "F3" */
    bool used;
};

struct fid_explained {
    struct fid_rule *rules;
    size_t n;
    char (*ids)[FID_ID_MAX];         /* the findings §23 defines */
    char (*titles)[FID_TEXT_MAX];
    size_t n_ids;
};

/* Reads the mapping file and the findings file; 0, or -1 with the reason in err. */
int fid_explained_load(const char *map_path, const char *findings_path, struct fid_explained *e,
                       struct strbuf *err);
/* Parses text in memory (the unit test's and the loader's shared path). */
int fid_explained_parse(const char *map_name, const char *map_text, const char *findings_text,
                        struct fid_explained *e, struct strbuf *err);
/* The finding that explains a difference at `log`:`line` for `command`, or NULL. */
const struct fid_rule *fid_explain(struct fid_explained *e, const char *log, int line, const char *command);
/* The title of a finding of §23, or NULL if §23 does not define it. */
const char *fid_finding_title(const struct fid_explained *e, const char *id);
void fid_explained_free(struct fid_explained *e);

/* ---- comparing ------------------------------------------------------------------------ */

/* Whether the model reproduced the module: the same final result, and the
 * same prefixes in the same order (consecutive repeats counted once: a list's
 * length is the network's and the SIM's, not the firmware's), before and after it.
 * A difference is described in `why` ("module said A, model said B"). */
bool fid_compare(const struct fid_answer *module, const struct fid_answer *model, struct strbuf *why);

#endif
