#!/usr/bin/env bash
# Side-by-side benchmarks in one run: transformers-cpp and PyTorch on the same machine.
#   bench/run.sh [SECTION...]   sections: gemm quant tokenizer load encoders decoders seq2seq speech vision (default: all)
# Needs the fixture venv (scripts/make_fixtures.py creates it; TCPP_VENV overrides its place).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
VENV=${TCPP_VENV:-$HOME/.venvs/tcpp}
PY="$VENV/bin/python"
if [ ! -x "$PY" ]; then python3 scripts/make_fixtures.py --venv-only; fi
# The side-by-side anchors beyond PyTorch (benchmarks only; the tests never need them).
"$PY" -c "import onnxruntime, onnx, onnxscript" 2>/dev/null || "$PY" -m pip install -q onnxruntime onnx onnxscript || echo "(onnxruntime unavailable: its column is skipped)"
# Adds KEY=VALUE pairs (strings) to the JSON object on stdin.
want() { [ -z "$SECTIONS" ] || [[ " $SECTIONS " == *" $1 "* ]]; }
SECTIONS="$*"
tag() { "$PY" -c "import json,sys; j=json.load(sys.stdin); j.update(a.split('=', 1) for a in sys.argv[1:]); print(json.dumps(j))" "$@"; }
echo "== machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, ISA: $("$BUILD"/transformers-cpp env | grep cpu_isa | cut -d'"' -f4)"
if want gemm; then
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
fi
if want quant; then
echo "== Block-quantized (GGUF) weights: decode GEMV GB/s of weight read vs fp32 and DRAM, 128-row prefill GFLOP/s"
"$BUILD"/bench/bench_quant 1 2
fi
if want tokenizer; then
echo "== Tokenizer (Qwen3's tokenizer.json from ../shared/data): ~9 MB of mixed-script lines, one by one (1 thread) and encode_batch"
TK=/tmp/tcpp-bench-tokenizer
mkdir -p "$TK"
[ -f "$TK/qwen3/tokenizer.json" ] || tar -xJf ../shared/data/tokenizers-qwen3-llama2.tar.xz -C "$TK"
[ -f "$TK/corpus.txt" ] || "$PY" - "$TK/corpus.txt" <<'PY'
import random, sys
sys.path.insert(0, "scripts")
from make_tokenizer_fixtures import CORPUS
random.seed(0)
words = " ".join(CORPUS).split()
open(sys.argv[1], "w").write("\n".join(" ".join(random.choice(words) for _ in range(random.randint(5, 40))) for _ in range(40000)))
PY
# A 250k-entry byte-level BPE (every entry the merge of two earlier ones) for the load-time row.
[ -f "$TK/bpe250k/tokenizer.json" ] || "$PY" - "$TK/bpe250k" <<'PY'
import os, random, sys
from tokenizers import Tokenizer, decoders, models, pre_tokenizers
from tokenizers.pre_tokenizers import ByteLevel
random.seed(0)
alphabet = ByteLevel.alphabet()
vocab = {c: i for i, c in enumerate(sorted(alphabet))}
tokens, merges = list(vocab), []
while len(vocab) < 250000:
    a, b = random.choice(tokens[-5000:] if random.random() < 0.3 else tokens), random.choice(tokens[:2000])
    if len(a) + len(b) > 16 or a + b in vocab:
        continue
    vocab[a + b] = len(vocab)
    tokens.append(a + b)
    merges.append((a, b))
tok = Tokenizer(models.BPE(vocab, merges))
tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
tok.decoder = decoders.ByteLevel()
os.makedirs(sys.argv[1], exist_ok=True)
tok.save(os.path.join(sys.argv[1], "tokenizer.json"))
PY
"$BUILD"/bench/bench_tokenizer "$TK/qwen3/tokenizer.json" "$TK/corpus.txt" "$TK/bpe250k/tokenizer.json"
"$PY" bench/tokenizer_bench.py "$TK/qwen3/tokenizer.json" "$TK/corpus.txt" "$TK/bpe250k/tokenizer.json"
fi
if want load; then
echo "== from_pretrained of a 1.46 GB bf16 checkpoint (dtype matches; bench_load writes it on first use): memory-mapped (mmap, no copy) and read into memory (the default)"
"$BUILD"/bench/bench_load /tmp/tcpp-bench-1gb
"$BUILD"/bench/bench_load /tmp/tcpp-bench-1gb
fi
if want encoders; then
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
  # ONNX Runtime on the same model exported with torch.onnx (skipped when onnxruntime is absent)
  "$PY" -c "import onnxruntime" 2>/dev/null && "$PY" bench/torch_bench.py onnx "$BB" 8 128 $t 2>/dev/null | tail -1
