#!/usr/bin/env python3
"""`make bench`: the same stop against the same local mock, deploystop vs curl.

What is timed is the tool itself: this script forks, and the child execs
build/deploystop or curl directly (no shell, no wrapper process). The child
asks to be traced (PTRACE_TRACEME), so the kernel stops it once the tool's
image is loaded and again when the tool exits, before its address space is
freed:
- wall time: from the exec stop (the tool's first instruction, ld.so) until
  os.wait4 reaps it;
- peak RSS: VmHWM of the tool's own address space, read at the exit stop;
- CPU time: ru_utime + ru_stime from os.wait4.
wait4's ru_maxrss is not used for RSS: for a child forked (or vforked, as
posix_spawn and subprocess do) by Python, the kernel folds the peak of the
pre-exec address space, Python's own 10-14 MB, into the child's maxrss at
exec, so every tool would measure at least Python's size. Without ptrace
(a locked-down kernel) the script falls back to posix_spawn + wait4 for the
times and reports no RSS.

Both tools send the same request: PUT /v2/tasks/{task}/records/{record}/stop,
body {}, X-Auth-Token, the test CA (or a bundle holding it) as the only trust,
verification on. N runs of each, interleaved, the mock's record reset
(POST /__mock/reset) before each run and checked stopped after it. The TLS
version and cipher of each run come from the mock's handshake log line.

Usage: bench.py --cli build/deploystop --work DIR --out FILE [--runs N]
"""
import argparse
import ctypes
import http.client
import json
import os
import platform
import shutil
import signal
import ssl
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TASK = "e700f15965694253940502911220d76b"
RECORD = "2c82ffe8d00d4968a4e5f7a36d87ae17"
RUN_TIMEOUT = 30        # seconds one tool run may take before it is killed
BUDGET_WALL = 0.5       # deploystop / curl, medians (issue 11)
BUDGET_RSS = 0.3
TOOLS = ("deploystop", "curl")

# (key, label, mock --cert-host, mock --tls-max, trust = "ca" | "bundle")
CASES = (
    ("ecdsa", "ECDSA P-256 leaf", "good", "1.3", "ca"),
    ("rsa", "RSA-2048 leaf under the ECDSA CA", "rsa", "1.3", "ca"),
    ("tls12", "ECDSA P-256 leaf, mock capped at TLS 1.2", "good", "1.2", "ca"),
    ("bundle", "ECDSA P-256 leaf, system CA bundle + test CA", "good", "1.3", "bundle"),
)

# ------------------------------------------------------------------ tracing
PTRACE_TRACEME, PTRACE_CONT, PTRACE_SETOPTIONS = 0, 7, 0x4200
PTRACE_O_TRACEEXIT, PTRACE_O_EXITKILL = 0x40, 0x100000
PTRACE_EVENT_EXIT = 6

_libc = ctypes.CDLL(None, use_errno=True)
_libc.ptrace.restype = ctypes.c_long
_libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]


def _ptrace(req, pid, data=0):
    if _libc.ptrace(req, pid, None, ctypes.c_void_p(data)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, "ptrace(%d): %s" % (req, os.strerror(err)))


