"""`make latency`: guest instructions from the press being accepted to the
first request byte on the wire and to the RESULT line, in QEMU with
`-icount shift=0` (one guest instruction = 1 ns of virtual time: the
board's `TIMING request_us=N` line is N thousand instructions, its
`RESULT ... ms=N` N million), against the mock with the ECDSA P-256
certificate chain (TLS 1.2, ECDHE-ECDSA, AES-128-GCM).

One function per case (CASES): each boots a fresh firmware (no session in
RAM) and returns its presses' (request_us, result_ms) pairs, or None when
the firmware cannot do the case (printed n/a):
  cold          full handshake after the press (the first press of a boot)
  resumed       the session of the previous press (session ticket)
  prehandshake  a handshake started at button-down, default hold: needs the
                firmware to announce it (`prehandshake=` in `stats`); n/a
                until it does

Prints a table (M instructions, and the seconds they would take on a real
Cortex-M3 at 25 and 100 MHz for the CPI assumed, --cpi) and ends with
exactly one line `latency: cold=<M> resumed=<M> prehandshake=<M|n/a>`
(press accepted -> first request byte, medians, one decimal).
Usage: latency.py ELF WORKDIR [ROUNDS] [--cpi 1.3]
"""
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwharness as h  # noqa: E402

RESUMED_PER_ROUND = 2
# Cycles per instruction assumed for a real Cortex-M3 running this code from
# zero-wait-state memory: most instructions take 1 cycle, loads, stores and
# taken branches 2-3, the long multiplies of the big-number code 3-7.
DEFAULT_CPI = 1.3
CLOCKS_MHZ = (25, 100)


def timing(fw):
    """The TIMING line of the last press (printed between its RESULT and
    STATE DONE, which press() has already waited for)."""
    for line in reversed(fw.lines):
        if line.startswith("TIMING request_us="):
            return int(line.split("=", 1)[1])
        if line.startswith("STATE STOPPING"):
            break
    raise RuntimeError("no TIMING line for the last press")


def press(fw, hold_ms=250):
    """One simulated press; returns (request_us, result_ms). Room for
    -icount: virtual time runs at the emulated instruction rate, several
    times slower than the wall clock. hold_ms=None: the board's default."""
    time.sleep(4)
    fw.cmd("press" if hold_ms is None else "press %d" % hold_ms, timeout=30)
    fw.expect(r"^STATE HOLDING$", 30)
    fw.expect(r"^STATE STOPPING$", 60)
    line = fw.expect(r"^RESULT \S+.*", 120).group(0)
    fw.expect(r"^STATE DONE$", 30)
    if not line.startswith("RESULT STOPPED"):
        raise RuntimeError("stop failed: " + line)
    return timing(fw), int(line.rsplit("ms=", 1)[1])


class Setup:
    """What every case needs: the ELF, the mock, the CA and the token."""

    def __init__(self, elf, mock, ca, token):
        self.elf, self.mock, self.ca, self.token = elf, mock, ca, token

    def boot(self, hold_ms=200):
        fw = h.Firmware(self.elf, max_seconds=240, qemu_extra=["-icount", "shift=0"])
        fw.expect(r"^STATE READY$", 60)
        fw.provision(self.mock.endpoint(), h.TASK_ID, h.RECORD_RUNNING, self.token,
                     self.ca, hold_ms=hold_ms)
        return fw


def run_boot(st, presses, hold_ms=200, check=None):
    """Boot, optionally check the firmware can do the case (check(fw) false:
    None), then `presses` presses; their (request_us, result_ms)."""
    fw = st.boot(hold_ms)
    try:
        if check is not None and not check(fw):
            return None
        out = []
        for _ in range(presses):
            st.mock.reset()
            out.append(press(fw, None if hold_ms is None else 250))
        return out
    finally:
        fw.exit()
        fw.kill()


def case_cold_and_resumed(st):
    """The first press of a boot (full handshake), then RESUMED_PER_ROUND
    presses that resume its session: one boot serves both cases."""
    out = run_boot(st, 1 + RESUMED_PER_ROUND)
    return {"cold": out[:1], "resumed": out[1:]}


UNSUPPORTED = set()


