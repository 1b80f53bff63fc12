# Wireshark (tshark) decrypts a capture with the key log gmtls writes.
gmtls_script_test(interop_wireshark interop tls/interop_wireshark.sh)
