"""Tokenizer throughput, side by side: the Rust tokenizers library (via its Python wheel) and
transformers-cpp's CLI-free bench (bench_tokenizer). Same file, same texts, one thread.
Also the load time of the tokenizer.json (and of more files given after) and one 1 MB text without spaces.
   python bench/tokenizer_bench.py TOKENIZER_JSON TEXT_FILE [MORE_TOKENIZER_JSON...]"""
import json
import statistics
import sys
import time

from tokenizers import Tokenizer

IMPL = "tokenizers (Rust) " + __import__("tokenizers").__version__
for path in [sys.argv[1]] + sys.argv[3:]:
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        t = Tokenizer.from_file(path)
        times.append(time.perf_counter() - t0)
    print(json.dumps({"impl": IMPL, "mode": "load", "file": path, "vocab": t.get_vocab_size(), "ms": round(statistics.median(times) * 1e3, 1)}))
tok = Tokenizer.from_file(sys.argv[1])
texts = [l.rstrip("\n") for l in open(sys.argv[2], encoding="utf-8")]
nbytes = sum(len(t.encode()) for t in texts)
times = []
for _ in range(5):
    t0 = time.perf_counter()
    for t in texts:
        tok.encode(t)
    times.append(time.perf_counter() - t0)
med = statistics.median(times)
print(json.dumps({"impl": "tokenizers (Rust) " + __import__("tokenizers").__version__, "mode": "encode one by one",
                  "MB_per_s": round(nbytes / med / 1e6, 2), "texts_per_s": round(len(texts) / med, 1)}))
times = []
for _ in range(5):
    t0 = time.perf_counter()
    tok.encode_batch(texts)
    times.append(time.perf_counter() - t0)
med = statistics.median(times)
print(json.dumps({"impl": "tokenizers (Rust) " + __import__("tokenizers").__version__, "mode": "encode_batch",
                  "MB_per_s": round(nbytes / med / 1e6, 2), "texts_per_s": round(len(texts) / med, 1)}))
nospace = ""
for t in texts:
    nospace += t.replace(" ", "")
    if len(nospace.encode()) >= 1000000:
        break
times = []
for _ in range(3):
    t0 = time.perf_counter()
    n = len(tok.encode(nospace).ids)
    times.append(time.perf_counter() - t0)
print(json.dumps({"impl": IMPL, "mode": "1 MB without spaces", "bytes": len(nospace.encode()), "tokens": n,
                  "ms": round(statistics.median(times) * 1e3, 1)}))
