/* sim7600-fidelity: how much of what real SIM7600 modules said in public
 * captures the simulator reproduces (`make fidelity`, tests/fidelity/README.md).
 *
 *   sim7600-fidelity [--explained FILE] [--findings FILE] [--min-share PCT] LOG...
 *
 * Exit status: 0 when the share reaches PCT and every difference is
 * explained, 1 when not, 2 when a file cannot be read (nothing is measured). */
#include "fidelity.h"

#include "alloc.h"
#include "module_models.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MIN_SHARE 95.0
#define PERCENT 100.0
#define BOOT_NAME "(power-on)"
#define FAMILIES_MAX 16

enum { EXIT_PASS = 0, EXIT_SHORT = 1, EXIT_UNREADABLE = 2 };

struct options {
    const char *explained, *findings;
    double min_share;
    char **logs;
    int n_logs;
};

struct family_count {
    const char *family;
    int n;
};

struct totals {
    int compared, reproduced, unexplained, out_of_scope, incomplete;
    struct family_count families[FAMILIES_MAX];
    int n_families;
    struct strbuf differences, skipped, damaged;
};

static const char *const start_names[] = {
    [FID_START_COLD] = "cold", [FID_START_POWERON] = "poweron", [FID_START_WARM] = "warm",
};

#define SHOWN_DECIMALS 10.0   /* shares are shown to one decimal */

static double share(int reproduced, int compared)
{
    return compared ? PERCENT * reproduced / compared : PERCENT;
}

/* Rounded down, so a share under the target never shows as the target (94.96 is 94.9). */
static double shown(double share_pct)
{
    return floor(share_pct * SHOWN_DECIMALS) / SHOWN_DECIMALS;
}

static void count_family(struct totals *t, const char *family)
{
    int i = 0;
    while (i < t->n_families && strcmp(t->families[i].family, family) != 0)
        i++;
    if (i == t->n_families && t->n_families < FAMILIES_MAX)
        t->families[t->n_families++] = (struct family_count){family, 0};
    if (i < t->n_families)
        t->families[i].n++;
}

/* One difference: the exchange, both answers, and its explanation (or none). */
static void report_difference(struct totals *t, struct fid_explained *e, const struct fid_log *log,
                              const struct fid_exchange *x, const char *why)
{
    const char *command = x->kind == FID_BOOT ? BOOT_NAME : x->command;
    sb_printf(&t->differences, "%s:%d: sent %s: %s\n", log->path, x->line, command, why);
    const struct fid_rule *r = fid_explain(e, log->name, x->line, command);
    if (r) {
        sb_printf(&t->differences, "    explained by %s (sim/real-module-findings.md §23): %s\n", r->id,
                  fid_finding_title(e, r->id));
    } else {
        t->unexplained++;
        sb_printf(&t->differences, "    UNEXPLAINED: fix the model, or add a finding to §23 and a line "
                                   "\"%s:%d F<n>\" to tests/fidelity/explained.txt\n", log->name, x->line);
    }
}

/* Out-of-scope exchanges are marked in skip[] and counted; returns how many. */
static int mark_out_of_scope(const struct fid_log *log, bool *skip, struct totals *t)
{
    int skipped = 0;
    for (size_t i = 0; i < log->n; i++) {
        const char *family = log->x[i].kind == FID_COMMAND ? fid_out_of_scope(log->x[i].command) : NULL;
        skip[i] = family != NULL;
        if (family) {
            skipped++;
            count_family(t, family);
            sb_printf(&t->skipped, "%s:%d: %s: %s\n", log->path, log->x[i].line, log->x[i].command, family);
        }
    }
    return skipped;
}

struct log_counts {
    int compared, reproduced, skipped, incomplete, urcs;
};

static void compare_exchange(const struct fid_log *log, const struct fid_exchange *x, const struct fid_answer *model,
                             struct fid_explained *e, struct totals *t, struct log_counts *c)
{
    if (x->incomplete) {
        /* the model answered it (its state moves on), but a damaged answer is no evidence */
        c->incomplete++;
        sb_printf(&t->damaged, "%s:%d: %s\n", log->path, x->line, x->kind == FID_BOOT ? BOOT_NAME : x->command);
        return;
    }
    struct strbuf why = {0};
    c->compared++;
    if (fid_compare(&x->module, model, &why))
        c->reproduced++;
    else
        report_difference(t, e, log, x, sb_str(&why));
    sb_free(&why);
}

/* "SIM7600G-H", or "SIM7600G as SIM7600E" when the simulator has no such variant. */
static void describe_variant(const struct fid_setup *su, char *out, size_t cap)
{
    const char *played = fid_model_variant(su)->name;
    if (su->model[0] && strcmp(su->model, played) != 0)
        snprintf(out, cap, "%s as %s", su->model, played);
    else
        snprintf(out, cap, "%s", played);
}

