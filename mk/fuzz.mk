# make fuzz: libFuzzer targets (tests/fuzz/README.md). Each is built with clang,
# -fsanitize=fuzzer,address,undefined, into build/fuzz/, and run FUZZ_SECONDS on
# its corpus; the numbers go to build/fuzz.md. Needs clang and libFuzzer, which
# `tools/bootstrap.sh fuzz` installs. The same entry points run without clang
# in tests/unit/test_fuzz_regressions.c, part of `make test`.
#   make fuzz FUZZ_SECONDS=10 FUZZ_TARGETS="sim driver"   a shorter, narrower run

FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= at_cmdline sim at_engine driver scenario log_import control
FUZZ_CC      ?= clang
FUZZ_BUILD    = build/fuzz
FUZZ_OBJ      = $(FUZZ_BUILD)/obj

# fuzzer-no-link: coverage instrumentation everywhere, libFuzzer's main only at
# the link. No recovery: every UBSan finding must stop the run and save the input.
FUZZ_SAN     = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  = -O1 -g -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
               -Wno-missing-field-initializers -MMD -MP $(FUZZ_SAN) -fsanitize=fuzzer-no-link

# What the entry points reach; an archive, so each target links only what it uses.
FUZZ_SRC = $(COMMON_SRC) $(SIM_SRC) $(CORE_SRC) $(HIL_SRC) $(HARNESS_SRC) tests/support/fake_port.c \
           tests/support/fuzz_entries.c
FUZZ_LIB = $(FUZZ_BUILD)/lib/libfuzzcode.a
FUZZ_BINS = $(patsubst %,$(FUZZ_BUILD)/fuzz_%,$(FUZZ_TARGETS))

.PHONY: fuzz fuzz-build
fuzz:
	@tools/bootstrap.sh fuzz
	@$(MAKE) --no-print-directory fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh $(FUZZ_BUILD) build/fuzz.md $(FUZZ_TARGETS)

fuzz-build: $(FUZZ_BINS)

# The driver core keeps its C99 rules here too.
$(FUZZ_OBJ)/driver/src/%.o: driver/src/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) -std=c99 -pedantic $(FUZZ_CFLAGS) -Idriver/include -c $< -o $@

$(FUZZ_OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE $(FUZZ_CFLAGS) $(call part_inc,$<) \
	    $(call pkg_cflags,$(PKGS_HOST)) -c $< -o $@

$(FUZZ_LIB): $(patsubst %.c,$(FUZZ_OBJ)/%.o,$(FUZZ_SRC))
	@mkdir -p $(@D)
	@rm -f $@
	$(AR) rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_OBJ)/tests/fuzz/fuzz_%.o $(FUZZ_LIB)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) $^ $(HOST_LIBS) -o $@

-include $(shell find $(FUZZ_OBJ) -name '*.d' 2>/dev/null)
