"""End-to-end: `deploystop stop --project` (discover, stop, confirm) and
`deploystop status`, against the mock on loopback. Every rule of the CLI
interface, every new exit code, and the one-handshake run."""
import json
import os
import time
import unittest

from e2e_support import (RECORD_RUNNING, TASK_ID, TOKEN, Mock, certs,
                         run_cli)

PROJECT_ID = "8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a"
OTHER_PROJECT = "0000000000000000000000000000000a"
TASK2_ID = "1f2e3d4c5b6a79880716253443526170"
RECORD2_RUNNING = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
MULTI_RUNNING2 = "6d1e2f3a4b5c4d6e8f7a9b0c1d2e3f4a"
MULTI_PENDING = "7e2f3a4b5c6d4e7f9a8b0c1d2e3f4a5b"


def ca():
    return os.path.join(certs(), "ca.pem")


class HaltCase(unittest.TestCase):
    mock_extra = ()

    @classmethod
    def setUpClass(cls):
        cls.mock = Mock(extra=list(cls.mock_extra))

    @classmethod
    def tearDownClass(cls):
        cls.mock.stop()

    def setUp(self):
        self.mock.reset()

    def config(self, **kw):
        status, _ = self.mock._call("POST", "/__mock/config", kw)
        self.assertEqual(status, 200)
        self.mock.wait_connections(1, timeout=2.0)
        self.mock.mark()

    def cli(self, cmd, tasks=(TASK_ID,), project=PROJECT_ID, record=None,
            extra=(), **kw):
        args = [cmd, "--endpoint", self.mock.endpoint, "--ca-file", ca()]
        for t in tasks:
            args += ["--task", t]
        if project:
            args += ["--project", project]
        if record:
            args += ["--record", record]
        r = run_cli(args + list(extra), **kw)
        self.assertNotIn(TOKEN, r.stdout)
        self.assertNotIn(TOKEN, r.stderr)
        return r

    def requests(self, method=None):
        return [e for e in self.mock.api_requests()
                if method is None or e.get("method") == method]

    def handshakes(self, n_expected_conns=1):
        self.mock.wait_connections(n_expected_conns, timeout=3.0)
        return self.mock.events("handshake")


