"""pyserial (Debian's python3-serial, run by Debian's /usr/bin/python3): a
user's script (pyserial_publish.py) started right after the simulator, polling
AT until OK, reading the identity, then publishing one MQTT message with
CR LF line endings (issue 14's fault 3). The broker must get it on its topic."""
import os

from clientlib import (CLIENT_LIMIT_S, ModemPort, Sim, Failure, client_test, expect_lines,
                       need_debian_pyserial, read_watch_line, run_bounded)

PYTHON = "/usr/bin/python3"
SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pyserial_publish.py")
TOPIC, PAYLOAD = "tele/pyserial", '{"n":1,"ok":true}'
BROKER_LIMIT_S = 10
REALISTIC_LIMIT_S = 45    # the script's own limits: 20 s for AT, 30 s more for the network


REAL_BOOT_S = "about 20 s: RDY 16 s after power-on, then SIM, SMS, phonebook and network"


def run_script(sim, limit_s=CLIENT_LIMIT_S):
    status, out = run_bounded([PYTHON, SCRIPT, sim.link, TOPIC, PAYLOAD], limit_s=limit_s)
    if status != 0:
        raise Failure(f"pyserial_publish.py exited {status}:\n{out}")
    return out


@client_test("pyserial-publishes")
def publishes(ctx):
    need_debian_pyserial(PYTHON)
    with Sim(ctx.bin_dir, ctx.work_dir) as sim:
        watch = sim.watch()
        out = run_script(sim)
        got = read_watch_line(watch, BROKER_LIMIT_S)
        with ModemPort(sim.link) as port:
            port.wait_ready()
            imei = port.answer("AT+CGSN")
    expected = 'MSG 1 0 "%s" "%s"' % (TOPIC, PAYLOAD.replace('"', '\\"'))   # control's C escapes
    if got != expected:
        raise Failure(f"the broker got {got!r}, expected {expected!r}; the script printed:\n{out}")
    expect_lines(out, [r"ATI: Manufacturer: SIMCOM INCORPORATED", rf"ATI: IMEI: {imei}", "published"],
                 "pyserial_publish.py")


@client_test("pyserial-sees-boot")
def sees_boot(ctx):
    """Issue 14 fault 5: a host that opens the port at power-on (and so
    flushes it) and polls AT sees what it sees on the bench: RDY, +CPIN:
    READY, SMS DONE, PB DONE among its first answers."""
    need_debian_pyserial(PYTHON)
    with Sim(ctx.bin_dir, ctx.work_dir) as sim:
        out = run_script(sim)
    expect_lines(out, ["heard: RDY", "heard: \\+CPIN: READY", "heard: SMS DONE", "heard: PB DONE"],
                 "pyserial_publish.py, opened at power-on")


@client_test("pyserial-sees-boot-realistic", slow=REAL_BOOT_S)
def sees_boot_realistic(ctx):
    """The same host against --latency realistic: it polls through the
    seconds a real module is deaf, hears RDY, waits for the network, and
    publishes."""
    need_debian_pyserial(PYTHON)
    with Sim(ctx.bin_dir, ctx.work_dir, "--latency", "realistic") as sim:
        out = run_script(sim, limit_s=REALISTIC_LIMIT_S)
    expect_lines(out, ["heard: RDY", "heard: \\+CPIN: READY", "heard: \\+CREG: [0-2],[15]", "published"],
                 "pyserial_publish.py against a realistic boot")
