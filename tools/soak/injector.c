/* The fault injector: a thread that follows the publisher and, when the plan
 * says so, changes the simulated world through its control socket. A fault
 * counts as injected only when the simulator says it happened (a connection
 * loss that found no connection is tried again). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim_process.h"
#include "soak.h"

#define REPLY_MAX 512
#define US_PER_S 1000000u
#define NS_PER_US 1000u
/* --on-command: the first command of a publish, so the fault can never
 * swallow the result of a PUB already sent */
#define ON_COMMAND_PREFIX "AT+CMQTTTOPIC"

/* Waits until cond(sh) holds; false if it did not within stall_ms of no
 * change at all, or the soak is stopping. Called with sh->mu held. */
static bool wait_for(struct soak_shared *sh, bool (*cond)(const struct soak_shared *, unsigned),
                     unsigned arg, unsigned stall_ms)
{
    long long deadline = soak_now_ms() + stall_ms;
    unsigned handed = sh->handed;
    while (!cond(sh, arg)) {
        if (sh->stopping || !shared_wait(sh, deadline))
            return false;
        if (sh->handed != handed) {     /* progress: the stall clock starts again */
            handed = sh->handed;
            deadline = soak_now_ms() + stall_ms;
        }
    }
    return true;
}

static bool reached(const struct soak_shared *sh, unsigned seq)
{
    return sh->handed >= seq;
}

static bool connected(const struct soak_shared *sh, unsigned unused)
{
    (void)unused;
    return sh->state == SIM7600_STATE_CONNECTED;
}

/* The jitter puts the fault at a random point of the exchange in progress;
 * it is part of the plan, not a wait for something. */
static void jitter(unsigned us)
{
    struct timespec ts = {us / US_PER_S, (long)(us % US_PER_S) * NS_PER_US};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static void command_for(const struct planned_fault *f, char *line, size_t cap)
{
    switch (f->kind) {
    case FAULT_CONNLOST:
        snprintf(line, cap, "connlost %u", f->amount);
        break;
    case FAULT_REBOOT:
        snprintf(line, cap, "reboot");
        break;
    case FAULT_SILENT:
        snprintf(line, cap, "silent %u", f->amount);
        break;
    default:
        snprintf(line, cap, "garble %u", f->amount);
        break;
    }
}

/* Sends the fault. @retval 1 the simulator confirmed it took effect, 0 it had
 * nothing to act on (no connection to lose), -1 the control socket failed */
static int inject(struct injector *in, const struct planned_fault *f)
{
    char cmd[64], line[128], reply[REPLY_MAX] = "";
    unsigned lost = 0;

    command_for(f, cmd, sizeof cmd);
    if (in->on_command && f->kind != FAULT_CONNLOST)
        snprintf(line, sizeof line, "rule on-send %s %s", ON_COMMAND_PREFIX, cmd);
    else
        snprintf(line, sizeof line, "%s", cmd);
    if (simproc_control(in->sim, line, reply, sizeof reply) != 0 || strncmp(reply, "OK", 2) != 0) {
        fprintf(stderr, "sim7600-soak: control '%s' failed: %s\n", line, reply);
        return -1;
    }
    if (f->kind != FAULT_CONNLOST)
        return 1;
    /* "OK <n> client(s) lost their connection": 0 means the module had none */
    return sscanf(reply, "OK %u", &lost) == 1 && lost > 0 ? 1 : 0;
}

static void *run(void *arg)
{
    struct injector *in = arg;
    struct soak_shared *sh = in->sh;

    for (int i = 0; i < in->count; i++) {
        const struct planned_fault *f = &in->plan[i];
        bool done = false;

        pthread_mutex_lock(&sh->mu);
        bool go = wait_for(sh, reached, f->at_seq, in->stall_ms);
        pthread_mutex_unlock(&sh->mu);
        if (go)
            jitter(f->jitter_us);
        /* a connection loss needs a connection: wait for the driver to have
         * one, and try again if the module lost it first (a race with
         * another fault) */
        while (go && !done) {
            if (f->kind == FAULT_CONNLOST) {
                pthread_mutex_lock(&sh->mu);
                go = wait_for(sh, connected, 0, in->stall_ms);
                pthread_mutex_unlock(&sh->mu);
                if (!go)
                    break;
            }
            int rc = inject(in, f);
            done = rc == 1;
            if (rc < 0)
                break;
            if (!done) {                /* the driver will notice and change state */
                pthread_mutex_lock(&sh->mu);
                enum sim7600_state was = sh->state;
                long long deadline = soak_now_ms() + in->stall_ms;
                while (sh->state == was && !sh->stopping && shared_wait(sh, deadline))
                    ;
                go = !sh->stopping;
                pthread_mutex_unlock(&sh->mu);
            }
        }
        pthread_mutex_lock(&sh->mu);
        if (done)
            sh->injected[f->kind]++;
        else
            sh->not_injected++;
        pthread_cond_broadcast(&sh->cv);
        pthread_mutex_unlock(&sh->mu);
        if (in->verbose)
            printf("fault %d/%d: %s %u after message %u: %s\n", i + 1, in->count,
                   fault_kind_name(f->kind), f->amount, f->at_seq, done ? "injected" : "NOT injected");
    }
    return NULL;
}

int injector_start(struct injector *in)
{
    return pthread_create(&in->thread, NULL, run, in) == 0 ? 0 : -1;
}

void injector_join(struct injector *in)
{
    pthread_join(in->thread, NULL);
}
