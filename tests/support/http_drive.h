/* Test support: the host's side of the module's HTTP(S) client (issue 19),
 * as firmware drives it over a real pty (harness/sim_process.h), and the
 * loopback server's side (tools/hil/run/http_server.h), for the plain and
 * the TLS integration tests alike. Each call asserts with Criterion and waits
 * a bounded time (SIMPROC_DEFAULT_TIMEOUT_MS). The plain expect and
 * send-and-expect are sim_host.h's host_expect and host_send_expect. */
#ifndef TEST_HTTP_DRIVE_H
#define TEST_HTTP_DRIVE_H

#include <stdbool.h>
#include <stddef.h>

#include "http_server.h"
#include "sim_host.h"
#include "sim_process.h"

#define HTTP_DRIVE_PIECE 1024   /* one +HTTPREAD: DATA,<n> carries at most this */
#define HTTP_DRIVE_READ_STEP 2048  /* what http_get_large asks for in one AT+HTTPREAD */

/* A body whose every byte depends on its place: a lost or moved piece shows. */
void http_fill(char *p, size_t n);
/* The default answer (200 at once) with `body`'s n bytes. */
void http_answer_body(struct http_server_answer *a, const char *body, size_t n);
/* body's n bytes made by http_fill, and the default answer with them. */
void http_answer_filled(struct http_server_answer *a, char *body, size_t n);

/* A warm module (echo off) started with the --net-map rule `map`, its HTTP
 * service started. */
void http_start_sim(struct sim_process *sim, const char *map);

/* AT+HTTPPARA="URL",<url>. */
void http_url(struct sim_process *sim, const char *url);
/* AT+HTTPACTION=<method> and its +HTTPACTION line: the status, *datalen
 * (may be NULL) the length. */
int http_action(struct sim_process *sim, int method, size_t *datalen);
/* AT+HTTPDATA=<n>,30 with n bytes after DOWNLOAD. */
void http_data(struct sim_process *sim, const void *body, size_t n);
/* AT+HTTPREAD?, asked again (bounded) until the module holds `want` bytes. */
void http_wait_held(struct sim_process *sim, size_t want);
/* AT+HTTPREAD=<offset>,<len>: its pieces joined into out; how many bytes came. */
size_t http_read_body(struct sim_process *sim, size_t offset, size_t len, char *out);
/* AT+HTTPINIT until a rebooted module has its network again: OK. */
void http_init_once_registered(struct sim_process *sim);
/* AT+HTTPTERM ends the service (a second one is ERROR); AT+HTTPINIT starts
 * it again with nothing to read. */
void http_term_and_init(struct sim_process *sim);
/* The module rebooted (control socket) during a request: it comes back, its
 * HTTP service gone, started again once registered, nothing to read, and no
 * +HTTPACTION for the request the reboot ended. */
void http_reboot_ends_the_session(struct sim_process *sim);

/* With the URL set and the server answering a body of n bytes (`body`,
 * chunked or not): AT+HTTPACTION=0 is 200 with the length (0 when chunked),
 * and the body read back in HTTP_DRIVE_READ_STEP pieces is the server's. */
void http_get_large(struct sim_process *sim, const char *body, size_t n, bool chunked);
/* With the URL set and the server answering `status`: n bytes POSTed as
 * application/octet-stream are answered `status`, and the server read them
 * whole as the first request. */
void http_post_checked(struct sim_process *sim, struct http_server *srv, size_t n, int status);

/* Request i the server read (waited for), into r (freed by the caller). */
void http_server_wait_request(struct sim_process *sim, struct http_server *srv, unsigned i,
                              struct http_server_request *r);

#endif
