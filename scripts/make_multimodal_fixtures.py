#!/usr/bin/env python3
"""Multimodal fixtures (fixtures/multimodal/): a small CLIP-pipeline BPE tokenizer trained here, tiny
random CLIP and SigLIP checkpoints for every Auto class Python maps them to, their outputs on text
and image batches, and Python's zero-shot-image-classification pipeline on the image fixtures.
Run:  python3 scripts/make_multimodal_fixtures.py   (same venv and pins as make_fixtures.py)
"""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import OUT, ensure_venv, spread_weights  # noqa: E402

CORPUS = ["a photo of a cat", "a photo of a dog", "this is a photo of a red car", "two birds sitting on a wire",
          "a bowl of fruit on the table", "the quick brown fox jumps over the lazy dog", "an astronaut riding a horse",
          "a painting of the sea at night", "picture of a city street", "close-up of a flower, 3 petals!"]


def llava_cases(root, tf, torch, np, save_file, spread):
    """Tiny LLaVA checkpoints: logits and greedy / beam generate() on a left-padded batch of two
    prompts with one image each (16 image tokens: 32 px at patch 8, CLS dropped)."""
    image_token, vocab = 99, 100
    g = torch.Generator().manual_seed(8)
    pixel_values = torch.randn(2, 3, 32, 32, generator=g)
    body = torch.randint(3, 90, (2, 6), generator=g)
    rows = [[1] + [image_token] * 16 + body[0].tolist(), [1, 5, 7] + [image_token] * 16 + body[1, :4].tolist()]
    width = max(map(len, rows))
    ids = torch.tensor([[0] * (width - len(r)) + r for r in rows])
    mask = torch.tensor([[0] * (width - len(r)) + [1] * len(r) for r in rows])
    save_file({"input_ids": ids.numpy(), "attention_mask": mask.numpy(), "pixel_values": pixel_values.numpy()},
              os.path.join(root, "llava_inputs.safetensors"))
    vision = dict(hidden_size=32, intermediate_size=37, num_hidden_layers=3, num_attention_heads=4, image_size=32, patch_size=8)
    text = dict(vocab_size=vocab, hidden_size=48, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                max_position_embeddings=128, bos_token_id=1, eos_token_id=2, pad_token_id=0)
    variants = {
        "llava": dict(),
        "llava-full-multilayer": dict(vision_feature_select_strategy="full", vision_feature_layer=[-3, -1], projector_hidden_act="gelu_new"),
    }
    cases = []
    for i, (name, extra) in enumerate(variants.items()):
        cfg = tf.LlavaConfig(vision_config=vision, text_config=text, image_token_index=image_token, **extra)
        torch.manual_seed(40 + i)
        model = tf.LlavaForConditionalGeneration(cfg).eval()
        spread(model, seed=40 + i)
        d = os.path.join(root, name)
        model.save_pretrained(d)
        if extra.get("vision_feature_select_strategy") == "full":
            continue  # 17 tokens per image: covered by the logits of the first case's layout below
        with torch.no_grad():
            logits = model(input_ids=ids, attention_mask=mask, pixel_values=pixel_values).logits
            greedy = model.generate(input_ids=ids, attention_mask=mask, pixel_values=pixel_values, max_new_tokens=8, do_sample=False)
            beam = model.generate(input_ids=ids, attention_mask=mask, pixel_values=pixel_values, max_new_tokens=6, do_sample=False,
                                  num_beams=3, num_return_sequences=2)
        save_file({"logits": logits.numpy(), "greedy": greedy.numpy(), "beam": beam.numpy()}, os.path.join(d, "goldens.safetensors"))
        cases.append({"dir": name, "auto_class": "AutoModelForImageTextToText", "llava": True})
    # The full / multi-layer variant: 17 image tokens per image.
    name = "llava-full-multilayer"
    rows17 = [[1] + [image_token] * 17 + body[0].tolist(), [1, 5] + [image_token] * 17 + body[1, :3].tolist()]
    width = max(map(len, rows17))
    ids17 = torch.tensor([[0] * (width - len(r)) + r for r in rows17])
    mask17 = torch.tensor([[0] * (width - len(r)) + [1] * len(r) for r in rows17])
    model = tf.LlavaForConditionalGeneration.from_pretrained(os.path.join(root, name)).eval()
    # Padded query rows see no key: eager (like the decoder fixtures) averages the values; sdpa differs.
    model.set_attn_implementation("eager")
    with torch.no_grad():
        logits = model(input_ids=ids17, attention_mask=mask17, pixel_values=pixel_values).logits
        greedy = model.generate(input_ids=ids17, attention_mask=mask17, pixel_values=pixel_values, max_new_tokens=8, do_sample=False)
    save_file({"logits": logits.numpy(), "greedy": greedy.numpy(), "input_ids": ids17.numpy(), "attention_mask": mask17.numpy()},
              os.path.join(root, name, "goldens.safetensors"))
    cases.append({"dir": name, "auto_class": "AutoModelForImageTextToText", "llava": True, "own_inputs": True})
    llava_processor_case(root, tf, torch)
    return cases


