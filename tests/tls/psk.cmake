# External PSKs with openssl s_client / s_server (both directions, psk_dhe_ke,
# psk_ke, SHA-384, wrong key, unknown identity) and gmtls with itself (SM3).
gmtls_script_test(interop_psk interop tls/interop_psk.sh)
set_tests_properties(interop_psk PROPERTIES TIMEOUT 300)
