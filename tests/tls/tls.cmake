# TLS engine tests (in memory).
add_library(gmtls_tlstest STATIC ${CMAKE_CURRENT_LIST_DIR}/tlstest.c ${CMAKE_CURRENT_LIST_DIR}/testcerts.c)
target_link_libraries(gmtls_tlstest PUBLIC gmtls_certgen gmtls_static OpenSSL::Crypto)
target_include_directories(gmtls_tlstest PUBLIC ${CMAKE_SOURCE_DIR}/tests ${CMAKE_SOURCE_DIR}/tests/tls)

gmtls_test(handshake_test handshake ${CMAKE_CURRENT_LIST_DIR}/handshake_test.c)
target_link_libraries(handshake_test PRIVATE gmtls_tlstest)

gmtls_test(features_test handshake ${CMAKE_CURRENT_LIST_DIR}/features_test.c)
target_link_libraries(features_test PRIVATE gmtls_tlstest)

gmtls_test(psk_test handshake ${CMAKE_CURRENT_LIST_DIR}/psk_test.c)
target_link_libraries(psk_test PRIVATE gmtls_tlstest)

gmtls_test(common_test unit ${CMAKE_CURRENT_LIST_DIR}/common_test.c)
gmtls_test(ext_table_test unit ${CMAKE_CURRENT_LIST_DIR}/ext_table_test.c)

gmtls_test(hmac_test unit ${CMAKE_CURRENT_LIST_DIR}/hmac_test.c)
gmtls_test(rng_test unit ${CMAKE_CURRENT_LIST_DIR}/rng_test.c)

# The socket layer on a socketpair: handshake, data, gmtls_io_shrink().
gmtls_test(io_shrink_test handshake ${CMAKE_CURRENT_LIST_DIR}/io_shrink_test.c)
target_link_libraries(io_shrink_test PRIVATE gmtls_tlstest)

# External PSKs (RFC 8446 §2.2): hashes, modes, HRR, alerts on hand-made hellos.
gmtls_test(ext_psk_test handshake ${CMAKE_CURRENT_LIST_DIR}/ext_psk_test.c)
target_link_libraries(ext_psk_test PRIVATE gmtls_tlstest)

# Post-handshake client authentication (RFC 8446 §4.6.2) and its alerts.
gmtls_test(pha_test handshake ${CMAKE_CURRENT_LIST_DIR}/pha_test.c)
target_link_libraries(pha_test PRIVATE gmtls_tlstest)

# The Go gmtls dialect in memory: SM2 certificate styles, the go-gmtls profile, chain selection.
gmtls_test(godialect_test handshake ${CMAKE_CURRENT_LIST_DIR}/godialect_test.c)
target_link_libraries(godialect_test PRIVATE gmtls_tlstest)

# 0-RTT (RFC 8446 §2.3, §4.2.10, §8): accepted, rejected (off, ALPN, age,
# replay), too much early data and a misplaced EndOfEarlyData.
gmtls_test(early_test handshake ${CMAKE_CURRENT_LIST_DIR}/early_test.c)
target_link_libraries(early_test PRIVATE gmtls_tlstest)
