"""End-to-end: build/deploystop against the mock CodeArts Deploy server.

Run: python3 -m unittest discover -s tests/e2e -p 'test_*.py'
(`make e2e` does it with DEPLOYSTOP_BIN and E2E_WORK set.)
"""
import json
import os
import shutil
import socket
import ssl
import subprocess
import threading
import time
import unittest

from e2e_support import (CLI, RECORD_FINISHED, RECORD_RUNNING, TASK_ID, TOKEN,
                         UNKNOWN_ID, WORK, Mock, StalledListener, certs, closed_port,
                         run_cli, sha256_hex, stop_args, write_token_file)


class CliCase(unittest.TestCase):
    """Checks every run for the one promise that holds everywhere."""

    def run_ok(self, *a, **kw):
        r = run_cli(*a, **kw)
        tok = kw.get("token", TOKEN)
        if tok:
            self.assertNotIn(tok, r.stdout)
            self.assertNotIn(tok, r.stderr)
        return r

    def assertOneLine(self, text):
        self.assertEqual(len(text.strip("\n").split("\n")), 1, repr(text))


class SharedMockCase(CliCase):
    """One mock for the class, reset (records and faults) before each test."""

    mock_args = {}

    @classmethod
    def setUpClass(cls):
        cls.mock = Mock(**cls.mock_args)

    @classmethod
    def tearDownClass(cls):
        cls.mock.stop()

    def setUp(self):
        self.mock.reset()

    def stop(self, record=RECORD_RUNNING, task=TASK_ID, extra=(), **kw):
        return self.run_ok(stop_args(self.mock, task=task, record=record,
                                     extra=extra), **kw)

    def stop_requests(self):
        return [e for e in self.mock.api_requests() if e.get("method") == "PUT"]


class HelpAndVersion(CliCase):
    def test_help_prints_synopsis_and_exit_codes_on_stdout(self):
        r = self.run_ok(["--help"])
        self.assertEqual(r.code, 0)
        self.assertIn("deploystop stop   (--endpoint https://HOST[:PORT] | --region REGION)",
                      r.stdout)
        self.assertIn("(--record RECORD_ID | --project PROJECT_ID) [--wait SECONDS]",
                      r.stdout)
        self.assertIn("deploystop status (--endpoint URL | --region REGION) --task TASK_ID",
                      r.stdout)
        self.assertIn("8 request sent but outcome unknown", r.stdout)

    def test_version_names_the_version(self):
        r = self.run_ok(["--version"])
        self.assertEqual(r.code, 0)
        self.assertRegex(r.stdout, r"^deploystop \d+\.\d+\.\d+ ")

    def test_no_arguments_is_a_usage_error(self):
        r = self.run_ok([])
        self.assertEqual(r.code, 2)
        self.assertOneLine(r.stderr)


