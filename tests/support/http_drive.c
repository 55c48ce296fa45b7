/* Test support: the host's side of the module's HTTP(S) client (http_drive.h). */
#include "http_drive.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T SIMPROC_DEFAULT_TIMEOUT_MS
#define GATHER_MS 2                  /* a slice of waiting for the module's bytes */
#define RETRY_MS 50                  /* between AT+HTTPINITs while the network comes back */
#define DATA_TIME_S 30               /* AT+HTTPDATA's <time> */
#define CMD_MAX 600
#define LINE_MAX 128
#define CONTROL_REPLY_MAX 256
#define AFTER_REBOOT_QUIET_MS 200    /* long enough for a late +HTTPACTION to show */

void http_fill(char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (char)('a' + (i * 7 + i / 26) % 26);
}

void http_answer_body(struct http_server_answer *a, const char *body, size_t n)
{
    http_server_answer_init(a);
    sb_add(&a->body, body, n);
}

void http_answer_filled(struct http_server_answer *a, char *body, size_t n)
{
    http_fill(body, n);
    http_answer_body(a, body, n);
}

void http_start_sim(struct sim_process *sim, const char *map)
{
    const char *args[] = {"--profile", "warm", "--net-map", map, NULL};
    host_start(sim, args);
    host_send_expect(sim, "AT+HTTPINIT\r", "\r\nOK\r\n");
}

void http_url(struct sim_process *sim, const char *url)
{
    char cmd[CMD_MAX];
    snprintf(cmd, sizeof cmd, "AT+HTTPPARA=\"URL\",\"%s\"\r", url);
    host_send_expect(sim, cmd, "\r\nOK\r\n");
}

int http_action(struct sim_process *sim, int method, size_t *datalen)
{
    char cmd[32], head[32], line[LINE_MAX];
    snprintf(cmd, sizeof cmd, "AT+HTTPACTION=%d\r", method);
    host_send_expect(sim, cmd, "\r\nOK\r\n");
    snprintf(head, sizeof head, "+HTTPACTION: %d,", method);
    host_expect(sim, head);
    cr_assert(simproc_take(sim, "\r\n", T, line, sizeof line), "no end to +HTTPACTION: %s", simproc_pending(sim));
    int status = 0;
    size_t len = 0;
    cr_assert_eq(sscanf(line, "%d,%zu", &status, &len), 2, "+HTTPACTION's fields: %s", line);
    if (datalen)
        *datalen = len;
    return status;
}

void http_data(struct sim_process *sim, const void *body, size_t n)
{
    char cmd[48];
    snprintf(cmd, sizeof cmd, "AT+HTTPDATA=%zu,%d\r", n, DATA_TIME_S);
    host_send_expect(sim, cmd, "\r\nDOWNLOAD\r\n");
    simproc_write(sim, body, n);
    host_expect(sim, "\r\nOK\r\n");
}

void http_wait_held(struct sim_process *sim, size_t want)
{
    long long end = test_now_ms() + T;
    for (size_t held = 0; held < want;) {
        cr_assert_lt(test_now_ms(), end, "the module holds %zu of %zu bytes", held, want);
        char line[LINE_MAX];
        host_send_expect(sim, "AT+HTTPREAD?\r", "+HTTPREAD: LEN,");
        cr_assert(simproc_take(sim, "\r\n", T, line, sizeof line));
        host_expect(sim, "\r\nOK\r\n");
        held = strtoul(line, NULL, 10);
    }
}

size_t http_read_body(struct sim_process *sim, size_t offset, size_t len, char *out)
{
    char cmd[48], line[LINE_MAX];
    snprintf(cmd, sizeof cmd, "AT+HTTPREAD=%zu,%zu\r", offset, len);
    host_send_expect(sim, cmd, "\r\nOK\r\n");
    size_t got = 0;
    for (;;) {
        host_expect(sim, "+HTTPREAD: ");
        cr_assert(simproc_take(sim, "\r\n", T, line, sizeof line));
        if (strcmp(line, "0\r\n") == 0)
            return got;
        size_t n = 0;
        cr_assert_eq(sscanf(line, "DATA,%zu", &n), 1, "a piece's header: %s", line);
        cr_assert(n > 0 && n <= HTTP_DRIVE_PIECE && got + n <= len, "a piece of %zu bytes after %zu", n, got);
        host_take_exact(sim, (uint8_t *)out + got, n);
        got += n;
    }
}

