#!/usr/bin/env bash
# tests/cli/cli_load.sh - load on loopback against `gmtls server --www
# --workers 2`, driven by tests/tools/loadgen (the gmtls library, epoll):
#   ROUNDS rounds; each holds 500 connections established at once (the
#   server's fd count is sampled while they are held), then runs 2000 more
#   handshakes at 500 in flight; profiles cycle through SM4-GCM/SM4-CCM
#   (curveSM2, SM2 chain) and AES-128/AES-256/ChaCha20 (x25519, P-256,
#   P-384; ECDSA chain); half of the connections resume with a ticket
#   every connection checks its status page; no error anywhere (loadgen, the
#   access log); after each round the server's open fds return to their
#   baseline; after WARMUP rounds its VmRSS stays under the warm-up rounds'
#   peak plus a tolerance (it may fall: freed heap is given back) and does
#   not keep growing. Bounded: each loadgen run has --timeout 120. No timing
#   assumption: loadgen holds its connections until the script has counted
#   the server's fds (--hold-file), and every wait is for a condition.
. "$(dirname "$0")/cli_lib.sh"

LOADGEN=$HELPERS/loadgen
[ -x "$LOADGEN" ] || { fail "$LOADGEN is not built"; finish; }
ROUNDS=${CLI_LOAD_ROUNDS:-8}
WARMUP=2
CONNS=500
HANDSHAKES=2000
PROFILES=sm4gcm,aes128,sm4ccm,chacha,aes256,p384
DEV=$TMP/dev
ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)"

log=$TMP/load.log
start_server "$log" --www --dev-dir "$DEV" --workers 2
fds() { # no fork: this runs 20 times a second during a round
    local fdl=("/proc/$GM_PID/fd/"*)
    echo "${#fdl[@]}"
}
rss_kb() {
    awk '/^VmRSS:/ {print $2}' "/proc/$GM_PID/status"
}
# one request so every worker-independent lazy allocation has happened
timeout 20 "$GMTLS" client "127.0.0.1:$SRV_PORT" --ca "$DEV/ca.pem" --get / --quiet >/dev/null 2>&1
# The baseline counts no connection: the server writes a connection's
# access-log line right before it closes its fd, so wait for that line, then
# take the lowest count over the next second (on a loaded machine the close
# may come a moment after the line; counting it made the baseline one too
# high, and every round then waited 60 s for a fd count it never reached).
for i in $(seq 1 400); do
    grep -q ' proto=' "$log" && break
    sleep 0.05
done
base_fds=$(fds)
for i in $(seq 1 20); do
    sleep 0.05
    n=$(fds)
    [ "$n" -lt "$base_fds" ] && base_fds=$n
done
echo "server pid $GM_PID: $base_fds fds, VmRSS $(rss_kb) kB at the start"

