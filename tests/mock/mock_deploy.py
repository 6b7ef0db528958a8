#!/usr/bin/env python3
"""A faithful mock of the CodeArts Deploy API (and its gateway and IAM) for tests.

HTTPS only, written at the socket level so every byte of framing is under the
test's control. See tests/mock/README.md for endpoints, options and faults.
Python 3 standard library only.
"""
import argparse
import base64
import datetime
import hashlib
import hmac
import itertools
import json
import os
import random
import re
import secrets
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import traceback
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aksk  # noqa: E402  (sits next to this file)

TASK_ID = "e700f15965694253940502911220d76b"
RECORD_RUNNING = "2c82ffe8d00d4968a4e5f7a36d87ae17"
RECORD_FINISHED = "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"
APP_ID = "5f9e8d7c6b5a49382716a5b4c3d2e1f0"
# The CodeArts project (the history path's {project_id}), default of --project-id.
PROJECT_ID = "8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a"
# The IAM (region) project of issued tokens: a different id on purpose, so a
# client that puts the IAM project into the history path is caught.
IAM_PROJECT_ID = "3a4b5c6d7e8f40a1b2c3d4e5f6a7b8c9"
TASK2_ID = "1f2e3d4c5b6a79880716253443526170"
RECORD2_RUNNING = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
# scenario multi (TASK_ID): RECORD_RUNNING, MULTI_RUNNING2 running,
# MULTI_PENDING pending, RECORD_FINISHED, MULTI_FAILED, MULTI_ABORTED ended.
MULTI_RUNNING2 = "6d1e2f3a4b5c4d6e8f7a9b0c1d2e3f4a"
MULTI_PENDING = "7e2f3a4b5c6d4e7f9a8b0c1d2e3f4a5b"
MULTI_FAILED = "8f3a4b5c6d7e4f8a0b9c1d2e3f4a5b6c"
MULTI_ABORTED = "9a4b5c6d7e8f4a9b1c0d2e3f4a5b6c7d"
MANY_ENDED = 150
SCENARIOS = ("default", "idle", "multi", "old_running", "many")
HISTORY_ORDERS = ("newest", "oldest", "shuffled")

ID_RE = re.compile(r"^[A-Za-z0-9]{32}$")
PASSWORD_RE = re.compile(rb'("password"\s*:\s*)"((?:[^"\\]|\\.)*)"')
TOKEN_CHARS = re.compile(r"^[\x21-\x7e]+$")
MAX_HEAD = 64 * 1024
SKEW_LIMIT = 15 * 60
LOCK_FAILURES = 5

GW_NO_API = "The API does not exist or has not been published in the environment"

REASONS = {200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request",
           401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
           405: "Method Not Allowed", 408: "Request Timeout",
           409: "Conflict", 413: "Request Entity Too Large",
           415: "Unsupported Media Type", 429: "Too Many Requests",
           431: "Request Header Fields Too Large",
           500: "Internal Server Error", 502: "Bad Gateway",
           503: "Service Unavailable", 504: "Gateway Timeout"}

FAULTS_PLAIN = {"byte_at_a_time", "chunked", "no_length", "silence", "truncate",
                "reset", "oversize_headers", "oversize_body", "malformed_json",
                "wrong_ids", "status_error_200", "keep_open", "nested_errors",
                "ends_before_stop", "stop_not_running_200", "echo_secrets",
                "echo_location"}
FAULTS_VALUED = {"delay": float, "status": int, "retry_after": int,
                 "fail_times": int, "iam_fail_times": int}


def parse_faults(names):
    """Validates fault names; returns a dict name -> value (True for plain)."""
    out = {}
    for n in names:
        name, colon, val = n.partition(":")
        if name in FAULTS_PLAIN and not colon:
            out[name] = True
        elif name in FAULTS_VALUED and colon:
            try:
                v = FAULTS_VALUED[name](val)
            except ValueError:
                raise ValueError("bad value in fault %r" % n)
            if v < 0 or (name == "status" and not 100 <= v <= 599):
                raise ValueError("bad value in fault %r" % n)
            out[name] = v
        else:
            raise ValueError("unknown fault %r" % n)
    return out


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def fmt_time(t):
    return t.strftime("%Y-%m-%d %H:%M:%S") if t else ""


