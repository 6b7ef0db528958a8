#!/bin/sh
# Fetch lwIP 2.2.1 and Mbed TLS 3.6 LTS from Debian 13 ("trixie") source
# packages into third_party/ (git-ignored) when missing. Only a deb-src list
# is used (no Debian 13 binary is ever installed); it lives beside the
# trees, so the system's apt configuration is never touched.
# Leaves THIRD_PARTY_DIR/lwip and THIRD_PARTY_DIR/mbedtls pointing at the
# versioned trees, so the build names fixed paths.
# Usage: port/lwip/fetch_sources.sh THIRD_PARTY_DIR
set -eu
dir=${1:-third_party}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
# The versions the build is written for: an older tree left in the folder
# (lwIP 2.1, Mbed TLS 2.28) does not count.
LWIP_GLOB='lwip-2.2.[0-9]*'
MBEDTLS_GLOB='mbedtls-3.6.[0-9]*'
glob_of() { if [ "$1" = lwip ]; then echo "$LWIP_GLOB"; else echo "$MBEDTLS_GLOB"; fi; }
have() { ls -d "$dir"/$(glob_of "$1")/ >/dev/null 2>&1; }
link() {
    tree=$(cd "$dir" && ls -d $(glob_of "$1")/ | sort -V | tail -n 1)
    ln -sfn "${tree%/}" "$dir/$1"
}
if have lwip && have mbedtls; then
    link lwip
    link mbedtls
    exit 0
fi
cat > "$dir/src.sources" <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
mkdir -p "$dir/lists/partial"
set -- -o Dir::Etc::SourceList="$dir/src.sources" -o Dir::Etc::SourceParts=/dev/null \
       -o Dir::State::Lists="$dir/lists"
apt-get "$@" update >/dev/null
pkgs=""
have lwip || pkgs="$pkgs lwip"
have mbedtls || pkgs="$pkgs mbedtls"
# shellcheck disable=SC2086
(cd "$dir" && apt-get "$@" source $pkgs >/dev/null)
have lwip && have mbedtls
link lwip
link mbedtls
