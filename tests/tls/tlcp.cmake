# TLCP (GB/T 38636-2020) server in memory: a hand-written client against the
# gmtls server, the positive cases and the negative ones with exact alerts.
gmtls_test(tlcp_test handshake ${CMAKE_CURRENT_LIST_DIR}/tlcp_test.c)
target_link_libraries(tlcp_test PRIVATE gmtls_tlstest)
# The server's session-ID cache on its own (eviction, expiry, threads).
gmtls_test(sesscache_test handshake ${CMAKE_CURRENT_LIST_DIR}/sesscache_test.c)
