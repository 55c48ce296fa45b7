"""A user's pyserial program: wait for the module, read its identity, publish
one MQTT message. Lines end in CR LF, as most host code sends them.

    /usr/bin/python3 pyserial_publish.py PORT TOPIC PAYLOAD

Prints what it heard while waiting ('heard: ...'), the identity ('ATI: ...')
and each step; exits 0 once the broker acknowledged the publish, 1 naming the
step that failed and the module's answer.
"""
import sys
import time

import serial

READY_LIMIT_S = 20      # a module may take seconds from power-on to answering AT
STEP_LIMIT_S = 10


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


def wait_ready(port):
    """Poll AT until OK: the module may still be booting (deaf) when we start."""
    deadline = time.monotonic() + READY_LIMIT_S
    while time.monotonic() < deadline:
        port.write(b"AT\r\n")
        lines = read_until(port, lambda got: got == "OK", limit_s=1)
        for line in lines:
            print("heard:", line)
        if lines and lines[-1] == "OK":
            return
    sys.exit(f"the module did not answer AT with OK within {READY_LIMIT_S} s")


def main():
    path, topic, payload = sys.argv[1:4]
    with serial.Serial(path, 115200, timeout=0.2) as port:
        wait_ready(port)
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
