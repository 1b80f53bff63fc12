# x448, secp521r1, ffdhe2048..8192, ecdsa_secp521r1_sha512, ed448 and the AES-CCM suites in memory.
gmtls_test(groups_test handshake ${CMAKE_CURRENT_LIST_DIR}/groups_test.c)
target_link_libraries(groups_test PRIVATE gmtls_tlstest)
