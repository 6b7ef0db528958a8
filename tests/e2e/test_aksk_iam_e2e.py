"""End-to-end: AK/SK signing, clock-skew recovery, AK lockout and the IAM
token command of build/deploystop against the mock (which verifies
signatures with its own implementation, tests/mock/aksk.py)."""
import os
import stat
import subprocess
import time
import unittest

from e2e_support import (CLI, RECORD_RUNNING, TOKEN, WORK, Mock, certs,
                         run_cli, stop_args, write_token_file)

AK = "QTWAOYTTINDUT2QVKYUC"
SK = "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"
IAM_USER = "deploystop-user"
IAM_PASSWORD = 'p"w\\d-\u00e9-\u20ac'
IAM_DOMAIN = "deploystop-account"


def read(path):
    with open(path) as f:
        return f.read()


def aksk_env(ak=AK, sk=SK):
    return {"DEPLOYSTOP_AK": ak, "DEPLOYSTOP_SK": sk}


class AkskCase(unittest.TestCase):
    mock_extra = ()

    @classmethod
    def setUpClass(cls):
        cls.mock = Mock(extra=["--ak", AK, "--sk", SK] + list(cls.mock_extra))

    @classmethod
    def tearDownClass(cls):
        cls.mock.stop()

    def setUp(self):
        self.mock.reset()

    def stop(self, env=None, extra=(), token=None):
        r = run_cli(stop_args(self.mock, extra=extra), token=token,
                    env_extra=env if env is not None else aksk_env())
        self.assertNotIn(SK, r.stdout + r.stderr)
        return r

    def verdicts(self):
        self.mock.wait_connections(1)
        return [e["auth"] for e in self.mock.api_requests()]


