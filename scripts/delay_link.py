#!/usr/bin/env python3
"""A delayed link between two network namespaces, without netem.

Two namespaces, dsrtt-srv (10.77.0.1) and dsrtt-cli (10.77.0.2), each hold one
TUN device (dsrtt0, point-to-point, IPv4 only). A relay process in the root
namespace holds both TUN file descriptors: it reads every IP packet one side
sends and writes it into the other side after a fixed one-way delay, in the
order it arrived (one FIFO per direction; no loss, no rate limit). The TUN
devices are not persistent: they vanish when the relay exits. No interface
outside the two namespaces is touched and no packet leaves them.

As a program (root; Linux with /dev/net/tun and iproute2):

  delay_link.py [--delay-ms 25] [--server CMD] [--server-ready-file F]
                [--client CMD] [--runs N] [--timeout S]

sets up the link, prints the calibration (TCP connect from the client
namespace to the server namespace = 1 RTT), starts CMD (sh -c) in the server
namespace, waits for F to exist (if given), runs the client command (sh -c) in
the client namespace N times, prints each wall time, and tears everything
down (also on errors, SIGINT, SIGTERM and after --timeout). The commands see
DSRTT_SRV_ADDR, DSRTT_CLI_ADDR and DSRTT_DELAY_MS in their environment.

As a library (scripts/rtt_report.py): `with Link(delay_ms) as link:` then
link.popen("srv"|"cli", argv), link.run("cli", argv, timeout), link.calibrate(),
`with in_netns(link.srv_ns):` for sockets made in this process.

Only one link exists at a time (lock /run/dsrtt.lock); a link left behind by a
killed run (same namespace names) is removed first.
"""
import argparse
import collections
import contextlib
import ctypes
import errno
import fcntl
import json
import os
import select
import signal
import statistics
import struct
import subprocess
import sys
import time

SRV_NS = "dsrtt-srv"
CLI_NS = "dsrtt-cli"
SRV_ADDR = "10.77.0.1"
CLI_ADDR = "10.77.0.2"
TUN_NAME = "dsrtt0"
MTU = 1500
LOCK_PATH = "/run/dsrtt.lock"
NETNS_DIR = "/run/netns"

CLONE_NEWNET = 0x40000000
TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
PR_SET_PDEATHSIG = 1
CLEANUP_SIGNALS = {signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGALRM}

_libc = ctypes.CDLL(None, use_errno=True)


def _setns(fd):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, "setns: " + os.strerror(e))


@contextlib.contextmanager
def in_netns(ns):
    """This thread's network namespace is `ns` inside the block (sockets made
    there stay in it); restored on the way out, also on errors."""
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    try:
        target = os.open(os.path.join(NETNS_DIR, ns), os.O_RDONLY | os.O_CLOEXEC)
        try:
            _setns(target)
            try:
                yield
            finally:
                _setns(home)
        finally:
            os.close(target)
    finally:
        os.close(home)


def _enter_netns_in_child(path):
    """preexec_fn: the forked child joins the namespace before exec (cheaper
    and more exact to time than `ip netns exec`)."""
    def enter():
        # Dies with this process, even if it is killed with SIGKILL.
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        fd = os.open(path, os.O_RDONLY)
        _setns(fd)
        os.close(fd)
    return enter


