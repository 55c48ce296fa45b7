"""Runs the third-party client tests (test_*.py here) against sim7600-sim.

    /usr/bin/python3 tests/clients/run.py BIN_DIR [--logs DIR] [--pending] [--slow] [NAME...]

One line per test: pass, FAIL (with what the user would have seen and where
the wire capture was kept) or SKIP (a client is missing: the reason and the
apt-get line). Tests that wait for simulator behaviour not there yet are
listed as pending and run only with --pending, slow ones (tens of seconds)
only with --slow. Exit 1 when a test failed.
"""
import argparse
import glob
import importlib
import os
import shutil
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, HERE)
import clientlib  # noqa: E402  (after the path is set)

NAME_WIDTH = 34
DETAIL_INDENT = "      "


class Context:
    def __init__(self, bin_dir, work_dir):
        self.bin_dir = bin_dir
        self.work_dir = work_dir


def load_tests():
    for path in sorted(glob.glob(os.path.join(HERE, "test_*.py"))):
        importlib.import_module(os.path.splitext(os.path.basename(path))[0])
    return clientlib.REGISTRY


def indent(text):
    return "\n".join(DETAIL_INDENT + line for line in text.rstrip().splitlines())


def keep_logs(work_dir, logs_dir, name):
    """A failed test's files (the wire capture above all) outlive it."""
    kept = os.path.join(logs_dir, name)
    shutil.rmtree(kept, ignore_errors=True)
    shutil.copytree(work_dir, kept, ignore=shutil.ignore_patterns("modem", "modem.ctl"))
    return kept


def run_one(name, fn, bin_dir, logs_dir):
    """'pass', 'fail' or 'skip', after printing the test's line."""
    work_dir = tempfile.mkdtemp(prefix=f"sim7600-client-{name}-")
    started = time.monotonic()
    try:
        fn(Context(bin_dir, work_dir))
        print(f"pass  {name:<{NAME_WIDTH}} {time.monotonic() - started:.2f}s", flush=True)
        return "pass"
    except clientlib.Skip as why:
        print(f"SKIP  {name:<{NAME_WIDTH}} {why}", flush=True)
        return "skip"
    except Exception as what:  # a Failure, or a bug in the test: both fail it
        detail = str(what) if isinstance(what, clientlib.Failure) else traceback.format_exc()
        print(f"FAIL  {name:<{NAME_WIDTH}} {time.monotonic() - started:.2f}s", flush=True)
        print(indent(detail))
        print(f"{DETAIL_INDENT}files (wire capture wire.log): {keep_logs(work_dir, logs_dir, name)}",
              flush=True)
        return "fail"
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


def held_back(name, pending, slow, args):
    """Why a test is not run now, or None: pending and slow tests run when
    asked for by flag or by name."""
    if name in args.names:
        return None
    if pending and not args.pending:
        return f"pending, not run: {pending}"
    if slow and not args.slow:
        return f"slow, not run (--slow): {slow}"
    return None


def main():
    parser = argparse.ArgumentParser(description="third-party clients against sim7600-sim")
    parser.add_argument("bin_dir", help="where sim7600-sim is (build/bin)")
    parser.add_argument("--logs", default=None, help="where a failed test's files go (BIN_DIR/../clients-logs)")
    parser.add_argument("--pending", action="store_true", help="also run the tests that wait for the simulator")
    parser.add_argument("--slow", action="store_true", help="also run the slow tests (a real module's timing)")
    parser.add_argument("names", nargs="*", help="run only these tests")
    args = parser.parse_intermixed_args()
    bin_dir = os.path.abspath(args.bin_dir)
    if not os.access(os.path.join(bin_dir, "sim7600-sim"), os.X_OK):
        print(f"clients: {bin_dir}/sim7600-sim not found: build it first (make BUILD=... all)", file=sys.stderr)
        return 2
    logs_dir = args.logs or os.path.join(os.path.dirname(bin_dir), "clients-logs")
    tests = load_tests()
    unknown = set(args.names) - {test[0] for test in tests}
    if unknown:
        print(f"clients: no test named {', '.join(sorted(unknown))}; the tests are: "
              + " ".join(test[0] for test in tests), file=sys.stderr)
        return 2
    counts = {"pass": 0, "fail": 0, "skip": 0, "pending": 0, "slow": 0}
    started = time.monotonic()
    for name, fn, pending, slow in tests:
        if args.names and name not in args.names:
            continue
        held = held_back(name, pending, slow, args)
        if held:
            print(f"wait  {name:<{NAME_WIDTH}} {held}")
            counts["pending" if pending else "slow"] += 1
            continue
        counts[run_one(name, fn, bin_dir, logs_dir)] += 1
    print(f"clients: {counts['pass']} passed, {counts['fail']} failed, {counts['skip']} skipped, "
          f"{counts['pending']} pending, {counts['slow']} slow not run "
          f"({time.monotonic() - started:.1f}s)")
    return 1 if counts["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
