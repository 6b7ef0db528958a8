#!/usr/bin/env python3
"""Round trips per stop of the kill-switch firmware over a delayed link.

QEMU's user networking (slirp) is the firmware's peer TCP stack: it ends the
guest's TCP connections and opens its own to the mock on the host's
loopback. To put a delay where the guest's TCP sees it, the guest NIC and
slirp are split apart inside one QEMU: the NIC sends its Ethernet frames
over a UDP socket (`-nic socket,udp=`), slirp sits on a hub with a second
UDP socket, and this script relays the frames between the two sockets,
holding each one DELAY ms in each direction (one FIFO per direction, no
loss, no rate limit; everything stays on 127.0.0.1, no root, no netem).

Each case boots a blank firmware, provisions it (short or long token, a
pinned record, `set prehandshake off` so the press makes its connection)
and waits for READY (its self-test makes one handshake). Cold presses go to
a mock that refuses TLS resumption (a full handshake each), resumed ones to
a mock that resumes the self-test's session. The relay times each press's
connection on the host's clock: from the guest's SYN to the server's last
bytes reaching the guest; a press is the stop and the state call that sees
the record ended, on the same connection. The same cases run with no delay
and with DELAY; round trips = (ms with delay - ms without) / (2 x DELAY).
The firmware's compute time (QEMU without -icount runs in real time) is in
both and cancels out, up to the host's jitter.

Usage: fw_rtt.py ELF WORKDIR [--delay-ms 100] [--resumed 2] [--long 20000]
Ends with one line `fw-rtt: cold_short=N resumed_short=N cold_long=N
resumed_long=N` (round trips, medians).
"""
import argparse
import heapq
import os
import select
import socket
import statistics
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "firmware"))
import fwharness as h  # noqa: E402


class FrameRelay:
    """Ethernet frames between two UDP peers, each held `delay_s`."""

    def __init__(self, delay_s):
        self.delay = delay_s
        self.a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.a.bind(("127.0.0.1", 0))
        self.b.bind(("127.0.0.1", 0))
        # QEMU's ends: ports reserved here, bound by QEMU (localaddr=).
        self.qa = self._free_port()
        self.qb = self._free_port()
        self.frames = 0
        self.stop = False
        self.trace = open(os.environ["FW_RTT_TRACE"], "a") if os.environ.get("FW_RTT_TRACE") else None
        self.t0 = time.monotonic()
        # Per TCP connection the guest opened: [SYN sent, last server
        # payload reaching the guest] on the host's clock.
        self.conns = []
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    @staticmethod
    def _free_port():
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        return port

    def qemu_args(self):
        """The guest NIC on one socket; slirp and the other socket on hub 1."""
        return ["-nic", "socket,model=lan9118,udp=127.0.0.1:%d,localaddr=127.0.0.1:%d"
                % (self.a.getsockname()[1], self.qa),
                "-netdev", "user,id=u0",
                "-netdev", "hubport,id=hp0,hubid=1,netdev=u0",
                "-netdev", "socket,id=s1,udp=127.0.0.1:%d,localaddr=127.0.0.1:%d"
                % (self.b.getsockname()[1], self.qb),
                "-netdev", "hubport,id=hp1,hubid=1,netdev=s1"]

    def _run(self):
        pending = []  # (due, seq, socket, frame, destination)
        seq = 0
        while not self.stop:
            timeout = 0.05
            if pending:
                timeout = max(0.0, min(timeout, pending[0][0] - time.monotonic()))
            r, _, _ = select.select([self.a, self.b], [], [], timeout)
            now = time.monotonic()
            for s in r:
                frame = s.recv(65536)
                self._note(now, s is self.a, frame)
                out, dst = (self.b, self.qb) if s is self.a else (self.a, self.qa)
                heapq.heappush(pending, (now + self.delay, seq, out, frame, dst))
                seq += 1
            now = time.monotonic()
            while pending and pending[0][0] <= now:
                _, _, out, frame, dst = heapq.heappop(pending)
                out.sendto(frame, ("127.0.0.1", dst))
                self.frames += 1

    def _note(self, now, from_guest, f):
        """Connection times, and one trace line per TCP frame (time,
        direction, flags, payload bytes, window) when FW_RTT_TRACE is set."""
        if len(f) < 54 or f[12:14] != b"\x08\x00" or f[23] != 6:
            return
        ihl = (f[14] & 15) * 4
        tcp = 14 + ihl
        total = int.from_bytes(f[16:18], "big")
        doff = (f[tcp + 12] >> 4) * 4
        payload = total - ihl - doff
        flags = f[tcp + 13]
        if from_guest and flags & 2:
            self.conns.append([now, None])
        elif not from_guest and payload > 0 and self.conns:
            self.conns[-1][1] = now + self.delay
        if not self.trace:
            return
        names = "".join(c for c, b in zip("FSRPA", (1, 2, 4, 8, 16)) if flags & b)
        win = int.from_bytes(f[tcp + 14:tcp + 16], "big")
        self.trace.write("%8.1f %s %-5s %5d win=%d\n" % ((now - self.t0) * 1000,
                                                        "fw->srv" if from_guest else "srv->fw",
                                                        names, payload, win))

    def close(self):
        self.stop = True
        if self.trace:
            self.trace.close()
        self.t.join(2)
        self.a.close()
        self.b.close()


