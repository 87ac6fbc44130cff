#!/usr/bin/env python3
"""Image-to-text fixtures (fixtures/image_to_text/): tiny random VisionEncoderDecoderModel
checkpoints with TrOCR decoders (a ViT encoder through enc_to_dec_proj with learned positions; a
DeiT encoder read directly through cross_attention_hidden_size with sinusoidal positions, scaled
embeddings and an untied head; a GPT-2 decoder with cross-attention), their logits and greedy / beam / decoder-prompted generate(), and the
image-text-to-text pipeline (Python's replacement for image-to-text) on the image fixtures.
Run:  python3 scripts/make_image_to_text_fixtures.py   (same venv and pins as make_fixtures.py)
"""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import OUT, ensure_venv, spread_weights  # noqa: E402


def word_tokenizer(tf):
    """A word-level tokenizer with TrOCR's special ids (<s> 0, <pad> 1, </s> 2) and 100 entries."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors

    words = ["<s>", "<pad>", "</s>", "<unk>"] + ("the a of and to in is it that was he for on are with as his they be at one have "
                                                 "this from or had by hot word but what some we can out other were all there when "
                                                 "up use your how said an each she which do their time if will way about many then "
                                                 "them write would like so these her long make thing see him two has look more day "
                                                 "could go come did number sound no most people my over . ,").split()
    words = words[:100]
    words += [f"w{i}" for i in range(100 - len(words))]
    backend = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation()])
    backend.post_processor = processors.TemplateProcessing(single="<s> $A </s>", special_tokens=[("<s>", 0), ("</s>", 2)])
    from tokenizers import decoders
    backend.decoder = decoders.WordPiece(prefix="##")
    return tf.PreTrainedTokenizerFast(tokenizer_object=backend, bos_token="<s>", eos_token="</s>", pad_token="<pad>", unk_token="<unk>")


def main():
    import torch
    import transformers as tf
    from safetensors.numpy import save_file

    root = os.path.join(OUT, "image_to_text")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)

    g = torch.Generator().manual_seed(21)
    pixel_values = torch.randn(2, 3, 32, 32, generator=g)
    decoder_input_ids = torch.tensor([[2, 7, 19, 33, 4, 61], [2, 50, 8, 8, 90, 12]])
    save_file({"pixel_values": pixel_values.numpy(), "decoder_input_ids": decoder_input_ids.numpy()},
              os.path.join(root, "inputs.safetensors"))

    vision = dict(hidden_size=32, intermediate_size=37, num_hidden_layers=2, num_attention_heads=4, image_size=32, patch_size=8)
    decoder = dict(vocab_size=100, d_model=48, decoder_layers=2, decoder_attention_heads=4, decoder_ffn_dim=64, max_position_embeddings=64)
    variants = {
        "trocr-vit": (tf.ViTConfig(**vision), tf.TrOCRConfig(**decoder)),
        "trocr-deit-sinusoidal": (tf.DeiTConfig(**vision),
                                  tf.TrOCRConfig(**decoder, cross_attention_hidden_size=32, use_learned_position_embeddings=False,
                                                 scale_embedding=True, layernorm_embedding=False, activation_function="relu",
                                                 tie_word_embeddings=False)),
        # ViT-GPT2 captioners: GPT-2 with add_cross_attention (set by from_encoder_decoder_configs).
        "vit-gpt2": (tf.ViTConfig(**vision), tf.GPT2Config(vocab_size=100, n_embd=48, n_layer=2, n_head=4, n_positions=64, bos_token_id=0,
                                                        eos_token_id=2, pad_token_id=1)),
    }
    cases = []
    for i, (name, (enc, dec)) in enumerate(variants.items()):
        cfg = tf.VisionEncoderDecoderConfig.from_encoder_decoder_configs(enc, dec)
        cfg.decoder_start_token_id, cfg.pad_token_id, cfg.eos_token_id = 2, 1, 2
        torch.manual_seed(60 + i)
        model = tf.VisionEncoderDecoderModel(cfg).eval()
        spread_weights(model, seed=60 + i)
        if name == "trocr-deit-sinusoidal":
            # Smaller decoder matrices: greedy then alternates tokens instead of repeating one.
            with torch.no_grad():
                for n, p in model.decoder.named_parameters():
                    if p.dim() >= 2:
                        p.mul_(0.4)
        d = os.path.join(root, name)
        model.save_pretrained(d)
        with torch.no_grad():
            out = model(pixel_values=pixel_values, decoder_input_ids=decoder_input_ids)
            greedy = model.generate(pixel_values, max_new_tokens=10, do_sample=False)
            beam = model.generate(pixel_values, max_new_tokens=8, do_sample=False, num_beams=3, num_return_sequences=2)
            # A decoder prompt: rows starting with decoder_start_token_id are continued as given;
            # rows that all start elsewhere get it prepended.
            prompted = model.generate(pixel_values, decoder_input_ids=decoder_input_ids, max_new_tokens=4, do_sample=False)
            prompted_nostart = model.generate(pixel_values, decoder_input_ids=decoder_input_ids[:, 1:], max_new_tokens=4, do_sample=False)
        save_file({"logits": out.logits.numpy(), "encoder_last_hidden_state": out.encoder_last_hidden_state.numpy(),
                   "greedy": greedy.numpy(), "beam": beam.numpy(), "prompted": prompted.numpy(),
                   "prompted_nostart": prompted_nostart.numpy()}, os.path.join(d, "goldens.safetensors"))
        cases.append({"dir": name})

    # The first model as a Hub folder ships it: tokenizer and ViT image processor beside it.
    d = os.path.join(root, "trocr-vit")
    tf.TrOCRProcessor(image_processor=tf.ViTImageProcessor(size={"height": 32, "width": 32}), tokenizer=word_tokenizer(tf)).save_pretrained(d)
    # v5.24's image-text-to-text pipeline fails on this processor (BatchEncoding.to(dtype=...)
    # TypeError), so the golden is what the removed image-to-text pipeline and TrOCR's model card
    # do: processor(images) -> generate -> batch_decode(skip_special_tokens=True).
    from transformers.image_utils import load_image
    proc = tf.AutoProcessor.from_pretrained(d)
    model = tf.AutoModelForImageTextToText.from_pretrained(d).eval()
    images = ["photo.jpg", "exif6.jpg", "rgb.png"]
    pv = proc(images=[load_image(os.path.join(OUT, "images", n)) for n in images], return_tensors="pt").pixel_values
    with torch.no_grad():
        ids = model.generate(pv, max_new_tokens=8, do_sample=False)
    results = [[{"generated_text": t}] for t in proc.batch_decode(ids, skip_special_tokens=True)]
    save_file({"pixel_values": pv.numpy(), "sequences": ids.numpy()}, os.path.join(d, "processor_goldens.safetensors"))
    with open(os.path.join(root, "pipeline.json"), "w") as f:
        json.dump({"dir": "trocr-vit", "images": images, "results": results}, f, indent=1)
    with open(os.path.join(root, "cases.json"), "w") as f:
        json.dump(cases, f, indent=1)
    print("image_to_text:", len(cases), "cases;", results)


if __name__ == "__main__":
    ensure_venv()
    main()
