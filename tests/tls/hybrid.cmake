# Hybrid post-quantum key exchange groups (src/crypto/hybrid.c) in memory.
gmtls_test(hybrid_test handshake ${CMAKE_CURRENT_LIST_DIR}/hybrid_test.c)
target_link_libraries(hybrid_test PRIVATE gmtls_tlstest)
