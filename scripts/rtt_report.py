#!/usr/bin/env python3
"""`make rtt`: how many network round trips a deploystop run costs.

The mock (tests/mock/mock_deploy.py) runs in the server namespace of a delayed
link (scripts/delay_link.py: two network namespaces, a userspace relay, a fixed
one-way delay, default 25 ms, so RTT 50 ms) and the CLI in the client
namespace. Every case in CASES runs --runs times (interleaved, the mock reset
before each run); the table gives medians:

  wall      the CLI process, fork to exit, as seen from outside
  waits     sleeps the CLI reports with -v ("attempt 2 after N ms"): backoff,
            not network, so it is subtracted
  RTTs      (wall - waits) / RTT
  local     (wall - waits) on a 0 ms link (same relay, same namespaces): the
            process start, crypto and the mock's own time
  net RTTs  (wall - waits - local) / RTT: the round trips themselves

Usage: rtt_report.py --cli build/deploystop --work DIR [--out FILE]
                     [--delay-ms 25] [--runs 3] [--no-baseline] [--only a,c]
Needs root (network namespaces, /dev/net/tun), iproute2, openssl.
"""
import argparse
import collections
import http.client
import json
import os
import platform
import re
import shlex
import shutil
import ssl
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "mock"))
import delay_link  # noqa: E402
import make_certs  # noqa: E402

MOCK = os.path.join(ROOT, "tests", "mock", "mock_deploy.py")

# The mock's fixtures (tests/mock/README.md).
FIXTURES = {
    "task": "e700f15965694253940502911220d76b",       # TASK_ID
    "record": "2c82ffe8d00d4968a4e5f7a36d87ae17",     # RECORD_RUNNING
    "project": "8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a",    # the mock's PROJECT_ID
}
LONG_TOKEN_LEN = 20000


# =========================================================================
# THE CASES: one line each, in table order.
#   Case(id, description, argv, token="short"|"long", faults=(...), expect=0,
#        state="abort")
#   argv: the CLI's arguments as one string; {endpoint} {task} {record}
#     {project} {token_file} {ca} are filled in; -v is always appended (the
#     waits are read from its trace, see WAIT_PATTERNS).
#   token: "short" (83 characters) or "long" (20,000 characters).
#   faults: mock faults set with POST /__mock/fault after the reset.
#   expect: the CLI's exit status; state: RECORD_RUNNING's state afterwards
#     (None: not checked).
# To add a command, add a line; e.g. (once `stop --project --wait` exists):
#   Case("e", "stop by project, wait for abort (history + stop + state, one connection)",
#        "stop --endpoint {endpoint} --task {task} --project {project} --wait 30 "
#        "--token-file {token_file} --ca-file {ca}"),
# =========================================================================
STOP = ("stop --endpoint {endpoint} --task {task} --record {record} "
        "--token-file {token_file} --ca-file {ca}")
FAIL_503_ONCE = ("status:503", "fail_times:1")

Case = collections.namedtuple("Case", "id desc argv token faults expect state")
Case.__new__.__defaults__ = ("short", (), 0, "abort")

CASES = [
    Case("a", "stop the running record", STOP),
    Case("b", "stop; mock answers one 503, then success", STOP, faults=FAIL_503_ONCE),
    Case("c", "stop, 20,000-character token", STOP, token="long"),
    Case("d", "stop, 20,000-character token; one 503, then success", STOP, token="long",
         faults=FAIL_503_ONCE),
    Case("e", "discover + stop + confirm (history, stop, state; one connection)",
         "stop --endpoint {endpoint} --task {task} --project {project} --wait 30 "
         "--token-file {token_file} --ca-file {ca}"),
]

# Sleeps the CLI reports in its -v trace (milliseconds, group 1); their sum is
# subtracted from the wall time. Add the pattern of any new kind of wait
# (e.g. a --wait poll interval) here.
WAIT_PATTERNS = [
    re.compile(r"attempt \d+ after (\d+) ms"),
]
# =========================================================================


def fmt(v, unit=""):
    return "-" if v is None else "%.1f%s" % (v, unit)


