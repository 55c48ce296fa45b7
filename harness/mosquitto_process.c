#include "mosquitto_process.h"

#include "alloc.h"
#include "child_process.h"
#include "hil_clock.h"
#include "scratch_dir.h"
#include "strbuf.h"
#include "text_file.h"

#include <arpa/inet.h>
#include <errno.h>
#include <mosquitto.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define READY_TIMEOUT_MS 5000
#define READY_POLL_MS 5   /* how often a starting broker is tried */
#define WATCH_MAX 256
#define PASSWD_TIMEOUT_MS 5000   /* mosquitto_passwd hashes one password */

static const char *mosquitto_binary(void)
{
    /* Debian installs the broker in /usr/sbin, which a non-root PATH may lack */
    return access("/usr/sbin/mosquitto", X_OK) == 0 ? "/usr/sbin/mosquitto" : "mosquitto";
}

bool mqproc_installed(void)
{
    return access(mosquitto_binary(), X_OK) == 0 || system("command -v mosquitto >/dev/null 2>&1") == 0;
}

#define PORT_ATTEMPTS 8

int free_tcp_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return ntohs(a.sin_port);
}

static bool accepts(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

/* mosquitto_passwd run with an argument vector: a password is any bytes a
 * scenario gives, never words for a shell. */
static int write_password_file(const char *path, const char *user, const char *pass)
{
    const char *const argv[] = {"mosquitto_passwd", "-c", "-b", path, user, pass, NULL};
    struct child_spec spec = {.argv = argv, .search_path = true, .stdout_path = "/dev/null",
                              .stderr_path = "/dev/null"};
    pid_t pid = child_spawn(&spec);
    int status;
    if (pid < 0 || !child_wait(pid, PASSWD_TIMEOUT_MS, &status)) {
        child_stop(pid, 0);
        return -1;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* The TLS listener's block; mosquitto's TLS settings belong to the listener above them. */
static void write_tls_listener(FILE *f, const struct mosquitto_process *m, const struct mqproc_tls *tls)
{
    fprintf(f, "listener %d 127.0.0.1\ncafile %s\ncertfile %s\nkeyfile %s\nrequire_certificate %s\n",
            m->tls_port, tls->cafile, tls->certfile, tls->keyfile, tls->require_certificate ? "true" : "false");
}

static int write_config(struct mosquitto_process *m, const char *user, const char *pass,
                        const struct mqproc_tls *tls)
{
    char path[sizeof m->dir + 32], passwd[sizeof m->dir + 32];
    snprintf(path, sizeof path, "%s/mosquitto.conf", m->dir);
    snprintf(passwd, sizeof passwd, "%s/passwd", m->dir);
    if (user && write_password_file(passwd, user, pass ? pass : "") < 0)
        return -1;
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    /* the log (its stderr, a file in our directory) says what each client asked for:
     * "New client connected ... (p2, c1, k60)" */
    fprintf(f, "listener %d 127.0.0.1\npersistence false\nlog_dest stderr\nlog_type notice\n"
               "connection_messages true\n", m->port);
    /* a root mosquitto would drop to its own user, which cannot reach certificates and
     * files under a 0700 checkout or scratch directory: the test broker stays the test's user */
    if (geteuid() == 0)
        fprintf(f, "user root\n");
    if (user)
        fprintf(f, "allow_anonymous false\npassword_file %s\n", passwd);
    else
        fprintf(f, "allow_anonymous true\n");
    if (tls)
        write_tls_listener(f, m, tls);
    return fclose(f) == 0 ? 0 : -1;
}

int mqproc_restart(struct mosquitto_process *m)
{
    char conf[sizeof m->dir + 32], log[sizeof m->dir + 32];
    snprintf(conf, sizeof conf, "%s/mosquitto.conf", m->dir);
    snprintf(log, sizeof log, "%s/mosquitto.log", m->dir);
    const char *const argv[] = {mosquitto_binary(), "-c", conf, NULL};
    struct child_spec spec = {.argv = argv, .search_path = true, .stderr_path = log, .death_signal = SIGTERM};
    m->pid = child_spawn(&spec);
    long long end = (long long)hil_now_ms() + READY_TIMEOUT_MS;
    while (m->pid > 0 && (long long)hil_now_ms() < end) {
        if (accepts(m->port))
            return 0;
        if (child_wait(m->pid, 0, NULL)) {
            m->pid = 0;                 /* it exited (port taken, bad config), and is reaped */
            break;
        }
        poll(NULL, 0, READY_POLL_MS);
    }
    mqproc_kill(m);
    return -1;
}

int mqproc_start_tls(struct mosquitto_process *m, const char *parent, const char *user, const char *pass,
                     const struct mqproc_tls *tls)
{
    memset(m, 0, sizeof *m);
    if (scratch_dir_make(m->dir, sizeof m->dir, parent, "mqtest-", 0700) < 0) {
        m->dir[0] = '\0';
        return -1;
    }
    m->port = free_tcp_port();
    for (int i = 0; tls && i < PORT_ATTEMPTS && (m->tls_port == 0 || m->tls_port == m->port); i++)
        m->tls_port = free_tcp_port();   /* two asks may get one port: the listeners need two */
    if (m->port < 0 || m->tls_port < 0 || (tls && m->tls_port == m->port) || write_config(m, user, pass, tls) < 0)
        return -1;
    return mqproc_restart(m);
}

int mqproc_start_in(struct mosquitto_process *m, const char *parent, const char *user, const char *pass)
{
    return mqproc_start_tls(m, parent, user, pass, NULL);
}

int mqproc_start(struct mosquitto_process *m, const char *user, const char *pass)
{
    return mqproc_start_in(m, NULL, user, pass);
}

void mqproc_kill(struct mosquitto_process *m)
{
    child_stop(m->pid, READY_TIMEOUT_MS);
    m->pid = 0;
}

void mqproc_stop(struct mosquitto_process *m)
{
    mqproc_kill(m);
    scratch_dir_remove(m->dir);
    m->dir[0] = '\0';
}

/* ---- a watching client ---------------------------------------------------------- */

struct watch_client {
    struct mosquitto *mosq;
    bool subscribed;
    int count;
    char *topic[WATCH_MAX];
    void *payload[WATCH_MAX];
    size_t len[WATCH_MAX];
};

static void on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg)
{
    (void)m;
    struct watch_client *w = obj;
    if (w->count == WATCH_MAX)
        return;
    w->topic[w->count] = xstrdup(msg->topic);
    w->payload[w->count] = xmemdup(msg->payload, (size_t)msg->payloadlen);
    w->len[w->count++] = (size_t)msg->payloadlen;
}

static void on_subscribe(struct mosquitto *m, void *obj, int mid, int n, const int *q)
{
    (void)m;
    (void)mid;
    (void)n;
    (void)q;
    ((struct watch_client *)obj)->subscribed = true;
}

static bool loop_until(struct mosquitto *mosq, const bool *flag, const int *counter, int want, int timeout_ms)
{
    long long end = (long long)hil_now_ms() + timeout_ms;
    while ((long long)hil_now_ms() < end) {
        if ((flag && *flag) || (counter && *counter >= want))
            return true;
        if (mosquitto_loop(mosq, 20, 1) != MOSQ_ERR_SUCCESS)
            return false;
    }
    return (flag && *flag) || (counter && *counter >= want);
}

struct watch_client *watch_start(int port, const char *filter)
{
    mosquitto_lib_init();
    struct watch_client *w = xmalloc(sizeof *w);
    memset(w, 0, sizeof *w);
    w->mosq = mosquitto_new(NULL, true, w);
    mosquitto_message_callback_set(w->mosq, on_message);
    mosquitto_subscribe_callback_set(w->mosq, on_subscribe);
    if (mosquitto_connect(w->mosq, "127.0.0.1", port, 60) != MOSQ_ERR_SUCCESS ||
        mosquitto_subscribe(w->mosq, NULL, filter, 2) != MOSQ_ERR_SUCCESS ||
        !loop_until(w->mosq, &w->subscribed, NULL, 0, READY_TIMEOUT_MS)) {
        watch_stop(w);
        return NULL;
    }
    return w;
}

int watch_wait(struct watch_client *w, int count, int timeout_ms)
{
    loop_until(w->mosq, NULL, &w->count, count, timeout_ms);
    return w->count;
}

const char *watch_topic(struct watch_client *w, int n)
{
    return n < w->count ? w->topic[n] : NULL;
}

const void *watch_payload(struct watch_client *w, int n, size_t *len)
{
    if (n >= w->count)
        return NULL;
    *len = w->len[n];
    return w->payload[n];
}

void watch_stop(struct watch_client *w)
{
    if (!w)
        return;
    for (int i = 0; i < w->count; i++) {
        free(w->topic[i]);
        free(w->payload[i]);
    }
    mosquitto_disconnect(w->mosq);
    mosquitto_destroy(w->mosq);
    free(w);
    mosquitto_lib_cleanup();
}

static void on_published(struct mosquitto *m, void *obj, int mid)
{
    (void)m;
    (void)mid;
    *(bool *)obj = true;
}

int mq_publish(int port, const char *topic, const void *payload, size_t len, int qos)
{
    mosquitto_lib_init();
    bool done = false;
    struct mosquitto *mosq = mosquitto_new(NULL, true, &done);
    mosquitto_publish_callback_set(mosq, on_published);
    int rc = -1;
    if (mosquitto_connect(mosq, "127.0.0.1", port, 60) == MOSQ_ERR_SUCCESS &&
        mosquitto_publish(mosq, NULL, topic, (int)len, payload, qos, false) == MOSQ_ERR_SUCCESS &&
        loop_until(mosq, &done, NULL, 0, READY_TIMEOUT_MS))
        rc = 0;
    mosquitto_disconnect(mosq);
    mosquitto_destroy(mosq);
    mosquitto_lib_cleanup();
    return rc;
}

bool mqproc_log_has(const struct mosquitto_process *m, const char *needle, int timeout_ms)
{
    enum { LOG_POLL_MS = 10, LOG_LIMIT = 1 << 20 };
    char path[sizeof m->dir + 32];
    snprintf(path, sizeof path, "%s/mosquitto.log", m->dir);
    uint64_t deadline = hil_now_ms() + (uint64_t)timeout_ms;
    struct strbuf text = {0}, why = {0};
    bool found = false;
    do {
        sb_reset(&text);
        found = text_file_read(path, LOG_LIMIT, &text, &why) == 0 && strstr(sb_str(&text), needle);
        if (!found)
            poll(NULL, 0, LOG_POLL_MS);   /* the broker writes when the client connects */
    } while (!found && hil_now_ms() < deadline);
    sb_free(&text);
    sb_free(&why);
    return found;
}