rss=()
total=0
t_start=$(now_ms)
printf '%-6s %-10s %-8s %-8s %-8s %-9s %-9s %-8s\n' round handshakes full resumed seconds max_fds fds_after rss_kB
for r in $(seq 1 "$ROUNDS"); do
    out=$TMP/loadgen-$r.out
    release=$TMP/release-$r
    timeout 150 "$LOADGEN" 127.0.0.1 "$SRV_PORT" --ca "$DEV/ca.pem" --conns "$CONNS" --handshakes "$HANDSHAKES" \
        --resume 50 --profiles "$PROFILES" --hold-file "$release" --timeout 120 >"$out" 2>&1 &
    lg=$!
    PIDS+=("$lg")
    # while loadgen holds its CONNS served connections, the server has them
    # all open: count its fds (until they are all seen, or 60 s), then release
    max_fds=0
    for i in $(seq 1 1200); do
        grep -q '^loadgen: holding ' "$out" 2>/dev/null && break
        kill -0 "$lg" 2>/dev/null || break
        sleep 0.05
    done
    for i in $(seq 1 600); do
        fdl=("/proc/$GM_PID/fd/"*)
        [ "${#fdl[@]}" -gt "$max_fds" ] && max_fds=${#fdl[@]}
        [ "$max_fds" -ge $((base_fds + CONNS)) ] && break
        kill -0 "$lg" 2>/dev/null || break
        sleep 0.1
    done
    touch "$release"
    wait "$lg"
    rc=$?
    total=$((total + CONNS + HANDSHAKES))
    summary=$(grep -E '^loadgen: [0-9]+ handshakes' "$out")
    if [ $rc -ne 0 ]; then
        fail "round $r: loadgen exit status $rc"
        sed 's/^/    | /' "$out" | tail -n 25 >&2
    else
        pass "round $r: loadgen ok"
    fi
    read -r hs full resumed peak errors secs < <(echo "$summary" |
        sed -E 's/^loadgen: ([0-9]+) handshakes \(([0-9]+) full, ([0-9]+) resumed\), peak ([0-9]+) established, ([0-9]+) errors, ([0-9.]+) s$/\1 \2 \3 \4 \5 \6/')
    expect_eq "round $r: handshakes" "${hs:-none}" $((CONNS + HANDSHAKES))
    expect_eq "round $r: errors" "${errors:-none}" 0
    check "round $r: $CONNS connections established at once (client side)" test "${peak:-0}" -ge "$CONNS"
    check "round $r: $CONNS connections open at once (server fds: max $max_fds)" \
        test "$max_fds" -ge $((base_fds + CONNS))
    check "round $r: both full and resumed handshakes" test "${full:-0}" -gt 0 -a "${resumed:-0}" -gt 0
    for p in sm4gcm sm4ccm aes128 chacha; do
        line=$(grep -E "^loadgen: profile $p " "$out")
        f=$(echo "$line" | sed -nE 's/.* full ([0-9]+) resumed ([0-9]+)$/\1/p')
        s=$(echo "$line" | sed -nE 's/.* full ([0-9]+) resumed ([0-9]+)$/\2/p')
        check "round $r: $p had full ($f) and resumed ($s) handshakes" test "${f:-0}" -gt 0 -a "${s:-0}" -gt 0
    done
    # the server lets go of every connection (waits up to 60 s: a loaded
    # machine may take a while; it passes as soon as the count is back)
    for i in $(seq 1 1200); do
        [ "$(fds)" -le "$base_fds" ] && break
        sleep 0.05
    done
    after=$(fds)
    expect_eq "round $r: server fds back to the baseline" "$after" "$base_fds"
    # After the warm-up rounds, memory must come back under the warm-up peak
    # plus a tolerance. The server gives freed heap back (malloc_trim) when a
    # worker's last connection is gone, at most every 2 s, so wait for the
    # condition (up to 30 s) instead of sampling at one instant.
    if [ "$r" -eq $((WARMUP + 1)) ]; then
        warm_hi=0
        for v in "${rss[@]}"; do
            [ "$v" -gt "$warm_hi" ] && warm_hi=$v
        done
        tol=$((warm_hi * 15 / 100))
        [ "$tol" -lt 8192 ] && tol=8192
    fi
    if [ "$r" -gt "$WARMUP" ]; then
        for i in $(seq 1 300); do
            [ "$(rss_kb)" -le $((warm_hi + tol)) ] && break
            sleep 0.1
        done
    fi
    rss+=("$(rss_kb)")
    printf '%-6s %-10s %-8s %-8s %-8s %-9s %-9s %-8s\n' "$r" "${hs:-?}" "${full:-?}" "${resumed:-?}" "${secs:-?}" \
        "$max_fds" "$after" "${rss[-1]}"
done
t_end=$(now_ms)
echo "$ROUNDS rounds, $total connections in $(((t_end - t_start) / 1000)) s"

# memory: after the warm-up rounds the RSS must settle
if [ "$ROUNDS" -gt $((WARMUP + 2)) ]; then
    settled=("${rss[@]:$WARMUP}")
    lo=${settled[0]} hi=${settled[0]}
    growing=1
    for ((i = 0; i < ${#settled[@]}; i++)); do
        v=${settled[$i]}
        [ "$v" -lt "$lo" ] && lo=$v
        [ "$v" -gt "$hi" ] && hi=$v
        if [ "$i" -gt 0 ] && [ "$v" -le "${settled[$((i - 1))]}" ]; then
            growing=0
        fi
    done
    first=${settled[0]} last=${settled[-1]}
    # the server gives freed heap back (malloc_trim) once a crowd of
    # connections is gone, so a round may end lower than the one before:
    # the bound (warm_hi + tol, set after the warm-up rounds above) is on
    # growth above the warm-up rounds' highest RSS
    if [ "$hi" -le $((warm_hi + tol)) ]; then
        pass "VmRSS after warm-up stays under the warm-up peak $warm_hi kB + $tol kB (range $lo..$hi kB)"
    else
        fail "VmRSS after warm-up rose to $hi kB, above the warm-up peak $warm_hi kB + $tol kB: ${settled[*]}"
    fi
    if [ "$growing" -eq 1 ] && [ $((last - first)) -gt 4096 ]; then
        fail "VmRSS grows every round after warm-up: ${settled[*]} kB"
    else
        pass "VmRSS does not grow round after round (${settled[*]} kB)"
    fi
fi

# the server's side: one access log line per connection, all ok
wait_count "$log" ' result=' $((total + 1))
expect_eq "access log: one line per connection" "$(count_lines "$log" ' result=')" $((total + 1))
expect_eq "access log: every connection ended ok" "$(count_lines "$log" ' result=ok$')" $((total + 1))
expect_eq "access log: SM connections" "$(count_lines "$log" ' suite=TLS_SM4_(GCM|CCM)_SM3 group=curveSM2 ')" \
    "$(awk '/^loadgen: profile sm4/ {s += $(NF - 2) + $NF} END {print s}' "$TMP"/loadgen-*.out)"
expect_eq "access log: resumed connections" "$(count_lines "$log" ' resumed=yes ')" \
    "$(awk '/^loadgen: [0-9]+ handshakes/ {gsub(/[(,]/, ""); s += $6} END {print s}' "$TMP"/loadgen-*.out)"
kill -TERM "$GM_PID"
wait_exit "$SRV_PID" 30
expect_eq "server exits 0 after the load" "$EXIT_RC" 0

finish
