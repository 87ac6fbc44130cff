#!/usr/bin/env python3
"""Parity fixtures for BeitForSemanticSegmentation, MobileNetV2ForSemanticSegmentation and the
AutoBackbone classes (tests/test_auto_mapping.cpp runs every entry of fixtures/segmentation/index.json
as it runs fixtures/auto_rows; tests/test_backbone.cpp reads the hidden-state goldens): tiny random
checkpoints saved as the Python class, their inputs and Python's outputs.
Run in the pinned venv:  ~/.venvs/tcpp/bin/python scripts/make_segmentation_fixtures.py
"""
import json
import os
import shutil

import torch
import transformers as tf
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "segmentation")

index = []


def flatten(out):
    flat = {}
    for k, v in out.items():
        if isinstance(v, torch.Tensor):
            flat[k] = v.detach().float().clone().contiguous()
        elif isinstance(v, (tuple, list)):
            for i, t in enumerate(v):
                if isinstance(t, torch.Tensor):
                    flat[f"{k}.{i}"] = t.detach().float().clone().contiguous()
    return flat


def randomize(model, seed):
    """Random BatchNorm statistics and affine parameters, and random layer scales, so that no
    norm is the identity it is at init."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.running_mean.copy_(torch.randn(mod.running_mean.shape, generator=g) * 0.2)
                mod.running_var.copy_(torch.rand(mod.running_var.shape, generator=g) + 0.5)
                mod.weight.copy_(1 + torch.randn(mod.weight.shape, generator=g) * 0.1)
                mod.bias.copy_(torch.randn(mod.bias.shape, generator=g) * 0.1)
        for name, p in model.named_parameters():
            if "lambda" in name or "relative_position_bias_table" in name or "layer_scale" in name:
                p.copy_(torch.randn(p.shape, generator=g) * 0.5)
            if name.endswith("grn.weight") or name.endswith("grn.bias"):
                p.copy_(torch.randn(p.shape, generator=g) * 0.5)


def save_case(name, auto_class, model, inputs, unexpected_suffixes=None, hidden_states=False):
    """Saves model (as its Python class), inputs and the outputs of model(**inputs); with
    hidden_states also outputs_hidden.safetensors from output_hidden_states / output_attentions."""
    model.eval()
    d = os.path.join(OUT, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    model.save_pretrained(d)
    with torch.no_grad():
        out = model(**inputs)
    save_file({k: v.contiguous() for k, v in inputs.items()}, os.path.join(d, "inputs.safetensors"))
    save_file(flatten(out), os.path.join(d, "outputs.safetensors"))
    if hidden_states:
        kw = {"output_hidden_states": True}
        if getattr(model, "has_attentions", True):
            kw["output_attentions"] = True
        with torch.no_grad():
            full = model(**inputs, **kw)
        save_file(flatten(full), os.path.join(d, "outputs_hidden.safetensors"))
    e = {"dir": f"segmentation/{name}", "auto_class": auto_class, "class": type(model).__name__}
    if unexpected_suffixes:
        e["unexpected_suffixes"] = unexpected_suffixes
    index.append(e)


BN_TRACKED = ["num_batches_tracked"]
BEIT = dict(hidden_size=16, num_hidden_layers=4, num_attention_heads=2, intermediate_size=24, image_size=32, patch_size=4,
            use_relative_position_bias=True, layer_scale_init_value=0.1, num_labels=5, attn_implementation="eager")


def beit():
    g = torch.Generator().manual_seed(1)
    pixel_values = torch.randn(2, 3, 32, 32, generator=g)
    # UPerNet on four FPN scales (8x8 patches -> 32, 16, 8, 4); pool scale 6 upsamples the 4x4 map.
    for name, extra in [("", dict(auxiliary_channels=8)),
                        ("-shared-bias-concat", dict(use_relative_position_bias=False, use_shared_relative_position_bias=True,
                                                     use_mean_pooling=False, auxiliary_channels=8, auxiliary_num_convs=2,
                                                     auxiliary_concat_input=True, pool_scales=[1, 3]))]:
        torch.manual_seed(2)
        m = tf.BeitForSemanticSegmentation(tf.BeitConfig(**{**BEIT, **extra}, out_indices=[1, 2, 3, 4]))
        randomize(m, 3)
        save_case(f"beit-BeitForSemanticSegmentation{name}", "AutoModelForSemanticSegmentation", m, {"pixel_values": pixel_values},
                  BN_TRACKED, hidden_states=not name)
    # BeitBackbone: selected stages as patch grids (a non-square image), and through the FPN neck.
    rect = torch.randn(2, 3, 24, 40, generator=g)
    for name, extra, pv in [("", dict(out_features=["stem", "stage2", "stage4"]), rect),
                            ("-fpn", dict(out_indices=[1, 2, 3, 4], add_fpn=True), pixel_values),
                            ("-tokens", dict(out_indices=[-1], reshape_hidden_states=False), pixel_values)]:
        torch.manual_seed(4)
        m = tf.BeitBackbone(tf.BeitConfig(**BEIT, **extra))
        randomize(m, 5)
        save_case(f"beit-BeitBackbone{name}", "AutoBackbone", m, {"pixel_values": pv}, BN_TRACKED, hidden_states=not name)


def beit_legacy_names():
    """The BEiT segmentation checkpoint with the mmseg-era names the published checkpoints use
    (fpn1.0, decode_head.bottleneck, psp_modules.N.1.conv / bn, conv / bn): Python renames them at
    load (conversion_mapping.py), and must get the same logits as the fixture's."""
    from safetensors.torch import load_file
    import re
    src = os.path.join(OUT, "beit-BeitForSemanticSegmentation")
    d = os.path.join(OUT, "beit-BeitForSemanticSegmentation-legacy-names")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    legacy = {}
    for k, v in load_file(os.path.join(src, "model.safetensors")).items():
        k = re.sub(r"decode_head\.psp_modules\.blocks\.(\d+)\.conv\.convolution\.", r"decode_head.psp_modules.\1.1.conv.", k)
        k = re.sub(r"decode_head\.psp_modules\.blocks\.(\d+)\.conv\.normalization\.", r"decode_head.psp_modules.\1.1.bn.", k)
        for new, old in [("fpn.fpn1.conv_transpose1.", "fpn1.0."), ("fpn.fpn1.normalization.", "fpn1.1."), ("fpn.fpn1.conv_transpose2.", "fpn1.3."),
                         ("fpn.fpn2.", "fpn2.0."), ("decode_head.psp_bottleneck.", "decode_head.bottleneck."),
                         (".convolution.weight", ".conv.weight"), (".normalization.", ".bn.")]:
            k = k.replace(new, old)
        legacy[k] = v
    save_file(legacy, os.path.join(d, "model.safetensors"), metadata={"format": "pt"})
    for f in ("config.json", "inputs.safetensors"):
        shutil.copy(os.path.join(src, f), d)
    m = tf.BeitForSemanticSegmentation.from_pretrained(d, attn_implementation="eager").eval()
    inputs = load_file(os.path.join(d, "inputs.safetensors"))
    with torch.no_grad():
        logits = m(**inputs).logits
    assert torch.allclose(logits, load_file(os.path.join(src, "outputs.safetensors"))["logits"], atol=1e-5), "legacy names load differently in Python"
    save_file({"logits": logits.contiguous()}, os.path.join(d, "outputs.safetensors"))
    index.append({"dir": "segmentation/beit-BeitForSemanticSegmentation-legacy-names", "auto_class": "AutoModelForSemanticSegmentation",
                  "class": "BeitForSemanticSegmentation", "unexpected_suffixes": BN_TRACKED})