class InvalidInputNeverConnects(CliCase):
    """Every local rejection exits 2 and the mock sees no connection at all."""

    @classmethod
    def setUpClass(cls):
        cls.mock = Mock()

    @classmethod
    def tearDownClass(cls):
        cls.mock.stop()

    def tearDown(self):
        # The mock logs a connection when it closes; give a stray one time.
        time.sleep(0.2)
        self.assertEqual(self.mock.events("connection"), [])
        self.assertEqual(self.mock.events("request"), [])

    def expect_invalid(self, args, **kw):
        r = self.run_ok(args, **kw)
        self.assertEqual(r.code, 2, r.stderr)
        self.assertOneLine(r.stderr)
        self.assertEqual(r.stdout, "")
        return r

    def test_task_id_of_wrong_length(self):
        r = self.expect_invalid(stop_args(self.mock, task="e700f159"))
        self.assertIn("--task", r.stderr)

    def test_record_id_with_a_slash(self):
        self.expect_invalid(stop_args(self.mock, record="2c82ffe8d00d4968a4e5f7a36d87ae1/"))

    def test_plain_http_endpoint_is_refused(self):
        r = self.expect_invalid(["stop", "--endpoint", "http://127.0.0.1:%d" % self.mock.port,
                                 "--task", TASK_ID, "--record", RECORD_RUNNING])
        self.assertIn("http://", r.stderr)

    def test_endpoint_with_a_path_is_refused(self):
        self.expect_invalid(["stop", "--endpoint", self.mock.endpoint + "/v2",
                             "--task", TASK_ID, "--record", RECORD_RUNNING])

    def test_endpoint_with_user_info_is_refused(self):
        self.expect_invalid(["stop", "--endpoint",
                             "https://u:p@127.0.0.1:%d" % self.mock.port,
                             "--task", TASK_ID, "--record", RECORD_RUNNING])

    def test_missing_token_is_refused(self):
        r = self.expect_invalid(stop_args(self.mock), token=None)
        self.assertIn("DEPLOYSTOP_TOKEN", r.stderr)

    def test_token_with_a_space_is_refused(self):
        self.expect_invalid(stop_args(self.mock), token="abc def")

    def test_token_file_with_two_lines_is_refused(self):
        f = write_token_file("two-lines.token", TOKEN + "\nsecond\n")
        self.expect_invalid(stop_args(self.mock), token_file=f)

    def test_empty_token_file_is_refused(self):
        f = write_token_file("empty.token", "\n")
        self.expect_invalid(stop_args(self.mock), token_file=f)

    def test_token_over_20000_characters_is_refused(self):
        self.expect_invalid(stop_args(self.mock), token="t" * 20001)

    def test_missing_token_file_is_refused(self):
        self.expect_invalid(stop_args(self.mock),
                            token_file=os.path.join(certs(), "no-such.token"))

    def test_unreadable_ca_file_is_refused(self):
        self.expect_invalid(["stop", "--endpoint", self.mock.endpoint, "--task", TASK_ID,
                             "--record", RECORD_RUNNING, "--ca-file", "/nonexistent.pem"])

    def test_unknown_option_is_refused(self):
        self.expect_invalid(stop_args(self.mock, extra=["--insecure"]))

    def test_bad_timeout_is_refused(self):
        self.expect_invalid(stop_args(self.mock, extra=["--timeout", "-1"]))

    def test_too_many_retries_is_refused(self):
        self.expect_invalid(stop_args(self.mock, extra=["--retries", "11"]))

    def test_unknown_region_is_refused(self):
        self.expect_invalid(["stop", "--region", "xx-nowhere-1", "--task", TASK_ID,
                             "--record", RECORD_RUNNING])

    def test_endpoint_and_region_together_are_refused(self):
        self.expect_invalid(stop_args(self.mock, extra=["--region", "cn-north-4"]))

    def test_json_mode_reports_a_bad_command_line_as_an_object(self):
        r = self.run_ok(["stop", "--json", "--task", TASK_ID])
        self.assertEqual(r.code, 2)
        obj = json.loads(r.stdout)
        self.assertEqual(obj["outcome"], "INVALID_INPUT")
        self.assertIsNone(obj["record_id"])

    def test_json_mode_reports_invalid_input_as_an_object(self):
        r = self.run_ok(stop_args(self.mock, task="short", extra=["--json"]))
        self.assertEqual(r.code, 2)
        obj = json.loads(r.stdout)
        self.assertEqual(obj["outcome"], "INVALID_INPUT")
        self.assertEqual(obj["http_status"], 0)