def llava_processor_case(root, tf, torch):
    """The tiny LLaVA as a Hub folder would ship it: a word-level tokenizer whose "<image>" is id 99,
    a CLIP image processor, processor_config.json and a chat template; Python's LlavaProcessor
    outputs, generate() on them, and the image-text-to-text pipeline's new text."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors

    words = ["<pad>", "<s>", "</s>", "<unk>"] + [w for w in ("user assistant what is in the image describe a photo of cat dog "
                                                              "car red blue two birds sitting on wire this picture shows "
                                                              "green tree sky night city street : ? . , !").split()]
    words += [f"w{i}" for i in range(99 - len(words))]
    vocab = {w: i for i, w in enumerate(words)}
    vocab["<image>"] = 99
    backend = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation()])
    backend.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A $B", special_tokens=[("<s>", 1)])
    tok = tf.PreTrainedTokenizerFast(tokenizer_object=backend, bos_token="<s>", eos_token="</s>", pad_token="<pad>", unk_token="<unk>",
                                     additional_special_tokens=["<image>"], padding_side="left")
    template = ("{% for m in messages %}{{ m['role'] }}: {% if m['content'] is string %}{{ m['content'] }}{% else %}"
                "{% for c in m['content'] %}{% if c['type'] == 'image' %}<image> {% else %}{{ c['text'] }}{% endif %}{% endfor %}"
                "{% endif %} {% endfor %}{% if add_generation_prompt %}assistant:{% endif %}")
    ip = tf.CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    proc = tf.LlavaProcessor(image_processor=ip, tokenizer=tok, patch_size=8, vision_feature_select_strategy="default",
                             num_additional_image_tokens=1, chat_template=template)
    d = os.path.join(root, "llava")
    proc.save_pretrained(d)
    from transformers.image_utils import load_image
    images = [load_image(os.path.join(OUT, "images", n)) for n in ("photo.jpg", "rgb.png")]
    prompts = ["user: <image> what is in the image ? assistant:", "user: <image> describe this picture . assistant:"]
    inputs = proc(images=images, text=prompts, padding=True, return_tensors="pt")
    model = tf.LlavaForConditionalGeneration.from_pretrained(d).eval()
    with torch.no_grad():
        out = model.generate(**inputs, max_new_tokens=6, do_sample=False)
    messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "what is in the image ?"}]}]
    chat = proc.apply_chat_template(messages, add_generation_prompt=True)
    pipe = tf.pipeline("image-text-to-text", model=d)
    new_text = [pipe(images=im, text=t, max_new_tokens=6, return_full_text=False)[0]["generated_text"] for im, t in zip(images, prompts)]
    from safetensors.numpy import save_file
    save_file({k: v.numpy() for k, v in inputs.items()} | {"sequences": out.numpy()}, os.path.join(d, "processor_goldens.safetensors"))
    with open(os.path.join(d, "processor_goldens.json"), "w") as f:
        json.dump({"images": ["photo.jpg", "rgb.png"], "prompts": prompts, "chat": chat, "messages": messages, "pipeline_new_text": new_text,
                   "decoded": tok.batch_decode(out[:, inputs["input_ids"].shape[1]:], skip_special_tokens=True)}, f, indent=1)


def main():
    import numpy as np
    import torch
    import transformers as tf
    from safetensors.numpy import save_file
    from tokenizers import pre_tokenizers, trainers

    root = os.path.join(OUT, "multimodal")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)

    # Tokenizer: CLIPTokenizer's own pipeline, with merges learnt from the corpus above.
    backend = tf.CLIPTokenizer().backend_tokenizer
    trainer = trainers.BpeTrainer(vocab_size=320, special_tokens=["<|startoftext|>", "<|endoftext|>"], end_of_word_suffix="</w>",
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    backend.train_from_iterator(CORPUS * 5, trainer)
    model = json.loads(backend.to_str())["model"]
    tok = tf.CLIPTokenizer(vocab=model["vocab"], merges=[tuple(m) if isinstance(m, list) else tuple(m.split(" ")) for m in model["merges"]])
    tok_dir = os.path.join(root, "tokenizer")
    tok.save_pretrained(tok_dir)
    vocab = len(tok)

    g = torch.Generator().manual_seed(4)
    texts = ["a photo of a cat", "two dogs on the beach at night", "car"]
    enc = tok(texts, padding=True, return_tensors="pt")
    pixel_values = torch.randn(2, 3, 32, 32, generator=g)
    save_file({"input_ids": enc["input_ids"].numpy(), "attention_mask": enc["attention_mask"].numpy(), "pixel_values": pixel_values.numpy()},
              os.path.join(root, "inputs.safetensors"))

    text_common = dict(vocab_size=vocab, hidden_size=32, intermediate_size=37, num_hidden_layers=2, num_attention_heads=4,
                       bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
    vision_common = dict(hidden_size=32, intermediate_size=37, num_hidden_layers=2, num_attention_heads=4, image_size=32, patch_size=8)
    clip_cfg = tf.CLIPConfig(text_config=dict(**text_common, max_position_embeddings=24), vision_config=vision_common, projection_dim=16,
                             num_labels=3, id2label={0: "cat", 1: "dog", 2: "car"})
    siglip_cfg = tf.SiglipConfig(text_config=dict(**text_common, max_position_embeddings=64),
                                 vision_config=vision_common, num_labels=3, id2label={0: "cat", 1: "dog", 2: "car"})
    legacy_text = tf.CLIPTextConfig(**{**text_common, "eos_token_id": 2}, max_position_embeddings=24)
    models = [
        ("CLIPModel", clip_cfg, "AutoModel", "both"),
        ("CLIPForImageClassification", clip_cfg, "AutoModelForImageClassification", "image"),
        ("CLIPTextModel", clip_cfg.text_config, "AutoModel", "text"),
        ("CLIPVisionModel", clip_cfg.vision_config, "AutoModel", "image"),
        ("CLIPTextModel-legacy-eos", legacy_text, "AutoModelForTextEncoding", "text"),
        ("SiglipModel", siglip_cfg, "AutoModel", "both"),
        ("SiglipForImageClassification", siglip_cfg, "AutoModelForImageClassification", "image"),
        ("SiglipVisionModel", siglip_cfg.vision_config, "AutoModel", "image"),
    ]
    cases = []
    for i, (name, cfg, auto, inputs) in enumerate(models):
        cls = getattr(tf, name.split("-")[0])
        torch.manual_seed(i)
        model = cls(cfg).eval()
        spread_weights(model, seed=30 + i)
        if hasattr(model, "logit_scale"):
            # A trained model's temperature (CLIP's is ~100): well separated label scores.
            with torch.no_grad():
                model.logit_scale.fill_(float(np.log(60.0)))
        d = os.path.join(root, name)
        model.save_pretrained(d)
        kw = {}
        if inputs in ("both", "text"):
            kw.update(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"])
        if inputs in ("both", "image"):
            kw["pixel_values"] = pixel_values
        with torch.no_grad():
            out = model(**kw)
        keep = [k for k, v in out.items() if isinstance(v, torch.Tensor) and k != "loss"]
        save_file({k: out[k].contiguous().numpy() for k in keep}, os.path.join(d, "goldens.safetensors"))
        cases.append({"dir": name, "auto_class": auto, "inputs": inputs, "outputs": sorted(keep)})

    # zero-shot-image-classification pipelines: the dual-tower folders with a tokenizer and image processor.
    images = [os.path.join(OUT, "images", n) for n in ("photo.jpg", "exif6.jpg", "rgb.png")]
    labels = ["cat", "dog", "car", "a bowl of fruit"]
    pipes = {}
    for name, proc in (("CLIPModel", {"image_processor_type": "CLIPImageProcessor", "size": {"shortest_edge": 32},
                                      "crop_size": {"height": 32, "width": 32}}),
                       ("SiglipModel", {"image_processor_type": "SiglipImageProcessor", "size": {"height": 32, "width": 32}})):
        d = os.path.join(root, name)
        tok.save_pretrained(d)
        if name == "SiglipModel":
            # SigLIP's tokenizer feeds input_ids only.
            with open(os.path.join(d, "tokenizer_config.json")) as f:
                tc = json.load(f)
            tc["model_input_names"] = ["input_ids"]
            with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
                json.dump(tc, f, indent=1)
        with open(os.path.join(d, "preprocessor_config.json"), "w") as f:
            json.dump(proc, f, indent=1)
        pipe = tf.pipeline("zero-shot-image-classification", model=d)
        pipes[name] = [pipe(im, candidate_labels=labels) for im in images] + \
                      [pipe(images[0], candidate_labels=labels[:2], hypothesis_template="an image of {}")]
    cases += llava_cases(root, tf, torch, np, save_file, spread_weights)
    with open(os.path.join(root, "pipeline.json"), "w") as f:
        json.dump({"images": ["photo.jpg", "exif6.jpg", "rgb.png"], "labels": labels, "results": pipes}, f, indent=1)
    with open(os.path.join(root, "cases.json"), "w") as f:
        json.dump(cases, f, indent=1)
    print("multimodal:", len(cases), "cases, vocab", vocab)


if __name__ == "__main__":
    ensure_venv()
    main()
