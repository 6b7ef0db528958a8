"""A TLS 1.2 server that misbehaves at the TLS layer in the ways lwIP 2.1.3's
altcp_tls gets wrong (docs/platform.md), one mode per run, to show the port's fixes.

  record16k     answers the stop correctly, but the answer's first TLS record
                carries the full 16,384 bytes (padding headers): a client whose
                TCP window is smaller than a record never sees a byte of it.
  close_notify  answers without Content-Length (body until end of stream),
                sends close_notify, and keeps the TCP connection open: a
                client must take close_notify as the end of the stream.
  bad_record    sends a TLS record with a broken authentication tag instead of
                an answer: a client must fail at once, not wait for data.

Logs one JSON line per connection to --log: mode, request bytes, what was sent.
A state call (the firmware confirming that a stopped record ended) is
answered plainly, "abort", and not logged: the mode's fault is for the stop.
"""
import argparse
import json
import os
import socket
import ssl
import sys
import threading
import time


def read_request(tls):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = tls.recv(4096)
        if not chunk:
            return data
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = tls.recv(4096)
        if not chunk:
            break
        rest += chunk
    return head + b"\r\n\r\n" + rest


def ids_from(request):
    parts = request.split(b" ", 2)[1].decode().split("/")
    # /v2/tasks/{task}/records/{record}/stop
    return parts[3], parts[5]


def stop_body(request):
    task, record = ids_from(request)
    return json.dumps({"status": "success",
                       "result": {"id": record, "task_id": task}}).encode()


def answer_state(tls, req):
    """The state call that confirms a stop: the record ended (abort). Every
    mode answers it plainly; the mode's fault is for the stop."""
    target = req.split(b" ", 2)[1].decode()
    task = target.split("/")[3]
    record = target.split("record_id=", 1)[1].split("&", 1)[0]
    body = json.dumps({"status": "success",
                       "result": {"task_id": task, "record_id": record, "status": "abort",
                                  "step": "finish"}}).encode()
    tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)


def handle(conn, ctx, mode, log, hold_s):
    entry = {"mode": mode}
    try:
        tls = ctx.wrap_socket(conn, server_side=True)
    except (ssl.SSLError, OSError) as e:
        entry["handshake_error"] = str(e)
        log(entry)
        conn.close()
        return
    try:
        req = read_request(tls)
        entry["request_bytes"] = len(req)
        entry["request_line"] = req.split(b"\r\n", 1)[0].decode("ascii", "replace")
        if req.startswith(b"GET ") and b"/state?" in req.split(b"\r\n", 1)[0]:
            answer_state(tls, req)
            conn.close()
            return
        if mode == "record16k":
            # Head of ~15,900 bytes (header lines under 700 bytes, total
            # under the client's 16 KB header limit) plus a padded body:
            # over 16,384 bytes in one write, so the first record is full.
            task, record = ids_from(req)
            body = json.dumps({"status": "success", "result": {"id": record, "task_id": task},
                               "padding": "p" * 500}).encode()
            head = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\n" % len(body))
            n = 0
            while len(head) < 15900:
                head += b"X-Pad-%03d: " % n + b"x" * 660 + b"\r\n"
                n += 1
            msg = head + b"\r\n" + body
            assert len(msg) > 16384
            tls.sendall(msg)
            entry["sent"] = len(msg)
            entry["first_record"] = 16384
        elif mode == "close_notify":
            body = stop_body(req)
            msg = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                   b"Connection: close\r\n\r\n" + body)
            tls.sendall(msg)
            entry["sent"] = len(msg)
            # close_notify (unwrap gives up waiting for the client's after
            # 0.5 s), then the TCP connection stays open: only TLS says the
            # stream ended.
            try:
                tls.settimeout(0.5)
                tls.unwrap()
            except (ssl.SSLError, OSError, socket.timeout):
                pass
            entry["close_notify_sent"] = True
            time.sleep(hold_s)
            entry["held_open_s"] = hold_s
        elif mode == "bad_record":
            bogus = b"\x17\x03\x03\x00\x28" + os.urandom(0x28)
            os.write(tls.fileno(), bogus)
            entry["sent"] = len(bogus)
            time.sleep(hold_s)
            entry["held_open_s"] = hold_s
    except (ssl.SSLError, OSError) as e:
        entry["error"] = str(e)
    log(entry)
    try:
        conn.close()
    except OSError:
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--certs", required=True)
    ap.add_argument("--mode", required=True, choices=["record16k", "close_notify", "bad_record"])
    ap.add_argument("--ready-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--hold-seconds", type=float, default=20.0)
    ap.add_argument("--max-seconds", type=float, default=120.0)
    a = ap.parse_args()

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(os.path.join(a.certs, "server.pem"), os.path.join(a.certs, "server.key"))
    lock = threading.Lock()

    def log(entry):
        with lock, open(a.log, "a") as f:
            f.write(json.dumps(entry) + "\n")

    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    srv.settimeout(0.2)
    tmp = a.ready_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.getsockname()[1])
    os.rename(tmp, a.ready_file)
    end = time.monotonic() + a.max_seconds
    while time.monotonic() < end:
        try:
            conn, _ = srv.accept()
        except socket.timeout:
            continue
        conn.settimeout(10)
        threading.Thread(target=handle, args=(conn, ctx, a.mode, log, a.hold_seconds),
                         daemon=True).start()
    return 0


if __name__ == "__main__":
    sys.exit(main())
