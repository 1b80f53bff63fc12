#!/usr/bin/env bash
# Installs the Debian 12 packages gmtls needs to build, test and run.
# As root: apt-get update + install of whatever is missing.
# Otherwise: prints the exact command to run and exits 1.
# Usage: scripts/setup.sh [build|test|run]   (default: test)
set -euo pipefail
what=${1:-test}

# zlib1g-dev, libbrotli-dev, libzstd-dev: certificate compression (RFC 8879).
need=(cmake make gcc pkg-config libssl-dev openssl zlib1g-dev libbrotli-dev libzstd-dev)
case "$what" in
    build|run) ;;
    # golang-go builds the BoGo runner and the Go-family peer; iproute2 and
    # util-linux give `ip`, `unshare` and `flock` for the peer tests (tests/peers/).
    test) need+=(gnutls-bin curl clang libclang-rt-14-dev libgcrypt20-dev valgrind chromium python3 tshark
                 golang-go iproute2 util-linux xz-utils) ;;
    *) echo "setup.sh: unknown target '$what' (build|run|test)" >&2; exit 2 ;;
esac
if [ -n "${GMTLS_EXTRA_PACKAGES:-}" ]; then
    # shellcheck disable=SC2206
    need+=($GMTLS_EXTRA_PACKAGES)
fi

missing=()
for p in "${need[@]}"; do
    if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
        missing+=("$p")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    echo "setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
else
    echo "gmtls needs these Debian packages: ${missing[*]}" >&2
    echo "run:  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi
