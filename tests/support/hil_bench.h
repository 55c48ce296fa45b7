/* Test support: a scenario the runner must skip on the bench, run there: a
 * sim7600-sim standing in for a bench module (host_start_bench), the runner
 * given its pty with --target, as a user points it at a real module. */
#ifndef TEST_HIL_BENCH_H
#define TEST_HIL_BENCH_H

/* Runs scenario `text` (saved in the test's directory, test_dir_make) against
 * the bench module and asserts the run passes with it skipped: "skip  NAME"
 * and `why` in the output. */
void hil_assert_skipped_on_bench(const char *text, const char *name, const char *why);

#endif
