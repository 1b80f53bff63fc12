# gmtls: a small front end to CMake + CTest.
#   make          build (build/gmtls, build/libgmtls.*)
#   make run      set up, build, start `gmtls server --www` on 127.0.0.1:8443
#   make test     set up, build, run every test; again under ASan+UBSan; short fuzz runs
#   make install  install library, headers, gmtls.pc and the gmtls tool (PREFIX=/usr/local)
#   make bench    gmtls bench against OpenSSL
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
PREFIX  ?= /usr/local
BUILD   ?= build
WERROR  ?= $(or $(GMTLS_WERROR),OFF)
CMAKE_FLAGS ?=

.PHONY: all build run test test-fast test-asan test-fuzz install bench clean format setup-build setup-test

all: build

setup-build:
	@scripts/setup.sh build

setup-test:
	@scripts/setup.sh test

build: setup-build
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DGMTLS_WERROR=$(WERROR) -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# `make run` builds only the library and the tool (no test programs).
run: setup-build
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DGMTLS_WERROR=$(WERROR) -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) --target gmtls_tool
	@$(BUILD)/gmtls server --www --listen 127.0.0.1:8443

test-fast: setup-test
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DGMTLS_WERROR=$(WERROR) -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600

# The sanitizer stage is built with clang, whose UBSan also checks pointer
# arithmetic (gcc's does not). Any report from any process fails the stage
# (scripts/sanitizer-logs.sh). Peers are shared with the release tree.
test-asan: setup-test
	@cmake -S . -B build-asan -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DGMTLS_SANITIZE=ON \
	       -DGMTLS_WERROR=$(WERROR) -DGMTLS_PEER_CACHE=$(abspath $(BUILD))/peers $(CMAKE_FLAGS) >/dev/null
	@cmake --build build-asan -j $(JOBS)
	@scripts/sanitizer-logs.sh build-asan/sanitizer-logs clear
	@cd build-asan && ctest --output-on-failure -j $(JOBS) --timeout 900 -LE slow; rc=$$?; \
	    ../scripts/sanitizer-logs.sh sanitizer-logs && exit $$rc

test-fuzz: setup-test
	@CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGMTLS_FUZZ=ON -DGMTLS_WERROR=$(WERROR) >/dev/null
	@cmake --build build-fuzz -j $(JOBS)
	@cd build-fuzz && ctest --output-on-failure -L fuzz --timeout 600

test: test-fast test-asan test-fuzz
	@echo "make test: all suites passed (release, ASan+UBSan, fuzz)"

install: build
	@cmake --install $(BUILD)

bench: build
	@$(BUILD)/gmtls bench

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	@rm -rf build build-asan build-fuzz
