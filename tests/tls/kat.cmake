# Known-answer test of RFC 8448 §3 (values parsed at run time from
# ${GMTLS_VECTORS_DIR}/rfc8448.txt). Included by tests/CMakeLists.txt.
gmtls_test(rfc8448_test vectors ${CMAKE_CURRENT_LIST_DIR}/rfc8448_test.c)