def mobilenet_v2():
    g = torch.Generator().manual_seed(6)
    # Odd sizes: TensorFlow "SAME" padding puts the odd pixel after; output_stride 8 dilates the
    # depthwise convolutions of blocks 5.. by 2 and 13.. by 4 (published DeepLabV3 checkpoints).
    pixel_values = torch.randn(2, 3, 33, 29, generator=g)
    small = dict(depth_multiplier=0.1, min_depth=8, expand_ratio=2.0, finegrained_output=False, num_labels=4)
    for name, extra in [("", dict(output_stride=8)), ("-os16-padded", dict(output_stride=16, tf_padding=False))]:
        torch.manual_seed(7)
        m = tf.MobileNetV2ForSemanticSegmentation(tf.MobileNetV2Config(**small, **extra))
        randomize(m, 8)
        save_case(f"mobilenet_v2-MobileNetV2ForSemanticSegmentation{name}", "AutoModelForSemanticSegmentation", m,
                  {"pixel_values": pixel_values}, BN_TRACKED)


def pipelines():
    """image-segmentation (semantic) through the BEiT and MobileNetV2 heads with their own image
    processors: labels and masks (0/255) per image, as tests/test_backbone.cpp checks them."""
    import numpy as np
    images = os.path.join(ROOT, "fixtures", "images")
    procs = {"beit-BeitForSemanticSegmentation": {"image_processor_type": "BeitImageProcessor", "size": {"height": 32, "width": 32},
                                                  "do_center_crop": False, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5]},
             "mobilenet_v2-MobileNetV2ForSemanticSegmentation": {"image_processor_type": "MobileNetV2ImageProcessor",
                                                                 "size": {"shortest_edge": 40}, "crop_size": {"height": 33, "width": 29}}}
    results, masks = {}, {}
    for name, proc in procs.items():
        d = os.path.join(OUT, name + "-pipeline")
        shutil.rmtree(d, ignore_errors=True)
        shutil.copytree(os.path.join(OUT, name), d, ignore=shutil.ignore_patterns("*.safetensors"))
        shutil.copy(os.path.join(OUT, name, "model.safetensors"), d)
        with open(os.path.join(d, "preprocessor_config.json"), "w") as f:
            json.dump(proc, f, indent=1)
        seg = tf.pipeline("image-segmentation", model=d)
        for img in ("photo.jpg", "rgb.png"):
            out = seg(os.path.join(images, img))
            results.setdefault(name + "-pipeline", {})[img] = [o["label"] for o in out]
            for i, o in enumerate(out):
                masks[f"{name}-pipeline/{img}.{i}"] = torch.from_numpy(np.array(o["mask"]))
    save_file(masks, os.path.join(OUT, "pipeline_masks.safetensors"))
    with open(os.path.join(OUT, "pipeline.json"), "w") as f:
        json.dump(results, f, indent=1)


