# ML-KEM (src/pq/): the FIPS 203 vectors in tests/vectors/mlkem/ and the
# implicit-rejection cases.
gmtls_test(mlkem_test vectors pq/mlkem_test.c)

# ctgrind: seeds, message and the secret half of dk are marked undefined and
# valgrind must see no branch or address depending on them. The ML-KEM
# sources are compiled in again with GMTLS_PQ_CTGRIND (declassification of
# rho); valgrind cannot run sanitizer builds, so plain builds only.
find_program(PQ_VALGRIND valgrind)
if(PQ_VALGRIND AND EXISTS /usr/include/valgrind/memcheck.h AND NOT GMTLS_SANITIZE AND NOT GMTLS_FUZZ)
    add_executable(ct_mlkem_test pq/ct_mlkem_test.c ${CMAKE_SOURCE_DIR}/src/pq/mlkem.c ${CMAKE_SOURCE_DIR}/src/pq/keccak_x4_avx2.c ${CMAKE_SOURCE_DIR}/src/pq/ntt_avx2.c
                                 ${CMAKE_SOURCE_DIR}/src/pq/keccak.c)
    target_compile_definitions(ct_mlkem_test PRIVATE GMTLS_PQ_CTGRIND=1)
    target_link_libraries(ct_mlkem_test PRIVATE gmtls_static OpenSSL::Crypto)
    target_include_directories(ct_mlkem_test PRIVATE ${CMAKE_SOURCE_DIR}/tests ${CMAKE_SOURCE_DIR}/src)
    set_target_properties(ct_mlkem_test PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
    add_test(NAME ct_mlkem_valgrind COMMAND ${PQ_VALGRIND} -q --error-exitcode=1 --track-origins=yes
                                            $<TARGET_FILE:ct_mlkem_test>)
    set_tests_properties(ct_mlkem_valgrind PROPERTIES LABELS "unit" ENVIRONMENT "${GMTLS_TEST_ENV}")
endif()
