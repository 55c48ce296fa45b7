/* The port: everything the driver core needs from the outside world.
 *
 * The core (driver/src) includes no OS header. A port is a table of function
 * pointers plus one context pointer; the posix port (driver/port/posix) is one
 * implementation, a microcontroller UART + tick counter is another, the unit
 * tests' scripted fake (tests/support/fake_port.h) a third.
 *
 * Blocking rules: all functions are called from the one task that owns the
 * driver instance (see sim7600.h). None of them may call back into the driver.
 */
#ifndef SIM7600_PORT_H
#define SIM7600_PORT_H

#include <stddef.h>
#include <stdint.h>

struct sim7600_port {
    void *ctx; /* passed to every function below */

    /* Writes all `len` bytes (blocking until they are queued to the UART).
     * @retval len on success, <0 on an I/O error. */
    int (*write)(void *ctx, const uint8_t *buf, size_t len);

    /* Reads up to `cap` bytes, waiting at most `timeout_ms` for the first one.
     * @retval >0 bytes read, 0 nothing within the timeout, <0 I/O error. */
    int (*read)(void *ctx, uint8_t *buf, size_t cap, uint32_t timeout_ms);

    /* A monotonic millisecond counter. It may wrap: the core compares
     * deadlines as (int32_t)(now - deadline) >= 0. */
    uint32_t (*now_ms)(void *ctx);

    /* Optional (NULL allowed). Used only to pace retries when `read` fails
     * with an I/O error, so a broken port does not spin. */
    void (*sleep_ms)(void *ctx, uint32_t ms);

    /* Optional pair (both NULL or both set): taken around every public call,
     * for ports that let several tasks call the API directly. A port that
     * gives the driver one owning task (recommended) leaves them NULL. */
    void (*lock)(void *ctx);
    void (*unlock)(void *ctx);

    /* Optional: power-cycles or resets the module (PWRKEY/RESET pin).
     * Called after `max_timeouts` consecutive command timeouts.
     * @retval 0 done, <0 not possible. */
    int (*reset_module)(void *ctx);
};

#endif
