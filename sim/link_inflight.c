#include "link_inflight.h"

#include "codes.h"

#include <string.h>

const char *inflight_op_str(enum inflight_op op)
{
    static const char *const names[] = {
        [INFLIGHT_NONE] = "none", [INFLIGHT_PUBLISH] = "publish", [INFLIGHT_SUBSCRIBE] = "subscribe",
        [INFLIGHT_UNSUBSCRIBE] = "unsubscribe", [INFLIGHT_DISCONNECT] = "disconnect",
    };
    return (unsigned)op < sizeof names / sizeof names[0] ? names[op] : "?";
}

static void end(struct inflight *f)
{
    memset(f, 0, sizeof *f);
}

void inflight_begin(struct inflight *f, enum inflight_op op, const void *conn)
{
    end(f);
    f->op = op;
    f->conn = conn;
    f->code = MQTT_OK;
}

int inflight_expect(struct inflight *f, int mid)
{
    if (f->waiting == INFLIGHT_MIDS_MAX)
        return -1;
    f->mids[f->waiting++] = mid;
    return 0;
}

/* Removes mid from the packets still awaited; false if it was not one. */
static bool take_mid(struct inflight *f, int mid)
{
    for (int i = 0; i < f->waiting; i++) {
        if (f->mids[i] == mid) {
            f->mids[i] = f->mids[--f->waiting];
            return true;
        }
    }
    return false;
}

bool inflight_settle(struct inflight *f, enum inflight_op op, const void *conn, int mid, int code, int *result)
{
    if (op == INFLIGHT_NONE || f->op != op || f->conn != conn || !take_mid(f, mid))
        return false;
    if (code != MQTT_OK)
        f->code = code;
    if (f->waiting > 0)
        return false;
    *result = f->code;
    end(f);
    return true;
}

enum inflight_op inflight_abandon(struct inflight *f, const void *conn)
{
    enum inflight_op op = f->op;
    if (op == INFLIGHT_NONE || f->conn != conn)
        return INFLIGHT_NONE;
    end(f);
    return op;
}
