# Live interop with the Go gmtls family (seed-go, tests/peers), both
# directions: its own and `gmtls cert` certificates, client authentication,
# resumption, HelloRetryRequest, the standard suite, and one port with three
# chains for a Go client, a GmSSL client and openssl s_client.
gmtls_peer_test(interop_seed interop tls/interop_seed.sh)
# the first run builds the seed (seconds) and GmSSL (about two minutes)
set_tests_properties(interop_seed PROPERTIES TIMEOUT 900)
