# TLCP (GB/T 38636-2020) server in memory: a hand-written client against the
# gmtls server, the positive cases and the negative ones with exact alerts.
gmtls_test(tlcp_test handshake ${CMAKE_CURRENT_LIST_DIR}/tlcp_test.c)
target_link_libraries(tlcp_test PRIVATE gmtls_tlstest)
