# sesame — the two commands a new user needs: `make run` and `make test`.
# Both install any missing Debian package (scripts/install-deps is idempotent), configure and build.

BUILD       ?= build
BENCH_BUILD ?= build-bench
FUZZ_BUILD  ?= build-fuzz
STATE       ?= var
CONFIG      ?= etc/sesamed.dev.toml
JOBS        ?= $(shell nproc)
CTEST_ARGS  ?=
FUZZ_SECONDS ?= 60

.PHONY: all deps build run test bench fuzz format clean

all: build

deps:
	@scripts/install-deps

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSESAME_SANITIZE=ON -DSESAME_WERROR=ON

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/bin/sesamed --config $(CONFIG) --state-dir $(STATE)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

bench: deps
	cmake -S . -B $(BENCH_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DSESAME_TESTS=OFF -DSESAME_BENCH=ON
	cmake --build $(BENCH_BUILD) -j $(JOBS) --target benchmarks
	scripts/run-bench $(BENCH_BUILD)

fuzz: deps
	CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSESAME_TESTS=OFF -DSESAME_FUZZ=ON
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	scripts/run-fuzz $(FUZZ_BUILD) $(FUZZ_SECONDS)

format:
	clang-format -i $$(git ls-files '*.cpp' '*.h')

clean:
	rm -rf $(BUILD) $(BENCH_BUILD) $(FUZZ_BUILD)