def _ip(*args, check=True):
    return subprocess.run(["ip"] + list(args), check=check, timeout=10,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


# ------------------------------------------------------------------ relay
def relay_main(a):
    """The relay process: create both TUNs (each inside its namespace), say
    "ready", then move packets with the delay until SIGTERM, the parent's
    death, or --max-seconds."""
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    parent = os.getppid()
    fds = []
    for ns in (a.srv_ns, a.cli_ns):
        with in_netns(ns):
            # The device is created in the namespace of the opener.
            fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
            fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", a.tun.encode(),
                                                   IFF_TUN | IFF_NO_PI))
        fds.append(fd)
    srv, cli = fds
    peer = {srv: cli, cli: srv}
    queue = {srv: collections.deque(), cli: collections.deque()}  # packets read from fd
    stats = {"srv->cli": [0, 0], "cli->srv": [0, 0], "dropped": 0}
    name = {srv: "srv->cli", cli: "cli->srv"}
    delay = a.delay_ms / 1000.0
    end = time.monotonic() + a.max_seconds
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while not stop:
        now = time.monotonic()
        if now > end or os.getppid() != parent:
            break
        # Send what is due, oldest first; order within a direction is kept
        # because the delay is the same for every packet.
        for src in (srv, cli):
            q = queue[src]
            while q and q[0][0] <= now:
                _, pkt = q.popleft()
                try:
                    os.write(peer[src], pkt)
                    stats[name[src]][0] += 1
                    stats[name[src]][1] += len(pkt)
                except OSError:  # device down or its queue full: a lost packet
                    stats["dropped"] += 1
        heads = [q[0][0] for q in queue.values() if q]
        timeout = 0.2
        if heads:
            timeout = min(timeout, max(0.0, min(heads) - now))
        try:
            # select() takes microseconds (epoll/poll round up to 1 ms).
            ready, _, _ = select.select([srv, cli], [], [], timeout)
        except InterruptedError:
            continue
        t = time.monotonic()
        for fd in ready:
            while True:
                try:
                    pkt = os.read(fd, 65536)
                except (BlockingIOError, InterruptedError):
                    break
                except OSError as e:
                    if e.errno == errno.EBADFD:  # device not up yet
                        break
                    raise
                queue[fd].append((t + delay, pkt))
    for fd in fds:
        os.close(fd)
    sys.stderr.write("relay: %s\n" % json.dumps(stats))
    return 0


