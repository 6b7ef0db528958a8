"""`make latency`: guest instructions from the press being accepted to the
first request byte on the wire, cold (full TLS 1.2 handshake) against
resumed (the session of the previous press), in QEMU with `-icount shift=0`
(one guest instruction = 1 ns of virtual time; the board's `TIMING
request_us=N` line is N thousand instructions). Each round boots a fresh
firmware (no session in RAM): one cold press, then resumed presses.
Ends with exactly one line `latency: cold=<M> resumed=<M> prehandshake=n/a`
(millions of instructions, medians). Usage: latency.py ELF WORKDIR [ROUNDS]
"""
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwharness as h  # noqa: E402

RESUMED_PER_ROUND = 2


def timing(fw):
    """The TIMING line of the last press (printed between its RESULT and
    STATE DONE, which press() has already waited for)."""
    for line in reversed(fw.lines):
        if line.startswith("TIMING request_us="):
            return int(line.split("=", 1)[1])
        if line.startswith("STATE STOPPING"):
            break
    raise RuntimeError("no TIMING line for the last press")


def press(fw):
    """fwharness's press with room for -icount: virtual time runs at the
    emulated instruction rate, several times slower than the wall clock."""
    # A simulated press just long enough to fire (hold 200 ms + 30 ms
    # debounce), so that it is over, and seen released, soon after the stop.
    time.sleep(4)
    fw.cmd("press 250", timeout=30)
    fw.expect(r"^STATE HOLDING$", 30)
    fw.expect(r"^STATE STOPPING$", 60)
    line = fw.expect(r"^RESULT \S+.*", 120).group(0)
    fw.expect(r"^STATE DONE$", 30)
    return line


def one_round(elf, mock, ca, token):
    fw = h.Firmware(elf, max_seconds=180, qemu_extra=["-icount", "shift=0"])
    out = []
    try:
        fw.expect(r"^STATE READY$", 60)
        fw.provision(mock.endpoint(), h.TASK_ID, h.RECORD_RUNNING, token, ca, hold_ms=200)
        for _ in range(1 + RESUMED_PER_ROUND):
            mock.reset()
            line = press(fw)
            if not line.startswith("RESULT STOPPED"):
                raise RuntimeError("stop failed: " + line)
            out.append(timing(fw))
    finally:
        fw.exit()
        fw.kill()
    return out


def main():
    elf, work = sys.argv[1], os.path.abspath(sys.argv[2])
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    os.makedirs(work, exist_ok=True)
    certs = h.make_certs(os.path.join(work, "certs"))
    with open(os.path.join(certs, "ca.pem")) as f:
        ca = f.read()
    token = "M" * 1000
    mock = h.Mock(work, "latency", certs, token, max_seconds=600)
    cold, resumed = [], []
    try:
        for _ in range(rounds):
            us = one_round(elf, mock, ca, token)
            cold.append(us[0])
            resumed.extend(us[1:])
        # The firmware's handshakes: those whose connection carried a PUT
        # (the resets are control calls from this host).
        puts = {e["conn"] for e in mock.events("request") if e.get("method") == "PUT"}
        hs = [e["session_reused"] for e in mock.events("handshake") if e["conn"] in puts]
    finally:
        mock.stop()
    if sum(hs) != len(resumed):
        print("latency: the mock saw %d resumed handshakes, expected %d"
              % (sum(hs), len(resumed)), file=sys.stderr)
        return 1
    print("press accepted -> first request byte on the wire, guest instructions "
          "(QEMU mps2-an385, -icount shift=0, TLS 1.2 ECDHE-ECDSA P-256, AES-128-GCM)")
    print("| handshake | runs | median (M) | min (M) | max (M) |")
    print("|---|---:|---:|---:|---:|")
    for name, xs in (("cold (full)", cold), ("resumed (ticket)", resumed)):
        print("| %s | %d | %.1f | %.1f | %.1f |" % (name, len(xs), statistics.median(xs) / 1000.0,
                                                   min(xs) / 1000.0, max(xs) / 1000.0))
    print("latency: cold=%.1f resumed=%.1f prehandshake=n/a"
          % (statistics.median(cold) / 1000.0, statistics.median(resumed) / 1000.0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