def _vm_hwm(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return None


class Watchdog:
    """Kills pid with SIGKILL unless disarmed within seconds."""

    def __init__(self, pid, seconds):
        self.pid, self.fired, self.lock = pid, False, threading.Lock()
        self.timer = threading.Timer(seconds, self._fire)
        self.timer.daemon = True
        self.timer.start()

    def _fire(self):
        with self.lock:
            if self.pid is not None:
                self.fired = True
                try:
                    os.kill(self.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def disarm(self):
        with self.lock:
            self.pid = None
        self.timer.cancel()


def _child(argv, out_path):
    """In the forked child: stdout to out_path, stderr kept, then exec."""
    try:
        fd = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(fd, 1)
        os.close(fd)
        fd = os.open(os.devnull, os.O_RDONLY)
        os.dup2(fd, 0)
        os.close(fd)
        if _libc.ptrace(PTRACE_TRACEME, 0, None, None) != 0:
            os._exit(126)
        os.execv(argv[0], argv)
    finally:
        os._exit(127)


def run_traced(argv, out_path):
    """One traced run: (wall s, CPU s, peak RSS KiB, exit code, stdout)."""
    pid = os.fork()
    if pid == 0:
        _child(argv, out_path)
    dog = Watchdog(pid, RUN_TIMEOUT)
    try:
        _, st = os.waitpid(pid, 0)
        if not (os.WIFSTOPPED(st) and os.WSTOPSIG(st) == signal.SIGTRAP):
            code = os.WEXITSTATUS(st) if os.WIFEXITED(st) else -1
            raise RuntimeError("%s did not reach exec (status %#x, exit %d%s)"
                               % (argv[0], st, code, ", ptrace refused" if code == 126 else ""))
        _ptrace(PTRACE_SETOPTIONS, pid, PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL)
        t0 = time.perf_counter()
        _ptrace(PTRACE_CONT, pid)
        peak = None
        while True:
            _, st, ru = os.wait4(pid, 0)
            if not os.WIFSTOPPED(st):
                break
            sig = os.WSTOPSIG(st)
            if sig == signal.SIGTRAP and st >> 16 == PTRACE_EVENT_EXIT:
                peak, sig = _vm_hwm(pid), 0
            elif sig == signal.SIGTRAP:
                sig = 0
            _ptrace(PTRACE_CONT, pid, sig)
        wall = time.perf_counter() - t0
    finally:
        dog.disarm()
    rc, out = _finish(dog, st, argv, out_path)
    return wall, ru.ru_utime + ru.ru_stime, peak, rc, out


def _finish(dog, st, argv, out_path):
    """The exit status and the output of a timed run (killed: an error)."""
    if dog.fired:
        raise RuntimeError("%s killed after %d s" % (argv[0], RUN_TIMEOUT))
    rc = os.WEXITSTATUS(st) if os.WIFEXITED(st) else 128 + os.WTERMSIG(st)
    with open(out_path) as f:
        return rc, f.read()


def run_spawned(argv, out_path):
    """Fallback without ptrace: posix_spawn + wait4; no RSS (see the docstring)."""
    fd = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        t0 = time.perf_counter()
        pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=[
            (os.POSIX_SPAWN_DUP2, fd, 1), (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0)])
    finally:
        os.close(fd)
    dog = Watchdog(pid, RUN_TIMEOUT)
    try:
        _, st, ru = os.wait4(pid, 0)
        wall = time.perf_counter() - t0
    finally:
        dog.disarm()
    rc, out = _finish(dog, st, argv, out_path)
    return wall, ru.ru_utime + ru.ru_stime, None, rc, out


def pick_runner(work):
    true = shutil.which("true") or "/bin/true"
    try:
        run_traced([true], os.path.join(work, "probe.out"))
        return run_traced, "ptrace"
    except (OSError, RuntimeError) as e:
        print("bench: ptrace unavailable (%s): times via posix_spawn, no RSS" % e,
              file=sys.stderr)
        return run_spawned, "spawn"


# --------------------------------------------------------------------- mock
def start_mock(work, token_file, cert_host, tls_max, log):
    ready = os.path.join(work, "ready")
    if os.path.exists(ready):
        os.unlink(ready)
    if os.path.exists(log):
        os.unlink(log)
    with open(os.path.join(work, "mock.err"), "w") as err:
        proc = subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "tests/mock/mock_deploy.py"),
             "--certs", os.path.join(work, "certs"), "--port", "0", "--bind", "127.0.0.1",
             "--ready-file", ready, "--token-file", token_file, "--max-seconds", "600",
             "--cert-host", cert_host, "--tls-max", tls_max, "--log", log],
            stdout=subprocess.DEVNULL, stderr=err)
    end = time.monotonic() + 15
    while not os.path.exists(ready) or os.path.getsize(ready) == 0:
        if proc.poll() is not None or time.monotonic() > end:
            proc.kill()
            sys.exit("bench: mock did not start (see %s/mock.err)" % work)
        time.sleep(0.02)
    with open(ready) as f:
        return proc, int(f.read())


def control(port, ca, method, path):
    ctx = ssl.create_default_context(cafile=ca)
    c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)
    try:
        c.request(method, path, body=b"{}" if method == "POST" else None,
                  headers={"Content-Type": "application/json"})
        r = c.getresponse()
        return r.status, json.loads(r.read() or b"null")
    finally:
        c.close()