class NonRegularFilesAreRefusedAtOnce(CliCase):
    """A FIFO with no writer or a directory given where a file is expected:
    exit 2 with "not a regular file", quickly (a blocking open() would run
    into the subprocess timeout), and the mock sees no connection."""

    QUICK = 5  # seconds; a run that blocks fails with TimeoutExpired

    @classmethod
    def setUpClass(cls):
        cls.mock = Mock()
        cls.dir = os.path.join(WORK, "non-regular")
        shutil.rmtree(cls.dir, ignore_errors=True)
        os.makedirs(os.path.join(cls.dir, "a-directory"))
        os.mkfifo(os.path.join(cls.dir, "a-fifo"), 0o600)  # nobody ever writes

    @classmethod
    def tearDownClass(cls):
        cls.mock.stop()

    def tearDown(self):
        time.sleep(0.2)  # a stray connection is logged when it closes
        self.assertEqual(self.mock.events("connection"), [])
        self.assertEqual(self.mock.events("request"), [])

    def path(self, kind):
        return os.path.join(self.dir, "a-fifo" if kind == "fifo" else "a-directory")

    def expect_refused(self, args, **kw):
        r = self.run_ok(args, timeout=self.QUICK, **kw)
        self.assertEqual(r.code, 2, r.stderr)
        self.assertIn("not a regular file", r.stderr)
        self.assertNotIn("Memory allocation failed", r.stderr)
        self.assertLess(r.seconds, self.QUICK)
        return r

    def stop_with(self, option, kind, **kw):
        args = ["stop", "--endpoint", self.mock.endpoint, "--task", TASK_ID,
                "--record", RECORD_RUNNING]
        if option != "--ca-file":
            args += ["--ca-file", os.path.join(certs(), "ca.pem")]
        return self.expect_refused(args + [option, self.path(kind)], **kw)

    def token_with(self, option, kind):
        args = ["token", "--iam-endpoint", self.mock.endpoint, "--user", "u",
                "--domain", "d", "--project", "cn-north-4"]
        args += ["--ca-file", self.path(kind)] if option == "--ca-file" else \
                ["--ca-file", os.path.join(certs(), "ca.pem")]
        args += ["--out", self.path(kind)] if option == "--out" else \
                ["--out", os.path.join(self.dir, "token-out")]
        return self.expect_refused(args, token=None,
                                   env_extra={"DEPLOYSTOP_PASSWORD": "pw"})

    def test_token_file_fifo(self):
        self.stop_with("--token-file", "fifo", token=None)

    def test_token_file_directory(self):
        self.stop_with("--token-file", "dir", token=None)

    def test_ca_file_fifo(self):
        self.stop_with("--ca-file", "fifo")

    def test_ca_file_directory(self):
        self.stop_with("--ca-file", "dir")

    def test_ca_file_fifo_json(self):
        r = self.expect_refused(["stop", "--json", "--endpoint", self.mock.endpoint,
                                 "--task", TASK_ID, "--record", RECORD_RUNNING,
                                 "--ca-file", self.path("fifo")])
        obj = json.loads(r.stdout)
        self.assertEqual(obj["outcome"], "INVALID_INPUT")
        self.assertIn("not a regular file", obj["reason"])

    def test_credentials_fifo(self):
        self.stop_with("--credentials", "fifo", token=None)

    def test_credentials_directory(self):
        self.stop_with("--credentials", "dir", token=None)

    def test_token_command_ca_file_fifo(self):
        self.token_with("--ca-file", "fifo")

    def test_token_command_ca_file_directory(self):
        self.token_with("--ca-file", "dir")

    def test_token_command_out_fifo(self):
        self.token_with("--out", "fifo")

    def test_token_command_out_directory(self):
        self.token_with("--out", "dir")

    def test_symlink_to_a_regular_file_is_read(self):
        # A two-line token, so the run stops at the token's content: proof
        # the file behind the link passed the check and was read.
        f = write_token_file("via-link.token", TOKEN + "\nsecond\n")
        link = os.path.join(self.dir, "link.token")
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(f, link)
        r = self.run_ok(stop_args(self.mock), token=None, token_file=link,
                        timeout=self.QUICK)
        self.assertEqual(r.code, 2, r.stderr)
        self.assertNotIn("regular file", r.stderr)
        self.assertIn("holds characters", r.stderr)


