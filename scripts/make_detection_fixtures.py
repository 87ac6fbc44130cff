#!/usr/bin/env python3
"""Object-detection fixtures (fixtures/detection/): DetrImageProcessor outputs (resizing rules,
padding, pixel_mask) on the image fixtures for both backends, tiny random DETR checkpoints with
HF ResNet backbones (sine and learned positions; last and earlier output stages), their outputs
on a padded batch, and Python's object-detection pipeline.
Run:  python3 scripts/make_detection_fixtures.py   (same venv and pins as make_fixtures.py)
"""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import OUT, ensure_venv, spread_weights  # noqa: E402

IMAGES = ["photo.jpg", "exif6.jpg", "rgb.png", "gray.jpg"]
LABELS = {0: "cat", 1: "dog", 2: "car", 3: "person", 4: "tree"}


def main():
    import torch
    import transformers as tf
    from safetensors.numpy import save_file
    from transformers.image_utils import load_image

    root = os.path.join(OUT, "detection")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    images = [load_image(os.path.join(OUT, "images", n)) for n in IMAGES]

    # Processor configurations: shortest/longest edge, max height/width, a v4 integer size with
    # max_size, an exact size, and pad_size.
    processors = {
        "edges": {"size": {"shortest_edge": 32, "longest_edge": 56}},
        "max_hw": {"size": {"max_height": 30, "max_width": 44}},
        "legacy": {"size": 28, "max_size": 44},
        "exact_pad": {"size": {"height": 30, "width": 44}, "pad_size": {"height": 36, "width": 50}},
        "no_pad": {"size": {"height": 30, "width": 44}, "do_pad": False},
    }
    cases = []
    for name, kw in processors.items():
        for backend, cls in (("torchvision", tf.DetrImageProcessor), ("pil", tf.DetrImageProcessorPil)):
            proc = cls(**kw)
            out = proc(images=images, return_tensors="pt")
            tensors = {k: v.numpy() for k, v in out.items()}
            save_file(tensors, os.path.join(root, f"proc_{name}_{backend}.safetensors"))
        cases.append({"name": name, "config": {"image_processor_type": "DetrImageProcessor", **kw}})
    with open(os.path.join(root, "processors.json"), "w") as f:
        json.dump({"images": IMAGES, "cases": cases}, f, indent=1)

    # Models on a padded batch: two images of different aspect through the "edges" processor.
    proc = tf.DetrImageProcessor(size={"shortest_edge": 48, "longest_edge": 80})
    batch = proc(images=images[:2], return_tensors="pt")
    save_file({k: v.numpy() for k, v in batch.items()}, os.path.join(root, "inputs.safetensors"))
    common = dict(d_model=32, encoder_layers=2, decoder_layers=2, encoder_attention_heads=4, decoder_attention_heads=4,
                  encoder_ffn_dim=48, decoder_ffn_dim=48, num_queries=12, id2label=LABELS, label2id={v: k for k, v in LABELS.items()})
    bottleneck = tf.ResNetConfig(embedding_size=8, hidden_sizes=[8, 16, 24, 32], depths=[1, 1, 2, 1], layer_type="bottleneck",
                                 out_features=["stage4"])
    basic = tf.ResNetConfig(embedding_size=8, hidden_sizes=[8, 12, 16, 24], depths=[1, 2, 1, 1], layer_type="basic",
                            out_features=["stage3"])
    # DetrForSegmentation's mask head reads the first three of every stage's feature maps; its
    # conv blocks need d_model + encoder heads divisible by 8. auxiliary_loss layer-norms every
    # decoder layer's output before the next reads it (also without labels).
    every_stage = tf.ResNetConfig(embedding_size=8, hidden_sizes=[8, 16, 24, 32], depths=[1, 1, 2, 1], layer_type="bottleneck",
                                  out_features=["stage1", "stage2", "stage3", "stage4"])
    models = [
        ("DetrForObjectDetection", tf.DetrForObjectDetection, dict(backbone_config=bottleneck), "AutoModelForObjectDetection"),
        ("DetrModel-learned-stage3", tf.DetrModel, dict(backbone_config=basic, position_embedding_type="learned"), "AutoModel"),
        ("DetrForSegmentation", tf.DetrForSegmentation, dict(backbone_config=every_stage, encoder_attention_heads=8, auxiliary_loss=True),
         "AutoModelForImageSegmentation"),
    ]
    for i, (name, cls, extra, auto) in enumerate(models):
        cfg = tf.DetrConfig(**{**common, **extra})
        torch.manual_seed(80 + i)
        model = cls(cfg).eval()
        spread_weights(model, seed=80 + i)
        with torch.no_grad():
            # Queries that differ: larger query positions and sharper cross-attention, so each query
            # reads other parts of the image (zero-initialized queries otherwise stay near-identical).
            model_core = model.detr.model if hasattr(model, "detr") else model.model if hasattr(model, "model") else model
            model_core.query_position_embeddings.weight.mul_(4.0)
            for n, p in model_core.decoder.named_parameters():
                if "encoder_attn" in n and ("q_proj" in n or "k_proj" in n) and p.dim() >= 2:
                    p.mul_(4.0)
            if hasattr(model, "detr"):
                # Random queries stay near-identical, all "no object": lower that class so the
                # segmentation pipeline finds objects.
                model.detr.class_labels_classifier.bias[-1] -= 6.0
            # Frozen batch norms keep their statistics as buffers: give them trained-like values.
            g = torch.Generator().manual_seed(90 + i)
            for n, b in model.named_buffers():
                if n.endswith("running_mean"):
                    b.copy_(torch.randn(b.shape, generator=g) * 0.1)
                elif n.endswith("running_var"):
                    b.copy_(1.0 + torch.rand(b.shape, generator=g))
                elif n.endswith("normalization.weight"):
                    b.copy_(1.0 + torch.randn(b.shape, generator=g) * 0.1)
                elif n.endswith("normalization.bias"):
                    b.copy_(torch.randn(b.shape, generator=g) * 0.1)
        d = os.path.join(root, name)
        model.save_pretrained(d)
        with torch.no_grad():
            out = model(**batch)
        keep = [k for k in ("logits", "pred_boxes", "pred_masks", "last_hidden_state", "encoder_last_hidden_state") if getattr(out, k, None) is not None]
        save_file({k: getattr(out, k).contiguous().numpy() for k in keep}, os.path.join(d, "goldens.safetensors"))
        cases_m = {"dir": name, "auto_class": auto, "outputs": keep}
        models[i] = cases_m

    # The detection folder as the Hub ships it, and Python's pipeline on every image.
    d = os.path.join(root, "DetrForObjectDetection")
    proc.save_pretrained(d)
    pipe = tf.pipeline("object-detection", model=d)
    # A threshold that keeps some detections and drops others, with every score far from it so the
    # kept set is stable under float rounding.
    model = tf.DetrForObjectDetection.from_pretrained(d).eval()
    scores = []
    for im in images:
        with torch.no_grad():
            scores.append(model(**proc(images=[im], return_tensors="pt")).logits.softmax(-1)[0, :, :-1].max(-1).values)
    all_scores = torch.cat(scores)
    threshold = next(t for t in (0.385, 0.39, 0.38, 0.395, 0.375, 0.4, 0.37)
                     if (all_scores - t).abs().min() > 2e-4 and 0 < (all_scores > t).sum() < len(all_scores))
    results = [pipe(os.path.join(OUT, "images", n), threshold=threshold) for n in IMAGES]
    with open(os.path.join(root, "pipeline.json"), "w") as f:
        json.dump({"dir": "DetrForObjectDetection", "images": IMAGES, "threshold": threshold, "results": results}, f, indent=1)
    with open(os.path.join(root, "cases.json"), "w") as f:
        json.dump(models, f, indent=1)
    segmentation_fixtures(root, proc, images, batch)
    print("detection:", len(models), "models,", len(cases), "processor cases;", [len(r) for r in results], "detections")


