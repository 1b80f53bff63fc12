# The vectors carried in tests/vectors/ are the ones README.md lists (SHA-256).
gmtls_script_test(vectors_sha256 vectors vectors/check.sh)
