# The socket layer on a socketpair: records buffered in the io layer.
gmtls_test(io_test handshake ${CMAKE_CURRENT_LIST_DIR}/io_test.c)
target_link_libraries(io_test PRIVATE gmtls_tlstest)
