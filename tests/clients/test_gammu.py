"""gammu (Debian's gammu 1.42) against the simulator, as a user runs it: a
config file with `connection = at` and the device, then `gammu -c FILE ...`.
What gammu prints is compared with what the simulator itself answers."""
import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor

from clientlib import (ModemPort, Sim, Failure, client_test, expect_lines, need_program,
                       run_bounded)

RSSI_DBM_AT_0 = -113      # 27.007 +CSQ: rssi 0 is -113 dBm, each step 2 dB
RSSI_DBM_STEP = 2
MONITOR_RSSI = 10         # a signal the simulator does not start with
GAMMU_UNKNOWN_RESPONSE = 116   # gammu's exit status for "Unknown response from phone"
SIMCOM_CBC = re.compile(r"\+CBC: [0-9.]+V")   # SIMCom's own form, not 27.007's <bcs>,<bcl>
MODELS_LINE = re.compile(r"^Models: (.*) \(default [^)]*\)\.$", re.M)
# gammu monitor's set-up lines: SMS and CB (AT+CPMS, AT+CNMI), calls (AT+CLIP,
# AT+CRC, AT+CCWA), USSD (AT+CUSD); each said "Unknown error." before the
# simulator had those commands (FINDINGS.md section 2)
MONITOR_SETUP = [rf"Enabling info about {what}\s*: No error\."
                 for what in ("incoming SMS", "incoming CB", "calls", "USSD")]
PHONEBOOKS = (("SM", "SIM phonebook"), ("ME", "Phone phonebook"))


def gammu(sim, *args, status=0):
    """Run gammu with a config naming the simulator's link, on a module that
    has booted; its output, once its exit status is the one expected."""
    program = need_program("gammu", "gammu")
    sim.wait_ready()
    config = os.path.join(sim.work_dir, "gammurc")
    debug_log = os.path.join(sim.work_dir, "gammu.log")   # kept with the capture if the test fails
    with open(config, "w") as f:
        f.write(f"[gammu]\ndevice = {sim.link}\nconnection = at\n"
                f"logfile = {debug_log}\nlogformat = textall\n")
    got, out = run_bounded([program, "-c", config, *args])
    if got != status:
        raise Failure(f"gammu {' '.join(args)} exited {got}, expected {status}:\n{out}")
    return out


def operator(port, fmt):
    """AT+COPS? read in format fmt (0 long name, 2 numeric), without quotes."""
    port.ask(f"AT+COPS=3,{fmt}")
    fields = port.answer("AT+COPS?", "+COPS: ").split(",")
    if len(fields) < 3:
        raise Failure(f"AT+COPS? with format {fmt} names no operator: {fields}")
    return fields[2].strip('"')


def network_lines(port):
    """What gammu shows for the network the module says it is registered on."""
    code, name = operator(port, 2), operator(port, 0)
    mcc_mnc = re.escape(f"{code[:3]} {code[3:]}")
    return [rf"Network\s*: {mcc_mnc}\b.*", rf'Name in phone\s*: "{re.escape(name)}"',
            r"Network state\s*: home network"]


def phonebook_lines(port):
    """What gammu monitor shows for the SIM's and the module's phonebook: the
    entries the module says are used and free (AT+CPBS?); "SM" chosen again after."""
    lines = []
    for storage, label in PHONEBOOKS:
        port.ask(f'AT+CPBS="{storage}"')
        fields = port.answer("AT+CPBS?", "+CPBS: ").split(",")
        used, total = int(fields[1]), int(fields[2])
        lines.append(rf"{label}\s*:\s+{used} used,\s+{total - used} free")
    port.ask('AT+CPBS="SM"')
    return lines


def identify_as(bin_dir, work_dir, *sim_args):
    """gammu --identify shows the identity the simulator answers with."""
    with Sim(bin_dir, work_dir, *sim_args) as sim:
        out = gammu(sim, "--identify")
        with ModemPort(sim.link) as port:
            maker = port.answer("AT+CGMI")
            model = port.answer("AT+CGMM")
            firmware = port.answer("AT+CGMR", "+CGMR: ")
            imei = port.answer("AT+CGSN")
    expect_lines(out, [rf"Manufacturer\s*: {re.escape(maker)}",
                       rf"Model\s*: (.*\()?{re.escape(model)}\)?",
                       rf"Firmware\s*: {re.escape(firmware)}",
                       rf"IMEI\s*: {re.escape(imei)}"], f"gammu --identify ({' '.join(sim_args)})")


@client_test("gammu-identify")
def identify(ctx):
    identify_as(ctx.bin_dir, ctx.work_dir)


