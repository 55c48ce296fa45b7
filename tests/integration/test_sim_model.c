/* sim7600-sim --model as a user runs it: the variant answers with its own
 * identity on a real pty, keeps it across a reboot, shows it in the state,
 * and a name it does not know stops it with the list of those it knows. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "program.h"
#include "sim_process.h"

#define T SIMPROC_DEFAULT_TIMEOUT_MS
#define SIM SIM7600_BIN_DIR "/sim7600-sim"
#define HIL SIM7600_BIN_DIR "/sim7600-hil"
#define EXIT_BAD_OPTION 2    /* the simulator's exit status for an option it refuses */
#define BOOT_MS 30000        /* a boot, whatever the latency profile */

static struct sim_process sim;
static char out[8192];

static void stop(void) { simproc_stop(&sim); }

TestSuite(model, .fini = stop);

static void expect(const char *text, int timeout_ms)
{
    cr_assert(simproc_expect(&sim, text, timeout_ms), "expected \"%s\"; the module said: \"%s\"", text,
              simproc_pending(&sim));
}

Test(model, the_variant_answers_with_its_identity_and_keeps_it_across_a_reboot)
{
    const char *const args[] = {"--profile", "warm", "--model", "SIM7600NA-H", NULL};
    cr_assert_eq(simproc_start(&sim, args), 0, "sim7600-sim did not start");
    cr_assert_eq(simproc_open(&sim), 0, "cannot open %s", sim.pty_path);
    simproc_send(&sim, "AT+CGMM\r");
    expect("\r\nSIMCOM_SIM7600NA-H\r\n\r\nOK\r\n", T);
    struct strbuf json = {0};
    cr_assert_eq(simproc_state(&sim, &json), 0, "%s", sb_str(&json));
    cr_assert(strstr(sb_str(&json), "\"model\":\"SIM7600NA-H\""), "%s", sb_str(&json));
    sb_free(&json);
    char reply[256];
    cr_assert_eq(simproc_control(&sim, "reboot", reply, sizeof reply), 0, "%s", reply);
    expect("PB DONE\r\n", BOOT_MS);
    simproc_send(&sim, "AT+CGMR\r");
    expect("\r\n+CGMR: LE20B04SIM7600M22\r\n\r\nOK\r\n", T);
}

Test(model, an_unknown_model_stops_the_simulator_with_the_known_ones)
{
    const char *const args[] = {"--model", "SIM7600X", NULL};
    int status = program_run_args(SIM, args, T, out, sizeof out);
    cr_assert_eq(status, EXIT_BAD_OPTION, "exit %d, said \"%s\"", status, out);
    cr_assert(strstr(out, "--model: unknown module 'SIM7600X'; known models: SIM7600E, SIM7600E-H, SIM7600G-H, "
                          "SIM7600SA-H, SIM7600NA-H, A7670E"),
              "said \"%s\"", out);
}

Test(model, help_lists_the_models_and_the_default)
{
    const char *const args[] = {"--help", NULL};
    cr_assert_eq(program_run_args(SIM, args, T, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "--model NAME"), "%s", out);
    cr_assert(strstr(out, "Models: SIM7600E, SIM7600E-H, SIM7600G-H, SIM7600SA-H, SIM7600NA-H, A7670E "
                          "(default SIM7600E)."),
              "%s", out);
}

/* Against a module (--target), `model` cannot be arranged: it is listed as
 * skipped, and the steps run against what is there (a simulator stands in). */
Test(model, against_a_port_the_model_statement_is_listed_as_skipped)
{
    char dir[] = "/tmp/sim7600-model-XXXXXX", path[64];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/m.scn", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("scenario \"bench\"\nmodel SIM7600G-H\nsend \"AT\"\nexpect \"OK\" within=5s\n", f);
    fclose(f);
    cr_assert_eq(simproc_start(&sim, NULL), 0, "sim7600-sim did not start");
    /* a bench module has been on a while: the first open powers the simulated one on */
    cr_assert_eq(simproc_open(&sim), 0, "cannot open %s", sim.pty_path);
    expect("PB DONE\r\n", BOOT_MS);
    simproc_close_port(&sim);
    const char *const args[] = {"run", "--target", sim.pty_path, path, NULL};
    int status = program_run_args(HIL, args, 4 * BOOT_MS, out, sizeof out);
    unlink(path);
    rmdir(dir);
    cr_assert_eq(status, 0, "exit %d: %s", status, out);
    cr_assert(strstr(out, "skipped line 2: model (needs the simulator)"), "%s", out);
}
