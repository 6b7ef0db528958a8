"""End-to-end: the CLI's TLS library and protocol versions (Mbed TLS 3.6 LTS,
built from Debian 13's source by mk/mbedtls.mk): TLS 1.3 when the server offers
it, TLS 1.2 when that is the server's maximum, and the version line naming
the library.

Run by `make e2e` with the other tests/e2e files.
"""
import os
import subprocess
import unittest

from e2e_support import CLI, ROOT, TOKEN, Mock, certs, run_cli, stop_args

PROBE = os.environ.get("E2E_SESSION_PROBE",
                       os.path.join(ROOT, "build", "e2e", "session_probe"))


class TlsVersions(unittest.TestCase):
    def stop_over(self, extra):
        m = Mock(extra=extra)
        try:
            r = run_cli(stop_args(m, extra=["--retries", "0"]))
            self.assertNotIn(TOKEN, r.stdout + r.stderr)
            hs = m.events("handshake")
        finally:
            m.stop()
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(len(hs), 1, hs)
        return hs[0]

    def test_tls13_is_used_when_the_server_offers_it(self):
        hs = self.stop_over(["--tls-max", "1.3"])
        self.assertEqual(hs["tls_version"], "TLSv1.3")

    def test_tls12_server_still_works(self):
        hs = self.stop_over(["--tls-max", "1.2"])
        self.assertEqual(hs["tls_version"], "TLSv1.2")
        self.assertIn("GCM", hs["cipher"])

    def test_version_names_mbed_tls_3_6(self):
        r = run_cli(["--version"], token=None)
        self.assertEqual(r.code, 0)
        self.assertRegex(r.stdout, r"^deploystop \d+\.\d+\.\d+ \(Mbed TLS 3\.6\.\d+\)$")


class SessionResumption(unittest.TestCase):
    """TLS session resumption (ds_transport.h): the CLI keeps the session of
    its first connection and offers it on the next one of the same run."""

    # A 503 once, then the server closes after each answer (close_notify +
    # FIN): the retry needs a new connection, which resumes.
    DROPPER = ["--fault", "status:503", "--fault", "retry_after:0", "--fault", "fail_times:1",
               "--close-after-answers", "1", "--close-style", "notify"]

    def run_two_connections(self, extra):
        m = Mock(extra=self.DROPPER + extra)
        try:
            r = run_cli(stop_args(m, extra=["--retries", "2"]))
            self.assertNotIn(TOKEN, r.stdout + r.stderr)
            m.wait_connections(2)
            hs = m.events("handshake")
            puts = [e for e in m.api_requests() if e.get("method") == "PUT"]
        finally:
            m.stop()
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual([p["status"] for p in puts], [503, 200])
        self.assertEqual([p["conn"] for p in puts], [1, 2])
        self.assertEqual(len(hs), 2, hs)
        return hs

    def test_second_connection_resumes_tls12(self):
        hs = self.run_two_connections(["--tls-max", "1.2"])
        self.assertEqual([h["tls_version"] for h in hs], ["TLSv1.2"] * 2)
        self.assertEqual([h["session_reused"] for h in hs], [False, True])

    def test_second_connection_resumes_tls13_default(self):
        hs = self.run_two_connections([])
        self.assertEqual([h["tls_version"] for h in hs], ["TLSv1.3"] * 2)
        self.assertEqual([h["session_reused"] for h in hs], [False, True])

    def test_server_without_resumption_gets_full_handshakes(self):
        for tls in ("1.2", "1.3"):
            with self.subTest(tls=tls):
                hs = self.run_two_connections(["--tls-max", tls, "--no-resumption"])
                self.assertEqual([h["session_reused"] for h in hs], [False, False])

    def test_session_of_one_host_is_not_offered_to_another(self):
        # One slot, one server reached as 127.0.0.1 and as localhost: the
        # session is offered (and resumed) for its own host name only.
        hosts = ["127.0.0.1", "127.0.0.1", "localhost", "localhost", "127.0.0.1"]
        for tls in ("1.2", "1.3"):
            with self.subTest(tls=tls):
                m = Mock(extra=["--tls-max", tls])
                try:
                    out = subprocess.run([PROBE, os.path.join(certs(), "ca.pem"), str(m.port)]
                                         + hosts, capture_output=True, text=True, timeout=60)
                    m.wait_connections(len(hosts))
                    hs = m.events("handshake")
                finally:
                    m.stop()
                self.assertEqual(out.returncode, 0, out.stderr)
                lines = out.stdout.splitlines()
                self.assertEqual([l.split()[0] for l in lines], hosts)
                self.assertTrue(all(" rc=0 " in l for l in lines), lines)
                self.assertEqual([" offered=1 " in l for l in lines],
                                 [False, True, False, True, False])
                self.assertEqual([h["session_reused"] for h in hs],
                                 [False, True, False, True, False])


if __name__ == "__main__":
    unittest.main()
