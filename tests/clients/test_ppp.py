"""PPP over the simulator's real pty (issue 14; sim/real-module-findings.md
§30): a host-side PPP peer written here (RFC 1662 framing, RFC 1661 LCP,
RFC 1332 IPCP with RFC 1877's DNS options) dials with ATD*99#, negotiates as
pppd with noauth and usepeerdns does, and gets the PDP context's address. And
pppd itself, where the kernel lets it run."""
import os
import re
import select
import time

from clientlib import (CLIENT_LIMIT_S, Failure, ModemPort, Sim, Skip, client_test, need_program,
                       run_bounded)

LCP, IPCP, IP = 0xC021, 0x8021, 0x0021
CONF_REQ, CONF_ACK, CONF_NAK, CONF_REJ, TERM_REQ, TERM_ACK = 1, 2, 3, 4, 5, 6
OPT_ADDRESS, OPT_DNS1, OPT_DNS2 = 3, 129, 131
FLAG, ESC = 0x7E, 0x7D
ADDRESS = "10.49.14.68"                  # what AT+CGPADDR shows for cid 1
RESOLVERS = ("10.49.0.3", "10.49.0.4")
HOST_LCP = bytes([0x01, 0x04, 0x05, 0xDC,            # MRU 1500
                  0x02, 0x06, 0, 0, 0, 0,             # ACCM 0
                  0x05, 0x06, 0x5E, 0xED, 0xBE, 0xEF,  # magic
                  0x07, 0x02, 0x08, 0x02])            # PFC, ACFC


def fcs16(data):
    fcs = 0xFFFF
    for byte in data:
        fcs ^= byte
        for _ in range(8):
            fcs = (fcs >> 1) ^ 0x8408 if fcs & 1 else fcs >> 1
    return fcs


def frame(proto, code, ident, options=b""):
    """A frame as a host sends it before LCP is up: address, control, every control character escaped."""
    body = bytes([0xFF, 0x03, proto >> 8, proto & 0xFF, code, ident]) + (len(options) + 4).to_bytes(2, "big") + options
    fcs = (~fcs16(body)) & 0xFFFF
    body += bytes([fcs & 0xFF, fcs >> 8])
    out = bytearray([FLAG])
    for byte in body:
        out += bytes([ESC, byte ^ 0x20]) if byte < 0x20 or byte in (FLAG, ESC) else bytes([byte])
    return bytes(out + bytes([FLAG]))


def packets(raw):
    """The packets in bytes the module sent: (protocol, code, id, options), FCS checked."""
    found = []
    for chunk in raw.split(bytes([FLAG])):
        data, escaped = bytearray(), False
        for byte in chunk:
            if byte == ESC:
                escaped = True
                continue
            data.append(byte ^ 0x20 if escaped else byte)
            escaped = False
        if len(data) < 4:
            continue
        if fcs16(data) != 0xF0B8:
            raise Failure(f"a frame from the module has a bad FCS: {bytes(data).hex()}")
        if data[:2] == b"\xff\x03":
            data = data[2:]
        proto, data = (data[0], data[1:]) if data[0] & 1 else ((data[0] << 8) | data[1], data[2:])
        length = int.from_bytes(data[2:4], "big")
        found.append((proto, data[0], data[1], bytes(data[4:length])))
    return found


def options(raw):
    out, off = {}, 0
    while off + 2 <= len(raw) and raw[off + 1] >= 2:
        out[raw[off]] = raw[off + 2:off + raw[off + 1]]
        off += raw[off + 1]
    return out


def addr(text):
    return bytes(int(part) for part in text.split("."))


class Peer:
    """The host's end of the link, on the test's raw view of the port."""

    def __init__(self, port):
        self.port = port
        self.raw = b""

    def send(self, proto, code, ident, opts=b""):
        os.write(self.port.fd, frame(proto, code, ident, opts))

    def wait_for(self, what, match, limit_s=CLIENT_LIMIT_S):
        """Read until match(packet) holds for a packet the module sent; that packet."""
        deadline = time.monotonic() + limit_s
        while True:
            end = self.raw.rfind(bytes([FLAG]))
            done, self.raw = self.raw[:end + 1], self.raw[end + 1:] if end >= 0 else self.raw
            for pkt in packets(done):
                if match(pkt):
                    return pkt
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.port.fd], [], [], left)[0]:
                raise Failure(f"the module sent no {what} within {limit_s} s")
            self.raw += os.read(self.port.fd, 4096)

    def expect_text(self, text, limit_s=CLIENT_LIMIT_S):
        deadline = time.monotonic() + limit_s
        while text not in self.raw:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.port.fd], [], [], left)[0]:
                raise Failure(f"no {text!r} within {limit_s} s; the module sent {self.raw!r}")
            self.raw += os.read(self.port.fd, 4096)
        self.raw = self.raw[self.raw.index(text) + len(text):]


