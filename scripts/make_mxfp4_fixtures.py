#!/usr/bin/env python3
"""gpt-oss with MXFP4-packed experts, as the openai/gpt-oss releases ship them (fixtures/mxfp4/):
a tiny random GptOssForCausalLM whose expert weights are random FP4 codes with random power-of-two
block scales (packed two codes a byte, blocks of 32 along the input, e8m0 scales), saved with
quantization_config {"quant_method": "mxfp4"}, and the logits / greedy tokens of the same model
with the experts dequantized by transformers' own convert_moe_packed_tensors.
Run:  python3 scripts/make_mxfp4_fixtures.py   (same venv and pins as make_fixtures.py)
"""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures  # noqa: E402


def main():
    import torch
    import transformers as tf
    from safetensors.torch import load_file, save_file
    from transformers.integrations.mxfp4 import convert_moe_packed_tensors

    root = os.path.join(make_fixtures.ROOT, "fixtures", "mxfp4")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    cfg = tf.GptOssConfig(vocab_size=96, hidden_size=64, intermediate_size=32, num_hidden_layers=2, num_attention_heads=4,
                          num_key_value_heads=2, head_dim=16, max_position_embeddings=64, num_local_experts=4, num_experts_per_tok=2,
                          sliding_window=4, swiglu_limit=1.5, pad_token_id=0, bos_token_id=1, eos_token_id=2)
    torch.manual_seed(0)
    model = tf.GptOssForCausalLM(cfg).eval()
    make_fixtures.spread_weights(model, seed=5)
    g = torch.Generator().manual_seed(6)
    E, H, I = cfg.num_local_experts, cfg.hidden_size, cfg.intermediate_size
    packed = {}
    for li, layer in enumerate(model.model.layers):
        for proj, rows, cols in (("gate_up_proj", 2 * I, H), ("down_proj", H, I)):
            blocks = torch.randint(0, 256, (E, rows, cols // 32, 16), generator=g, dtype=torch.uint8)
            scales = torch.randint(127 - 4, 127 - 1, (E, rows, cols // 32), generator=g, dtype=torch.uint8)  # 2^-4 .. 2^-2
            weight = convert_moe_packed_tensors(blocks, scales, dtype=torch.float32)
            with torch.no_grad():
                getattr(layer.mlp.experts, proj).copy_(weight)
            packed[f"model.layers.{li}.mlp.experts.{proj}_blocks"] = blocks
            packed[f"model.layers.{li}.mlp.experts.{proj}_scales"] = scales
    d = os.path.join(root, "gpt_oss-mxfp4")
    model.save_pretrained(d)
    weights = load_file(os.path.join(d, "model.safetensors"))
    for k in list(weights):
        if k.endswith("experts.gate_up_proj") or k.endswith("experts.down_proj"):
            del weights[k]
    weights.update(packed)
    save_file(weights, os.path.join(d, "model.safetensors"), metadata={"format": "pt"})
    with open(os.path.join(d, "config.json")) as f:
        c = json.load(f)
    c["quantization_config"] = {"quant_method": "mxfp4", "modules_to_not_convert": ["model.layers.*.self_attn", "model.layers.*.mlp.router",
                                                                                    "model.embed_tokens", "lm_head"]}
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(c, f, indent=2)
    ids = torch.tensor([[1, 5, 9, 17, 33, 60, 7, 3], [1, 44, 12, 90, 25, 6, 71, 8]])
    with torch.no_grad():
        logits = model(input_ids=ids).logits
        greedy = model.generate(ids, max_new_tokens=6, do_sample=False)
    save_file({"input_ids": ids, "logits": logits, "greedy": greedy}, os.path.join(d, "goldens.safetensors"))
    # transformers itself reads the packed checkpoint back (dequantizing on CPU) to the same logits.
    try:
        back = tf.GptOssForCausalLM.from_pretrained(d, dtype=torch.float32).eval()
        with torch.no_grad():
            print("transformers reload max |diff|:", (back(input_ids=ids).logits - logits).abs().max().item())
    except Exception as e:  # noqa: BLE001
        print("transformers could not reload the packed checkpoint here:", type(e).__name__, e)
    print("mxfp4 fixture written to", d)


if __name__ == "__main__":
    make_fixtures.ensure_venv()
    main()