class AkskStop(AkskCase):
    def test_signed_stop_is_accepted_and_carries_no_token(self):
        r = self.stop()
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(self.verdicts(), ["aksk-ok"])
        req = self.mock.api_requests()[0]
        self.assertRegex(req["headers"]["x-sdk-date"], r"^\d{8}T\d{6}Z$")
        self.assertTrue(req["headers"]["authorization"].startswith(
            "SDK-HMAC-SHA256 Access=%s, SignedHeaders=content-type;host;"
            "x-sdk-date, Signature=" % AK))
        self.assertNotIn("x-auth-token", req["headers"])
        self.assertEqual(self.mock.record_state(RECORD_RUNNING), "abort")

    def test_wrong_secret_key_fails_once_without_retry(self):
        r = self.stop(env=aksk_env(sk="WrongSecretKey0123456789"))
        self.assertEqual(r.code, 3, r.stderr)
        self.assertEqual(self.verdicts(), ["aksk-bad-signature"])
        self.assertNotIn("WrongSecretKey0123456789", r.stdout + r.stderr)

    def test_aksk_wins_over_token_env_but_not_over_token_file(self):
        r = self.stop(token="MIIE-not-the-right-token")
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(self.verdicts(), ["aksk-ok"])
        self.mock.reset()
        f = write_token_file("aksk-precedence.token", TOKEN)
        r = run_cli(stop_args(self.mock), token=None, token_file=f,
                    env_extra=aksk_env())
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(self.verdicts(), ["token-ok"])

    def creds_file(self, name, text, mode=0o600):
        path = os.path.join(WORK, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def test_console_credentials_csv_selects_aksk(self):
        f = self.creds_file("credentials.csv",
                            "\ufeffUser Name,Access Key Id,Secret Access Key\r\n"
                            "deploystop-user,%s,%s\r\n" % (AK, SK))
        r = self.stop(env={}, extra=["--credentials", f])
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(self.verdicts(), ["aksk-ok"])
        self.assertNotIn("warning", r.stderr)

    def test_key_value_credentials_file_and_mode_warning(self):
        f = self.creds_file("aksk.conf", "# deploystop\nak = %s\nsk=%s\n" % (AK, SK),
                            mode=0o644)
        r = self.stop(env={}, extra=["--credentials", f])
        self.assertEqual(r.code, 0, r.stderr)
        self.assertIn("readable by others", r.stderr)
        self.assertEqual(self.verdicts(), ["aksk-ok"])

    def test_unreadable_or_malformed_credentials_send_nothing(self):
        bad = self.creds_file("bad.conf", "access = %s\n" % AK)
        for f in (bad, os.path.join(WORK, "no-such-credentials")):
            r = self.stop(env={}, extra=["--credentials", f])
            self.assertEqual(r.code, 2, r.stderr)
        self.assertEqual(self.mock.api_requests(), [])

    def test_token_file_and_credentials_together_are_a_usage_error(self):
        f = self.creds_file("both.conf", "ak=%s\nsk=%s\n" % (AK, SK))
        t = write_token_file("both.token", TOKEN)
        r = run_cli(stop_args(self.mock, extra=["--credentials", f]), token=None,
                    token_file=t)
        self.assertEqual(r.code, 2)
        self.assertEqual(self.mock.api_requests(), [])

    def test_half_configured_aksk_is_invalid_input(self):
        r = self.stop(env={"DEPLOYSTOP_AK": AK})
        self.assertEqual(r.code, 2)
        self.assertIn("DEPLOYSTOP_AK and DEPLOYSTOP_SK", r.stderr)
        self.assertEqual(self.mock.api_requests(), [])

    def test_malformed_ak_is_invalid_input(self):
        r = self.stop(env=aksk_env(ak="AK WITH SPACES"))
        self.assertEqual(r.code, 2)
        self.assertEqual(self.mock.api_requests(), [])

    def test_verbose_trace_shows_signed_headers_never_the_secret(self):
        r = self.stop(extra=["-v"])
        self.assertEqual(r.code, 0, r.stderr)
        self.assertIn("> X-Sdk-Date: ", r.stderr)
        self.assertIn("> Authorization: SDK-HMAC-SHA256 Access=" + AK, r.stderr)


class AkskClockSkew(AkskCase):
    # The server's clock runs an hour ahead of ours: over the 15 min limit.
    mock_extra = ("--clock-offset", "3600")

    def test_skew_refusal_is_corrected_from_date_and_retried_once(self):
        r = self.stop(extra=["-v"])
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(self.verdicts(), ["aksk-expired", "aksk-ok"])
        first, second = self.mock.api_requests()
        t1 = time.strptime(first["headers"]["x-sdk-date"], "%Y%m%dT%H%M%SZ")
        t2 = time.strptime(second["headers"]["x-sdk-date"], "%Y%m%dT%H%M%SZ")
        self.assertAlmostEqual(time.mktime(t2) - time.mktime(t1), 3600, delta=5)

    def test_wrong_key_after_skew_still_stops_after_two_requests(self):
        r = self.stop(env=aksk_env(sk="WrongSecretKey0123456789"))
        self.assertEqual(r.code, 3, r.stderr)
        self.assertEqual(self.verdicts(), ["aksk-expired", "aksk-bad-signature"])


class AkskLockout(AkskCase):
    mock_extra = ("--lock-seconds", "60")

    def test_five_failures_lock_the_ak_and_each_run_sends_one_request(self):
        for _ in range(5):
            r = self.stop(env=aksk_env(sk="WrongSecretKey0123456789"))
            self.assertEqual(r.code, 3)
        self.assertEqual(len(self.mock.api_requests()), 5)
        r = self.stop()
        self.assertEqual(r.code, 3, r.stderr)
        self.assertEqual(self.verdicts()[-1], "aksk-locked")
        self.assertIn("locked", r.stderr)
        self.assertEqual(len(self.mock.api_requests()), 6)


class IamToken(unittest.TestCase):
    mock_extra = ()

    @classmethod
    def setUpClass(cls):
        cls.mock = Mock(extra=["--iam-password", IAM_PASSWORD] +
                        list(cls.mock_extra))

    @classmethod
    def tearDownClass(cls):
        cls.mock.stop()

    def setUp(self):
        self.mock.reset()
        self.out = os.path.join(WORK, "iam-%s.token" % self._testMethodName)
        if os.path.exists(self.out):
            os.unlink(self.out)

    def token(self, extra=(), password=IAM_PASSWORD, out=True):
        args = ["token", "--iam-endpoint", self.mock.endpoint, "--user", IAM_USER,
                "--domain", IAM_DOMAIN, "--project", "cn-north-4",
                "--ca-file", os.path.join(certs(), "ca.pem")]
        if out:
            args += ["--out", self.out]
        env = {"DEPLOYSTOP_PASSWORD": password} if password is not None else {}
        r = run_cli(args + list(extra), token=None, env_extra=env)
        if password:
            self.assertNotIn(password, r.stdout + r.stderr)
        return r

    def iam_requests(self):
        self.mock.wait_connections(1)
        return [e for e in self.mock.api_requests()
                if e["path"] == "/v3/auth/tokens"]

    def test_token_goes_to_a_0600_file_and_then_stops(self):
        r = self.token()
        self.assertEqual(r.code, 0, r.stderr)
        self.assertIn("valid until", r.stderr)
        st = os.stat(self.out)
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600)
        tok = read(self.out)
        self.assertTrue(tok.endswith("\n"))
        self.assertEqual(len(tok), 12000 + 1)
        self.assertNotIn(tok.strip(), r.stdout + r.stderr)
        self.assertAlmostEqual(st.st_mtime, time.time() + 86400, delta=120)
        (req,) = self.iam_requests()
        self.assertEqual(req["query"], "nocatalog=true")
        self.assertEqual(req["headers"]["content-type"],
                         "application/json;charset=utf8")
        self.assertEqual(req["status"], 201)
        s = run_cli(stop_args(self.mock), token=None, token_file=self.out)
        self.assertEqual(s.code, 0, s.stderr)
        self.assertEqual(self.mock.record_state(RECORD_RUNNING), "abort")

    def test_print_writes_the_token_to_stdout_only_when_asked(self):
        r = self.token(extra=["--print"], out=False)
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(len(r.stdout), 12000 + 1)
        self.assertTrue(r.stdout.startswith("MII"))

    def test_out_and_print_together_are_a_usage_error(self):
        r = self.token(extra=["--print"])
        self.assertEqual(r.code, 2)
        self.assertEqual(self.iam_requests(), [])

    def test_wrong_password_is_auth_failed_and_writes_nothing(self):
        r = self.token(password="not-the-password")
        self.assertEqual(r.code, 3, r.stderr)
        self.assertIn("The username or password is wrong", r.stderr)
        self.assertFalse(os.path.exists(self.out))

    def test_existing_readable_file_is_narrowed_to_0600(self):
        with open(self.out, "w") as f:
            f.write("old\n")
        os.chmod(self.out, 0o644)
        r = self.token()
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(stat.S_IMODE(os.stat(self.out).st_mode), 0o600)

    def test_refresh_margin_keeps_a_token_that_is_still_valid(self):
        self.assertEqual(self.token().code, 0)
        before = read(self.out)
        r = self.token(extra=["--refresh-margin", "3600"])
        self.assertEqual(r.code, 0, r.stderr)
        self.assertIn("kept", r.stderr)
        self.assertEqual(len(self.iam_requests()), 1)
        self.assertEqual(read(self.out), before)
        # A margin longer than the token's life forces a new one.
        r = self.token(extra=["--refresh-margin", "86400"])
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(len(self.iam_requests()), 2)
        self.assertNotEqual(read(self.out), before)

    def test_iam_outage_is_retried_and_the_token_written(self):
        self.mock.set_faults(["iam_fail_times:1"])
        r = self.token()
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual([e["status"] for e in self.iam_requests()], [503, 201])
        self.assertTrue(os.path.exists(self.out))

    def test_iam_outage_past_the_retries_is_unavailable_and_writes_nothing(self):
        self.mock.set_faults(["iam_fail_times:3"])
        r = self.token()
        self.assertEqual(r.code, 6, r.stderr)
        self.assertIn("APIGW.0202", r.stderr)
        self.assertEqual([e["status"] for e in self.iam_requests()], [503] * 3)
        self.assertFalse(os.path.exists(self.out))

    def test_no_password_and_no_terminal_is_a_usage_error(self):
        env = dict(os.environ)
        env.pop("DEPLOYSTOP_PASSWORD", None)
        p = subprocess.run([CLI, "token", "--iam-endpoint", self.mock.endpoint,
                            "--user", IAM_USER, "--domain", IAM_DOMAIN,
                            "--project", "cn-north-4", "--print"],
                           capture_output=True, text=True, env=env, timeout=30,
                           stdin=subprocess.DEVNULL, start_new_session=True)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("DEPLOYSTOP_PASSWORD", p.stderr)
        self.assertEqual(self.iam_requests(), [])


class IamLongToken(IamToken):
    mock_extra = ("--iam-token-len", "20000")

    def test_token_goes_to_a_0600_file_and_then_stops(self):
        r = self.token()
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(len(read(self.out)), 20000 + 1)
        s = run_cli(stop_args(self.mock), token=None, token_file=self.out)
        self.assertEqual(s.code, 0, s.stderr)

    test_print_writes_the_token_to_stdout_only_when_asked = None
    test_out_and_print_together_are_a_usage_error = None
    test_wrong_password_is_auth_failed_and_writes_nothing = None
    test_existing_readable_file_is_narrowed_to_0600 = None
    test_refresh_margin_keeps_a_token_that_is_still_valid = None
    test_no_password_and_no_terminal_is_a_usage_error = None
    test_iam_outage_is_retried_and_the_token_written = None
    test_iam_outage_past_the_retries_is_unavailable_and_writes_nothing = None


if __name__ == "__main__":
    unittest.main()
