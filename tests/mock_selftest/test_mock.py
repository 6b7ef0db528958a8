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
IAM_PROJECT = "3a4b5c6d7e8f40a1b2c3d4e5f6a7b8c9"    # IAM's, not CodeArts'
TASK2 = "1f2e3d4c5b6a79880716253443526170"
RUNNING2 = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
MULTI_RUNNING2 = "6d1e2f3a4b5c4d6e8f7a9b0c1d2e3f4a"
MULTI_PENDING = "7e2f3a4b5c6d4e7f9a8b0c1d2e3f4a5b"
MULTI_FAILED = "8f3a4b5c6d7e4f8a0b9c1d2e3f4a5b6c"
MULTI_ABORTED = "9a4b5c6d7e8f4a9b1c0d2e3f4a5b6c7d"
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


def utc_today():
    return datetime.datetime.now(datetime.timezone.utc).date()


def history_path(task=TASK, page=1, size=100, start=None, end=None,
                 project=PROJECT, days=30):
    """History query; the window ends today (UTC) and spans `days` days."""
    today = utc_today()
    start = start or today - datetime.timedelta(days=days)
    end = end or today
    return "/v2/%s/task/%s/history?page=%d&size=%d&start_date=%s&end_date=%s" % (
        project, task, page, size, start, end)


def history(port, **kw):
    return call(port, "GET", history_path(**kw))


def rows(answer):
    """(execution_id, state) of a history answer's rows, in order."""
    assert answer.status == 200, (answer.status, answer.body)
    return [(r["execution_id"], r["state"]) for r in answer.json()["result"]]


def set_config(port, **cfg):
    a = call(port, "POST", "/__mock/config", token=None,
             body=json.dumps(cfg).encode())
    assert a.status == 200, a.body
    return a.json()["config"]


def api_state(port, record=RUNNING, task=TASK):
    a = call(port, "GET", "/v2/tasks/%s/state?record_id=%s&step_state=false"
             % (task, record))
    assert a.status == 200, (a.status, a.body)
    return a.json()["result"]


def parse_time(s):
    return datetime.datetime.strptime(s, "%Y-%m-%d %H:%M:%S").replace(
        tzinfo=datetime.timezone.utc)


class Conn:
    """One kept-alive TLS connection for several requests."""

    def __init__(self, port, **kw):
        self.port = port
        self.s = tls_connect(port, **kw)

    def __call__(self, method, path, **kw):
        self.s.sendall(build(method, path, self.port, **kw))
        return read_answer(self.s)

    def raw_recv(self, timeout=2.0):
        """Reads below TLS: b"" for a FIN, raises on an RST."""
        socket.socket.settimeout(self.s, timeout)
        return socket.socket.recv(self.s, 65536)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.s.close()


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


class TestDiscover(SharedMock):
    """History discovery, scenarios, stop timing, races and run-time config."""

    # ---------------------------------------------------------- project id
    def test_history_only_for_the_codearts_project(self):
        self.assertEqual(history(self.port).status, 200)
        for other in (UNKNOWN, IAM_PROJECT):
            a = history(self.port, project=other)
            self.assertEqual(a.status, 404, other)
            self.assertEqual(a.json(), {"error_code": "Deploy.00016902",
                                        "error_msg": "The project does not exist."})
        bad = history(self.port, project="not-an-id")
        self.assertEqual((bad.status, bad.json()["error"]["code"]),
                         (400, "DEV.CH.10001"))
        app = call(self.port, "GET", "/v1/applications/%s/info" % APP).json()
        self.assertEqual(app["result"]["project_id"], PROJECT)

    # --------------------------------------------------- missing dates 0106
    def test_history_without_dates_is_gateway_apigw_0106(self):
        base = "/v2/%s/task/%s/history?page=1&size=10" % (PROJECT, TASK)
        for q in ("", "&start_date=%s" % utc_today(), "&end_date=%s" % utc_today()):
            a = call(self.port, "GET", base + q)
            self.assertEqual(a.status, 400, q)
            j = a.json()
            self.assertEqual(set(j), {"error_msg", "error_code", "request_id"})
            self.assertEqual(j["error_code"], "APIGW.0106")
            self.assertEqual(j["request_id"], a.header("X-Request-Id"))
        # Other bad parameters keep the service's nested answer.
        other = "/v2/%s/task/%s/history?size=10&start_date=%s&end_date=%s" % (
            PROJECT, TASK, utc_today(), utc_today())
        a = call(self.port, "GET", other)
        self.assertEqual((a.status, a.json()["error"]["code"]), (400, "DEV.CH.10001"))
        # Decided by the gateway, so a backend status fault does not replace it.
        set_faults(self.port, "status:503")
        self.assertEqual(call(self.port, "GET", base).json()["error_code"], "APIGW.0106")
        self.assertEqual(history(self.port).status, 503)

    # ----------------------------------------------------------- scenarios
    def test_default_scenario_has_second_task_with_running_record(self):
        self.assertEqual(rows(history(self.port)),
                         [(RUNNING, "running"), (FINISHED, "succeeded")])
        self.assertEqual(rows(history(self.port, task=TASK2)), [(RUNNING2, "running")])
        self.assertEqual(api_state(self.port, RUNNING2, TASK2)["status"], "running")
        self.assertEqual(stop(self.port, record=RUNNING2, task=TASK2).status, 200)
        self.assertEqual(stop(self.port).status, 200)
        self.assertEqual(api_state(self.port, RUNNING2, TASK2)["status"], "abort")
        self.assertEqual(rows(history(self.port, task=TASK2)), [(RUNNING2, "abort")])
        # A record of one task is unknown under the other.
        self.assertEqual(stop(self.port, record=RUNNING2).status, 404)
        self.assertEqual(history(self.port, task=UNKNOWN).json()["error_code"],
                         "Deploy.00011020")

    def test_idle_scenario_has_nothing_to_stop(self):
        self.assertEqual(set_config(self.port, scenario="idle")["scenario"], "idle")
        for task in (TASK, TASK2):
            r = rows(history(self.port, task=task))
            self.assertTrue(r, task)
            self.assertFalse([x for x in r if x[1] in ("running", "pending")], r)
        a = stop(self.port)
        self.assertEqual((a.status, a.json()["error_code"]), (400, "Deploy.00011304"))
        self.assertEqual(stop(self.port, record=RUNNING2, task=TASK2).status, 400)

    def test_multi_scenario_two_running_one_pending(self):
        set_config(self.port, scenario="multi")
        r = rows(history(self.port))
        self.assertEqual(sorted(i for i, st in r if st == "running"),
                         sorted([RUNNING, MULTI_RUNNING2]))
        self.assertEqual([i for i, st in r if st == "pending"], [MULTI_PENDING])
        self.assertEqual({i for i, st in r if st not in ("running", "pending")},
                         {FINISHED, MULTI_FAILED, MULTI_ABORTED})
        self.assertEqual(history(self.port).json()["total_num"], 6)
        p = api_state(self.port, MULTI_PENDING)
        self.assertEqual((p["status"], p["step"]), ("pending", "running"))
        for rec in (RUNNING, MULTI_RUNNING2, MULTI_PENDING):
            self.assertEqual(stop(self.port, record=rec).status, 200, rec)
            self.assertEqual(api_state(self.port, rec)["status"], "abort")
        self.assertEqual(stop(self.port, record=MULTI_FAILED).status, 400)
        self.assertEqual(rows(history(self.port, task=TASK2)), [(RUNNING2, "running")])

    def test_old_running_scenario_started_30_hours_ago(self):
        set_config(self.port, scenario="old_running")
        today = utc_today()
        self.assertEqual([x for x in rows(history(self.port, start=today, end=today))
                          if x[1] == "running"], [])
        r = history(self.port, start=today - datetime.timedelta(days=2), end=today)
        self.assertEqual([x for x in rows(r) if x[1] == "running"],
                         [(RUNNING, "running")])
        row = [x for x in r.json()["result"] if x["execution_id"] == RUNNING][0]
        ago = datetime.datetime.now(datetime.timezone.utc) - parse_time(row["start_time"])
        self.assertAlmostEqual(ago.total_seconds(), 30 * 3600, delta=120)
        self.assertEqual(api_state(self.port)["status"], "running")
        self.assertEqual(stop(self.port).status, 200)

    def test_many_scenario_needs_paging_to_find_the_running_record(self):
        set_config(self.port, scenario="many")
        with Conn(self.port) as c:
            pages = []
            for page in range(1, 17):
                a = c("GET", history_path(page=page, size=10))
                self.assertEqual(a.json()["total_num"], 151)
                pages.append(rows(a))
        self.assertEqual([len(p) for p in pages], [10] * 15 + [1])
        flat = [x for p in pages for x in p]
        self.assertEqual(len({i for i, _ in flat}), 151)
        running = [n for n, (i, st) in enumerate(flat) if st == "running"]
        self.assertEqual(running, [75])
        self.assertEqual(flat[75][0], RUNNING)
        self.assertFalse([x for x in pages[0] if x[1] == "running"])
        # Spread over the last 10 days, newest first.
        full = history(self.port, size=100).json()["result"] + \
            history(self.port, size=100, page=2).json()["result"]
        times = [parse_time(r["start_time"]) for r in full]
        self.assertEqual(times, sorted(times, reverse=True))
        now = datetime.datetime.now(datetime.timezone.utc)
        self.assertGreater(min(times), now - datetime.timedelta(days=10))
        self.assertGreater(now - min(times), datetime.timedelta(days=9))
        # A 3-day window holds fewer records and not the running one.
        short = history(self.port, days=2)
        self.assertLess(short.json()["total_num"], 151)
        self.assertNotIn(RUNNING, [i for i, _ in rows(short)])

    # --------------------------------------------------------------- order
    def test_history_order_oldest_and_shuffled(self):
        set_config(self.port, scenario="many")

        def ids(**kw):
            return [i for i, _ in rows(history(self.port, **kw))]
        newest = ids() + ids(page=2)
        self.assertEqual(set_config(self.port, history_order="oldest")
                         ["history_order"], "oldest")
        self.assertEqual(ids() + ids(page=2), newest[::-1])
        set_config(self.port, history_order="shuffled")
        shuffled = ids() + ids(page=2)
        self.assertEqual(sorted(shuffled), sorted(newest))
        self.assertNotEqual(shuffled, newest)
        self.assertNotEqual(shuffled, newest[::-1])
        # Stable: the same order on every call and across page sizes.
        self.assertEqual(ids() + ids(page=2), shuffled)
        self.assertEqual([i for p in range(1, 9) for i in ids(page=p, size=20)],
                         shuffled)
        # The running record moves away from its newest-first place.
        self.assertNotEqual(shuffled.index(RUNNING), 75)
        call(self.port, "POST", "/__mock/reset", token=None)
        self.assertEqual(call(self.port, "GET", "/__mock/config", token=None)
                         .json()["config"]["history_order"], "newest")

    def test_shuffled_order_is_reproducible_by_seed(self):
        def order(port):
            return [i for p in (1, 2) for i, _ in rows(history(port, page=p))]
        set_config(self.port, scenario="many", history_order="shuffled")
        here = order(self.port)          # --seed default 1
        m1 = Mock("--scenario", "many", "--history-order", "shuffled")
        m7 = Mock("--scenario", "many", "--history-order", "shuffled", "--seed", "7")
        try:
            self.assertEqual(order(m1.port), here)
            o7 = order(m7.port)
            self.assertEqual(sorted(o7), sorted(here))
            self.assertNotEqual(o7, here)
        finally:
            self.assertEqual(m1.stop(), 0)
            self.assertEqual(m7.stop(), 0)

    # ---------------------------------------------------------- stop timing
    def test_stop_polls_keeps_running_for_n_state_calls(self):
        self.assertEqual(set_config(self.port, stop_polls=2)["stop_polls"], 2)
        a = stop(self.port)
        self.assertEqual(a.json(), {"status": "success", "result": {
            "id": RUNNING, "task_id": TASK}})
        self.assertEqual(rows(history(self.port))[0], (RUNNING, "running"))
        st = call(self.port, "GET", "/__mock/state?record_id=" + RUNNING,
                  token=None).json()
        self.assertEqual((st["state"], st["stop_requested"]), ("running", True))
        # A repeated stop while it winds down is accepted, count not restarted.
        self.assertEqual(stop(self.port).status, 200)
        first = api_state(self.port)
        self.assertEqual((first["status"], first["step"]), ("running", "running"))
        self.assertEqual(rows(history(self.port))[0], (RUNNING, "running"))
        self.assertEqual(api_state(self.port)["status"], "running")
        # After the Nth answer the record is aborted, everywhere at once.
        self.assertEqual(rows(history(self.port))[0], (RUNNING, "abort"))
        last = api_state(self.port)
        self.assertEqual((last["status"], last["step"]), ("abort", "finish"))
        self.assertNotEqual(last["end_time"], "")
        self.assertEqual(mock_state(self.port), "abort")
        self.assertEqual(stop(self.port).status, 400)

    def test_stop_polls_never_keeps_the_record_running(self):
        self.assertEqual(set_config(self.port, stop_polls="never")["stop_polls"],
                         "never")
        self.assertEqual(stop(self.port).json()["status"], "success")
        with Conn(self.port) as c:
            for _ in range(8):
                a = c("GET", STATE % (TASK, RUNNING) + "&step_state=false")
                self.assertEqual(a.json()["result"]["status"], "running")
        self.assertEqual(stop(self.port).status, 200)
        self.assertEqual(rows(history(self.port))[0], (RUNNING, "running"))
        self.assertEqual(mock_state(self.port), "running")

    def test_stop_polls_applies_to_pending_records(self):
        set_config(self.port, scenario="multi", stop_polls=1)
        self.assertEqual(stop(self.port, record=MULTI_PENDING).status, 200)
        self.assertEqual(api_state(self.port, MULTI_PENDING)["status"], "pending")
        self.assertEqual(api_state(self.port, MULTI_PENDING)["status"], "abort")

    # --------------------------------------------------------------- races
    def test_ends_before_stop_ends_a_listed_running_record(self):
        set_faults(self.port, "ends_before_stop")
        # Not listed (page 2 of size 1 holds only the finished one): untouched.
        self.assertEqual(rows(history(self.port, page=2, size=1)),
                         [(FINISHED, "succeeded")])
        self.assertEqual(api_state(self.port)["status"], "running")
        # Listed as running, then it ends on its own.
        self.assertEqual(rows(history(self.port))[0], (RUNNING, "running"))
        a = stop(self.port)
        self.assertEqual((a.status, a.json()["error_code"]), (400, "Deploy.00011304"))
        self.assertIn("state: succeeded", a.json()["error_msg"])
        s = api_state(self.port)
        self.assertEqual((s["status"], s["step"]), ("succeeded", "finish"))
        self.assertEqual(rows(history(self.port))[0], (RUNNING, "succeeded"))
        e = [r for r in self.m.requests() if "/history" in r.get("path", "")]
        self.assertTrue(e[-2]["state_changed"])

    def test_stop_not_running_200_with_ends_before_stop(self):
        set_faults(self.port, "ends_before_stop", "stop_not_running_200")
        history(self.port)
        a = stop(self.port)
        self.assertEqual(a.status, 200)
        j = a.json()
        self.assertEqual((j["status"], j["error_code"]), ("error", "Deploy.00011304"))
        self.assertIn("error_msg", j)
        self.assertEqual(mock_state(self.port), "succeeded")

    def test_stop_not_running_200_only_for_not_running(self):
        set_faults(self.port, "stop_not_running_200")
        a = stop(self.port, record=FINISHED)
        self.assertEqual((a.status, a.json()["status"], a.json()["error_code"]),
                         (200, "error", "Deploy.00011304"))
        self.assertEqual(stop(self.port, record=UNKNOWN).status, 404)
        self.assertEqual(stop(self.port).json()["status"], "success")
        self.assertEqual(mock_state(self.port), "abort")

    # -------------------------------------------------------------- config
    def test_config_is_validated_and_reset_restores_it(self):
        for bad in ({"scenario": "nope"}, {"history_order": "random"},
                    {"stop_polls": -1}, {"stop_polls": "sometimes"},
                    {"stop_polls": True}, {"keep_alive": "yes"},
                    {"close_after_answers": -2}, {"tokens_expired": 1}, {"bogus": 1}, []):
            a = call(self.port, "POST", "/__mock/config", token=None,
                     body=json.dumps(bad).encode())
            self.assertEqual(a.status, 400, bad)
        cfg = set_config(self.port, scenario="idle", history_order="oldest",
                         stop_polls=3, keep_alive=True, close_after_answers=5)
        self.assertEqual(cfg, {"scenario": "idle", "history_order": "oldest",
                               "stop_polls": 3, "keep_alive": True,
                               "close_after_answers": 5, "tokens_expired": False})
        st = call(self.port, "GET", "/__mock/state", token=None).json()
        self.assertEqual(st["config"], cfg)
        call(self.port, "POST", "/__mock/reset", token=None)
        self.assertEqual(call(self.port, "GET", "/__mock/config", token=None)
                         .json()["config"],
                         {"scenario": "default", "history_order": "newest",
                          "stop_polls": 0, "keep_alive": True,
                          "close_after_answers": 0, "tokens_expired": False})
        self.assertEqual(mock_state(self.port), "running")

    def test_setting_scenario_again_restores_its_records(self):
        set_config(self.port, scenario="multi")
        stop(self.port)
        set_config(self.port, history_order="oldest")     # records kept
        self.assertEqual(mock_state(self.port), "abort")
        set_config(self.port, scenario="multi")           # records rebuilt
        self.assertEqual(mock_state(self.port), "running")

    # ---------------------------------------------------------- keep-alive
    def test_keep_alive_off_at_run_time(self):
        set_config(self.port, keep_alive=False)
        with Conn(self.port) as c:
            a = c("GET", STATE % (TASK, RUNNING))
            self.assertEqual((a.status, a.header("Connection")), (200, "close"))
            c.s.settimeout(2)
            self.assertEqual(c.s.recv(100), b"")

    def test_tokens_expired_refuses_the_token_until_turned_off(self):
        set_config(self.port, tokens_expired=True)
        r = call(self.port, "GET", STATE % (TASK, RUNNING))
        self.assertEqual(r.status, 401)
        self.assertEqual(r.json()["error_code"], "APIGW.0301")
        set_config(self.port, tokens_expired=False)
        self.assertEqual(call(self.port, "GET", STATE % (TASK, RUNNING)).status, 200)

    def test_close_after_answers_drops_a_kept_connection(self):
        set_config(self.port, close_after_answers=2)
        with Conn(self.port) as c:
            a = c("GET", STATE % (TASK, RUNNING))
            b = c("GET", history_path())
            for x in (a, b):
                self.assertEqual((x.status, x.header("Connection")),
                                 (200, "keep-alive"))
            c.s.settimeout(2)
            self.assertEqual(c.s.recv(100), b"")     # close_notify, then EOF
        # Every connection gets its own count.
        with Conn(self.port) as c:
            self.assertEqual(c("GET", STATE % (TASK, RUNNING)).status, 200)
            self.assertEqual(c("GET", STATE % (TASK, RUNNING)).status, 200)
        end = time.monotonic() + 3
        while True:
            ends = [e.get("end", "") for e in self.m.log()
                    if e["event"] == "connection"]
            done = [x for x in ends if x.startswith("close_after_answers")]
            if len(done) >= 2 or time.monotonic() > end:
                break
            time.sleep(0.02)
        self.assertEqual(done[-2:], ["close_after_answers: closed after 2 "
                                     "answers (notify)"] * 2)

    # ------------------------------------------------------- the whole flow
    def test_discover_stop_confirm_on_one_connection(self):
        set_config(self.port, scenario="multi", stop_polls=1)
        before = len([e for e in self.m.log() if e["event"] == "handshake"])
        stopped = {}
        with Conn(self.port) as c:
            for task in (TASK, TASK2):
                found = [i for i, st in rows(c("GET", history_path(task=task)))
                         if st in ("running", "pending")]
                for rec in found:
                    a = c("PUT", "/v2/tasks/%s/records/%s/stop" % (task, rec),
                          body=b"{}")
                    self.assertEqual(a.json()["status"], "success")
                    polls = 0
                    while True:
                        polls += 1
                        s = c("GET", "/v2/tasks/%s/state?record_id=%s&step_state=false"
                              % (task, rec)).json()["result"]
                        if s["status"] not in ("running", "pending"):
                            break
                    stopped[rec] = (s["status"], polls)
        self.assertEqual(stopped, {RUNNING: ("abort", 2), MULTI_RUNNING2: ("abort", 2),
                                   MULTI_PENDING: ("abort", 2), RUNNING2: ("abort", 2)})
        after = len([e for e in self.m.log() if e["event"] == "handshake"])
        self.assertEqual(after - before, 1)

    # ----------------------------------------------------- clockless clients
    def test_unknown_path_answers_404_with_date_without_auth(self):
        set_faults(self.port, "status:503")
        for token in (None, "wrong-token"):
            a = call(self.port, "GET", "/", token=token)
            self.assertEqual(a.status, 404)
            j = a.json()
            self.assertEqual((j["error_code"], j["error_msg"]),
                             ("APIGW.0101", "The API does not exist or has not "
                              "been published in the environment"))
            server = datetime.datetime.strptime(
                a.header("Date"), "%a, %d %b %Y %H:%M:%S GMT").replace(
                    tzinfo=datetime.timezone.utc)
            now = datetime.datetime.now(datetime.timezone.utc)
            self.assertLess(abs((server - now).total_seconds()), 5)
        self.assertEqual(self.m.requests()[-1]["auth"], "not-checked")

    # ------------------------------------------------------- handshake log
    def test_handshake_event_is_logged_before_any_request(self):
        with tls_connect(self.port) as s:
            end = time.monotonic() + 3
            while True:
                hs = [e for e in self.m.log() if e["event"] == "handshake"]
                mine = [e for e in hs if e["peer"].endswith(":%d" % s.getsockname()[1])]
                if mine or time.monotonic() > end:
                    break
                time.sleep(0.02)
            self.assertEqual(len(mine), 1)
            e = mine[0]
            self.assertEqual(e["tls_version"], s.version())
            self.assertEqual(e["cipher"], s.cipher()[0])
            self.assertIs(e["session_reused"], False)
            self.assertFalse([x for x in self.m.log() if x["event"] == "connection"
                              and x["conn"] == e["conn"]])


