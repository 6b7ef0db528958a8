"""Self-test of the mock CodeArts Deploy server (tests/mock/).

Run: python3 -m unittest tests/mock_selftest/test_mock.py
Environment: MOCK_CERTS (certificate dir, generated if missing),
MOCK_TMP (scratch dir for logs and ready files).

The client side here is a raw socket + ssl reader written for the test, so
every framing fault is observed byte by byte, not through an HTTP library
that would hide it.
"""
import base64
import datetime
import hashlib
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
MOCK_DIR = os.path.join(os.path.dirname(HERE), "mock")
sys.path.insert(0, MOCK_DIR)
import aksk  # noqa: E402

TASK = "e700f15965694253940502911220d76b"
RUNNING = "2c82ffe8d00d4968a4e5f7a36d87ae17"
FINISHED = "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"
APP = "5f9e8d7c6b5a49382716a5b4c3d2e1f0"
PROJECT = "8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a"
UNKNOWN = "0123456789abcdef0123456789abcdef"
TOKEN = "MIItest-" + "T" * 19992          # 20,000 characters, the API's budget
AK, SK = "AccessKey", "SecretKey"
STOP = "/v2/tasks/%s/records/%s/stop" % (TASK, RUNNING)
STATE = "/v2/tasks/%s/state?record_id=%s"

TMP = os.environ.get("MOCK_TMP") or tempfile.mkdtemp(prefix="mock-selftest-")
CERTS = os.environ.get("MOCK_CERTS") or os.path.join(TMP, "certs")


def setUpModule():
    os.makedirs(TMP, exist_ok=True)
    subprocess.run([sys.executable, os.path.join(MOCK_DIR, "make_certs.py"),
                    CERTS], check=True, timeout=60)


class Mock:
    """One mock process; stopped with SIGTERM at the end."""
    count = 0

    def __init__(self, *extra, token=TOKEN):
        Mock.count += 1
        self.name = "m%d" % Mock.count
        self.ready = os.path.join(TMP, self.name + ".ready")
        self.logpath = os.path.join(TMP, self.name + ".log")
        for p in (self.ready, self.logpath):
            if os.path.exists(p):
                os.unlink(p)
        args = [sys.executable, os.path.join(MOCK_DIR, "mock_deploy.py"),
                "--certs", CERTS, "--port", "0", "--ready-file", self.ready,
                "--log", self.logpath, "--max-seconds", "120"]
        if token:
            args += ["--token", token]
        self.proc = subprocess.Popen(args + list(extra))
        end = time.monotonic() + 10
        while not os.path.exists(self.ready):
            if self.proc.poll() is not None or time.monotonic() > end:
                raise RuntimeError("mock did not start")
            time.sleep(0.02)
        with open(self.ready) as f:
            self.port = int(f.read())

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            return self.proc.wait(timeout=5)
        return self.proc.returncode

    def log(self):
        with open(self.logpath) as f:
            return [json.loads(line) for line in f]

    def requests(self):
        return [e for e in self.log() if e["event"] == "request"]

    def connections(self, wait_for=1, timeout=3.0):
        end = time.monotonic() + timeout
        while True:
            c = [e for e in self.log() if e["event"] == "connection"]
            if len(c) >= wait_for or time.monotonic() > end:
                return c
            time.sleep(0.02)


def tls_connect(port, host="localhost", ca=None, timeout=5.0):
    ctx = ssl.create_default_context(cafile=ca or os.path.join(CERTS, "ca.pem"))
    raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    return ctx.wrap_socket(raw, server_hostname=host)


class Answer:
    def __init__(self):
        self.status = 0
        self.headers = []
        self.body = b""
        self.raw = b""
        self.reads = 0
        self.closed = False
        self.trailers = []

    def header(self, name):
        for n, v in self.headers:
            if n.lower() == name.lower():
                return v
        return None

    def json(self):
        return json.loads(self.body)


def read_answer(s, deadline=5.0):
    """Reads one HTTP/1.1 answer whatever its framing."""
    a = Answer()
    end = time.monotonic() + deadline
    buf = b""

    def more():
        s.settimeout(max(0.01, end - time.monotonic()))
        d = s.recv(65536)
        a.reads += 1
        a.raw += d
        return d

    while b"\r\n\r\n" not in buf:
        d = more()
        if not d:
            raise EOFError("EOF in head: %r" % buf[:200])
        buf += d
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    a.status = int(lines[0].split(" ")[1])
    for line in lines[1:]:
        n, _, v = line.partition(":")
        a.headers.append((n, v.strip()))
    te = a.header("Transfer-Encoding")
    cl = a.header("Content-Length")
    if te and te.lower() == "chunked":
        body = b""
        while True:
            while b"\r\n" not in rest:
                d = more()
                if not d:
                    raise EOFError("EOF in chunk size")
                rest += d
            line, _, rest = rest.partition(b"\r\n")
            size = int(line.split(b";")[0], 16)
            if size == 0:
                while not (rest.startswith(b"\r\n") or b"\r\n\r\n" in rest):
                    d = more()
                    if not d:
                        raise EOFError("EOF in trailer")
                    rest += d
                if not rest.startswith(b"\r\n"):
                    tr, _, rest = rest.partition(b"\r\n\r\n")
                    a.trailers = tr.decode().split("\r\n")
                break
            while len(rest) < size + 2:
                d = more()
                if not d:
                    raise EOFError("EOF in chunk")
                rest += d
            body += rest[:size]
            rest = rest[size + 2:]
        a.body = body
    elif cl is not None:
        n = int(cl)
        while len(rest) < n:
            d = more()
            if not d:
                a.closed = True
                break
            rest += d
        a.body = rest[:n]
    else:
        while True:
            d = more()
            if not d:
                a.closed = True
                break
            rest += d
        a.body = rest
    return a


