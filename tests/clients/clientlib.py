"""What the client tests share: a simulator of their own, programs run with a
bound (plain or under a pseudo-terminal), and the test outcomes.

Every wait polls a condition until a deadline; nothing sleeps to synchronise.
Every process started here runs in its own session and its whole group is
killed when the test ends, passed or not.
"""
import fcntl
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import termios
import time

POLL_S = 0.02             # how often a wait looks at its condition again
START_LIMIT_S = 10        # the simulator makes its link and control socket
STOP_LIMIT_S = 5          # a program asked to end (SIGTERM, its quit key) has ended
CONTROL_LIMIT_S = 5       # one control-socket reply
CLIENT_LIMIT_S = 20       # one client program's whole exchange
AT_POLL_S = 0.25          # a booted module answers AT within this; a booting one drops it
TERM_ROWS, TERM_COLS = 24, 80
APT_LINE = "apt-get update && apt-get install -y --no-install-recommends"
REGISTERED = re.compile(r"\+CREG: [0-2],[15](,.*)?")
ANSI_ESCAPE = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


REGISTRY = []


def client_test(name, pending=None, slow=None):
    """Register a test: fn(ctx) with ctx.bin_dir and ctx.work_dir (private,
    removed after). pending says which simulator behaviour it waits for, slow
    why it takes long: such a test runs only when asked (run.sh --pending,
    --slow, or by name), never in make test."""
    def register(fn):
        REGISTRY.append((name, fn, pending, slow))
        return fn
    return register


class Failure(Exception):
    """The test saw something a user would call wrong: what, and what was expected."""


class Skip(Exception):
    """The test cannot run here (a client is missing): why, and how to install it."""


def need_program(path_or_name, package):
    """The program's path, or Skip naming the Debian package that brings it."""
    absolute = os.path.isabs(path_or_name)
    found = (path_or_name if os.access(path_or_name, os.X_OK) else None) if absolute \
        else shutil.which(path_or_name)
    if not found:
        raise Skip(f"{path_or_name} is not installed; as root: {APT_LINE} {package} "
                   f"(or tools/bootstrap.sh clients)")
    return found


def need_debian_pyserial(python):
    """Debian's python3-serial is seen by Debian's own python3 only."""
    need_program(python, "python3")
    probe = subprocess.run([python, "-c", "import serial"], capture_output=True, timeout=CLIENT_LIMIT_S)
    if probe.returncode != 0:
        raise Skip(f"{python} cannot import serial (pyserial); as root: {APT_LINE} python3-serial "
                   f"(or tools/bootstrap.sh clients)")


def wait_until(what, condition, limit_s):
    """Poll condition() until it is true; Failure naming what did not happen."""
    deadline = time.monotonic() + limit_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise Failure(f"{what}: not within {limit_s} s")
        time.sleep(POLL_S)


