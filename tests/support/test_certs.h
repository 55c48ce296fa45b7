/* Test support: the TLS tests' certificates (issue 17), made once per build
 * directory by tests/support/make-test-certs.sh (its header lists the files:
 * ca.pem, server.pem, client.pem, client-key-enc.pem, wrong-ca.pem,
 * expired.pem, the .der copies ...), in $(BUILD)/test-certs. */
#ifndef TEST_CERTS_H
#define TEST_CERTS_H

#include <stddef.h>
#include <stdint.h>

#define TEST_CERTS_PASSWORD "testpass"   /* client-key-enc.pem's password */

/* The directory, the set made if it is not there yet (a failed make fails the test). */
const char *test_certs_dir(void);
/* NAME's path in it (one of 8 rotating buffers). */
const char *test_cert_path(const char *name);
/* NAME's bytes (malloc'd, NUL-terminated after *len bytes; the caller frees). */
uint8_t *test_cert_read(const char *name, size_t *len);
/* test_cert_read with each LF made CR LF, as a Windows host would upload it. */
uint8_t *test_cert_read_crlf(const char *name, size_t *len);

#endif