def backbones():
    g = torch.Generator().manual_seed(9)
    pixel_values = torch.randn(2, 3, 32, 32, generator=g)
    # ResNet: the stem (embedder output) and later stages.
    torch.manual_seed(10)
    m = tf.ResNetBackbone(tf.ResNetConfig(embedding_size=8, hidden_sizes=[8, 16, 24, 32], depths=[1, 2, 1, 1], layer_type="bottleneck",
                                          out_features=["stem", "stage2", "stage4"]))
    randomize(m, 11)
    save_case("resnet-ResNetBackbone", "AutoBackbone", m, {"pixel_values": pixel_values}, BN_TRACKED, hidden_states=True)
    # ConvNeXt / V2: a channels-first LayerNorm per selected stage.
    for mt, cfg_cls, cls in [("convnext", tf.ConvNextConfig, tf.ConvNextBackbone), ("convnextv2", tf.ConvNextV2Config, tf.ConvNextV2Backbone)]:
        torch.manual_seed(12)
        m = cls(cfg_cls(hidden_sizes=[8, 16, 24, 32], depths=[1, 1, 2, 1], out_indices=[1, 3, 4]))
        randomize(m, 13)
        with torch.no_grad():
            for n, p in m.named_parameters():
                if "hidden_states_norms" in n:
                    p.copy_(torch.randn(p.shape) * 0.3 + (1 if n.endswith("weight") else 0))
        save_case(f"{mt}-{cls.__name__}", "AutoBackbone", m, {"pixel_values": pixel_values}, hidden_states=mt == "convnext")
    # DINOv2: normed tokens reshaped to the patch grid (a non-square image), and raw tokens.
    rect = torch.randn(2, 3, 28, 42, generator=g)
    d = dict(hidden_size=32, num_hidden_layers=3, num_attention_heads=4, intermediate_size=37, image_size=28, patch_size=7,
             attn_implementation="eager")
    for name, extra in [("", dict(out_features=["stem", "stage2", "stage3"])),
                        ("-tokens", dict(out_indices=[2], apply_layernorm=False, reshape_hidden_states=False))]:
        torch.manual_seed(14)
        m = tf.Dinov2Backbone(tf.Dinov2Config(**d, **extra))
        randomize(m, 15)
        save_case(f"dinov2-Dinov2Backbone{name}", "AutoBackbone", m, {"pixel_values": rect}, hidden_states=not name)


