"""Shared pieces of the end-to-end tests: certificates, the mock server, the CLI.

Everything runs on loopback. Every wait is bounded. The mock is the one in
tests/mock (see the "Shared fixtures" contract); the CLI is build/deploystop
(or $DEPLOYSTOP_BIN).
"""
import hashlib
import http.client
import json
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MOCK = os.path.join(ROOT, "tests", "mock", "mock_deploy.py")
MAKE_CERTS = os.path.join(ROOT, "tests", "mock", "make_certs.py")
CLI = os.environ.get("DEPLOYSTOP_BIN", os.path.join(ROOT, "build", "deploystop"))
WORK = os.environ.get("E2E_WORK") or tempfile.mkdtemp(prefix="deploystop-e2e-")

TASK_ID = "e700f15965694253940502911220d76b"
RECORD_RUNNING = "2c82ffe8d00d4968a4e5f7a36d87ae17"
RECORD_FINISHED = "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"
UNKNOWN_ID = "0123456789abcdef0123456789abcdef"
TOKEN = "MIIE-e2e-token." + "A" * 64 + ".end"

_certs_dir = None


def certs():
    """Generates the test CA and server certificates once per run."""
    global _certs_dir
    if _certs_dir is None:
        d = os.path.join(WORK, "certs")
        if not os.path.exists(os.path.join(d, "ca.pem")):
            os.makedirs(d, exist_ok=True)
            subprocess.run([sys.executable, MAKE_CERTS, d], check=True,
                           stdout=subprocess.DEVNULL, timeout=60)
        _certs_dir = d
    return _certs_dir


def write_token_file(name, token, mode=0o600):
    path = os.path.join(WORK, name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(token)
    os.chmod(path, mode)
    return path


class Mock:
    """One mock server process on loopback; stop() always kills it."""

    _n = 0

    def __init__(self, bind="127.0.0.1", cert_host="good", faults=(), token=TOKEN,
                 token_file=None, extra=()):
        Mock._n += 1
        tag = "mock%d" % Mock._n
        self.bind = bind
        self.log_path = os.path.join(WORK, tag + ".log")
        ready = os.path.join(WORK, tag + ".ready")
        for p in (self.log_path, ready):
            if os.path.exists(p):
                os.unlink(p)
        cmd = [sys.executable, MOCK, "--certs", certs(), "--port", "0",
               "--ready-file", ready, "--bind", bind, "--cert-host", cert_host,
               "--log", self.log_path, "--max-seconds", "300"]
        if token_file is not None:
            cmd += ["--token-file", token_file]
        elif token is not None:
            cmd += ["--token", token]
        for f in faults:
            cmd += ["--fault", f]
        cmd += list(extra)
        self._err = open(os.path.join(WORK, tag + ".err"), "w")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self._err)
        end = time.monotonic() + 15
        while not os.path.exists(ready):
            if self.proc.poll() is not None or time.monotonic() > end:
                self.stop()
                raise RuntimeError("mock did not start: see %s.err" % tag)
            time.sleep(0.02)
        with open(ready) as f:
            self.port = int(f.read().strip())

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._err.close()

    @property
    def host(self):
        return "[%s]" % self.bind if ":" in self.bind else self.bind

    @property
    def endpoint(self):
        return "https://%s:%d" % (self.host, self.port)

    # --------------------------------------------------------------- log
    _mark = 0

    def _lines(self):
        if not os.path.exists(self.log_path):
            return []
        with open(self.log_path) as f:
            text = f.read()
        # Only whole lines: the mock may be half-way through writing one.
        return [l for l in text.split("\n")[:-1] if l.strip()]

    def mark(self):
        """Later events() calls only see what the log gains after this."""
        self._mark = len(self._lines())

    def events(self, kind=None):
        out = []
        for line in self._lines()[self._mark:]:
            ev = json.loads(line)
            if kind is None or ev.get("event") == kind:
                out.append(ev)
        return out

    def wait_connections(self, n, timeout=5.0):
        """The mock logs a connection when it ends: wait for n of them."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            conns = self.events("connection")
            if len(conns) >= n:
                return conns
            time.sleep(0.02)
        return self.events("connection")

    def api_requests(self):
        """Logged requests that were not control calls."""
        return [e for e in self.events("request")
                if not str(e.get("path", "")).startswith("/__mock/")]

    # ----------------------------------------------------------- control
    def _call(self, method, path, body=None):
        ctx = ssl.create_default_context(cafile=os.path.join(certs(), "ca.pem"))
        host = self.bind
        conn = http.client.HTTPSConnection(host, self.port, context=ctx, timeout=10)
        try:
            data = json.dumps(body).encode() if body is not None else None
            headers = {"Content-Type": "application/json"} if data else {}
            conn.request(method, path, body=data, headers=headers)
            resp = conn.getresponse()
            return resp.status, json.loads(resp.read() or b"null")
        finally:
            conn.close()

    def set_faults(self, faults):
        status, _ = self._call("POST", "/__mock/fault", {"faults": list(faults)})
        assert status == 200, status

    def reset(self):
        self.mark()
        status, _ = self._call("POST", "/__mock/reset", {})
        assert status == 200, status
        # The control call's own connection is logged when it closes.
        self.wait_connections(1, timeout=2.0)
        self.mark()

    def record_state(self, record_id):
        status, obj = self._call("GET", "/__mock/state?record_id=" + record_id)
        return obj.get("state") if status == 200 else None


class Result:
    def __init__(self, proc, seconds):
        self.code = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.seconds = seconds


def run_cli(args, token=TOKEN, token_file=None, env_extra=None, timeout=60, exe=None):
    """Runs the CLI (or `exe` with args, for valgrind). With token_file None
    the token goes in DEPLOYSTOP_TOKEN (unless token is None too)."""
    env = dict(os.environ)
    env.pop("DEPLOYSTOP_TOKEN", None)
    cmd = [exe or CLI] + list(args)
    if token_file is not None:
        cmd += ["--token-file", token_file]
    elif token is not None:
        env["DEPLOYSTOP_TOKEN"] = token
    if env_extra:
        env.update(env_extra)
    t0 = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env,
                          timeout=timeout)
    return Result(proc, time.monotonic() - t0)


def stop_args(mock, task=TASK_ID, record=RECORD_RUNNING, extra=()):
    return ["stop", "--endpoint", mock.endpoint, "--task", task, "--record", record,
            "--ca-file", os.path.join(certs(), "ca.pem")] + list(extra)


def sha256_hex(s):
    return hashlib.sha256(s.encode()).hexdigest()


class StalledListener:
    """A loopback socket that listens but never accepts: TCP connects (the
    kernel completes it) and then nothing ever answers the TLS hello."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]

    def close(self):
        self.sock.close()


def closed_port():
    """A loopback port with nothing listening (bound then released)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
