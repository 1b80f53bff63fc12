# `make install`: layout, pkg-config, shared library exports. Not in the
# sanitizer build: a plain program cannot load an ASan-instrumented library.
if(NOT GMTLS_SANITIZE)
    gmtls_script_test(install_test unit install_test.sh)
endif()
