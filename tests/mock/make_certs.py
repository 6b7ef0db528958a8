#!/usr/bin/env python3
"""Generate the TLS fixtures the mock server and the tests share.

Usage: make_certs.py DIR

Writes into DIR (created if needed; keys are never committed, DIR is a build dir):
  ca.pem, ca.key                 test CA (ECDSA P-256)
  server.pem, server.key         signed by ca; SAN localhost, 127.0.0.1, ::1, 10.0.2.2
  wrong.pem, wrong.key           signed by ca; SAN DNS:wrong.example only
  untrusted-ca.pem, untrusted-ca.key  a second CA nobody trusts
  untrusted.pem, untrusted.key   signed by the untrusted CA; same names as server.pem
  server-rsa.pem, server-rsa.key RSA-2048 variant of server.pem (same CA) for RSA suites
  expired.pem, expired.key       signed by ca, same names as server.pem, valid only in 2020
  intermediate-ca.pem/.key       RSA intermediate CA (pathlen 0) signed by ca
  chain.pem, chain.key           RSA leaf (server names) signed by the intermediate;
                                 chain.pem = leaf followed by the intermediate
  fixtures.id                    hash of this recipe (a changed recipe regenerates)

mbedTLS 2.28 is stricter than OpenSSL about a few fields, so the CA carries a
critical basicConstraints CA:TRUE and keyUsage keyCertSign, every certificate
has a unique positive serial, and everything is signed with SHA-256.

Idempotent: when every file exists, the server certificate still verifies
against ca.pem and stays valid for at least a day, nothing is regenerated.
"""
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

FILES = ("ca.pem", "ca.key", "server.pem", "server.key", "wrong.pem",
         "wrong.key", "untrusted-ca.pem", "untrusted-ca.key", "untrusted.pem",
         "untrusted.key", "server-rsa.pem", "server-rsa.key", "expired.pem",
         "expired.key", "intermediate-ca.pem", "intermediate-ca.key",
         "chain.pem", "chain.key")

# mbedTLS 2.28 matches the name given to mbedtls_ssl_set_hostname() against
# dNSName entries only (IP SANs are ignored), so the literal addresses are
# listed as DNS names too; OpenSSL-based clients match the IP entries.
STAMP = "fixtures.id"   # hash of the recipe: a changed recipe regenerates

GOOD_SAN = ("DNS:localhost,IP:127.0.0.1,IP:::1,IP:10.0.2.2,"
            "DNS:127.0.0.1,DNS:10.0.2.2,DNS:::1")

CONFIG = """\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
subjectKeyIdentifier = hash
[leaf_good]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = {good}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[inter_ext]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ca_db]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = any_name
unique_subject = no
copy_extensions = none
[any_name]
organizationName = optional
commonName = supplied
[leaf_wrong]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:wrong.example
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
""".format(good=GOOD_SAN)