class StopByProject(HaltCase):
    def test_running_record_is_found_stopped_and_reported(self):
        r = self.cli("stop")
        self.assertEqual(r.code, 0, r.stderr)
        self.assertRegex(r.stdout, r"^stopped record %s of task %s \(request_id [0-9a-f]+\)\n$"
                         % (RECORD_RUNNING, TASK_ID))
        self.assertEqual(self.mock.record_state(RECORD_RUNNING), "abort")

    def test_history_query_carries_page_size_and_a_utc_date_window(self):
        self.cli("stop")
        hist = [e for e in self.requests("GET") if "/history" in e["path"]]
        self.assertEqual(len(hist), 1)
        q = hist[0]["query"]
        for key in ("page=1", "size=", "start_date=", "end_date="):
            self.assertIn(key, q)
        self.assertEqual(hist[0]["path"], "/v2/%s/task/%s/history" % (PROJECT_ID, TASK_ID))

    def test_second_run_reports_nothing_running_and_stops_nothing(self):
        self.assertEqual(self.cli("stop").code, 0)
        self.mock.mark()
        r = self.cli("stop")
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(r.stdout, "nothing running on task %s\n" % TASK_ID)
        self.assertEqual(self.requests("PUT"), [])

    def test_wait_confirms_the_end_with_the_state_call(self):
        r = self.cli("stop", extra=["--wait", "10"])
        self.assertEqual(r.code, 0, r.stderr)
        self.assertRegex(r.stdout, r", ended \(state abort after \d+\.\d s\)\n$")
        states = [e for e in self.requests("GET") if e["path"].endswith("/state")]
        self.assertGreaterEqual(len(states), 1)
        self.assertIn("record_id=%s" % RECORD_RUNNING, states[0]["query"])
        self.assertIn("step_state=false", states[0]["query"])

    def test_discover_stop_confirm_is_one_tls_handshake(self):
        self.config(stop_polls=2)
        r = self.cli("stop", extra=["--wait", "10"])
        self.assertEqual(r.code, 0, r.stderr)
        self.assertGreaterEqual(len(self.requests()), 1 + 1 + 3)
        self.assertEqual(len(self.handshakes()), 1)

    def test_stuck_record_exits_9_still_running_within_the_wait(self):
        self.config(stop_polls="never")
        t0 = time.monotonic()
        r = self.cli("stop", extra=["--wait", "2.5"])
        self.assertEqual(r.code, 9, r.stderr)
        self.assertIn("STILL_RUNNING", r.stderr)
        self.assertLess(time.monotonic() - t0, 8)

    def test_json_has_confirmed_and_state(self):
        r = self.cli("stop", extra=["--wait", "10", "--json"])
        self.assertEqual(r.code, 0, r.stderr)
        obj = json.loads(r.stdout)
        self.assertEqual(obj["outcome"], "STOPPED")
        self.assertIs(obj["confirmed"], True)
        self.assertEqual(obj["state"], "abort")
        self.assertEqual(obj["record_id"], RECORD_RUNNING)

    def test_json_without_wait_has_confirmed_null(self):
        obj = json.loads(self.cli("stop", extra=["--json"]).stdout)
        self.assertIsNone(obj["confirmed"])
        self.assertIsNone(obj["state"])

    def test_two_tasks_are_stopped_on_one_connection_in_order(self):
        r = self.cli("stop", tasks=(TASK_ID, TASK2_ID))
        self.assertEqual(r.code, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(len(lines), 2)
        self.assertIn("of task %s" % TASK_ID, lines[0])
        self.assertIn("of task %s" % TASK2_ID, lines[1])
        self.assertEqual(len(self.handshakes()), 1)
        self.assertEqual(self.mock.record_state(RECORD2_RUNNING), "abort")

    def test_wrong_project_id_is_reported_not_found(self):
        r = self.cli("stop", project=OTHER_PROJECT)
        self.assertEqual(r.code, 4, r.stderr)
        self.assertIn("Deploy.00016902", r.stderr)
        self.assertEqual(self.requests("PUT"), [])

    def test_record_ending_before_the_stop_counts_as_nothing_running(self):
        self.mock.set_faults(["ends_before_stop"])
        self.mock.mark()
        r = self.cli("stop")
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(r.stdout, "nothing running on task %s\n" % TASK_ID)

    def test_verbose_trace_shows_every_request_head_without_the_token(self):
        r = self.cli("stop", extra=["-v", "--wait", "5"])
        self.assertEqual(r.code, 0, r.stderr)
        self.assertIn("GET /v2/%s/task/%s/history" % (PROJECT_ID, TASK_ID), r.stderr)
        self.assertIn("PUT /v2/tasks/%s/records/%s/stop" % (TASK_ID, RECORD_RUNNING),
                      r.stderr)
        self.assertIn("/state?record_id=", r.stderr)


class ScenarioMulti(HaltCase):
    mock_extra = ("--scenario", "multi")

    def test_every_running_and_pending_record_is_stopped(self):
        r = self.cli("stop", extra=["--wait", "10"])
        self.assertEqual(r.code, 0, r.stderr)
        for rec in (RECORD_RUNNING, MULTI_RUNNING2, MULTI_PENDING):
            self.assertIn("stopped record %s" % rec, r.stdout)
            self.assertEqual(self.mock.record_state(rec), "abort")


class ScenarioOrders(HaltCase):
    mock_extra = ("--scenario", "many")

    def test_running_record_is_found_in_any_row_order(self):
        for order in ("newest", "oldest", "shuffled"):
            self.mock.reset()
            self.config(scenario="many", history_order=order)
            r = self.cli("stop")
            self.assertEqual(r.code, 0, "%s: %s" % (order, r.stderr))
            self.assertIn("stopped record %s" % RECORD_RUNNING, r.stdout)


class ScenarioOldRunning(HaltCase):
    mock_extra = ("--scenario", "old_running")

    def test_record_started_30_hours_ago_is_found(self):
        r = self.cli("stop")
        self.assertEqual(r.code, 0, r.stderr)
        self.assertIn("stopped record %s" % RECORD_RUNNING, r.stdout)


class NoKeepAlive(HaltCase):
    mock_extra = ("--no-keepalive",)

    def test_server_that_closes_gets_a_new_connection_per_call(self):
        r = self.cli("stop", extra=["--wait", "5"])
        self.assertEqual(r.code, 0, r.stderr)
        n = len(self.requests())
        self.assertGreaterEqual(n, 3)
        self.assertEqual(len(self.handshakes(n)), n)


class DroppedKeptConnection(HaltCase):
    """The server drops each connection after two answers without saying
    `Connection: close`: the run goes on on fresh connections, the stop is
    sent once, and the state polls that find a dropped connection are sent
    again."""
    mock_extra = ("--close-after-answers", "2", "--close-style", "fin")

    def test_connection_dropped_without_notice_is_not_reused(self):
        self.config(stop_polls=3)
        r = self.cli("stop", extra=["--wait", "10"])
        self.assertEqual(r.code, 0, r.stderr)
        self.assertIn("ended (state abort", r.stdout)
        self.assertEqual(len(self.requests("PUT")), 1)
        self.assertGreaterEqual(len(self.handshakes(2)), 2)


class Status(HaltCase):
    def test_status_of_a_record(self):
        r = self.cli("status", project=None, record=RECORD_RUNNING)
        self.assertEqual(r.code, 0, r.stderr)
        self.assertRegex(r.stdout, r"^record %s of task %s: running \(step running, started .+\)\n$"
                         % (RECORD_RUNNING, TASK_ID))
        self.assertEqual(self.requests("PUT"), [])

    def test_status_by_project_lists_running_records(self):
        r = self.cli("status")
        self.assertEqual(r.code, 0, r.stderr)
        self.assertIn("record %s of task %s: running" % (RECORD_RUNNING, TASK_ID), r.stdout)

    def test_status_by_project_with_nothing_running(self):
        self.assertEqual(self.cli("stop").code, 0)
        r = self.cli("status")
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(r.stdout, "nothing running on task %s\n" % TASK_ID)


class UsageRules(unittest.TestCase):
    """Usage errors exit 2 before any connection (no mock needed: the
    endpoint is a closed port)."""

    def test_record_and_project_together_is_a_usage_error(self):
        r = self.usage_cmd(["stop", "--task", TASK_ID, "--record", RECORD_RUNNING,
                            "--project", PROJECT_ID])
        self.assertIn("exactly one of --record and --project", r.stderr)

    def test_neither_record_nor_project_is_a_usage_error(self):
        self.usage_cmd(["stop", "--task", TASK_ID])

    def test_record_with_two_tasks_is_a_usage_error(self):
        r = self.usage_cmd(["stop", "--task", TASK_ID, "--task", TASK2_ID,
                            "--record", RECORD_RUNNING])
        self.assertIn("exactly one --task", r.stderr)

    def test_seventeen_tasks_is_a_usage_error(self):
        args = ["stop", "--project", PROJECT_ID]
        for _ in range(17):
            args += ["--task", TASK_ID]
        self.usage_cmd(args)

    def test_bad_project_id_is_refused(self):
        r = self.usage_cmd(["stop", "--task", TASK_ID, "--project", "x" * 31])
        self.assertIn("--project", r.stderr)

    def test_bad_wait_is_refused(self):
        self.usage_cmd(["stop", "--task", TASK_ID, "--project", PROJECT_ID,
                        "--wait", "-1"])

    def usage_cmd(self, args):
        r = run_cli(args[:1] + ["--endpoint", "https://127.0.0.1:9", "--ca-file", ca()]
                    + args[1:])
        self.assertEqual(r.code, 2, r.stderr)
        return r


if __name__ == "__main__":
    unittest.main()
