#!/usr/bin/env python3
"""HF transformers (PyTorch CPU) side of the decoder and encoder-decoder benchmarks, same protocol as
`transformers-cpp bench MODEL --auto-class AutoModelFor{CausalLM,Seq2SeqLM} --seq-len S --new-tokens N`
(encoder-decoders: the prompt is the encoder input; prefill = encoder + first decoder step):
prefill = generate(max_new_tokens=1), decode per token = (generate(N) - prefill) / (N - 1), medians.
Usage: decoder_bench.py MODEL_DIR DTYPE(float32|bfloat16) THREADS SEQ_LEN NEW_TOKENS [ITERS]"""
import json
import sys
import time

import torch

from bench_common import peak_rss_mb
from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForSeq2SeqLM

model_dir, dtype, threads, seq, new = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
iters = int(sys.argv[6]) if len(sys.argv) > 6 else 3
torch.set_num_threads(threads)
t0 = time.perf_counter()
cls = AutoModelForSeq2SeqLM if AutoConfig.from_pretrained(model_dir).is_encoder_decoder else AutoModelForCausalLM
model = cls.from_pretrained(model_dir, dtype=getattr(torch, dtype)).eval()
load_s = time.perf_counter() - t0
g = torch.Generator().manual_seed(0)
ids = torch.randint(0, model.config.vocab_size, (1, seq), generator=g)
kw = dict(do_sample=False, pad_token_id=0, num_beams=1, no_repeat_ngram_size=0, forced_bos_token_id=None)
with torch.inference_mode():
    model.generate(ids, max_new_tokens=1, min_new_tokens=1, **kw)
    pre, dec = [], []
    for _ in range(iters):
        a = time.perf_counter()
        model.generate(ids, max_new_tokens=1, min_new_tokens=1, **kw)
        b = time.perf_counter()
        model.generate(ids, max_new_tokens=new, min_new_tokens=new, **kw)
        c = time.perf_counter()
        pre.append(b - a)
        dec.append(((c - b) - (b - a)) / max(new - 1, 1))
pre.sort(), dec.sort()
print(json.dumps({"impl": f"torch {torch.__version__}", "dtype": dtype, "threads": threads, "prompt_len": seq, "new_tokens": new,
                  "load_s": load_s, "prefill_ms": pre[len(pre) // 2] * 1e3, "prefill_tokens_per_s": seq / pre[len(pre) // 2],
                  "decode_ms_per_token": dec[len(dec) // 2] * 1e3, "decode_tokens_per_s": 1 / dec[len(dec) // 2], "peak_rss_mb": peak_rss_mb()}))
