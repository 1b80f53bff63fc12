# Post-handshake client authentication with openssl s_client -enable_pha and
# s_server's c command (tests/tls/interop_pha.sh).
gmtls_script_test(interop_pha interop tls/interop_pha.sh)
set_tests_properties(interop_pha PROPERTIES TIMEOUT 300)
