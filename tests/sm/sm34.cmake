# SM3 / SM4 tests (sm3.c, sm4*.c, cpu.c). Included by tests/CMakeLists.txt.
gmtls_test(sm3_test unit sm/sm3_test.c)
gmtls_test(sm4_test vectors sm/sm4_test.c)
gmtls_test(wycheproof_test vectors sm/wycheproof_test.c)
gmtls_test(sm_diff_openssl_test unit sm/sm_diff_openssl_test.c)

pkg_check_modules(SM34_GCRYPT IMPORTED_TARGET libgcrypt)
if(SM34_GCRYPT_FOUND)
    gmtls_test(sm4_aead_gcrypt_test unit sm/sm4_aead_gcrypt_test.c)
    target_link_libraries(sm4_aead_gcrypt_test PRIVATE PkgConfig::SM34_GCRYPT)
endif()

# Constant-time check ("ctgrind"): secrets are marked undefined for
# memcheck, so secret-dependent branches/indexes fail the run. Valgrind
# cannot run sanitizer builds, so it is registered only without them.
gmtls_test(ct_sm4_test unit sm/ct_sm4_test.c)
find_program(SM34_VALGRIND valgrind)
if(SM34_VALGRIND AND NOT GMTLS_SANITIZE AND NOT GMTLS_FUZZ)
    add_test(NAME ct_sm4_valgrind
             COMMAND ${SM34_VALGRIND} --error-exitcode=1 --track-origins=yes --quiet
                     $<TARGET_FILE:ct_sm4_test>)
    set_tests_properties(ct_sm4_valgrind PROPERTIES LABELS "unit" ENVIRONMENT "${GMTLS_TEST_ENV}")
endif()
