# The gmtls tool as people use it (tests/cli/*.sh, helpers in tests/tools/):
# loopback only, every process under `timeout`, kernel-picked ports.
#   cli_www        dev certificates, the --www status page vs gmtls client/curl, HTTP details, big files
#   cli_proxy      --echo and --proxy with 20 MB each way (checksums) and the half-close
#   cli_lifecycle  handshake/idle timeouts, SIGTERM drain, SIGHUP certificate reload
#   cli_browser    headless Chromium renders the --www page (screenshot in build/artifacts/)
#   cli_load       loadgen: 500 concurrent connections, thousands of handshakes, no fd/RSS growth
#   cli_bench      gmtls bench --json: gmtls and OpenSSL figures; --svg is well-formed
#   cli_errors     first-contact messages and exit statuses; client reports on stderr
#   cli_cert       gmtls cert: usage/file errors, what ca/issue/sign-csr write, encrypted CA keys, CSRs
# Labels: cli, plus interop (external programs: curl, openssl, chromium) or slow.
gmtls_script_test(cli_www "cli;interop" cli/cli_www.sh)
gmtls_script_test(cli_proxy "cli;interop" cli/cli_proxy.sh)
gmtls_script_test(cli_lifecycle "cli;interop" cli/cli_lifecycle.sh)
gmtls_script_test(cli_browser "cli;interop" cli/cli_browser.sh)
gmtls_script_test(cli_load "cli;slow" cli/cli_load.sh)
gmtls_script_test(cli_bench "cli;slow" cli/cli_bench.sh)
gmtls_script_test(cli_errors "cli" cli/cli_errors.sh)
gmtls_script_test(cli_cert "cli;interop" cli/cli_cert.sh)
set_tests_properties(cli_www cli_proxy cli_lifecycle cli_browser cli_errors cli_cert PROPERTIES TIMEOUT 300)
set_tests_properties(cli_load cli_bench PROPERTIES TIMEOUT 300 RUN_SERIAL TRUE)
# cli_resolve: `gmtls client localhost:PORT` with /etc/hosts hidden (RFC 6761 §6.3; root, unshare -m)
gmtls_script_test(cli_resolve "cli;interop" cli/cli_resolve.sh)
set_tests_properties(cli_resolve PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)
# cli_abuse: slow clients, limits, listening, non-TLS bytes, the memory bound (tests/cli/abuse.py)
gmtls_script_test(cli_abuse "cli;interop" cli/cli_abuse.sh)
set_tests_properties(cli_abuse PROPERTIES TIMEOUT 400 RUN_SERIAL TRUE)