static void measure_log(const struct fid_log *log, struct fid_explained *e, struct totals *t)
{
    bool *skip = xmalloc(log->n + 1);
    struct fid_answer *model = xmalloc((log->n + 1) * sizeof *model);
    struct log_counts c = {0};
    c.skipped = mark_out_of_scope(log, skip, t);
    fid_model_run(log, skip, model);
    for (size_t i = 0; i < log->n; i++) {
        c.urcs += log->x[i].module.urcs;
        if (!skip[i])
            compare_exchange(log, &log->x[i], &model[i], e, t, &c);
    }
    char variant[FID_TEXT_MAX];
    describe_variant(&log->setup, variant, sizeof variant);
    printf("%s (%s, start %s): %d of %d exchanges reproduced (%.1f %%); %d out of scope; %d incomplete in the "
           "capture; %d URC lines not compared\n", log->path, variant, start_names[log->setup.start], c.reproduced,
           c.compared, shown(share(c.reproduced, c.compared)), c.skipped, c.incomplete, c.urcs);
    t->compared += c.compared;
    t->reproduced += c.reproduced;
    t->out_of_scope += c.skipped;
    t->incomplete += c.incomplete;
    free(skip);
    free(model);
}

static void print_summary(const struct totals *t, const struct options *o, int unreadable)
{
    double p = share(t->reproduced, t->compared);
    printf("\ntotal: %d of %d exchanges reproduced (%.1f %%)\n", t->reproduced, t->compared, shown(p));
    printf("out of scope (not in the share, issue 14 leaves them to their own issues): %d exchanges\n",
           t->out_of_scope);
    for (int i = 0; i < t->n_families; i++)
        printf("    %s: %d\n", t->families[i].family, t->families[i].n);
    printf("incomplete in the capture (not in the share: the publication lost part of the answer, "
           "findings §23 F1): %d exchanges\n", t->incomplete);
    if (t->differences.len)
        printf("\ndifferences:\n%s", sb_str(&t->differences));
    if (t->skipped.len)
        printf("\nout of scope, not compared:\n%s", sb_str(&t->skipped));
    if (t->damaged.len)
        printf("\nincomplete in the capture, not compared:\n%s", sb_str(&t->damaged));
    if (unreadable)
        printf("\nfidelity: FAIL: %d log(s) could not be read (the reasons are above)\n", unreadable);
    else if (p >= o->min_share && !t->unexplained)
        printf("\nfidelity: PASS: %.1f %% >= %.1f %%, every difference explained\n", shown(p), o->min_share);
    else
        printf("\nfidelity: FAIL: %.1f %% (target %.1f %%), %d difference(s) unexplained\n", shown(p), o->min_share,
               t->unexplained);
}

static void print_stale_rules(const struct fid_explained *e, const char *map)
{
    for (size_t i = 0; i < e->n; i++)
        if (!e->rules[i].used && e->rules[i].log[0])
            printf("note: %s: \"%s:%d %s\" explains no difference any more; remove it\n", map, e->rules[i].log,
                   e->rules[i].line, e->rules[i].id);
}

static int usage(const char *why)
{
    fprintf(stderr, "sim7600-fidelity: %s\nusage: sim7600-fidelity [--explained FILE] [--findings FILE] "
                    "[--min-share PCT] LOG...\n", why);
    return EXIT_UNREADABLE;
}

static int parse_options(int argc, char **argv, struct options *o)
{
    o->explained = SIM7600_SOURCE_DIR "/tests/fidelity/explained.txt";
    o->findings = SIM7600_SOURCE_DIR "/sim/real-module-findings.md";
    o->min_share = DEFAULT_MIN_SHARE;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i += 2) {
        if (i + 1 >= argc)
            return usage("an option needs a value");
        if (strcmp(argv[i], "--explained") == 0)
            o->explained = argv[i + 1];
        else if (strcmp(argv[i], "--findings") == 0)
            o->findings = argv[i + 1];
        else if (strcmp(argv[i], "--min-share") == 0)
            o->min_share = strtod(argv[i + 1], NULL);
        else
            return usage("unknown option");
    }
    o->logs = argv + i;
    o->n_logs = argc - i;
    return o->n_logs ? 0 : usage("no log named; name the logs to measure (tests/fidelity/*.log)");
}

int main(int argc, char **argv)
{
    struct options o;
    if (parse_options(argc, argv, &o))
        return EXIT_UNREADABLE;
    struct strbuf err = {0};
    struct fid_explained e;
    if (fid_explained_load(o.explained, o.findings, &e, &err) < 0) {
        fprintf(stderr, "%s", sb_str(&err));
        sb_free(&err);
        fid_explained_free(&e);
        return EXIT_UNREADABLE;
    }
    struct totals t = {0};
    int unreadable = 0;
    printf("fidelity: public captures of real SIM7600 modules against the simulator (issue 14)\n"
           "compared: final result lines exactly, information lines by their prefix; URCs counted, not compared\n\n");
    for (int i = 0; i < o.n_logs; i++) {
        struct fid_log log;
        if (fid_log_read(o.logs[i], &log, &err) == 0)
            measure_log(&log, &e, &t);
        else
            unreadable++;
        fid_log_free(&log);
    }
    fprintf(stderr, "%s", sb_str(&err));
    fflush(stderr);
    print_summary(&t, &o, unreadable);
    print_stale_rules(&e, o.explained);
    bool pass = share(t.reproduced, t.compared) >= o.min_share && !t.unexplained;
    sb_free(&err);
    sb_free(&t.differences);
    sb_free(&t.skipped);
    sb_free(&t.damaged);
    fid_explained_free(&e);
    return unreadable ? EXIT_UNREADABLE : pass ? EXIT_PASS : EXIT_SHORT;
}
