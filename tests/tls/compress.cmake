# Certificate compression (RFC 8879) and record_size_limit (RFC 8449) in
# memory; their malformed-message cases are in negative_test.
gmtls_test(compress_test handshake ${CMAKE_CURRENT_LIST_DIR}/compress_test.c)
target_link_libraries(compress_test PRIVATE gmtls_tlstest)
# record_size_limit with GnuTLS both ways (in a private network namespace:
# gnutls-serv binds every interface).
gmtls_script_test(interop_sizes interop tls/interop_sizes.sh)
