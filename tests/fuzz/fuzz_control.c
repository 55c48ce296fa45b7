/* libFuzzer main for the control target; the work is in tests/support/fuzz_entries.c,
 * shared with the regression test. Built by `make fuzz` (mk/fuzz.mk). */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_entries.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_control(data, size);
}