def build(method, path, port, headers=None, body=b"", token=TOKEN,
          host=None, ctype="application/json"):
    h = [("Host", host if host is not None else "localhost:%d" % port)]
    if token is not None:
        h.append(("X-Auth-Token", token))
    if ctype is not None and method in ("PUT", "POST"):
        h.append(("Content-Type", ctype))
    if method in ("PUT", "POST") or body:
        h.append(("Content-Length", str(len(body))))
    h += headers or []
    h = [x for x in h if x[1] is not None]
    return ("%s %s HTTP/1.1\r\n" % (method, path) +
            "".join("%s: %s\r\n" % x for x in h) + "\r\n").encode() + body


def call(port, method, path, deadline=5.0, **kw):
    with tls_connect(port) as s:
        s.sendall(build(method, path, port, **kw))
        return read_answer(s, deadline)


def stop(port, record=RUNNING, task=TASK, **kw):
    kw.setdefault("body", b"{}")
    return call(port, "PUT", "/v2/tasks/%s/records/%s/stop" % (task, record), **kw)


def mock_state(port, record=RUNNING):
    return call(port, "GET", "/__mock/state?record_id=" + record,
                token=None).json()["state"]


def set_faults(port, *faults):
    a = call(port, "POST", "/__mock/fault", token=None,
             body=json.dumps({"faults": list(faults)}).encode())
    assert a.status == 200, a.body
    return a


def signed_headers(method, path, query, port, body, sk=SK, when=None,
                   ak=AK):
    date = aksk.format_sdk_date(when or datetime.datetime.now(datetime.timezone.utc))
    hd = {"content-type": "application/json", "host": "localhost:%d" % port,
          "x-sdk-date": date}
    signed = ["content-type", "host", "x-sdk-date"]
    _, sig = aksk.sign(method, path, query, hd, signed, body, sk)
    return [("X-Sdk-Date", date),
            ("Authorization", "SDK-HMAC-SHA256 Access=%s, SignedHeaders=%s, "
             "Signature=%s" % (ak, ";".join(signed), sig))]


class SharedMock(unittest.TestCase):
    """Tests against one long-running mock, reset before each test."""

    @classmethod
    def setUpClass(cls):
        cls.m = Mock("--ak", AK, "--sk", SK, "--iam-token-len", "15000")
        cls.port = cls.m.port

    @classmethod
    def tearDownClass(cls):
        rc = cls.m.stop()
        if rc != 0:
            raise AssertionError("mock exited %r" % rc)

    def setUp(self):
        a = call(self.port, "POST", "/__mock/reset", token=None)
        self.assertEqual(a.status, 200)