def handshakes_since(log, offset):
    """The handshake lines the mock logged after byte offset of its log."""
    with open(log, "rb") as f:
        f.seek(offset)
        data = f.read()
    out = []
    for line in data.splitlines():
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        if ev.get("event") == "handshake":
            out.append((ev.get("tls_version"), ev.get("cipher")))
    return out


# ------------------------------------------------------------------ measure
def measure(a, runner, cmds_for, case, ca_for):
    """N interleaved runs of each tool against one mock; returns the samples."""
    key, _, cert_host, tls_max, trust = case
    log = os.path.join(a.work, "mock-%s.log" % key)
    mock, port = start_mock(a.work, a.token_file, cert_host, tls_max, log)
    ca = ca_for[trust]
    cmds = cmds_for("https://127.0.0.1:%d" % port, ca)
    out_path = os.path.join(a.work, "tool.out")
    samples = {k: {"wall": [], "cpu": [], "rss": [], "tls": set(), "hs": []} for k in cmds}

    def one(name):
        control(port, ca_for["ca"], "POST", "/__mock/reset")
        offset = os.path.getsize(log)
        wall, cpu, rss, rc, out = runner(cmds[name], out_path)
        hs = handshakes_since(log, offset)
        _, st = control(port, ca_for["ca"], "GET", "/__mock/state?record_id=" + RECORD)
        ok = rc == 0 and (name != "curl" or out.strip() == "200 0")
        if not ok or st.get("state") != "abort":
            raise RuntimeError("%s did not stop the record (rc=%d, out=%r, state=%r)"
                               % (name, rc, out, st.get("state")))
        return wall, cpu, rss, hs

    try:
        for name in cmds:       # one untimed run each: page cache, mock warm
            one(name)
        for _ in range(a.runs):
            for name in cmds:
                wall, cpu, rss, hs = one(name)
                s = samples[name]
                s["wall"].append(wall)
                s["cpu"].append(cpu)
                if rss is not None:
                    s["rss"].append(rss)
                s["hs"].append(len(hs))
                s["tls"].update(hs)
    except (RuntimeError, OSError) as e:
        sys.exit("bench: case %s: %s (mock log %s)" % (key, e, log))
    finally:
        mock.terminate()
        try:
            mock.wait(5)
        except subprocess.TimeoutExpired:
            mock.kill()
            mock.wait(5)
    return samples


def stats(v):
    return (statistics.median(v), min(v), max(v)) if v else None


# -------------------------------------------------------------------- sizes
def shared_lib(binary, name):
    out = subprocess.run(["ldd", binary], capture_output=True, text=True, timeout=30).stdout
    for line in out.splitlines():
        if name in line and "=>" in line:
            path = line.split("=>")[1].split("(")[0].strip()
            return os.path.realpath(path)
    return None


def stripped_size(path, work):
    tmp = os.path.join(work, os.path.basename(path) + ".stripped")
    shutil.copyfile(path, tmp)
    subprocess.run(["strip", tmp], check=True, timeout=60)
    return os.path.getsize(tmp)


