# 0-RTT refusal against a real 0-RTT-eager client (openssl s_client -early_data).
gmtls_script_test(interop_early_data interop tls/interop_early_data.sh)
