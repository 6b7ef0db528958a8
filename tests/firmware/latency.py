"""`make latency`: guest instructions from the press being accepted to the
first request byte on the wire and to the RESULT line, in QEMU with
`-icount shift=0` (one guest instruction = 1 ns of virtual time: the
board's `TIMING request_us=N` line is N thousand instructions, its
`RESULT ... ms=N` N million), against the mock with the ECDSA P-256
certificate chain (TLS 1.2, ECDHE-ECDSA, AES-128-GCM).

One function per case (CASES): each boots a fresh firmware (no session in
RAM) and returns its presses' (request_us, result_ms) pairs, or None when
the firmware cannot do the case (printed n/a):
  cold          a full handshake after the press is accepted: a mock that
                refuses resumption, `set prehandshake off`
  resumed       the session of the self-test's handshake (session ticket),
                `set prehandshake off`
  prehandshake  the board's default hold (1.5 s) with the connection and a
                full handshake started at button-down (`set prehandshake on`,
                the mock that refuses resumption)
Each boot is a blank device provisioned over the console; it says READY
after its self-test.

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
    """What every case needs: the ELF, the mocks (one that resumes TLS
    sessions, one that refuses to: every handshake on it is a full one),
    the CA and the token."""

    def __init__(self, elf, mock, cold_mock, ca, token):
        self.elf, self.mock, self.cold_mock = elf, mock, cold_mock
        self.ca, self.token = ca, token

    def boot(self, mock, prehandshake, hold_ms=200):
        """A blank device provisioned and READY (its self-test made one
        handshake, which leaves a session in RAM: on `mock` the presses
        resume it, on `cold_mock` they cannot)."""
        fw = h.Firmware(self.elf, max_seconds=300, qemu_extra=["-icount", "shift=0"])
        fw.expect(r"^STATE NOT_READY", 120)
        fw.provision(mock.endpoint(), h.TASK_ID, h.RECORD_RUNNING, self.token,
                     self.ca, hold_ms=hold_ms)
        r = fw.cmd("set prehandshake " + ("on" if prehandshake else "off"))
        if r != "OK prehandshake":
            fw.kill()
            return None
        fw.expect(r"^STATE READY$", 120)
        return fw


FEED_GAPS = []


def run_boot(st, mock, presses, prehandshake=False, hold_ms=200):
    """Boot, then `presses` presses; their (request_us, result_ms). None when
    the firmware cannot do the case."""
    fw = st.boot(mock, prehandshake, hold_ms)
    if fw is None:
        return None
    try:
        out = []
        for _ in range(presses):
            mock.reset()
            out.append(press(fw, None if hold_ms is None else 250))
        FEED_GAPS.append(int(fw.stats().get("feed_gap_max_us", "0")))
        return out
    finally:
        fw.exit()
        fw.kill()


def case_cold(st):
    """Presses against a server that refuses resumption: a full handshake
    after each press is accepted (prehandshake off)."""
    return {"cold": run_boot(st, st.cold_mock, 2)}


def case_resumed(st):
    """Presses that resume the session of the self-test's handshake
    (prehandshake off)."""
    return {"resumed": run_boot(st, st.mock, RESUMED_PER_ROUND)}


def case_prehandshake(st):
    """The board's default hold (1.5 s) with the connection and a full
    handshake started at button-down: the request leaves as the hold is
    accepted."""
    return {"prehandshake": run_boot(st, st.cold_mock, 1, prehandshake=True,
                                     hold_ms=None)}


CASES = (case_cold, case_resumed, case_prehandshake)
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
    mock = h.Mock(work, "latency", certs, token, max_seconds=1500)
    cold_mock = h.Mock(work, "latency-cold", certs, token, extra=["--no-resumption"],
                       max_seconds=1500)
    got = {n: [] for n in NAMES}
    na = set()
    try:
        for _ in range(rounds):
            for case in CASES:
                for name, xs in case(Setup(elf, mock, cold_mock, ca, token)).items():
                    if xs is None:
                        na.add(name)
                    else:
                        got[name].extend(xs)
        # The firmware's handshakes: those whose connection carried a PUT
        # (the resets are control calls from this host).
        puts = {e["conn"] for e in mock.events("request") if e.get("method") == "PUT"}
        hs = [e["session_reused"] for e in mock.events("handshake") if e["conn"] in puts]
        cold_puts = {e["conn"] for e in cold_mock.events("request") if e.get("method") == "PUT"}
        cold_reused = [e for e in cold_mock.events("handshake")
                       if e["conn"] in cold_puts and e["session_reused"]]
    finally:
        mock.stop()
        cold_mock.stop()
    if cold_reused:
        print("latency: the no-resumption mock resumed %d sessions" % len(cold_reused),
              file=sys.stderr)
        return 1
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
    if FEED_GAPS:
        print("Longest stretch between two watchdog feeds over these boots: %.1f M "
              "instructions (%.2f s at 25 MHz, CPI %.2f; the watchdog resets after 8 s)."
              % (max(FEED_GAPS) / 1000.0, seconds(max(FEED_GAPS) / 1000.0, cpi, 25), cpi))
    print("latency: " + " ".join(
        "%s=%s" % (n, "%.1f" % medians[n] if n in medians else "n/a") for n in NAMES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
