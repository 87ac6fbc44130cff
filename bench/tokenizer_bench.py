"""Tokenizer throughput, side by side: the Rust tokenizers library (via its Python wheel) and
transformers-cpp's CLI-free bench (bench_tokenizer). Same file, same texts, one thread.
   python bench/tokenizer_bench.py TOKENIZER_JSON TEXT_FILE"""
import json
import statistics
import sys
import time

from tokenizers import Tokenizer

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
