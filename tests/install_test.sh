#!/usr/bin/env bash
# `make install` layout: library, headers and gmtls.pc installed under a
# prefix; a program builds against them through pkg-config and links the
# shared library; the shared library exports the public API and hides the
# internals (-fvisibility=hidden).
set -uo pipefail
B=${GMTLS_BUILD:?}
S=${GMTLS_SOURCE:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }

if timeout 120 cmake --install "$B" --prefix "$T/prefix" >"$T/install.log" 2>&1; then ok "cmake --install"; else bad "cmake --install: $(cat "$T/install.log")"; fi
for f in include/gmtls.h include/gmtls/sm.h bin/gmtls; do
    [ -e "$T/prefix/$f" ] && ok "installed $f" || bad "missing $f"
done
pc=$(find "$T/prefix" -name gmtls.pc | head -n 1)
lib=$(find "$T/prefix" -name 'libgmtls.so.0*' | head -n 1)
[ -n "$pc" ] && ok "installed gmtls.pc" || bad "missing gmtls.pc"
[ -n "$lib" ] && ok "installed libgmtls.so" || bad "missing libgmtls.so"
export PKG_CONFIG_PATH=$(dirname "$pc")
flags=$(pkg-config --cflags --libs gmtls 2>&1) && ok "pkg-config gmtls: $flags" || bad "pkg-config: $flags"
# shellcheck disable=SC2086
if cc -std=c11 -Wall -Werror "$S/examples/client.c" $flags -Wl,-rpath,"$(dirname "$lib")" -o "$T/client" 2>"$T/cc.log"; then
    ok "examples/client.c builds against the installed library"
    deps=$(ldd "$T/client")
    case "$deps" in
    *"$(dirname "$lib")/libgmtls.so.0"*) ok "links the installed shared library" ;;
    *) bad "ldd: $deps" ;;
    esac
    "$T/client" 2>/dev/null
    [ $? -eq 2 ] && ok "runs (usage exit 2 without arguments)" || bad "example did not run"
else
    bad "build against the installed library: $(cat "$T/cc.log")"
fi
syms=$(nm -D --defined-only "$lib" | awk '{print $3}')
for s in gmtls_config_new gmtls_handshake gmtls_receive gmtls_send gmtls_io_read gmtls_sm3 gmtls_sm4_gcm_seal gmtls_sm2_sign gmtls_rng; do
    grep -qx "$s" <<<"$syms" && ok "exports $s" || bad "does not export $s"
done
for s in gmtls_rec_open gmtls_hkdf_expand_label gmtls_server_handle gmtls_sm2_fp_inv gmtls_random gmtls_rng_cb; do
    grep -qx "$s" <<<"$syms" && bad "exports internal $s" || ok "hides $s"
done
echo "install_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