class TestCommandLineOptions(unittest.TestCase):
    def test_options_apply_and_reset_restores_them(self):
        other = "aaaabbbbccccddddeeeeffff00001111"
        m = Mock("--project-id", other, "--scenario", "multi", "--history-order",
                 "oldest", "--stop-polls", "never", "--no-keepalive")
        try:
            self.assertEqual(history(m.port, project=PROJECT).json()["error_code"],
                             "Deploy.00016902")
            a = history(m.port, project=other)
            self.assertEqual(a.header("Connection"), "close")
            times = [r["start_time"] for r in a.json()["result"]]
            self.assertEqual(len(times), 6)
            self.assertEqual(times, sorted(times))
            with Conn(m.port) as c:
                self.assertEqual(c("PUT", STOP, body=b"{}").status, 200)
                c.s.settimeout(2)
                self.assertEqual(c.s.recv(100), b"")
            self.assertEqual(api_state(m.port)["status"], "running")
            cfg = set_config(m.port, scenario="default", stop_polls=0,
                             keep_alive=True)
            self.assertEqual(cfg["history_order"], "oldest")
            with Conn(m.port) as c:
                self.assertEqual(c("PUT", STOP, body=b"{}").header("Connection"),
                                 "keep-alive")
                self.assertEqual(c("GET", STATE % (TASK, RUNNING)).json()
                                 ["result"]["status"], "abort")
            call(m.port, "POST", "/__mock/reset", token=None)
            self.assertEqual(call(m.port, "GET", "/__mock/config", token=None)
                             .json()["config"],
                             {"scenario": "multi", "history_order": "oldest",
                              "stop_polls": "never", "keep_alive": False,
                              "close_after_answers": 0, "tokens_expired": False})
            self.assertEqual(len(rows(history(m.port, project=other))), 6)
        finally:
            self.assertEqual(m.stop(), 0)

    def test_bad_new_options_exit_2(self):
        for bad in (["--project-id", "short"], ["--scenario", "nope"],
                    ["--history-order", "random"], ["--stop-polls", "-1"],
                    ["--stop-polls", "x"], ["--close-after-answers", "-1"],
                    ["--close-style", "slam"]):
            r = subprocess.run([sys.executable, os.path.join(MOCK_DIR, "mock_deploy.py"),
                                "--certs", CERTS] + bad, capture_output=True, timeout=10)
            self.assertEqual(r.returncode, 2, bad)

    def _drop(self, style):
        m = Mock("--close-after-answers", "1", "--close-style", style,
                 "--tls-max", "1.2")
        try:
            with Conn(m.port) as c:
                a = c("GET", STATE % (TASK, RUNNING))
                self.assertEqual((a.status, a.header("Connection")),
                                 (200, "keep-alive"))
                time.sleep(0.1)
                if style == "rst":
                    with self.assertRaises(ConnectionResetError):
                        c.raw_recv()
                    return
                first = c.raw_recv()
                if style == "notify":
                    # TLS 1.2: an encrypted alert record, then the FIN.
                    self.assertEqual(first[:3], b"\x15\x03\x03")
                    self.assertEqual(c.raw_recv(), b"")
                else:
                    self.assertEqual(first, b"")
        finally:
            self.assertEqual(m.stop(), 0)

    def test_close_style_notify(self):
        self._drop("notify")

    def test_close_style_fin(self):
        self._drop("fin")

    def test_close_style_rst(self):
        self._drop("rst")

    def test_handshake_event_shows_session_resumption(self):
        m = Mock("--tls-max", "1.2")
        try:
            ctx = ssl.create_default_context(cafile=os.path.join(CERTS, "ca.pem"))
            raw = socket.create_connection(("127.0.0.1", m.port), timeout=5)
            with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                s.sendall(build("GET", STATE % (TASK, RUNNING), m.port))
                read_answer(s)
                sess = s.session
            raw = socket.create_connection(("127.0.0.1", m.port), timeout=5)
            with ctx.wrap_socket(raw, server_hostname="localhost",
                                 session=sess) as s:
                self.assertTrue(s.session_reused)
            end = time.monotonic() + 3
            while True:
                hs = [e for e in m.log() if e["event"] == "handshake"]
                if len(hs) >= 2 or time.monotonic() > end:
                    break
                time.sleep(0.02)
            self.assertEqual([(e["conn"], e["session_reused"], e["tls_version"])
                              for e in hs],
                             [(1, False, "TLSv1.2"), (2, True, "TLSv1.2")])
        finally:
            self.assertEqual(m.stop(), 0)


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
            # A clockless client learns the server time from any path.
            c = call(m.port, "GET", "/", token=None)
            self.assertEqual((c.status, c.json()["error_code"]), (404, "APIGW.0101"))
            t = datetime.datetime.strptime(
                c.header("Date"), "%a, %d %b %Y %H:%M:%S GMT").replace(
                    tzinfo=datetime.timezone.utc)
            self.assertAlmostEqual((t - datetime.datetime.now(
                datetime.timezone.utc)).total_seconds(), 3600, delta=5)
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