# ------------------------------------------------------------------- link
class Link:
    """Namespaces + TUNs + relay with a fixed one-way delay. Use as a context
    manager: everything it started is stopped and the namespaces deleted on
    the way out, whatever happened."""

    def __init__(self, delay_ms=25.0, max_seconds=900, log=sys.stderr):
        self.delay_ms = float(delay_ms)
        self.max_seconds = max_seconds
        self.srv_ns, self.cli_ns = SRV_NS, CLI_NS
        self.srv_addr, self.cli_addr = SRV_ADDR, CLI_ADDR
        self.log = log
        self._lock = None
        self._relay = None
        self._procs = []
        self._made_ns = []

    # -------------------------------------------------------- set up
    def __enter__(self):
        try:
            self._take_lock()
            self._remove_leftovers()
            self._setup()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def _take_lock(self, wait_s=120):
        self._lock = open(LOCK_PATH, "a")
        end = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > end:
                    raise RuntimeError("delay_link: %s held by another run for %d s"
                                       % (LOCK_PATH, wait_s))
                time.sleep(0.2)

    def _ns_exists(self, ns):
        return os.path.exists(os.path.join(NETNS_DIR, ns))

    def _remove_leftovers(self):
        """A run killed with SIGKILL can leave our namespaces behind (its relay
        dies with it: PDEATHSIG). We hold the lock, so they are not in use."""
        for ns in (self.srv_ns, self.cli_ns):
            if self._ns_exists(ns):
                self._say("removing namespace %s left by an earlier run" % ns)
                self._kill_ns_pids(ns)
                _ip("netns", "del", ns, check=False)

    def _setup(self):
        for ns in (self.srv_ns, self.cli_ns):
            _ip("netns", "add", ns)
            self._made_ns.append(ns)
            _ip("-n", ns, "link", "set", "lo", "up")
            # IPv4 only: no link-local addresses, router solicitations or MLD
            # on the link, only the traffic under test.
            for conf in ("all", "default"):
                subprocess.run(["ip", "netns", "exec", ns, "sysctl", "-q", "-w",
                                "net.ipv6.conf.%s.disable_ipv6=1" % conf],
                               check=True, timeout=10, stdout=subprocess.DEVNULL)
        self._relay = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--relay",
             "--srv-ns", self.srv_ns, "--cli-ns", self.cli_ns, "--tun", TUN_NAME,
             "--delay-ms", repr(self.delay_ms), "--max-seconds", str(self.max_seconds)],
            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        ready, _, _ = select.select([self._relay.stdout], [], [], 10)
        if not ready or self._relay.stdout.readline().strip() != "ready":
            raise RuntimeError("delay_link: relay did not start")
        for ns, local, remote in ((self.srv_ns, self.srv_addr, self.cli_addr),
                                  (self.cli_ns, self.cli_addr, self.srv_addr)):
            _ip("-n", ns, "link", "set", TUN_NAME, "mtu", str(MTU))
            _ip("-n", ns, "addr", "add", local + "/32", "peer", remote + "/32",
                "dev", TUN_NAME)
            _ip("-n", ns, "link", "set", TUN_NAME, "up")
        self._say("link up: %s (%s) <-> %s (%s), %g ms each way, MTU %d"
                  % (self.srv_ns, self.srv_addr, self.cli_ns, self.cli_addr,
                     self.delay_ms, MTU))

    # ------------------------------------------------------ processes
    def _ns(self, side):
        return {"srv": self.srv_ns, "cli": self.cli_ns}.get(side, side)

    def env(self, extra=None):
        env = dict(os.environ)
        env.update(DSRTT_SRV_ADDR=self.srv_addr, DSRTT_CLI_ADDR=self.cli_addr,
                   DSRTT_DELAY_MS="%g" % self.delay_ms)
        if extra:
            env.update(extra)
        return env

    def popen(self, side, argv, **kw):
        """Starts argv in the "srv" or "cli" namespace; close() stops it."""
        kw.setdefault("env", self.env())
        p = subprocess.Popen(argv, preexec_fn=_enter_netns_in_child(
            os.path.join(NETNS_DIR, self._ns(side))), **kw)
        self._procs.append(p)
        return p

    def run(self, side, argv, timeout=60, **kw):
        """Runs argv to completion in a namespace; returns (returncode, stdout,
        stderr, wall seconds from fork to reaped exit)."""
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.PIPE)
        kw.setdefault("text", True)
        t0 = time.perf_counter()
        p = self.popen(side, argv, **kw)
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._stop(p)
            raise RuntimeError("delay_link: %s did not finish in %d s" % (argv[0], timeout))
        wall = time.perf_counter() - t0
        self._procs.remove(p)
        return p.returncode, out, err, wall

    # ---------------------------------------------------- calibration
    _LISTENER = r"""
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 0)); s.listen(16); s.settimeout(30)
print(s.getsockname()[1], flush=True)
for _ in range(int(sys.argv[2])):
    c, _ = s.accept(); c.close()
"""
    _CONNECTOR = r"""
import json, socket, sys, time
out = []
for _ in range(int(sys.argv[3])):
    s = socket.socket(); s.settimeout(10)
    t0 = time.perf_counter(); s.connect((sys.argv[1], int(sys.argv[2])))
    out.append((time.perf_counter() - t0) * 1000); s.close(); time.sleep(0.02)
print(json.dumps(out))
"""

    def calibrate(self, n=5):
        """TCP connects from the client namespace to the server namespace:
        connect() returns when the SYN-ACK is back, one round trip. Returns
        the times in ms."""
        lst = self.popen("srv", [sys.executable, "-c", self._LISTENER, self.srv_addr,
                                 str(n)], stdout=subprocess.PIPE, text=True)
        try:
            ready, _, _ = select.select([lst.stdout], [], [], 10)
            if not ready:
                raise RuntimeError("delay_link: calibration listener did not start")
            port = lst.stdout.readline().strip()
            rc, out, err, _ = self.run("cli", [sys.executable, "-c", self._CONNECTOR,
                                               self.srv_addr, port, str(n)], timeout=30)
            if rc != 0:
                raise RuntimeError("delay_link: calibration failed: " + err.strip())
            return json.loads(out)
        finally:
            self._stop(lst)

    def calibration_line(self, n=5):
        ms = self.calibrate(n)
        return ms, ("calibration: TCP connect %s -> %s (1 RTT), %d tries: median %.1f ms, "
                    "min %.1f, max %.1f (nominal RTT %.1f ms)"
                    % (self.cli_ns, self.srv_ns, n, statistics.median(ms), min(ms),
                       max(ms), 2 * self.delay_ms))

    # ------------------------------------------------------- tear down
    def _stop(self, p):
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)
        for f in (p.stdout, p.stderr, p.stdin):
            if f:
                f.close()
        if p in self._procs:
            self._procs.remove(p)

    def _kill_ns_pids(self, ns):
        """Processes still in one of our namespaces (started by this tool)."""
        r = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True,
                           timeout=10)
        for pid in r.stdout.split():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid), signal.SIGKILL)

    def close(self):
        # A signal now would cut the cleanup short: hold them until it is done.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, CLEANUP_SIGNALS)
        try:
            self._close()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)

    def _close(self):
        for p in list(self._procs):
            with contextlib.suppress(Exception):
                self._stop(p)
        if self._relay is not None:
            with contextlib.suppress(Exception):
                self._stop(self._relay)
            self._relay = None
        for ns in self._made_ns:
            with contextlib.suppress(Exception):
                self._kill_ns_pids(ns)
            with contextlib.suppress(Exception):
                _ip("netns", "del", ns, check=False)
        self._made_ns = []
        if self._lock is not None:
            self._lock.close()  # releases the flock
            self._lock = None

    def _say(self, msg):
        if self.log:
            print("delay_link: " + msg, file=self.log, flush=True)


