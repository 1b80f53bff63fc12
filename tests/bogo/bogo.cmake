# BoGo: BoringSSL's TLS test runner against gmtls (tests/bogo/bogo.sh). The
# shim links the shared library, so it can use only the public API.
add_executable(bogo_shim ${CMAKE_CURRENT_LIST_DIR}/shim.c)
target_link_libraries(bogo_shim PRIVATE gmtls)
set_target_properties(bogo_shim PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
gmtls_peer_test(bogo "bogo;slow" bogo/bogo.sh)
set_tests_properties(bogo PROPERTIES TIMEOUT 900)