class TestEndpoints(SharedMock):
    def test_stop_running_record_succeeds_and_state_becomes_abort(self):
        a = stop(self.port)
        self.assertEqual(a.status, 200)
        self.assertEqual(a.json(), {"status": "success", "result": {
            "id": RUNNING, "task_id": TASK}})
        s = call(self.port, "GET", STATE % (TASK, RUNNING)).json()
        self.assertEqual(s["status"], "success")
        self.assertEqual(s["result"]["status"], "abort")
        self.assertEqual(s["result"]["step"], "finish")
        self.assertNotEqual(s["result"]["end_time"], "")
        self.assertEqual(mock_state(self.port), "abort")

    def test_state_of_running_record_before_stop(self):
        r = call(self.port, "GET", STATE % (TASK, RUNNING)).json()["result"]
        self.assertEqual((r["status"], r["step"], r["record_id"], r["task_id"]),
                         ("running", "running", RUNNING, TASK))

    def test_second_stop_is_rejected_with_flat_error(self):
        self.assertEqual(stop(self.port).status, 200)
        a = stop(self.port)
        self.assertEqual(a.status, 400)
        self.assertEqual(a.json()["error_code"], "Deploy.00011304")

    def test_stop_finished_record_is_rejected_and_state_kept(self):
        a = stop(self.port, record=FINISHED)
        self.assertEqual(a.status, 400)
        self.assertEqual(a.json()["error_code"], "Deploy.00011304")
        self.assertEqual(mock_state(self.port, FINISHED), "succeeded")

    def test_unknown_task_is_404_flat(self):
        a = stop(self.port, task=UNKNOWN)
        self.assertEqual(a.status, 404)
        self.assertEqual(a.json()["error_code"], "Deploy.00011020")
        self.assertIn("error_msg", a.json())

    def test_unknown_record_is_404_flat_on_stop_and_nested_on_state(self):
        a = stop(self.port, record=UNKNOWN)
        self.assertEqual((a.status, a.json()["error_code"]), (404, "Deploy.00011303"))
        b = call(self.port, "GET", STATE % (TASK, UNKNOWN))
        self.assertEqual(b.status, 404)
        self.assertEqual(b.json(), {"error": {
            "code": "Deploy.00011303",
            "message": "The execution record does not exist."}, "status": "failed"})

    def test_bad_token_is_401_in_gateway_shape_with_request_id(self):
        a = stop(self.port, token="not-the-token")
        self.assertEqual(a.status, 401)
        j = a.json()
        self.assertEqual((j["error_code"], j["error_msg"]), ("APIGW.0301", "token expires"))
        self.assertEqual(j["request_id"], a.header("X-Request-Id"))
        self.assertEqual(mock_state(self.port), "running")

    def test_missing_token_is_401_not_found_message(self):
        a = stop(self.port, token=None)
        self.assertEqual(a.status, 401)
        self.assertIn("x-auth-token not found", a.json()["error_msg"])

    def test_unknown_path_and_wrong_method_are_404_apigw_0101(self):
        for method, path in (("GET", "/v2/nothing"), ("POST", STOP),
                             ("GET", STOP)):
            a = call(self.port, method, path, body=b"{}" if method != "GET" else b"")
            self.assertEqual(a.status, 404, path)
            self.assertEqual(a.json()["error_code"], "APIGW.0101")

    def test_body_too_large_is_413_apigw_0201(self):
        a = stop(self.port, body=b"{" + b" " * 70000 + b"}")
        self.assertEqual(a.status, 413)
        self.assertEqual(a.json()["error_code"], "APIGW.0201")
        self.assertEqual(mock_state(self.port), "running")

    def test_every_answer_has_request_id_and_date(self):
        answers = [stop(self.port, record=UNKNOWN), stop(self.port, token="x"),
                   call(self.port, "GET", "/nope"), stop(self.port)]
        for a in answers:
            self.assertRegex(a.header("X-Request-Id") or "", r"^[0-9a-f]{32}$")
            self.assertRegex(a.header("Date") or "", r"^\w{3}, \d\d \w{3} \d{4} ")

    def test_stop_requires_json_content_type(self):
        for ctype in (None, "text/plain"):
            a = stop(self.port, ctype=ctype)
            self.assertEqual(a.status, 400, ctype)
            self.assertEqual(a.json()["error"]["code"], "DEV.CH.10001")
        self.assertEqual(stop(self.port, ctype="application/json;charset=UTF-8").status, 200)

    def test_stop_requires_exact_empty_object_body(self):
        for body in (b"", b"{ }", b"[]", b"{}\n"):
            self.assertEqual(stop(self.port, body=body).status, 400, body)
        self.assertEqual(mock_state(self.port), "running")

    def test_host_header_is_required_and_must_match(self):
        a = stop(self.port, host=None, headers=[("X-Dummy", "1")])
        self.assertEqual(a.status, 200)   # sanity: build() adds Host by default
        call(self.port, "POST", "/__mock/reset", token=None)
        raw = build("PUT", STOP, self.port, body=b"{}").replace(
            b"Host: localhost:%d\r\n" % self.port, b"")
        with tls_connect(self.port) as s:
            s.sendall(raw)
            self.assertEqual(read_answer(s).status, 400)
        for host in ("example.com:%d" % self.port, "localhost:1",
                     "localhost", "codearts-deploy.cn-north-4.myhuaweicloud.com"):
            self.assertEqual(stop(self.port, host=host).status, 404, host)
        for host in ("127.0.0.1:%d" % self.port, "[::1]:%d" % self.port,
                     "10.0.2.2:%d" % self.port, "LOCALHOST:%d" % self.port):
            call(self.port, "POST", "/__mock/reset", token=None)
            self.assertEqual(stop(self.port, host=host).status, 200, host)

    def test_history_lists_records_newest_first(self):
        stop(self.port)
        today = datetime.date.today()
        q = "?page=1&size=10&start_date=%s&end_date=%s" % (
            today - datetime.timedelta(days=1), today + datetime.timedelta(days=1))
        a = call(self.port, "GET", "/v2/%s/task/%s/history%s" % (PROJECT, TASK, q))
        self.assertEqual(a.status, 200)
        j = a.json()
        self.assertEqual(j["total_num"], 2)
        self.assertEqual([r["execution_id"] for r in j["result"]], [RUNNING, FINISHED])
        self.assertEqual(j["result"][0]["state"], "abort")
        self.assertEqual(set(j["result"][0]), {
            "execution_id", "state", "start_time", "end_time", "operator",
            "release_id", "duration", "type", "nickname"})

    def test_history_paginates(self):
        today = datetime.date.today()
        q = "?page=2&size=1&start_date=%s&end_date=%s" % (today - datetime.timedelta(days=1), today)
        j = call(self.port, "GET", "/v2/%s/task/%s/history%s" % (PROJECT, TASK, q)).json()
        self.assertEqual((j["total_num"], len(j["result"])), (2, 1))
        self.assertEqual(j["result"][0]["execution_id"], FINISHED)

    def test_history_requires_all_params_and_at_most_30_days(self):
        base = "/v2/%s/task/%s/history" % (PROJECT, TASK)
        bad = ["?page=1&size=10&start_date=2026-01-01",
               "?size=10&start_date=2026-01-01&end_date=2026-01-02",
               "?page=1&size=10&start_date=2026-01-01&end_date=2026-02-01",
               "?page=1&size=10&start_date=2026-01-05&end_date=2026-01-01",
               "?page=1&size=10&start_date=2026/01/01&end_date=2026-01-02"]
        for q in bad:
            self.assertEqual(call(self.port, "GET", base + q).status, 400, q)
        ok = "?page=1&size=10&start_date=2026-01-01&end_date=2026-01-31"
        self.assertEqual(call(self.port, "GET", base + ok).status, 200)

    def test_start_refused_while_running_then_creates_stoppable_record(self):
        path = "/v2/tasks/%s/start" % TASK
        a = call(self.port, "POST", path, body=b"{}")
        self.assertEqual((a.status, a.json()["error_code"]), (400, "Deploy.00011027"))
        stop(self.port)
        b = call(self.port, "POST", path, body=b'{"params":[]}')
        self.assertEqual(b.status, 200)
        new = b.json()["id"]
        self.assertRegex(new, r"^[0-9a-f]{32}$")
        self.assertEqual(b.json()["task_id"], TASK)
        self.assertEqual(mock_state(self.port, new), "running")
        self.assertEqual(stop(self.port, record=new).status, 200)
        self.assertEqual(mock_state(self.port, new), "abort")

    def test_app_info_known_and_unknown(self):
        j = call(self.port, "GET", "/v1/applications/%s/info" % APP).json()
        self.assertEqual(j["result"]["arrange_infos"][0]["id"], TASK)
        self.assertEqual(j["result"]["arrange_infos"][0]["state"], "running")
        u = call(self.port, "GET", "/v1/applications/%s/info" % UNKNOWN)
        self.assertEqual(u.status, 200)
        self.assertNotIn("result", u.json())

    def test_concurrent_stops_only_one_succeeds(self):
        import threading
        codes = []

        def one():
            codes.append(stop(self.port).status)
        threads = [threading.Thread(target=one) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        self.assertEqual(sorted(codes), [200] + [400] * 7)

    def test_connection_is_kept_alive_between_requests(self):
        with tls_connect(self.port) as s:
            s.sendall(build("GET", STATE % (TASK, RUNNING), self.port))
            self.assertEqual(read_answer(s).status, 200)
            s.sendall(build("PUT", STOP, self.port, body=b"{}"))
            a = read_answer(s)
            self.assertEqual(a.status, 200)
            self.assertEqual(a.header("Connection"), "keep-alive")

    def test_connection_close_request_closes_after_answer(self):
        with tls_connect(self.port) as s:
            s.sendall(build("GET", STATE % (TASK, RUNNING), self.port,
                            headers=[("Connection", "close")]))
            a = read_answer(s)
            self.assertEqual(a.header("Connection"), "close")
            s.settimeout(2)
            try:
                rest = s.recv(100)
            except (ssl.SSLError, ConnectionError):
                rest = b""
            self.assertEqual(rest, b"")

    def test_request_transfer_encoding_is_refused_and_closed(self):
        raw = build("PUT", STOP, self.port, body=b"").replace(
            b"Content-Length: 0\r\n", b"Transfer-Encoding: chunked\r\n") + b"2\r\n{}\r\n0\r\n\r\n"
        with tls_connect(self.port) as s:
            s.sendall(raw)
            a = read_answer(s)
        self.assertEqual((a.status, a.header("Connection")), (501, "close"))
        self.assertEqual(mock_state(self.port), "running")

    def test_bad_content_length_is_400(self):
        raw = build("PUT", STOP, self.port, body=b"{}").replace(
            b"Content-Length: 2", b"Content-Length: +2")
        with tls_connect(self.port) as s:
            s.sendall(raw)
            self.assertEqual(read_answer(s).status, 400)

    def test_head_over_64k_is_431(self):
        with tls_connect(self.port) as s:
            s.sendall(b"GET / HTTP/1.1\r\nX-Big: " + b"b" * 70000)
            a = read_answer(s)
        self.assertEqual((a.status, a.json()["error_code"]), (431, "APIGW.0201"))

    def test_duplicate_host_is_400(self):
        raw = build("PUT", STOP, self.port, body=b"{}").replace(
            b"\r\n\r\n", b"\r\nHost: localhost:%d\r\n\r\n" % self.port)
        with tls_connect(self.port) as s:
            s.sendall(raw)
            self.assertEqual(read_answer(s).status, 400)

    def test_malformed_request_line_is_400(self):
        with tls_connect(self.port) as s:
            s.sendall(b"PUT  /x HTTP/1.1\r\nHost: localhost\r\n\r\n")
            self.assertEqual(read_answer(s).status, 400)
        with tls_connect(self.port) as s:
            s.sendall(b"GET / HTTP/1.1\nHost: localhost\r\n\r\n")
            self.assertEqual(read_answer(s).status, 400)


class TestLog(SharedMock):
    def test_log_line_has_fields_and_never_the_token(self):
        stop(self.port)
        with open(self.m.logpath, "rb") as f:
            text = f.read()
        self.assertNotIn(TOKEN[:40].encode(), text)
        e = [r for r in self.m.requests() if r["method"] == "PUT"][-1]
        self.assertEqual((e["path"], e["body"], e["auth"], e["status"]),
                         (STOP, "{}", "token-ok", 200))
        self.assertTrue(e["state_changed"])
        tok = e["headers"]["x-auth-token"]
        self.assertEqual(tok["len"], 20000)
        self.assertEqual(tok["sha256"], hashlib.sha256(TOKEN.encode()).hexdigest())
        raw = base64.b64decode(e["raw_b64"])
        want = build("PUT", STOP, self.port, body=b"{}").replace(
            TOKEN.encode(), b"<sha256:" + tok["sha256"].encode() + b">")
        self.assertEqual(raw, want)
        self.assertEqual(e["raw_len"], len(build("PUT", STOP, self.port, body=b"{}")))

    def test_connection_event_counts_http_bytes(self):
        req = build("GET", STATE % (TASK, RUNNING), self.port)
        with tls_connect(self.port) as s:
            s.sendall(req)
            rid = read_answer(s).header("X-Request-Id")
        conn = [r for r in self.m.requests() if r.get("request_id") == rid][0]["conn"]
        end = time.monotonic() + 3
        while True:
            c = [e for e in self.m.log() if e["event"] == "connection" and
                 e["conn"] == conn]
            if c or time.monotonic() > end:
                break
            time.sleep(0.02)
        c = c[0]
        self.assertTrue(c["tls_ok"])
        self.assertEqual(c["http_bytes"], len(req))


class TestShortToken(unittest.TestCase):
    def test_short_token_is_redacted_only_where_it_stands(self):
        m = Mock(token="t")
        try:
            self.assertEqual(stop(m.port, token="t").status, 200)
            e = [r for r in m.requests() if r["method"] == "PUT"][-1]
            raw = base64.b64decode(e["raw_b64"])
            tag = b"<sha256:" + hashlib.sha256(b"t").hexdigest().encode() + b">"
            self.assertEqual(raw, build("PUT", STOP, m.port, body=b"{}", token="t")
                             .replace(b"X-Auth-Token: t\r\n",
                                      b"X-Auth-Token: " + tag + b"\r\n"))
            self.assertEqual(e["target"], STOP)
        finally:
            self.assertEqual(m.stop(), 0)


class TestCertificates(unittest.TestCase):
    def test_certs_verify_and_carry_the_expected_names(self):
        ca = os.path.join(CERTS, "ca.pem")
        inter = os.path.join(CERTS, "intermediate-ca.pem")
        for leaf, cafile in (("server.pem", ca), ("server-rsa.pem", ca),
                             ("wrong.pem", ca), ("chain.pem", ca),
                             ("untrusted.pem", os.path.join(CERTS, "untrusted-ca.pem"))):
            r = subprocess.run(["openssl", "verify", "-CAfile", cafile,
                                "-untrusted", inter,
                                os.path.join(CERTS, leaf)], capture_output=True)
            self.assertEqual(r.returncode, 0, leaf)
        r = subprocess.run(["openssl", "verify", "-CAfile", ca,
                            os.path.join(CERTS, "untrusted.pem")], capture_output=True)
        self.assertNotEqual(r.returncode, 0)
        txt = subprocess.run(["openssl", "x509", "-noout", "-text", "-in",
                              os.path.join(CERTS, "server.pem")],
                             capture_output=True, text=True).stdout
        for name in ("DNS:localhost", "IP Address:127.0.0.1",
                     "IP Address:0:0:0:0:0:0:0:1", "IP Address:10.0.2.2",
                     # mbedTLS 2.28 only matches dNSName entries
                     "DNS:127.0.0.1", "DNS:10.0.2.2", "DNS:::1",
                     "ecdsa-with-SHA256"):
            self.assertIn(name, txt)
        catxt = subprocess.run(["openssl", "x509", "-noout", "-text", "-in", ca],
                               capture_output=True, text=True).stdout
        self.assertIn("CA:TRUE", catxt)
        self.assertIn("Certificate Sign", catxt)

    def test_make_certs_is_idempotent(self):
        p = os.path.join(CERTS, "ca.pem")
        before = os.stat(p).st_mtime_ns
        subprocess.run([sys.executable, os.path.join(MOCK_DIR, "make_certs.py"),
                        CERTS], check=True)
        self.assertEqual(os.stat(p).st_mtime_ns, before)

    def _refused(self, mode, host="localhost", ca=None):
        m = Mock("--cert-host", mode)
        try:
            with self.assertRaises(ssl.SSLCertVerificationError):
                tls_connect(m.port, host=host, ca=ca)
            c = m.connections(1)
            self.assertEqual(len(c), 1)
            self.assertEqual(c[0]["http_bytes"], 0)
        finally:
            self.assertEqual(m.stop(), 0)
        return c[0]

    def test_wrong_host_certificate_is_refused_before_any_http_byte(self):
        self._refused("wrong")

    def test_untrusted_ca_is_refused_before_any_http_byte(self):
        c = self._refused("untrusted")
        self.assertFalse(c["tls_ok"])

    def test_expired_certificate_is_refused_before_any_http_byte(self):
        self._refused("expired")
        r = subprocess.run(["openssl", "x509", "-noout", "-enddate", "-in",
                            os.path.join(CERTS, "expired.pem")],
                           capture_output=True, text=True)
        self.assertIn("2020", r.stdout)

    def test_chain_through_intermediate_is_accepted_with_root_only(self):
        m = Mock("--cert-host", "chain")
        try:
            with tls_connect(m.port) as s:
                s.sendall(build("GET", STATE % (TASK, RUNNING), m.port))
                self.assertEqual(read_answer(s).status, 200)
        finally:
            self.assertEqual(m.stop(), 0)
        with open(os.path.join(CERTS, "chain.pem")) as f:
            self.assertEqual(f.read().count("BEGIN CERTIFICATE"), 2)

    def test_good_certificate_accepted_for_ip_names_and_rsa(self):
        for mode in ("good", "rsa"):
            m = Mock("--cert-host", mode, "--tls-max", "1.2")
            try:
                for host in ("localhost", "127.0.0.1", "10.0.2.2"):
                    with tls_connect(m.port, host=host) as s:
                        self.assertEqual(s.version(), "TLSv1.2")
                        self.assertIn("GCM", s.cipher()[0])
            finally:
                self.assertEqual(m.stop(), 0)


class TestFaults(SharedMock):
    def test_byte_at_a_time_gives_same_answer_in_many_reads(self):
        set_faults(self.port, "byte_at_a_time")
        a = stop(self.port)
        self.assertEqual(a.json()["result"]["id"], RUNNING)
        self.assertGreater(a.reads, 50)

    def test_chunked_answer_has_extensions_and_trailer(self):
        set_faults(self.port, "chunked")
        a = stop(self.port)
        self.assertEqual(a.header("Transfer-Encoding"), "chunked")
        self.assertIsNone(a.header("Content-Length"))
        self.assertIn(b";mock-ext=", a.raw)
        self.assertEqual(a.trailers, ["X-Mock-Trailer: done"])
        self.assertEqual(a.json()["status"], "success")

    def test_no_length_answer_ends_with_close(self):
        set_faults(self.port, "no_length")
        a = stop(self.port)
        self.assertIsNone(a.header("Content-Length"))
        self.assertTrue(a.closed)
        self.assertEqual(a.json()["result"]["task_id"], TASK)

    def test_delay_postpones_the_answer(self):
        set_faults(self.port, "delay:0.6")
        t = time.monotonic()
        self.assertEqual(stop(self.port).status, 200)
        self.assertGreaterEqual(time.monotonic() - t, 0.6)

    def test_delay_abandoned_by_the_client_changes_nothing(self):
        set_faults(self.port, "delay:1")
        with tls_connect(self.port) as s:
            s.sendall(build("PUT", STOP, self.port, body=b"{}"))
            time.sleep(0.2)
        time.sleep(1.2)
        self.assertEqual(mock_state(self.port), "running")
        e = [r for r in self.m.requests() if r.get("method") == "PUT"][-1]
        self.assertEqual((e["status"], e["state_changed"]), (None, False))

    def test_silence_never_answers_and_keeps_state(self):
        set_faults(self.port, "silence")
        with tls_connect(self.port) as s:
            s.sendall(build("PUT", STOP, self.port, body=b"{}"))
            s.settimeout(0.8)
            with self.assertRaises((socket.timeout, TimeoutError)):
                s.recv(10)
        self.assertEqual(mock_state(self.port), "running")

    def test_truncate_stops_mid_body_after_the_state_change(self):
        set_faults(self.port, "truncate")
        a = stop(self.port)
        self.assertTrue(a.closed)
        self.assertLess(len(a.body), int(a.header("Content-Length")))
        self.assertGreater(len(a.body), 0)
        self.assertEqual(mock_state(self.port), "abort")

    def test_reset_sends_rst_and_keeps_state(self):
        set_faults(self.port, "reset")
        with tls_connect(self.port) as s:
            s.sendall(build("PUT", STOP, self.port, body=b"{}"))
            # Read below TLS: Python's ssl layer reports a reset as a ragged
            # EOF, which would not tell an RST from a FIN.
            s.settimeout(3)
            with self.assertRaises(ConnectionResetError):
                for _ in range(100):
                    if not socket.socket.recv(s, 65536):
                        break
        self.assertEqual(mock_state(self.port), "running")

    def test_status_with_retry_after_keeps_state(self):
        set_faults(self.port, "status:503", "retry_after:2")
        a = stop(self.port)
        self.assertEqual(a.status, 503)
        self.assertEqual(a.header("Retry-After"), "2")
        self.assertEqual(a.json()["error_code"], "APIGW.0202")
        self.assertEqual(a.json()["request_id"], a.header("X-Request-Id"))
        self.assertEqual(mock_state(self.port), "running")

    def test_status_shapes(self):
        want = {429: "APIG.0308", 500: "DEV.CH.10002", 403: "Deploy.00011154",
                504: "APIGW.0203", 400: "Deploy.00011027"}
        for code, ecode in want.items():
            set_faults(self.port, "status:%d" % code)
            j = stop(self.port).json()
            got = j.get("error_code") or j["error"]["code"]
            self.assertEqual(got, ecode, code)

    def test_fail_times_fails_only_first_n_stops(self):
        set_faults(self.port, "status:503", "fail_times:2")
        self.assertEqual(call(self.port, "GET", STATE % (TASK, RUNNING)).status, 200)
        self.assertEqual([stop(self.port).status for _ in range(3)], [503, 503, 200])
        self.assertEqual(mock_state(self.port), "abort")

    def test_oversize_headers(self):
        set_faults(self.port, "oversize_headers")
        a = stop(self.port)
        self.assertGreaterEqual(len(a.header("X-Mock-Padding")), 20480)
        self.assertEqual(a.json()["status"], "success")

    def test_oversize_body_is_valid_json_over_40k(self):
        set_faults(self.port, "oversize_body")
        a = stop(self.port)
        self.assertGreater(len(a.body), 40960)
        self.assertEqual(a.json()["result"]["id"], RUNNING)

    def test_malformed_json_after_state_change(self):
        set_faults(self.port, "malformed_json")
        a = stop(self.port)
        self.assertEqual(a.status, 200)
        with self.assertRaises(ValueError):
            a.json()
        self.assertEqual(mock_state(self.port), "abort")

    def test_wrong_ids_keeps_state(self):
        set_faults(self.port, "wrong_ids")
        r = stop(self.port).json()["result"]
        self.assertNotEqual((r["id"], r["task_id"]), (RUNNING, TASK))
        self.assertEqual(mock_state(self.port), "running")

    def test_status_error_200_keeps_state(self):
        set_faults(self.port, "status_error_200")
        a = stop(self.port)
        self.assertEqual((a.status, a.json()["status"]), (200, "error"))
        self.assertEqual(mock_state(self.port), "running")

    def test_keep_open_ignores_connection_close(self):
        set_faults(self.port, "keep_open")
        with tls_connect(self.port) as s:
            s.sendall(build("PUT", STOP, self.port, body=b"{}",
                            headers=[("Connection", "close")]))
            self.assertEqual(read_answer(s).status, 200)
            s.settimeout(0.8)
            with self.assertRaises((socket.timeout, TimeoutError)):
                s.recv(10)

    def test_nested_errors_switch_changes_stop_error_shape(self):
        set_faults(self.port, "nested_errors")
        j = stop(self.port, record=UNKNOWN).json()
        self.assertEqual(j["error"]["code"], "Deploy.00011303")
        self.assertEqual(j["status"], "failed")

    def test_faults_combine(self):
        set_faults(self.port, "chunked", "byte_at_a_time")
        a = stop(self.port)
        self.assertEqual(a.json()["status"], "success")
        self.assertGreater(a.reads, 50)

    def test_unknown_fault_is_refused_and_control_ignores_faults(self):
        a = call(self.port, "POST", "/__mock/fault", token=None,
                 body=b'{"faults":["nonsense"]}')
        self.assertEqual(a.status, 400)
        set_faults(self.port, "silence")
        self.assertEqual(mock_state(self.port), "running")

    def test_faults_from_command_line_and_reset_restores_them(self):
        m = Mock("--fault", "status:502", "--fault", "retry_after:1")
        try:
            a = stop(m.port)
            self.assertEqual((a.status, a.header("Retry-After")), (502, "1"))
            set_faults(m.port)
            self.assertEqual(stop(m.port).status, 200)
            call(m.port, "POST", "/__mock/reset", token=None)
            self.assertEqual(stop(m.port).status, 502)
        finally:
            self.assertEqual(m.stop(), 0)

    def test_bad_command_line_fault_exits_2(self):
        r = subprocess.run([sys.executable, os.path.join(MOCK_DIR, "mock_deploy.py"),
                            "--certs", CERTS, "--fault", "bogus"],
                           capture_output=True, timeout=10)
        self.assertEqual(r.returncode, 2)


class TestAkSk(unittest.TestCase):
    def test_vector_1_signing_guide(self):
        h = {"content-type": "application/json",
             "host": "service.region.example.com", "x-sdk-date": "20191115T033655Z"}
        canon, sig = aksk.sign(
            "GET", "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs",
            "limit=2&marker=13551d6b-755d-4757-b956-536f674975c0", h,
            ["content-type", "host", "x-sdk-date"], b"",
            "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc")
        self.assertEqual(hashlib.sha256(canon.encode()).hexdigest(),
                         "b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a")
        self.assertEqual(sig, "7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe")

    def test_vector_2_python_sdk_get_and_post(self):
        h = {"host": "service.endpoint.myhuaweicloud.com", "x-sdk-date": "20200608T023900Z"}
        s = ["host", "x-sdk-date"]
        self.assertEqual(aksk.sign("GET", "/resources", "size=1", h, s, b"", SK)[1],
                         "cfb4171acec81de07d50e53d57eb77edd537414d66ddb1d7d780f128e12cd842")
        self.assertEqual(aksk.sign("POST", "/resources", "size=1", h, s,
                                   b'{"name":"test","id":1}', SK)[1],
                         "436b1ac0a1ae03705934bb70ef2f2e09f7bfed2117d731a38235053199323a1f")

    def test_vector_3_stop_call(self):
        h = {"content-type": "application/json",
             "host": "codearts-deploy.cn-north-4.myhuaweicloud.com",
             "x-sdk-date": "20250709T033628Z"}
        self.assertEqual(aksk.sign("PUT", STOP, "", h, ["content-type", "host", "x-sdk-date"],
                                   b"{}", SK)[1],
                         "b5c93d7624d15468f220aeee64d312dc9ba06053e5411f4487f2d5872574cee0")

    def test_canonical_uri_and_query_encoding(self):
        self.assertEqual(aksk.canonical_uri(""), "/")
        self.assertEqual(aksk.canonical_uri("/a b/c%2Fd"), "/a%20b/c/d/")
        self.assertEqual(aksk.canonical_uri("/x/%7E%zz+"), "/x/~%25zz%2B/")
        self.assertEqual(aksk.canonical_query("b=2&a=x y&a=1&c&=drop"),
                         "a=1&a=x%20y&b=2&c=")
        self.assertEqual(aksk.canonical_query("k=%7e*"), "k=~%2A")

    def test_authorization_parsing(self):
        self.assertEqual(aksk.parse_authorization(
            "SDK-HMAC-SHA256 Access=A, SignedHeaders=host;x-sdk-date, Signature=ab"),
            ("A", ["host", "x-sdk-date"], "ab"))
        for bad in ("SDK-HMAC-SHA256 Access=A", "HMAC Access=A, SignedHeaders=h, Signature=a",
                    "SDK-HMAC-SHA256 Access=A, SignedHeaders=Host, Signature=a"):
            self.assertIsNone(aksk.parse_authorization(bad), bad)


class TestAkSkServer(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = Mock("--ak", AK, "--sk", SK, "--lock-seconds", "1.5", token=None)
        cls.port = cls.m.port

    @classmethod
    def tearDownClass(cls):
        rc = cls.m.stop()
        if rc != 0:
            raise AssertionError("mock exited %r" % rc)

    def setUp(self):
        call(self.port, "POST", "/__mock/reset", token=None)

    def signed_stop(self, **kw):
        return stop(self.port, token=None,
                    headers=signed_headers("PUT", STOP, "", self.port, b"{}", **kw))

    def test_good_signature_stops(self):
        a = self.signed_stop()
        self.assertEqual(a.status, 200)
        self.assertEqual(mock_state(self.port), "abort")
        e = [r for r in self.m.requests() if r["method"] == "PUT"][-1]
        self.assertEqual(e["auth"], "aksk-ok")

    def test_signed_get_with_query(self):
        q = "record_id=" + RUNNING
        path = "/v2/tasks/%s/state" % TASK
        a = call(self.port, "GET", path + "?" + q, token=None,
                 headers=[("Content-Type", "application/json")] +
                 signed_headers("GET", path, q, self.port, b""))
        self.assertEqual(a.status, 200)

    def test_wrong_sk_is_401_verify_fail(self):
        a = self.signed_stop(sk="WrongKey")
        self.assertEqual(a.status, 401)
        self.assertEqual(a.json()["error_code"], "APIGW.0301")
        self.assertIn("verify aksk signature fail", a.json()["error_msg"])
        self.assertEqual(mock_state(self.port), "running")

    def test_tampered_body_fails(self):
        hd = signed_headers("PUT", STOP, "", self.port, b"{}")
        hd[1] = (hd[1][0], hd[1][1].replace("Access=AccessKey",
                                            "Access=AccessKey"))
        raw = build("PUT", STOP, self.port, body=b"{}", token=None,
                    headers=hd).replace(b"/stop HTTP", b"/stop?x=1 HTTP")
        with tls_connect(self.port) as s:
            s.sendall(raw)
            self.assertEqual(read_answer(s).status, 401)

    def test_skew_over_15_minutes_is_expired_with_server_time(self):
        now = datetime.datetime.now(datetime.timezone.utc)
        late = self.signed_stop(when=now - datetime.timedelta(minutes=16))
        self.assertEqual(late.status, 401)
        self.assertIn("signature expired", late.json()["error_msg"])
        self.assertIn("server time:", late.json()["error_msg"])
        call(self.port, "POST", "/__mock/reset", token=None)
        ok = self.signed_stop(when=now - datetime.timedelta(minutes=14))
        self.assertEqual(ok.status, 200)

    def test_lockout_after_five_failures_then_unlock(self):
        for _ in range(5):
            self.assertEqual(self.signed_stop(sk="bad").status, 401)
        locked = self.signed_stop()
        self.assertEqual(locked.status, 401)
        self.assertIn("locked", locked.json()["error_msg"])
        self.assertTrue(call(self.port, "GET", "/__mock/state", token=None).json()["ak_locked"])
        time.sleep(1.6)
        self.assertEqual(self.signed_stop().status, 200)

    def test_success_resets_failure_count(self):
        for _ in range(4):
            self.signed_stop(sk="bad")
        self.assertEqual(self.signed_stop().status, 200)
        call(self.port, "POST", "/__mock/fault", token=None, body=b'{"faults":[]}')
        for _ in range(4):
            self.signed_stop(sk="bad")
        self.assertFalse(call(self.port, "GET", "/__mock/state", token=None).json()["ak_locked"])

    def test_unknown_ak_and_missing_date(self):
        a = self.signed_stop(ak="OtherKey")
        self.assertEqual(a.status, 401)
        hd = [h for h in signed_headers("PUT", STOP, "", self.port, b"{}")
              if h[0] != "X-Sdk-Date"]
        self.assertEqual(stop(self.port, token=None, headers=hd).status, 401)


class TestClockOffset(unittest.TestCase):
    def test_server_clock_ahead_expires_then_date_header_recovers(self):
        m = Mock("--ak", AK, "--sk", SK, "--clock-offset", "3600", token=None)
        try:
            a = stop(m.port, token=None,
                     headers=signed_headers("PUT", STOP, "", m.port, b"{}"))
            self.assertEqual(a.status, 401)
            self.assertIn("signature expired", a.json()["error_msg"])
            server = datetime.datetime.strptime(
                a.header("Date"), "%a, %d %b %Y %H:%M:%S GMT").replace(
                    tzinfo=datetime.timezone.utc)
            skew = (server - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
            self.assertAlmostEqual(skew, 3600, delta=5)
            b = stop(m.port, token=None, headers=signed_headers(
                "PUT", STOP, "", m.port, b"{}", when=server))
            self.assertEqual(b.status, 200)
        finally:
            self.assertEqual(m.stop(), 0)


class TestIam(SharedMock):
    BODY = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "deploystop-user", "password": "mock-iam-password",
        "domain": {"name": "deploystop-account"}}}},
        "scope": {"project": {"name": "cn-north-4"}}}}

    def iam(self, body):
        return call(self.port, "POST", "/v3/auth/tokens?nocatalog=true", token=None,
                    ctype="application/json;charset=utf8",
                    body=json.dumps(body).encode())

    def test_token_issued_and_accepted_by_stop(self):
        a = self.iam(self.BODY)
        self.assertEqual(a.status, 201)
        tok = a.header("X-Subject-Token")
        self.assertEqual(len(tok), 15000)
        self.assertTrue(tok.startswith("MII"))
        exp = a.json()["token"]["expires_at"]
        t = datetime.datetime.strptime(exp, "%Y-%m-%dT%H:%M:%S.%fZ")
        self.assertAlmostEqual((t - datetime.datetime.utcnow()).total_seconds(),
                               86400, delta=60)
        s = stop(self.port, token=tok)
        self.assertEqual(s.status, 200)
        self.assertEqual(self.m.requests()[-1]["auth"], "iam-token-ok")

    def test_wrong_password_is_401_and_never_logged(self):
        body = json.loads(json.dumps(self.BODY))
        body["auth"]["identity"]["password"]["user"]["password"] = "Wr0ng-pass\"word"
        a = self.iam(body)
        self.assertEqual(a.status, 401)
        self.assertEqual(a.json()["error"]["code"], 401)
        self.assertIsNone(a.header("X-Subject-Token"))
        self.iam(self.BODY)
        with open(self.m.logpath, "rb") as f:
            text = f.read()
        self.assertNotIn(b"Wr0ng-pass", text)
        self.assertNotIn(b"mock-iam-password", text)

    def test_password_redacted_in_any_escaping_and_in_broken_json(self):
        raw_pw = b'p\\"w\\u00E9\xe2\x82\xac-unique-7431'
        body = (b'{"auth":{"identity":{"methods":["password"],"password":{"user":'
                b'{"name":"deploystop-user","password" : "' + raw_pw + b'",'
                b'"domain":{"name":"deploystop-account"}}}},'
                b'"scope":{"project":{"name":"cn-north-4"}}}}')
        self.assertEqual(call(self.port, "POST", "/v3/auth/tokens", token=None,
                              body=body).status, 401)
        self.assertEqual(call(self.port, "POST", "/v3/auth/tokens", token=None,
                              body=body[:-9]).status, 400)
        with open(self.m.logpath, "rb") as f:
            text = f.read()
        for e in self.m.requests()[-2:]:
            text += base64.b64decode(e["raw_b64"])
        self.assertNotIn(b"unique-7431", text)
        self.assertNotIn(b"u00E9", text)

    def test_iam_fail_times_fails_only_the_first_n_token_requests(self):
        set_faults(self.port, "iam_fail_times:2", "retry_after:1")
        a, b = self.iam(self.BODY), self.iam(self.BODY)
        self.assertEqual((a.status, b.status), (503, 503))
        self.assertEqual(a.json()["error_code"], "APIGW.0202")
        self.assertEqual(a.header("Retry-After"), "1")
        self.assertIsNone(a.header("X-Subject-Token"))
        self.assertEqual(self.iam(self.BODY).status, 201)
        # Stops are not touched by an IAM outage.
        self.assertEqual(stop(self.port).status, 200)

    def test_project_scope_required(self):
        body = json.loads(json.dumps(self.BODY))
        del body["auth"]["scope"]
        self.assertEqual(self.iam(body).status, 400)

    def test_expired_iam_token_is_refused(self):
        m = Mock("--iam-token-ttl", "0.5", "--iam-token-len", "9000", token=None)
        try:
            a = call(m.port, "POST", "/v3/auth/tokens?nocatalog=true", token=None,
                     body=json.dumps(self.BODY).encode())
            tok = a.header("X-Subject-Token")
            self.assertEqual(len(tok), 9000)
            time.sleep(0.6)
            r = stop(m.port, token=tok)
            self.assertEqual((r.status, r.json()["error_msg"]), (401, "token expires"))
        finally:
            self.assertEqual(m.stop(), 0)


