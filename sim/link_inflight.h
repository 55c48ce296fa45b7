/* What one client has in flight on the real-broker link (link_mosquitto.c),
 * and the one result that ends it.
 *
 * Owned by the simulator's thread alone. The connections' network threads
 * only queue what they hear (an acknowledgement of packet <mid>, a deadline
 * passed, the connection's end); whether that ends the operation in flight is
 * decided here, when the queue is dispatched, and so is a connection drop.
 * Whatever comes first ends the operation and everything after it finds
 * nothing to end, so an operation ends with exactly one result whatever the
 * order of "the broker answered", "the connection dropped" and "the queue
 * was dispatched" (issue 12: a PUBACK queued before a drop and dispatched
 * after it ended nothing, and the client stayed busy until a reboot).
 *
 * One operation at a time per client: the MQTT model keeps a client busy
 * until its result. Pure: no threads, no libmosquitto. */
#ifndef SIM_LINK_INFLIGHT_H
#define SIM_LINK_INFLIGHT_H

#include <stdbool.h>

/* Packets one operation waits for: a SUB list sends one SUBSCRIBE per topic
 * (the model's lists hold 10, MQTT_LIST_MAX). */
#define INFLIGHT_MIDS_MAX 16
/* MQTT packet identifiers are 1-65535; a DISCONNECT has none: what ends it
 * is the connection's end, heard as this id. */
#define INFLIGHT_NO_MID 0

enum inflight_op {
    INFLIGHT_NONE,
    INFLIGHT_PUBLISH,       /* its PUBACK (QoS 0: the packet sent), or its deadline */
    INFLIGHT_SUBSCRIBE,     /* a SUBACK per topic */
    INFLIGHT_UNSUBSCRIBE,   /* an UNSUBACK per topic */
    INFLIGHT_DISCONNECT,    /* the connection closing */
};

struct inflight {
    enum inflight_op op;
    const void *conn;               /* the connection it went out on (compared, never followed) */
    int mids[INFLIGHT_MIDS_MAX];    /* packets not answered yet */
    int waiting;
    int code;                       /* the result so far: one refused topic fails a SUB list */
};

const char *inflight_op_str(enum inflight_op op);

/* An operation goes out on conn; inflight_expect() then names its packets. */
void inflight_begin(struct inflight *f, enum inflight_op op, const void *conn);
/* @retval 0, or -1 when the operation already waits for INFLIGHT_MIDS_MAX packets */
int inflight_expect(struct inflight *f, int mid);

/* conn heard an answer of kind `op` for packet `mid`, with result `code`.
 * @retval true  it ended the operation in flight: report *result (f is now NONE)
 * @retval false it ends nothing (a late answer, a deadline after the answer,
 *               a connection already dropped, more packets to come): ignore it */
bool inflight_settle(struct inflight *f, enum inflight_op op, const void *conn, int mid, int code, int *result);

/* conn is gone: what it had in flight ends without an answer.
 * @retval the operation that ended (the caller reports its failure), or
 *         INFLIGHT_NONE when nothing was in flight on conn */
enum inflight_op inflight_abandon(struct inflight *f, const void *conn);

#endif