def case_prehandshake(st):
    """A press with the board's default hold on a fresh boot: with the
    handshake started at button-down the request leaves as the hold is
    accepted. Only when the firmware says it does that (asked once)."""
    def supported(fw):
        ok = "prehandshake" in fw.stats()
        if not ok:
            UNSUPPORTED.add("prehandshake")
        return ok
    if "prehandshake" in UNSUPPORTED:
        return {"prehandshake": None}
    return {"prehandshake": run_boot(st, 1, hold_ms=None, check=supported)}


CASES = (case_cold_and_resumed, case_prehandshake)
NAMES = ("cold", "resumed", "prehandshake")
LABELS = {"cold": "cold (full handshake)", "resumed": "resumed (ticket)",
          "prehandshake": "prehandshake (default hold)"}


def seconds(m_instr, cpi, mhz):
    return m_instr * cpi / mhz


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    cpi = DEFAULT_CPI
    if "--cpi" in sys.argv:
        cpi = float(sys.argv[sys.argv.index("--cpi") + 1])
        args.remove(sys.argv[sys.argv.index("--cpi") + 1])
    elf, work = args[0], os.path.abspath(args[1])
    rounds = int(args[2]) if len(args) > 2 else 3
    os.makedirs(work, exist_ok=True)
    certs = h.make_certs(os.path.join(work, "certs"))
    with open(os.path.join(certs, "ca.pem")) as f:
        ca = f.read()
    token = "M" * 1000
    mock = h.Mock(work, "latency", certs, token, max_seconds=900)
    got = {n: [] for n in NAMES}
    na = set()
    try:
        for _ in range(rounds):
            for case in CASES:
                for name, xs in case(Setup(elf, mock, ca, token)).items():
                    if xs is None:
                        na.add(name)
                    else:
                        got[name].extend(xs)
        # The firmware's handshakes: those whose connection carried a PUT
        # (the resets are control calls from this host).
        puts = {e["conn"] for e in mock.events("request") if e.get("method") == "PUT"}
        hs = [e["session_reused"] for e in mock.events("handshake") if e["conn"] in puts]
    finally:
        mock.stop()
    if sum(hs) != len(got["resumed"]):
        print("latency: the mock saw %d resumed handshakes, expected %d"
              % (sum(hs), len(got["resumed"])), file=sys.stderr)
        return 1
    print("press accepted -> first request byte on the wire, and -> RESULT line; guest "
          "instructions, QEMU mps2-an385 -icount shift=0 (1 instruction = 1 ns), TLS 1.2 "
          "ECDHE-ECDSA P-256 AES-128-GCM, mock on the host's loopback; medians of %d "
          "boot(s). Seconds on a Cortex-M3 assume %.2f cycles per instruction. RESULT "
          "is the board's ms= (whole ms: between the two numbers) and includes the "
          "mock's answer over the host's loopback."
          % (rounds, cpi))
    hdr = "| case | runs | first byte (M) | min-max (M) |"
    hdr += "".join(" s @ %d MHz |" % f for f in CLOCKS_MHZ)
    hdr += " RESULT (M) |" + "".join(" s @ %d MHz |" % f for f in CLOCKS_MHZ)
    print(hdr)
    print("|---|---:|---:|---:|" + "---:|" * (2 * len(CLOCKS_MHZ) + 1))
    medians = {}
    for name in NAMES:
        xs = got[name]
        if not xs:
            print("| %s | 0 | n/a |" % LABELS[name] + " |" * (2 * len(CLOCKS_MHZ) + 2))
            continue
        req = [x[0] / 1000.0 for x in xs]
        res = [float(x[1]) for x in xs]
        m, r = statistics.median(req), statistics.median(res)
        medians[name] = m
        row = "| %s | %d | %.1f | %.1f-%.1f |" % (LABELS[name], len(xs), m, min(req), max(req))
        row += "".join(" %.2f |" % seconds(m, cpi, f) for f in CLOCKS_MHZ)
        # ms= counts whole ms: the time is in [r, r + 1) M; seconds from the middle.
        row += " %d-%d |" % (r, r + 1) + "".join(" %.2f |" % seconds(r + 0.5, cpi, f)
                                                for f in CLOCKS_MHZ)
        print(row)
    print("latency: " + " ".join(
        "%s=%s" % (n, "%.1f" % medians[n] if n in medians else "n/a") for n in NAMES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
