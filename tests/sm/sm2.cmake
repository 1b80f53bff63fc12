# SM2: arithmetic, known answers and negative tests; differential tests
# against OpenSSL libcrypto; the gmtls CLI against the openssl CLI; a
# constant-time check under valgrind.
gmtls_test(sm2_test vectors sm/sm2_test.c)
gmtls_test(sm2_diff_openssl_test unit sm/sm2_diff_openssl_test.c)
# The same tests on the portable C field arithmetic: the SM2 sources are
# compiled in again with GMTLS_SM2_NO_ASM (no inline asm, no AVX2 scans),
# so the fallback every non-x86-64 build uses is covered here too.
gmtls_test(sm2_portable_test vectors sm/sm2_test.c ${CMAKE_SOURCE_DIR}/src/sm/sm2.c
           ${CMAKE_SOURCE_DIR}/src/sm/sm2_field.c ${CMAKE_SOURCE_DIR}/src/sm/sm2_point.c)
target_compile_definitions(sm2_portable_test PRIVATE GMTLS_SM2_NO_ASM=1)
gmtls_script_test(sm2_cli_test unit sm/sm2_cli_test.sh)

# ctgrind: secrets are marked undefined and valgrind must see no branch or
# address depending on them. The SM2 sources are compiled in again with
# GMTLS_SM2_CTGRIND (declassification hooks); valgrind cannot run
# sanitizer builds, so the test exists only in plain builds.
find_program(GMTLS_VALGRIND valgrind)
if(GMTLS_VALGRIND AND EXISTS /usr/include/valgrind/memcheck.h AND NOT GMTLS_SANITIZE AND NOT GMTLS_FUZZ)
    add_executable(ct_sm2_test sm/ct_sm2_test.c ${CMAKE_SOURCE_DIR}/src/sm/sm2.c ${CMAKE_SOURCE_DIR}/src/sm/sm2_enc.c
                               ${CMAKE_SOURCE_DIR}/src/sm/sm2_field.c ${CMAKE_SOURCE_DIR}/src/sm/sm2_point.c)
    target_compile_definitions(ct_sm2_test PRIVATE GMTLS_SM2_CTGRIND=1)
    target_link_libraries(ct_sm2_test PRIVATE gmtls_static OpenSSL::Crypto)
    target_include_directories(ct_sm2_test PRIVATE ${CMAKE_SOURCE_DIR}/tests ${CMAKE_SOURCE_DIR}/src)
    set_target_properties(ct_sm2_test PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
    add_test(NAME ct_sm2_test COMMAND ${GMTLS_VALGRIND} -q --error-exitcode=1 $<TARGET_FILE:ct_sm2_test>)
    set_tests_properties(ct_sm2_test PROPERTIES LABELS "unit" ENVIRONMENT "${GMTLS_TEST_ENV}")
endif()

# SM2 encryption (GB/T 32918.4) and key exchange (GB/T 32918.3): the
# standard's examples, the all-zero-t rule, tampering, round trips.
gmtls_test(sm2_enc_test vectors sm/sm2_enc_test.c)
gmtls_test(sm2_enc_portable_test vectors sm/sm2_enc_test.c ${CMAKE_SOURCE_DIR}/src/sm/sm2.c
           ${CMAKE_SOURCE_DIR}/src/sm/sm2_enc.c ${CMAKE_SOURCE_DIR}/src/sm/sm2_field.c
           ${CMAKE_SOURCE_DIR}/src/sm/sm2_point.c)
target_compile_definitions(sm2_enc_portable_test PRIVATE GMTLS_SM2_NO_ASM=1)

# SM2 encryption against GmSSL's CLI (tests/peers; skipped when absent).
gmtls_peer_test(sm2_gmssl_test interop sm/sm2_gmssl_test.sh)
set_tests_properties(sm2_gmssl_test PROPERTIES TIMEOUT 600)

# The key exchange and encryption against a from-the-standard reference in
# Python integers (tests/sm/sm2_ref_test.py) on random keys, IDs, lengths.
find_package(Python3 COMPONENTS Interpreter)
if(Python3_FOUND)
    add_executable(sm2_ref_dump sm/sm2_ref_dump.c)
    target_link_libraries(sm2_ref_dump PRIVATE gmtls_static OpenSSL::Crypto)
    target_include_directories(sm2_ref_dump PRIVATE ${CMAKE_SOURCE_DIR}/tests ${CMAKE_SOURCE_DIR}/src)
    set_target_properties(sm2_ref_dump PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
    add_test(NAME sm2_ref_test COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/sm/sm2_ref_test.py
                                       $<TARGET_FILE:sm2_ref_dump> 16)
    set_tests_properties(sm2_ref_test PROPERTIES LABELS "unit" ENVIRONMENT "${GMTLS_TEST_ENV}")
endif()
