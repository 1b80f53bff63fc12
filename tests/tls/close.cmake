# `gmtls client` and a server that closes first and waits for our close_notify.
gmtls_script_test(interop_close interop tls/interop_close.sh)
