# ShangMi over real sockets: dual-certificate server, SM2 ID camps.
gmtls_script_test(interop_sm interop tls/interop_sm.sh)
# Live interop with stock GmSSL (tests/peers), both directions, each case in
# its own network namespace.
gmtls_peer_test(interop_gmssl interop tls/interop_gmssl.sh)
set_tests_properties(interop_gmssl PROPERTIES TIMEOUT 300)
# TLCP (GB/T 38636-2020) against GmSSL's tlcp_client, on the port that also serves TLS 1.3.
gmtls_peer_test(interop_tlcp interop tls/interop_tlcp.sh)
set_tests_properties(interop_tlcp PROPERTIES TIMEOUT 300)