def swin():
    """SwinBackbone: the embeddings (stem) and each stage's state before its patch merging, with
    always_partition (windows padded, shifted even on maps no larger than the window) and a LayerNorm
    per selected stage. Image sizes whose patch grids are not multiples of the window; the last
    stages are smaller than the window."""
    g = torch.Generator().manual_seed(16)
    odd = torch.randn(2, 3, 30, 22, generator=g)  # 15x11 patches, then 8x6, 4x3, 2x2
    square = torch.randn(1, 3, 32, 32, generator=g)  # 16x16, 8x8, 4x4, 2x2
    cfg = dict(image_size=32, patch_size=2, embed_dim=4, depths=[2, 2, 2, 2], num_heads=[1, 1, 2, 2], window_size=4, mlp_ratio=2.0,
               attn_implementation="eager")
    for name, extra, pv in [("", dict(out_features=["stem", "stage1", "stage3"]), odd),
                            ("-last-two", dict(out_indices=[-2, -1]), square),
                            ("-default", dict(window_size=3), odd)]:
        torch.manual_seed(17)
        m = tf.SwinBackbone(tf.SwinConfig(**{**cfg, **extra}))
        randomize(m, 18)
        with torch.no_grad():
            for n, p in m.named_parameters():
                if "hidden_states_norms" in n:
                    p.copy_(torch.randn(p.shape) * 0.3 + (1 if n.endswith("weight") else 0))
        save_case(f"swin-SwinBackbone{name}", "AutoBackbone", m, {"pixel_values": pv}, hidden_states=name != "-default")


PARTS = {"swin": swin}

if __name__ == "__main__":
    import sys
    os.makedirs(OUT, exist_ok=True)
    if len(sys.argv) > 1:
        # Only the named parts (e.g. `swin`), their entries replacing theirs in the existing index.
        with open(os.path.join(OUT, "index.json")) as f:
            old = json.load(f)
        for part in sys.argv[1:]:
            PARTS[part]()
        new_dirs = {e["dir"] for e in index}
        index[:0] = [e for e in old if e["dir"] not in new_dirs]
        with open(os.path.join(OUT, "index.json"), "w") as f:
            json.dump(index, f, indent=1)
            f.write("\n")
        print(f"{len(index)} cases in {OUT}")
        sys.exit(0)
    beit()
    beit_legacy_names()
    mobilenet_v2()
    pipelines()
    backbones()
    swin()
    with open(os.path.join(OUT, "index.json"), "w") as f:
        json.dump(index, f, indent=1)
        f.write("\n")
    print(f"{len(index)} cases in {OUT}")
