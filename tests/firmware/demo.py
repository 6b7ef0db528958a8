"""The kill switch as a person would watch it: QEMU boots a blank device,
the console provisions it by task (endpoint, project, tasks, token, CA),
the self-test makes it READY, the power is cut and comes back (the
configuration is in flash), then the button is held: the deployment that
runs on the mock server is found, stopped and seen to end. A second press
finds nothing running. Console lines are shown as they come.
Usage: demo.py ELF WORKDIR
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwharness as h  # noqa: E402

PROJECT = "8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a"   # the mock's project
TASK2 = "1f2e3d4c5b6a79880716253443526170"
LEDS = {
    "BOOT": "green+red on",
    "NETWORK": "green blinking (2 Hz): waiting for DHCP",
    "READY": "green on: armed, self-test passed",
    "NOT_READY": "red blinking (2 Hz): see the reason; a press still tries",
    "HOLDING": "red flickering: keep holding to fire",
    "STOPPING": "red on, green blinking: stopping",
    "DONE": "red on = stopped and ended; green blinking = nothing was running; "
            "red blinking = accepted, not seen to end; red/green alternating = failed",
}


def show(line):
    print("  device | " + line, flush=True)
    if line.startswith("STATE "):
        print("         (LEDs: %s)" % LEDS.get(line[6:].split()[0], "?"), flush=True)


def main():
    elf, work = sys.argv[1], os.path.abspath(sys.argv[2])
    os.makedirs(work, exist_ok=True)
    certs = h.make_certs(os.path.join(work, "certs"))
    with open(os.path.join(certs, "ca.pem")) as f:
        ca = f.read()
    token = "MIIDemoToken" + "x" * 9000
    mock = h.Mock(work, "demo", certs, token, max_seconds=170)
    print("mock CodeArts Deploy on 127.0.0.1:%d (the guest sees it as %s)"
          % (mock.port, mock.endpoint()))
    flash = os.path.join(work, "flash")
    fw = h.Firmware(elf, max_seconds=160, echo=show, flash_dir=flash, fresh_flash=True)
    try:
        fw.expect(r"^STATE NOT_READY", 30)
        print("\n-- provisioning by task over the serial console (the token is never echoed)")
        fw.provision(mock.endpoint(), h.TASK_ID, None, token, ca, project=PROJECT)
        fw.cmd("add task " + TASK2)
        fw.expect(r"^STATE READY$", 30)
        fw.cmd("show")
        print("\n-- power cut: the configuration is in flash (%s)" % fw.flash_path)
        fw.kill()
        time.sleep(0.5)
        fw = h.Firmware(elf, max_seconds=120, echo=show, flash_dir=flash)
        fw.expect(r"^BOOT reason=power config=flash", 20)
        fw.expect(r"^STATE READY$", 30)
        print("\n-- a knock on the button (0.3 s) must not fire")
        time.sleep(0.2)
        fw.cmd("press 300")
        fw.expect(r"^HOLD released", 5)
        time.sleep(0.5)
        print("\n-- holding the button for 1.5 s: stop whatever runs on both tasks")
        line, secs = fw.press(40)
        first = fw.last_all
        print("\n-- %s after %.1f s" % (first, secs))
        for r in mock.puts(2):
            print("mock saw: %s %s, token %d chars (auth %s), answered %s"
                  % (r["method"], r["target"], r["headers"]["x-auth-token"]["len"], r["auth"],
                     r["status"]))
        print("\n-- holding it again: nothing is running now")
        fw.press(40)
        second = fw.last_all
        print("\n-- %s" % second)
        fw.cmd("stats")
        ok = first.startswith("RESULT ALL STOPPED") and \
            second.startswith("RESULT ALL NOTHING_RUNNING")
        return 0 if ok else 1
    finally:
        fw.exit()
        fw.kill()
        mock.stop()


if __name__ == "__main__":
    sys.exit(main())