class ExitStatuses(SharedMockCase):
    """One run per exit status the server can cause (2 and 7 elsewhere)."""

    def test_0_running_record_is_stopped_and_named_on_stdout(self):
        r = self.stop()
        self.assertEqual(r.code, 0, r.stderr)
        self.assertOneLine(r.stdout)
        self.assertIn(RECORD_RUNNING, r.stdout)
        self.assertIn(TASK_ID, r.stdout)
        self.assertEqual(r.stderr, "")
        self.assertEqual(self.mock.record_state(RECORD_RUNNING), "abort")
        req = self.stop_requests()[0]
        self.assertEqual(req["path"], "/v2/tasks/%s/records/%s/stop"
                         % (TASK_ID, RECORD_RUNNING))
        self.assertEqual(req["body"], "{}")
        self.assertEqual(req["auth"], "token-ok")
        self.assertIn(req["request_id"], r.stdout)

    def test_3_bad_token_is_an_authentication_failure(self):
        r = self.stop(token="not-the-right-token")
        self.assertEqual(r.code, 3)
        self.assertOneLine(r.stderr)
        self.assertIn("http_status=401", r.stderr)
        self.assertIn("APIGW.0301", r.stderr)
        self.assertIn("token expires", r.stderr)
        rid = self.stop_requests()[0]["request_id"]
        self.assertIn(rid, r.stderr)
        self.assertEqual(len(self.stop_requests()), 1, "401 must not be retried")

    def test_3_forbidden_is_a_permission_failure(self):
        self.mock.set_faults(["status:403"])
        r = self.stop()
        self.assertEqual(r.code, 3)
        self.assertIn("Deploy.00011154", r.stderr)

    def test_4_unknown_record_is_not_found(self):
        r = self.stop(record=UNKNOWN_ID)
        self.assertEqual(r.code, 4)
        self.assertIn("http_status=404", r.stderr)
        self.assertIn("Deploy.00011303", r.stderr)

    def test_4_unknown_task_is_not_found(self):
        r = self.stop(task=UNKNOWN_ID)
        self.assertEqual(r.code, 4)
        self.assertIn("Deploy.00011020", r.stderr)

    def test_5_finished_record_is_rejected(self):
        r = self.stop(record=RECORD_FINISHED)
        self.assertEqual(r.code, 5)
        self.assertIn("http_status=400", r.stderr)
        self.assertIn("Deploy.00011304", r.stderr)
        self.assertEqual(self.mock.record_state(RECORD_FINISHED), "succeeded")

    def test_5_http_200_with_status_error_is_rejected(self):
        self.mock.set_faults(["status_error_200"])
        r = self.stop()
        self.assertEqual(r.code, 5)
        self.assertIn("http_status=200", r.stderr)
        self.assertIn("Deploy.00011027", r.stderr)

    def test_6_server_error_after_retries_is_unavailable(self):
        self.mock.set_faults(["status:503"])
        r = self.stop(extra=["--retries", "1", "--timeout", "20"])
        self.assertEqual(r.code, 6)
        self.assertIn("http_status=503", r.stderr)
        self.assertEqual(len(self.stop_requests()), 2)

    def test_6_throttling_honours_retry_after(self):
        self.mock.set_faults(["status:429", "retry_after:1"])
        r = self.stop(extra=["--retries", "1", "--timeout", "20"])
        self.assertEqual(r.code, 6)
        self.assertIn("APIG.0308", r.stderr)
        reqs = self.stop_requests()
        self.assertEqual(len(reqs), 2)
        self.assertGreaterEqual(r.seconds, 1.0)

    def test_6_no_retry_when_retries_is_zero(self):
        self.mock.set_faults(["status:500"])
        r = self.stop(extra=["--retries", "0"])
        self.assertEqual(r.code, 6)
        self.assertEqual(len(self.stop_requests()), 1)

    def test_8_silent_server_is_outcome_unknown_within_the_deadline(self):
        self.mock.set_faults(["silence"])
        r = self.stop(extra=["--timeout", "2"])
        self.assertEqual(r.code, 8)
        self.assertLess(r.seconds, 4.0)
        self.assertEqual(len(self.stop_requests()), 1, "a sent stop is never retried")


class RetriesHonoured(SharedMockCase):
    def test_one_503_then_success_stops_with_two_requests(self):
        self.mock.set_faults(["status:503", "fail_times:1"])
        r = self.stop(extra=["--retries", "2", "--timeout", "20"])
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(len(self.stop_requests()), 2)
        self.assertEqual(self.mock.record_state(RECORD_RUNNING), "abort")


