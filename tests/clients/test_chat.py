"""ppp's chat (/usr/sbin/chat), the dialer pppd runs before PPP: a typical
chat script, its stdin and stdout the simulator's port, up to the dial's
CONNECT, where pppd would take over the port (test_ppp.py takes it over)."""
import os

from clientlib import Sim, Failure, client_test, need_program, run_bounded

CHAT_TIMEOUT_S = 10       # chat's own wait for each expected string
SETUP = """ABORT ERROR
ABORT BUSY
ABORT 'NO CARRIER'
ABORT 'NO DIALTONE'
TIMEOUT {timeout}
'' AT
OK ATE0
OK AT+CSQ
OK AT+CGATT?
OK 'AT+CGDCONT=1,"IP","internet"'
"""
SETUP_END = "OK\n"                         # a last expect with nothing to send
DIAL = "OK ATD*99#\nCONNECT ''\n"        # then pppd would take over the port


def chat(ctx, sim, script_text):
    """Run chat with script_text on the port, as pppd's connect option does."""
    program = need_program("/usr/sbin/chat", "ppp")
    script = os.path.join(ctx.work_dir, "chat-script")
    with open(script, "w") as f:
        f.write(script_text.format(timeout=CHAT_TIMEOUT_S))
    sim.wait_ready()
    port = os.open(sim.link, os.O_RDWR | os.O_NOCTTY)
    try:
        status, out = run_bounded([program, "-s", "-v", "-f", script], stdin=port, stdout=port)
    finally:
        os.close(port)
    # chat's exit status: 0 the script completed, 3 a timeout, 4 and up the ABORT string matched
    if status != 0:
        raise Failure(f"chat exited {status} (3: a timeout, 4+: an ABORT string); its log:\n{out}")
    return out


@client_test("chat-sets-up-context")
def sets_up_context(ctx):
    with Sim(ctx.bin_dir, ctx.work_dir) as sim:
        chat(ctx, sim, SETUP + SETUP_END)


@client_test("chat-dials")
def dials(ctx):
    with Sim(ctx.bin_dir, ctx.work_dir) as sim:
        chat(ctx, sim, SETUP + DIAL)
        state = sim.control("state")
        if '"input":"ppp"' not in state:
            raise Failure(f"chat saw CONNECT, but the module is not in PPP data mode: {state}")
