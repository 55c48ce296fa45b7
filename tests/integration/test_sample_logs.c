/* Every log under scenarios/logs/ (captures made with sim7600-hil tap, and the
 * same session as other tools log it) imports into a valid scenario and a
 * capture, and the real client passes against the simulator replaying it,
 * without a single departure from the log. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim_process.h"

#define LOGS SIM7600_SOURCE_DIR "/scenarios/logs"
#define HIL SIM7600_BIN_DIR "/sim7600-hil"

static int run(const char *cmd)
{
    int status = system(cmd);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void read_args(const char *path, char *args, size_t cap)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "no %s", path);
    cr_assert_not_null(fgets(args, (int)cap, f));
    fclose(f);
    args[strcspn(args, "\n")] = '\0';
}

/* LOGS/base.cap or LOGS/base.log, whichever exists. */
static void log_of(const char *base, char *path, size_t cap)
{
    snprintf(path, cap, "%s/%s.cap", LOGS, base);
    if (access(path, R_OK) != 0)
        snprintf(path, cap, "%s/%s.log", LOGS, base);
}

static void check_log(const char *base)
{
    char log[512], args[1024], argsfile[512], cap[128], scn[128], cmd[2048], reply[4096];
    log_of(base, log, sizeof log);
    snprintf(argsfile, sizeof argsfile, "%s/%s.args", LOGS, base);
    read_args(argsfile, args, sizeof args);
    snprintf(cap, sizeof cap, "/tmp/sample-%d-%s.cap", (int)getpid(), base);
    snprintf(scn, sizeof scn, "/tmp/sample-%d-%s.scn", (int)getpid(), base);

    snprintf(cmd, sizeof cmd, "%s import --as scenario -o %s %s && %s check %s >/dev/null", HIL, scn, log, HIL, scn);
    cr_assert_eq(run(cmd), 0, "%s: does not import into a valid scenario", log);
    snprintf(cmd, sizeof cmd, "%s import --as capture -o %s %s", HIL, cap, log);
    cr_assert_eq(run(cmd), 0, "%s: does not import into a capture", log);

    struct sim_process sim;
    const char *simargs[] = {"--replay", cap, "--replay-strict", NULL};
    cr_assert_eq(simproc_start(&sim, simargs), 0);
    snprintf(cmd, sizeof cmd, "timeout 20 %s/sim7600-mqtt --port %s %s >/dev/null", SIM7600_BIN_DIR, sim.pty_path, args);
    int client = run(cmd);
    int got = simproc_control(&sim, "state", reply, sizeof reply);
    simproc_stop(&sim);
    unlink(cap);
    unlink(scn);
    cr_assert_eq(got, 0);
    cr_assert(strstr(reply, "\"replay\":{\"state\":\"finished\""), "%s: the client departed from the log: %s", log, reply);
    cr_assert_eq(client, 0, "%s: the client failed against the replay (exit %d)", log, client);
}

Test(sample_logs, every_log_imports_and_the_client_passes_its_replay, .timeout = 120)
{
    DIR *d = opendir(LOGS);
    cr_assert_not_null(d, "no %s", LOGS);
    int checked = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".args") != 0)
            continue;
        char base[256];
        snprintf(base, sizeof base, "%.*s", (int)(n - 5), e->d_name);
        check_log(base);
        checked++;
    }
    closedir(d);
    cr_assert_geq(checked, 6, "only %d sample logs", checked);
}
