# ShangMi over real sockets: dual-certificate server, SM2 ID camps.
gmtls_script_test(interop_sm interop tls/interop_sm.sh)
# Live interop with stock GmSSL (tests/peers), both directions, each case in
# its own network namespace.
gmtls_peer_test(interop_gmssl interop tls/interop_gmssl.sh)
set_tests_properties(interop_gmssl PROPERTIES TIMEOUT 300)