class FaultSwitches(SharedMockCase):
    """Every fault switch of the mock, one test each."""

    def test_byte_at_a_time_answer_still_stops(self):
        self.mock.set_faults(["byte_at_a_time"])
        self.assertEqual(self.stop().code, 0)

    def test_chunked_answer_still_stops(self):
        self.mock.set_faults(["chunked"])
        self.assertEqual(self.stop().code, 0)

    def test_body_until_close_still_stops(self):
        self.mock.set_faults(["no_length"])
        self.assertEqual(self.stop().code, 0)

    def test_short_delay_within_the_deadline_still_stops(self):
        self.mock.set_faults(["delay:0.5"])
        r = self.stop()
        self.assertEqual(r.code, 0)
        self.assertGreaterEqual(r.seconds, 0.5)

    def test_delay_past_the_deadline_is_unknown(self):
        # A private mock: its delayed handler would otherwise stop the shared
        # mock's record seconds later, in the middle of another test.
        m = Mock(faults=["delay:4"])
        try:
            r = self.run_ok(stop_args(m, extra=["--timeout", "1.5"]))
            self.assertEqual(r.code, 8)
            self.assertLess(r.seconds, 3.5)
        finally:
            m.stop()

    def test_silence_is_unknown(self):
        self.mock.set_faults(["silence"])
        self.assertEqual(self.stop(extra=["--timeout", "1"]).code, 8)

    def test_truncated_body_is_unknown(self):
        self.mock.set_faults(["truncate"])
        r = self.stop()
        self.assertEqual(r.code, 8)
        self.assertEqual(len(self.stop_requests()), 1)

    def test_connection_reset_after_the_request_is_unknown_and_not_retried(self):
        self.mock.set_faults(["reset"])
        r = self.stop(extra=["--retries", "2"])
        self.assertEqual(r.code, 8)
        self.assertEqual(len(self.stop_requests()), 1)

    def test_status_fault_on_stop(self):
        self.mock.set_faults(["status:400"])
        self.assertEqual(self.stop().code, 5)

    def test_retry_after_fault(self):
        self.mock.set_faults(["status:503", "retry_after:1", "fail_times:1"])
        r = self.stop(extra=["--timeout", "20"])
        self.assertEqual(r.code, 0, r.stderr)
        self.assertGreaterEqual(r.seconds, 1.0)

    def test_fail_times_limits_the_status_fault(self):
        self.mock.set_faults(["status:502", "fail_times:2"])
        r = self.stop(extra=["--retries", "2", "--timeout", "25"])
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(len(self.stop_requests()), 3)

    def test_oversize_headers_are_unknown(self):
        self.mock.set_faults(["oversize_headers"])
        self.assertEqual(self.stop().code, 8)

    def test_oversize_body_is_unknown(self):
        self.mock.set_faults(["oversize_body"])
        self.assertEqual(self.stop().code, 8)

    def test_malformed_json_is_unknown(self):
        self.mock.set_faults(["malformed_json"])
        self.assertEqual(self.stop().code, 8)

    def test_wrong_ids_in_a_success_answer_are_unknown(self):
        self.mock.set_faults(["wrong_ids"])
        self.assertEqual(self.stop().code, 8)

    def test_status_error_200_is_rejected(self):
        self.mock.set_faults(["status_error_200"])
        self.assertEqual(self.stop().code, 5)

    def test_nested_error_shape_is_understood(self):
        self.mock.set_faults(["nested_errors"])
        r = self.stop(record=UNKNOWN_ID)
        self.assertEqual(r.code, 4)
        self.assertIn("Deploy.00011303", r.stderr)

    def test_keep_open_returns_when_the_body_is_complete(self):
        self.mock.set_faults(["keep_open"])
        r = self.stop(extra=["--timeout", "20"])
        self.assertEqual(r.code, 0, r.stderr)
        self.assertLess(r.seconds, 2.0, "waited for the server to close")


