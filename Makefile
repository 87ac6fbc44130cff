# The README's two commands: `make demo` and `make test`. Both install what they need first.
JOBS ?= $(shell nproc)
BUILD ?= build
ASAN_BUILD ?= build-asan

.PHONY: deps build build-asan demo test test-release test-asan fixtures bench clean

deps:
	./scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD) -j $(JOBS)

# Unit tests under AddressSanitizer + UndefinedBehaviorSanitizer (CPU backend only).
build-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRANSFORMERS_SANITIZE=ON -DTRANSFORMERS_CUDA=OFF
	cmake --build $(ASAN_BUILD) -j $(JOBS) --target unit_tests transformers-cpp

demo: build
	./$(BUILD)/forward_demo fixtures/bert/mlm AutoModelForMaskedLM
	./$(BUILD)/forward_demo fixtures/bert/bf16 AutoModel || true
	./$(BUILD)/transformers-cpp forward fixtures/bert/base --auto-class AutoModel \
	  --inputs fixtures/bert/base/inputs.safetensors --out $(BUILD)/demo_out.safetensors

test-release: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: build-asan
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS)

test: test-release test-asan

# Regenerates fixtures/ with pinned Python transformers (needs PyPI; never run by the tests).
fixtures:
	python3 scripts/make_fixtures.py

bench: build
	./bench/run.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
