#!/usr/bin/env bash
# Runs every libFuzzer target of an ASan build on its committed seed corpus for a bounded time:
#   scripts/run-fuzzers.sh <asan-build-dir> <seconds-per-target> [max-runs] [target...]
# New corpus units go to a scratch folder (the committed corpus is only read); a finding (crash,
# sanitizer report, non-transformers exception, timeout, OOM) leaves its input in
# <build>/fuzz-artifacts/ and makes the script fail. The 60 s unit timeout leaves room for large but
# legal inputs (a 268M-pixel image decodes slowly under ASan). FUZZ_SEED fixes libFuzzer's seed
# (make test's smoke run uses 1, so CI replays the same mutations; 0, the default, is random).
set -uo pipefail
build=$(cd "$1" && pwd); secs=$2; runs=${3:-1000000}; shift $(( $# < 3 ? $# : 3 ))
src=$(cd "$(dirname "$0")/.." && pwd)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(safetensors tokenizer_json tokenizer_encode chat_template config image preprocessor audio json_schema gguf)
art="$build/fuzz-artifacts"; mkdir -p "$art"
# Qwen3 and Llama 2 tokenizers for fuzz_tokenizer_encode, where the shared data is at hand.
tarball="$src/../shared/data/tokenizers-qwen3-llama2.tar.xz"
if [ -z "${FUZZ_TOKENIZERS:-}" ] && [ -f "$tarball" ]; then
  mkdir -p "$build/fuzz-data" && tar -xJf "$tarball" -C "$build/fuzz-data" 2>/dev/null &&
    export FUZZ_TOKENIZERS="$build/fuzz-data/qwen3:$build/fuzz-data/llama2"
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=()
for t in "${targets[@]}"; do
  bin="$build/fuzz/fuzz_$t"
  [ -x "$bin" ] || { echo "run-fuzzers: $bin missing (build the 'fuzzers' target)"; failed+=("$t"); continue; }
  scratch=$(mktemp -d)
  echo "== fuzz_$t: ${secs}s / ${runs} runs"
  if ! "$bin" -seed="${FUZZ_SEED:-0}" -max_total_time="$secs" -runs="$runs" -timeout=60 -rss_limit_mb=3072 -max_len=65536 \
        -artifact_prefix="$art/$t-" -print_final_stats=1 "$scratch" "$src/fuzz/corpus/$t" >"$art/$t.log" 2>&1; then
    echo "run-fuzzers: fuzz_$t FOUND A PROBLEM (log: $art/$t.log)"; tail -40 "$art/$t.log"; failed+=("$t")
  else
    grep -E "stat::number_of_executed_units|stat::new_units_added" "$art/$t.log" | tr '\n' ' '; echo
  fi
  rm -rf "$scratch"
done
[ ${#failed[@]} -eq 0 ] || { echo "run-fuzzers: findings in: ${failed[*]}"; exit 1; }
