# Third-party clients against the simulator (issue 14): gammu, pyserial, tio,
# picocom and ppp's chat, each run as a user runs it (tests/clients/). Part of
# `make test` through test-more; `make test-clients` runs them alone.
# `tools/bootstrap.sh clients` installs the clients as root; without root (or
# without apt) it prints the apt-get line and the tests of the clients that are
# missing are reported SKIP with the same line, never as passed.
#   make test-clients CLIENTS_ARGS="--pending"        also the tests that wait for the simulator
#   make test-clients CLIENTS_ARGS="--slow"           also the slow ones (a real module's boot)
#   make test-clients CLIENTS_ARGS="gammu-monitor"    one test
# Against the sanitizer build `make check` leaves (a simulator that reports an
# error exits non-zero when stopped, which fails the test):
#   ASAN_OPTIONS=detect_leaks=1 tests/clients/run.sh build/san/bin --logs build/san/clients-logs

CLIENTS_ARGS ?=

.PHONY: test-clients
test-more::
	@$(MAKE) --no-print-directory test-clients

test-clients: all
	@tools/bootstrap.sh clients || echo "clients: missing clients are not installed; their tests are skipped"
	@tests/clients/run.sh $(BIN) --logs $(BUILD)/clients-logs $(CLIENTS_ARGS)