def fmt_duration(a, b):
    s = int(((b or utcnow()) - a).total_seconds())
    return "%02d:%02d:%02d" % (s // 3600, s % 3600 // 60, s % 60)


def many_id(i):
    """Ids of the 150 ended records of scenario many (0 = newest)."""
    return "c0ffee%026d" % i


def build_records(scenario, now):
    """The initial records of a scenario (see README, Scenarios)."""
    d = datetime.timedelta

    def rec(task, state, ago, rel, took=d(minutes=4)):
        start = now - ago
        ended = state not in ("running", "pending")
        return {"task_id": task, "state": state, "start": start,
                "end": start + took if ended else None, "release_id": rel,
                "operator": "deploystop-ci", "stop_left": None}
    r = {}
    if scenario == "default":
        r[RECORD_RUNNING] = rec(TASK_ID, "running", d(minutes=2), 42)
        r[RECORD_FINISHED] = rec(TASK_ID, "succeeded", d(hours=3), 41)
    elif scenario == "idle":
        r[RECORD_RUNNING] = rec(TASK_ID, "succeeded", d(minutes=20), 42,
                                d(minutes=15))
        r[RECORD_FINISHED] = rec(TASK_ID, "succeeded", d(hours=3), 41)
    elif scenario == "multi":
        r[RECORD_RUNNING] = rec(TASK_ID, "running", d(minutes=2), 45)
        r[MULTI_RUNNING2] = rec(TASK_ID, "running", d(minutes=10), 44)
        r[MULTI_PENDING] = rec(TASK_ID, "pending", d(minutes=1), 46)
        r[RECORD_FINISHED] = rec(TASK_ID, "succeeded", d(hours=3), 43)
        r[MULTI_FAILED] = rec(TASK_ID, "failed", d(hours=5), 42)
        r[MULTI_ABORTED] = rec(TASK_ID, "abort", d(days=1), 41)
    elif scenario == "old_running":
        r[RECORD_RUNNING] = rec(TASK_ID, "running", d(hours=30), 42)
        r[RECORD_FINISHED] = rec(TASK_ID, "succeeded", d(hours=3), 43)
    elif scenario == "many":
        # 150 ended records 95 minutes apart (newest 1 hour ago, oldest about
        # 9.9 days ago); the running one sits between the 75th and the 76th,
        # so it is row 75 (0-based) of 151 newest first.
        for i in range(MANY_ENDED):
            state = "failed" if i % 10 == 9 else "abort" if i % 15 == 14 \
                else "succeeded"
            r[many_id(i)] = rec(TASK_ID, state, d(hours=1) + i * d(minutes=95),
                                1000 + MANY_ENDED - i)
        r[RECORD_RUNNING] = rec(TASK_ID, "running",
                                d(hours=1) + d(minutes=95 * 74 + 47), 2000)
    else:
        raise ValueError("unknown scenario %r" % scenario)
    r[RECORD2_RUNNING] = rec(TASK2_ID, "succeeded" if scenario == "idle"
                             else "running", d(minutes=5), 7)
    return r


def parse_stop_polls(v):
    """N >= 0 or "never" (stored as -1)."""
    if v == "never":
        return -1
    if isinstance(v, bool):
        raise ValueError("stop_polls must be N >= 0 or \"never\"")
    try:
        n = int(v)
    except (TypeError, ValueError):
        raise ValueError("stop_polls must be N >= 0 or \"never\"")
    if n < 0 or (isinstance(v, float) and v != n):
        raise ValueError("stop_polls must be N >= 0 or \"never\"")
    return n


def parse_config(obj, base):
    """Validates a /__mock/config body; returns base updated."""
    if not isinstance(obj, dict):
        raise ValueError("config must be a JSON object")
    out = dict(base)
    for k, v in obj.items():
        if k == "scenario":
            if v not in SCENARIOS:
                raise ValueError("unknown scenario %r" % (v,))
        elif k == "history_order":
            if v not in HISTORY_ORDERS:
                raise ValueError("unknown history_order %r" % (v,))
        elif k == "stop_polls":
            v = parse_stop_polls(v)
        elif k == "keep_alive":
            if not isinstance(v, bool):
                raise ValueError("keep_alive must be true or false")
        elif k == "close_after_answers":
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ValueError("close_after_answers must be N >= 0")
        elif k == "tokens_expired":
            if not isinstance(v, bool):
                raise ValueError("tokens_expired must be true or false")
        else:
            raise ValueError("unknown config key %r" % (k,))
        out[k] = v
    return out


def config_view(cfg):
    v = dict(cfg)
    if v["stop_polls"] < 0:
        v["stop_polls"] = "never"
    return v


class Mock:
    """Everything the server knows: records, faults, credentials, lockouts."""

    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.log_lock = threading.Lock()
        self.log_file = open(args.log, "a", buffering=1) if args.log else None
        self.tokens = set()
        if args.token is not None:
            self.tokens.add(args.token)
        if args.token_file:
            with open(args.token_file) as f:
                self.tokens.add(f.read().strip())
        # An empty token must never authenticate an empty X-Auth-Token.
        self.tokens.discard("")
        self.initial_faults = parse_faults(args.fault)
        self.initial_cfg = {"scenario": args.scenario,
                            "history_order": args.history_order,
                            "stop_polls": parse_stop_polls(args.stop_polls),
                            "keep_alive": not args.no_keepalive,
                            "close_after_answers": args.close_after_answers,
                            "tokens_expired": False}
        self.tasks = {TASK_ID, TASK2_ID}
        self.conn_ids = itertools.count(1)
        self.reset()

    def reset(self):
        with self.lock:
            self.cfg = dict(self.initial_cfg)
            self.records = build_records(self.cfg["scenario"], utcnow())
            self.faults = dict(self.initial_faults)
            self.stop_requests = 0
            self.iam_requests = 0
            self.requests = 0
            self.issued = {}        # IAM token -> expiry (datetime)
            self.ak_failures = 0
            self.ak_locked_until = 0.0

    # ---------------------------------------------------------------- log
    def log(self, obj):
        if not self.log_file:
            return
        obj.setdefault("time", utcnow().isoformat(timespec="milliseconds"))
        line = json.dumps(obj, separators=(",", ":"), ensure_ascii=True)
        with self.log_lock:
            self.log_file.write(line + "\n")
            self.log_file.flush()

    def server_now(self):
        return utcnow() + datetime.timedelta(seconds=self.args.clock_offset)


def secret_tag(b):
    return b"<sha256:" + hashlib.sha256(b).hexdigest().encode() + b">"


class Request:
    def __init__(self):
        self.method = self.target = self.path = self.query = self.version = ""
        self.header_list = []
        self.headers = {}
        self.body = b""
        self.raw = b""
        self.secrets = []          # byte strings redacted from every log
        self.json_ok = False       # body parsed as JSON (IAM log redaction)


class Response:
    def __init__(self, status, body=b"", headers=None, close=False):
        self.status = status
        self.body = body
        self.headers = headers or []
        self.close = close


class Bad:
    """A request the gateway refuses before routing it."""

    def __init__(self, req, status, code, msg):
        self.req, self.status, self.code, self.msg = req, status, code, msg


class ConnectionDone(Exception):
    pass


def jbody(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


def gw_error(status, code, msg, req_id):
    return Response(status, jbody({"error_msg": msg, "error_code": code,
                                   "request_id": req_id}))


def flat_error(status, code, msg):
    return Response(status, jbody({"error_code": code, "error_msg": msg}))


def nested_error(status, code, msg):
    return Response(status, jbody({"error": {"code": code, "message": msg},
                                   "status": "failed"}))


class Handler:
    """One TLS connection: reads requests, answers them, applies faults."""

    def __init__(self, mock, sock, peer):
        self.m = mock
        self.a = mock.args
        self.sock = sock
        self.peer = peer
        self.conn = next(mock.conn_ids)
        self.http_bytes = 0
        self.tls_ok = False
        self.buf = b""
        self.seq = 0
        self.answers = 0
        self.info = {}

    # ------------------------------------------------------------ socket io
    def recv_some(self, timeout):
        self.sock.settimeout(timeout)
        data = self.sock.recv(65536)
        self.http_bytes += len(data)
        return data

    def hold_until_closed(self):
        """Keeps the connection open until the peer goes or time runs out."""
        end = self.m.deadline
        while time.monotonic() < end and not self.m.stopping.is_set():
            try:
                if not self.recv_some(0.5):
                    return
            except (socket.timeout, TimeoutError):
                continue
            except (OSError, ssl.SSLError):
                return

    def wait_while_client_stays(self, seconds):
        """Sleeps; returns False as soon as the client closes or resets."""
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return True
            try:
                data = self.recv_some(min(0.05, left))
            except (socket.timeout, TimeoutError):
                continue
            except (OSError, ssl.SSLError):
                return False
            if not data:
                return False
            self.buf += data       # a pipelined request waits its turn

    def drain(self, nbytes, seconds):
        end = time.monotonic() + seconds
        got = len(self.buf)
        while got < nbytes and time.monotonic() < end:
            try:
                data = self.recv_some(max(0.01, end - time.monotonic()))
            except (socket.timeout, TimeoutError, OSError, ssl.SSLError):
                return
            if not data:
                return
            got += len(data)

    def send(self, data, byte_at_a_time):
        self.sock.settimeout(30)
        if not byte_at_a_time:
            self.sock.sendall(data)
            return
        # Each byte is its own TLS record either way; the pause is capped at
        # 2 s per answer so a 20 KB IAM answer does not take half a minute.
        pause = min(self.a.byte_delay, 2.0 / max(1, len(data)))
        for i in range(len(data)):
            self.sock.sendall(data[i:i + 1])
            time.sleep(pause)

    # ------------------------------------------------------------- parsing
    def read_request(self):
        """Returns a Request, None on clean EOF, or a Response for bad input."""
        while b"\r\n\r\n" not in self.buf:
            if len(self.buf) > MAX_HEAD:
                self.bad_head_len = len(self.buf)
                return Bad(None, 431, "APIGW.0201", "Request header fields too large")
            try:
                data = self.recv_some(self.a.idle_timeout if not self.buf else 10)
            except (socket.timeout, TimeoutError):
                raise ConnectionDone("idle timeout")
            if not data:
                if self.buf:
                    raise ConnectionDone("eof inside request head")
                return None
            self.buf += data
        head, _, rest = self.buf.partition(b"\r\n\r\n")
        r = Request()
        r.raw = head + b"\r\n\r\n"
        try:
            text = head.decode("latin-1")
            lines = text.split("\r\n")
            if any("\n" in l or "\r" in l for l in lines):
                raise ValueError("bare CR or LF")
            parts = lines[0].split(" ")
            if len(parts) != 3 or parts[2] not in ("HTTP/1.1", "HTTP/1.0"):
                raise ValueError("bad request line")
            r.method, r.target, r.version = parts
            if not re.match(r"^[A-Z]+$", r.method) or not r.target.startswith("/"):
                raise ValueError("bad request line")
            r.path, _, r.query = r.target.partition("?")
            for line in lines[1:]:
                name, colon, value = line.partition(":")
                if not colon or not re.match(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", name):
                    raise ValueError("bad header line")
                value = value.strip(" \t")
                r.header_list.append([name, value])
                low = name.lower()
                if low in r.headers:
                    if low in ("host", "content-length", "x-auth-token",
                               "authorization", "x-sdk-date", "content-type"):
                        raise ValueError("duplicate " + low)
                    r.headers[low] += ", " + value
                else:
                    r.headers[low] = value
        except ValueError as e:
            self.bad_head_len = len(r.raw)
            self.buf = b""
            return Bad(None, 400, "APIGW.0101", "Bad request: %s" % e)
        if "transfer-encoding" in r.headers:
            self.buf = b""
            return Bad(r, 501, "APIGW.0101",
                       "Request Transfer-Encoding is not supported")
        cl = r.headers.get("content-length", "0")
        if not re.match(r"^[0-9]{1,12}$", cl):
            self.buf = b""
            return Bad(r, 400, "APIGW.0101", "Bad request: Content-Length")
        n = int(cl)
        if n > self.a.max_body:
            self.buf = b""
            return Bad(r, 413, "APIGW.0201", "Request entity too large")
        while len(rest) < n:
            try:
                data = self.recv_some(10)
            except (socket.timeout, TimeoutError):
                raise ConnectionDone("timeout inside request body")
            if not data:
                raise ConnectionDone("eof inside request body")
            rest += data
        r.body, self.buf = rest[:n], rest[n:]
        r.raw += r.body
        return r

    # ------------------------------------------------------------ serving
    def run(self):
        try:
            self.sock.settimeout(10)
            self.sock.do_handshake()
            self.tls_ok = True
            self.info["tls_version"] = self.sock.version()
            self.info["cipher"] = self.sock.cipher()[0]
            # Logged before any request is read, so a test can count the
            # handshakes of a run as soon as the client has exited.
            self.m.log({"event": "handshake", "conn": self.conn,
                        "peer": self.peer,
                        "tls_version": self.info["tls_version"],
                        "cipher": self.info["cipher"],
                        "session_reused": bool(self.sock.session_reused)})
            while not self.m.stopping.is_set():
                if not self.serve_one():
                    break
        except ConnectionDone as e:
            self.info["end"] = str(e)
        except (ssl.SSLError, OSError) as e:
            self.info["error"] = "%s: %s" % (type(e).__name__, e)
        except Exception as e:  # a mock bug must show in the log, not vanish
            self.info["error"] = "internal: %s: %s" % (type(e).__name__, e)
            traceback.print_exc()
        finally:
            self.m.log(dict({"event": "connection", "conn": self.conn,
                             "peer": self.peer, "http_bytes": self.http_bytes,
                             "tls_ok": self.tls_ok, "requests": self.seq},
                            **self.info))
            try:
                self.sock.close()
            except OSError:
                pass

    def serve_one(self):
        got = self.read_request()
        if got is None:
            self.info["end"] = "client closed"
            return False
        if isinstance(got, Bad):
            # Answered by the gateway before any routing; the connection closes
            # because the rest of the byte stream cannot be trusted.
            self.seq += 1
            rid = new_req_id()
            resp = gw_error(got.status, got.code, got.msg, rid)
            resp.close = True
            if got.req is None:
                self.m.log({"event": "request", "conn": self.conn,
                            "seq": self.seq, "request_id": rid,
                            "malformed": True, "raw_len": self.bad_head_len,
                            "status": resp.status})
                self.write(resp, Request(), {}, rid)
            else:
                self.log_request(got.req, "not-checked", resp.status, [], rid,
                                 False)
                self.write(resp, got.req, {}, rid)
                # Swallow what the client is still sending (briefly), so the
                # close is a FIN and not an RST that could destroy the answer
                # in the client's receive queue.
                self.drain(int(got.req.headers.get("content-length", "0")
                               if got.req.headers.get("content-length", "").isdigit()
                               else 0), 1.0)
            self.close_notify()
            return False
        req = got
        self.seq += 1
        rid = new_req_id()
        with self.m.lock:
            self.m.requests += 1
        resp, auth, faults, changed, control = self.dispatch(req, rid)
        if control or not faults:
            faults = {}
        abandoned = getattr(resp, "abandoned", False)
        self.log_request(req, auth, None if faults.get("silence") or
                         faults.get("reset") or abandoned else resp.status,
                         sorted(faults), rid, changed)
        if abandoned:
            raise ConnectionDone("client left during the delay fault")
        if faults.get("silence"):
            self.hold_until_closed()
            raise ConnectionDone("silence fault: never answered")
        if faults.get("reset"):
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                 struct.pack("ii", 1, 0))
            raise ConnectionDone("reset fault: RST sent")
        closing = self.write(resp, req, faults, rid)
        self.answers += 1
        if faults.get("keep_open"):
            self.hold_until_closed()
            raise ConnectionDone("keep_open fault: client closed")
        if closing:
            self.close_notify()
            raise ConnectionDone("closed after answer")
        with self.m.lock:
            limit = self.m.cfg["close_after_answers"]
        if limit and self.answers >= limit:
            # A gateway dropping a kept connection: the answer said
            # keep-alive, and yet the connection ends right after it.
            style = self.a.close_style
            self.drop(style)
            raise ConnectionDone("close_after_answers: closed after %d answers "
                                 "(%s)" % (self.answers, style))
        return True

    def drop(self, style):
        """Ends the connection unannounced: notify (close_notify + FIN),
        fin (FIN only) or rst (SO_LINGER 0 reset)."""
        raw = socket.socket
        if style == "rst":
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                 struct.pack("ii", 1, 0))
            return                  # run() closes the socket: RST
        if style == "notify":
            # One SSL_shutdown (close_notify out) without waiting for the
            # peer's close_notify, which a client between requests never sends.
            try:
                self.sock.settimeout(0)
                self.sock.unwrap()
            except (OSError, ssl.SSLError, ValueError):
                pass
        try:
            raw.shutdown(self.sock, socket.SHUT_WR)        # FIN now
        except OSError:
            return
        # Read (and drop) what the client still sends for a moment, so the
        # close that follows is not turned into an RST by unread bytes.
        end = time.monotonic() + 0.3
        while time.monotonic() < end:
            try:
                raw.settimeout(self.sock, max(0.01, end - time.monotonic()))
                if not raw.recv(self.sock, 65536):
                    return
            except (socket.timeout, TimeoutError):
                return
            except OSError:
                return

    def close_notify(self):
        # A real server sends close_notify before FIN; clients that ignore it
        # still see the FIN that follows.
        try:
            self.sock.settimeout(0.5)
            self.sock.unwrap()
        except (OSError, ssl.SSLError, ValueError):
            pass

    def log_request(self, req, auth, status, faults, rid, changed):
        def redact(b):
            for s in req.secrets:
                if s:
                    b = b.replace(s, secret_tag(s))
            if req.path == "/v3/auth/tokens" and b:
                if not req.json_ok:
                    # Unparseable: a password could be anywhere in it.
                    return secret_tag(b)
                # Every JSON string value of a "password" key, however the
                # client escaped it, so no spelling of a password survives.
                b = PASSWORD_RE.sub(lambda mm: mm.group(1) + b'"' +
                                    secret_tag(mm.group(2)) + b'"', b)
            return b

        def redact_raw(raw):
            # The token is replaced where it stands (the X-Auth-Token value),
            # never by searching, so a short token cannot garble the rest.
            head, sep, body = raw.partition(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            for i, line in enumerate(lines):
                name, colon, value = line.partition(b":")
                if colon and name.strip().lower() == b"x-auth-token":
                    v = value.strip(b" \t")
                    start = len(name) + 1 + value.index(v) if v else len(line)
                    lines[i] = line[:start] + secret_tag(v) + \
                        line[start + len(v):]
            return b"\r\n".join(lines) + sep + redact(body)
        hl = []
        hd = {}
        for name, value in req.header_list:
            low = name.lower()
            if low == "x-auth-token":
                vb = value.encode("latin-1")
                shown = {"len": len(vb), "sha256": hashlib.sha256(vb).hexdigest()}
            else:
                shown = value
            hl.append([name, shown])
            hd[low] = shown
        self.m.log({"event": "request", "conn": self.conn, "seq": self.seq,
                    "request_id": rid, "method": req.method, "target": req.target,
                    "path": req.path, "query": req.query,
                    "version": req.version, "headers": hd, "header_list": hl,
                    "body": redact(req.body).decode("utf-8", "replace"),
                    "body_len": len(req.body), "raw_len": len(req.raw),
                    "raw_b64": base64.b64encode(redact_raw(req.raw)).decode(),
                    "auth": auth, "status": status, "faults": faults,
                    "state_changed": changed})

    # ------------------------------------------------------------ writing
    def secrets_of(self, req):
        """The secrets this request carries or the mock knows: its token,
        the AK/SK secret (never sent, but configured here), an IAM
        password from the body."""
        out = []
        tok = req.headers.get("x-auth-token")
        if tok:
            out.append(tok)
        if req.headers.get("authorization") and self.a.sk:
            out.append(self.a.sk)
        if req.path.startswith("/v3/auth/tokens"):
            try:
                u = json.loads(req.body)["auth"]["identity"]["password"]["user"]
                out.append(u["password"])
            except (ValueError, KeyError, TypeError):
                pass
        return out

    def echo_response(self, req, rid, location):
        """A hostile answer: every secret of the request echoed whole and in
        pieces, in error_msg, in headers, or in a 301 Location."""
        secrets = self.secrets_of(req)
        # Sized to pass the client's limits (a header line of 2 KB, a body
        # of 16 KB) so the echo reaches its output: long secrets go whole
        # up to 8,000 characters in the body and in pieces elsewhere.
        whole = " ".join(x[:8000] for x in secrets)
        head = " ".join(x[:900] for x in secrets)
        pieces = " ".join(x[3:3 + 900] + " / " + x[-17:] for x in secrets)
        if location:
            return Response(301, jbody({"error_code": "APIGW.0301",
                                        "error_msg": "moved " + pieces}),
                            headers=[("Location", "https://elsewhere.example/?t=" +
                                      urllib.parse.quote(head, safe=""))])
        r = gw_error(401, "APIGW.0301", "echo: " + whole + " piece: " + pieces, rid)
        r.headers.append(("X-Echo", head))
        r.headers.append(("X-Echo-Piece", pieces))
        return r

    def write(self, resp, req, faults, rid):
        """Sends resp shaped by the framing faults; returns True to close."""
        a = self.a
        if (faults.get("echo_secrets") or faults.get("echo_location")) and \
                not req.path.startswith("/__mock/"):
            resp = self.echo_response(req, rid, bool(faults.get("echo_location")))
        body = resp.body
        status = resp.status
        hdrs = [("Date", self.m.server_now().strftime("%a, %d %b %Y %H:%M:%S GMT")),
                ("Content-Type", "application/json;charset=UTF-8"),
                ("Server", "api-gateway"),
                ("X-Request-Id", rid),
                ("Strict-Transport-Security", "max-age=31536000; includeSubdomains;"),
                ("X-Content-Type-Options", "nosniff")]
        hdrs += resp.headers
        if faults.get("oversize_headers"):
            hdrs.append(("X-Mock-Padding", "p" * 20480))
        with self.m.lock:
            keep_alive = self.m.cfg["keep_alive"]
        close = resp.close or req.version == "HTTP/1.0" or not keep_alive or \
            req.headers.get("connection", "").lower() == "close"
        chunked = bool(faults.get("chunked"))
        no_length = bool(faults.get("no_length")) and not chunked
        if no_length:
            close = True
        if not chunked and not no_length:
            hdrs.append(("Content-Length", str(len(body))))
        if chunked:
            hdrs.append(("Transfer-Encoding", "chunked"))
            hdrs.append(("Trailer", "X-Mock-Trailer"))
        hdrs.append(("Connection", "close" if close else "keep-alive"))
        head = "HTTP/1.1 %d %s\r\n" % (status, REASONS.get(status, "Unknown"))
        head += "".join("%s: %s\r\n" % h for h in hdrs) + "\r\n"
        out = head.encode("latin-1")
        if chunked:
            out += encode_chunked(body)
        elif faults.get("truncate"):
            out += body[:len(body) // 2]
            close = True
        else:
            out += body
        self.send(out, bool(faults.get("byte_at_a_time")))
        if faults.get("truncate"):
            # Close without close_notify: the body simply stops.
            raise ConnectionDone("truncate fault: closed mid-body")
        return close

    # ------------------------------------------------------------ routing
    def dispatch(self, req, rid):
        """Returns (Response, auth verdict, faults to apply, state changed, control)."""
        m = self.m
        bad_host = self.check_host(req)
        if bad_host:
            return bad_host(rid), "not-checked", {}, False, False
        if req.path.startswith("/__mock/"):
            return self.control(req), "control", {}, False, True
        route, params = match_route(req.method, req.path)
        if route is None:
            return gw_error(404, "APIGW.0101", GW_NO_API, rid), "not-checked", \
                {}, False, False
        with m.lock:
            faults = dict(m.faults)
        if route == "iam":
            with m.lock:
                m.iam_requests += 1
                nth = m.iam_requests
            if nth <= faults.get("iam_fail_times", 0):
                # IAM behind the gateway, briefly down: what a client retries.
                resp = gw_error(503, "APIGW.0202", "Backend unavailable", rid)
                if "retry_after" in faults:
                    resp.headers.append(("Retry-After", str(faults["retry_after"])))
            else:
                resp = self.iam(req)
            return resp, "iam", self.faults_for(route, faults, False), False, False
        auth, fail = self.authenticate(req, rid)
        if fail is not None:
            return fail, auth, self.faults_for(route, faults, False), False, False
        if route == "history":
            q = urllib.parse.parse_qs(req.query, keep_blank_values=True)
            if "start_date" not in q or "end_date" not in q:
                # The gateway's parameter check (APIG "Orchestration error"):
                # decided before the backend, so only framing faults apply.
                return gw_error(400, "APIGW.0106", "Orchestration error.", rid), \
                    auth, self.faults_for(route, faults, False), False, False
        is_stop = route == "stop"
        if is_stop:
            with m.lock:
                m.stop_requests += 1
                nth = m.stop_requests
        else:
            nth = 0
        faults = self.faults_for(route, faults, True, nth)
        if "delay" in faults and not self.wait_while_client_stays(faults["delay"]):
            # The client gave up during the delay: like a gateway dropping the
            # upstream call, nothing reaches the backend. This also keeps a
            # late stop from one test out of the state of the next.
            gone = Response(0)
            gone.abandoned = True
            return gone, auth, faults, False, False
        if faults.get("silence") or faults.get("reset"):
            return Response(0), auth, faults, False, False
        if "status" in faults:
            return self.status_fault(faults, rid), auth, faults, False, False
        if is_stop and faults.get("wrong_ids"):
            return Response(200, jbody({"status": "success", "result": {
                "id": "f" * 32, "task_id": "e" * 32}})), auth, faults, False, False
        if is_stop and faults.get("status_error_200"):
            return Response(200, jbody({
                "status": "error", "error_code": "Deploy.00011027",
                "error_msg": "The application is being deployed. Try again later.",
                "result": None})), auth, faults, False, False
        handler = getattr(self, "api_" + route)
        resp, changed = handler(req, params, faults)
        if resp.status == 200 and faults.get("malformed_json"):
            resp.body = resp.body[:-1]
        if resp.status == 200 and faults.get("oversize_body"):
            obj = json.loads(resp.body)
            obj["padding"] = "x" * 40960
            resp.body = jbody(obj)
        return resp, auth, faults, changed, False

    def faults_for(self, route, faults, authed, nth=0):
        """Which of the active faults touch this request."""
        f = dict(faults)
        if "status" in f and "fail_times" in f and (route != "stop" or
                                                   nth > f["fail_times"]):
            del f["status"]
        if not authed:
            # An answer decided before the backend (401, IAM) only gets framing.
            for k in ("status", "wrong_ids", "status_error_200", "delay"):
                f.pop(k, None)
        return f

    def status_fault(self, faults, rid):
        code = faults["status"]
        if code == 429:
            r = gw_error(429, "APIG.0308", "The throttling threshold has been "
                         "reached: policy user over ratelimit,limit:100,time:1 "
                         "minute", rid)
        elif code == 401:
            r = gw_error(401, "APIGW.0301", "token expires", rid)
        elif code in (502, 503):
            r = gw_error(code, "APIGW.0202", "Backend unavailable", rid)
        elif code == 504:
            r = gw_error(code, "APIGW.0203", "Backend timeout", rid)
        elif code == 500:
            r = nested_error(500, "DEV.CH.10002", "Internal server error")
        elif code == 403:
            r = flat_error(403, "Deploy.00011154",
                           "You do not have permission to perform this operation.")
        elif code == 404:
            r = flat_error(404, "Deploy.00011020", "The application does not exist.")
        elif code == 400:
            r = flat_error(400, "Deploy.00011027",
                           "The application is being deployed. Try again later.")
        else:
            r = flat_error(code, "Deploy.00000000", "Mock status fault %d" % code)
        if "retry_after" in faults:
            r.headers.append(("Retry-After", str(faults["retry_after"])))
        return r

    def check_host(self, req):
        host = req.headers.get("host")
        if host is None:
            return lambda rid: gw_error(400, "APIGW.0101",
                                        "Bad request: Host header missing", rid)
        h = host.lower()
        port = None
        mm = re.match(r"^\[([0-9a-f:.]+)\](?::([0-9]+))?$", h) or \
            re.match(r"^([^:\[\]]+)(?::([0-9]+))?$", h)
        if mm:
            name, port = mm.group(1), mm.group(2)
        else:
            name = None
        ok = name is not None and name in self.m.allowed_hosts
        if ok and not self.a.host_lax:
            want = self.m.port
            ok = (int(port) == want) if port else want == 443
        if not ok:
            return lambda rid: gw_error(404, "APIGW.0101", GW_NO_API, rid)
        return None

    # ------------------------------------------------------------ auth
    def authenticate(self, req, rid):
        m = self.m
        authz = req.headers.get("authorization")
        if authz is not None:
            return self.check_aksk(req, authz, rid)
        tok = req.headers.get("x-auth-token")
        if tok is None:
            return "missing", gw_error(
                401, "APIGW.0301",
                "Incorrect IAM authentication information: x-auth-token not found",
                rid)
        with m.lock:
            if tok in m.tokens and not m.cfg.get("tokens_expired"):
                return "token-ok", None
            exp = m.issued.get(tok)
        if exp is not None:
            if m.server_now() < exp:
                return "iam-token-ok", None
            return "token-expired", gw_error(401, "APIGW.0301", "token expires", rid)
        return "token-bad", gw_error(401, "APIGW.0301", "token expires", rid)

    def check_aksk(self, req, authz, rid):
        m = self.m
        a = self.a

        def fail(verdict, msg, count=True):
            with m.lock:
                if count:
                    m.ak_failures += 1
                    if m.ak_failures >= LOCK_FAILURES:
                        m.ak_locked_until = time.monotonic() + a.lock_seconds
                        m.ak_failures = 0
            return verdict, gw_error(401, "APIGW.0301",
                                     "Incorrect IAM authentication information: "
                                     + msg, rid)

        parsed = aksk.parse_authorization(authz)
        if parsed is None or not a.ak:
            return fail("aksk-malformed", "verify aksk signature fail",
                        count=False)
        access, signed, sig = parsed
        if access != a.ak:
            return fail("aksk-unknown-ak", "ak %s not found" % access, count=False)
        with m.lock:
            locked = time.monotonic() < m.ak_locked_until
            left = m.ak_locked_until - time.monotonic()
        if locked:
            return "aksk-locked", gw_error(
                401, "APIGW.0301", "Incorrect IAM authentication information: "
                "verify aksk signature fail, the access key is locked after "
                "%d consecutive failures, retry in %d seconds"
                % (LOCK_FAILURES, int(left) + 1), rid)
        date_s = req.headers.get("x-sdk-date")
        if date_s is None:
            return fail("aksk-no-date", "x-sdk-date not found")
        when = aksk.parse_sdk_date(date_s)
        if when is None:
            return fail("aksk-bad-date", "x-sdk-date is invalid")
        if "host" not in signed or "x-sdk-date" not in signed or \
                any(h not in req.headers for h in signed):
            return fail("aksk-bad-signed-headers", "verify aksk signature fail")
        now = m.server_now()
        if abs((now - when).total_seconds()) > SKEW_LIMIT:
            return fail("aksk-expired", "signature expired, signature time:%s,"
                        "server time:%s" % (date_s, aksk.format_sdk_date(now)))
        canon, want = aksk.sign(req.method, req.path, req.query, req.headers,
                                signed, req.body, a.sk)
        self.info.setdefault("canonical_requests", []).append(canon)
        if not hmac.compare_digest(want, sig.lower()) or sig != sig.lower():
            return fail("aksk-bad-signature", "verify aksk signature fail")
        with m.lock:
            m.ak_failures = 0
        return "aksk-ok", None

    # ------------------------------------------------------------ control
    def control(self, req):
        m = self.m
        if req.path == "/__mock/fault" and req.method == "POST":
            try:
                obj = json.loads(req.body or b"{}")
                faults = parse_faults(obj.get("faults", []))
            except (ValueError, AttributeError, TypeError) as e:
                return Response(400, jbody({"error": str(e)}))
            with m.lock:
                m.faults = faults
                m.stop_requests = 0
                m.iam_requests = 0
            return Response(200, jbody({"faults": sorted(fault_names(faults))}))
        if req.path == "/__mock/state" and req.method == "GET":
            q = dict(urllib.parse.parse_qsl(req.query))
            with m.lock:
                base = {"faults": sorted(fault_names(m.faults)),
                        "stop_requests": m.stop_requests,
                        "requests": m.requests,
                        "ak_locked": time.monotonic() < m.ak_locked_until,
                        "ak_failures": m.ak_failures,
                        "issued_tokens": len(m.issued),
                        "config": config_view(m.cfg)}
                if "record_id" in q:
                    rec = m.records.get(q["record_id"])
                    if rec is None:
                        return Response(404, jbody({"error": "no such record"}))
                    base.update(record_view(q["record_id"], rec))
                    base["state"] = rec["state"]
                    base["stop_requested"] = rec["stop_left"] is not None
                else:
                    base["records"] = [dict(record_view(k, v), state=v["state"],
                                            stop_requested=v["stop_left"] is not None)
                                       for k, v in m.records.items()]
            return Response(200, jbody(base))
        if req.path == "/__mock/config" and req.method == "POST":
            try:
                obj = json.loads(req.body or b"{}")
                with m.lock:
                    cfg = parse_config(obj, m.cfg)
                    m.cfg = cfg
                    if "scenario" in obj:
                        m.records = build_records(cfg["scenario"], utcnow())
                    view = config_view(m.cfg)
            except ValueError as e:
                return Response(400, jbody({"error": str(e)}))
            return Response(200, jbody({"config": view}))
        if req.path == "/__mock/config" and req.method == "GET":
            with m.lock:
                return Response(200, jbody({"config": config_view(m.cfg)}))
        if req.path == "/__mock/reset" and req.method == "POST":
            m.reset()
            return Response(200, jbody({"reset": True}))
        return Response(404, jbody({"error": "no such control endpoint"}))

    # ------------------------------------------------------------ API
    def api_stop(self, req, p, faults):
        task, record = p
        err = nested_error if faults.get("nested_errors") else flat_error
        bad = check_json_request(req, exact_body=b"{}")
        if bad:
            return nested_error(400, "DEV.CH.10001", "Param invalid: " + bad), False
        if not ID_RE.match(task) or not ID_RE.match(record):
            return nested_error(400, "DEV.CH.10001", "Param invalid"), False
        m = self.m
        ok = Response(200, jbody({"status": "success", "result": {
            "id": record, "task_id": task}}))
        with m.lock:
            if task not in m.tasks:
                return err(404, "Deploy.00011020",
                           "The application does not exist."), False
            rec = m.records.get(record)
            if rec is None or rec["task_id"] != task:
                return err(404, "Deploy.00011303",
                           "The execution record does not exist."), False
            if rec["state"] not in ("running", "pending"):
                msg = ("The deployment record is not running and cannot be "
                       "stopped (state: %s)." % rec["state"])
                if faults.get("stop_not_running_200"):
                    return Response(200, jbody({
                        "status": "error", "error_code": "Deploy.00011304",
                        "error_msg": msg})), False
                return err(400, "Deploy.00011304", msg), False
            if rec["stop_left"] is not None:
                # Stop already accepted, the record still winds down: accepted
                # again, the count is not restarted.
                return ok, False
            polls = m.cfg["stop_polls"]
            if polls == 0:
                rec["state"] = "abort"
                rec["end"] = utcnow()
            else:
                rec["stop_left"] = polls        # -1: never
        return ok, True

    def api_state(self, req, p, faults):
        (task,) = p
        # Other parameters (step_state=false) are accepted and ignored.
        q = urllib.parse.parse_qs(req.query, keep_blank_values=True)
        rid = q.get("record_id", [""])
        if len(rid) != 1 or not ID_RE.match(rid[0]) or not ID_RE.match(task):
            return nested_error(400, "DEV.CH.10001", "Param invalid"), False
        with self.m.lock:
            if task not in self.m.tasks:
                return flat_error(404, "Deploy.00011020",
                                  "The application does not exist."), False
            rec = self.m.records.get(rid[0])
            if rec is None or rec["task_id"] != task:
                return nested_error(404, "Deploy.00011303",
                                    "The execution record does not exist."), False
            view = record_view(rid[0], rec)
            changed = False
            if rec["stop_left"] is not None and rec["stop_left"] > 0:
                # --stop-polls N: this was one of the N answers still showing
                # the old state; after the Nth the record is aborted.
                rec["stop_left"] -= 1
                if rec["stop_left"] == 0:
                    rec["stop_left"] = None
                    rec["state"] = "abort"
                    rec["end"] = utcnow()
                    changed = True
        return Response(200, jbody({"status": "success", "result": view})), changed

    def api_history(self, req, p, faults):
        project, task = p
        q = urllib.parse.parse_qs(req.query, keep_blank_values=True)
        try:
            if any(len(q.get(k, [])) != 1 for k in
                   ("page", "size", "start_date", "end_date")):
                raise ValueError("page, size, start_date and end_date are required")
            page, size = int(q["page"][0]), int(q["size"][0])
            if page < 1 or not 1 <= size <= 100:
                raise ValueError("page or size out of range")
            d0 = parse_date(q["start_date"][0])
            d1 = parse_date(q["end_date"][0])
            if d1 < d0 or (d1 - d0).days > 30:
                raise ValueError("the date range must be at most 30 days")
            if not ID_RE.match(project) or not ID_RE.match(task):
                raise ValueError("bad id")
        except ValueError as e:
            return nested_error(400, "DEV.CH.10001", "Param invalid: %s" % e), False
        m = self.m
        if project != self.a.project_id:
            return flat_error(404, "Deploy.00016902",
                              "The project does not exist."), False
        changed = False
        with m.lock:
            if task not in m.tasks:
                return flat_error(404, "Deploy.00011020",
                                  "The application does not exist."), False
            rows = [(rec["start"], rid, rec) for rid, rec in m.records.items()
                    if rec["task_id"] == task and d0 <= rec["start"].date() <= d1]
            order = m.cfg["history_order"]
            if order == "shuffled":
                # One fixed pseudo-random rank per record (seed and id), so
                # every page of every call, and every run, agree.
                seed = self.a.seed
                rows.sort(key=lambda r: random.Random(
                    "%d:%s" % (seed, r[1])).random())
            else:
                rows.sort(key=lambda r: r[0], reverse=(order == "newest"))
            listed = rows[(page - 1) * size:page * size]
            body = jbody({"result": [history_row(rid, rec) for _, rid, rec in listed],
                          "total_num": len(rows)})
            if faults.get("ends_before_stop"):
                # The deployment finishes on its own right after it was seen.
                for _, rid, rec in listed:
                    if rec["state"] == "running" and rec["stop_left"] is None:
                        rec["state"] = "succeeded"
                        rec["end"] = utcnow()
                        changed = True
        return Response(200, body), changed

    def api_start(self, req, p, faults):
        (task,) = p
        bad = check_json_request(req)
        if not bad:
            try:
                obj = json.loads(req.body)
                if not isinstance(obj, dict) or not isinstance(
                        obj.get("params", []), list):
                    bad = "body must be {} or {\"params\":[...]}"
            except ValueError:
                bad = "body is not JSON"
        if bad or not ID_RE.match(task):
            return nested_error(400, "DEV.CH.10001",
                                "Param invalid: %s" % (bad or "task id")), False
        with self.m.lock:
            if task not in self.m.tasks:
                return flat_error(404, "Deploy.00011020",
                                  "The application does not exist."), False
            if any(r["state"] == "running" and r["task_id"] == task
                   for r in self.m.records.values()):
                return flat_error(400, "Deploy.00011027",
                                  "The application is being deployed. "
                                  "Try again later."), False
            new = secrets.token_hex(16)
            rel = max(r["release_id"] for r in self.m.records.values()) + 1
            self.m.records[new] = {"task_id": task, "state": "running",
                                   "start": utcnow(), "end": None,
                                   "release_id": rel, "operator": "deploystop-ci",
                                   "stop_left": None}
        return Response(200, jbody({"id": new, "task_id": task,
                                    "job_name": "deploystop-demo",
                                    "release_id": rel})), True

    def api_app_info(self, req, p, faults):
        (app,) = p
        if not ID_RE.match(app):
            return nested_error(400, "DEV.CH.10001", "Param invalid"), False
        if app != APP_ID:
            # The real API answers 200 without a result for an unknown app.
            return Response(200, jbody({"status": "success"})), False
        with self.m.lock:
            latest = max(((r["start"], r["state"]) for r in self.m.records.values()
                          if r["task_id"] == TASK_ID), default=(None, "not_started"))
        return Response(200, jbody({"status": "success", "result": {
            "id": APP_ID, "name": "deploystop-demo",
            "project_id": self.a.project_id,
            "arrange_infos": [{"id": TASK_ID, "name": "deploystop-demo",
                               "state": latest[1], "deploy_system": "deployTemplate"}]}})), \
            False

    # ------------------------------------------------------------ IAM
    def iam(self, req):
        a = self.a
        bad = check_json_request(req)
        user = pw = domain = project = None
        if not bad:
            try:
                obj = json.loads(req.body)
                req.json_ok = True
                ident = obj["auth"]["identity"]
                if ident["methods"] != ["password"]:
                    raise ValueError("methods must be [\"password\"]")
                u = ident["password"]["user"]
                user, pw, domain = u["name"], u["password"], u["domain"]["name"]
                scope = obj["auth"]["scope"]["project"]
                project = scope.get("name") or scope.get("id")
                if not all(isinstance(x, str) and x for x in
                           (user, pw, domain, project)):
                    raise ValueError("empty field")
            except (ValueError, KeyError, TypeError) as e:
                bad = "Invalid request body: %s" % e
        if bad:
            return Response(400, jbody({"error": {"code": 400, "message": bad,
                                                  "title": "Bad Request"}}))
        if not (hmac.compare_digest(user.encode(), a.iam_user.encode()) and
                hmac.compare_digest(pw.encode(), a.iam_password.encode()) and
                hmac.compare_digest(domain.encode(), a.iam_domain.encode())):
            return Response(401, jbody({"error": {
                "code": 401, "message": "The username or password is wrong.",
                "title": "Unauthorized"}}))
        now = self.m.server_now()
        exp = now + datetime.timedelta(seconds=a.iam_token_ttl)
        token = make_token(a.iam_token_len)
        with self.m.lock:
            self.m.issued[token] = exp
        iso = "%Y-%m-%dT%H:%M:%S.%fZ"
        body = {"token": {
            "expires_at": exp.strftime(iso), "issued_at": now.strftime(iso),
            "methods": ["password"],
            "project": {"name": project, "id": IAM_PROJECT_ID,
                        "domain": {"name": domain, "id": "d" * 32}},
            "user": {"name": user, "id": "u" * 32, "password_expires_at": "",
                     "domain": {"name": domain, "id": "d" * 32}},
            "roles": [{"name": "te_admin", "id": "0"}]}}
        return Response(201, jbody(body), [("X-Subject-Token", token)])


def make_token(n):
    # Real tokens are long base64 text starting with "MII"; the alphabet here
    # includes '-' and '_' so clients must not assume a narrower one.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/="
    body = "".join(secrets.choice(alphabet) for _ in range(max(0, n - 3)))
    return ("MII" + body)[:n]


def fault_names(faults):
    return [k if v is True else "%s:%s" % (k, v) for k, v in faults.items()]


def check_json_request(req, exact_body=None):
    ct = req.headers.get("content-type")
    if ct is None:
        return "Content-Type missing"
    mt = ct.split(";")[0].strip().lower()
    if mt != "application/json":
        return "Content-Type must be application/json"
    if "content-length" not in req.headers:
        return "Content-Length missing"
    if exact_body is not None and req.body != exact_body:
        return "body must be %s" % exact_body.decode()
    return None


def parse_date(s):
    if not re.match(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", s):
        raise ValueError("dates are YYYY-MM-DD")
    return datetime.date.fromisoformat(s)


def record_view(rid, rec):
    running = rec["state"] in ("running", "pending")
    return {"status": rec["state"], "record_id": rid, "task_id": rec["task_id"],
            "step": "running" if running else "finish",
            "start_time": fmt_time(rec["start"]), "end_time": fmt_time(rec["end"]),
            "duration": fmt_duration(rec["start"], rec["end"]),
            "release_id": rec["release_id"], "operator": rec["operator"]}


def history_row(rid, rec):
    return {"execution_id": rid, "state": rec["state"],
            "start_time": fmt_time(rec["start"]), "end_time": fmt_time(rec["end"]),
            "operator": rec["operator"], "release_id": rec["release_id"],
            "duration": fmt_duration(rec["start"], rec["end"]),
            "type": "deploy", "nickname": rec["operator"]}


ROUTES = [
    ("PUT", re.compile(r"^/v2/tasks/([^/]+)/records/([^/]+)/stop$"), "stop"),
    ("GET", re.compile(r"^/v2/tasks/([^/]+)/state$"), "state"),
    ("GET", re.compile(r"^/v2/([^/]+)/task/([^/]+)/history$"), "history"),
    ("POST", re.compile(r"^/v2/tasks/([^/]+)/start$"), "start"),
    ("GET", re.compile(r"^/v1/applications/([^/]+)/info$"), "app_info"),
    ("POST", re.compile(r"^/v3/auth/tokens$"), "iam"),
]


def match_route(method, path):
    for meth, rx, name in ROUTES:
        mm = rx.match(path)
        if mm and meth == method:
            return name, mm.groups()
    return None, None


def new_req_id():
    return secrets.token_hex(16)


def encode_chunked(body):
    """Chunks of varied sizes, some with extensions, then a trailer."""
    out = b""
    i = 0
    sizes = itertools.cycle([7, 1, 13, 3])
    n = 0
    while i < len(body):
        size = next(sizes)
        piece = body[i:i + size]
        ext = b";mock-ext=%d" % n if n % 2 == 0 else b""
        out += b"%x%s\r\n%s\r\n" % (len(piece), ext, piece)
        i += size
        n += 1
    return out + b"0\r\nX-Mock-Trailer: done\r\n\r\n"


# ---------------------------------------------------------------- server
def make_context(args):
    d = args.certs
    names = {"good": ("server.pem", "server.key"),
             "wrong": ("wrong.pem", "wrong.key"),
             "untrusted": ("untrusted.pem", "untrusted.key"),
             "rsa": ("server-rsa.pem", "server-rsa.key"),
             "expired": ("expired.pem", "expired.key"),
             "chain": ("chain.pem", "chain.key")}[args.cert_host]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if args.tls_max == "1.2":
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    # TLS 1.2 suites mbedTLS 2.28 offers by default; TLS 1.3 keeps OpenSSL's.
    ctx.set_ciphers("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
                    "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:"
                    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305")
    ctx.load_cert_chain(os.path.join(d, names[0]), os.path.join(d, names[1]))
    # HTTP/1.1 only; saying so in ALPN spares clients that offer h2 a guess.
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--certs", required=True, help="directory from make_certs.py")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--ready-file")
    ap.add_argument("--cert-host", default="good",
                    choices=["good", "wrong", "untrusted", "rsa", "expired",
                             "chain"])
    ap.add_argument("--tls-max", choices=["1.2", "1.3"], default="1.3")
    ap.add_argument("--token")
    ap.add_argument("--token-file")
    ap.add_argument("--fault", action="append", default=[])
    ap.add_argument("--log")
    ap.add_argument("--ak")
    ap.add_argument("--sk")
    ap.add_argument("--clock-offset", type=float, default=0.0)
    ap.add_argument("--lock-seconds", type=float, default=300.0)
    ap.add_argument("--iam-user", default="deploystop-user")
    ap.add_argument("--iam-password", default="mock-iam-password")
    ap.add_argument("--iam-domain", default="deploystop-account")
    ap.add_argument("--iam-token-len", type=int, default=12000)
    ap.add_argument("--iam-token-ttl", type=float, default=86400.0)
    ap.add_argument("--max-seconds", type=float, default=600.0)
    ap.add_argument("--max-body", type=int, default=65536)
    ap.add_argument("--idle-timeout", type=float, default=60.0)
    ap.add_argument("--byte-delay", type=float, default=0.001)
    ap.add_argument("--allow-host", action="append", default=[])
    ap.add_argument("--host-lax", action="store_true",
                    help="accept any port (or none) in the Host header")
    ap.add_argument("--project-id", default=PROJECT_ID)
    ap.add_argument("--scenario", choices=SCENARIOS, default="default")
    ap.add_argument("--history-order", choices=HISTORY_ORDERS, default="newest")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--stop-polls", default="0", help="N >= 0 or never")
    ap.add_argument("--no-keepalive", action="store_true")
    ap.add_argument("--close-after-answers", type=int, default=0)
    ap.add_argument("--close-style", choices=["notify", "fin", "rst"],
                    default="notify")
    ap.add_argument("--no-resumption", action="store_true",
                    help="a server that forgets every session: each connection "
                         "gets a new TLS context (new ticket keys, empty session "
                         "cache), so tickets and session ids are issued but "
                         "never accepted")
    args = ap.parse_args(argv)
    if not ID_RE.match(args.project_id):
        ap.error("--project-id must be 32 letters/digits")
    try:
        parse_stop_polls(args.stop_polls)
    except ValueError:
        ap.error("--stop-polls must be N >= 0 or never")
    if args.close_after_answers < 0:
        ap.error("--close-after-answers must be N >= 0")
    if bool(args.ak) != bool(args.sk):
        ap.error("--ak and --sk go together")
    if not 3 <= args.iam_token_len <= 65536:
        ap.error("--iam-token-len must be 3..65536")
    try:
        mock = Mock(args)
    except ValueError as e:
        ap.error(str(e))
    mock.allowed_hosts = {"localhost", "127.0.0.1", "::1", "10.0.2.2"} | \
        {h.lower() for h in args.allow_host}
    mock.stopping = threading.Event()
    mock.deadline = time.monotonic() + args.max_seconds
    ctx = make_context(args)

    fam = socket.AF_INET6 if ":" in args.bind else socket.AF_INET
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6:
        ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    ls.bind((args.bind, args.port))
    ls.listen(64)
    ls.settimeout(0.2)
    mock.port = ls.getsockname()[1]

    def on_signal(signum, frame):
        mock.stopping.set()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    mock.log({"event": "listening", "bind": args.bind, "port": mock.port,
              "pid": os.getpid(), "cert_host": args.cert_host,
              "resumption": not args.no_resumption,
              "faults": args.fault})
    if args.ready_file:
        tmp = args.ready_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % mock.port)
        os.replace(tmp, args.ready_file)

    while not mock.stopping.is_set() and time.monotonic() < mock.deadline:
        try:
            cs, peer = ls.accept()
        except (socket.timeout, TimeoutError):
            continue
        except OSError:
            if mock.stopping.is_set():
                break
            raise
        cs.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if args.no_resumption:
            ctx = make_context(args)
        try:
            tls = ctx.wrap_socket(cs, server_side=True,
                                  do_handshake_on_connect=False)
        except (ssl.SSLError, OSError):
            cs.close()
            continue
        h = Handler(mock, tls, "%s:%d" % (peer[0], peer[1]))
        threading.Thread(target=h.run, daemon=True).start()
    reason = "signal" if mock.stopping.is_set() else "max-seconds"
    mock.stopping.set()
    ls.close()
    mock.log({"event": "exit", "reason": reason})
    if args.ready_file:
        try:
            os.unlink(args.ready_file)
        except OSError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
