#!/usr/bin/env bash
# tests/tls/interop_close.sh - `gmtls client` exits when the server closes
# with close_notify and then waits for ours (RFC 8446 §6.1 lets a peer keep
# reading after its close_notify), while our stdin stays open. The server
# (Python's ssl module on libssl, over memory BIOs) sends its data and its
# close_notify in one write, so they reach the client in one read: the
# client must not then wait on the socket for more (the hang of issue 13).
set -u
. "$(dirname "$0")/interop_lib.sh"
command -v python3 >/dev/null || { echo "FAIL: python3 not installed" >&2; exit 1; }
make_chain ecdsa ecdsa

cat >"$TMP/server.py" <<'PY'
# TLS over memory BIOs, so that the data record and the close_notify leave
# in one send() and reach the client in one read.
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
ctx.num_tickets = 0
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
print("port", s.getsockname()[1], flush=True)
c, _ = s.accept()
inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
t = ctx.wrap_bio(inc, out, server_side=True)

def pump(step):
    while True:
        try:
            return step()
        except ssl.SSLWantReadError:
            c.sendall(out.read())
            data = c.recv(65536)
            if not data:
                raise SystemExit("client closed the TCP connection first")
            inc.write(data)

pump(t.do_handshake)
c.sendall(out.read())
t.write(b"bye from the server\n")
try:
    t.unwrap()  # queues close_notify; the client's comes later
except ssl.SSLWantReadError:
    pass
c.sendall(out.read())  # data + close_notify in one write
pump(t.unwrap)  # waits for the client's close_notify
print("got the client's close_notify", flush=True)
c.close()
PY

for i in 1 2 3; do
    timeout 30 python3 "$TMP/server.py" "$TMP/ecdsa-chain.pem" "$TMP/ecdsa-leaf.key" >"$TMP/py$i.log" 2>&1 &
    PY_PID=$!
    PIDS+=("$PY_PID")
    if ! line=$(wait_line "$TMP/py$i.log" '^port ' "$PY_PID"); then
        fail "python TLS server did not start"
        sed 's/^/    | /' "$TMP/py$i.log" >&2
        break
    fi
    # stdin stays open (a fifo held by a sleep), so only the server's close
    # can end the client
    hold_stdin 60
    start=$(date +%s)
    timeout 20 "$GMTLS" client "127.0.0.1:${line#port }" --servername localhost --ca "$TMP/ecdsa-ca.pem" \
        <"$HOLD_FIFO" >"$TMP/cli$i.out" 2>&1
    rc=$?
    if [ "$rc" -eq 0 ] && [ $(($(date +%s) - start)) -lt 15 ]; then
        pass "run $i: client exited after the server's close_notify"
    else
        fail "run $i: client exit $rc after $(($(date +%s) - start)) s (124 = killed: it hung)"
    fi
    expect_grep "$TMP/cli$i.out" '^bye from the server$' "run $i: client printed the server's data"
    wait "$PY_PID"
    expect_grep "$TMP/py$i.log" "^got the client's close_notify$" "run $i: client answered with close_notify"
done
finish
