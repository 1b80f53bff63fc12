# Pre-1.3 record protection (src/record/rec12.c): TLCP SM4-CBC + HMAC-SM3
# MAC-then-encrypt and explicit-nonce AEAD records against OpenSSL-built
# records, every tampering and limit; and the constant-time check of the
# CBC path under valgrind (ctgrind), with rec12.c compiled in again with its
# declassification hook.
gmtls_test(rec12_test unit tls/rec12_test.c)
find_program(REC12_VALGRIND valgrind)
if(REC12_VALGRIND AND EXISTS /usr/include/valgrind/memcheck.h AND NOT GMTLS_SANITIZE AND NOT GMTLS_FUZZ)
    gmtls_test(ct_rec12_test unit tls/ct_rec12_test.c ${CMAKE_SOURCE_DIR}/src/record/rec12.c)
    target_compile_definitions(ct_rec12_test PRIVATE GMTLS_REC12_CTGRIND=1)
    set_tests_properties(ct_rec12_test PROPERTIES LABELS "unit" ENVIRONMENT "${GMTLS_TEST_ENV}")
    add_test(NAME ct_rec12_valgrind COMMAND ${REC12_VALGRIND} -q --error-exitcode=1 $<TARGET_FILE:ct_rec12_test>)
    set_tests_properties(ct_rec12_valgrind PROPERTIES LABELS "unit" ENVIRONMENT "${GMTLS_TEST_ENV}")
endif()
# The same property as instruction counts (perf_event_open, else ptrace
# single-stepping): every padding costs the same, every refusal costs the
# same. Not under the sanitizers (their runtime traces itself at exit).
if(NOT GMTLS_SANITIZE AND NOT GMTLS_FUZZ)
    gmtls_test(ct_rec12_count_test "unit;slow" tls/ct_rec12_count_test.c)
    set_tests_properties(ct_rec12_count_test PROPERTIES TIMEOUT 600)
endif()
