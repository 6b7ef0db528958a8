"""End-to-end: a hostile server that echoes the run's secrets (the token,
the AK/SK secret, an IAM password), whole and in pieces, in error_msg, in
headers, in a chunked body and in a 301 Location, finds none of them in any
output: every run of 16 or more consecutive characters of a secret is
[REDACTED], on stdout and stderr, with -v and with --json."""
import os
import unittest

from e2e_support import RECORD_RUNNING, TASK_ID, Mock, certs, run_cli

LONG_TOKEN = "MIIE" + "".join("%04d-" % i for i in range(3999))[:19990] + "end!!!"
AK = "QTWAOYTTINDUT2QVKYUC"
SK = "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"
IAM_PASSWORD = "correct horse battery staple 9!"


def leaked_runs(secret, text, run=16):
    """Every window of `run` characters of secret that appears in text."""
    if len(secret) < run:
        return [secret] if secret in text else []
    grams = {text[i:i + run] for i in range(max(0, len(text) - run + 1))}
    return [secret[i:i + run] for i in range(len(secret) - run + 1)
            if secret[i:i + run] in grams]


class EchoCase(unittest.TestCase):
    mock_extra = ()
    token = LONG_TOKEN

    @classmethod
    def setUpClass(cls):
        cls.mock = Mock(token=cls.token, extra=list(cls.mock_extra))

    @classmethod
    def tearDownClass(cls):
        cls.mock.stop()

    def setUp(self):
        self.mock.reset()

    def run_stop(self, faults, extra=(), env=None, token=None):
        self.mock.set_faults(faults)
        self.mock.mark()
        args = ["stop", "--endpoint", self.mock.endpoint, "--task", TASK_ID,
                "--record", RECORD_RUNNING,
                "--ca-file", os.path.join(certs(), "ca.pem")] + list(extra)
        return run_cli(args, token=token, env_extra=env)

    def assertNoSecret(self, secret, r):
        out = r.stdout + r.stderr
        self.assertEqual(leaked_runs(secret, out), [], out[:400])
        return out


class TokenEchoed(EchoCase):
    def test_token_echoed_in_error_msg_is_redacted_on_stderr(self):
        r = self.run_stop(["echo_secrets"], token=LONG_TOKEN)
        self.assertEqual(r.code, 3, r.stderr)
        out = self.assertNoSecret(LONG_TOKEN, r)
        self.assertIn("[REDACTED]", out)

    def test_token_echoed_is_redacted_in_json(self):
        r = self.run_stop(["echo_secrets"], extra=["--json"], token=LONG_TOKEN)
        self.assertEqual(r.code, 3)
        self.assertNoSecret(LONG_TOKEN, r)
        self.assertIn("[REDACTED]", r.stdout)

    def test_token_echoed_in_headers_is_redacted_in_the_verbose_trace(self):
        r = self.run_stop(["echo_secrets"], extra=["-v"], token=LONG_TOKEN)
        self.assertEqual(r.code, 3)
        self.assertNoSecret(LONG_TOKEN, r)

    def test_token_echoed_in_a_chunked_body_is_redacted(self):
        r = self.run_stop(["echo_secrets", "chunked"], extra=["-v", "--json"],
                          token=LONG_TOKEN)
        self.assertEqual(r.code, 3)
        self.assertNoSecret(LONG_TOKEN, r)

    def test_token_echoed_in_a_301_location_is_redacted(self):
        r = self.run_stop(["echo_location"], extra=["-v"], token=LONG_TOKEN)
        self.assertEqual(r.code, 8, r.stderr)
        self.assertNoSecret(LONG_TOKEN, r)


class SecretKeyEchoed(EchoCase):
    mock_extra = ("--ak", AK, "--sk", SK)

    def test_sk_echoed_is_redacted_everywhere(self):
        env = {"DEPLOYSTOP_AK": AK, "DEPLOYSTOP_SK": SK}
        for extra in ((), ("-v",), ("--json",), ("-v", "--json")):
            r = self.run_stop(["echo_secrets"], extra=extra, env=env)
            self.assertEqual(r.code, 3, r.stderr)
            self.assertNoSecret(SK, r)


class PasswordEchoed(EchoCase):
    mock_extra = ("--iam-password", IAM_PASSWORD)

    def test_iam_password_echoed_is_redacted(self):
        self.mock.set_faults(["echo_secrets"])
        r = run_cli(["token", "--iam-endpoint", self.mock.endpoint, "--user",
                     "deploystop-user", "--domain", "deploystop-account",
                     "--project", "cn-north-4", "--print",
                     "--ca-file", os.path.join(certs(), "ca.pem")],
                    token=None, env_extra={"DEPLOYSTOP_PASSWORD": IAM_PASSWORD})
        self.assertEqual(r.code, 3, r.stderr)
        out = self.assertNoSecret(IAM_PASSWORD, r)
        self.assertIn("[REDACTED]", out)


if __name__ == "__main__":
    unittest.main()