def negotiate(peer):
    """LCP then IPCP, as pppd noauth usepeerdns: the address and resolvers IPCP gave."""
    req = peer.wait_for("LCP Configure-Request", lambda p: p[:2] == (LCP, CONF_REQ))
    if 3 in options(req[3]):
        raise Failure(f"the module asks the host to authenticate: {req}")
    peer.send(LCP, CONF_ACK, req[2], req[3])
    peer.send(LCP, CONF_REQ, 1, HOST_LCP)
    peer.wait_for("LCP Configure-Ack", lambda p: p[:3] == (LCP, CONF_ACK, 1))
    ipcp = peer.wait_for("IPCP Configure-Request", lambda p: p[:2] == (IPCP, CONF_REQ))
    peer.send(IPCP, CONF_ACK, ipcp[2], ipcp[3])
    zero = bytes([OPT_ADDRESS, 6, 0, 0, 0, 0, OPT_DNS1, 6, 0, 0, 0, 0, OPT_DNS2, 6, 0, 0, 0, 0])
    peer.send(IPCP, CONF_REQ, 1, zero)
    nak = options(peer.wait_for("IPCP Configure-Nak", lambda p: p[:3] == (IPCP, CONF_NAK, 1))[3])
    given = bytes([OPT_ADDRESS, 6]) + nak[OPT_ADDRESS] + bytes([OPT_DNS1, 6]) + nak[OPT_DNS1] + \
        bytes([OPT_DNS2, 6]) + nak[OPT_DNS2]
    peer.send(IPCP, CONF_REQ, 2, given)
    peer.wait_for("IPCP Configure-Ack", lambda p: p[:3] == (IPCP, CONF_ACK, 2))
    return tuple(".".join(str(b) for b in nak[k]) for k in (OPT_ADDRESS, OPT_DNS1, OPT_DNS2))


@client_test("ppp-peer-gets-the-address")
def peer_gets_the_address(ctx):
    with Sim(ctx.bin_dir, ctx.work_dir) as sim:
        sim.wait_ready()
        with ModemPort(sim.link) as port:
            port.ask("ATE0")
            peer = Peer(port)
            os.write(port.fd, b"ATD*99#\r")
            peer.expect_text(b"\r\nCONNECT 115200\r\n")
            got = negotiate(peer)
            if got != (ADDRESS, *RESOLVERS):
                raise Failure(f"IPCP gave address and resolvers {got}, not {(ADDRESS, *RESOLVERS)}")
            state = sim.control("state")
            if f'"ipcp":"opened","address":"{ADDRESS}"' not in state:
                raise Failure(f"state does not show IPCP up with {ADDRESS}: {state}")
            peer.send(LCP, TERM_REQ, 9)
            peer.wait_for("LCP Terminate-Ack", lambda p: p[:3] == (LCP, TERM_ACK, 9))
            peer.expect_text(b"\r\nNO CARRIER\r\n")
            port.pending = peer.raw
            port.ask("AT")                 # back in command mode


PPPD_OPTIONS = ["nodetach", "noauth", "local", "noipdefault", "usepeerdns", "nodefaultroute", "noipv6",
                "novj", "nopcomp", "noaccomp", "maxfail", "1", "debug"]


@client_test("pppd-connects")
def pppd_connects(ctx):
    """pppd with the chat script of test_chat: it needs the kernel's PPP
    driver (/dev/ppp), which containers rarely have, and root."""
    pppd = need_program("/usr/sbin/pppd", "ppp")
    chat = need_program("/usr/sbin/chat", "ppp")
    if not os.path.exists("/dev/ppp"):
        raise Skip("pppd cannot run here: there is no /dev/ppp (the kernel's PPP driver; containers "
                   "rarely have it). ppp-peer-gets-the-address negotiates the same link without it")
    if os.geteuid() != 0:
        raise Skip("pppd needs root to make its ppp interface; run the client tests as root")
    with Sim(ctx.bin_dir, ctx.work_dir) as sim:
        sim.wait_ready()
        connect = f"{chat} -v ABORT ERROR '' AT OK ATD*99# CONNECT"
        status, out = run_bounded([pppd, sim.link, "115200", "connect", connect, *PPPD_OPTIONS,
                                   "lcp-max-configure", "3", "linkname", "sim7600-test", "idle", "1"])
        if not re.search(rf"local\s+IP address {re.escape(ADDRESS)}", out):
            raise Failure(f"pppd (exit {status}) did not get {ADDRESS}; it printed:\n{out}")
