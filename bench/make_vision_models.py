#!/usr/bin/env python3
"""Random-weight vision models of real shapes for bench/run.sh: ViT-base/16, ResNet-50 and the
CLIP ViT-B/32 vision tower, each with the image processor its Hub checkpoints ship."""
import json
import os
import sys

import torch
import transformers as tf

root = sys.argv[1]
specs = {
    "vit-base": (lambda: tf.ViTForImageClassification(tf.ViTConfig(num_labels=1000)),
                 {"image_processor_type": "ViTImageProcessor", "size": {"height": 224, "width": 224}}),
    "resnet-50": (lambda: tf.ResNetForImageClassification(tf.ResNetConfig(num_labels=1000)),
                  {"image_processor_type": "ConvNextImageProcessor", "size": {"shortest_edge": 224}, "crop_pct": 0.875,
                   "image_mean": [0.485, 0.456, 0.406], "image_std": [0.229, 0.224, 0.225], "resample": 3}),
    "clip-vit-b32": (lambda: tf.CLIPVisionModel(tf.CLIPVisionConfig()),
                     {"image_processor_type": "CLIPImageProcessor", "size": {"shortest_edge": 224}, "crop_size": {"height": 224, "width": 224}}),
}
for name, (make, proc) in specs.items():
    d = os.path.join(root, name)
    if os.path.exists(os.path.join(d, "model.safetensors")):
        continue
    torch.manual_seed(0)
    make().eval().save_pretrained(d)
    with open(os.path.join(d, "preprocessor_config.json"), "w") as f:
        json.dump(proc, f)
