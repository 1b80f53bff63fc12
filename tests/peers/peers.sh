# tests/peers/peers.sh - find, unpack and build the third-party peers that
# live interop tests run against (sourced, not run). See tests/peers/README.md.
#
#   peer_require gmssl      -> GMSSL_BIN=<build>/peers/gmssl/build/bin/gmssl
#   peer_require bogo       -> BOGO_DIR=<build>/peers/bogo (runner.test built)
#   peer_require seed-go    -> SEED_BIN=<build>/peers/seed-go-gmtls/bin
#
# Where the peers come from: $GMTLS_PEERS_DIR from the environment, else the
# CMake option of the same name (default ../shared/peers beside the repository),
# holding the source tarballs gmssl-*.tar.xz, bogo-runner-*.tar.xz and
# seed-go-gmtls-*.tar.xz. A missing peer makes the test print one line
#   SKIPPED: <peer> not found at <path>
# and exit 77 (CTest's SKIP_RETURN_CODE), unless GMTLS_REQUIRE_PEERS=1 (CI),
# when it is a failure. Each peer is built once per build tree, under a lock,
# into $GMTLS_PEER_CACHE (environment, else the CMake option: default
# <build tree>/peers); a build that fails is
# always a failure, never a skip.

GMTLS_PEERS_DIR=${GMTLS_PEERS_DIR:-${GMTLS_PEERS_DIR_DEFAULT:-${GMTLS_SOURCE:-.}/../shared/peers}}
GMTLS_PEER_CACHE=${GMTLS_PEER_CACHE:-${GMTLS_PEER_CACHE_DEFAULT:-${GMTLS_BUILD:?GMTLS_BUILD must name the build directory}/peers}}
PEER_SKIP=77

# peer_absent NAME WHERE: the skip-or-fail decision for a peer that is not there.
peer_absent() {
    if [ "${GMTLS_REQUIRE_PEERS:-0}" = 1 ]; then
        echo "FAIL: $1 not found at $2 (GMTLS_REQUIRE_PEERS=1: peer tests are mandatory)" >&2
        exit 1
    fi
    echo "SKIPPED: $1 not found at $2"
    exit "$PEER_SKIP"
}

# peer_tarball PATTERN NAME: PEER_TARBALL = the tarball matching PATTERN in
# GMTLS_PEERS_DIR (not in a subshell: peer_absent must print and exit here).
peer_tarball() {
    local f
    for f in "$GMTLS_PEERS_DIR"/$1; do
        [ -f "$f" ] && { PEER_TARBALL=$f; return 0; }
    done
    peer_absent "$2" "$GMTLS_PEERS_DIR/$1"
}

# peer_build NAME TARBALL STAMP CMD: unpack TARBALL into the cache once and run
# CMD (a function name) in the unpacked tree, under a lock so that parallel
# tests share one build; STAMP records the tarball it was built from.
peer_build() {
    local name=$1 tarball=$2 stamp=$3 cmd=$4 dir=$GMTLS_PEER_CACHE/$1
    mkdir -p "$GMTLS_PEER_CACHE"
    (
        flock 9
        if [ -f "$dir/$stamp" ] && [ "$(cat "$dir/$stamp")" = "$(basename "$tarball")" ]; then
            exit 0
        fi
        echo "peers: building $name from $(basename "$tarball") into $dir (once per build tree)"
        rm -rf "$dir" "$dir.tmp"
        mkdir -p "$dir.tmp"
        tar -xJf "$tarball" -C "$dir.tmp" || exit 1
        # the tarball holds one top-level folder
        local top
        top=$(find "$dir.tmp" -mindepth 1 -maxdepth 1 -type d | head -n 1)
        mv "$top" "$dir" && rm -rf "$dir.tmp"
        (cd "$dir" && "$cmd" >"$dir/build.log" 2>&1) || {
            echo "FAIL: building $name failed; last lines of $dir/build.log:" >&2
            tail -n 30 "$dir/build.log" >&2
            exit 1
        }
        basename "$tarball" >"$dir/$stamp"
    ) 9>"$GMTLS_PEER_CACHE/.$name.lock" || exit 1
}

_build_gmssl() {
    cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF &&
        cmake --build build -j "$(nproc 2>/dev/null || echo 2)" --target gmssl-bin
}

_build_bogo() {
    command -v go >/dev/null || { echo "go is not installed (Debian package golang-go)"; return 1; }
    export GOPROXY=off GOFLAGS=-mod=vendor GOCACHE=$PWD/.gocache GOPATH=$PWD/.gopath
    go test -c -o runner.test ./ssl/test/runner
}

_build_seed() {
    command -v go >/dev/null || { echo "go is not installed (Debian package golang-go)"; return 1; }
    export GOWORK=off GOFLAGS=-mod=vendor GOPROXY=off GOCACHE=$PWD/.gocache GOPATH=$PWD/.gopath
    go build -o bin/ ./cmd/...
}

peer_require() {
    case "$1" in
    gmssl)
        peer_tarball 'gmssl-*.tar.xz' gmssl
        peer_build gmssl "$PEER_TARBALL" .built _build_gmssl
        GMSSL_BIN=$GMTLS_PEER_CACHE/gmssl/build/bin/gmssl
        [ -x "$GMSSL_BIN" ] || { echo "FAIL: $GMSSL_BIN missing after the build" >&2; exit 1; }
        ;;
    bogo)
        peer_tarball 'bogo-runner-*.tar.xz' bogo
        peer_build bogo "$PEER_TARBALL" .built _build_bogo
        BOGO_DIR=$GMTLS_PEER_CACHE/bogo
        [ -x "$BOGO_DIR/runner.test" ] || { echo "FAIL: $BOGO_DIR/runner.test missing after the build" >&2; exit 1; }
        ;;
    seed-go)
        peer_tarball 'seed-go-gmtls-*.tar.xz' seed-go
        peer_build seed-go-gmtls "$PEER_TARBALL" .built _build_seed
        SEED_BIN=$GMTLS_PEER_CACHE/seed-go-gmtls/bin
        [ -x "$SEED_BIN/seed-server" ] || { echo "FAIL: $SEED_BIN/seed-server missing after the build" >&2; exit 1; }
        ;;
    *)
        echo "peer_require: unknown peer '$1'" >&2
        exit 1
        ;;
    esac
}

# in_netns CMD...: runs CMD inside a private network namespace with only
# loopback up (for peers that bind every interface). Needs root (unshare -n).
in_netns() {
    unshare -n sh -c 'ip link set lo up && exec "$@"' sh "$@"
}
