"""Firmware tests: the kill switch in QEMU (mps2-an385, Cortex-M3) stops a
deployment on the mock server over TLS, and reports every failure as a
definite RESULT within its deadline.

One QEMU boot runs every case in order (tests are numbered); each mock or
edge server is its own process on 127.0.0.1, reached by the guest as
10.0.2.2. Usage: test_firmware.py ELF WORKDIR, where ELF is the test image
(build/firmware/killswitch-test.elf: http:// allowed, 3 s paste idle time);
with FW_SHIPPED_ELF set, one more case boots the shipped image.
"""
import calendar
import hashlib
import json
import os
import re
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwharness as h  # noqa: E402

ELF = None
WORK = None
TOKEN = "MIIT" + "".join("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/="[i % 67]
                         for i in range(20000 - 4))
DEADLINE_MS = 8000
# AK/SK provisioned over the console (test 11a-11e); the SK has the
# characters a console could mangle.
AK = "DSFWAKSK0123456789AB"
SK = "fwSecret+Key/0123456789abcdefghijklmnopq"
WRONG_SK = "fwWrong+Key/0123456789abcdefghijklmnopqr"


class EdgeServer:
    """tls_edge_server.py in one mode."""

    def __init__(self, mode, certs):
        self.log = os.path.join(WORK, "edge-%s.log" % mode)
        ready = os.path.join(WORK, "edge-%s.port" % mode)
        for p in (self.log, ready):
            if os.path.exists(p):
                os.unlink(p)
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                          "tls_edge_server.py"),
             "--certs", certs, "--mode", mode, "--ready-file", ready, "--log", self.log,
             "--hold-seconds", "20", "--max-seconds", "200"])
        end = time.monotonic() + 10
        while not os.path.exists(ready):
            if time.monotonic() > end or self.proc.poll() is not None:
                raise RuntimeError("edge server %s did not start" % mode)
            time.sleep(0.05)
        with open(ready) as f:
            self.port = int(f.read())

    def endpoint(self):
        return "https://%s:%d" % (h.GUEST_HOST_IP, self.port)

    def entries(self, count=1, timeout=25):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if os.path.exists(self.log):
                with open(self.log) as f:
                    lines = [json.loads(x) for x in f if x.strip()]
                if len(lines) >= count:
                    return lines
            time.sleep(0.1)
        return []

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class FirmwareTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.certs = h.make_certs(os.path.join(WORK, "certs"))
        with open(os.path.join(cls.certs, "ca.pem")) as f:
            cls.ca = f.read()
        cls.good = h.Mock(WORK, "good", cls.certs, TOKEN)
        cls.rsa = h.Mock(WORK, "rsa", cls.certs, TOKEN, extra=["--cert-host", "rsa"])
        cls.wrong = h.Mock(WORK, "wrong", cls.certs, TOKEN, extra=["--cert-host", "wrong"])
        cls.untrusted = h.Mock(WORK, "untrusted", cls.certs, TOKEN,
                               extra=["--cert-host", "untrusted"])
        cls.silent = h.Mock(WORK, "silent", cls.certs, TOKEN, extra=["--fault", "silence"])
        cls.framing = h.Mock(WORK, "framing", cls.certs, TOKEN,
                             extra=["--fault", "chunked", "--fault", "byte_at_a_time",
                                    "--byte-delay", "0"])
        cls.retry = h.Mock(WORK, "retry", cls.certs, TOKEN,
                           extra=["--fault", "status:503", "--fault", "retry_after:1",
                                  "--fault", "fail_times:1"])
        cls.unavailable = h.Mock(WORK, "unavailable", cls.certs, TOKEN,
                                 extra=["--fault", "status:503"])
        # A 503 answered with keep-alive, then the connection dropped each way.
        cls.droppers = {s: h.Mock(WORK, "drop-" + s, cls.certs, TOKEN,
                                  extra=["--fault", "status:503", "--fault", "retry_after:1",
                                         "--fault", "fail_times:1", "--close-after-answers", "1",
                                         "--close-style", s])
                        for s in ("notify", "fin", "rst")}
        # Session resumption: a server that resumes, one that forgets.
        cls.resume = h.Mock(WORK, "resume", cls.certs, TOKEN)
        cls.forgetful = h.Mock(WORK, "forgetful", cls.certs, TOKEN,
                               extra=["--no-resumption"])
        cls.aksk = h.Mock(WORK, "aksk", cls.certs, TOKEN, extra=["--ak", AK, "--sk", SK])
        cls.edges = {m: EdgeServer(m, cls.certs) for m in ("record16k", "close_notify", "bad_record")}
        cls.console_log = open(os.path.join(WORK, "console.log"), "w")
        cls.fw = h.Firmware(ELF, max_seconds=300, flash_dir=os.path.join(WORK, "flash-main"),
                            fresh_flash=True,
                            echo=lambda line: (cls.console_log.write(line + "\n"),
                                               cls.console_log.flush()))
        # A blank device: the self-test at boot finds nothing configured.
        cls.fw.expect(r'^STATE NOT_READY reason="no endpoint', 30)
        # These cases count requests: the automatic self-test calls would
        # mix in (test_field.py tests the self-test itself).
        assert cls.fw.cmd("test checks off") == "OK test checks"
        # lwIP's heap holds DHCP's state from boot on; stops must return to it.
        cls.heap_baseline = cls.fw.stats()["lwip_heap_in_use"]

    @classmethod
    def tearDownClass(cls):
        cls.fw.exit()
        cls.fw.kill()
        for m in (cls.good, cls.rsa, cls.wrong, cls.untrusted, cls.silent, cls.framing,
                  cls.retry, cls.unavailable, cls.aksk, cls.resume,
                  cls.forgetful) + tuple(cls.droppers.values()):
            m.stop()
        for e in cls.edges.values():
            e.stop()
        cls.console_log.close()

    def provision(self, endpoint, record=h.RECORD_RUNNING, token=TOKEN):
        self.fw.provision(endpoint, h.TASK_ID, record, token, self.ca,
                          hold_ms=300, deadline_ms=DEADLINE_MS)

    def set(self, what, value):
        r = self.fw.cmd("set %s %s" % (what, value), timeout=60)
        self.assertTrue(r.startswith("OK"), r)

    def press(self, timeout=DEADLINE_MS / 1000.0 + 10):
        line, secs = self.fw.press(timeout)
        return line, secs

    def assert_no_arena_leak(self):
        st = self.fw.stats()
        self.assertEqual(st["arena_in_use"], "0", st)
        self.assertEqual(st["lwip_heap_in_use"], self.heap_baseline, st)

    # -- the stop ---------------------------------------------------------

    def test_00_press_before_any_endpoint_is_invalid_input_and_sends_nothing(self):
        line, _ = self.press()
        self.assertRegex(line, r'^RESULT INVALID_INPUT task="-" record="-" reason="bad host" http=0\b.*attempts=0\b')
        for m in (self.good, self.rsa, self.aksk):
            self.assertEqual(m.events("connection"), [])

    def test_01_stop_sends_the_exact_request_and_reports_stopped(self):
        self.provision(self.good.endpoint())
        line, secs = self.press()
        self.assertRegex(line, r"^RESULT STOPPED\b")
        self.assertLess(secs, DEADLINE_MS / 1000.0)
        reqs = self.good.puts(1)
        self.assertEqual(len(reqs), 1)
        r = reqs[0]
        self.assertEqual(r["method"], "PUT")
        self.assertEqual(r["target"], "/v2/tasks/%s/records/%s/stop" % (h.TASK_ID, h.RECORD_RUNNING))
        self.assertEqual(r["version"], "HTTP/1.1")
        self.assertEqual(r["headers"]["host"], "%s:%d" % (h.GUEST_HOST_IP, self.good.port))
        self.assertEqual(r["headers"]["content-type"], "application/json")
        self.assertEqual(r["headers"]["content-length"], "2")
        self.assertEqual(r["body"], "{}")
        tok = r["headers"]["x-auth-token"]
        self.assertEqual(tok["len"], 20000)
        self.assertEqual(tok["sha256"], hashlib.sha256(TOKEN.encode()).hexdigest())
        self.assertEqual(r["auth"], "token-ok")
        self.assertEqual(r["status"], 200)
        self.assertTrue(r["state_changed"])
        conns = self.good.wait_events("connection", 1)
        self.assertEqual(conns[0]["tls_version"], "TLSv1.2")
        self.assert_no_arena_leak()

    def test_02_stop_works_with_an_rsa_server_certificate(self):
        self.set("endpoint", self.rsa.endpoint())
        line, _ = self.press()
        self.assertRegex(line, r"^RESULT STOPPED\b")
        self.assertIn("RSA", self.rsa.wait_events("connection", 1)[0]["cipher"])

    def test_03_wrong_token_is_auth_failed(self):
        self.set("endpoint", self.good.endpoint())
        self.set("token", "not-the-token")
        line, _ = self.press()
        self.assertRegex(line, r"^RESULT AUTH_FAILED\b.*http=401")
        self.assertIn('code="APIGW.0301"', line)
        self.assertEqual(self.good.puts(2)[-1]["auth"], "token-bad")
        self.set("token", TOKEN)

    def test_04_unknown_record_is_not_found(self):
        self.set("record", h.RECORD_UNKNOWN)
        line, _ = self.press()
        self.assertRegex(line, r"^RESULT NOT_FOUND\b.*http=404")
        self.set("record", h.RECORD_RUNNING)

    def test_05_finished_record_is_rejected(self):
        self.set("record", h.RECORD_FINISHED)
        line, _ = self.press()
        self.assertRegex(line, r"^RESULT REJECTED\b.*http=400")
        self.set("record", h.RECORD_RUNNING)

    def test_06_silent_server_gives_a_result_within_the_deadline(self):
        self.set("endpoint", self.silent.endpoint())
        line, secs = self.press()
        self.assertRegex(line, r"^RESULT UNKNOWN\b")
        m = re.search(r" ms=(\d+)", line)
        self.assertLessEqual(int(m.group(1)), DEADLINE_MS + 1500)
        self.assertLess(secs, DEADLINE_MS / 1000.0 + 5)
        self.assertEqual(len(self.silent.wait_events("request", 1)), 1)
        self.assert_no_arena_leak()

    def test_06a_chunked_answer_one_byte_per_record_is_understood(self):
        self.set("endpoint", self.framing.endpoint())
        line, _ = self.press()
        self.assertRegex(line, r"^RESULT STOPPED\b")

    def test_06b_one_503_with_retry_after_is_retried_and_stops(self):
        self.set("endpoint", self.retry.endpoint())
        line, _ = self.press()
        self.assertRegex(line, r"^RESULT STOPPED\b.*attempts=2")
        reqs = self.retry.puts(2)
        self.assertEqual([r["status"] for r in reqs], [503, 200])
        # The transport's alive hook said the kept connection was still
        # good: the retry went over it, with no second handshake.
        self.assertEqual([r["conn"] for r in reqs], [1, 1])
        self.assertEqual(len(self.retry.events("handshake")), 1)

    def test_06ba_a_kept_connection_the_server_dropped_is_not_reused(self):
        # close_notify + FIN, FIN alone, RST: alive says 0 for each, so the
        # retried PUT goes over a new connection instead of a dead one.
        for style, m in sorted(self.droppers.items()):
            with self.subTest(style=style):
                self.set("endpoint", m.endpoint())
                line, _ = self.press()
                self.assertRegex(line, r"^RESULT STOPPED\b.*attempts=2")
                reqs = m.puts(2)
                self.assertEqual([r["status"] for r in reqs], [503, 200])
                self.assertEqual([r["conn"] for r in reqs], [1, 2])
        self.assert_no_arena_leak()

    def handshake_of_last_stop(self, mock, stops):
        """The mock's handshake event of the connection that carried the
        PUT of stop number `stops` (the /__mock/ control calls from this
        host have handshakes too, so go by the request's connection)."""
        deadline = time.monotonic() + 5
        while True:
            puts = [r for r in mock.events("request") if r.get("method") == "PUT"]
            if len(puts) >= stops or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.assertGreaterEqual(len(puts), stops, puts)
        conn = puts[stops - 1]["conn"]
        hs = [e for e in mock.events("handshake") if e["conn"] == conn]
        self.assertEqual(len(hs), 1, hs)
        return hs[0]

    def test_06d_second_press_resumes_the_tls_session_and_still_stops(self):
        self.set("endpoint", self.resume.endpoint())
        line, _ = self.press()
        self.assertRegex(line, r"^RESULT STOPPED\b")
        self.assertFalse(self.handshake_of_last_stop(self.resume, 1)["session_reused"])
        self.resume.reset()
        line, _ = self.press()
        self.assertRegex(line, r"^RESULT STOPPED\b")
        hs = self.handshake_of_last_stop(self.resume, 2)
        self.assertTrue(hs["session_reused"], hs)
        self.assertEqual(hs["tls_version"], "TLSv1.2")
        self.assert_no_arena_leak()

    def test_06e_a_server_that_forgot_the_session_gets_a_full_handshake(self):
        self.set("endpoint", self.forgetful.endpoint())
        for n in (1, 2, 3):
            with self.subTest(stop=n):
                if n > 1:
                    self.forgetful.reset()
                line, _ = self.press()
                self.assertRegex(line, r"^RESULT STOPPED\b")
                hs = self.handshake_of_last_stop(self.forgetful, n)
                self.assertFalse(hs["session_reused"], hs)
        self.assert_no_arena_leak()

    def test_06f_a_session_is_not_offered_once_the_trusted_ca_changed(self):
        # The session key covers host, port and CA: with another CA the
        # session of `resume` must not be offered (a resumption would skip
        # the certificate check); the full handshake then fails verification.
        self.set("endpoint", self.resume.endpoint())
        self.resume.reset()
        line, _ = self.press()
        self.assertRegex(line, r"^RESULT STOPPED\b")
        with open(os.path.join(self.certs, "untrusted-ca.pem")) as f:
            other_ca = f.read()
        try:
            self.fw.send("ca\n")
            self.fw.expect(r"^OK paste PEM", 5)
            self.fw.send(other_ca.strip() + "\n")
            self.assertEqual(self.fw.expect(r"^(OK ca|ERR).*", 20).group(0), "OK ca")
            n = len(self.resume.events("connection"))
            line, _ = self.press()
            self.assertRegex(line, r"^RESULT NETWORK\b.*transport=-4")
            # Refused in a full handshake: no TLS session came up at all.
            conns = self.resume.wait_events("connection", n + 1)[n:]
            self.assertTrue(conns and not any(c["tls_ok"] for c in conns), conns)
        finally:
            self.provision(self.resume.endpoint())
        self.resume.reset()
        line, _ = self.press()
        self.assertRegex(line, r"^RESULT STOPPED\b")
        self.assertTrue(self.handshake_of_last_stop(self.resume, 4)["session_reused"])

    def test_06c_persistent_503_is_unavailable_within_the_deadline(self):
        self.set("endpoint", self.unavailable.endpoint())
        line, secs = self.press()
        self.assertRegex(line, r"^RESULT UNAVAILABLE\b.*http=503")
        self.assertLess(secs, DEADLINE_MS / 1000.0 + 5)
        self.assert_no_arena_leak()

    # -- certificate checks: refused before any HTTP byte ------------------

    def test_07_certificate_for_another_host_is_refused_before_any_http_byte(self):
        self.set("endpoint", self.wrong.endpoint())
        line, _ = self.press()
        self.assertRegex(line, r"^RESULT NETWORK\b.*transport=-4")
        conns = self.wrong.wait_events("connection", 1)
        self.assertGreaterEqual(len(conns), 1)
        self.assertTrue(all(c["http_bytes"] == 0 for c in conns), conns)
        self.assertEqual(self.wrong.events("request"), [])

    def test_08_untrusted_certificate_is_refused_verification_is_required(self):
        self.set("endpoint", self.untrusted.endpoint())
        line, _ = self.press()
        self.assertRegex(line, r"^RESULT NETWORK\b.*transport=-4")
        conns = self.untrusted.wait_events("connection", 1)
        self.assertTrue(all(c["http_bytes"] == 0 for c in conns), conns)
        self.assertEqual(self.untrusted.events("request"), [])
        self.assert_no_arena_leak()

    # -- lwIP altcp_tls fixes ---------------------------------------------

    def test_09_full_16k_tls_record_is_received(self):
        e = self.edges["record16k"]
        self.set("endpoint", e.endpoint())
        line, secs = self.press()
        self.assertRegex(line, r"^RESULT STOPPED\b")
        self.assertLess(secs, 5)
        self.assertGreater(e.entries()[0]["sent"], 16384)

    def test_10_close_notify_ends_the_stream_while_tcp_stays_open(self):
        e = self.edges["close_notify"]
        self.set("endpoint", e.endpoint())
        line, secs = self.press()
        self.assertRegex(line, r"^RESULT STOPPED\b")
        # The server holds TCP open for 20 s after close_notify.
        self.assertLess(secs, 5)

    def test_11_tls_read_error_fails_at_once(self):
        e = self.edges["bad_record"]
        self.set("endpoint", e.endpoint())
        line, secs = self.press()
        self.assertRegex(line, r"^RESULT UNKNOWN\b.*transport=-3")
        self.assertLess(secs, 5)
        self.assert_no_arena_leak()

    # -- AK/SK signing, before the board is told the time (test 12) -------

    def show(self):
        self.fw.send("show\n")
        m = self.fw.expect(r"^endpoint=.*", 5)
        self.fw.expect(r"^OK show", 5)
        return m.group(0)

    def aksk_requests(self, count):
        return [r for r in self.aksk.wait_events("request", count)
                if r["target"].endswith("/stop")]

    def test_11a_aksk_stop_takes_its_clock_from_the_server_date(self):
        self.set("endpoint", self.aksk.endpoint())
        self.set("record", h.RECORD_RUNNING)
        self.assertEqual(self.fw.cmd("set ak " + AK), "OK ak")
        self.assertEqual(self.fw.cmd("set sk " + SK), "OK sk")
        self.assertIn(" auth=aksk ", self.show())
        first = len(self.fw.lines)
        line, secs = self.press()
        self.assertRegex(line, r"^RESULT STOPPED\b.*attempts=2\b")
        self.assertLess(secs, DEADLINE_MS / 1000.0)
        # The board has no wall clock: it signed with its uptime (1970), the
        # gateway refused the time, and the board took the server's.
        clock = [l for l in self.fw.lines[first:] if l.startswith("CLOCK offset ")]
        self.assertEqual(len(clock), 1, self.fw.lines[first:])
        offset = int(clock[0].split()[2])
        self.assertLessEqual(abs(offset - time.time()), 600)
        expired, ok = self.aksk_requests(2)
        self.assertEqual((expired["auth"], expired["status"]), ("aksk-expired", 401))
        self.assertTrue(expired["headers"]["x-sdk-date"].startswith("1970"))
        self.assertEqual((ok["auth"], ok["status"]), ("aksk-ok", 200))
        self.assertEqual(ok["target"], "/v2/tasks/%s/records/%s/stop" % (h.TASK_ID, h.RECORD_RUNNING))
        self.assertTrue(ok["headers"]["authorization"].startswith(
            "SDK-HMAC-SHA256 Access=%s, SignedHeaders=content-type;host;x-sdk-date, Signature=" % AK))
        self.assertNotIn("x-auth-token", ok["headers"])
        sent = calendar.timegm(time.strptime(ok["headers"]["x-sdk-date"], "%Y%m%dT%H%M%SZ"))
        self.assertLessEqual(abs(sent - time.time()), 60)
        self.assertTrue(ok["state_changed"])
        self.assert_no_arena_leak()

    def test_11b_next_aksk_stop_signs_right_the_first_time(self):
        # The record stopped by 11a runs again; the board keeps the clock
        # offset it learnt there, so one signed request is enough.
        self.aksk.reset()
        first = len(self.fw.lines)
        line, _ = self.press()
        self.assertRegex(line, r"^RESULT STOPPED\b.*http=200.*attempts=1\b")
        self.assertFalse(any(l.startswith("CLOCK") for l in self.fw.lines[first:]))
        reqs = self.aksk_requests(3)
        self.assertEqual(len(reqs), 3)
        self.assertEqual((reqs[2]["auth"], reqs[2]["status"]), ("aksk-ok", 200))
        self.assertEqual(reqs[2]["target"],
                         "/v2/tasks/%s/records/%s/stop" % (h.TASK_ID, h.RECORD_RUNNING))
        self.assertTrue(reqs[2]["state_changed"])

    def test_11c_wrong_secret_key_is_auth_failed_and_sent_once(self):
        self.assertEqual(self.fw.cmd("set sk " + WRONG_SK), "OK sk")
        line, _ = self.press()
        self.assertRegex(line, r"^RESULT AUTH_FAILED\b.*http=401.*attempts=1\b")
        self.assertIn('code="APIGW.0301"', line)
        time.sleep(0.5)
        reqs = self.aksk_requests(4)
        self.assertEqual(len(reqs), 4)
        self.assertEqual(reqs[3]["auth"], "aksk-bad-signature")
        self.assertEqual(self.fw.cmd("set sk " + SK), "OK sk")

    def test_11d_bad_keys_are_refused_and_the_secret_never_shown(self):
        r = self.fw.cmd("set ak not-an-ak!")
        self.assertTrue(r.startswith("ERR ak"), r)
        r = self.fw.cmd("set sk " + "s" * 129)
        self.assertTrue(r.startswith("ERR sk"), r)
        shown = self.show()
        self.assertIn("ak=<20 chars> sk=<redacted 40 chars>", shown)
        console = "\n".join(self.fw.lines)
        for secret in (SK, WRONG_SK, SK[:12], WRONG_SK[:12]):
            self.assertNotIn(secret, console)

    def test_11e_auth_switches_back_to_the_token(self):
        self.assertEqual(self.fw.cmd("set auth token"), "OK auth")
        self.assertIn(" auth=token ", self.show())
        self.assertTrue(self.fw.cmd("set auth nonsense").startswith("ERR auth"))

    # -- validity dates: checked once the board knows the time ------------

    def test_12_expired_certificate_is_refused_when_the_clock_is_set(self):
        self.set("endpoint", self.good.endpoint())
        self.set("time", str(4102444800))  # 2100-01-01: the test certs have expired
        line, _ = self.press()
        self.assertRegex(line, r"^RESULT NETWORK\b.*transport=-4.*verify=0x00000001")

    def test_13_not_yet_valid_certificate_is_refused_when_the_clock_is_set(self):
        self.set("time", str(946684800))  # 2000-01-01
        line, _ = self.press()
        self.assertRegex(line, r"^RESULT NETWORK\b.*transport=-4.*verify=0x00000200")

    def test_14_valid_dates_pass_with_the_clock_set(self):
        self.set("time", str(int(time.time())))
        self.fw.cmd("set record " + h.RECORD_RUNNING)
        line, _ = self.press()
        # The record was stopped by test 01: the server refuses a second stop.
        self.assertRegex(line, r"^RESULT REJECTED\b.*http=400")

    def test_14a_aksk_with_a_wrong_wall_clock_is_corrected_from_the_date_too(self):
        # Setting the time forgets the offset learnt in 11a: the board signs
        # an hour ahead (the certificates are still valid), is refused once,
        # and learns -3600 s.
        self.aksk.reset()
        before = len(self.aksk_requests(0))
        self.set("endpoint", self.aksk.endpoint())
        self.assertEqual(self.fw.cmd("set auth aksk"), "OK auth")
        self.set("time", str(int(time.time()) + 3600))
        first = len(self.fw.lines)
        line, _ = self.press()
        self.assertRegex(line, r"^RESULT STOPPED\b.*attempts=2\b")
        clock = [l for l in self.fw.lines[first:] if l.startswith("CLOCK offset ")]
        self.assertEqual(len(clock), 1, self.fw.lines[first:])
        self.assertLessEqual(abs(int(clock[0].split()[2]) + 3600), 60)
        reqs = self.aksk_requests(before + 2)[before:]
        self.assertEqual([(r["auth"], r["status"]) for r in reqs],
                         [("aksk-expired", 401), ("aksk-ok", 200)])
        ahead = calendar.timegm(time.strptime(reqs[0]["headers"]["x-sdk-date"], "%Y%m%dT%H%M%SZ"))
        self.assertLessEqual(abs(ahead - time.time() - 3600), 60)
        self.assertEqual(self.fw.cmd("set auth token"), "OK auth")
        self.set("time", str(int(time.time())))
        self.set("endpoint", self.good.endpoint())

    # -- the button and the console ---------------------------------------

    def test_15_short_press_does_not_fire(self):
        before = len(self.good.events("request"))
        time.sleep(0.2)
        self.assertTrue(self.fw.cmd("press 150").startswith("OK"))
        self.fw.expect(r"^STATE HOLDING$", 5)
        self.fw.expect(r"^HOLD released after \d+ ms: not fired", 5)
        self.fw.expect(r"^STATE DONE$", 5)
        time.sleep(0.5)
        self.assertEqual(len(self.good.events("request")), before)
        self.assertFalse(any(l.startswith("STATE STOPPING") for l in self.fw.lines[-4:]))

    def test_16_show_redacts_the_token(self):
        self.fw.send("show\n")
        m = self.fw.expect(r"^endpoint=.*", 5)
        self.fw.expect(r"^OK show", 5)
        self.assertIn("token=<redacted 20000 chars>", m.group(0))
        self.assertNotIn(TOKEN[:40], "\n".join(self.fw.lines))

    def test_17_token_over_20000_chars_is_refused(self):
        r = self.fw.cmd("set token " + "A" * 20001, timeout=60)
        self.assertTrue(r.startswith("ERR token"), r)
        self.fw.send("show\n")
        m = self.fw.expect(r"^endpoint=.*", 5)
        self.fw.expect(r"^OK show", 5)
        self.assertIn("token=<redacted 0 chars>", m.group(0))

    def test_17a_bad_ids_are_refused_and_the_old_ones_kept(self):
        r = self.fw.cmd("set task e700f159656942539405029112")
        self.assertTrue(r.startswith("ERR id"), r)
        r = self.fw.cmd("set record 2c82ffe8d00d4968a4e5f7a36d87ae1!")
        self.assertTrue(r.startswith("ERR id"), r)
        self.fw.send("show\n")
        m = self.fw.expect(r"^endpoint=.*", 5)
        self.fw.expect(r"^OK show", 5)
        self.assertIn('task="%s"' % h.TASK_ID, m.group(0))

    def test_17c_bad_endpoints_are_refused_and_the_old_one_kept(self):
        self.set("endpoint", self.good.endpoint() + "/")
        for bad in ("https://10.0.2.2:0", "https://10.0.2.2:65536", "https://10.0.2.2:44x",
                    "https://host/v2", "https://bad_host", "https://" + "a" * 254, "https://"):
            r = self.fw.cmd("set endpoint " + bad)
            self.assertTrue(r.startswith("ERR endpoint"), (bad, r))
        self.assertIn('endpoint="%s" ' % self.good.endpoint(), self.show())
        self.assertEqual(self.fw.cmd("set endpoint 10.0.2.2:%d" % self.good.port), "OK endpoint")
        self.assertIn('endpoint="%s" ' % self.good.endpoint(), self.show())

    def test_17b_pasted_garbage_is_refused_and_the_old_ca_kept(self):
        before = self.show_value("ca")
        self.assertGreater(int(before), 0)
        self.fw.send("ca\n")
        self.fw.expect(r"^OK paste PEM", 5)
        self.fw.send("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n"
                     "-----END CERTIFICATE-----\n")
        r = self.fw.expect(r"^(OK|ERR).*", 10).group(0)
        self.assertEqual(r, "ERR ca: not a certificate (old CA kept)")
        self.assertEqual(self.show_value("ca"), before)
        # A line over the limit ends the paste the same way.
        self.fw.send("ca\n")
        self.fw.expect(r"^OK paste PEM", 5)
        self.fw.send("-----BEGIN CERTIFICATE-----\n" + "A" * 400 + "\n")
        r = self.fw.expect(r"^(OK|ERR).*", 10).group(0)
        self.assertEqual(r, "ERR ca: line too long (320 characters at most) (old CA kept)")
        self.assertEqual(self.show_value("ca"), before)
        self.assertEqual(self.fw.stats()["arena_in_use"], "0")
        # The kept CA still verifies the server: the stop reaches HTTP (the
        # record was stopped already, so the server refuses it: 400).
        self.set("endpoint", self.good.endpoint())
        self.set("token", TOKEN)  # test 17 cleared it
        line, _ = self.press()
        self.assertRegex(line, r"^RESULT REJECTED\b.*http=400")
        # A CA pasted with CRLF line ends is taken.
        self.fw.send("ca\n")
        self.fw.expect(r"^OK paste PEM", 5)
        self.fw.send(self.ca.strip().replace("\n", "\r\n") + "\r\n")
        self.assertEqual(self.fw.expect(r"^(OK|ERR).*", 10).group(0), "OK ca")
        self.assertEqual(self.show_value("ca"), before)

    # -- the console as a careless user meets it --------------------------

    def show_value(self, key):
        m = re.search(r"\b%s=(\S+)" % key, self.show())
        self.assertIsNotNone(m, key)
        return m.group(1)

    def answer(self, raw, timeout=10):
        """Send raw bytes (a line with its end); return the OK/ERR line."""
        self.fw.send(raw)
        return self.fw.expect(r"^(OK|ERR)\b.*", timeout).group(0)

    def test_17d_a_nul_inside_a_line_refuses_the_whole_line(self):
        self.assertEqual(self.answer("set task %s\0junk\n" % h.RECORD_UNKNOWN),
                         "ERR line refused: it holds a NUL byte")
        self.assertEqual(self.show_value("task"), '"%s"' % h.TASK_ID)
        self.assertEqual(self.answer("set record %s\0\n" % h.RECORD_UNKNOWN),
                         "ERR line refused: it holds a NUL byte")
        self.assertEqual(self.show_value("record"), '"%s"' % h.RECORD_RUNNING)
        # The next line is read afresh.
        self.assertEqual(self.fw.cmd("set record " + h.RECORD_RUNNING), "OK record")

    def test_17e_a_cr_inside_a_token_refuses_and_clears_it_crlf_still_ends_lines(self):
        # CRLF line ends: the CR right before LF is the line end.
        self.assertEqual(self.answer("set record %s\r\n" % h.RECORD_RUNNING), "OK record")
        self.assertEqual(self.answer("set token %s\r\n" % TOKEN, 60), "OK token (20000 chars)")
        # A CR anywhere else is refused instead of dropped: dropping it
        # would store another token than the one pasted.
        r = self.answer("set token %s\r%s\n" % (TOKEN[:9000], TOKEN[9000:]), 60)
        self.assertEqual(r, "ERR token refused: a NUL, or a CR not right before the LF, "
                            "inside it; token cleared")
        self.assertIn("token=<redacted 0 chars>", self.show())
        # With the token cleared a press sends nothing.
        before = len(self.good.events("request"))
        line, _ = self.press()
        self.assertRegex(line, r"^RESULT INVALID_INPUT\b.*attempts=0\b")
        time.sleep(0.3)
        self.assertEqual(len(self.good.events("request")), before)
        # In an ordinary line too, and a CR CR LF is a CR inside.
        for raw in ("set record %s\rX\n" % h.RECORD_UNKNOWN, "set record %s\r\r\n" % h.RECORD_UNKNOWN):
            self.assertEqual(self.answer(raw),
                             "ERR line refused: a CR inside it (CR only right before LF)")
        self.assertEqual(self.show_value("record"), '"%s"' % h.RECORD_RUNNING)
        self.assertEqual(self.answer("set token %s\r\n" % TOKEN, 60), "OK token (20000 chars)")
        self.assertIn("token=<redacted 20000 chars>", self.show())

    def test_17f_plain_http_endpoint_is_accepted_only_by_the_test_image(self):
        self.fw.send("help\n")
        self.fw.expect(r"^test image: http:// endpoints allowed, pastes abandoned after 3000 ms idle; ", 5)
        self.fw.expect(r"^OK help", 5)
        self.assertEqual(self.fw.cmd("set endpoint http://%s:8080" % h.GUEST_HOST_IP), "OK endpoint")
        self.assertIn('endpoint="http://%s:8080" ' % h.GUEST_HOST_IP, self.show())
        self.set("endpoint", self.good.endpoint())
        self.assertIn('endpoint="%s" ' % self.good.endpoint(), self.show())

    def test_17g_a_line_of_exactly_320_characters_is_read_321_is_too_long(self):
        at_limit = "set task " + "a" * 311
        self.assertEqual(len(at_limit), 320)
        self.assertEqual(self.fw.cmd(at_limit), "ERR id must be 32 letters or digits")
        self.assertEqual(self.answer(at_limit + "\r\n"), "ERR id must be 32 letters or digits")
        self.assertEqual(self.fw.cmd(at_limit + "a"), "ERR line too long (320 characters at most)")
        self.assertEqual(self.fw.cmd("set task " + "a" * 2000),
                         "ERR line too long (320 characters at most)")
        self.assertEqual(self.show_value("task"), '"%s"' % h.TASK_ID)

    def test_17h_numeric_settings_are_refused_outside_their_bounds(self):
        for name, lo, hi in (("hold", 100, 60000), ("deadline", 1000, 600000),
                             ("time", 946684800, 4294967295)):
            msg = "ERR %s must be %d..%d" % (name, lo, hi)
            for bad in (0, lo - 1, hi + 1, 4294967295, 4294967296, 99999999999999999999,
                        "-1", "+5", "1 2", "0x10", ""):
                if bad == hi == 4294967295:
                    continue
                with self.subTest(name=name, value=bad):
                    self.assertEqual(self.fw.cmd("set %s %s" % (name, bad)), msg)
        self.assertEqual(self.show_value("hold_ms"), "300")
        self.assertEqual(self.show_value("deadline_ms"), "8000")
        for name, lo, hi in (("hold", 100, 60000), ("deadline", 1000, 600000)):
            for v in (lo, hi):
                self.assertEqual(self.fw.cmd("set %s %d" % (name, v)), "OK " + name)
                self.assertEqual(self.show_value(name + "_ms"), str(v))
        self.set("hold", 300)
        self.set("deadline", DEADLINE_MS)
        # The clock: both ends of its range are taken.
        for v in (946684800, 4294967295):
            self.assertEqual(self.fw.cmd("set time %d" % v), "OK time")
            self.assertLessEqual(int(self.show_value("clock")) - v, 2)
        self.set("time", int(time.time()))
        for port in ("0", "65536", "4294967295", "4294967296"):
            self.assertEqual(self.fw.cmd("set endpoint https://%s:%s" % (h.GUEST_HOST_IP, port)),
                             "ERR endpoint port must be 1..65535")
        self.assertIn('endpoint="%s" ' % self.good.endpoint(), self.show())
        for v in ("0", "600001", "4294967295", "4294967296"):
            self.assertEqual(self.fw.cmd("press " + v), "ERR press must be 1..600000")
        for v in ("256", "4294967295", "4294967296"):
            self.assertEqual(self.fw.cmd("exit " + v), "ERR exit must be 0..255")
        self.assertIn("state=DONE", self.show())

    def test_17i_a_paste_without_its_end_is_abandoned_after_the_idle_time(self):
        # A token paste that never gets its newline: after 3 s (30 s in the
        # shipped image) the token is cleared and the console reads commands
        # again.
        self.fw.send("set token " + TOKEN[:500])
        t0 = time.monotonic()
        r = self.fw.expect(r"^(OK|ERR)\b.*", 10).group(0)
        self.assertEqual(r, "ERR token: paste ended without a newline; token cleared")
        self.assertGreaterEqual(time.monotonic() - t0, 2.5)
        self.assertIn("token=<redacted 0 chars>", self.show())
        # A CA paste without its END line: the old CA stays.
        ca_before = self.show_value("ca")
        self.fw.send("ca\n")
        self.fw.expect(r"^OK paste PEM", 5)
        self.fw.send(self.ca.strip().split("\n")[0] + "\n")
        r = self.fw.expect(r"^(OK|ERR)\b.*", 10).group(0)
        self.assertEqual(r, "ERR ca: paste ended without -----END CERTIFICATE----- (old CA kept)")
        self.assertEqual(self.show_value("ca"), ca_before)
        self.assertEqual(self.fw.stats()["arena_in_use"], "0")
        self.assertEqual(self.fw.cmd("set token " + TOKEN, 60), "OK token (20000 chars)")

    def test_18_stack_and_arena_stay_within_their_budgets(self):
        st = self.fw.stats()
        self.assertLess(int(st["stack_peak"]), int(st["stack_size"]))
        self.assertLess(int(st["arena_peak"]), int(st["arena_size"]))
        self.assertEqual(st["arena_in_use"], "0")
        with open(os.path.join(WORK, "stats.json"), "w") as f:
            json.dump(st, f)

    def test_19_no_secret_anywhere_in_the_serial_transcript(self):
        # Last: everything the board printed since boot, every stop and
        # every command included. The AK is not secret, so it may appear.
        self.fw.send("help\n")
        self.fw.expect(r"^auth: the credential set last is used .*set auth token\|aksk", 5)
        self.fw.expect(r"^OK help", 5)
        transcript = "\n".join(self.fw.lines)
        self.assertIn("RESULT STOPPED", transcript)
        for secret in (SK, WRONG_SK, SK[-16:], WRONG_SK[-16:], TOKEN[:40], TOKEN[-40:]):
            self.assertNotIn(secret, transcript)


