#include "sim_target.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cescape.h"

int sim_target_start(struct sim_target *t, const char *dir, const char *sim_bin, const char *const *args)
{
    memset(t, 0, sizeof *t);
    t->control_fd = t->watch_fd = -1;
    struct simproc_options o = {
        .bin = sim_bin,
        .bin_option = "--sim",
        .args = args,
        .dir = dir,
        .scratch_prefix = "sim7600-hil-",
        .capture_stderr = true,          /* kept for the report, not mixed into the runner's output */
        .death_signal = SIGKILL,         /* never outlive the scenario's worker */
        .stop_grace_ms = SIM_TARGET_STOP_GRACE_MS,
    };
    if (simproc_launch(&t->proc, &o, &t->err) < 0)
        return -1;
    t->control_fd = simproc_connect(&t->proc);
    if (t->control_fd < 0) {
        sb_printf(&t->err, "cannot connect to the simulator's control socket %s: %s", t->proc.control_path,
                  strerror(errno));
        return -1;
    }
    return 0;
}

/* MSG <qos> <retain> "<topic>" "<payload>" */
static void take_msg(struct sim_target *t, char *line)
{
    struct tokens tk;
    const char *why;
    if (tokenize(line, &tk, &why) < 0 || tk.count != 5 || strcmp(tk.v[0], "MSG") != 0)
        return;
    broker_log_add(t->log, tk.v[3], tk.len[3], tk.v[4], tk.len[4], atoi(tk.v[1]), atoi(tk.v[2]) != 0);
}

static void *watch_main(void *arg)
{
    struct sim_target *t = arg;
    struct strbuf buf = {0};
    char chunk[4096];
    for (;;) {
        ssize_t r = read(t->watch_fd, chunk, sizeof chunk);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        sb_add(&buf, chunk, (size_t)r);
        char *start = buf.p, *nl;
        while ((nl = memchr(start, '\n', buf.len - (size_t)(start - buf.p))) != NULL) {
            *nl = '\0';
            take_msg(t, start);
            start = nl + 1;
        }
        size_t rest = buf.len - (size_t)(start - buf.p);
        memmove(buf.p, start, rest);
        buf.len = rest;
        buf.p[rest] = '\0';
    }
    sb_free(&buf);
    return NULL;
}

int sim_target_watch(struct sim_target *t, struct broker_log *log)
{
    struct strbuf reply = {0};
    t->log = log;
    t->watch_fd = simproc_connect(&t->proc);
    int r = t->watch_fd < 0 ? -1 : simproc_command(t->watch_fd, "watch", &reply);
    if (r == 0 && pthread_create(&t->watch_thread, NULL, watch_main, t) == 0)
        t->watching = true;
    else
        sb_printf(&t->err, "cannot watch the simulator's broker: %s", sb_str(&reply));
    sb_free(&reply);
    return t->watching ? 0 : -1;
}

void sim_target_stop(struct sim_target *t)
{
    if (t->watch_fd >= 0)
        shutdown(t->watch_fd, SHUT_RDWR);   /* ends the watch thread's read */
    if (t->watching)
        pthread_join(t->watch_thread, NULL);
    if (t->watch_fd >= 0)
        close(t->watch_fd);
    if (t->control_fd >= 0)
        close(t->control_fd);
    simproc_stop(&t->proc);
    sb_free(&t->err);
    memset(t, 0, sizeof *t);
    t->control_fd = t->watch_fd = -1;
}
