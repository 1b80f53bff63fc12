# ShangMi over real sockets: dual-certificate server, SM2 ID camps.
gmtls_script_test(interop_sm interop tls/interop_sm.sh)
