"""sentence-transformers' encode on the sentences bench_encode wrote (same list, same batch size),
best of REPEATS, in the caller's order and pre-sorted: the side-by-side for bench_encode.
    python bench/st_encode_bench.py MODEL_DIR SENTENCES_FILE [BATCH=32] [REPEATS=3]"""
import json
import sys
import time

import torch
from sentence_transformers import SentenceTransformer


def best(repeats, f):
    t = 1e30
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        t = min(t, time.perf_counter() - t0)
    return t


def main():
    model_dir, path = sys.argv[1], sys.argv[2]
    bs = int(sys.argv[3]) if len(sys.argv) > 3 else 32
    repeats = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    sentences = open(path).read().splitlines()
    st = SentenceTransformer(model_dir, device="cpu")
    st.encode(sentences[:64], batch_size=bs)
    presorted = sorted(sentences, key=len, reverse=True)
    with torch.inference_mode():
        r = best(repeats, lambda: st.encode(sentences, batch_size=bs))
        s = best(repeats, lambda: st.encode(presorted, batch_size=bs))
    print(json.dumps({"sentences": len(sentences), "batch": bs, "threads": torch.get_num_threads(),
                      "st_encode_random_order_s": round(r, 4), "st_encode_presorted_s": round(s, 4)}))


if __name__ == "__main__":
    main()
