#!/usr/bin/env python3
"""Image fixtures (fixtures/images/): small synthetic photos in every format we decode (JPEG with
and without EXIF orientation, grayscale JPEG, PNG RGB / RGBA / palette / 16-bit gray, BMP, GIF,
WebP), and what Python computes from them: load_image's pixels, resizes by both backends
(torchvision on uint8 tensors, Pillow) for every filter over up- and downscales, and
AutoImageProcessor's pixel_values for each supported processor class on both backends.
Run:  python3 scripts/make_image_fixtures.py   (same venv and pins as make_fixtures.py)
"""
import io
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import OUT, ensure_venv  # noqa: E402


def photo(rng, h, w):
    """Smooth gradients, hard-edged shapes and noise: every resampling filter shows its differences."""
    import numpy as np

    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 128 + 100 * np.sin(x / w * 6.3) * np.cos(y / h * 3.1)
    g = 255 * x / max(w - 1, 1)
    b = 255 * ((x - w / 2) ** 2 + (y - h / 2) ** 2 < (min(h, w) / 3) ** 2)
    img = np.stack([r, g, b], -1) + rng.normal(0, 12, (h, w, 3))
    img[h // 4: h // 4 + 3, :, :] = 255
    return np.clip(img, 0, 255).astype(np.uint8)


def main():
    import numpy as np
    import torch
    import transformers as tf
    from PIL import Image
    from safetensors.numpy import save_file
    from torchvision.transforms import InterpolationMode
    from torchvision.transforms.v2 import functional as tvF
    from transformers.image_utils import load_image

    root = os.path.join(OUT, "images")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    rng = np.random.default_rng(5)
    big = photo(rng, 96, 128)

    files = {}

    def save(name, im, **kw):
        im.save(os.path.join(root, name), **kw)
        files[name] = True

    save("photo.jpg", Image.fromarray(big), quality=90)
    small = photo(rng, 30, 45)
    for orient in (3, 6, 8):
        exif = Image.Exif()
        exif[0x0112] = orient
        save(f"exif{orient}.jpg", Image.fromarray(small), quality=92, exif=exif.tobytes())
    save("gray.jpg", Image.fromarray(photo(rng, 20, 28)[..., 1]), quality=85)
    save("rgb.png", Image.fromarray(photo(rng, 21, 33)))
    rgba = np.concatenate([photo(rng, 18, 25), rng.integers(0, 256, (18, 25, 1), dtype=np.uint8)], -1)
    save("rgba.png", Image.fromarray(rgba))
    save("palette.png", Image.fromarray(photo(rng, 19, 23)).convert("P", palette=Image.Palette.ADAPTIVE, colors=16))
    save("gray16.png", Image.fromarray((rng.integers(0, 600, (12, 14))).astype(np.uint16)))
    save("rgb.bmp", Image.fromarray(photo(rng, 17, 22)))
    save("anim.gif", Image.fromarray(photo(rng, 16, 20)).convert("P", palette=Image.Palette.ADAPTIVE, colors=32))
    save("lossy.webp", Image.fromarray(photo(rng, 24, 36)), quality=80)
    # A CMYK JPEG (Pillow writes Adobe-inverted CMYK); its own generator keeps the others' pixels.
    # A GIF with a transparent palette index: convert("RGB") shows that index's palette colour.
    gif = Image.fromarray(photo(np.random.default_rng(56), 15, 18)).convert("P", palette=Image.Palette.ADAPTIVE, colors=8)
    save("transparent.gif", gif, transparency=3)
    save("cmyk.jpg", Image.fromarray(photo(np.random.default_rng(55), 22, 31)).convert("CMYK"), quality=90)

    goldens = {}
    for name in files:
        goldens[f"decode.{name}"] = np.ascontiguousarray(np.array(load_image(os.path.join(root, name))))

    # Resizes of the decoded photo: downscales, upscales, one-axis and mixed.
    src = np.array(load_image(os.path.join(root, "photo.jpg")))
    sizes = [(37, 53), (61, 128), (96, 47), (104, 136), (150, 31)]
    tv_modes = {"nearest": InterpolationMode.NEAREST_EXACT, "bilinear": InterpolationMode.BILINEAR,
                "bicubic": InterpolationMode.BICUBIC, "lanczos": InterpolationMode.LANCZOS}
    pil_modes = {"nearest": Image.Resampling.NEAREST, "bilinear": Image.Resampling.BILINEAR, "bicubic": Image.Resampling.BICUBIC,
                 "lanczos": Image.Resampling.LANCZOS, "box": Image.Resampling.BOX, "hamming": Image.Resampling.HAMMING}
    for h, w in sizes:
        t = torch.from_numpy(src).permute(2, 0, 1).contiguous()
        for mode, m in tv_modes.items():
            out = tvF.resize(t, [h, w], interpolation=m, antialias=True)
            goldens[f"resize.torchvision.{mode}.{h}x{w}"] = out.permute(1, 2, 0).contiguous().numpy()
        for mode, m in pil_modes.items():
            goldens[f"resize.pil.{mode}.{h}x{w}"] = np.array(Image.fromarray(src).resize((w, h), resample=m))

    # Processors, with the sizes shrunk so that the goldens stay small.
    configs = {
        "vit": {"image_processor_type": "ViTImageProcessor", "size": {"height": 40, "width": 36}},
        "deit": {"image_processor_type": "DeiTImageProcessor", "size": {"height": 44, "width": 44}, "crop_size": {"height": 36, "width": 40}},
        "clip": {"image_processor_type": "CLIPImageProcessor", "size": {"shortest_edge": 40}, "crop_size": 32},
        "clip_legacy": {"feature_extractor_type": "CLIPFeatureExtractor", "size": 30, "crop_size": 28, "do_center_crop": True,
                        "resample": 3, "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_std": [0.26862954, 0.26130258, 0.27577711]},
        "siglip": {"image_processor_type": "SiglipImageProcessor", "size": {"height": 32, "width": 32}},
        "convnext": {"image_processor_type": "ConvNextImageProcessor", "size": {"shortest_edge": 32}, "crop_pct": 0.875},
        "bit": {"image_processor_type": "BitImageProcessor", "size": {"shortest_edge": 36}, "crop_size": {"height": 30, "width": 30}},
        "segformer": {"image_processor_type": "SegformerImageProcessor", "size": {"height": 32, "width": 48}},
        "crop_pad": {"image_processor_type": "CLIPImageProcessor", "size": {"shortest_edge": 20}, "crop_size": {"height": 27, "width": 33}},
        "no_norm": {"image_processor_type": "ViTImageProcessor", "size": {"height": 24, "width": 24}, "do_normalize": False, "resample": 0},
        "efficientnet": {"image_processor_type": "EfficientNetImageProcessor", "size": {"height": 30, "width": 30},
                         "image_std": [0.47853944, 0.4732864, 0.47434163], "image_mean": [0.485, 0.456, 0.406]},
        "efficientnet_offset": {"image_processor_type": "EfficientNetImageProcessor", "size": {"height": 26, "width": 34}, "rescale_offset": True,
                                "include_top": False, "crop_size": {"height": 20, "width": 20}, "do_center_crop": True, "resample": 0},
        # Patches of 7 px (the real models use 14) keep the goldens small; the arithmetic is the same.
        "qwen2_vl": {"image_processor_type": "Qwen2VLImageProcessor", "size": {"shortest_edge": 392, "longest_edge": 1568}, "patch_size": 7},
        "qwen2_vl_legacy": {"image_processor_type": "Qwen2VLImageProcessor", "min_pixels": 196, "max_pixels": 784, "patch_size": 7,
                            "merge_size": 2, "temporal_patch_size": 2},
    }
    inputs = [load_image(os.path.join(root, n)) for n in ("photo.jpg", "exif6.jpg", "rgb.png", "gray.jpg", "rgba.png", "palette.png")]
    cases = {}
    for name, cfg in configs.items():
        d = os.path.join(root, "processors", name)
        os.makedirs(d)
        with open(os.path.join(d, "preprocessor_config.json"), "w") as f:
            json.dump(cfg, f, indent=1)
        for backend in ("torchvision", "pil"):
            proc = tf.AutoImageProcessor.from_pretrained(d, backend=backend)
            assert proc.backend == backend, (name, backend, proc.backend)
            out = proc(images=inputs, return_tensors="np")
            goldens[f"processor.{name}.{backend}"] = np.ascontiguousarray(out["pixel_values"].astype(np.float32))
            if "image_grid_thw" in out:
                goldens[f"processor.{name}.{backend}.image_grid_thw"] = out["image_grid_thw"].astype(np.int64)
            cases[name] = type(proc).__name__.removesuffix("Pil")
    with open(os.path.join(root, "cases.json"), "w") as f:
        json.dump({"inputs": ["photo.jpg", "exif6.jpg", "rgb.png", "gray.jpg", "rgba.png", "palette.png"], "processors": cases,
                   "resize_sizes": sizes, "files": sorted(files)}, f, indent=1)
    save_file(goldens, os.path.join(root, "goldens.safetensors"))
    print("images:", len(goldens), "goldens", os.path.getsize(os.path.join(root, "goldens.safetensors")) // 1024, "KiB")


if __name__ == "__main__":
    ensure_venv()
    main()