def sim_models(bin_dir):
    """The variants sim7600-sim --model takes, as its --help lists them."""
    out = subprocess.run([os.path.join(bin_dir, "sim7600-sim"), "--help"], capture_output=True,
                         text=True, timeout=10).stdout
    found = MODELS_LINE.search(out)
    if not found:
        raise Failure(f"sim7600-sim --help has no 'Models: ... (default ...).' line:\n{out}")
    return [name.strip() for name in found.group(1).split(",")]


def failure_of(fn, *args):
    """What fn(*args) failed with, or None: for checks run side by side."""
    try:
        fn(*args)
    except Failure as what:
        return str(what)
    return None


@client_test("gammu-identify-models")
def identify_models(ctx):
    """Every --model variant, each on its own simulator, side by side (gammu
    takes seconds to identify a module)."""
    need_program("gammu", "gammu")
    models = sim_models(ctx.bin_dir)
    dirs = [os.path.join(ctx.work_dir, name) for name in models]
    for d in dirs:
        os.mkdir(d)
    with ThreadPoolExecutor(len(models)) as pool:
        failures = pool.map(lambda m, d: failure_of(identify_as, ctx.bin_dir, d, "--model", m),
                            models, dirs)
    failed = [f for f in failures if f]
    if failed:
        raise Failure("\n".join(failed))


@client_test("gammu-networkinfo")
def networkinfo(ctx):
    """Issue 14 faults 1 and 2: gammu sends AT+COPS=3,2 then AT+COPS?, and
    AT+CGATT?; it must show the network by code and name, and GPRS attached."""
    with Sim(ctx.bin_dir, ctx.work_dir) as sim:
        out = gammu(sim, "networkinfo")
        with ModemPort(sim.link) as port:
            expected = network_lines(port)
    expect_lines(out, expected + [r"GPRS\s*: attached"], "gammu networkinfo")


@client_test("gammu-networkinfo-detached")
def networkinfo_detached(ctx):
    """After AT+CGATT=0 gammu must show GPRS detached (fault 1 the other way)."""
    with Sim(ctx.bin_dir, ctx.work_dir) as sim:
        sim.wait_ready()
        with ModemPort(sim.link) as port:
            port.ask("AT+CGATT=0", limit_s=10)
        out = gammu(sim, "networkinfo")
    expect_lines(out, [r"GPRS\s*: detached"], "gammu networkinfo after AT+CGATT=0")


def monitor_shows_signal(sim, expected):
    out = gammu(sim, "monitor", "1")
    dbm = RSSI_DBM_AT_0 + RSSI_DBM_STEP * MONITOR_RSSI
    expect_lines(out, [rf"Signal strength\s*: {dbm} dBm", r"Network level\s*: [0-9]+ percent"]
                 + MONITOR_SETUP + expected, "gammu monitor 1")


@client_test("gammu-monitor")
def monitor(ctx):
    """One round of `gammu monitor`. gammu 1.42 asks AT+CBC first and reads
    only 27.007's `+CBC: <bcs>,<bcl>`: a module answering SIMCom's `+CBC:
    3.800V`, as a real SIM7600 does (findings §22), makes it leave with
    "Unknown response from phone", on the bench and here alike, after its
    set-up (SMS, CB, calls, USSD enabled, the phonebooks counted: findings
    §26). A module that has no AT+CBC lets it go on to show the signal and
    the network."""
    with Sim(ctx.bin_dir, ctx.work_dir) as sim:
        sim.control(f"signal {MONITOR_RSSI}")
        sim.wait_ready()
        with ModemPort(sim.link) as port:
            battery = port.try_answer("AT+CBC")
            network, phonebooks = network_lines(port), phonebook_lines(port)
        if not SIMCOM_CBC.fullmatch(battery):
            monitor_shows_signal(sim, network + phonebooks)
            return
        out = gammu(sim, "monitor", "1", status=GAMMU_UNKNOWN_RESPONSE)
    expect_lines(out, [r"Unknown response from phone\..*"] + MONITOR_SETUP + phonebooks,
                 f"gammu monitor 1 ({battery})")


@client_test("gammu-monitor-signal")
def monitor_signal(ctx):
    """gammu monitor's signal and network, past the battery question: with
    AT+CBC refused (a control rule, as on a module without it), it shows the
    signal the world has (set through the control socket) and the network."""
    with Sim(ctx.bin_dir, ctx.work_dir) as sim:
        sim.control(f"signal {MONITOR_RSSI}")
        sim.wait_ready()
        with ModemPort(sim.link) as port:
            expected = network_lines(port) + phonebook_lines(port)
        sim.control(r'rule on-send "AT+CBC" replace "\r\nERROR\r\n"')
        monitor_shows_signal(sim, expected)