# ------------------------------------------------------- bounded in time
class Deadline(Exception):
    pass


def bounded(seconds):
    """SIGALRM after `seconds`, SIGTERM/SIGHUP: raise, so that every `with
    Link` unwinds and cleans up."""
    def on_alarm(*_):
        raise Deadline("delay_link: over the %d s time limit" % seconds)

    def on_term(signum, _):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)
    signal.alarm(int(seconds))


def wait_file(path, timeout, proc=None):
    end = time.monotonic() + timeout
    while not os.path.exists(path):
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("delay_link: server exited (%d) before %s appeared"
                               % (proc.returncode, path))
        if time.monotonic() > end:
            raise RuntimeError("delay_link: %s did not appear in %d s" % (path, timeout))
        time.sleep(0.02)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--delay-ms", type=float, default=25.0, help="one-way delay (25)")
    ap.add_argument("--server", help="shell command run in the server namespace")
    ap.add_argument("--server-ready-file", help="wait for this file before the client")
    ap.add_argument("--client", help="shell command run in the client namespace")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--timeout", type=int, default=300, help="whole run limit, s (300)")
    ap.add_argument("--calibrations", type=int, default=5)
    # internal: the relay process
    ap.add_argument("--relay", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--srv-ns", default=SRV_NS, help=argparse.SUPPRESS)
    ap.add_argument("--cli-ns", default=CLI_NS, help=argparse.SUPPRESS)
    ap.add_argument("--tun", default=TUN_NAME, help=argparse.SUPPRESS)
    ap.add_argument("--max-seconds", type=int, default=900, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.relay:
        return relay_main(a)
    if os.geteuid() != 0:
        sys.exit("delay_link: needs root (network namespaces, /dev/net/tun)")
    bounded(a.timeout)
    with Link(a.delay_ms, max_seconds=a.timeout + 30) as link:
        print(link.calibration_line(a.calibrations)[1], flush=True)
        server = None
        if a.server:
            server = link.popen("srv", ["sh", "-c", a.server])
            if a.server_ready_file:
                wait_file(a.server_ready_file, 30, server)
        walls = []
        rc = 0
        if a.client:
            for i in range(a.runs):
                rc, out, err, wall = link.run("cli", ["sh", "-c", a.client],
                                              timeout=a.timeout)
                sys.stdout.write(out)
                sys.stderr.write(err)
                walls.append(wall)
                print("client run %d: exit %d, wall %.1f ms = %.2f RTT"
                      % (i + 1, rc, wall * 1000, wall * 1000 / (2 * a.delay_ms)
                         if a.delay_ms else float("nan")), flush=True)
            if len(walls) > 1:
                print("client median wall %.1f ms" % (statistics.median(walls) * 1000))
        if server is not None and server.poll() is not None:
            print("server exited early with %d" % server.returncode, file=sys.stderr)
    return rc


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Deadline as e:
        sys.exit(str(e))
    except KeyboardInterrupt:
        sys.exit(130)
