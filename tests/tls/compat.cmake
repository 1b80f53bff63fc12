# Wire-shape policies for stock GmSSL (record packing, dummy CCS, status_request).
gmtls_test(compat_test handshake ${CMAKE_CURRENT_LIST_DIR}/compat_test.c)
target_link_libraries(compat_test PRIVATE gmtls_tlstest)