def cert_desc(path):
    """'<key>, signed <signature algorithm>' of a PEM certificate (openssl's words)."""
    try:
        text = subprocess.run(["openssl", "x509", "-in", path, "-noout", "-text"],
                              capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return "?"
    key, sig = [], "?"
    for line in text.splitlines():
        line = line.strip()
        if line.startswith(("Public Key Algorithm:", "ASN1 OID:", "Public-Key:")):
            key.append(line.split(":", 1)[1].strip())
        elif line.startswith("Signature Algorithm:") and sig == "?":
            sig = line.split(":", 1)[1].strip()
    return "%s key, signed %s" % (" ".join(key) or "?", sig)


# --------------------------------------------------------------------- main
def fmt_ms(t):
    return "%.1f / %.1f–%.1f ms" % (t[0] * 1000, t[1] * 1000, t[2] * 1000)


def fmt_kib(t):
    return "n/a" if t is None else "{:,.0f} / {:,.0f}–{:,.0f} KiB".format(*t)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--runs", type=int, default=30)
    a = ap.parse_args()
    if a.runs < 1:
        sys.exit("bench: --runs must be at least 1")
    cli = os.path.abspath(a.cli)
    curl = shutil.which("curl")
    if curl is None:
        sys.exit("bench: needs curl (Debian package curl)")
    a.work = os.path.abspath(a.work)
    os.makedirs(a.work, exist_ok=True)
    certs = os.path.join(a.work, "certs")
    subprocess.run([sys.executable, os.path.join(ROOT, "tests/mock/make_certs.py"), certs],
                   check=True, stdout=subprocess.DEVNULL, timeout=120)
    ca = os.path.join(certs, "ca.pem")
    old = os.umask(0o077)
    token = "bench-" + os.urandom(32).hex()
    a.token_file = os.path.join(a.work, "token")
    with open(a.token_file, "w") as f:
        f.write(token + "\n")
    header_file = os.path.join(a.work, "auth.header")
    with open(header_file, "w") as f:
        f.write("X-Auth-Token: %s\n" % token)
    os.umask(old)
    ca_for = {"ca": ca}
    # Real use trusts a whole bundle: the system one plus the test CA, so
    # both tools parse ~140 certificates per run as they would in production.
    system_bundle = "/etc/ssl/certs/ca-certificates.crt"
    if os.path.exists(system_bundle):
        ca_for["bundle"] = os.path.join(a.work, "bundle.pem")
        with open(ca_for["bundle"], "w") as out:
            for part in (system_bundle, ca):
                with open(part) as f:
                    out.write(f.read().rstrip("\n") + "\n")
    path = "/v2/tasks/%s/records/%s/stop" % (TASK, RECORD)

    def cmds_for(url, trust):
        return {
            "deploystop": [cli, "stop", "--endpoint", url, "--task", TASK, "--record", RECORD,
                           "--token-file", a.token_file, "--ca-file", trust],
            "curl": [curl, "-sS", "-X", "PUT", "--cacert", trust,
                     "-H", "Content-Type: application/json", "-H", "@" + header_file,
                     "--data", "{}", "-o", os.devnull,
                     "-w", "%{http_code} %{ssl_verify_result}", url + path],
        }

    runner, method = pick_runner(a.work)
    true = shutil.which("true") or "/bin/true"
    floor = [runner([true], os.path.join(a.work, "probe.out")) for _ in range(a.runs)]
    floor_wall = stats([r[0] for r in floor])
    floor_rss = stats([r[2] for r in floor if r[2] is not None])

    results = {}
    for case in CASES:
        if case[4] in ca_for:
            results[case[0]] = measure(a, runner, cmds_for, case, ca_for)

    libcurl = shared_lib(curl, "libcurl")
    sizes = {
        "deploystop": os.path.getsize(cli),
        "deploystop_stripped": stripped_size(cli, a.work),
        "curl": os.path.getsize(curl),
        "libcurl": os.path.getsize(libcurl) if libcurl else 0,
    }
    curl_total = sizes["curl"] + sizes["libcurl"]
    words = subprocess.run([curl, "--version"], capture_output=True, text=True,
                           timeout=30).stdout.split()
    curl_ver = " ".join(words[:2] + [w for w in words if w.startswith("OpenSSL/")][:1])
    cli_ver = subprocess.run([cli, "--version"], capture_output=True, text=True,
                             timeout=30).stdout.strip()
    labels = {c[0]: c[1] for c in CASES}

    def verdict(ratio, budget):
        if ratio is None:
            return "not measured"
        return "%.2f (<= %.2f: %s)" % (ratio, budget, "met" if ratio <= budget else "NOT met")

    lines = [
        "## Benchmark: deploystop vs curl (`make bench`)",
        "",
        "%s. %s vs %s. One stop (`PUT %s`, body `{}`, `X-Auth-Token`, certificate and "
        "host verified by both tools) against the local mock on 127.0.0.1, N = %d runs of each "
        "tool per case, interleaved, the mock's record reset before each run and checked "
        "stopped after it. Machine: %s, %d CPUs, load average %.2f at the end."
        % (time.strftime("%Y-%m-%d"), cli_ver, curl_ver,
           "/v2/tasks/{task}/records/{record}/stop", a.runs, platform.platform(),
           os.cpu_count() or 0, os.getloadavg()[0]),
        "",
    ]
    if method == "ptrace":
        lines.append(
            "Each tool is exec'd directly by the benchmark (fork + exec, no shell, no wrapper) "
            "and traced: wall time runs from the exec stop (the tool's image loaded) until "
            "wait4 reaps it; peak RSS is VmHWM of the tool's own address space at its exit "
            "stop; CPU is user+system from wait4. (wait4's ru_maxrss would include the forking "
            "Python's own RSS.) Floor of this method, `/bin/true` measured the same way: "
            "%.2f ms, %s KiB (medians)." % (floor_wall[0] * 1000, format(floor_rss[0], ",.0f")))
    else:
        lines.append(
            "ptrace was unavailable: each tool is started with posix_spawn (no shell) and "
            "timed from the spawn until wait4 reaps it (floor, `/bin/true`: %.2f ms); peak "
            "RSS is not reported, as wait4's ru_maxrss would include the spawning Python's "
            "own RSS." % (floor_wall[0] * 1000))
    lines += [
        "",
        "Values are median / min–max over the N runs.",
        "",
        "| case | tool | TLS negotiated (cipher) | wall time | peak RSS | CPU (median) |",
        "|---|---|---|---:|---:|---:|",
    ]
    ratios = []
    for key, s in results.items():
        for name in TOOLS:
            t = s[name]
            tls = ", ".join("%s (%s)" % v for v in sorted(t["tls"], key=str)) or "?"
            if set(t["hs"]) != {1}:
                tls += "; handshakes per run %d–%d" % (min(t["hs"]), max(t["hs"]))
            lines.append("| %s | %s | %s | %s | %s | %.1f ms |"
                         % (labels[key], name, tls, fmt_ms(stats(t["wall"])),
                            fmt_kib(stats(t["rss"])), statistics.median(t["cpu"]) * 1000))
        d, c = s["deploystop"], s["curl"]
        w = statistics.median(d["wall"]) / statistics.median(c["wall"])
        r = (statistics.median(d["rss"]) / statistics.median(c["rss"])
             if d["rss"] and c["rss"] else None)
        u = statistics.median(d["cpu"]) / statistics.median(c["cpu"])
        ratios.append((labels[key], w, r, u))
    lines += [
        "",
        "| case | wall, deploystop/curl (medians) | peak RSS, deploystop/curl (medians) "
        "| CPU, deploystop/curl |",
        "|---|---|---|---:|",
    ]
    for label, w, r, u in ratios:
        lines.append("| %s | %s | %s | %.2f |" % (label, verdict(w, BUDGET_WALL),
                                                 verdict(r, BUDGET_RSS), u))
    lines += [
        "",
        "Binary size, stripped: deploystop %.0f KiB (unstripped, with -g: %.0f KiB; mbedTLS "
        "linked statically, libc dynamically); curl + libcurl.so %.0f KiB (without the other "
        "shared libraries libcurl loads: OpenSSL, nghttp2, libssh2, ...): ratio %.2f."
        % (sizes["deploystop_stripped"] / 1024, sizes["deploystop"] / 1024, curl_total / 1024,
           sizes["deploystop_stripped"] / curl_total),
        "",
        "Certificates: test CA (`ca.pem`) %s; ECDSA leaf (`server.pem`) %s; RSA leaf "
        "(`server-rsa.pem`) %s. So the RSA case still verifies the ECDSA test CA's "
        "signature: with the RSA leaf each tool checks one ECDSA P-256 signature (the CA's, "
        "on the leaf) and one RSA signature (the server's handshake signature, in "
        "CertificateVerify with TLS 1.3, in ServerKeyExchange with TLS 1.2), where the ECDSA "
        "case checks two ECDSA P-256 signatures; the key exchange is the same. The bundle "
        "case passes both tools the system CA bundle with the test CA appended "
        "(`--ca-file` / `--cacert`), about 140 certificates parsed per run, "
        "as against the real service. Wall time includes the Python mock's answer, the same "
        "for both tools."
        % (cert_desc(ca), cert_desc(os.path.join(certs, "server.pem")),
           cert_desc(os.path.join(certs, "server-rsa.pem"))),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        f.write(text)
    print("bench: table written to %s" % a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
