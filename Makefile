# kgauge front door. Everything real happens in CMake/CTest; this file only names the jobs.
#
#   make              install missing packages, configure, build (build/kgauge)
#   make test         build, then every unit and e2e test (CTest labels unit, e2e)
#   make test-slow    the scale runs (CTest label slow)
#   make test-asan    the same tests built with AddressSanitizer + UndefinedBehaviorSanitizer
#   make test-valgrind  unit tests under valgrind memcheck
#   make fuzz         every libFuzzer target for FUZZ_SECONDS each (default 30)
#   make lint         clang-format check, clang-tidy, banned-function check
#   make demo         the pipeline on a simulated cluster
#   make format       apply clang-format

BUILD       ?= build
ASAN_BUILD  ?= build-asan
FUZZ_BUILD  ?= build-fuzz
FUZZ_SECONDS ?= 30
JOBS        ?= $(shell nproc)
CTEST_FLAGS ?= --output-on-failure -j $(JOBS)
C_FILES      = $(shell git ls-files '*.c' '*.h' 2>/dev/null || find src tests bench -name '*.[ch]')

.PHONY: all deps build test test-slow test-asan test-valgrind fuzz lint format demo bench clean

all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) -G Ninja

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD)

test: build
	cd $(BUILD) && ctest $(CTEST_FLAGS) -L 'unit|e2e'

test-slow: build
	cd $(BUILD) && ctest $(CTEST_FLAGS) -L slow

$(ASAN_BUILD)/build.ninja: | deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DKGAUGE_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug

test-asan: deps $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest $(CTEST_FLAGS) -L 'unit|e2e'

test-valgrind: build
	scripts/valgrind-tests.sh $(BUILD)

$(FUZZ_BUILD)/build.ninja: | deps
	CC=clang-14 cmake -S . -B $(FUZZ_BUILD) -G Ninja -DKGAUGE_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo

fuzz: deps $(FUZZ_BUILD)/build.ninja
	cmake --build $(FUZZ_BUILD)
	scripts/run-fuzzers.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

lint: build
	@echo "clang-format"; clang-format --dry-run -Werror $(C_FILES)
	@echo "banned functions"; scripts/check-banned.sh
	@echo "clang-tidy"; run-clang-tidy-14 -quiet -p $(BUILD) -j $(JOBS) '$(CURDIR)/src/' >$(BUILD)/clang-tidy.log 2>&1 \
	  || { grep -E 'warning:|error:' -A3 $(BUILD)/clang-tidy.log; exit 1; }

format:
	clang-format -i $(C_FILES)

demo: build
	@$(BUILD)/kgauge demo 2>/dev/null || echo "kgauge demo: not yet available (it needs the rest of kgauge sim, the metrics server and the HPA controller); 'make test' runs what exists."

bench: build
	@ls bench

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