class ShippedImageTest(unittest.TestCase):
    """The image `make firmware` ships (FW_SHIPPED_ELF): the console refuses
    a plain http:// endpoint there. Skipped when the variable is not set."""

    def test_shipped_image_refuses_a_plain_http_endpoint(self):
        elf = os.environ.get("FW_SHIPPED_ELF")
        if not elf:
            self.skipTest("FW_SHIPPED_ELF not set")
        fw = h.Firmware(elf, max_seconds=60, flash_dir=os.path.join(WORK, "flash-shipped"),
                        fresh_flash=True)
        try:
            fw.expect(r"^STATE (NETWORK|READY|NOT_READY)", 30)
            r = fw.cmd("set endpoint http://%s:8080" % h.GUEST_HOST_IP)
            self.assertEqual(r, "ERR endpoint http:// refused: plain HTTP would send the token "
                                "in clear (use https://)")
            fw.send("show\n")
            self.assertIn('endpoint="" ', fw.expect(r"^endpoint=.*", 5).group(0))
            fw.expect(r"^OK show", 5)
            self.assertEqual(fw.cmd("set endpoint https://%s:8443" % h.GUEST_HOST_IP), "OK endpoint")
            fw.send("help\n")
            fw.expect(r"^OK help", 5)
            self.assertFalse(any(l.startswith("test image") for l in fw.lines), fw.lines)
        finally:
            fw.exit()
            fw.kill()


if __name__ == "__main__":
    ELF, WORK = sys.argv[1], os.path.abspath(sys.argv[2])
    os.makedirs(WORK, exist_ok=True)
    # Extra arguments select tests (test_01 provisions the device: keep it).
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[3:], failfast=False)