def make_rtt_certs(work, addr):
    """The shared test CA (make_certs.py) and an ECDSA P-256 leaf for `addr`
    under it, shaped like server.pem (which names only loopback and
    10.0.2.2). The address goes in as dNSName too: mbedTLS 2.28 matches the
    host name against dNSName entries only."""
    shared = os.path.join(work, "certs")
    subprocess.run([sys.executable, os.path.join(ROOT, "tests/mock/make_certs.py"), shared],
                   check=True, stdout=subprocess.DEVNULL, timeout=120)
    d = os.path.join(work, "rtt-certs")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d, mode=0o700)
    for f in ("ca.pem", "ca.key"):
        shutil.copy2(os.path.join(shared, f), os.path.join(d, f))
    cfg = os.path.join(d, "openssl.cnf")
    with open(cfg, "w") as f:
        f.write("[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = unused\n"
                "[leaf_rtt]\nbasicConstraints = critical,CA:FALSE\n"
                "keyUsage = critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage = serverAuth\n"
                "subjectAltName = IP:%s,DNS:%s\n"
                "subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n"
                % (addr, addr))
    make_certs.make_leaf(d, cfg, "server", addr, "ca", "leaf_rtt",
                         int.from_bytes(os.urandom(8), "big") >> 1)
    os.unlink(os.path.join(d, "ca.key"))  # the mock needs only server.pem/.key
    return d


def write_secret(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text + "\n")
    return path


class Mock:
    """The mock in the server namespace; control calls are made from this
    process inside that namespace (to its own address: no delay)."""

    def __init__(self, link, work, certs, short_token, long_token_file):
        self.link = link
        self.ca = os.path.join(certs, "ca.pem")
        ready = os.path.join(work, "mock.ready")
        if os.path.exists(ready):
            os.unlink(ready)
        self.err = open(os.path.join(work, "mock.err"), "w")
        self.proc = link.popen("srv", [
            sys.executable, MOCK, "--certs", certs, "--port", "0",
            "--bind", link.srv_addr, "--allow-host", link.srv_addr,
            "--ready-file", ready, "--token", short_token,
            "--token-file", long_token_file, "--max-seconds", "900"],
            stdout=subprocess.DEVNULL, stderr=self.err)
        delay_link.wait_file(ready, 20, self.proc)
        with open(ready) as f:
            self.port = int(f.read().strip())
        self.endpoint = "https://%s:%d" % (link.srv_addr, self.port)

    def call(self, method, path, body=None):
        with delay_link.in_netns(self.link.srv_ns):
            ctx = ssl.create_default_context(cafile=self.ca)
            c = http.client.HTTPSConnection(self.link.srv_addr, self.port, context=ctx,
                                            timeout=10)
            c.connect()
        try:
            data = json.dumps(body).encode() if body is not None else None
            c.request(method, path, body=data,
                      headers={"Content-Type": "application/json"} if data else {})
            r = c.getresponse()
            return r.status, json.loads(r.read() or b"null")
        finally:
            c.close()

    def prepare(self, faults):
        st, _ = self.call("POST", "/__mock/reset", {})
        assert st == 200, st
        st, _ = self.call("POST", "/__mock/fault", {"faults": list(faults)})
        assert st == 200, st

    def state(self):
        st, obj = self.call("GET", "/__mock/state?record_id=" + FIXTURES["record"])
        assert st == 200, st
        return obj


def measure(link, mock, cli, case, token_files, runs_log):
    """One run of one case; returns (wall ms, waits ms, API requests)."""
    mock.prepare(case.faults)
    before = mock.state()["requests"]
    fill = dict(FIXTURES, endpoint=mock.endpoint, token_file=token_files[case.token],
                ca=mock.ca)
    argv = [cli] + [w.format(**fill) for w in shlex.split(case.argv)] + ["-v"]
    env = link.env()
    env.pop("DEPLOYSTOP_TOKEN", None)
    rc, out, err, wall = link.run("cli", argv, timeout=120, env=env)
    after = mock.state()
    waits = sum(int(m.group(1)) for p in WAIT_PATTERNS for m in p.finditer(err))
    ok = rc == case.expect and (case.state is None or after.get("state") == case.state)
    runs_log.write("== %s delay %g ms: exit %d, wall %.1f ms, waits %d ms, state %s\n"
                   "$ %s\n%s%s\n" % (case.id, link.delay_ms, rc, wall * 1000, waits,
                                     after.get("state"), " ".join(argv), out, err))
    if not ok:
        sys.exit("rtt: case %s failed (exit %d, expected %d; state %r, expected %r):\n%s"
                 % (case.id, rc, case.expect, after.get("state"), case.state,
                    err[-2000:]))
    return wall * 1000, waits, after["requests"] - before - 1


