# Negative handshake tests: crafted and mutated input against a real gmtls
# server and client in memory, asserting the precise alert (RFC 8446).
gmtls_test(negative_test handshake ${CMAKE_CURRENT_LIST_DIR}/negative_test.c)
target_link_libraries(negative_test PRIVATE gmtls_tlstest)
