#!/usr/bin/env python3
"""HF transformers (PyTorch CPU) side of the speech benchmarks, same protocol as `transformers-cpp bench`:
  extractor DIR SAMPLES THREADS ITERS       feature extractor on one clip: median ms
  whisper DIR THREADS NEW_TOKENS ITERS      30 s of log-mel features: prefill (encoder + first token) and ms/token
  ctc DIR SAMPLES THREADS ITERS             Wav2Vec2-style forward on SAMPLES samples: median ms
Inputs are deterministic noise, as in the C++ side."""
import json
import os
import sys

import numpy as np
import torch
import transformers as tf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import median  # noqa: E402

mode = sys.argv[1]


def noise(shape):
    return (np.random.default_rng(7).random(shape, dtype=np.float32) - 0.5).astype(np.float32)


out = {"impl": f"torch {torch.__version__}"}
with torch.inference_mode():
    if mode == "extractor":
        d, n, threads, iters = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
        torch.set_num_threads(threads)
        fe = tf.AutoFeatureExtractor.from_pretrained(d)
        x = noise((n,))
        out.update(extractor=type(fe).__name__, samples=n, threads=threads,
                   median_ms=1e3 * median(lambda: fe(x, sampling_rate=fe.sampling_rate, return_tensors="np"), iters))
    elif mode == "whisper":
        d, threads, new, iters = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
        torch.set_num_threads(threads)
        m = tf.WhisperForConditionalGeneration.from_pretrained(d).eval()
        x = torch.from_numpy(noise((1, m.config.num_mel_bins, 2 * m.config.max_source_positions)))
        pre = median(lambda: m.generate(x, max_new_tokens=1, min_new_tokens=1, do_sample=False, num_beams=1), iters)
        full = median(lambda: m.generate(x, max_new_tokens=new, min_new_tokens=new, do_sample=False, num_beams=1), iters)
        out.update(threads=threads, new_tokens=new, prefill_ms=pre * 1e3, decode_ms_per_token=(full - pre) / (new - 1) * 1e3)
    elif mode == "ctc":
        d, n, threads, iters = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
        torch.set_num_threads(threads)
        m = tf.AutoModelForCTC.from_pretrained(d).eval()
        x = torch.from_numpy(noise((1, n)))
        out.update(threads=threads, samples=n, median_ms=1e3 * median(lambda: m(input_values=x), iters))
print(json.dumps(out))
