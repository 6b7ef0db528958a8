"""Measure the firmware's run-time memory in QEMU for `make size`: a blank
device provisioned by task, its self-test, then one press against the mock
with an ECDSA and one with an RSA certificate (discover, stop, wait for the
end), each with a 20,000-char token, then the board's `stats` line (mbedTLS
arena peak, lwIP heap peak, deepest stack use, longest stretch between
watchdog feeds). Usage: measure.py ELF WORKDIR
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwharness as h  # noqa: E402


def main():
    elf, work = sys.argv[1], os.path.abspath(sys.argv[2])
    os.makedirs(work, exist_ok=True)
    certs = h.make_certs(os.path.join(work, "certs"))
    with open(os.path.join(certs, "ca.pem")) as f:
        ca = f.read()
    token = "M" * 20000
    mocks = [h.Mock(work, "measure-ecdsa", certs, token, max_seconds=120),
             h.Mock(work, "measure-rsa", certs, token, extra=["--cert-host", "rsa"],
                    max_seconds=120)]
    fw = h.Firmware(elf, max_seconds=120, flash_dir=os.path.join(work, "flash"), fresh_flash=True)
    try:
        fw.expect(r"^STATE NOT_READY", 30)
        fw.provision(mocks[0].endpoint(), h.TASK_ID, None, token, ca, hold_ms=200,
                     project="8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a")
        fw.expect(r"^STATE READY$", 30)
        for i, m in enumerate(mocks):
            if i:
                fw.cmd("set endpoint " + m.endpoint())
                fw.expect(r"^CHECK ok ", 30)
            line, _ = fw.press(30)
            if not line.startswith("RESULT STOPPED"):
                print("measure: stop failed: " + line, file=sys.stderr)
                return 1
        st = fw.stats()
    finally:
        fw.exit()
        fw.kill()
        for m in mocks:
            m.stop()
    print("firmware run-time (QEMU, ECDSA + RSA stop, 20,000-char token):")
    print("  mbedTLS arena peak   %6s of %s bytes (%s blocks at peak, 32-byte header each)"
          % (st["arena_peak"], st["arena_size"], st["arena_peak_blocks"]))
    print("  lwIP heap peak       %6s of %s bytes" % (st["lwip_heap_peak"], st["lwip_heap_size"]))
    print("  stack, deepest use   %6s of %s bytes (painted high-water mark)"
          % (st["stack_peak"], st["stack_size"]))
    print("  watchdog, longest stretch between feeds %s us of guest time (QEMU without "
          "-icount: see make latency for instructions)" % st["feed_gap_max_us"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
