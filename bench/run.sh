#!/usr/bin/env bash
# Side-by-side benchmarks in one run: transformers-cpp and PyTorch on the same machine.
# Needs the fixture venv (scripts/make_fixtures.py creates it; TCPP_VENV overrides its place).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
VENV=${TCPP_VENV:-$HOME/.venvs/tcpp}
PY="$VENV/bin/python"
if [ ! -x "$PY" ]; then python3 scripts/make_fixtures.py --venv-only; fi
echo "== machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, ISA: $("$BUILD"/transformers-cpp env | grep cpu_isa | cut -d'"' -f4)"
echo "== GEMM (y = x W^T), medians of 7"
"$BUILD"/bench/bench_gemm 1 2 | tee /tmp/tcpp_gemm.jsonl
"$PY" bench/torch_bench.py gemm 1 2 | tee /tmp/torch_gemm.jsonl
"$PY" - <<'PY'
import json
ours = [json.loads(l) for l in open("/tmp/tcpp_gemm.jsonl") if '"M"' in l]
peak = [json.loads(l) for l in open("/tmp/tcpp_gemm.jsonl") if "fma_peak" in l][0]["gflops"]
theirs = {(r["M"], r["N"], r["K"], r["dtype"], r["threads"]): r for r in map(json.loads, open("/tmp/torch_gemm.jsonl"))}
print(f"{'shape':>16} {'dtype':>9} {'thr':>3} {'ours GF/s':>10} {'torch GF/s':>10} {'speedup':>8} {'% of peak':>9}")
for r in ours:
    t = theirs[(r["M"], r["N"], r["K"], r["dtype"], r["threads"])]
    print(f"{r['M']}x{r['N']}x{r['K']:>5} {r['dtype']:>9} {r['threads']:>3} {r['gflops']:>10} {t['gflops']:>10} "
          f"{r['gflops'] / t['gflops']:>7.2f}x {100 * r['gflops'] / (peak * r['threads']):>8.0f}%")
PY
echo "== from_pretrained of a 1.46 GB bf16 checkpoint (dtype matches: mmap, no copy)"
"$BUILD"/bench/bench_load /tmp/tcpp-bench-1gb
"$BUILD"/bench/bench_load /tmp/tcpp-bench-1gb
echo "== BERT-base-shaped encoder forward (random weights), batch 8 x 128 tokens"
BB=/tmp/tcpp-bench-bert-base
if [ ! -f "$BB/model.safetensors" ]; then
  "$PY" - "$BB" <<'PY'
import sys, torch
from transformers import BertConfig, BertModel
torch.manual_seed(0)
BertModel(BertConfig()).save_pretrained(sys.argv[1])
PY
fi
for t in 1 2; do
  "$BUILD"/transformers-cpp --threads $t bench "$BB" --auto-class AutoModel --batch 8 --seq-len 128
  "$PY" bench/torch_bench.py model "$BB" AutoModel 8 128 $t
done