def run_link(delay_ms, a, certs, tokens, token_files, cases, runs_log):
    """All cases on one link; returns (calibration ms list, {case id: samples})."""
    with delay_link.Link(delay_ms, max_seconds=a.timeout + 60) as link:
        cal, line = link.calibration_line(5)
        print(line, flush=True)
        mock = Mock(link, a.work, certs, tokens["short"], token_files["long"])
        # One untimed run: page cache, the mock's first handshake.
        measure(link, mock, a.cli, cases[0], token_files, runs_log)
        samples = {c.id: [] for c in cases}
        for _ in range(a.runs):
            for c in cases:
                samples[c.id].append(measure(link, mock, a.cli, c, token_files, runs_log))
        return cal, samples


def med(values):
    return statistics.median(values) if values else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", help="Markdown table (default WORK/README.rtt.md)")
    ap.add_argument("--delay-ms", type=float, default=25.0, help="one way (25)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-baseline", action="store_true",
                    help="skip the 0 ms link (no local/net RTTs columns)")
    ap.add_argument("--only", help="comma-separated case ids")
    ap.add_argument("--timeout", type=int, default=600, help="whole run limit, s")
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("rtt: needs root (network namespaces, /dev/net/tun)")
    if a.delay_ms <= 0:
        sys.exit("rtt: --delay-ms must be positive")
    a.cli = os.path.abspath(a.cli)
    a.work = os.path.abspath(a.work)
    a.out = a.out or os.path.join(a.work, "README.rtt.md")
    cases = [c for c in CASES if not a.only or c.id in a.only.split(",")]
    if not cases:
        sys.exit("rtt: no case selected")
    os.makedirs(a.work, exist_ok=True)
    delay_link.bounded(a.timeout)

    certs = make_rtt_certs(a.work, delay_link.SRV_ADDR)
    tokens = {"short": "MIIE-rtt-token." + "A" * 64 + ".end",
              "long": "MII" + (os.urandom(LONG_TOKEN_LEN).hex() * 2)[:LONG_TOKEN_LEN - 3]}
    assert len(tokens["long"]) == LONG_TOKEN_LEN
    token_files = {k: write_secret(os.path.join(a.work, "token-" + k), v)
                   for k, v in tokens.items()}

    rtt = 2 * a.delay_ms
    with open(os.path.join(a.work, "runs.log"), "w") as runs_log:
        base = None
        if not a.no_baseline:
            _, base = run_link(0.0, a, certs, tokens, token_files, cases, runs_log)
        cal, res = run_link(a.delay_ms, a, certs, tokens, token_files, cases, runs_log)

    lines = [
        "## Round trips per run (`make rtt`)",
        "",
        "deploystop in one network namespace, the mock in another, joined by a userspace "
        "relay with %g ms each way (RTT %g ms). Calibration: a TCP connect takes %.1f ms "
        "(median of 5, = 1 RTT). %d runs per case, interleaved, the mock reset before "
        "each; medians. `waits` = backoff the CLI reports with -v, subtracted; `local` = "
        "the same run on a 0 ms link; `net RTTs` = (wall - waits - local) / RTT."
        % (a.delay_ms, rtt, statistics.median(cal), a.runs),
        "",
        "| case | token | mock faults | API requests | wall ms | waits ms | RTTs | local ms "
        "| net RTTs |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for c in cases:
        s = res[c.id]
        wall = med([w for w, _, _ in s])
        waits = med([b for _, b, _ in s])
        net_ms = med([w - b for w, b, _ in s])   # per run, then the median
        reqs = med([r for _, _, r in s])
        local = med([w - b for w, b, _ in base[c.id]]) if base else None
        lines.append("| %s %s | %s | %s | %d | %s | %s | %s | %s | %s |" % (
            c.id, c.desc, "%d chars" % len(tokens[c.token]),
            " ".join("`%s`" % f for f in c.faults) or "-", reqs, fmt(wall), fmt(waits),
            fmt(net_ms / rtt), fmt(local), fmt((net_ms - local) / rtt) if base else "-"))
    commands = collections.OrderedDict()
    for c in cases:
        commands.setdefault(c.argv, []).append(c.id)
    lines.append("")
    for argv, ids in commands.items():
        lines.append("Command of %s: `deploystop %s -v`" % (", ".join(ids), argv))
    lines += [
        "",
        "Machine: %s, %d CPUs, %s, load average %.1f; %s."
        % (platform.node(), os.cpu_count() or 0, platform.platform(),
           os.getloadavg()[0], time.strftime("%Y-%m-%d %H:%M:%S %Z")),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    with open(a.out, "w") as f:
        f.write(text)
    print("rtt: table written to %s; every run's command and -v trace in %s"
          % (a.out, os.path.join(a.work, "runs.log")))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except delay_link.Deadline as e:
        sys.exit(str(e))
    except KeyboardInterrupt:
        sys.exit(130)
