/* Starting and stopping a sim7600-sim process (sim_process.h). */
#include "sim_process.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child_process.h"
#include "fd_line.h"

#ifndef SIM7600_BIN_DIR
#define SIM7600_BIN_DIR "build/bin"
#endif

#define PTY_LINE_MAX 512
#define STDERR_TAIL_MAX 4096
#define TEST_SCRATCH_PARENT "/tmp"   /* short: the control socket's path must fit sun_path */
#define DEFAULT_SCRATCH_PREFIX "sim7600-"

/* The directory of the control socket: the caller's, or a new one of ours. */
static int make_dir(struct sim_process *p, const struct simproc_options *o, struct strbuf *err)
{
    if (o->dir) {
        if (snprintf(p->dir, sizeof p->dir, "%s", o->dir) < (int)sizeof p->dir)
            return 0;
    } else if (scratch_dir_make(p->dir, sizeof p->dir, o->scratch_parent,
                                o->scratch_prefix ? o->scratch_prefix : DEFAULT_SCRATCH_PREFIX, 0700) == 0) {
        p->own_dir = true;
        return 0;
    } else {
        sb_printf(err, "cannot create a temporary directory in %s: %s; set TMPDIR to a writable directory",
                  o->scratch_parent ? o->scratch_parent : scratch_dir_default_parent(), strerror(errno));
        p->dir[0] = '\0';
        return -1;
    }
    sb_printf(err, "the directory %s is too long; set TMPDIR to a shorter one", o->dir);
    p->dir[0] = '\0';
    return -1;
}

/* Forks the simulator with its stdout on a pipe and reads the pty's path from it. */
static int spawn(struct sim_process *p, const struct simproc_options *o, const char *bin, struct strbuf *err)
{
    const char *argv[SIMPROC_MAX_ARGS + 4] = {bin, "--control", p->control_path};
    int n = 3;
    for (int i = 0; o->args && o->args[i] && n < SIMPROC_MAX_ARGS + 3; i++)
        argv[n++] = o->args[i];
    argv[n] = NULL;
    int out[2];
    if (pipe2(out, O_CLOEXEC) < 0) {
        sb_printf(err, "pipe: %s", strerror(errno));
        return -1;
    }
    struct child_spec spec = {
        .argv = argv,
        .stdout_fd = out[1],
        .stderr_path = p->stderr_path[0] ? p->stderr_path : NULL,
        .death_signal = o->death_signal ? o->death_signal : SIGKILL,
    };
    p->pid = child_spawn(&spec);
    int spawn_errno = errno;   /* fork's reason, before the closes below */
    close(out[1]);
    int start_ms = o->start_ms > 0 ? o->start_ms : SIMPROC_START_MS;
    struct strbuf line = {0};
    int r = p->pid > 0 ? fd_read_line(out[0], &line, PTY_LINE_MAX, start_ms) : -1;
    close(out[0]);
    if (r == 0 && strncmp(sb_str(&line), "PTY ", 4) == 0 &&
        snprintf(p->pty_path, sizeof p->pty_path, "%s", sb_str(&line) + 4) < (int)sizeof p->pty_path) {
        sb_free(&line);
        return 0;
    }
    sb_free(&line);
    if (p->pid <= 0) {
        sb_printf(err, "the simulator %s could not be started: %s", bin, strerror(spawn_errno));
        return -1;
    }
    sb_printf(err, "the simulator %s did not start (no PTY line within %d ms); run it by hand to see why", bin,
              start_ms);
    if (o->bin_option)
        sb_printf(err, ", or give its path with %s", o->bin_option);
    return -1;
}

int simproc_launch(struct sim_process *p, const struct simproc_options *o, struct strbuf *err)
{
    memset(p, 0, sizeof *p);
    p->fd = -1;
    p->stop_grace_ms = o->stop_grace_ms;
    if (make_dir(p, o, err) < 0)
        return -1;
    if (snprintf(p->control_path, sizeof p->control_path, "%s/control", p->dir) >= (int)sizeof p->control_path) {
        sb_printf(err, "the directory %s is too long for a Unix socket path; set TMPDIR to a shorter one", p->dir);
        simproc_stop(p);
        return -1;
    }
    if (o->capture_stderr)
        snprintf(p->stderr_path, sizeof p->stderr_path, "%s/" SIMPROC_STDERR_FILE, p->dir);
    if (spawn(p, o, o->bin ? o->bin : SIM7600_BIN_DIR "/sim7600-sim", err) < 0) {
        simproc_stop(p);
        return -1;
    }
    return 0;
}

int simproc_start(struct sim_process *p, const char *const *args)
{
    const char *argv[SIMPROC_MAX_ARGS + 1] = {"--baud", "0"};   /* unpaced, unless args say otherwise */
    int n = 2;
    for (int i = 0; args && args[i] && n < SIMPROC_MAX_ARGS; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    struct simproc_options o = {
        .args = argv,
        .scratch_parent = TEST_SCRATCH_PARENT,
        .scratch_prefix = "simtest-",
        .death_signal = SIGTERM,   /* it removes its --link on the way out */
        .start_ms = SIMPROC_DEFAULT_TIMEOUT_MS,
    };
    struct strbuf err = {0};
    int rc = simproc_launch(p, &o, &err);
    sb_free(&err);
    return rc;
}

int simproc_stop(struct sim_process *p)
{
    int status = -1;
    simproc_close_port(p);
    simproc_drop_pending(p);
    if (p->pid > 0)
        status = child_stop(p->pid, p->stop_grace_ms > 0 ? p->stop_grace_ms : SIMPROC_STOP_GRACE_MS);
    p->pid = 0;
    if (p->own_dir) {
        scratch_dir_remove(p->dir);
    } else {
        if (p->control_path[0])
            unlink(p->control_path);
        if (p->stderr_path[0])
            unlink(p->stderr_path);
    }
    p->dir[0] = p->control_path[0] = p->stderr_path[0] = '\0';
    p->own_dir = false;
    return status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool simproc_exited(struct sim_process *p, int within_ms, struct strbuf *why)
{
    int status;
    if (!child_wait(p->pid, within_ms, &status))
        return false;
    p->pid = 0;
    if (WIFSIGNALED(status))
        sb_printf(why, "the simulator was killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
        sb_printf(why, "the simulator exited with status %d", WEXITSTATUS(status));
    return true;
}

void simproc_stderr_tail(const struct sim_process *p, struct strbuf *out, size_t max)
{
    FILE *f = p->stderr_path[0] ? fopen(p->stderr_path, "r") : NULL;
    if (!f)
        return;
    char buf[STDERR_TAIL_MAX];
    size_t n = 0;
    if (fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        size_t want = max < sizeof buf ? max : sizeof buf;
        if (fseek(f, size > (long)want ? size - (long)want : 0, SEEK_SET) == 0)
            n = fread(buf, 1, want, f);
    }
    fclose(f);
    sb_add(out, buf, n);
}
