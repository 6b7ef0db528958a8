#!/bin/sh
# Fetch lwIP and mbedTLS from Debian's source packages into third_party/
# (git-ignored) when missing. The deb-src list lives beside the trees, so
# the system's apt configuration is never touched.
# Leaves THIRD_PARTY_DIR/lwip and THIRD_PARTY_DIR/mbedtls pointing at the
# versioned trees, so the build names fixed paths.
# Usage: port/lwip/fetch_sources.sh THIRD_PARTY_DIR
set -eu
dir=${1:-third_party}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
have() { ls -d "$dir"/"$1"-[0-9]*/ >/dev/null 2>&1; }
link() {
    tree=$(cd "$dir" && ls -d "$1"-[0-9]*/ | head -n 1)
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
Suites: bookworm
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