done

echo "== all-MiniLM-L6-v2 (the real checkpoint) and BERT-base-shaped: batch 1 x 128 latency, batch 32 x 128 throughput"
ML=$(bash scripts/fetch_minilm.sh)
for model in "$ML" "$BB"; do
  for t in 1 2; do
    for b in 1 32; do
      iters=10; [ $b = 32 ] && iters=3
      echo "-- $(basename "$model") batch $b x 128, $t threads: ours / torch"
      "$BUILD"/transformers-cpp --threads $t bench "$model" --auto-class AutoModel --batch $b --seq-len 128 --iters $iters
      "$PY" bench/torch_bench.py model "$model" AutoModel $b 128 $t 2>/dev/null | tail -1
    done
  done
done

echo "== all-MiniLM-L6-v2 SentenceTransformer.encode: 2000 sentences of 5-40 words, batch 32 (random order, pre-sorted, and unsorted batches to show what the length sort saves)"
for t in 1 2; do
  echo "-- $t threads: ours / sentence-transformers"
  OMP_NUM_THREADS=$t "$BUILD"/bench/bench_encode "$ML" 2000 32 3 /tmp/tcpp-encode-sentences.txt
  OMP_NUM_THREADS=$t "$PY" bench/st_encode_bench.py "$ML" /tmp/tcpp-encode-sentences.txt 32 3 2>/dev/null | tail -1
done

fi
if want decoders; then
echo "== Decoder LMs (random weights, real shapes): batch 1, greedy decode after a 128-token prompt, and prefill of 512 tokens"
"$BUILD"/bench/bench_bandwidth | tee /tmp/tcpp_bw.jsonl
DM=${DECODER_MODELS:-/tmp/tcpp-bench-decoders}
"$PY" bench/make_decoder_models.py "$DM"
# llama.cpp through llama-cpp-python, built from its sdist (minutes; the sdist also carries the GGUF converter).
# Its AMX matmul (picked for q8_0 on AMX CPUs) segfaults in 0.3.36, so it is built for AVX-512 (VNNI, BF16) without AMX.
LCPP_SDIST=/tmp/tcpp-llamacpp/llama_cpp_python-0.3.36.tar.gz
export LLAMACPP_SRC=/tmp/tcpp-llamacpp/llama_cpp_python-0.3.36/vendor/llama.cpp
LCPP_STAMP=/tmp/tcpp-llamacpp/built-without-amx
if ! "$PY" -c "import llama_cpp" 2>/dev/null || [ ! -f "$LLAMACPP_SRC/convert_hf_to_gguf.py" ] || [ ! -f "$LCPP_STAMP" ]; then
  mkdir -p /tmp/tcpp-llamacpp
  { [ -f "$LCPP_SDIST" ] || "$PY" -m pip download -q --no-deps llama-cpp-python==0.3.36 -d /tmp/tcpp-llamacpp; } && tar -xzf "$LCPP_SDIST" -C /tmp/tcpp-llamacpp \
    && CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=ON -DGGML_AVX512_VBMI=ON -DGGML_AVX512_VNNI=ON -DGGML_AVX512_BF16=ON -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF" \
       "$PY" -m pip install -q --force-reinstall --no-deps --no-cache-dir "$LCPP_SDIST" && touch "$LCPP_STAMP" \
    || echo "(llama-cpp-python unavailable: llama.cpp rows skipped)"