def kill_group(proc):
    """End a process started with start_new_session, and everything it started."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(STOP_LIMIT_S)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


def run_bounded(argv, limit_s=CLIENT_LIMIT_S, stdin=None, stdout=None):
    """Run a program to its end within limit_s: (exit status, what it printed).
    With stdout given (a port, for chat), what it printed is its stderr."""
    proc = subprocess.Popen(argv, stdin=stdin, stdout=stdout or subprocess.PIPE,
                            stderr=subprocess.PIPE if stdout else subprocess.STDOUT,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=limit_s)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        out, err = proc.communicate()     # what it printed before the limit, too
        printed = (err if stdout else out).decode(errors="replace")
        raise Failure(f"{' '.join(argv)} did not finish within {limit_s} s; it printed:\n{printed}") from None
    finally:
        kill_group(proc)
    return proc.returncode, (err if stdout else out).decode(errors="replace")


def expect_lines(output, patterns, who):
    """Each pattern (a regex) must match a whole line of output."""
    lines = output.splitlines()
    for pattern in patterns:
        if not any(re.fullmatch(pattern, line.rstrip()) for line in lines):
            raise Failure(f"{who}: no line matches /{pattern}/; it printed:\n{output}")


class Sim:
    """One sim7600-sim on its own pty, with --link, --control and --log in a
    private directory. A context manager: it is stopped however the test ends."""

    def __init__(self, bin_dir, work_dir, *extra_args):
        self.work_dir = work_dir
        self.link = os.path.join(work_dir, "modem")
        self.control_path = os.path.join(work_dir, "modem.ctl")
        self.log = os.path.join(work_dir, "wire.log")
        self.stderr_path = os.path.join(work_dir, "sim.out")
        argv = [os.path.join(bin_dir, "sim7600-sim"), "--link", self.link,
                "--control", self.control_path, "--log", self.log, *extra_args]
        with open(self.stderr_path, "wb") as out:
            self.proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        self._watchers = []

    def __enter__(self):
        try:
            wait_until("the simulator's link and control socket appear",
                       self._ready, START_LIMIT_S)
        except Failure:
            self.stop()
            raise
        return self

    def __exit__(self, exc_type, *exc):
        self.stop()
        # asked to stop, it exits 0; anything else (a sanitizer's report, a
        # crash) fails a test that had passed so far
        if exc_type is None and self.proc.returncode != 0:
            raise Failure(f"sim7600-sim exited {self.proc.returncode} when stopped:\n{self.output()}")
        return False

    def _ready(self):
        if self.proc.poll() is not None:
            raise Failure(f"sim7600-sim exited ({self.proc.returncode}) at start:\n{self.output()}")
        return os.path.exists(self.link) and os.path.exists(self.control_path)

    def wait_ready(self):
        """Wait, as a user whose module has been on a while, until it answers
        AT, has read its SIM and is registered. The first open of the port
        powers a cold module on; it is deaf until its UART is up."""
        with ModemPort(self.link) as port:
            port.wait_ready()
            wait_until("AT+CPIN? answers READY (the SIM is read)",
                       lambda: port.try_answer("AT+CPIN?") == "+CPIN: READY", CLIENT_LIMIT_S)
            wait_until("AT+CREG? answers registered (stat 1 or 5)",
                       lambda: REGISTERED.fullmatch(port.try_answer("AT+CREG?")), CLIENT_LIMIT_S)

    def stop(self):
        for w in self._watchers:
            w.close()
        self._watchers = []
        kill_group(self.proc)

    def output(self):
        with open(self.stderr_path, errors="replace") as f:
            return f.read()

    def wire(self):
        """The capture so far (both directions), for a failure's report."""
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return "(no capture)"

    def _connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(CONTROL_LIMIT_S)
        s.connect(self.control_path)
        return s

    def control(self, command):
        """Send one control command; its one reply line, which must start with OK."""
        with self._connect() as s:
            s.sendall(command.encode() + b"\n")
            reply = _read_line(s, f"control reply to '{command}'")
        if not reply.startswith("OK"):
            raise Failure(f"control '{command}' answered: {reply}")
        return reply

    def watch(self):
        """A connection that receives one MSG line per message the broker gets."""
        s = self._connect()
        self._watchers.append(s)
        s.sendall(b"watch\n")
        reply = _read_line(s, "control reply to 'watch'")
        if not reply.startswith("OK"):
            raise Failure(f"control 'watch' answered: {reply}")
        return s


def _read_line(sock, what):
    data = b""
    try:
        while not data.endswith(b"\n"):
            chunk = sock.recv(4096)
            if not chunk:
                raise Failure(f"{what}: the simulator closed the control connection")
            data += chunk
    except socket.timeout:
        raise Failure(f"{what}: nothing within {CONTROL_LIMIT_S} s (got {data!r})") from None
    return data.decode(errors="replace").rstrip("\r\n")


def read_watch_line(sock, limit_s):
    """The next MSG line from a watch connection, or Failure after limit_s."""
    sock.settimeout(limit_s)
    return _read_line(sock, "a MSG line on the watch connection")