class Transport(CliCase):
    """TLS refusals happen before any HTTP byte; connection failures are 7."""

    def refused_before_http(self, cert_host):
        m = Mock(cert_host=cert_host)
        try:
            r = self.run_ok(stop_args(m, extra=["--retries", "0"]))
            self.assertEqual(r.code, 7, r.stderr)
            self.assertIn("certificate", r.stderr)
            conns = m.wait_connections(1)
            self.assertEqual(len(conns), 1)
            self.assertEqual(conns[0]["http_bytes"], 0)
            self.assertFalse(conns[0]["tls_ok"])
            self.assertEqual(m.events("request"), [])
            return r
        finally:
            m.stop()

    def test_certificate_for_another_host_is_refused_before_http(self):
        r = self.refused_before_http("wrong")
        self.assertIn("CN", r.stderr)

    def test_untrusted_ca_is_refused_before_http(self):
        r = self.refused_before_http("untrusted")
        self.assertIn("not correctly signed", r.stderr)

    def test_system_bundle_does_not_trust_the_test_ca(self):
        m = Mock()
        try:
            r = self.run_ok(["stop", "--endpoint", m.endpoint, "--task", TASK_ID,
                             "--record", RECORD_RUNNING])
            self.assertEqual(r.code, 7)
            self.assertEqual(m.events("request"), [])
        finally:
            m.stop()

    def test_rsa_server_certificate_works(self):
        m = Mock(cert_host="rsa")
        try:
            self.assertEqual(self.run_ok(stop_args(m)).code, 0)
        finally:
            m.stop()

    def test_ipv6_loopback(self):
        m = Mock(bind="::1")
        try:
            r = self.run_ok(stop_args(m))
            self.assertEqual(r.code, 0, r.stderr)
            self.assertEqual(m.record_state(RECORD_RUNNING), "abort")
            self.assertTrue(m.events("connection") or m.wait_connections(1))
        finally:
            m.stop()

    def test_localhost_name_is_verified_against_the_dns_san(self):
        m = Mock()
        try:
            r = self.run_ok(["stop", "--endpoint", "https://localhost:%d" % m.port,
                             "--task", TASK_ID, "--record", RECORD_RUNNING,
                             "--ca-file", os.path.join(certs(), "ca.pem")])
            self.assertEqual(r.code, 0, r.stderr)
            self.assertEqual(m.api_requests()[0]["headers"]["host"],
                             "localhost:%d" % m.port)
        finally:
            m.stop()

    def test_refused_connection_is_a_network_failure(self):
        port = closed_port()
        r = self.run_ok(["stop", "--endpoint", "https://127.0.0.1:%d" % port,
                         "--task", TASK_ID, "--record", RECORD_RUNNING,
                         "--ca-file", os.path.join(certs(), "ca.pem"), "--retries", "0"])
        self.assertEqual(r.code, 7)
        self.assertIn("refused", r.stderr)

    def test_stalled_tls_handshake_is_a_network_failure_within_the_deadline(self):
        s = StalledListener()
        try:
            r = self.run_ok(["stop", "--endpoint", "https://127.0.0.1:%d" % s.port,
                             "--task", TASK_ID, "--record", RECORD_RUNNING,
                             "--ca-file", os.path.join(certs(), "ca.pem"),
                             "--timeout", "1.5"])
            self.assertEqual(r.code, 7)
            self.assertLess(r.seconds, 3.5)
        finally:
            s.close()