def run(*args):
    subprocess.run(["openssl"] + list(args), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def ec_key(path):
    run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-out", path)
    os.chmod(path, 0o600)


def rsa_key(path):
    run("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
        "-out", path)
    os.chmod(path, 0o600)


def make_ca(d, cfg, name, cn, serial):
    key = os.path.join(d, name + ".key")
    ec_key(key)
    run("req", "-config", cfg, "-new", "-x509", "-key", key, "-sha256",
        "-days", "3650", "-subj", "/O=deploystop tests/CN=" + cn,
        "-set_serial", str(serial), "-extensions", "ca_ext",
        "-out", os.path.join(d, name + ".pem"))


def make_leaf(d, cfg, name, cn, ca, ext, serial, keytype=ec_key):
    key = os.path.join(d, name + ".key")
    keytype(key)
    csr = os.path.join(d, name + ".csr")
    run("req", "-config", cfg, "-new", "-key", key, "-subj",
        "/O=deploystop tests/CN=" + cn, "-out", csr)
    run("x509", "-req", "-in", csr, "-CA", os.path.join(d, ca + ".pem"),
        "-CAkey", os.path.join(d, ca + ".key"), "-set_serial", str(serial),
        "-days", "825", "-sha256", "-extfile", cfg, "-extensions", ext,
        "-out", os.path.join(d, name + ".pem"))
    os.unlink(csr)


def recipe_id():
    return hashlib.sha256(CONFIG.encode()).hexdigest()


def make_expired(d, cfg, serial):
    """Signed by ca, right names, valid only during 2020: `openssl x509`
    cannot backdate, `openssl ca` can."""
    key = os.path.join(d, "expired.key")
    ec_key(key)
    csr = os.path.join(d, "expired.csr")
    run("req", "-config", cfg, "-new", "-key", key, "-subj",
        "/O=deploystop tests/CN=localhost", "-out", csr)
    with open(os.path.join(d, "index.txt"), "w"):
        pass
    with open(os.path.join(d, "serial"), "w") as f:
        h = "%X" % serial
        f.write(("0" * (len(h) % 2)) + h + "\n")  # openssl ca wants an even number of hex digits
    subprocess.run(["openssl", "ca", "-batch", "-config", cfg, "-name", "ca_db",
                    "-cert", os.path.join(d, "ca.pem"),
                    "-keyfile", os.path.join(d, "ca.key"), "-in", csr,
                    "-out", os.path.join(d, "expired.pem"), "-notext",
                    "-startdate", "20200101000000Z", "-enddate", "20201231000000Z",
                    "-extfile", cfg, "-extensions", "leaf_good"],
                   check=True, cwd=d, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)
    # openssl ca's database files and its serial-named copy stay in the
    # scratch directory, which main() removes.


def make_chain(d, cfg, serial):
    """An RSA intermediate under ca and an RSA leaf under it: chain.pem holds
    leaf + intermediate, as public endpoints serve, so the client must build
    the path to the root it trusts and take a larger Certificate message."""
    key = os.path.join(d, "intermediate-ca.key")
    rsa_key(key)
    csr = os.path.join(d, "intermediate-ca.csr")
    run("req", "-config", cfg, "-new", "-key", key, "-subj",
        "/O=deploystop tests/CN=deploystop test intermediate CA", "-out", csr)
    run("x509", "-req", "-in", csr, "-CA", os.path.join(d, "ca.pem"),
        "-CAkey", os.path.join(d, "ca.key"), "-set_serial", str(serial),
        "-days", "3650", "-sha256", "-extfile", cfg, "-extensions", "inter_ext",
        "-out", os.path.join(d, "intermediate-ca.pem"))
    os.unlink(csr)
    make_leaf(d, cfg, "chain", "localhost", "intermediate-ca", "leaf_good",
              serial + 1, rsa_key)
    with open(os.path.join(d, "chain.pem"), "a") as out, \
            open(os.path.join(d, "intermediate-ca.pem")) as inter:
        out.write(inter.read())


def up_to_date(d):
    if not all(os.path.exists(os.path.join(d, f)) for f in FILES + (STAMP,)):
        return False
    with open(os.path.join(d, STAMP)) as f:
        if f.read().strip() != recipe_id():
            return False
    ca = os.path.join(d, "ca.pem")
    inter = os.path.join(d, "intermediate-ca.pem")
    for leaf in ("server.pem", "server-rsa.pem", "wrong.pem", "chain.pem"):
        ok = subprocess.run(["openssl", "verify", "-CAfile", ca, "-untrusted",
                             inter, os.path.join(d, leaf)],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL).returncode == 0
        if not ok:
            return False
    still = subprocess.run(["openssl", "x509", "-checkend", "86400", "-noout",
                            "-in", os.path.join(d, "server.pem")],
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL).returncode == 0
    return still


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: make_certs.py DIR\n")
        return 2
    d = os.path.abspath(argv[1])
    os.makedirs(d, exist_ok=True)
    if up_to_date(d):
        return 0
    # Generate into a scratch directory and move into place at the end, so an
    # interrupted run never leaves a CA that does not match its leaves.
    tmp = tempfile.mkdtemp(prefix=".certs-", dir=d)
    try:
        generate(d, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    with open(os.path.join(d, STAMP), "w") as f:
        f.write(recipe_id() + "\n")
    return 0


def generate(d, tmp):
    cfg = os.path.join(tmp, "openssl.cnf")
    with open(cfg, "w") as f:
        f.write(CONFIG)
    # Serials differ per run so a client caching sessions by issuer+serial
    # never mixes certificates from two runs.
    base = int.from_bytes(os.urandom(6), "big") | (1 << 40)
    make_ca(tmp, cfg, "ca", "deploystop test CA", base + 1)
    make_leaf(tmp, cfg, "server", "localhost", "ca", "leaf_good", base + 2)
    make_leaf(tmp, cfg, "server-rsa", "localhost", "ca", "leaf_good",
              base + 3, rsa_key)
    make_leaf(tmp, cfg, "wrong", "wrong.example", "ca", "leaf_wrong", base + 4)
    make_ca(tmp, cfg, "untrusted-ca", "deploystop untrusted CA", base + 5)
    make_leaf(tmp, cfg, "untrusted", "localhost", "untrusted-ca", "leaf_good",
              base + 6)
    make_expired(tmp, cfg, base + 7)
    make_chain(tmp, cfg, base + 8)
    os.unlink(cfg)
    for f in FILES:
        os.replace(os.path.join(tmp, f), os.path.join(d, f))


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except subprocess.CalledProcessError as e:
        sys.stderr.write("make_certs.py: openssl failed: %s\n%s"
                         % (" ".join(e.cmd), (e.stderr or b"").decode()))
        sys.exit(1)