def segmentation_fixtures(root, proc, images, batch):
    """DetrImageProcessor's semantic / instance / panoptic post-processing on the DetrForSegmentation
    goldens (segmentation.json, segmentation.safetensors), and Python's image-segmentation pipeline."""
    import torch
    import transformers as tf
    from safetensors.numpy import save_file
    from safetensors.torch import load_file

    d = os.path.join(root, "DetrForSegmentation")
    proc.save_pretrained(d)
    # Outputs of DetrForSegmentation's shape with queries that differ (a tiny random model's
    # queries are near-identical): logits [2, 12, 6 + 1], pred_masks [2, 12, 18, 16].
    g = torch.Generator().manual_seed(7)
    # Mostly negative mask logits: each query claims a few regions, so segments survive the
    # overlap test.
    logits = torch.randn(2, 12, len(LABELS) + 1, generator=g) * 4.0
    pred_masks = torch.nn.functional.interpolate(torch.randn(2, 12, 9, 8, generator=g) * 8.0 - 8.0, size=(18, 16), mode="bilinear")
    outputs = tf.models.detr.modeling_detr.DetrSegmentationOutput(logits=logits, pred_masks=pred_masks)
    scores = logits.softmax(-1).max(-1).values.flatten()
    labels = logits.argmax(-1).flatten()
    num_labels = logits.shape[-1] - 1
    # Thresholds that keep some queries and drop others, each score far from them (stable under
    # float rounding).
    def pick(candidates):
        obj = scores[labels != num_labels]
        return next(t for t in candidates if (scores - t).abs().min() > 2e-3 and 1 < (obj > t).sum() < len(obj))
    threshold = pick([0.3, 0.35, 0.4, 0.45, 0.5, 0.25, 0.55, 0.2, 0.6])
    kept = labels[(labels != num_labels) & (scores > threshold)].tolist()
    fuse = sorted({l for l in kept if kept.count(l) > 1}) or sorted(set(kept))[:1]
    sizes = [(30, 41), (27, 35)]  # (height, width) per image, neither the masks' size nor its multiple
    tensors, calls = {"outputs.logits": logits.numpy(), "outputs.pred_masks": pred_masks.numpy()}, []

    def record(name, kind, kwargs, result):
        call = {"name": name, "kind": kind, "kwargs": kwargs, "results": []}
        for i, r in enumerate(result):
            if kind == "semantic":
                tensors[f"{name}.{i}.segmentation"] = r["segmentation"].numpy().astype("int32")
                tensors[f"{name}.{i}.segmentation_scores"] = r["segmentation_scores"].numpy()
                call["results"].append({})
            elif isinstance(r["segmentation"], list):  # return_coco_annotation
                call["results"].append({"segments_info": r["segments_info"], "rle": [[int(v) for v in runs] for runs in r["segmentation"]]})
            else:
                tensors[f"{name}.{i}.segmentation"] = r["segmentation"].numpy().astype("int32")
                call["results"].append({"segments_info": r["segments_info"], "dtype": str(r["segmentation"].dtype)})
        calls.append(call)

    record("semantic", "semantic", {}, proc.post_process_semantic_segmentation(outputs, return_segmentation_scores=True))
    record("semantic_sized", "semantic", {"target_sizes": sizes},
           proc.post_process_semantic_segmentation(outputs, target_sizes=sizes, return_segmentation_scores=True))
    for kind in ("instance", "panoptic"):
        fn = getattr(proc, f"post_process_{kind}_segmentation")
        variants = [("", {"threshold": threshold}),
                    ("_sized", {"threshold": threshold, "mask_threshold": 0.3, "overlap_mask_area_threshold": 0.6, "target_sizes": sizes}),
                    ("_none", {"threshold": 0.999})]
        if kind == "instance":
            variants.append(("_coco", {"threshold": threshold, "target_sizes": sizes, "return_coco_annotation": True}))
        if kind == "panoptic":
            variants.append(("_fused", {"threshold": threshold, "label_ids_to_fuse": fuse, "target_sizes": sizes}))
            variants.append(("_none_sized", {"threshold": 0.999, "target_sizes": sizes}))
        for suffix, kw in variants:
            call_kw = dict(kw)
            if "label_ids_to_fuse" in call_kw:
                call_kw["label_ids_to_fuse"] = set(call_kw["label_ids_to_fuse"])
            record(kind + suffix, kind, kw, fn(outputs, **call_kw))
    save_file(tensors, os.path.join(root, "segmentation.safetensors"))

    # The pipeline (panoptic post-processing, Python's first choice) on every image.
    model = tf.DetrForSegmentation.from_pretrained(d).eval()
    pipe = tf.pipeline("image-segmentation", model=d)
    image_scores = []
    for im in images:
        with torch.no_grad():
            image_scores.append(model(**proc(images=[im], return_tensors="pt")).logits.softmax(-1)[0].max(-1).values)
    all_scores = torch.cat(image_scores)
    pipe_threshold = next(t for t in (0.5, 0.45, 0.4, 0.35, 0.3, 0.25, 0.2, 0.15, 0.1) if (all_scores - t).abs().min() > 2e-3 and (all_scores > t).any())
    results = []
    for n in IMAGES:
        # The tiny model's masks are faint (sigmoid times score stays under 0.5): a lower mask_threshold.
        found = pipe(os.path.join(OUT, "images", n), threshold=pipe_threshold, mask_threshold=0.15, overlap_mask_area_threshold=0.5)
        results.append([{"score": r["score"], "label": r["label"]} for r in found])
        for j, r in enumerate(found):
            import numpy as np
            tensors[f"pipeline.{n}.{j}"] = np.asarray(r["mask"]).astype("uint8")
    save_file(tensors, os.path.join(root, "segmentation.safetensors"))
    with open(os.path.join(root, "segmentation.json"), "w") as f:
        json.dump({"dir": "DetrForSegmentation", "threshold": threshold, "label_ids_to_fuse": fuse, "target_sizes": sizes, "calls": calls,
                   "pipeline": {"images": IMAGES, "threshold": pipe_threshold, "mask_threshold": 0.15, "overlap_mask_area_threshold": 0.5, "results": results}},
                  f, indent=1)
    print("segmentation: threshold", threshold, "fuse", fuse, [[len(r.get("segments_info", [])) for r in c["results"]] for c in calls],
          [len(r) for r in results], "pipeline segments")


if __name__ == "__main__":
    ensure_venv()
    main()