fi
TK3=/tmp/tcpp-bench-tokenizer/qwen3
mkdir -p /tmp/tcpp-bench-tokenizer
[ -f "$TK3/tokenizer.json" ] || tar -xJf ../shared/data/tokenizers-qwen3-llama2.tar.xz -C /tmp/tcpp-bench-tokenizer
for d in f32 bf16; do cp "$TK3/tokenizer.json" "$TK3/tokenizer_config.json" "$DM/qwen2.5-0.5b-$d/"; done
# One row: SIDE MODEL DTYPE THREADS PROMPT NEW ITERS -> a JSON line in /tmp/tcpp_dec.jsonl.
dec_row() {
  local side=$1 m=$2 d=$3 t=$4 prompt=$5 new=$6 iters=$7 src="$DM/$2-$3" q=""
  if [ "$d" = int8 ]; then src="$DM/$m-bf16"; q="--quantization int8"; fi
  case $side in
    ours) "$BUILD"/transformers-cpp --threads $t bench "$src" --auto-class AutoModelForCausalLM --seq-len $prompt --new-tokens $new --iters $iters $q ;;
    torch) "$PY" bench/decoder_bench.py "$src" "$([ $d = bf16 ] && echo bfloat16 || echo float32)" $t $prompt $new $iters 2>/dev/null ;;
    # llama.cpp's int8 is q8_0 (int8 blocks of 32 with an f16 scale; int8 activations too)
    llama.cpp) "$PY" bench/llamacpp_bench.py "$src" "$([ $d = int8 ] && echo q8_0 || echo $d)" $t $prompt $new $iters 2>/dev/null ;;
  esac | tag model=$m dtype=$d side=$side prompt=$prompt | tee -a /tmp/tcpp_dec.jsonl || true
}
: > /tmp/tcpp_dec.jsonl
for m in qwen2.5-0.5b llama-3.2-1b; do
  for t in 1 2; do
    for d in f32 bf16 int8; do
      for shape in "128 16 3" "512 2 2"; do
        dec_row ours $m $d $t $shape
        [ $d = int8 ] || dec_row torch $m $d $t $shape
        "$PY" -c "import llama_cpp" 2>/dev/null && [ $m = qwen2.5-0.5b ] && dec_row llama.cpp $m $d $t $shape
      done
    done
  done
done
"$PY" - "$DM" <<'PY'
import json, os, sys
bw = {r["threads"]: r["read_gb_per_s"] for r in map(json.loads, open("/tmp/tcpp_bw.jsonl"))}
rows = [json.loads(l) for l in open("/tmp/tcpp_dec.jsonl")]
def weight_bytes(model, dtype):
    f = os.path.join(sys.argv[1], f"{model}-{'bf16' if dtype == 'int8' else dtype}", "model.safetensors")
    b = os.path.getsize(f)
    return b / 2 if dtype == "int8" else b  # tied embeddings: the table is read once per token as the lm_head
def find(side, r, prompt):
    return next((x for x in rows if x["side"] == side and x["prompt"] == prompt and all(x[k] == r[k] for k in ("model", "dtype", "threads"))), None)
def pair(o, x, key, fmt):
    return (f"{fmt.format(x[key])} ({o[key] / x[key]:.2f}x)" if x else "-").rjust(16)
print("decode tok/s after 128 tokens, prefill tok/s of 512 tokens; (ours / theirs); int8: ours weight-only per-row, llama.cpp q8_0")
print(f"{'model':>14} {'dtype':>5} {'thr':>3} {'ours':>7} {'torch':>16} {'llama.cpp':>16} {'BW limit':>8} {'% limit':>7} | {'prefill ours':>12} {'torch':>16} {'llama.cpp':>16} {'RSS MB ours/torch':>17} {'load s':>6}")
for r in rows:
    if r["side"] != "ours" or r["prompt"] != "128":
        continue
    limit = bw[r["threads"]] * 1e9 / weight_bytes(r["model"], r["dtype"])
    p = find("ours", r, "512") or r
    k, pk = "decode_tokens_per_s", "prefill_tokens_per_s"
    print(f"{r['model']:>14} {r['dtype']:>5} {r['threads']:>3} {r[k]:>7.2f} {pair(r, find('torch', r, '128'), k, '{:.2f}')} {pair(r, find('llama.cpp', r, '128'), k, '{:.2f}')}"
          f" {limit:>8.1f} {100 * r[k] / limit:>6.0f}% | {p[pk]:>12.0f} {pair(p, find('torch', r, '512'), pk, '{:.0f}')} {pair(p, find('llama.cpp', r, '512'), pk, '{:.0f}')}"
          f" {r['peak_rss_mb']:>8.0f} / {(find('torch', r, '128') or {}).get('peak_rss_mb', float('nan')):<6.0f} {r['load_s']:>6.2f}")
