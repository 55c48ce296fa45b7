# sim7600-hil: the simulator, the driver, the harness and their tests.
# `make` builds into build/ (binaries in build/bin/, libraries in build/lib/).
# `make test` installs what is missing (tools/bootstrap.sh) and runs every test;
# `make check` runs the same tests built with AddressSanitizer and UBSan.

BUILD   ?= build
CC      ?= cc
SAN     ?=
OPT     ?= -O2
CFLAGS_COMMON = $(OPT) -g -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
                -Wformat=2 -Wcast-qual -Wno-missing-field-initializers -MMD -MP $(SAN)
# A user's CPPFLAGS and CFLAGS (from the environment or the command line) come
# last, so they can add to or override ours; LDFLAGS likewise at the link.
HOST_CFLAGS   = -std=c11 -D_GNU_SOURCE $(CFLAGS_COMMON) $(CPPFLAGS) $(CFLAGS)
# The driver core is C99 with no OS headers: it must build for a microcontroller unchanged.
CORE_CFLAGS   = -std=c99 -pedantic $(CFLAGS_COMMON) $(CPPFLAGS) $(CFLAGS)
override LDFLAGS += $(SAN)   # also when LDFLAGS comes from the command line

PKGS_HOST  = libserialport libmosquitto openssl
PKGS_TEST  = criterion libmosquitto
pkg_cflags = $(shell pkg-config --cflags $(1) 2>/dev/null)
pkg_libs   = $(shell pkg-config --libs $(1) 2>/dev/null)

BIN = $(BUILD)/bin
LIB = $(BUILD)/lib
OBJ = $(BUILD)/obj

# --- parts, and what each may include -----------------------------------------
# A part sees its own headers and those of the parts below it, nothing else;
# a wrong include is a compile error (`make layering` proves each rule).
#
#   common/        host utilities            sees: common
#   sim/           the simulator             sees: sim, common
#   driver/src     the driver core (C99)     sees: driver/include
#   driver/port    the POSIX port            sees: driver/include, the port
#   driver/app     sim7600-mqtt              sees: driver/include, the port, common
#   harness/       starts sim and mosquitto  sees: harness, common
#   tools/X        hil, soak, bench: each    sees: its own folder(s), common, harness, driver/include, the port
#   tests/         the tests                 see: every part
COMMON_INC  = -Icommon
SIM_INC     = -Isim $(COMMON_INC)
CORE_INC    = -Idriver/include
PORT_INC    = $(CORE_INC) -Idriver/port/posix
APP_INC     = $(PORT_INC) $(COMMON_INC)
HARNESS_INC = -Iharness $(COMMON_INC)
HIL_DIRS    = $(sort $(dir $(shell find tools/hil -name '*.c' -o -name '*.h' 2>/dev/null)))
TOOL_BASE   = $(HARNESS_INC) $(PORT_INC)
HIL_INC     = $(patsubst %/,-I%,$(HIL_DIRS)) $(TOOL_BASE)
SOAK_INC    = -Itools/soak $(TOOL_BASE)
BENCH_INC   = -Itools/bench $(TOOL_BASE)
TEST_INC    = -Itests/support $(SIM_INC) $(HIL_INC) -Itools/soak
# The include list of the part a source file belongs to.
part_inc = $(strip \
    $(if $(filter common/%,$(1)),$(COMMON_INC), \
    $(if $(filter sim/%,$(1)),$(SIM_INC), \
    $(if $(filter driver/port/%,$(1)),$(PORT_INC), \
    $(if $(filter driver/app/%,$(1)),$(APP_INC), \
    $(if $(filter harness/%,$(1)),$(HARNESS_INC), \
    $(if $(filter tools/hil/%,$(1)),$(HIL_INC), \
    $(if $(filter tools/soak/%,$(1)),$(SOAK_INC), \
    $(if $(filter tools/bench/%,$(1)),$(BENCH_INC), \
    $(if $(filter tests/%,$(1)),$(TEST_INC), \
    $(error $(1) belongs to no part: add it to part_inc in the Makefile)))))))))))

