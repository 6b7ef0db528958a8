#!/bin/sh
# Make sure the Debian packages named on the command line are installed.
# As root, installs the missing ones with apt-get; otherwise prints the exact
# command to run and fails, so a build never half-works on a bare machine.
set -eu
missing=""
for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ]; then
    echo "deps: installing$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    # A fresh machine may have no package lists yet; an old list may 404.
    apt-get update -q >/dev/null || apt-get update
    apt-get install -y -q --no-install-recommends $missing >/dev/null
else
    echo "deps: missing Debian packages:$missing" >&2
    echo "deps: run: sudo apt-get install -y$missing" >&2
    exit 1
fi
