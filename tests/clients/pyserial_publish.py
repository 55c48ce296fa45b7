"""A user's pyserial program: wait for the module and its network, read its
identity, publish one MQTT message. Lines end in CR LF, as most host code sends them.

    /usr/bin/python3 pyserial_publish.py PORT TOPIC PAYLOAD

Prints what it heard while waiting ('heard: ...'), the identity ('ATI: ...')
and each step; exits 0 once the broker acknowledged the publish, 1 naming the
step that failed and the module's answer.
"""
import re
import sys
import time

import serial

READY_LIMIT_S = 20      # a module may take seconds from power-on to answering AT
REGISTER_LIMIT_S = 30   # SIM, then network: seconds more on a real module
STEP_LIMIT_S = 10
POLL_INTERVAL_S = 1     # how often a waiting host asks again
REGISTERED = re.compile(r"\+CREG: [0-2],[15](,.*)?")


def read_until(port, done, limit_s=STEP_LIMIT_S):
    """Lines from the module until done(line) is true or limit_s passed."""
    lines, deadline = [], time.monotonic() + limit_s
    while time.monotonic() < deadline and not (lines and done(lines[-1])):
        line = port.readline().decode(errors="replace").strip()
        if line:
            lines.append(line)
    return lines


def expect(port, what, final):
    """The module's lines up to the one starting with final (or ERROR)."""
    lines = read_until(port, lambda got: got.startswith(final) or got == "ERROR")
    if not lines or not lines[-1].startswith(final):
        sys.exit(f"{what}: expected {final!r}, got {lines}")
    return lines


def command(port, line, final):
    port.write(line.encode() + b"\r\n")
    return expect(port, line, final)


def send_data(port, line, data):
    """A '>' command: the prompt, then exactly the announced bytes, then OK."""
    port.write(line.encode() + b"\r\n")
    prompt = port.read_until(b">")
    if not prompt.endswith(b">"):
        sys.exit(f"{line}: no '>' prompt, got {prompt!r}")
    port.write(data.encode())
    expect(port, f"the data of {line}", "OK")


def poll(port, line, answered, limit_s, what):
    """Send line once a second until a line it gets back satisfies answered();
    print every line heard meanwhile (the boot URCs among them)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        next_poll = time.monotonic() + POLL_INTERVAL_S
        port.write(line.encode() + b"\r\n")
        lines = read_until(port, lambda got: got in ("OK", "ERROR"), limit_s=POLL_INTERVAL_S)
        done = any(answered(got) for got in lines)
        if not done:   # listen out the rest of the second
            lines += read_until(port, lambda got: False, limit_s=next_poll - time.monotonic())
        for got in lines:
            print("heard:", got)
        if done:
            return
    sys.exit(f"{what}: not within {limit_s} s")


def main():
    path, topic, payload = sys.argv[1:4]
    with serial.Serial(path, 115200, timeout=0.2) as port:
        # the module may still be booting (deaf), then reading its SIM and attaching
        poll(port, "AT", lambda got: got == "OK", READY_LIMIT_S, "AT answered with OK")
        poll(port, "AT+CREG?", REGISTERED.fullmatch, REGISTER_LIMIT_S, "registered (AT+CREG? stat 1 or 5)")
        for line in command(port, "ATI", "OK")[:-1]:
            print("ATI:", line)
        command(port, "AT+CMQTTSTART", "+CMQTTSTART: 0")
        command(port, 'AT+CMQTTACCQ=0,"pyserial"', "OK")
        command(port, 'AT+CMQTTCONNECT=0,"tcp://127.0.0.1:1883",60,1', "+CMQTTCONNECT: 0,0")
        send_data(port, f"AT+CMQTTTOPIC=0,{len(topic)}", topic)
        send_data(port, f"AT+CMQTTPAYLOAD=0,{len(payload)}", payload)
        command(port, "AT+CMQTTPUB=0,1,60", "+CMQTTPUB: 0,0")
        print("published")


if __name__ == "__main__":
    main()
