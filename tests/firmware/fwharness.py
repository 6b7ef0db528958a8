"""Drive the kill-switch firmware in QEMU (mps2-an385) against the mock.

Used by the firmware tests and the firmware demo. Everything is bounded:
QEMU runs under a wall-clock limit and is killed when the harness exits;
the mock runs with --max-seconds.
"""
import http.client
import json
import os
import queue
import re
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MOCK = os.path.join(ROOT, "tests", "mock", "mock_deploy.py")
MAKE_CERTS = os.path.join(ROOT, "tests", "mock", "make_certs.py")

TASK_ID = "e700f15965694253940502911220d76b"
RECORD_RUNNING = "2c82ffe8d00d4968a4e5f7a36d87ae17"
RECORD_FINISHED = "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"
RECORD_UNKNOWN = "0123456789abcdef0123456789abcdef"
GUEST_HOST_IP = "10.0.2.2"   # QEMU user networking: the host's loopback


class Mock:
    """One mock_deploy.py process on 127.0.0.1 with its own log."""

    def __init__(self, workdir, name, certs, token, extra=(), max_seconds=300):
        self.log_path = os.path.join(workdir, "mock-%s.log" % name)
        ready = os.path.join(workdir, "mock-%s.port" % name)
        for p in (self.log_path, ready):
            if os.path.exists(p):
                os.unlink(p)
        cmd = [sys.executable, MOCK, "--certs", certs, "--port", "0",
               "--ready-file", ready, "--bind", "127.0.0.1", "--tls-max", "1.2",
               "--token", token, "--log", self.log_path,
               "--max-seconds", str(max_seconds)] + list(extra)
        self.err = open(os.path.join(workdir, "mock-%s.err" % name), "w")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self.err)
        deadline = time.monotonic() + 15
        while not os.path.exists(ready):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("mock %s did not start (see %s.err)" % (name, name))
            time.sleep(0.05)
        with open(ready) as f:
            self.port = int(f.read().strip())
        self.ca = os.path.join(certs, "ca.pem")

    def endpoint(self):
        return "https://%s:%d" % (GUEST_HOST_IP, self.port)

    def control(self, method, path, body=None):
        """A /__mock/ control call from this host (never faulted, no auth)."""
        ctx = ssl.create_default_context(cafile=self.ca)
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=ctx, timeout=10)
        try:
            data = json.dumps(body).encode() if body is not None else None
            conn.request(method, path, body=data,
                         headers={"Content-Type": "application/json"} if data else {})
            resp = conn.getresponse()
            return resp.status, json.loads(resp.read() or b"null")
        finally:
            conn.close()

    def reset(self):
        """Records back to their initial states (the log is kept)."""
        status, _ = self.control("POST", "/__mock/reset", {})
        if status != 200:
            raise AssertionError("mock reset -> %d" % status)

    def events(self, kind):
        out = []
        if os.path.exists(self.log_path):
            with open(self.log_path) as f:
                for line in f:
                    line = line.strip()
                    if line:
                        ev = json.loads(line)
                        if ev.get("event") == kind:
                            out.append(ev)
        return out

    def puts(self, count, timeout=5.0):
        """The PUT (stop) requests, once `count` of them were seen (a press
        also makes GET calls: discovery and the wait for the end)."""
        deadline = time.monotonic() + timeout
        while True:
            out = [r for r in self.events("request") if r.get("method") == "PUT"]
            if len(out) >= count or time.monotonic() > deadline:
                return out
            time.sleep(0.05)

    def wait_events(self, kind, count, timeout=5.0):
        deadline = time.monotonic() + timeout
        while True:
            evs = self.events(kind)
            if len(evs) >= count or time.monotonic() > deadline:
                return evs
            time.sleep(0.05)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.err.close()