class Tokens(SharedMockCase):
    def test_20000_character_token_arrives_intact(self):
        big = "T" * 19990 + "0123456789"
        m = Mock(token=big)
        try:
            r = self.run_ok(stop_args(m), token=big)
            self.assertEqual(r.code, 0, r.stderr)
            req = m.api_requests()[0]
            self.assertEqual(req["auth"], "token-ok")
            self.assertEqual(req["headers"]["x-auth-token"],
                             {"len": 20000, "sha256": sha256_hex(big)})
        finally:
            m.stop()

    def test_token_from_the_environment_is_wiped_from_the_process_environment(self):
        # silence: the mock logs the request, then never answers, so the
        # client is still alive (waiting) when its environment is read.
        self.mock.set_faults(["silence"])
        env = dict(os.environ, DEPLOYSTOP_TOKEN=TOKEN)
        proc = subprocess.Popen([CLI] + stop_args(self.mock, extra=["--timeout", "3"]),
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            end = time.monotonic() + 10
            while not self.stop_requests() and time.monotonic() < end:
                time.sleep(0.02)
            self.assertTrue(self.stop_requests())
            with open("/proc/%d/environ" % proc.pid, "rb") as f:
                environ = f.read()
        finally:
            out, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 8, err)
        self.assertIn(b"DEPLOYSTOP_TOKEN=", environ)
        self.assertNotIn(TOKEN.encode(), environ)
        self.assertNotIn(TOKEN.encode(), out + err)

    def test_token_file_with_one_trailing_newline(self):
        f = write_token_file("ok.token", TOKEN + "\n")
        r = self.stop(token_file=f)
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(r.stderr, "")

    def test_token_file_with_crlf_line_end(self):
        f = write_token_file("crlf.token", TOKEN + "\r\n")
        self.assertEqual(self.stop(token_file=f).code, 0)

    def test_group_readable_token_file_gets_a_warning(self):
        f = write_token_file("shared.token", TOKEN + "\n", mode=0o640)
        r = self.stop(token_file=f)
        self.assertEqual(r.code, 0)
        self.assertIn("warning", r.stderr)
        self.assertIn("readable", r.stderr)

    def test_private_token_file_gets_no_warning(self):
        f = write_token_file("private.token", TOKEN, mode=0o600)
        r = self.stop(token_file=f)
        self.assertEqual(r.code, 0)
        self.assertNotIn("warning", r.stderr)


class Output(SharedMockCase):
    KEYS = {"outcome", "http_status", "error_code", "error_msg", "request_id",
            "task_id", "record_id"}

    def test_json_success_object(self):
        r = self.stop(extra=["--json"])
        self.assertEqual(r.code, 0)
        obj = json.loads(r.stdout)
        self.assertTrue(self.KEYS <= set(obj))
        self.assertEqual(obj["outcome"], "STOPPED")
        self.assertEqual(obj["http_status"], 200)
        self.assertEqual(obj["task_id"], TASK_ID)
        self.assertEqual(obj["record_id"], RECORD_RUNNING)
        self.assertEqual(obj["request_id"], self.stop_requests()[0]["request_id"])

    def test_json_failure_object(self):
        r = self.stop(record=UNKNOWN_ID, extra=["--json"])
        self.assertEqual(r.code, 4)
        obj = json.loads(r.stdout)
        self.assertEqual(obj["outcome"], "NOT_FOUND")
        self.assertEqual(obj["http_status"], 404)
        self.assertEqual(obj["error_code"], "Deploy.00011303")
        self.assertEqual(obj["error_msg"], "The execution record does not exist.")
        self.assertEqual(obj["record_id"], UNKNOWN_ID)

    def test_json_network_failure_carries_the_tls_reason(self):
        m = Mock(cert_host="wrong")
        try:
            r = self.run_ok(stop_args(m, extra=["--json"]))
            self.assertEqual(r.code, 7)
            obj = json.loads(r.stdout)
            self.assertEqual(obj["outcome"], "NETWORK")
            self.assertIn("certificate", obj["detail"])
        finally:
            m.stop()

    def test_verbose_shows_headers_but_never_the_token(self):
        r = self.stop(extra=["-v"])
        self.assertEqual(r.code, 0)
        self.assertIn("> PUT /v2/tasks/%s/records/%s/stop" % (TASK_ID, RECORD_RUNNING),
                      r.stderr)
        self.assertIn("Content-Type: application/json", r.stderr)
        self.assertIn("< HTTP/1.1 200", r.stderr)
        self.assertIn("X-Request-Id", r.stderr)
        self.assertNotIn(TOKEN, r.stderr)
        self.assertNotIn(TOKEN[:20], r.stderr)


class UnderValgrind(CliCase):
    """The port and the CLI free what mbedTLS allocated and touch no bad memory,
    on the success path and on a refused certificate."""

    def valgrind(self, mock, extra=()):
        if shutil.which("valgrind") is None:
            self.skipTest("valgrind not installed")
        r = self.run_ok(["--error-exitcode=99", "--leak-check=full",
                         "--errors-for-leak-kinds=all", "-q", CLI] + stop_args(mock, extra=extra),
                        exe="valgrind")
        self.assertNotEqual(r.code, 99, r.stderr)
        return r

    def test_stop_is_clean(self):
        m = Mock()
        try:
            r = self.valgrind(m)
            self.assertEqual(r.code, 0, r.stderr)
        finally:
            m.stop()

    def test_refused_certificate_is_clean(self):
        m = Mock(cert_host="wrong")
        try:
            self.assertEqual(self.valgrind(m, extra=["--retries", "0"]).code, 7)
        finally:
            m.stop()


