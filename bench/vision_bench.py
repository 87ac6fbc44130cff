#!/usr/bin/env python3
"""HF transformers (PyTorch CPU) side of the vision benchmarks, same protocol as `transformers-cpp bench`:
  processor DIR BATCH THREADS ITERS          AutoImageProcessor (torchvision backend) on BATCH 640x480 images: median ms
  model DIR AUTO_CLASS BATCH THREADS ITERS   forward on BATCH image_size^2 pictures: median ms
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
out = {"impl": f"torch {torch.__version__}"}
with torch.inference_mode():
    if mode == "processor":
        d, batch, threads, iters = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
        torch.set_num_threads(threads)
        ip = tf.AutoImageProcessor.from_pretrained(d)
        rng = np.random.default_rng(7)
        img = rng.integers(0, 256, (480, 640, 3), dtype=np.uint8)
        from PIL import Image
        images = [Image.fromarray(img)] * batch
        out.update(processor=type(ip).__name__, batch=batch, threads=threads,
                   median_ms=1e3 * median(lambda: ip(images=images, return_tensors="pt"), iters))
    else:
        d, auto, batch, threads, iters = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
        torch.set_num_threads(threads)
        m = getattr(tf, auto).from_pretrained(d).eval()
        side = getattr(m.config, "image_size", 224)
        x = torch.from_numpy(np.random.default_rng(7).random((batch, 3, side, side), dtype=np.float32) - 0.5)
        m(pixel_values=x)
        out.update(model=type(m).__name__, batch=batch, threads=threads, median_ms=1e3 * median(lambda: m(pixel_values=x), iters))
print(json.dumps(out))
