# x448, secp521r1, ffdhe2048..8192, ecdsa_secp521r1_sha512, ed448 and the
# AES-CCM suites against openssl s_client/s_server and gnutls-cli/gnutls-serv,
# both directions (gnutls-serv in a private network namespace).
gmtls_script_test(interop_algs interop tls/interop_algs.sh)
set_tests_properties(interop_algs PROPERTIES TIMEOUT 600)