class Firmware:
    """QEMU running the image; the console on stdin/stdout pipes."""

    NIC_USER = ("-nic", "user,model=lan9118")

    def __init__(self, elf, max_seconds=240, echo=None, qemu_extra=(), flash_dir=None,
                 fresh_flash=False, nic=NIC_USER):
        """flash_dir: where the board's flash lives (ks-flash.bin, QEMU's
        working directory); fresh_flash removes it first (a blank device).
        nic: QEMU's arguments for the network (default: user networking)."""
        self.lines = []
        self.hold_ms = 1500      # the board's default (KS_DEFAULT_HOLD_MS)
        self.last_press = 0.0
        self.queue = queue.Queue()
        self.echo = echo
        cmd = ["timeout", "-s", "KILL", str(max_seconds),
               "qemu-system-arm", "-M", "mps2-an385", "-display", "none",
               "-monitor", "none", "-serial", "stdio",
               "-semihosting-config", "enable=on,target=native",
               "-kernel", os.path.abspath(elf)] + list(nic) + list(qemu_extra)
        # Without a folder of its own, a fresh temporary one: a blank device.
        self.flash_dir = flash_dir or tempfile.mkdtemp(prefix="ks-flash-")
        os.makedirs(self.flash_dir, exist_ok=True)
        self.flash_path = os.path.join(self.flash_dir, "ks-flash.bin")
        if fresh_flash and os.path.exists(self.flash_path):
            os.unlink(self.flash_path)
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, bufsize=0, cwd=self.flash_dir,
                                     start_new_session=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        buf = b""
        while True:
            chunk = self.proc.stdout.read1(4096) if hasattr(self.proc.stdout, "read1") \
                else os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                text = line.decode("ascii", "replace").rstrip("\r")
                self.lines.append(text)
                if self.echo:
                    self.echo(text)
                self.queue.put(text)
        if buf:
            self.queue.put(buf.decode("ascii", "replace"))
        self.queue.put(None)

    def expect(self, pattern, timeout):
        """Wait for a console line matching `pattern`; return its match."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("timeout waiting for /%s/; last lines:\n%s"
                                     % (pattern, "\n".join(self.lines[-15:])))
            try:
                line = self.queue.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError("firmware exited waiting for /%s/; last lines:\n%s"
                                     % (pattern, "\n".join(self.lines[-15:])))
            m = rx.search(line)
            if m:
                return m

    def send(self, text):
        self.proc.stdin.write(text.encode("ascii"))
        self.proc.stdin.flush()

    def cmd(self, line, timeout=10):
        """Send one command and return its OK/ERR line."""
        self.send(line + "\n")
        return self.expect(r"^(OK|ERR)\b.*", timeout).group(0)

    def provision(self, endpoint, task, record, token, ca_pem, hold_ms=None, deadline_ms=None,
                  project=None):
        lines = ["set endpoint " + endpoint, "set task " + task]
        if record is not None:
            lines.append("set record " + record)
        if project is not None:
            lines.append("set project " + project)
        for line in lines:
            r = self.cmd(line)
            if not r.startswith("OK"):
                raise AssertionError("%s -> %s" % (line, r))
        r = self.cmd("set token " + token, timeout=60)
        if not r.startswith("OK token"):
            raise AssertionError("set token -> %s" % r)
        self.send("ca\n")
        self.expect(r"^OK paste PEM", 10)
        self.send(ca_pem.strip() + "\n")
        r = self.expect(r"^(OK ca|ERR).*", 20).group(0)
        if r != "OK ca":
            raise AssertionError("ca -> %s" % r)
        if hold_ms is not None:
            self.cmd("set hold %d" % hold_ms)
            self.hold_ms = hold_ms
        if deadline_ms is not None:
            self.cmd("set deadline %d" % deadline_ms)

    def press(self, timeout):
        """Hold the (simulated) button; return (RESULT line, seconds)."""
        # A new press needs the previous one over and the button seen
        # released for the debounce time (30 ms). A simulated press lasts
        # hold + 160 ms of guest time from its command, however quick the
        # stop was (a resumed TLS session makes it a few ms). The guest can
        # run slower than the host clock on a loaded machine, so leave twice
        # that (plus the debounce) between two press commands, and 200 ms
        # after the last result.
        time.sleep(0.2)
        gap = 2.0 * (self.hold_ms / 1000.0 + 0.25) + 0.2
        wait = self.last_press + gap - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        t0 = time.monotonic()
        self.last_press = t0
        self.cmd("press")
        self.expect(r"^STATE HOLDING$", 5)
        self.expect(r"^STATE STOPPING$", 10)
        line = self.expect(r"^RESULT (?!ALL )\S+.*", timeout).group(0)
        self.last_all = self.expect(r"^RESULT ALL \S+.*", timeout).group(0)
        self.expect(r"^STATE DONE$", 5)
        return line, time.monotonic() - t0

    def stats(self):
        self.send("stats\n")
        m = self.expect(r"^STATS (.*)", 10)
        self.expect(r"^OK stats", 5)
        return dict(kv.split("=", 1) for kv in m.group(1).split())

    def exit(self, timeout=10):
        try:
            self.send("exit\n")
        except (BrokenPipeError, OSError):
            pass
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def kill(self):
        """Pull the plug: QEMU and its `timeout` wrapper (a process group
        of their own), whatever the guest was doing."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                pipe.close()
            except OSError:
                pass


def make_certs(dirpath):
    # make_certs.py picks random serials; a second try covers the odd
    # serial openssl refuses (reported to its owner), not a test failure.
    for attempt in range(3):
        r = subprocess.run([sys.executable, MAKE_CERTS, dirpath],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if r.returncode == 0:
            return dirpath
    raise RuntimeError("make_certs.py failed 3 times: %s" % r.stderr.decode(errors="replace"))