class PtyProgram:
    """A terminal program (tio, picocom) run as a user runs it: on a pseudo-
    terminal of its own, as its controlling terminal. What it shows is kept
    (ANSI escapes removed) so tests can wait for whole lines."""

    def __init__(self, argv):
        self.argv = argv
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", TERM_ROWS, TERM_COLS, 0, 0))
        env = dict(os.environ, TERM="xterm")
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave,
                                     start_new_session=True, preexec_fn=_take_terminal, env=env)
        os.close(slave)
        self.master = master
        self.screen = b""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        kill_group(self.proc)
        os.close(self.master)
        return False

    def _pump(self, wait_s):
        ready, _, _ = select.select([self.master], [], [], wait_s)
        if ready:
            try:
                self.screen += os.read(self.master, 4096)
            except OSError:   # the program closed its terminal (it ended)
                return False
        return True

    def text(self):
        return ANSI_ESCAPE.sub(b"", self.screen).decode(errors="replace").replace("\r", "")

    def expect_line(self, pattern, limit_s=CLIENT_LIMIT_S, after=0):
        """Wait until a whole line (after character offset `after` of text())
        matches pattern; return the offset past it."""
        return self._expect(pattern, True, limit_s, after)

    def expect_prompt(self, limit_s=CLIENT_LIMIT_S, after=0):
        """Wait for the module's data prompt: '>' at the start of a line, which
        no line end follows (the module waits for the data)."""
        return self._expect(r"^>", False, limit_s, after)

    def _expect(self, pattern, whole_line, limit_s, after):
        regex = re.compile(pattern, re.M)
        deadline = time.monotonic() + limit_s
        open_ = True
        while True:
            text = self.text()
            found = regex.search(text, after)
            if found and (not whole_line or text.find("\n", found.end()) >= 0):
                return found.end()
            if not open_ or time.monotonic() >= deadline:
                why = "it ended" if not open_ else f"not within {limit_s} s"
                raise Failure(f"{self.argv[0]}: nothing matched /{pattern}/ ({why}); "
                              f"the terminal showed:\n{text}")
            open_ = self._pump(POLL_S)

    def type(self, keys):
        os.write(self.master, keys)

    def expect_exit(self, limit_s=STOP_LIMIT_S):
        """The program ends by itself (after its quit key) within limit_s: its status."""
        deadline = time.monotonic() + limit_s
        while self.proc.poll() is None:
            if time.monotonic() >= deadline:
                raise Failure(f"{self.argv[0]} did not quit within {limit_s} s; "
                              f"the terminal showed:\n{self.text()}")
            self._pump(POLL_S)
        while select.select([self.master], [], [], 0)[0] and self._pump(0):
            pass   # what it printed on its way out
        return self.proc.returncode


def _take_terminal():
    """In the child, after setsid: its pty becomes its controlling terminal."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


FINAL_LINES = ("OK", "ERROR")


class ModemPort:
    """The test's own look at the module, a line at a time, to learn what the
    simulator reports (and so what a client should show). Raw mode, CR only."""

    def __init__(self, link):
        self.fd = os.open(link, os.O_RDWR | os.O_NOCTTY)
        attrs = termios.tcgetattr(self.fd)
        attrs[0] = attrs[1] = attrs[3] = 0          # no input, output or local processing
        attrs[2] |= termios.CS8 | termios.CREAD | termios.CLOCAL
        termios.tcsetattr(self.fd, termios.TCSANOW, attrs)
        self.pending = b""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        os.close(self.fd)
        return False

    def _line(self, deadline):
        while b"\n" not in self.pending:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                return None
            self.pending += os.read(self.fd, 4096)
        line, self.pending = self.pending.split(b"\n", 1)
        return line.decode(errors="replace").strip("\r")

    def ask(self, command, limit_s=CONTROL_LIMIT_S):
        """Send command; the lines up to its final OK or ERROR (the echo,
        empty lines and the final line left out). Failure on ERROR or silence."""
        os.write(self.fd, command.encode() + b"\r")
        deadline = time.monotonic() + limit_s
        lines = []
        while True:
            line = self._line(deadline)
            if line is None:
                raise Failure(f"{command}: no final OK/ERROR within {limit_s} s (got {lines})")
            if line in FINAL_LINES or line.startswith("+CME ERROR"):
                break
            if line and line != command:
                lines.append(line)
        if line != "OK":
            raise Failure(f"{command} answered {line} (after {lines})")
        return lines

    def wait_ready(self, limit_s=CLIENT_LIMIT_S):
        """Poll AT until the module answers OK (it may still be booting)."""
        deadline = time.monotonic() + limit_s
        while True:
            try:
                return self.ask("AT", limit_s=AT_POLL_S)
            except Failure:
                if time.monotonic() >= deadline:
                    raise Failure(f"the module did not answer AT with OK within {limit_s} s") from None

    def try_answer(self, command):
        """The last information line of command's answer, "" on ERROR or silence."""
        try:
            lines = self.ask(command, limit_s=AT_POLL_S)
        except Failure:
            return ""
        return lines[-1] if lines else ""

    def answer(self, command, prefix=""):
        """The last information line of command's answer, without prefix."""
        lines = self.ask(command)
        if not lines or not lines[-1].startswith(prefix):
            raise Failure(f"{command}: expected a line starting '{prefix}', got {lines}")
        return lines[-1][len(prefix):]
