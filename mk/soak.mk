# The fault soak (issue 7): sim7600-soak publishes a numbered QoS 1 sequence
# through the simulator while faults are injected, and checks that nothing
# was lost. `make soak` runs it with the embedded broker, then with mosquitto.

SOAK_SRC  = $(wildcard tools/soak/*.c)
SOAK_BIN  = $(BIN)/sim7600-soak
# Faults land at random moments and, by a seeded draw, where they hurt most
# (tools/soak/README.md). `make soak SOAK_ARGS="--seed 7"` repeats a run;
# `make soak-seeds` runs SOAK_SEEDS seeds in a row on each broker.
SOAK_ARGS  ?=
SOAK_SEEDS ?= 20

.PHONY: soak soak-seeds
soak: deps all $(SOAK_BIN)
	$(SOAK_BIN) --broker embedded $(SOAK_ARGS)
	$(SOAK_BIN) --broker mosquitto $(SOAK_ARGS)

soak-seeds: deps all $(SOAK_BIN)
	$(SOAK_BIN) --broker embedded --seeds $(SOAK_SEEDS) $(SOAK_ARGS)
	$(SOAK_BIN) --broker mosquitto --seeds $(SOAK_SEEDS) $(SOAK_ARGS)

# The short soak in `make test` runs this program: build it with the tests.
test-build: $(SOAK_BIN)

$(SOAK_BIN): $(call objs,$(SOAK_SRC)) $(HARNESS_LIB) $(PORT_LIB) $(CORE_LIB) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ $(HOST_LIBS) -o $@