PY

fi
if want seq2seq; then
echo "== Encoder-decoders (random weights, real shapes): encoder input 256 tokens, then 32 greedy decoder tokens, batch 1, fp32"
SM=${SEQ2SEQ_MODELS:-/tmp/tcpp-bench-seq2seq}
"$PY" bench/make_seq2seq_models.py "$SM"
: > /tmp/tcpp_s2s.jsonl
for m in bart-base t5-small; do
  for t in 1 2; do
    "$BUILD"/transformers-cpp --threads $t bench "$SM/$m" --auto-class AutoModelForSeq2SeqLM --seq-len 256 --new-tokens 32 --iters 3 \
      | tag model=$m side=ours | tee -a /tmp/tcpp_s2s.jsonl
    "$PY" bench/decoder_bench.py "$SM/$m" float32 $t 256 32 3 2>/dev/null \
      | tag model=$m side=torch | tee -a /tmp/tcpp_s2s.jsonl
  done
done
"$PY" - <<'PY'
import json
rows = [json.loads(l) for l in open("/tmp/tcpp_s2s.jsonl")]
print(f"{'model':>10} {'thr':>3} {'encode+1st ms ours/torch':>25} {'ratio':>6} {'decode ms/token ours/torch':>27} {'ratio':>6}")
for r in rows:
    if r["side"] != "ours":
        continue
    t = next(x for x in rows if x["side"] == "torch" and x["model"] == r["model"] and x["threads"] == r["threads"])
    print(f"{r['model']:>10} {r['threads']:>3} {r['prefill_ms']:>12.1f} / {t['prefill_ms']:<10.1f} {t['prefill_ms'] / r['prefill_ms']:>5.2f}x"
          f" {r['decode_ms_per_token']:>13.2f} / {t['decode_ms_per_token']:<11.2f} {t['decode_ms_per_token'] / r['decode_ms_per_token']:>5.2f}x")
PY


fi
if want speech; then
echo "== Speech (random weights, real shapes): log-mel of 30 s, Whisper encoder + first token and per-token decode on 30 s, Wav2Vec2-base CTC on 10 s, batch 1, fp32"
SP=${SPEECH_MODELS:-/tmp/tcpp-bench-speech}
"$PY" bench/make_speech_models.py "$SP"
: > /tmp/tcpp_speech.jsonl
for t in 1 2; do
  "$BUILD"/transformers-cpp --threads $t bench "$SP/whisper-tiny" --auto-class AutoFeatureExtractor --seq-len 480000 --iters 3 \
    | tag "what=log-mel 30 s" side=ours | tee -a /tmp/tcpp_speech.jsonl
  "$PY" bench/speech_bench.py extractor "$SP/whisper-tiny" 480000 $t 3 \
    | tag "what=log-mel 30 s" side=torch | tee -a /tmp/tcpp_speech.jsonl
  for m in whisper-tiny whisper-base; do
    "$BUILD"/transformers-cpp --threads $t bench "$SP/$m" --auto-class AutoModelForSpeechSeq2Seq --new-tokens 32 --iters 3 \
      | tag "what=$m" side=ours | tee -a /tmp/tcpp_speech.jsonl
    "$PY" bench/speech_bench.py whisper "$SP/$m" $t 32 3 2>/dev/null \
      | tag "what=$m" side=torch | tee -a /tmp/tcpp_speech.jsonl
  done
  "$BUILD"/transformers-cpp --threads $t bench "$SP/wav2vec2-base" --auto-class AutoModelForCTC --seq-len 160000 --iters 3 \
    | tag "what=wav2vec2-base 10 s" side=ours | tee -a /tmp/tcpp_speech.jsonl
  "$PY" bench/speech_bench.py ctc "$SP/wav2vec2-base" 160000 $t 3 2>/dev/null \
    | tag "what=wav2vec2-base 10 s" side=torch | tee -a /tmp/tcpp_speech.jsonl
