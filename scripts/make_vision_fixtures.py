#!/usr/bin/env python3
"""Vision-model fixtures (fixtures/vision/): tiny random ViT and DeiT checkpoints for every Auto
class Python maps them to, their outputs on a batch of two images (non-square, so height and width
cannot be confused), a ViT checkpoint in the pre-v5 key names, and an image-classification folder
(with preprocessor_config.json) with Python's pipeline output on the fixture images.
Run:  python3 scripts/make_vision_fixtures.py   (same venv and pins as make_fixtures.py)
"""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import OUT, ensure_venv, spread_weights  # noqa: E402

LEGACY = [("layers.", "encoder.layer."), ("attention.q_proj", "attention.attention.query"),
          ("attention.k_proj", "attention.attention.key"), ("attention.v_proj", "attention.attention.value"),
          ("attention.o_proj", "attention.output.dense"), ("mlp.fc1", "intermediate.dense"), ("mlp.fc2", "output.dense")]


def main():
    import numpy as np
    import torch
    import transformers as tf
    from safetensors.numpy import save_file
    from safetensors.torch import load_file, save_file as save_torch

    root = os.path.join(OUT, "vision")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    g = torch.Generator().manual_seed(3)
    pixel_values = torch.randn(2, 3, 32, 48, generator=g)
    # Masked image modeling reshapes the patches to a square grid: square images there.
    square = torch.randn(2, 3, 32, 32, generator=g)
    bool_masked_pos = (torch.rand(2, 16, generator=g) > 0.5)
    # Swin masks its 4-pixel patches (64 on 32x32); drawn from its own generator so the others keep their values.
    swin_masked_pos = torch.rand(2, 64, generator=torch.Generator().manual_seed(64)) > 0.5
    save_file({"pixel_values": pixel_values.numpy(), "square.pixel_values": square.numpy(), "square.bool_masked_pos": bool_masked_pos.numpy(),
               "square.swin_masked_pos": swin_masked_pos.numpy()},
              os.path.join(root, "inputs.safetensors"))

    common = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37, image_size=[32, 48], patch_size=8,
                  encoder_stride=8, num_labels=5, id2label={i: f"class_{i}" for i in range(5)})
    models = {
        "vit": (tf.ViTConfig(**common, hidden_act="gelu_new", layer_norm_eps=1e-6),
                ["ViTModel", "ViTForImageClassification", "ViTForMaskedImageModeling"]),
        "deit": (tf.DeiTConfig(**common, qkv_bias=False),
                 ["DeiTModel", "DeiTForImageClassification", "DeiTForImageClassificationWithTeacher", "DeiTForMaskedImageModeling"]),
    }
    cnn = dict(num_labels=5, id2label={i: f"class_{i}" for i in range(5)})
    models["resnet"] = (tf.ResNetConfig(embedding_size=8, hidden_sizes=[16, 24], depths=[2, 1], layer_type="bottleneck",
                                        downsample_in_bottleneck=True, **cnn), ["ResNetModel", "ResNetForImageClassification"])
    models["resnet-basic"] = (tf.ResNetConfig(embedding_size=8, hidden_sizes=[8, 12, 16], depths=[1, 2, 1], layer_type="basic",
                                              downsample_in_first_stage=True, **cnn), ["ResNetForImageClassification"])
    models["convnext"] = (tf.ConvNextConfig(hidden_sizes=[8, 16, 24], depths=[2, 1, 1], num_stages=3, **cnn),
                          ["ConvNextModel", "ConvNextForImageClassification"])
    models["convnextv2"] = (tf.ConvNextV2Config(hidden_sizes=[8, 16], depths=[1, 2], num_stages=2, **cnn),
                            ["ConvNextV2Model", "ConvNextV2ForImageClassification"])
    models["dinov2"] = (tf.Dinov2Config(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, image_size=40, patch_size=8,
                                        layerscale_value=0.5, **cnn), ["Dinov2Model", "Dinov2ForImageClassification"])
    models["dinov2-swiglu"] = (tf.Dinov2Config(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, image_size=32, patch_size=8,
                                               use_swiglu_ffn=True, hidden_act="gelu_new", **cnn), ["Dinov2Model"])
    models["segformer"] = (tf.SegformerConfig(num_encoder_blocks=3, depths=[1, 2, 1], sr_ratios=[4, 2, 1], hidden_sizes=[8, 16, 24],
                                              patch_sizes=[7, 3, 3], strides=[4, 2, 2], num_attention_heads=[1, 2, 4], mlp_ratios=[2, 2, 2],
                                              decoder_hidden_size=16, **cnn),
                           ["SegformerModel", "SegformerForImageClassification", "SegformerForSemanticSegmentation"])
    backbone = dict(hidden_size=32, num_hidden_layers=4, num_attention_heads=4, image_size=32, patch_size=8, out_indices=[1, 2, 3, 4],
                    reshape_hidden_states=False, apply_layernorm=True)
    depth = dict(patch_size=8, reassemble_hidden_size=32, neck_hidden_sizes=[8, 16, 24, 32], fusion_hidden_size=16, head_hidden_size=8)
    models["depth_anything"] = (tf.DepthAnythingConfig(backbone_config=tf.Dinov2Config(**backbone), **depth), ["DepthAnythingForDepthEstimation"])
    models["depth_anything-metric"] = (tf.DepthAnythingConfig(backbone_config=tf.Dinov2Config(**backbone), depth_estimation_type="metric",
                                                              max_depth=20, **depth), ["DepthAnythingForDepthEstimation"])
    # Swin: 32x48 pixels at patch 4 -> 8x12, window 3 (padded to 9x12, shifted blocks with masks), merged to 4x6 (padded to 6x6).
    models["swin"] = (tf.SwinConfig(image_size=32, patch_size=4, embed_dim=16, depths=[2, 2], num_heads=[2, 4], window_size=3,
                                    mlp_ratio=2.0, **cnn), ["SwinModel", "SwinForImageClassification",
                                                                               "SwinForMaskedImageModeling"])
    # MobileNetV2 at a small depth multiplier; 32x48 pixels exercise the odd "SAME" padding.
    models["mobilenet_v2"] = (tf.MobileNetV2Config(depth_multiplier=0.25, **cnn), ["MobileNetV2Model", "MobileNetV2ForImageClassification"])
    beit = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37, image_size=[32, 48], patch_size=8, **cnn)
    models["beit"] = (tf.BeitConfig(use_relative_position_bias=True, **beit), ["BeitModel", "BeitForImageClassification"])
    models["beit-shared"] = (tf.BeitConfig(use_shared_relative_position_bias=True, use_mean_pooling=False,
                                           layer_scale_init_value=0.0, **beit), ["BeitForImageClassification"])
    # EfficientNet scaled down; block 1 listed in depthwise_padding exercises the unadjusted stride-2 padding.
    eff = dict(width_coefficient=0.25, depth_coefficient=0.5, kernel_sizes=[3, 5, 3], in_channels=[32, 16, 24], out_channels=[16, 24, 40],
               strides=[1, 2, 2], num_block_repeats=[1, 2, 2], expand_ratios=[1, 6, 6], hidden_dim=320, depthwise_padding=[1], **cnn)
    models["efficientnet"] = (tf.EfficientNetConfig(**eff), ["EfficientNetModel", "EfficientNetForImageClassification"])
    models["efficientnet-max"] = (tf.EfficientNetConfig(pooling_type="max", **eff), ["EfficientNetForImageClassification"])
    cases = []
    # DPT reshapes its patches to a square grid (Python takes the grid side from the token count): square images.
    dpt = dict(hidden_size=32, num_hidden_layers=4, num_attention_heads=4, intermediate_size=37, image_size=32, patch_size=4,
               backbone_out_indices=[0, 1, 2, 3], neck_hidden_sizes=[8, 16, 24, 32], fusion_hidden_size=16)
    models["dpt"] = (tf.DPTConfig(**dpt), ["DPTModel", "DPTForDepthEstimation"])
    models["dpt-add-bn"] = (tf.DPTConfig(**dpt, readout_type="add", use_batch_norm_in_fusion_residual=True), ["DPTForDepthEstimation"])
    models["dpt-ignore"] = (tf.DPTConfig(**{**dpt, "backbone_out_indices": [0, 1, 3], "neck_hidden_sizes": [8, 16, 32]}, readout_type="ignore",
                                         reassemble_factors=[4, 1, 0.5], head_in_index=1), ["DPTForDepthEstimation"])
    for family, (config, classes) in models.items():
        for i, cls in enumerate(classes):
            torch.manual_seed(i)
            cfg = config
            if "Masked" in cls:
                # Swin's decoder reads its last stage (stride 8 here): encoder_stride 8 rebuilds 32 pixels.
                cfg = type(config)(**{**config.to_dict(), "image_size": 32, **({"encoder_stride": 8} if family == "swin" else {})})
            model = getattr(tf, cls)(cfg).eval()
            spread_weights(model, seed=10 + i)
            d = os.path.join(root, cls)
            if family.startswith("resnet") or family.startswith("efficientnet") or family in ("segformer", "mobilenet_v2", "dpt-add-bn"):
                # Batch-norm statistics as a trained network has them.
                with torch.no_grad():
                    for m in model.modules():
                        if isinstance(m, torch.nn.BatchNorm2d):
                            m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=g) * 0.2)
                            m.running_var.copy_(torch.rand(m.running_var.shape, generator=g) + 0.5)
                d = os.path.join(root, cls + ("-basic" if family == "resnet-basic" else ""))
                if cls == "SegformerForSemanticSegmentation":
                    # Centre each class's logits over the batch: the argmax map then holds several classes.
                    with torch.no_grad():
                        model.decode_head.classifier.bias.sub_(model(pixel_values=pixel_values).logits.mean(dim=(0, 2, 3)))
            if family == "dinov2-swiglu":
                d = os.path.join(root, cls + "-swiglu")
            if family == "efficientnet-max":
                d = os.path.join(root, cls + "-max")
            if family == "beit-shared":
                d = os.path.join(root, cls + "-shared")
            if family.startswith("dpt") and cls != "DPTModel":
                # Random 3x3 convolutions chained through the fusion stage grow each step; keep them near unit
                # gain so the depth is not a small difference of large sums.
                with torch.no_grad():
                    for n, p in model.neck.fusion_stage.named_parameters():
                        if p.dim() == 4:
                            p.mul_(1 / 3)
            if family in ("dpt-add-bn", "dpt-ignore"):
                d = os.path.join(root, cls + family[3:])
            if family == "depth_anything-metric":
                d = os.path.join(root, cls + "-metric")
            if family.startswith("depth_anything"):
                # Random convolutions stacked this deep reach the thousands; bring the depth logits to O(1)
                # so that the metric head's sigmoid is not saturated.
                with torch.no_grad():
                    model.head.conv3.weight.mul_(1e-3)
            model.save_pretrained(d)
            with torch.no_grad():
                if "Masked" in cls:
                    out = model(pixel_values=square, bool_masked_pos=swin_masked_pos if family == "swin" else bool_masked_pos)
                elif family.startswith("dpt"):
                    out = model(pixel_values=square)
                else:
                    out = model(pixel_values=pixel_values)
            goldens = {k: v.contiguous().numpy() for k, v in out.items() if isinstance(v, torch.Tensor) and k != "loss"}
            save_file(goldens, os.path.join(d, "goldens.safetensors"))
            auto = "AutoModel" if cls.endswith("Model") else "AutoModelForMaskedImageModeling" if "Masked" in cls else \
                "AutoModelForSemanticSegmentation" if "Semantic" in cls else "AutoModelForDepthEstimation" if "Depth" in cls else \
                "AutoModelForImageClassification"
            cases.append({"dir": os.path.basename(d), "auto_class": auto, "outputs": sorted(goldens), "square": "Masked" in cls or family.startswith("dpt"),
                          **({"mask": "square.swin_masked_pos"} if "Masked" in cls and family == "swin" else {})})
    # The same ViT classifier with the pre-v5 key names.
    src = os.path.join(root, "ViTForImageClassification")
    legacy = os.path.join(root, "vit-legacy-keys")
    shutil.copytree(src, legacy)
    weights = load_file(os.path.join(src, "model.safetensors"))
    renamed = {}
    for k, v in weights.items():
        for new, old in LEGACY:
            k = k.replace(new, old)
        renamed[k] = v
    save_torch(renamed, os.path.join(legacy, "model.safetensors"), metadata={"format": "pt"})
    cases.append({"dir": "vit-legacy-keys", "auto_class": "AutoModelForImageClassification", "outputs": ["logits"],
                  "goldens_from": "ViTForImageClassification"})

    # image-classification pipeline on the image fixtures (the classifier sized for 32x48 input).
    pipe_dir = os.path.join(root, "vit-pipeline")
    shutil.copytree(src, pipe_dir)
    with open(os.path.join(pipe_dir, "preprocessor_config.json"), "w") as f:
        json.dump({"image_processor_type": "ViTImageProcessor", "size": {"height": 32, "width": 48}, "resample": 2,
                   "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5], "do_normalize": True, "do_rescale": True}, f, indent=1)
    images = [os.path.join(OUT, "images", n) for n in ("photo.jpg", "exif6.jpg", "rgb.png")]
    pipe = tf.pipeline("image-classification", model=pipe_dir)
    results = {"images": ["photo.jpg", "exif6.jpg", "rgb.png"], "top_k_default": pipe(images), "top_k_2": pipe(images, top_k=2)}
    # image-segmentation (semantic) with the SegFormer head: masks as PNG-ready 0/255 arrays.
    seg_dir = os.path.join(root, "segformer-pipeline")
    shutil.copytree(os.path.join(root, "SegformerForSemanticSegmentation"), seg_dir)
    with open(os.path.join(seg_dir, "preprocessor_config.json"), "w") as f:
        json.dump({"image_processor_type": "SegformerImageProcessor", "size": {"height": 64, "width": 64}}, f, indent=1)
    seg = tf.pipeline("image-segmentation", model=seg_dir)
    masks = {}
    for n in ("photo.jpg", "rgb.png"):
        out = seg(os.path.join(OUT, "images", n))
        results.setdefault("segmentation", {})[n] = [o["label"] for o in out]
        for i, o in enumerate(out):
            masks[f"{n}.{i}"] = np.array(o["mask"])
    save_file(masks, os.path.join(root, "segmentation_masks.safetensors"))

    # depth-estimation with Depth Anything and a DPT processor keeping the aspect ratio (multiples of the patch).
    depth_dir = os.path.join(root, "depth-pipeline")
    shutil.copytree(os.path.join(root, "DepthAnythingForDepthEstimation"), depth_dir)
    with open(os.path.join(depth_dir, "preprocessor_config.json"), "w") as f:
        json.dump({"image_processor_type": "DPTImageProcessor", "size": {"height": 40, "width": 40}, "keep_aspect_ratio": True,
                   "ensure_multiple_of": 8, "resample": 3, "image_mean": [0.485, 0.456, 0.406], "image_std": [0.229, 0.224, 0.225]}, f, indent=1)
    dpipe = tf.pipeline("depth-estimation", model=depth_dir)
    depth = {}
    for n in ("photo.jpg", "exif6.jpg", "rgb.png"):
        path = os.path.join(OUT, "images", n)
        out = dpipe(path)
        depth[f"{n}.predicted_depth"] = out["predicted_depth"].numpy().astype(np.float32)
        depth[f"{n}.depth"] = np.array(out["depth"])
        for backend in ("torchvision", "pil"):
            ip = tf.AutoImageProcessor.from_pretrained(depth_dir, backend=backend)
            depth[f"{n}.pixel_values.{backend}"] = ip(images=[tf.image_utils.load_image(path)], return_tensors="np")["pixel_values"].astype(np.float32)
    save_file(depth, os.path.join(root, "depth_goldens.safetensors"))
    results["depth"] = ["photo.jpg", "exif6.jpg", "rgb.png"]
    with open(os.path.join(root, "pipeline.json"), "w") as f:
        json.dump(results, f, indent=1)
    with open(os.path.join(root, "cases.json"), "w") as f:
        json.dump(cases, f, indent=1)
    print("vision:", len(cases), "cases")


def make_interpolate_cases():
    """interpolate_pos_encoding=True: square-grid ViT / DeiT checkpoints (written to
    vision/interpolate/) and the CLIP / SigLIP vision towers of fixtures/multimodal on images of
    another, non-square size; their outputs in interpolate/goldens.safetensors. Runs alone too."""
    import torch
    import transformers as tf
    from safetensors.torch import save_file

    root = os.path.join(OUT, "vision", "interpolate")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    common = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37, image_size=32, patch_size=8,
                  num_labels=3)
    made = [("ViTModel", tf.ViTModel(tf.ViTConfig(**common))),
            ("DeiTForImageClassificationWithTeacher", tf.DeiTForImageClassificationWithTeacher(tf.DeiTConfig(**common))),
            ("BeitModel-absolute", tf.BeitModel(tf.BeitConfig(**common, use_absolute_position_embeddings=True,
                                                               use_relative_position_bias=True, use_mean_pooling=False)))]
    for i, (name, m) in enumerate(made):
        torch.manual_seed(40 + i)
        spread_weights(m, 40 + i)
        m.save_pretrained(os.path.join(root, name))
    g = torch.Generator().manual_seed(9)
    pixels = torch.randn(2, 3, 48, 40, generator=g)
    goldens, cases = {"pixel_values": pixels}, []
    # BEiT takes any size (v5 resizes its position biases always), its non-square fixtures included.
    folders = [f"vision/interpolate/{n}" for n, _ in made] + ["multimodal/CLIPVisionModel", "multimodal/SiglipVisionModel",
                                                               "vision/BeitModel", "vision/BeitForImageClassification-shared"]
    for folder in folders:
        cls = json.load(open(os.path.join(OUT, folder, "config.json")))["architectures"][0]
        m = getattr(tf, cls).from_pretrained(os.path.join(OUT, folder))
        m.eval()
        with torch.no_grad():
            out = m(pixel_values=pixels, interpolate_pos_encoding=True)
        names = [k for k, v in out.items() if isinstance(v, torch.Tensor)]
        for k in names:
            goldens[f"{folder}.{k}"] = out[k].contiguous()
        cases.append({"dir": folder, "class": type(m).__name__, "outputs": names})
    save_file(goldens, os.path.join(root, "goldens.safetensors"))
    with open(os.path.join(root, "cases.json"), "w") as f:
        json.dump(cases, f, indent=1)
    print("interpolate_pos_encoding:", cases)


if __name__ == "__main__":
    ensure_venv()
    if sys.argv[1:] != ["interpolate"]:
        main()
    make_interpolate_cases()
