/* A real MQTT broker as the simulator's link (sim7600-sim --broker tcp),
 * through libmosquitto. Each connection has its own thread for what blocks
 * (name lookup, TCP connect, the MQTT loop); what it hears is queued and
 * handed to the simulator on its own thread by link_mosquitto_dispatch(), so
 * a slow broker delays a result line, never the module's other answers.
 * The connection threads only report; what each client has in flight, and
 * the one result that ends it, is kept on the simulator's thread
 * (link_inflight.h), so a drop and an answer never both end it or both miss it. */
#ifndef SIM_LINK_MOSQUITTO_H
#define SIM_LINK_MOSQUITTO_H

#include <stddef.h>
#include <stdint.h>

#include "sim.h"

struct link_mosquitto;

/* host NULL: connect where AT+CMQTTCONNECT says; otherwise always to host:port. */
struct link_mosquitto *link_mosquitto_create(const char *host, int port, uint32_t connack_timeout_ms,
                                             char *err, size_t errlen);
void link_mosquitto_destroy(struct link_mosquitto *lm);
/* Readable when results wait; then call link_mosquitto_dispatch(). */
int link_mosquitto_fd(const struct link_mosquitto *lm);
void link_mosquitto_dispatch(struct link_mosquitto *lm, struct sim *s, uint64_t now_us);
/* Connections whose thread is not joined yet. 0 after a dispatch: nothing
 * more can be heard until the next connect (a test waits for it). */
int link_mosquitto_live_threads(const struct link_mosquitto *lm);

extern const struct sim_link_ops link_mosquitto_ops;

#endif
