"""tio and picocom, the terminal programs the README suggests, on a pseudo-
terminal of their own as a person runs them: type AT commands, see the
module's answers, quit with the program's own keys."""
from clientlib import (PtyProgram, Sim, Failure, client_test, need_program,
                       read_watch_line)

TIO_QUIT = b"\x14q"               # ctrl-t q
PICOCOM_QUIT = b"\x01\x18"        # C-a C-x
HAND_TOPIC, HAND_PAYLOAD = "hand/typed", "hello from picocom"
BROKER_LIMIT_S = 10
TYPED_RSSI = 17                   # set through the control socket: not the start value


def ready(sim):
    """The module has booted: a person opens a terminal on a module that is on."""
    sim.wait_ready()
    return sim.link


def type_and_see(term, typed, answer_lines, after):
    """Type a command and its Enter; each answer line must appear, in order."""
    term.type(typed.encode() + b"\r")
    for pattern in answer_lines:
        after = term.expect_line(pattern, after=after)
    return after


def basic_session(sim, term, after):
    """What a person first types at a module: AT, ATI, AT+CSQ."""
    sim.control(f"signal {TYPED_RSSI} 0")
    after = type_and_see(term, "AT", [r"^OK$"], after)
    after = type_and_see(term, "ATI", [r"^Manufacturer: SIMCOM INCORPORATED$", r"^IMEI: [0-9]{15}$",
                                       r"^OK$"], after)
    return type_and_see(term, "AT+CSQ", [rf"^\+CSQ: {TYPED_RSSI},0$", r"^OK$"], after)


def quit_cleanly(term, keys, goodbye):
    term.type(keys)
    status = term.expect_exit()
    if status != 0:
        raise Failure(f"{term.argv[0]} exited {status} after its quit keys; it showed:\n{term.text()}")
    term.expect_line(goodbye)


@client_test("tio-types-at")
def tio_session(ctx):
    tio = need_program("tio", "tio")
    with Sim(ctx.bin_dir, ctx.work_dir) as sim, PtyProgram([tio, ready(sim)]) as term:
        after = term.expect_line(r"Connected$")
        basic_session(sim, term, after)
        quit_cleanly(term, TIO_QUIT, r"Disconnected$")


def picocom_argv(link):
    return [need_program("picocom", "picocom"), "-b", "115200", "--omap", "crcrlf", link]


@client_test("picocom-crcrlf-types-at")
def picocom_session(ctx):
    with Sim(ctx.bin_dir, ctx.work_dir) as sim, PtyProgram(picocom_argv(ready(sim))) as term:
        after = term.expect_line(r"^Terminal ready$")
        basic_session(sim, term, after)
        quit_cleanly(term, PICOCOM_QUIT, r"^Thanks for using picocom$")


def data_phase(term, command, data, after):
    """A command with a '>' prompt, then its data typed (no Enter: the module
    counts bytes). picocom sends each Enter as CR LF: issue 14's fault 3."""
    term.type(command.encode() + b"\r")
    after = term.expect_prompt(after=after)
    term.type(data.encode())
    return term.expect_line(r"^OK$", after=after)


@client_test("picocom-crcrlf-publishes")
def picocom_publish(ctx):
    """A person publishes one message by hand with `picocom --omap crcrlf`:
    the LF after each command's CR must not become the topic's first byte."""
    with Sim(ctx.bin_dir, ctx.work_dir) as sim, PtyProgram(picocom_argv(ready(sim))) as term:
        watch = sim.watch()
        after = term.expect_line(r"^Terminal ready$")
        after = type_and_see(term, "AT+CMQTTSTART", [r"^\+CMQTTSTART: 0$", r"^OK$"], after)
        after = type_and_see(term, 'AT+CMQTTACCQ=0,"picocom"', [r"^OK$"], after)
        after = type_and_see(term, 'AT+CMQTTCONNECT=0,"tcp://127.0.0.1:1883",60,1',
                             [r"^OK$", r"^\+CMQTTCONNECT: 0,0$"], after)
        after = data_phase(term, f"AT+CMQTTTOPIC=0,{len(HAND_TOPIC)}", HAND_TOPIC, after)
        after = data_phase(term, f"AT+CMQTTPAYLOAD=0,{len(HAND_PAYLOAD)}", HAND_PAYLOAD, after)
        type_and_see(term, "AT+CMQTTPUB=0,1,60", [r"^OK$", r"^\+CMQTTPUB: 0,0$"], after)
        got = read_watch_line(watch, BROKER_LIMIT_S)
        expected = f'MSG 1 0 "{HAND_TOPIC}" "{HAND_PAYLOAD}"'
        if got != expected:
            raise Failure(f"the broker got {got!r}, expected {expected!r}; picocom showed:\n{term.text()}")
        quit_cleanly(term, PICOCOM_QUIT, r"^Thanks for using picocom$")

