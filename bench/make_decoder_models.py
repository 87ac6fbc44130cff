#!/usr/bin/env python3
"""Random-weight decoder checkpoints with real shapes for the decode benchmark (no download):
Qwen2.5-0.5B and Llama-3.2-1B configs, each saved in float32 and bfloat16.
Usage: make_decoder_models.py OUT_DIR [NAME...]   (default: every model)"""
import os
import sys

import torch
from transformers import LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM

out = sys.argv[1]
shapes = {
    "qwen2.5-0.5b": (Qwen2ForCausalLM, Qwen2Config(hidden_size=896, intermediate_size=4864, num_hidden_layers=24, num_attention_heads=14,
                                                   num_key_value_heads=2, vocab_size=151936, tie_word_embeddings=True,
                                                   max_position_embeddings=32768, rope_theta=1000000.0, rms_norm_eps=1e-6)),
    "llama-3.2-1b": (LlamaForCausalLM, LlamaConfig(hidden_size=2048, intermediate_size=8192, num_hidden_layers=16, num_attention_heads=32,
                                                   num_key_value_heads=8, head_dim=64, vocab_size=128256, tie_word_embeddings=True,
                                                   max_position_embeddings=131072, rms_norm_eps=1e-5,
                                                   rope_parameters=dict(rope_type="llama3", rope_theta=500000.0, factor=32.0, low_freq_factor=1.0,
                                                                        high_freq_factor=4.0, original_max_position_embeddings=8192))),
}
torch.manual_seed(0)
for name, (cls, cfg) in shapes.items():
    if len(sys.argv) > 2 and name not in sys.argv[2:]:
        continue
    if all(os.path.exists(os.path.join(out, f"{name}-{d}", "model.safetensors")) for d in ("f32", "bf16")):
        continue
    model = cls(cfg).eval()
    model.to(torch.bfloat16).save_pretrained(os.path.join(out, f"{name}-bf16"))
    model.float().save_pretrained(os.path.join(out, f"{name}-f32"))
    print("wrote", name)