void http_init_once_registered(struct sim_process *sim)
{
    long long end = test_now_ms() + T;
    for (;;) {
        simproc_send(sim, "AT+HTTPINIT\r");
        char line[LINE_MAX] = "";
        while (strcmp(line, "OK\r\n") != 0 && strcmp(line, "ERROR\r\n") != 0)
            cr_assert(simproc_take(sim, "\r\n", T, line, sizeof line), "%s", simproc_pending(sim));
        if (strcmp(line, "OK\r\n") == 0)
            return;
        cr_assert_lt(test_now_ms(), end, "AT+HTTPINIT still answers ERROR");
        simproc_gather_for(sim, RETRY_MS);
    }
}

void http_term_and_init(struct sim_process *sim)
{
    host_send_expect(sim, "AT+HTTPTERM\r", "\r\nOK\r\n");
    host_send_expect(sim, "AT+HTTPTERM\r", "\r\nERROR\r\n");
    host_send_expect(sim, "AT+HTTPINIT\r", "\r\nOK\r\n");
    host_send_expect(sim, "AT+HTTPREAD?\r", "+HTTPREAD: LEN,0\r\n");   /* the response is gone */
}

void http_reboot_ends_the_session(struct sim_process *sim)
{
    char reply[CONTROL_REPLY_MAX];
    cr_assert_eq(simproc_control(sim, "reboot", reply, sizeof reply), 0, "%s", reply);
    host_expect(sim, "PB DONE");
    host_send_expect(sim, "ATE0\r", "OK\r\n");
    host_send_expect(sim, "AT+HTTPTERM\r", "\r\nERROR\r\n");
    http_init_once_registered(sim);
    host_send_expect(sim, "AT+HTTPREAD?\r", "+HTTPREAD: LEN,0\r\n");
    cr_assert(simproc_quiet_for(sim, AFTER_REBOOT_QUIET_MS), "no +HTTPACTION of the request the reboot ended: %s",
              simproc_pending(sim));
}

void http_get_large(struct sim_process *sim, const char *body, size_t n, bool chunked)
{
    char *got = malloc(n);
    cr_assert_not_null(got);
    size_t len;
    cr_assert_eq(http_action(sim, 0, &len), 200);
    cr_assert_eq(len, chunked ? 0 : n, "chunked: the length is not known ahead");
    http_wait_held(sim, n);
    size_t read = 0;
    for (size_t off = 0; off < n; off += HTTP_DRIVE_READ_STEP)
        read += http_read_body(sim, off, HTTP_DRIVE_READ_STEP, got + off);
    cr_assert_eq(read, n);
    cr_assert_eq(memcmp(got, body, n), 0, "the body read back in pieces is the server's");
    free(got);
}

void http_post_checked(struct sim_process *sim, struct http_server *srv, size_t n, int status)
{
    char *body = malloc(n);
    cr_assert_not_null(body);
    http_fill(body, n);
    host_send_expect(sim, "AT+HTTPPARA=\"CONTENT\",\"application/octet-stream\"\r", "\r\nOK\r\n");
    http_data(sim, body, n);
    cr_assert_eq(http_action(sim, 1, NULL), status);
    struct http_server_request r;
    http_server_wait_request(sim, srv, 0, &r);
    cr_assert_str_eq(r.method, "POST");
    cr_assert_eq(r.body.len, n);
    cr_assert_eq(memcmp(r.body.p, body, n), 0, "the server read what AT+HTTPDATA took");
    cr_assert_not_null(strstr(sb_str(&r.head), "Content-Type: application/octet-stream\r\n"));
    http_server_request_free(&r);
    free(body);
}

void http_server_wait_request(struct sim_process *sim, struct http_server *srv, unsigned i,
                              struct http_server_request *r)
{
    long long end = test_now_ms() + T;
    while (http_server_count(srv) <= i && test_now_ms() < end)
        simproc_gather_for(sim, GATHER_MS);
    cr_assert(http_server_request(srv, i, r), "the server read %u requests", http_server_count(srv));
}
