# Interop with the openssl, gnutls-cli and curl programs over loopback.
# interop.sh is the basic suite x group x certificate matrix; interop_features.sh
# covers resumption, client auth, ALPN, key log, exporter and KeyUpdate.
gmtls_script_test(interop_basic interop tls/interop.sh)
gmtls_script_test(interop_features interop tls/interop_features.sh)
set_tests_properties(interop_basic interop_features PROPERTIES TIMEOUT 600)
