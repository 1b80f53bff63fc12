# Interop with the openssl, gnutls-cli and curl programs over loopback.
# interop.sh is the basic suite x group x certificate matrix (plus --www,
# --echo and --proxy); interop_features.sh covers resumption, client auth,
# ALPN, key log, exporter and KeyUpdate.
add_executable(interop_backend ${CMAKE_CURRENT_SOURCE_DIR}/tls/interop_backend.c)
set_target_properties(interop_backend PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
gmtls_script_test(interop_basic interop tls/interop.sh)
gmtls_script_test(interop_features interop tls/interop_features.sh)
set_tests_properties(interop_basic interop_features PROPERTIES TIMEOUT 600)
# TLS 1.2 against openssl s_client/s_server, gnutls-cli/gnutls-serv and curl
# (gnutls-serv in a private network namespace: it binds every interface).
gmtls_script_test(interop_tls12 interop tls/interop_tls12.sh)
set_tests_properties(interop_tls12 PROPERTIES TIMEOUT 600)