def linked_firmware(elf, relay, max_seconds=300):
    """fwharness.Firmware (a blank device) with the NIC on the relay instead
    of `-nic user`."""
    return h.Firmware(elf, max_seconds=max_seconds, nic=relay.qemu_args())


def press(fw, timeout):
    time.sleep(1.5)
    fw.cmd("press 250", timeout=30)
    fw.expect(r"^STATE HOLDING$", 30)
    fw.expect(r"^STATE STOPPING$", 60)
    line = fw.expect(r"^RESULT \S+.*", timeout).group(0)
    fw.expect(r"^STATE DONE$", 30)
    if not line.startswith("RESULT STOPPED"):
        raise RuntimeError("stop failed: " + line)
    return int(line.rsplit("ms=", 1)[1])


def run_case(elf, work, mock, ca, token, delay_ms, presses):
    """Per press, ms on the host's clock from the guest's SYN to the
    server's last bytes reaching the guest."""
    relay = FrameRelay(delay_ms / 1000.0)
    fw = linked_firmware(elf, relay)
    try:
        fw.expect(r"^STATE NOT_READY", 60)
        fw.provision(mock.endpoint(), h.TASK_ID, h.RECORD_RUNNING, token, ca,
                     hold_ms=200, deadline_ms=60000)
        if fw.cmd("set prehandshake off") != "OK prehandshake":
            raise RuntimeError("the firmware cannot turn prehandshake off")
        fw.expect(r"^STATE READY$", 60 + 20 * delay_ms / 1000.0)
        out = []
        for _ in range(presses):
            mock.reset()
            before = len(relay.conns)
            press(fw, 120)
            time.sleep(2 * delay_ms / 1000.0 + 0.1)
            if len(relay.conns) != before + 1 or relay.conns[-1][1] is None:
                raise RuntimeError("expected one connection per press, saw %d"
                                   % (len(relay.conns) - before))
            syn, last = relay.conns[-1]
            out.append((last - syn) * 1000.0)
        return out
    finally:
        fw.exit()
        fw.kill()
        relay.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("elf")
    ap.add_argument("work")
    ap.add_argument("--delay-ms", type=int, default=100, help="one way")
    ap.add_argument("--resumed", type=int, default=2)
    ap.add_argument("--long", type=int, default=20000)
    ap.add_argument("--rounds", type=int, default=1)
    a = ap.parse_args()
    work = os.path.abspath(a.work)
    os.makedirs(work, exist_ok=True)
    certs = h.make_certs(os.path.join(work, "certs"))
    with open(os.path.join(certs, "ca.pem")) as f:
        ca = f.read()
    rtt = 2 * a.delay_ms
    rows = {}
    for name, token in (("short", "M" * 40), ("long", "M" * a.long)):
        for kind, extra, presses in (("cold", ["--no-resumption"], 1 + a.resumed),
                                     ("resumed", [], 1 + a.resumed)):
            mock = h.Mock(work, "rtt-%s-%s" % (kind, name), certs, token, extra=extra,
                          max_seconds=1800)
            try:
                res = {0: [], a.delay_ms: []}
                for _ in range(a.rounds):
                    for d in (0, a.delay_ms):
                        res[d].extend(run_case(a.elf, work, mock, ca, token, d, presses))
            finally:
                mock.stop()
            base = statistics.median(res[0])
            slow = statistics.median(res[a.delay_ms])
            rows[(kind, name)] = (base, slow, (slow - base) / rtt)
    print("round trips per stop, firmware in QEMU (no -icount), link delay %d ms each way "
          "(RTT %d ms), medians; token short = 40 chars, long = %d chars"
          % (a.delay_ms, rtt, a.long))
    print("| press | token | SYN to answer, ms, no delay | the same, delayed | round trips |")
    print("|---|---|---:|---:|---:|")
    for (kind, name), (base, slow, n) in rows.items():
        print("| %s | %s | %.0f | %.0f | %.1f |" % (kind, name, base, slow, n))
    print("fw-rtt: " + " ".join("%s_%s=%d" % (k, n, round(v[2])) for (k, n), v in rows.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
