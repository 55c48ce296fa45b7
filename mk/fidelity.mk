# The fidelity suite (issue 14): public captures of real SIM7600 modules
# (tests/fidelity/*.log) replayed against the simulator's core. `make fidelity`
# prints the share of exchanges the model reproduces and every difference with
# its explanation; it fails below FIDELITY_MIN percent or on a difference no
# finding explains (tests/fidelity/README.md). Part of `make test`.

FIDELITY_SRC  = $(wildcard tests/fidelity/*.c)
FIDELITY_BIN  = $(BIN)/sim7600-fidelity
FIDELITY_LOGS = $(sort $(wildcard tests/fidelity/*.log))
FIDELITY_MIN ?= 95

.PHONY: fidelity
fidelity: $(FIDELITY_BIN)
	@$(FIDELITY_BIN) --min-share $(FIDELITY_MIN) $(FIDELITY_LOGS)

# The measure's unit test runs this program: build it with the tests.
test-build: $(FIDELITY_BIN)

$(FIDELITY_BIN): $(call objs,$(FIDELITY_SRC)) $(HIL_LIB) $(SUPPORT_LIB) $(SIM_LIB) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ $(HOST_LIBS) -o $@

test-more::
	@$(MAKE) --no-print-directory fidelity
