"""End-to-end: the CLI's TLS library and protocol versions (Mbed TLS 3.6 LTS,
built from Debian 13's source by mk/mbedtls.mk): TLS 1.3 when the server offers
it, TLS 1.2 when that is the server's maximum, and the version line naming
the library.

Run by `make e2e` with the other tests/e2e files.
"""
import unittest

from e2e_support import CLI, TOKEN, Mock, run_cli, stop_args


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


if __name__ == "__main__":
    unittest.main()