done
"$PY" - <<'PY'
import json
rows = [json.loads(l) for l in open("/tmp/tcpp_speech.jsonl")]
for r in rows:
    if r["side"] != "ours":
        continue
    t = next(x for x in rows if x["side"] == "torch" and x["what"] == r["what"] and x["threads"] == r["threads"])
    if "prefill_ms" in r:
        # real-time factor for 30 s with 100 tokens of transcript: encoder + first token, then 99 decode steps
        rtf = lambda x: (x["prefill_ms"] + 99 * x["decode_ms_per_token"]) / 30000
        print(f"{r['what']:>18} thr {r['threads']}: encoder+1st {r['prefill_ms']:.0f} / {t['prefill_ms']:.0f} ms ({t['prefill_ms'] / r['prefill_ms']:.2f}x), "
              f"decode {r['decode_ms_per_token']:.2f} / {t['decode_ms_per_token']:.2f} ms/token ({t['decode_ms_per_token'] / r['decode_ms_per_token']:.2f}x), "
              f"RTF (30 s, 100 tokens) {rtf(r):.3f} / {rtf(t):.3f}")
    else:
        print(f"{r['what']:>18} thr {r['threads']}: {r['median_ms']:.1f} / {t['median_ms']:.1f} ms ({t['median_ms'] / r['median_ms']:.2f}x)")
PY

fi
if want vision; then
echo "== Vision (random weights, real shapes): images/s at batch 1 and 16, fp32; preprocessing of 640x480 images"
VM=${VISION_MODELS:-/tmp/tcpp-bench-vision}
"$PY" bench/make_vision_models.py "$VM"
: > /tmp/tcpp_vision.jsonl
for t in 1 2; do
  for m in vit-base:AutoModelForImageClassification resnet-50:AutoModelForImageClassification clip-vit-b32:AutoModel; do
    name=${m%%:*}; auto=${m##*:}
    for b in 1 16; do
      iters=5; [ $b = 16 ] && iters=3
      "$BUILD"/transformers-cpp --threads $t bench "$VM/$name" --auto-class $auto --batch $b --iters $iters \
        | tag "what=$name b$b" side=ours | tee -a /tmp/tcpp_vision.jsonl
      "$PY" bench/vision_bench.py model "$VM/$name" $auto $b $t $iters 2>/dev/null \
        | tag "what=$name b$b" side=torch | tee -a /tmp/tcpp_vision.jsonl
    done
    "$BUILD"/transformers-cpp --threads $t bench "$VM/$name" --auto-class AutoImageProcessor --batch 8 --iters 5 \
      | tag "what=$name preprocess x8" side=ours | tee -a /tmp/tcpp_vision.jsonl
    "$PY" bench/vision_bench.py processor "$VM/$name" 8 $t 5 2>/dev/null \
      | tag "what=$name preprocess x8" side=torch | tee -a /tmp/tcpp_vision.jsonl
  done
done
"$PY" - <<'PY'
import json
rows = [json.loads(l) for l in open("/tmp/tcpp_vision.jsonl")]
for r in rows:
    if r["side"] != "ours":
        continue
    t = next(x for x in rows if x["side"] == "torch" and x["what"] == r["what"] and x["threads"] == r["threads"])
    per = r.get("batch", 1)
    extra = "" if "preprocess" in r["what"] else f", {1e3 * per / r['median_ms']:.1f} / {1e3 * per / t['median_ms']:.1f} images/s"
    print(f"{r['what']:>24} thr {r['threads']}: {r['median_ms']:.1f} / {t['median_ms']:.1f} ms ({t['median_ms'] / r['median_ms']:.2f}x){extra}")
PY
fi
