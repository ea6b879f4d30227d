# gpram: the two README commands and their friends. Works on a fresh Debian 12 as root.
#   make demo   install what is missing, build, run the demo
#   make test   install what is missing, build, run every test through ctest
#   make build  build into build/ (programs in build/bin/)
#   make fuzz   build the libFuzzer harnesses (clang-14, ASan+UBSan) and run each FUZZ_SECONDS
#   make bench  build and run the benchmarks

SHELL := /bin/bash
JOBS ?= $(shell nproc)
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 10

# Debian 12 packages the build, the tests and the demo need.
DEBS := build-essential cmake ninja-build pkg-config git ca-certificates \
  libgnutls28-dev nettle-dev libzip-dev libsqlite3-dev libpqxx-dev \
  nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev libexpected-dev libtomlplusplus-dev \
  libgtest-dev libgmock-dev libbenchmark-dev node-llhttp \
  clang-14 libclang-rt-14-dev llvm-14 \
  gnutls-bin openssl tshark python3 postgresql sqlite3 procps

ifeq ($(CI),true)
  WERROR := ON
else
  WERROR ?= OFF
endif

.PHONY: all deps build test test-asan fuzz fuzz-smoke bench demo clean

all: build

deps:
	@missing=$$(for p in $(DEBS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "error: missing packages ($$missing); run as root or install them" >&2; exit 2; fi; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGPRAM_WERROR=$(WERROR)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) --timeout 300
	@if [ "$(CI)" = "true" ]; then $(MAKE) --no-print-directory test-asan fuzz-smoke; fi

# The whole suite under ASan+UBSan, built with clang-14 (the same build holds the fuzzers).
$(ASAN_BUILD)/build.ninja:
	CC=clang-14 CXX=clang++-14 cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	  -DGPRAM_FUZZ=ON -DGPRAM_WERROR=$(WERROR)

test-asan: deps $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS) --timeout 600

fuzz-smoke: deps $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	@./fuzz/run.sh $(ASAN_BUILD)/bin $(FUZZ_SMOKE_SECONDS)

fuzz: deps $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	@./fuzz/run.sh $(ASAN_BUILD)/bin $(FUZZ_SECONDS)

bench: build
	@./bench/run.sh $(BUILD)

demo: build
	@./scripts/demo.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