class EveryAddressTried(CliCase):
    """A name with several addresses: each is tried in turn within the
    deadline (getaddrinfo and connect are observed through an LD_PRELOAD
    shim; the machine's own resolver gives localhost one address only)."""

    def setUp(self):
        self.shim = os.environ.get("E2E_GAI_SHIM")
        if not self.shim or not os.path.exists(self.shim):
            self.skipTest("E2E_GAI_SHIM not built (run through make e2e)")
        self.mock = Mock()
        self.log = os.path.join(os.path.dirname(self.mock.log_path), "connects.log")
        if os.path.exists(self.log):
            os.unlink(self.log)

    def tearDown(self):
        self.mock.stop()

    def run_localhost(self, addrs, extra=()):
        env = {"LD_PRELOAD": self.shim, "GAI_SHIM_NAME": "localhost",
               "GAI_SHIM_ADDRS": addrs, "GAI_SHIM_LOG": self.log}
        return self.run_ok(["stop", "--endpoint", "https://localhost:%d" % self.mock.port,
                            "--task", TASK_ID, "--record", RECORD_RUNNING,
                            "--ca-file", os.path.join(certs(), "ca.pem")] + list(extra),
                           env_extra=env)

    def connects(self):
        with open(self.log) as f:
            return f.read().split()

    def test_refused_ipv6_address_falls_back_to_ipv4(self):
        r = self.run_localhost("::1,127.0.0.1")
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(self.connects(), ["::1", "127.0.0.1"])
        self.assertEqual(self.mock.record_state(RECORD_RUNNING), "abort")

    def test_every_address_refused_is_a_network_failure(self):
        r = self.run_localhost("::1,127.0.0.2", extra=["--retries", "0"])
        self.assertEqual(r.code, 7)
        self.assertEqual(self.connects(), ["::1", "127.0.0.2"])
        self.assertIn("refused", r.stderr)


class CloseNotify(CliCase):
    """The client ends every TLS connection with close_notify. A minimal
    server (not the mock, which tolerates ragged closes) answers one stop
    and then tells a proper close_notify apart from a bare TCP FIN."""

    def test_client_sends_close_notify_after_the_answer(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(certs(), "server.pem"),
                            os.path.join(certs(), "server.key"))
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.bind(("127.0.0.1", 0))
        ls.listen(1)
        ls.settimeout(10)
        port = ls.getsockname()[1]
        seen = {}
        body = json.dumps({"status": "success", "result": {
            "id": RECORD_RUNNING, "task_id": TASK_ID}}).encode()

        def serve():
            try:
                conn, _ = ls.accept()
                tls = ctx.wrap_socket(conn, server_side=True, suppress_ragged_eofs=False)
                tls.settimeout(10)
                data = b""
                while b"\r\n\r\n{}" not in data:
                    chunk = tls.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                            b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
                try:
                    seen["after"] = tls.recv(1)   # b"" only on close_notify
                except ssl.SSLEOFError:
                    seen["after"] = "bare FIN"
                tls.close()
            except (OSError, ssl.SSLError) as e:
                seen["error"] = repr(e)
            finally:
                ls.close()

        t = threading.Thread(target=serve)
        t.start()
        r = self.run_ok(["stop", "--endpoint", "https://127.0.0.1:%d" % port,
                         "--task", TASK_ID, "--record", RECORD_RUNNING,
                         "--ca-file", os.path.join(certs(), "ca.pem"), "--retries", "0"])
        t.join(15)
        self.assertEqual(r.code, 0, r.stderr)
        self.assertNotIn("error", seen)
        self.assertEqual(seen.get("after"), b"")


if __name__ == "__main__":
    print("CLI:", CLI)
    unittest.main()
