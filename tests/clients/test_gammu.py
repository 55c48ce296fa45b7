"""gammu (Debian's gammu 1.42) against the simulator, as a user runs it: a
config file with `connection = at` and the device, then `gammu -c FILE ...`.
What gammu prints is compared with what the simulator itself answers."""
import os
import re

from clientlib import (ModemPort, Sim, Failure, client_test, expect_lines, need_program,
                       run_bounded)

RSSI_DBM_AT_0 = -113      # 27.007 +CSQ: rssi 0 is -113 dBm, each step 2 dB
RSSI_DBM_STEP = 2
MONITOR_RSSI = 10         # a signal the simulator does not start with


def gammu(ctx, sim, *args):
    """Run gammu with a config naming the simulator's link: its output."""
    program = need_program("gammu", "gammu")
    sim.wait_ready()
    config = os.path.join(ctx.work_dir, "gammurc")
    debug_log = os.path.join(ctx.work_dir, "gammu.log")   # kept with the capture if the test fails
    with open(config, "w") as f:
        f.write(f"[gammu]\ndevice = {sim.link}\nconnection = at\n"
                f"logfile = {debug_log}\nlogformat = textall\n")
    status, out = run_bounded([program, "-c", config, *args])
    if status != 0:
        raise Failure(f"gammu {' '.join(args)} exited {status}:\n{out}")
    return out


def operator(port, fmt):
    """AT+COPS? read in format fmt (0 long name, 2 numeric), without quotes."""
    port.ask(f"AT+COPS=3,{fmt}")
    fields = port.answer("AT+COPS?", "+COPS: ").split(",")
    if len(fields) < 3:
        raise Failure(f"AT+COPS? with format {fmt} names no operator: {fields}")
    return fields[2].strip('"')


def network_lines(code, name):
    """What gammu shows for the network the module is registered on."""
    mcc_mnc = re.escape(f"{code[:3]} {code[3:]}")
    return [rf"Network\s*: {mcc_mnc}\b.*", rf'Name in phone\s*: "{re.escape(name)}"',
            r"Network state\s*: home network"]


@client_test("gammu-identify")
def identify(ctx):
    with Sim(ctx.bin_dir, ctx.work_dir) as sim:
        out = gammu(ctx, sim, "--identify")
        with ModemPort(sim.link) as port:
            port.wait_ready()
            maker = port.answer("AT+CGMI")
            model = port.answer("AT+CGMM")
            firmware = port.answer("AT+CGMR", "+CGMR: ")
            imei = port.answer("AT+CGSN")
    expect_lines(out, [rf"Manufacturer\s*: {re.escape(maker)}",
                       rf"Model\s*: (.*\()?{re.escape(model)}\)?",
                       rf"Firmware\s*: {re.escape(firmware)}",
                       rf"IMEI\s*: {re.escape(imei)}"], "gammu --identify")


@client_test("gammu-networkinfo")
def networkinfo(ctx):
    """Issue 14 faults 1 and 2: gammu sends AT+COPS=3,2 then AT+COPS?, and
    AT+CGATT?; it must show the network by code and name, and GPRS attached."""
    with Sim(ctx.bin_dir, ctx.work_dir) as sim:
        out = gammu(ctx, sim, "networkinfo")
        with ModemPort(sim.link) as port:
            port.wait_ready()
            code, name = operator(port, 2), operator(port, 0)
    expect_lines(out, network_lines(code, name) + [r"GPRS\s*: attached"], "gammu networkinfo")


@client_test("gammu-networkinfo-detached")
def networkinfo_detached(ctx):
    """After AT+CGATT=0 gammu must show GPRS detached (fault 1 the other way)."""
    with Sim(ctx.bin_dir, ctx.work_dir) as sim:
        with ModemPort(sim.link) as port:
            port.wait_ready()
            port.ask("AT+CGATT=0", limit_s=10)
        out = gammu(ctx, sim, "networkinfo")
    expect_lines(out, [r"GPRS\s*: detached"], "gammu networkinfo after AT+CGATT=0")


@client_test("gammu-monitor")
def monitor(ctx):
    """One round of `gammu monitor`: the signal the world has (set through the
    control socket) and the network, as dBm and operator."""
    with Sim(ctx.bin_dir, ctx.work_dir) as sim:
        sim.control(f"signal {MONITOR_RSSI}")
        out = gammu(ctx, sim, "monitor", "1")
        with ModemPort(sim.link) as port:
            port.wait_ready()
            code, name = operator(port, 2), operator(port, 0)
    dbm = RSSI_DBM_AT_0 + RSSI_DBM_STEP * MONITOR_RSSI
    expect_lines(out, [rf"Signal strength\s*: {dbm} dBm", r"Network level\s*: [0-9]+ percent"]
                 + network_lines(code, name), "gammu monitor 1")
