"""The kill switch as a person would watch it: QEMU boots the firmware, the
console provisions it (endpoint, ids, token, CA), then the button is held
and the deployment on the mock server stops. Console lines are shown as
they come; the mock's view of the request is printed at the end.
Usage: demo.py ELF WORKDIR
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fwharness as h  # noqa: E402

LEDS = {
    "BOOT": "green+red on",
    "NETWORK": "green blinking (2 Hz): waiting for DHCP",
    "READY": "green on: armed",
    "HOLDING": "red flickering: keep holding to fire",
    "STOPPING": "red on, green blinking: stopping",
    "DONE": "red on = STOPPED; red/green alternating = failed, see RESULT",
}


def show(line):
    print("  device | " + line, flush=True)
    if line.startswith("STATE "):
        print("         (LEDs: %s)" % LEDS.get(line[6:], "?"), flush=True)


def main():
    elf, work = sys.argv[1], os.path.abspath(sys.argv[2])
    os.makedirs(work, exist_ok=True)
    certs = h.make_certs(os.path.join(work, "certs"))
    with open(os.path.join(certs, "ca.pem")) as f:
        ca = f.read()
    token = "MIIDemoToken" + "x" * 9000
    mock = h.Mock(work, "demo", certs, token, max_seconds=120)
    print("mock CodeArts Deploy on 127.0.0.1:%d (the guest sees it as %s)"
          % (mock.port, mock.endpoint()))
    fw = h.Firmware(elf, max_seconds=120, echo=show)
    try:
        fw.expect(r"^STATE READY$", 30)
        print("\n-- provisioning over the serial console (the token is never echoed)")
        fw.provision(mock.endpoint(), h.TASK_ID, h.RECORD_RUNNING, token, ca)
        fw.cmd("show")
        print("\n-- a knock on the button (0.3 s) must not fire")
        time.sleep(0.2)
        fw.cmd("press 300")
        fw.expect(r"^HOLD released", 5)
        time.sleep(0.5)
        print("\n-- holding the button for 1.5 s")
        line, secs = fw.press(40)
        print("\n-- %s after %.1f s" % (line.split()[1], secs))
        reqs = mock.wait_events("request", 1)
        if reqs:
            r = reqs[-1]
            print("mock saw: %s %s, token %d chars (auth %s), answered %s"
                  % (r["method"], r["target"], r["headers"]["x-auth-token"]["len"], r["auth"],
                     r["status"]))
        fw.cmd("stats")
        return 0 if line.startswith("RESULT STOPPED") else 1
    finally:
        fw.exit()
        fw.kill()
        mock.stop()


if __name__ == "__main__":
    sys.exit(main())
