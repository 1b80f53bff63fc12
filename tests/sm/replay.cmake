# Replays every recorded connection under ${GMTLS_VECTORS_DIR}/sm-tls13/
# through gmtls (tests/sm/replay_transcript.c): one CTest test per folder,
# replay_<folder>, found at configure time, so a new recording is tested
# without a code change (re-run cmake; CONFIGURE_DEPENDS re-globs on build).
add_executable(replay_transcript ${CMAKE_CURRENT_LIST_DIR}/replay_transcript.c)
target_link_libraries(replay_transcript PRIVATE gmtls_static OpenSSL::Crypto)
target_include_directories(replay_transcript PRIVATE ${CMAKE_SOURCE_DIR}/tests ${CMAKE_SOURCE_DIR}/src)
set_target_properties(replay_transcript PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)

file(GLOB GMTLS_REPLAY_ENTRIES LIST_DIRECTORIES true CONFIGURE_DEPENDS ${GMTLS_VECTORS_DIR}/sm-tls13/*)
list(SORT GMTLS_REPLAY_ENTRIES)
set(GMTLS_REPLAY_COUNT 0)
foreach(entry ${GMTLS_REPLAY_ENTRIES})
    if(IS_DIRECTORY ${entry})
        get_filename_component(folder ${entry} NAME)
        add_test(NAME replay_${folder} COMMAND replay_transcript ${entry})
        set_tests_properties(replay_${folder} PROPERTIES LABELS "vectors" ENVIRONMENT "${GMTLS_TEST_ENV}")
        math(EXPR GMTLS_REPLAY_COUNT "${GMTLS_REPLAY_COUNT} + 1")
    endif()
endforeach()
if(GMTLS_REPLAY_COUNT EQUAL 0)
    # No recordings found: register a test that fails (and says why) rather
    # than silently testing nothing.
    add_test(NAME replay_no_recordings COMMAND replay_transcript ${GMTLS_VECTORS_DIR}/sm-tls13)
    set_tests_properties(replay_no_recordings PROPERTIES LABELS "vectors" ENVIRONMENT "${GMTLS_TEST_ENV}")
endif()

# Recording-format tests (tests/vectors/format/<case>/): the loader alone
# (--load-only), e.g. a PSK identity longer than any fixed buffer.
add_test(NAME replay_format_psk-long-identity
         COMMAND replay_transcript --load-only ${GMTLS_VECTORS_DIR}/format/psk-long-identity)
set_tests_properties(replay_format_psk-long-identity PROPERTIES LABELS "vectors" ENVIRONMENT "${GMTLS_TEST_ENV}"
                     PASS_REGULAR_EXPRESSION "psk.txt: identity 300 bytes, psk 32 bytes")
