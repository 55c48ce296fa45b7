# Firmware in the loop (issue 18): the driver core, unchanged, with the
# bare-metal Cortex-M4 port (driver/port/cortex_m/) and the demo app
# (firmware/), built with Debian's gcc-arm-none-eabi for the MPS2 AN386 board
# that qemu-system-arm emulates; tools/run-firmware.sh runs the image with its
# UART0 on the simulator's pty. Part of `make test` through test-more, after
# `tools/bootstrap.sh firmware` (qemu-system-arm, gcc-arm-none-eabi,
# libnewlib-arm-none-eabi): without them the firmware scenarios are skipped,
# saying what is missing.
#   make firmware         $(BUILD)/firmware/sim7600-demo.elf (and its .map)
#   make firmware-demo    the image publishing through the simulator into mosquitto
#   make test-firmware    scenarios/firmware/ against the emulated image (e2e-firmware: with mosquitto)

FW_CC    ?= arm-none-eabi-gcc
FW_DIR    = $(BUILD)/firmware
FW_OBJ    = $(FW_DIR)/obj
FW_ELF    = $(FW_DIR)/sim7600-demo.elf
FW_LD     = driver/port/cortex_m/mps2_an386.ld
FW_ARCH   = -mcpu=cortex-m4 -mthumb -mfloat-abi=soft
# The core's own flags (C99, pedantic), for the board: size-optimized, each
# function in its section so the link keeps only what is called.
FW_CFLAGS = -std=c99 -pedantic -Os -g $(FW_ARCH) -ffunction-sections -fdata-sections \
            -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
            -Wcast-qual -Wno-missing-field-initializers -Werror -MMD -MP
FW_PORT_SRC = $(wildcard driver/port/cortex_m/*.c)
FW_APP_SRC  = $(wildcard firmware/*.c)
FW_SRC      = $(CORE_SRC) $(FW_PORT_SRC) $(FW_APP_SRC)
FW_OBJS     = $(patsubst %.c,$(FW_OBJ)/%.o,$(FW_SRC))
# Each part sees what it may, as on the host: the core only its own headers.
fw_inc = $(if $(filter driver/src/%,$(1)),-Idriver/include, \
         -Idriver/include -Idriver/port/cortex_m $(if $(filter firmware/%,$(1)),-Ifirmware))

FW_TEST_JOBS ?= 4

.PHONY: firmware firmware-demo test-firmware
firmware: $(FW_ELF)

# Said once, before any compile, instead of "command not found" per file.
.PHONY: fw-toolchain
fw-toolchain:
	@command -v $(FW_CC) >/dev/null 2>&1 && case "$$($(FW_CC) -print-file-name=libc_nano.a)" in /*) ;; *) false ;; esac || \
	{ echo "firmware: $(FW_CC) with newlib-nano is needed: run tools/bootstrap.sh firmware as root, or apt-get install --no-install-recommends gcc-arm-none-eabi libnewlib-arm-none-eabi" >&2; exit 1; }

$(FW_OBJ)/%.o: %.c | fw-toolchain
	@mkdir -p $(@D)
	$(FW_CC) $(FW_CFLAGS) $(call fw_inc,$<) -c $< -o $@

# newlib-nano gives memcpy, strlen and the like; no system call is linked.
fw_link = $(FW_CC) $(FW_ARCH) -nostartfiles --specs=nano.specs -T $(FW_LD) -Wl,--gc-sections \
          -Wl,-Map=$(basename $@).map $(1) -lc -lgcc -o $@

$(FW_ELF): $(FW_OBJS) $(FW_LD)
	@mkdir -p $(@D)
	$(call fw_link,$(FW_OBJS))
	@arm-none-eabi-size $@

# Test images of the port alone (tests/firmware/NAME.c -> NAME-test.elf):
# crash (the HardFault report, end to end), ring (the receive ring under backpressure).
FW_TEST_ELFS = $(FW_DIR)/crash-test.elf $(FW_DIR)/ring-test.elf
$(FW_DIR)/%-test.elf: $(patsubst %.c,$(FW_OBJ)/%.o,$(FW_PORT_SRC)) $(FW_OBJ)/tests/firmware/%.o $(FW_LD)
	$(call fw_link,$(filter %.o,$^))

-include $(shell find $(FW_OBJ) -name '*.d' 2>/dev/null)

# The scenarios need QEMU and the ARM compiler: the bootstrap installs them
# as root; where it cannot, they are skipped with its reason, never passed.
# $(1): more options of sim7600-hil run, $(2): the logs' folder.
fw_scenarios = if tools/bootstrap.sh firmware; then \
	    $(MAKE) --no-print-directory firmware $(FW_TEST_ELFS) >/dev/null && \
	    tests/firmware/test-run-firmware.sh $(BUILD) && \
	    $(BIN)/sim7600-hil run -j $(FW_TEST_JOBS) $(1) --keep-logs $(2) scenarios/firmware/; \
	else \
	    echo "firmware: SKIP scenarios/firmware/: qemu-system-arm, gcc-arm-none-eabi or libnewlib-arm-none-eabi is missing (the bootstrap's line above says what to install)"; \
	fi

.PHONY: e2e-firmware
test-more::
	@$(MAKE) --no-print-directory test-firmware

test-firmware: all
	@$(call fw_scenarios,,$(BUILD)/firmware-logs)

# With a private mosquitto per scenario: those that deliver a command on a
# trigger need the embedded broker and are reported skipped, saying so.
e2e-more::
	@$(MAKE) --no-print-directory e2e-firmware

e2e-firmware: all
	@$(call fw_scenarios,--broker mosquitto,$(BUILD)/e2e-firmware-logs)

# `make bench` reports the image's flash and RAM (tools/bench/fw_size.sh)
# beside the core-only row: the image is built first when the compiler is there.
bench: firmware-for-bench
.PHONY: firmware-for-bench
firmware-for-bench:
	@if command -v $(FW_CC) >/dev/null 2>&1; then $(MAKE) --no-print-directory firmware >/dev/null; \
	else echo "bench: $(FW_CC) is not installed: the firmware image is not measured (tools/bootstrap.sh firmware)"; fi

# One command to watch it: the image publishing through the simulator into mosquitto.
FW_DEMO_SECONDS ?= 12
firmware-demo: all
	@tools/bootstrap.sh firmware
	@$(MAKE) --no-print-directory firmware >/dev/null
	@tools/firmware-demo.sh $(BIN) $(FW_ELF) $(FW_DEMO_SECONDS)
