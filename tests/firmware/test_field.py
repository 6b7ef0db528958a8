"""Field tests of the kill switch in QEMU: what a red button meets after it
is installed. Each test boots its own device with its own flash file
(ks-flash.bin in its own folder), so power cycles are QEMU runs ending and
starting again over the same file.

- discover:       provisioned by task, a press stops whatever runs on every
                  task and waits until it ended; a second press finds nothing
- power cycle:    a provisioned board reboots and stops without provisioning
- power_cut:      the power is cut at >= 50 instants inside saves; every boot
                  after shows exactly the old or exactly the new configuration
- factory_reset:  no byte of the old token or SK is left in the flash file
- self_test:      NOT_READY with a reason until complete, READY after the
                  check, NOT_READY within a period once the token expires
- watchdog:       a hung main loop resets the board, which boots with its
                  configuration and reaches READY again

Usage: test_field.py ELF WORKDIR [unittest args]; ELF is the test image.
"""
import os
import re
import shutil
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwharness as h  # noqa: E402

ELF = None
WORK = None
PROJECT = "8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a"   # the mock's default project
TASK2 = "1f2e3d4c5b6a79880716253443526170"
RECORD2 = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
TOKEN = "MIIField" + "".join(chr(0x41 + i % 26) for i in range(3000))
SK = "fieldSecret+Key/0123456789abcdefXYZ"
AK = "DSFIELDAK0123456789A"
# The test image checks every 5 s (KS_CHECK_PERIOD_MS in FW_TEST_DEFS).
CHECK_PERIOD_S = 5.0


class FieldTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.certs = h.make_certs(os.path.join(WORK, "certs"))
        with open(os.path.join(cls.certs, "ca.pem")) as f:
            cls.ca = f.read()
        cls.log = open(os.path.join(WORK, "console.log"), "w")

    @classmethod
    def tearDownClass(cls):
        cls.log.close()

    def setUp(self):
        # A mock (and its log) of each test's own.
        self.mock = h.Mock(WORK, self._testMethodName[5:40], self.certs, TOKEN, max_seconds=600)
        self.fws = []

    def tearDown(self):
        for fw in self.fws:
            fw.exit(timeout=3)
            fw.kill()
        self.mock.stop()

    def boot(self, name, fresh=False, expect_boot=True):
        self.log.write("---- boot %s (%s)\n" % (name, self._testMethodName))
        fw = h.Firmware(ELF, max_seconds=240, flash_dir=os.path.join(WORK, name),
                        fresh_flash=fresh,
                        echo=lambda line: (self.log.write(line + "\n"), self.log.flush()))
        self.fws.append(fw)
        if expect_boot:
            fw.boot = fw.expect(r"^BOOT reason=(\w+) config=(\w+) seq=(\d+)$", 20)
        return fw

    def power_off(self, fw):
        """Pull the plug: QEMU killed, whatever it was doing."""
        fw.kill()
        self.fws.remove(fw)

    def provision(self, fw, tasks=(h.TASK_ID,), token=TOKEN):
        fw.provision(self.mock.endpoint(), tasks[0], None, token, self.ca,
                     hold_ms=300, deadline_ms=10000, project=PROJECT)
        for t in tasks[1:]:
            self.assertEqual(fw.cmd("add task " + t), "OK task added")

    def show(self, fw):
        # The configuration only: not the live state or the clock.
        return re.sub(r" (clock|state)=\S+", "", self.show_raw(fw))

    def stats(self, fw):
        return {k: int(v) for k, v in fw.stats().items()}

    # -- tasks, not records ------------------------------------------------

    def test_discover_press_stops_every_task_on_one_connection_and_confirms(self):
        fw = self.boot("discover", fresh=True)
        fw.cmd("test checks off")
        self.provision(fw, tasks=(h.TASK_ID, TASK2))
        line, _ = fw.press(40)
        rest = [fw.lines[i] for i in range(len(fw.lines)) if fw.lines[i].startswith("RESULT ")]
        self.assertRegex(rest[-3], r'^RESULT STOPPED task="%s" record="%s" state="abort" '
                         % (h.TASK_ID, h.RECORD_RUNNING))
        self.assertRegex(rest[-2], r'^RESULT STOPPED task="%s" record="%s" state="abort" '
                         % (TASK2, RECORD2))
        self.assertRegex(rest[-1], r"^RESULT ALL STOPPED tasks=2 stopped=2 nothing_running=0 "
                         r"still_running=0 failed=0 ms=\d+$")
        puts = self.mock.puts(2)
        self.assertEqual(sorted(p["target"] for p in puts),
                         sorted(["/v2/tasks/%s/records/%s/stop" % (h.TASK_ID, h.RECORD_RUNNING),
                                 "/v2/tasks/%s/records/%s/stop" % (TASK2, RECORD2)]))
        # Discovery, both stops and the waits: one connection (the mock's
        # /__mock/ control calls from this host aside).
        self.assertEqual(len({r["conn"] for r in self.mock.events("request")
                              if not r["target"].startswith("/__mock/")}), 1)
        # A second press finds nothing running on either task.
        fw.press(40)
        self.assertRegex(fw.last_all, r"^RESULT ALL NOTHING_RUNNING tasks=2 stopped=0 "
                         r"nothing_running=2 ")
        self.assertEqual(len(self.mock.puts(2)), 2)

    def test_discover_tasks_are_added_and_deleted_up_to_four(self):
        fw = self.boot("tasks", fresh=True)
        fw.cmd("test checks off")
        ids = ["%032x" % (i + 1) for i in range(5)]
        self.assertEqual(fw.cmd("set task " + ids[0]), "OK task")
        for t in ids[1:4]:
            self.assertEqual(fw.cmd("add task " + t), "OK task added")
        self.assertEqual(fw.cmd("add task " + ids[4]), "ERR 4 tasks at most (del task ID first)")
        self.assertEqual(fw.cmd("add task " + ids[1]), "ERR task already set")
        self.assertEqual(fw.cmd("del task " + ids[1]), "OK task deleted")
        self.assertEqual(fw.cmd("del task " + ids[1]), "ERR no such task")
        self.assertIn('tasks=3 task="%s" task="%s" task="%s"' % (ids[0], ids[2], ids[3]),
                      self.show(fw))

    # -- the handshake while the button is held -------------------------------

    def test_prehandshake_a_press_released_early_closes_the_connection_without_a_request(self):
        fw = self.boot("prehandshake", fresh=True)
        fw.cmd("test checks off")
        self.provision(fw)
        fw.hold_ms = 300
        time.sleep(0.3)
        fw.cmd("press 150")   # released after 150 ms, hold 300 ms
        fw.expect(r"^HOLD connection ready ms=\d+$", 20)
        fw.expect(r"^HOLD released after \d+ ms: not fired", 10)
        fw.expect(r"^HOLD connection closed: nothing sent$", 5)
        # The mock saw the TLS handshake, then the connection end, and not
        # one HTTP byte on it.
        self.assertEqual(len(self.mock.wait_events("handshake", 1)), 1)
        time.sleep(0.5)
        conns = [c for c in self.mock.events("connection") if c.get("http_bytes") is not None]
        self.assertTrue(conns and all(c["http_bytes"] == 0 for c in conns), conns)
        self.assertEqual([r for r in self.mock.events("request")
                          if not r["target"].startswith("/__mock/")], [])

    def test_prehandshake_the_request_leaves_on_the_connection_made_while_held(self):
        fw = self.boot("prehandshake-press", fresh=True)
        fw.cmd("test checks off")
        self.provision(fw)
        line, _ = fw.press(40)
        self.assertRegex(line, r"^RESULT STOPPED\b")
        self.assertTrue(any(l.startswith("HOLD connection ready") for l in fw.lines))
        # One handshake, made before the press was accepted; the stop rode on it.
        self.assertEqual(len(self.mock.events("handshake")), 1)
        puts = self.mock.puts(1)
        self.assertEqual(len({r["conn"] for r in self.mock.events("request")
                              if not r["target"].startswith("/__mock/")}), 1)
        self.assertEqual(puts[0]["status"], 200)

    def test_prehandshake_off_connects_only_once_the_hold_is_accepted(self):
        fw = self.boot("prehandshake-off", fresh=True)
        fw.cmd("test checks off")
        self.provision(fw)
        self.assertEqual(fw.cmd("set prehandshake off"), "OK prehandshake")
        self.assertIn(" prehandshake=off ", self.show(fw))
        self.assertEqual(fw.cmd("set prehandshake maybe"), "ERR prehandshake: on or off")
        n = len(fw.lines)
        line, _ = fw.press(40)
        self.assertRegex(line, r"^RESULT STOPPED\b")
        self.assertFalse(any(l.startswith("HOLD connection") for l in fw.lines[n:]))

    # -- power --------------------------------------------------------------

    def test_power_cycle_keeps_the_configuration_and_a_press_stops_without_provisioning(self):
        fw = self.boot("cycle", fresh=True)
        self.provision(fw)
        fw.expect(r"^STATE READY$", 30)
        before = self.show(fw)
        self.power_off(fw)
        fw = self.boot("cycle")
        self.assertEqual(fw.boot.group(1, 2), ("power", "flash"))
        fw.expect(r"^STATE READY$", 30)
        self.assertEqual(self.show(fw), before)
        line, _ = fw.press(40)
        self.assertRegex(line, r'^RESULT STOPPED task="%s" record="%s"' % (h.TASK_ID, h.RECORD_RUNNING))

    def cut_and_check(self, name, snapshot, command, k, old, new):
        """Restore `snapshot`, cut the power before word operation k of the
        save `command` makes, boot again: the configuration must be old or
        new. Returns which."""
        d = os.path.join(WORK, name)
        os.makedirs(d, exist_ok=True)
        shutil.copyfile(snapshot, os.path.join(d, "ks-flash.bin"))
        fw = self.boot(name)
        fw.cmd("test checks off")
        self.assertEqual(fw.cmd("test cut %d" % k), "OK test cut")
        fw.send(command + "\n")
        fw.expect(r"^(POWER CUT \(test\)|OK )", 30)
        fw.proc.wait(timeout=10) if fw.lines[-1].startswith("POWER") else None
        self.power_off(fw)
        fw = self.boot(name)
        fw.cmd("test checks off")
        got = self.show(fw)
        self.power_off(fw)
        self.assertIn(got, (old, new), "cut at word operation %d" % k)
        return "old" if got == old else "new"

    def measure_save(self, name, setup, command):
        """Provision with `setup`, snapshot the flash, and measure the word
        operations of `command`'s save and the configuration before/after."""
        fw = self.boot(name, fresh=True)
        fw.cmd("test checks off")
        setup(fw)
        old = self.show(fw)
        ops0 = self.stats(fw)["flash_ops"]
        snapshot = os.path.join(WORK, name + "-before.bin")
        shutil.copyfile(fw.flash_path, snapshot)
        self.assertTrue(fw.cmd(command, timeout=30).startswith("OK"))
        total = self.stats(fw)["flash_ops"] - ops0
        new = self.show(fw)
        self.power_off(fw)
        self.assertNotEqual(old, new)
        return snapshot, total, old, new

    def test_power_cut_at_52_instants_of_a_save_leaves_the_old_or_the_new_configuration(self):
        snapshot, total, old, new = self.measure_save(
            "cut-save", lambda fw: self.provision(fw), "set task " + TASK2)
        # 40 instants spread over the erase and the body, and the last 12
        # word operations (the end of the body and the header, magic last).
        points = sorted(set([total * i // 40 for i in range(40)] +
                            list(range(total - 12, total))))
        self.assertGreaterEqual(len(points), 50)
        seen = {}
        for k in points:
            seen[k] = self.cut_and_check("cut-save-run", snapshot, "set task " + TASK2,
                                         k, old, new)
        # The magic word is the save's last operation: every cut before it
        # leaves the old configuration.
        self.assertEqual({v for v in seen.values()}, {"old"})
        self.assertEqual(self.cut_and_check("cut-save-run", snapshot, "set task " + TASK2,
                                            total, old, new), "new")
        print("power_cut: %d cut points in a save of %d word operations"
              % (len(points) + 1, total), file=sys.stderr)

    def test_power_cut_inside_a_token_paste_and_its_old_copy_wipe(self):
        snapshot, total, old, new = self.measure_save(
            "cut-token", lambda fw: self.provision(fw), "set token " + TOKEN[::-1])
        # A token save ends by erasing the old copy: cut in that erase too.
        points = sorted(set([total * i // 12 for i in range(12)] + [total - 1]))
        for k in points:
            self.cut_and_check("cut-token-run", snapshot, "set token " + TOKEN[::-1], k,
                               old, new)
        print("power_cut: %d cut points in a token save of %d word operations"
              % (len(points), total), file=sys.stderr)

    def test_factory_reset_leaves_no_byte_of_the_old_token_or_sk_in_flash(self):
        fw = self.boot("reset", fresh=True)
        fw.cmd("test checks off")
        self.provision(fw)
        self.assertEqual(fw.cmd("set ak " + AK), "OK ak")
        self.assertEqual(fw.cmd("set sk " + SK), "OK sk")
        with open(fw.flash_path, "rb") as f:
            image = f.read()
        self.assertIn(TOKEN[:64].encode(), image)   # read in place: it is there
        self.assertIn(SK.encode(), image)
        self.assertEqual(fw.cmd("factory-reset", timeout=30), "OK factory-reset: configuration erased")
        with open(fw.flash_path, "rb") as f:
            image = f.read()
        self.assertEqual(image, b"\xff" * len(image))
        for secret in (TOKEN[:16], TOKEN[-16:], SK[:12], SK[-12:]):
            self.assertNotIn(secret.encode(), image)
        self.power_off(fw)
        fw = self.boot("reset")
        self.assertEqual(fw.boot.group(2, 3), ("none", "0"))
        fw.expect(r'^STATE NOT_READY reason="no endpoint', 30)

    # -- self-test ------------------------------------------------------------

    def test_self_test_says_what_is_missing_then_ready_then_not_ready_on_an_expired_token(self):
        fw = self.boot("selftest", fresh=True)
        fw.expect(r'^STATE NOT_READY reason="no endpoint \(set endpoint https://HOST\)"$', 30)
        steps = [("set endpoint " + self.mock.endpoint(), "no task"),
                 ("set task " + h.TASK_ID, "no project"),
                 ("set project " + PROJECT, "no credential")]
        for cmd, why in steps:
            self.assertTrue(fw.cmd(cmd).startswith("OK"))
            fw.expect(r'^STATE NOT_READY reason="%s' % why, 15)
        self.assertTrue(fw.cmd("set token " + TOKEN, timeout=30).startswith("OK token"))
        fw.expect(r'^STATE NOT_READY reason="no CA certificate', 15)
        fw.send("ca\n")
        fw.expect(r"^OK paste PEM", 5)
        fw.send(self.ca.strip() + "\n")
        fw.expect(r"^OK ca$", 15)
        fw.expect(r"^STATE READY$", 30)
        # The check was one authenticated history call; the server's Date
        # set the clock (certificate dates are checked from now on).
        gets = [r for r in self.mock.events("request") if r["method"] == "GET"]
        self.assertTrue(any("/history" in r["target"] and r["auth"] == "token-ok" for r in gets))
        self.assertNotIn("clock=none", self.show_raw(fw))
        # The token expires: within one check period, without a press.
        self.mock.control("POST", "/__mock/config", {"tokens_expired": True})
        t0 = time.monotonic()
        fw.expect(r'^STATE NOT_READY reason="server check failed: AUTH_FAILED .*http=401 '
                  r'code=APIGW.0301"$', CHECK_PERIOD_S + 15)
        self.assertLess(time.monotonic() - t0, CHECK_PERIOD_S + 15)
        # A press while NOT_READY still tries, and says what happened.
        line, _ = fw.press(40)
        self.assertRegex(line, r"^RESULT AUTH_FAILED\b.*http=401")
        self.mock.control("POST", "/__mock/config", {"tokens_expired": False})
        fw.expect(r"^CHECK ok ", CHECK_PERIOD_S + 15)

    def show_raw(self, fw):
        fw.send("show\n")
        line = fw.expect(r"^endpoint=.*", 5).group(0)
        fw.expect(r"^OK show", 5)
        return line

    def test_self_test_refuses_an_endpoint_the_ca_does_not_verify(self):
        other = h.Mock(WORK, "field-untrusted", self.certs, TOKEN,
                       extra=["--cert-host", "untrusted"], max_seconds=120)
        try:
            fw = self.boot("selftest-ca", fresh=True)
            fw.provision(other.endpoint(), h.TASK_ID, None, TOKEN, self.ca, hold_ms=300,
                         deadline_ms=8000, project=PROJECT)
            fw.expect(r'^STATE NOT_READY reason="server check failed: NETWORK', 30)
            self.assertEqual(other.events("request"), [])
        finally:
            other.stop()

    # -- watchdog ---------------------------------------------------------------

    def test_watchdog_resets_a_hung_board_which_boots_with_its_configuration_and_gets_ready(self):
        fw = self.boot("watchdog", fresh=True)
        self.provision(fw)
        fw.expect(r"^STATE READY$", 30)
        before = self.show(fw)
        self.assertEqual(fw.cmd("test hang"), "OK test hang")
        t0 = time.monotonic()
        fw.expect(r"^WATCHDOG expired", 15)
        m = fw.expect(r"^BOOT reason=(\w+) config=(\w+)", 15)
        waited = time.monotonic() - t0
        self.assertEqual(m.group(1, 2), ("watchdog", "flash"))
        # The period is 8 s (KS_WATCHDOG_MS); QEMU runs the guest clock at
        # about real time without -icount.
        self.assertLess(waited, 8 + 4)
        fw.expect(r"^STATE READY$", 30)
        self.assertEqual(self.show(fw), before)
        print("watchdog: reset %.1f s after the hang" % waited, file=sys.stderr)

    def test_watchdog_is_not_tripped_by_a_press_that_runs_longer_than_its_period(self):
        fw = self.boot("watchdog-long", fresh=True)
        fw.cmd("test checks off")
        silent = h.Mock(WORK, "field-silent", self.certs, TOKEN, extra=["--fault", "silence"],
                        max_seconds=120)
        try:
            fw.provision(silent.endpoint(), h.TASK_ID, h.RECORD_RUNNING, TOKEN, self.ca,
                         hold_ms=300, deadline_ms=12000, project=PROJECT)
            line, secs = fw.press(40)
            self.assertRegex(line, r"^RESULT UNKNOWN\b")
            self.assertGreater(secs, 8.0)
            self.assertFalse(any(l.startswith("WATCHDOG") or l.startswith("BOOT")
                                 for l in fw.lines[-20:]))
        finally:
            silent.stop()


if __name__ == "__main__":
    ELF, WORK = sys.argv[1], os.path.abspath(sys.argv[2])
    os.makedirs(WORK, exist_ok=True)
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[3:], failfast=False)
