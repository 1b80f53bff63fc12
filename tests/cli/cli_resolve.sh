#!/usr/bin/env bash
# tests/cli/cli_resolve.sh - `gmtls client localhost:PORT` works on a system
# whose /etc/hosts does not name localhost (a minimal Debian root has no
# /etc/hosts at all): RFC 6761 §6.3, localhost names are the loopback
# addresses without a lookup. /etc/hosts is hidden by a bind mount in a
# private mount namespace (root only; skipped otherwise, run as root in CI).
. "$(dirname "$0")/cli_lib.sh"
if [ "$(id -u)" -ne 0 ] || ! unshare -m true 2>/dev/null; then
    echo "SKIPPED: needs root for a private mount namespace (unshare -m)"
    exit 77
fi
DEV=$TMP/dev
log=$TMP/server.log
start_server "$log" --www --dev-dir "$DEV"
: >"$TMP/empty-hosts"
# client NAME OUT ARGS...: `gmtls client NAME:PORT --get /` with an empty /etc/hosts
client() {
    local name=$1 out=$2
    shift 2
    timeout 30 unshare -m sh -c 'mount --bind "$1" /etc/hosts && shift && exec "$@"' sh "$TMP/empty-hosts" \
        "$GMTLS" client "$name:$SRV_PORT" --ca "$DEV/ca.pem" --get / "$@" </dev/null >"$out" 2>&1
}
# (localhost. also checks that the SNI and the verified name lose the dot)
for name in localhost LOCALHOST localhost.; do
    out=$TMP/client-$name.out
    client "$name" "$out"
    expect_grep "$out" '<td>TLSv1.3</td>' "$name resolves to loopback without /etc/hosts and serves the page"
done
# a subdomain of localhost is loopback too (the dev certificate names only localhost)
client www.localhost "$TMP/client-www.out" --servername localhost
expect_grep "$TMP/client-www.out" '<td>TLSv1.3</td>' "www.localhost resolves to loopback without /etc/hosts"
# the hidden /etc/hosts really hides it: an ordinary name does not resolve
unshare -m sh -c 'mount --bind "$1" /etc/hosts && getent hosts localhostx' sh "$TMP/empty-hosts" >/dev/null 2>&1 &&
    fail "a name outside .localhost resolved with an empty /etc/hosts" || pass "other names still need a lookup"
finish
