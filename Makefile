# smelt — the front door.  CMake + CTest do the work underneath.
#   make            release build (build/release/smelt)
#   make demo       install what is missing, build, run the Northwind pipeline
#   make check      the whole test suite: release build, then ASan+UBSan build
#   make bench      benchmarks, smelt and its peers side by side
#   make fuzz       build the libFuzzer targets and run each for FUZZ_SECONDS
#   make install    binary and man page under PREFIX (default /usr/local)
#   make format     clang-format every C file in place
PREFIX ?= /usr/local
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 30
CMAKE_GEN := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")

RELEASE := build/release
ASAN := build/asan
FUZZ := build/fuzz

.PHONY: all release asan deps demo check check-release check-asan bench fuzz install format clean

all: release

deps:
	@scripts/deps

release:
	@cmake -S . -B $(RELEASE) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(RELEASE) -j $(JOBS)

asan:
	@cmake -S . -B $(ASAN) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DSMELT_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN) -j $(JOBS)

demo: deps release
	@scripts/demo $(RELEASE)/smelt

check: deps
	@scripts/check

bench: deps release
	@scripts/bench $(RELEASE)

fuzz: deps
	@CC=clang-14 cmake -S . -B $(FUZZ) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DSMELT_FUZZ=ON >/dev/null
	@cmake --build $(FUZZ) -j $(JOBS)
	@scripts/fuzz $(FUZZ) $(FUZZ_SECONDS)

install: release
	@cmake --install $(RELEASE) --prefix $(PREFIX)

format:
	@find src tests bench -name '*.[ch]' | xargs clang-format-14 -i

clean:
	rm -rf build
