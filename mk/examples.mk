# The examples of scenarios/examples/ (issue 15): programs that are not our
# driver, run through scenarios as a user runs their own firmware
# (sim7600-mqtt as an external program; an Arduino-style Python sketch). Part
# of `make test` through test-more, after `tools/bootstrap.sh clients`, which
# installs Debian's python3-serial for the sketch: without it (no root, no
# apt) the sketch's scenarios fail saying what to install, never pass.
# `make e2e` runs them too, each program's broker a private mosquitto.
#   make test-examples        the examples alone

.PHONY: test-examples e2e-examples
test-more::
	@$(MAKE) --no-print-directory test-examples

test-examples: all
	@tools/bootstrap.sh clients || echo "examples: python3-serial is not installed; the Python sketch's scenarios fail saying so"
	@$(BIN)/sim7600-hil run -j $(RUN_JOBS) --keep-logs $(BUILD)/examples-logs scenarios/examples/

e2e-more::
	@$(MAKE) --no-print-directory e2e-examples

e2e-examples: all
	@tools/bootstrap.sh clients || echo "examples: python3-serial is not installed; the Python sketch's scenarios fail saying so"
	@$(BIN)/sim7600-hil run -j $(RUN_JOBS) --broker mosquitto --keep-logs $(BUILD)/e2e-examples-logs scenarios/examples/
