/* The real-broker link's ledger of what each client has in flight
 * (sim/link_inflight.h): every order of answer, deadline and connection loss
 * ends an operation exactly once. The orders a network thread makes possible
 * but a test cannot force through a socket (an answer read before a drop and
 * queued after it, a deadline racing its PUBACK) are forced here. */
#include <criterion/criterion.h>

#include "codes.h"
#include "link_inflight.h"

static const int conn_a = 1, conn_b = 2;   /* two connections, by address only */
#define A ((const void *)&conn_a)
#define B ((const void *)&conn_b)

static struct inflight f;

static void publishing(const void *conn, int mid)
{
    inflight_begin(&f, INFLIGHT_PUBLISH, conn);
    cr_assert_eq(inflight_expect(&f, mid), 0);
}

/* Settles and says whether it ended the operation; *result only then. */
static bool settle(enum inflight_op op, const void *conn, int mid, int code, int *result)
{
    *result = -1;
    return inflight_settle(&f, op, conn, mid, code, result);
}

Test(inflight, a_puback_ends_the_publish_once)
{
    int r;
    publishing(A, 7);
    cr_assert(settle(INFLIGHT_PUBLISH, A, 7, MQTT_OK, &r));
    cr_assert_eq(r, MQTT_OK);
    cr_assert_eq(f.op, INFLIGHT_NONE);
    cr_assert_not(settle(INFLIGHT_PUBLISH, A, 7, MQTT_OK, &r), "a second PUBACK ended it again");
}

Test(inflight, an_answer_dispatched_before_the_drop_leaves_the_drop_nothing_to_end)
{
    int r;
    publishing(A, 7);
    cr_assert(settle(INFLIGHT_PUBLISH, A, 7, MQTT_OK, &r));
    cr_assert_eq(inflight_abandon(&f, A), INFLIGHT_NONE);
}

Test(inflight, a_drop_before_the_answer_ends_it_and_the_late_answer_ends_nothing)
{
    int r;
    publishing(A, 7);
    cr_assert_eq(inflight_abandon(&f, A), INFLIGHT_PUBLISH);
    cr_assert_not(settle(INFLIGHT_PUBLISH, A, 7, MQTT_OK, &r));
    cr_assert_eq(inflight_abandon(&f, A), INFLIGHT_NONE, "dropped twice");
}

Test(inflight, the_first_of_a_puback_and_its_deadline_ends_the_publish)
{
    int r;
    publishing(A, 7);
    cr_assert(settle(INFLIGHT_PUBLISH, A, 7, MQTT_TIMEOUT, &r));
    cr_assert_eq(r, MQTT_TIMEOUT);
    cr_assert_not(settle(INFLIGHT_PUBLISH, A, 7, MQTT_OK, &r));

    publishing(A, 8);
    cr_assert(settle(INFLIGHT_PUBLISH, A, 8, MQTT_OK, &r));
    cr_assert_eq(r, MQTT_OK);
    cr_assert_not(settle(INFLIGHT_PUBLISH, A, 8, MQTT_TIMEOUT, &r));
}

Test(inflight, a_late_answer_to_an_earlier_publish_does_not_end_the_next_one)
{
    int r;
    publishing(A, 7);
    cr_assert(settle(INFLIGHT_PUBLISH, A, 7, MQTT_OK, &r));
    publishing(A, 8);
    cr_assert_not(settle(INFLIGHT_PUBLISH, A, 7, MQTT_TIMEOUT, &r), "publish 7's deadline ended publish 8");
    cr_assert(settle(INFLIGHT_PUBLISH, A, 8, MQTT_OK, &r));
}

Test(inflight, an_answer_from_another_connection_ends_nothing)
{
    int r;
    publishing(B, 7);
    cr_assert_not(settle(INFLIGHT_PUBLISH, A, 7, MQTT_OK, &r));
    cr_assert_eq(inflight_abandon(&f, A), INFLIGHT_NONE, "dropping A ended B's publish");
    cr_assert_eq(f.op, INFLIGHT_PUBLISH);
}

Test(inflight, an_answer_of_another_kind_ends_nothing)
{
    int r;
    publishing(A, 7);
    cr_assert_not(settle(INFLIGHT_SUBSCRIBE, A, 7, MQTT_OK, &r));
    cr_assert_not(settle(INFLIGHT_NONE, A, 7, MQTT_OK, &r));
    cr_assert_eq(f.op, INFLIGHT_PUBLISH);
}

Test(inflight, a_subscribe_list_ends_with_its_last_suback_and_keeps_a_refusal)
{
    int r;
    inflight_begin(&f, INFLIGHT_SUBSCRIBE, A);
    for (int mid = 3; mid <= 5; mid++)
        cr_assert_eq(inflight_expect(&f, mid), 0);
    cr_assert_not(settle(INFLIGHT_SUBSCRIBE, A, 5, MQTT_OK, &r));
    cr_assert_not(settle(INFLIGHT_SUBSCRIBE, A, 3, MQTT_FAILED, &r));
    cr_assert_not(settle(INFLIGHT_SUBSCRIBE, A, 3, MQTT_OK, &r), "a repeated SUBACK counted twice");
    cr_assert(settle(INFLIGHT_SUBSCRIBE, A, 4, MQTT_OK, &r));
    cr_assert_eq(r, MQTT_FAILED, "the refused topic was forgotten");
}

Test(inflight, a_drop_mid_list_ends_the_subscribe_once)
{
    int r;
    inflight_begin(&f, INFLIGHT_SUBSCRIBE, A);
    inflight_expect(&f, 3);
    inflight_expect(&f, 4);
    cr_assert_not(settle(INFLIGHT_SUBSCRIBE, A, 3, MQTT_OK, &r));
    cr_assert_eq(inflight_abandon(&f, A), INFLIGHT_SUBSCRIBE);
    cr_assert_not(settle(INFLIGHT_SUBSCRIBE, A, 4, MQTT_OK, &r));
}

Test(inflight, a_disconnect_ends_with_the_connection)
{
    int r;
    inflight_begin(&f, INFLIGHT_DISCONNECT, A);
    inflight_expect(&f, INFLIGHT_NO_MID);
    cr_assert(settle(INFLIGHT_DISCONNECT, A, INFLIGHT_NO_MID, MQTT_OK, &r));
    cr_assert_eq(r, MQTT_OK);
}

Test(inflight, an_operation_waits_for_at_most_so_many_packets)
{
    inflight_begin(&f, INFLIGHT_UNSUBSCRIBE, A);
    for (int i = 0; i < INFLIGHT_MIDS_MAX; i++)
        cr_assert_eq(inflight_expect(&f, i + 1), 0);
    cr_assert_eq(inflight_expect(&f, 99), -1);
}

Test(inflight, every_operation_has_a_name)
{
    cr_assert_str_eq(inflight_op_str(INFLIGHT_PUBLISH), "publish");
    cr_assert_str_eq(inflight_op_str(INFLIGHT_DISCONNECT), "disconnect");
    cr_assert_str_eq(inflight_op_str((enum inflight_op)99), "?");
}
