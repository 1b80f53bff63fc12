# 0-RTT refusal against a real 0-RTT-eager client (openssl s_client -early_data).
gmtls_script_test(interop_early_data interop tls/interop_early_data.sh)
# 0-RTT accepted by `gmtls server --max-early-data` (tests/tls/interop_zero_rtt.sh).
gmtls_script_test(interop_zero_rtt interop tls/interop_zero_rtt.sh)
