#!/usr/bin/python3
# A typical Arduino sketch for a SIM7600, written for a host: println-style
# CR LF lines, a fixed delay where it should wait for '>' or for an answer,
# and the answers only printed, never checked (so 21 and 23 are ignored).
# Usage: arduino_sketch.py PORT BAUD BROKER-URL
import sys, time
try:
    import serial  # Debian's python3-serial: run me with /usr/bin/python3
except ImportError:
    print("python3-serial is missing: tools/bootstrap.sh clients (or apt-get install python3-serial)")
    sys.exit(2)

port = serial.Serial(sys.argv[1], int(sys.argv[2]), timeout=0)
broker = sys.argv[3]

def println(line):   # Serial.println(): the text, then CR LF
    port.write(line.encode() + b"\r\n")

def delay(ms):       # delay(): the sketch does nothing meanwhile
    time.sleep(ms / 1000)

def show():          # while (Serial1.available()) Serial.write(Serial1.read());
    for line in port.read(65536).decode(errors="replace").splitlines():
        if line.strip():
            print("module:", line.strip(), flush=True)

def command(line, ms=1000):
    println(line); delay(ms); show()

def publish(topic, payload):
    command("AT+CMQTTTOPIC=0,%d" % len(topic))      # no wait for '>': one second will do
    port.write(topic.encode()); delay(200)
    command("AT+CMQTTPAYLOAD=0,%d" % len(payload))
    port.write(payload.encode()); delay(200)
    command("AT+CMQTTPUB=0,1,60")
    print("sent", payload, flush=True)

command("AT")
command("AT+CMQTTSTART")                            # +CMQTTSTART: 23 on a warm module: ignored
command('AT+CMQTTACCQ=0,"arduino-1"')               # ERROR when still acquired: ignored
command('AT+CMQTTCONNECT=0,"%s",60,1' % broker, 2000)
for n in ("21", "22"):
    publish("sketch/temp", n)
print("loop", flush=True)
while True:                                         # loop(): nothing more to do
    delay(100); show()
