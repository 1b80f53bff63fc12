# Helpers for the CLI tests (tests/cli/): built into build/tests/, run by the
# scripts, not registered as tests themselves.
#   loadgen      epoll load generator on the gmtls library (SM and standard suites)
#   cli_backend  plaintext backend for --proxy: checksums both directions, half-close
#   eagain_shim  LD_PRELOAD library: momentary EAGAIN from send() (cli_www)
add_executable(loadgen ${CMAKE_CURRENT_LIST_DIR}/loadgen.c)
target_link_libraries(loadgen PRIVATE gmtls_static OpenSSL::Crypto)
add_executable(cli_backend ${CMAKE_CURRENT_LIST_DIR}/cli_backend.c)
target_link_libraries(cli_backend PRIVATE OpenSSL::Crypto)
set_target_properties(loadgen cli_backend PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
add_library(eagain_shim MODULE ${CMAKE_CURRENT_LIST_DIR}/eagain_shim.c)
target_link_libraries(eagain_shim PRIVATE ${CMAKE_DL_LIBS})
set_target_properties(eagain_shim PROPERTIES PREFIX "" LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
# cli_http_parser  the --www request parser (tools/http_parser.c) against hostile
#                  requests, HTTP-dates, ranges; open_beneath (tools/beneath.c)
gmtls_test(cli_http_parser "cli;unit" ${CMAKE_SOURCE_DIR}/tests/tools/http_parser_test.c
           ${CMAKE_SOURCE_DIR}/tools/http_parser.c ${CMAKE_SOURCE_DIR}/tools/beneath.c)
target_include_directories(cli_http_parser PRIVATE ${CMAKE_SOURCE_DIR}/tools)
