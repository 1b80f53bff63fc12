# Encrypted private keys: GmSSL's PKCS#8 (fixture in gmssl-key/) and OpenSSL's.
gmtls_test(keyfile_test unit ${CMAKE_CURRENT_LIST_DIR}/keyfile_test.c)
