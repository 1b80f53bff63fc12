# TLS 1.2 (src/handshake/tls12.c) in memory: gmtls client and server, the
# positive cases and the negative ones with their exact alerts.
gmtls_test(tls12_test handshake ${CMAKE_CURRENT_LIST_DIR}/tls12_test.c)
target_link_libraries(tls12_test PRIVATE gmtls_tlstest)
