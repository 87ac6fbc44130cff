#!/usr/bin/env python3
"""Parity fixtures for LlavaNextImageProcessor (anyres tiling: select_best_resolution over
image_grid_pinpoints, resize + centred padding, patch division, the base view, image_sizes), both
backends, on the pictures of fixtures/images (several sizes and aspect ratios, up- and downscaled).
Grid pinpoints and sizes are scaled down so that the goldens stay small.
tests/test_llava_next_image_processor.cpp reads fixtures/llava_next/.
Run in the pinned venv:  ~/.venvs/tcpp/bin/python scripts/make_llava_next_fixtures.py
"""
import json
import os
import shutil

import numpy as np
import torch
import transformers as tf
from safetensors.torch import save_file
from transformers.image_utils import load_image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "llava_next")

NAMES = ["photo.jpg", "exif6.jpg", "rgb.png", "gray.jpg", "palette.png", "gray16.png"]
CONFIGS = {
    # The published layout (336-pixel tiles) scaled to 6-pixel tiles: a square base view; the
    # pictures pick different resolutions (wide, tall, square, upscaled).
    "anyres": {"image_processor_type": "LlavaNextImageProcessor", "size": {"shortest_edge": 6}, "crop_size": {"height": 6, "width": 6},
               "image_grid_pinpoints": [[12, 24], [24, 12], [18, 18], [30, 12], [12, 30]]},
    # Resolutions that are not multiples of the tile (narrower last row / column, resized and cropped
    # like the others), a height / width size, bilinear and another mean / std.
    "uneven": {"image_processor_type": "LlavaNextImageProcessorFast", "size": {"height": 12, "width": 12}, "crop_size": {"height": 8, "width": 8},
               "image_grid_pinpoints": [[12, 20], [20, 12], [16, 24]], "resample": 2, "image_mean": [0.5, 0.4, 0.3], "image_std": [0.2, 0.3, 0.4]},
}


def main():
    print("transformers", tf.__version__, "torch", torch.__version__)
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    images = [load_image(os.path.join(ROOT, "fixtures", "images", n)) for n in NAMES]
    goldens, cases, patches = {}, {}, {}
    for name, cfg in CONFIGS.items():
        d = os.path.join(OUT, name)
        os.makedirs(d)
        with open(os.path.join(d, "preprocessor_config.json"), "w") as f:
            json.dump(cfg, f, indent=1)
        for backend in ("torchvision", "pil"):
            proc = tf.AutoImageProcessor.from_pretrained(d, backend=backend)
            assert proc.backend == backend, (name, backend, proc.backend)
            cases[name] = type(proc).__name__.removesuffix("Pil")
            # The whole batch (patches padded to the most); each image alone gives its own patches
            # only (their counts recorded), which are the batch's unpadded rows.
            out = proc(images=images, return_tensors="np")
            pv = out["pixel_values"].astype(np.float32)
            goldens[f"{name}.{backend}.pixel_values"] = torch.from_numpy(np.ascontiguousarray(pv))
            goldens[f"{name}.{backend}.image_sizes"] = torch.from_numpy(np.asarray(out["image_sizes"]).astype(np.int64))
            counts = []
            for i, im in enumerate(images):
                one = proc(images=[im], return_tensors="np")["pixel_values"]
                assert np.array_equal(one[0], pv[i, : one.shape[1]]) and not pv[i, one.shape[1]:].any(), (name, backend, i)
                counts.append(one.shape[1])
            patches.setdefault(name, counts)
            assert patches[name] == counts
    save_file(goldens, os.path.join(OUT, "goldens.safetensors"))
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump({"inputs": NAMES, "processors": cases, "patches": patches}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