class TestLifecycle(unittest.TestCase):
    def test_sigterm_exits_zero_quickly(self):
        m = Mock()
        t = time.monotonic()
        self.assertEqual(m.stop(), 0)
        self.assertLess(time.monotonic() - t, 2)
        self.assertFalse(os.path.exists(m.ready))

    def test_sigint_exits_zero(self):
        m = Mock()
        m.proc.send_signal(signal.SIGINT)
        self.assertEqual(m.proc.wait(timeout=5), 0)
        self.assertEqual(m.log()[-1]["reason"], "signal")

    def test_max_seconds_self_terminates(self):
        m = Mock("--max-seconds", "0.5")
        self.assertEqual(m.proc.wait(timeout=5), 0)
        self.assertEqual(m.log()[-1], dict(m.log()[-1], event="exit",
                                           reason="max-seconds"))

    def test_ipv6_bind(self):
        m = Mock("--bind", "::1")
        try:
            ctx = ssl.create_default_context(cafile=os.path.join(CERTS, "ca.pem"))
            raw = socket.create_connection(("::1", m.port), timeout=5)
            with ctx.wrap_socket(raw, server_hostname="::1") as s:
                s.sendall(build("GET", STATE % (TASK, RUNNING), m.port,
                                host="[::1]:%d" % m.port))
                self.assertEqual(read_answer(s).status, 200)
        finally:
            self.assertEqual(m.stop(), 0)


if __name__ == "__main__":
    unittest.main()
