/* An image that crashes on purpose, for tests/firmware/test-run-firmware.sh:
 * it says it started, then runs an undefined instruction (UsageFault,
 * escalated to HardFault), so the port's handler must print where. */
#include "sim7600_cortex_m.h"

int main(void)
{
    board_init();
    status_printf("crash: about to fault");
    __builtin_trap();
}