# --- sources, by part ---------------------------------------------------------
COMMON_SRC   = $(wildcard common/*.c)
SIM_SRC      = $(filter-out sim/main.c,$(wildcard sim/*.c))
CORE_SRC     = $(wildcard driver/src/*.c)
PORT_SRC     = $(wildcard driver/port/posix/*.c)
APP_SRC      = $(wildcard driver/app/*.c)
HARNESS_SRC  = $(wildcard harness/*.c)
HIL_SRC      = $(filter-out tools/hil/main.c,$(shell find tools/hil -name '*.c' 2>/dev/null))
SUPPORT_SRC  = $(wildcard tests/support/*.c)
UNIT_SRC     = $(wildcard tests/unit/test_*.c)
INTEG_SRC    = $(wildcard tests/integration/test_*.c)
BENCH_SRC    = $(wildcard tools/bench/bench_*.c)

objs = $(patsubst %.c,$(OBJ)/%.o,$(1))

COMMON_LIB  = $(LIB)/libcommon.a
SIM_LIB     = $(LIB)/libsimcore.a
CORE_LIB    = $(LIB)/libsim7600.a
PORT_LIB    = $(LIB)/libsim7600-posix.a
HARNESS_LIB = $(LIB)/libharness.a
SUPPORT_LIB = $(LIB)/libtestsupport.a
HIL_LIB     = $(LIB)/libhil.a

PROGRAMS  = $(BIN)/sim7600-sim $(if $(APP_SRC),$(BIN)/sim7600-mqtt) $(if $(HIL_SRC),$(BIN)/sim7600-hil)
UNIT_BINS = $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRC))
INTEG_BINS= $(patsubst tests/integration/%.c,$(BUILD)/tests/integration/%,$(INTEG_SRC))
BENCH_BINS= $(patsubst tools/bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))

HOST_LIBS = $(call pkg_libs,$(PKGS_HOST)) -lutil -lpthread -lm
TEST_LIBS = $(call pkg_libs,$(PKGS_TEST))

.PHONY: all deps test check run e2e bench clean core-freestanding layering help
all: $(PROGRAMS) $(if $(CORE_SRC),$(CORE_LIB))

help:
	@echo "make            build everything into $(BUILD)/"
	@echo "make deps       install missing Debian packages (tools/bootstrap.sh)"
	@echo "make test       install deps, build, run every test"
	@echo "make check      the tests under AddressSanitizer + UndefinedBehaviorSanitizer"
	@echo "make run        the scenario suite against the simulator (scenarios/*.scn)"
	@echo "make e2e        the suite and the examples with a private mosquitto per scenario (real MQTT)"
	@echo "make fidelity   real modules' captures replayed against the model (part of make test)"
	@echo "make test-clients   gammu, pyserial, tio, picocom, chat against the simulator (part of make test)"
	@echo "make test-examples  scenarios/examples/: programs as a scenario's driver (part of make test)"
	@echo "make bench      benchmarks (simulator latency, ...)"
	@echo "make fuzz       libFuzzer targets, FUZZ_SECONDS each (needs clang; the bootstrap installs it)"
	@echo "make soak       10,000 QoS 1 messages under injected faults, embedded broker and mosquitto"
	@echo "make soak-seeds the soak for SOAK_SEEDS seeds in a row (20) on each broker"
	@echo "make core-freestanding  compile the driver core as for a microcontroller"
	@echo "make layering   prove each part sees only the parts below it (part of make test)"

deps:
	@tools/bootstrap.sh

# --- compile rules ------------------------------------------------------------
$(OBJ)/driver/src/%.o: driver/src/%.c
	@mkdir -p $(@D)
	$(CC) $(CORE_CFLAGS) -Idriver/include -c $< -o $@

$(OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) $(call part_inc,$<) \
	    $(call pkg_cflags,$(PKGS_HOST) $(if $(filter tests/%,$<),$(PKGS_TEST))) \
	    -DSIM7600_BIN_DIR='"$(abspath $(BIN))"' -DSIM7600_SOURCE_DIR='"$(CURDIR)"' -c $< -o $@

$(LIB)/%.a:
	@mkdir -p $(@D)
	@rm -f $@
	$(AR) rcs $@ $^

$(COMMON_LIB):  $(call objs,$(COMMON_SRC))
$(SIM_LIB):     $(call objs,$(SIM_SRC))
$(CORE_LIB):    $(call objs,$(CORE_SRC))
$(PORT_LIB):    $(call objs,$(PORT_SRC))
$(HARNESS_LIB): $(call objs,$(HARNESS_SRC))
$(SUPPORT_LIB): $(call objs,$(SUPPORT_SRC))
$(HIL_LIB):     $(call objs,$(HIL_SRC))

# --- programs -----------------------------------------------------------------
$(BIN)/sim7600-sim: $(OBJ)/sim/main.o $(SIM_LIB) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ $(HOST_LIBS) -o $@

$(BIN)/sim7600-mqtt: $(call objs,$(APP_SRC)) $(PORT_LIB) $(CORE_LIB) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ $(HOST_LIBS) -o $@

$(BIN)/sim7600-hil: $(OBJ)/tools/hil/main.o $(HIL_LIB) $(HARNESS_LIB) $(PORT_LIB) $(CORE_LIB) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ $(HOST_LIBS) -o $@

# --- tests --------------------------------------------------------------------
TEST_DEP_LIBS = $(SUPPORT_LIB) $(if $(HIL_SRC),$(HIL_LIB)) $(SIM_LIB) $(HARNESS_LIB) \
                $(if $(PORT_SRC),$(PORT_LIB)) $(if $(CORE_SRC),$(CORE_LIB)) $(COMMON_LIB)

$(BUILD)/tests/%: $(OBJ)/tests/%.o $(TEST_DEP_LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ $(TEST_LIBS) $(HOST_LIBS) -o $@

# The bundled suite: the scenarios of scenarios/ itself. Its subfolders run in
# their own rules (scenarios/examples/: mk/examples.mk, after what they need).
SUITE = $(wildcard scenarios/*.scn)

# Each test binary runs on its own; Criterion isolates each test in a process.
test: deps
	@$(MAKE) --no-print-directory test-build
	@$(MAKE) --no-print-directory layering
	@tools/run-tests.sh $(UNIT_BINS) $(INTEG_BINS)
	@$(BIN)/sim7600-hil run -j $(RUN_JOBS) --keep-logs $(BUILD)/hil-logs $(SUITE)
	@$(MAKE) --no-print-directory test-more

# More parts of `make test`, each added by its fragment in mk/ with its own
# `test-more::` rule (double-colon: every fragment's recipe runs).
test-more::
	@:

test-build: all $(UNIT_BINS) $(INTEG_BINS)
	@$(MAKE) --no-print-directory core-freestanding

# SAN_BUILD: where the sanitizer build goes (one per parallel checker).
SAN_BUILD ?= build/san
check: deps
	@$(MAKE) --no-print-directory BUILD=$(SAN_BUILD) OPT=-O1 \
	    SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" test-build
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    LSAN_OPTIONS=suppressions=$(CURDIR)/tools/lsan.supp:print_suppressions=0 \
	    tools/run-tests.sh $(patsubst $(BUILD)/%,$(SAN_BUILD)/%,$(UNIT_BINS) $(INTEG_BINS))
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    $(SAN_BUILD)/bin/sim7600-hil run -j $(RUN_JOBS) --keep-logs $(SAN_BUILD)/hil-logs $(SUITE)

# The whole scenario suite against the simulator; transcripts in build/hil-logs/.
RUN_JOBS ?= 8
run: deps
	@$(MAKE) --no-print-directory all
	@$(BIN)/sim7600-hil run -j $(RUN_JOBS) --keep-logs $(BUILD)/hil-logs --junit $(BUILD)/hil-junit.xml $(SUITE)

# The suite end to end: each scenario's simulator speaks real MQTT to a private
# mosquitto on loopback, and the broker checks are made on that broker.
e2e: deps
	@$(MAKE) --no-print-directory all
	@$(BIN)/sim7600-hil run -j $(RUN_JOBS) --broker mosquitto --keep-logs $(BUILD)/e2e-logs $(SUITE)
	@$(MAKE) --no-print-directory e2e-more

# More of `make e2e`, added by fragments in mk/ as test-more is.
e2e-more::
	@:

bench: deps all $(BENCH_BINS)
	@tools/bench.sh $(BUILD)

$(BUILD)/bench/%: $(OBJ)/tools/bench/%.o $(TEST_DEP_LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ $(HOST_LIBS) -o $@

# Proof that each part sees only the parts below it (tools/check-layering.sh).
layering:
	@CC="$(CC)" PKG_CFLAGS="$(call pkg_cflags,$(PKGS_HOST))" COMMON_INC="$(COMMON_INC)" \
	    SIM_INC="$(SIM_INC)" CORE_INC="$(CORE_INC)" PORT_INC="$(PORT_INC)" APP_INC="$(APP_INC)" \
	    HARNESS_INC="$(HARNESS_INC)" HIL_INC="$(HIL_INC)" SOAK_INC="$(SOAK_INC)" BENCH_INC="$(BENCH_INC)" \
	    tools/check-layering.sh

# Proof that the core needs nothing but a C99 freestanding-friendly compiler.
core-freestanding:
	@CC="$(CC)" tools/check-core-portable.sh $(BUILD)

clean:
	rm -rf build

# Larger jobs (fuzzing, the fault soak) keep their rules in a fragment each.
include $(wildcard mk/*.mk)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# Keep objects that only a pattern rule needed (benchmarks), so make does not rebuild them.
.SECONDARY:
