#!/usr/bin/env bash
# Installs the build into a temporary prefix, builds tests/consumer against it with
# find_package(transformers_cpp), and runs it on a fixture.
set -euo pipefail
build=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
cmake -S "$src/tests/consumer" -B "$tmp/b" -DCMAKE_PREFIX_PATH="$tmp/prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$tmp/b" -j2 >/dev/null
LD_LIBRARY_PATH="$tmp/prefix/lib:${LD_LIBRARY_PATH:-}" "$tmp/b/forward_demo" "$src/fixtures/bert/mlm" AutoModelForMaskedLM
test -x "$tmp/prefix/bin/transformers-cpp"
test -f "$tmp/prefix/include/transformers/transformers.hpp"
echo "install + find_package consumer: OK"
