/* harness/sim_control: a control line that cannot reach the simulator says
 * why, so the soak's and the runner's messages name the cause. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "sim_process.h"

Test(harness_control, a_socket_nobody_serves_is_named_with_the_reason)
{
    struct sim_process p = {.fd = -1};
    char reply[256] = "";
    snprintf(p.control_path, sizeof p.control_path, "/nonexistent-dir/sim.ctl");
    cr_assert_eq(simproc_control(&p, "state", reply, sizeof reply), -1);
    cr_assert_not_null(strstr(reply, "cannot connect to /nonexistent-dir/sim.ctl: "), "%s", reply);
    cr_assert_not_null(strstr(reply, "No such file or directory"), "%s", reply);
}
