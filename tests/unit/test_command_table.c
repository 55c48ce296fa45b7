/* README.md's table of supported commands is the truth: every command the
 * simulator knows is listed, nothing else is, each listed form answers (not a
 * bare ERROR) on at least one --model, each unlisted test, read or execute
 * form is refused by all, and each example in the table runs. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "module_models.h"
#include "sim_drive.h"
#include "sim_internal.h"
#include "strbuf.h"
#include "text_file.h"

#define README "README.md"
#define SECTION "### Supported commands"
#define MAX_ROWS 256

/* The forms a row lists; the first three are probed with these suffixes. */
enum form { FORM_TEST, FORM_READ, FORM_EXEC, FORM_WRITE, FORM_COUNT };
static const char *const probe_suffix[] = {[FORM_TEST] = "=?", [FORM_READ] = "?", [FORM_EXEC] = ""};
static const char *const form_token[] = {
    [FORM_TEST] = "`=?`", [FORM_READ] = "`?`", [FORM_EXEC] = "bare", [FORM_WRITE] = "`=`",
};

struct row {
    char name[32];          /* "+CSQ", "E", "&F" */
    bool basic;             /* a V.250 basic command: only its example is run */
    bool form[FORM_COUNT];
    char example[128];
    int line;
};

static struct row rows[MAX_ROWS];
static size_t nrows;

/* "`AT+CSQ`" → "+CSQ"; false when the cell is not a command. */
static bool command_cell(const char *cell, struct row *r)
{
    if (strncmp(cell, "`AT", 3) != 0)
        return false;
    const char *end = strchr(cell + 3, '`');
    size_t n = end ? (size_t)(end - cell - 3) : 0;
    if (n == 0 || n >= sizeof r->name)
        return false;
    memcpy(r->name, cell + 3, n);
    r->name[n] = '\0';
    r->basic = r->name[0] != '+';
    return true;
}

static void forms_cell(const char *cell, struct row *r)
{
    for (int f = 0; f < FORM_COUNT; f++)
        r->form[f] = strstr(cell, form_token[f]) != NULL;
}

static void example_cell(const char *cell, struct row *r)
{
    const char *open = strchr(cell, '`');
    const char *close = open ? strchr(open + 1, '`') : NULL;
    size_t n = close ? (size_t)(close - open - 1) : 0;
    if (n >= sizeof r->example)
        n = 0;
    memcpy(r->example, open ? open + 1 : "", n);
    r->example[n] = '\0';
}

/* "| cmd | forms | example | what |" into its cells (cut in place). */
static int split_cells(char *line, char **cells, int max)
{
    int n = 0;
    char *p = line;
    while (n < max && (p = strchr(p, '|')) != NULL) {
        *p++ = '\0';
        cells[n++] = p + strspn(p, " ");
    }
    return n - 1;   /* the text after the last '|' is not a cell */
}

static void load_table(void)
{
    struct strbuf text = {0}, why = {0};
    cr_assert_eq(text_file_read(README, 1 << 20, &text, &why), 0, "cannot read %s: %s", README, sb_str(&why));
    char *start = strstr(text.p, SECTION);
    cr_assert_not_null(start, "%s has no \"%s\" section", README, SECTION);
    int line = 1;
    for (const char *p = text.p; p < start; p++)
        line += *p == '\n';
    char *next = strchr(start, '\n');
    for (char *l = next ? next + 1 : NULL; l && strncmp(l, "## ", 3) != 0 && strncmp(l, "### ", 4) != 0;
         l = next ? next + 1 : NULL) {
        line++;
        next = strchr(l, '\n');
        if (next)
            *next = '\0';
        char *cells[6];
        struct row r = {.line = line};
        if (l[0] != '|' || split_cells(l, cells, 6) < 4 || !command_cell(cells[0], &r))
            continue;
        forms_cell(cells[1], &r);
        example_cell(cells[2], &r);
        cr_assert_lt(nrows, MAX_ROWS);
        rows[nrows++] = r;
    }
    sb_free(&text);
    sb_free(&why);
    cr_assert_gt(nrows, 0, "the \"%s\" table of %s has no rows", SECTION, README);
}

static const struct row *row_of(const char *name)
{
    for (size_t i = 0; i < nrows; i++)
        if (strcmp(rows[i].name, name) == 0)
            return &rows[i];
    return NULL;
}

/* What a fresh warm, registered module of that model answers to one line (echo off). */
static char *answer(const struct module_model *model, const char *line)
{
    struct sim_drive d = {0};
    struct sim_config cfg;
    sim_config_defaults(&cfg);
    cfg.baud = 0;
    cfg.profile = SIM_PROFILE_WARM;
    cfg.model = model;
    sim_drive_start(&d, &cfg);
    sim_drive_io(&d, "ATE0\r");
    char cmd[160];
    snprintf(cmd, sizeof cmd, "%s\r", line);
    char *out = strdup(sim_drive_io(&d, cmd));
    sim_drive_free(&d);
    return out;
}

/* A bare ERROR (or silence) from every model: the line is not supported. */
static bool refused(const char *line)
{
    bool bare = true;
    const struct module_model *m;
    for (size_t i = 0; bare && (m = module_model_at(i)) != NULL; i++) {
        char *a = answer(m, line);
        bare = strcmp(a, "\r\nERROR\r\n") == 0 || strcmp(a, "") == 0;
        free(a);
    }
    return bare;
}

Test(command_table, every_command_is_listed_and_nothing_else)
{
    load_table();
    for (size_t i = 0; i < command_count(); i++)
        cr_expect_not_null(row_of(command_at(i)->name), "AT%s is not in %s's \"%s\" table",
                           command_at(i)->name, README, SECTION);
    for (size_t i = 0; i < nrows; i++)
        cr_expect_not_null(command_find(rows[i].name), "%s:%d lists AT%s, which the simulator does not know",
                           README, rows[i].line, rows[i].name);
}

Test(command_table, each_form_answers_as_listed)
{
    load_table();
    for (size_t i = 0; i < nrows; i++) {
        const struct row *r = &rows[i];
        if (r->basic)
            continue;
        for (int f = FORM_TEST; f <= FORM_EXEC; f++) {
            char line[sizeof r->name + 8];
            snprintf(line, sizeof line, "AT%.31s%s", r->name, probe_suffix[f]);
            cr_expect_eq(refused(line), !r->form[f], "%s:%d: %s %s", README, r->line, line,
                         r->form[f] ? "is listed but answers a bare ERROR" : "answers, but is not listed");
        }
    }
}

Test(command_table, each_example_runs)
{
    load_table();
    for (size_t i = 0; i < nrows; i++) {
        const struct row *r = &rows[i];
        cr_expect(r->example[0] || !(r->form[FORM_WRITE] || r->basic), "%s:%d: AT%s has a write form but no example",
                  README, r->line, r->name);
        if (r->example[0])
            cr_expect(!refused(r->example), "%s:%d: the example %s answers a bare ERROR", README, r->line,
                      r->example);
    }
}
