#!/usr/bin/env python3
"""Random-weight encoder-decoder checkpoints with real shapes for the seq2seq benchmark (no
download): BART-base and T5-small configs in float32.
Usage: make_seq2seq_models.py OUT_DIR"""
import os
import sys

import torch
from transformers import BartConfig, BartForConditionalGeneration, T5Config, T5ForConditionalGeneration

out = sys.argv[1]
shapes = {
    "bart-base": (BartForConditionalGeneration, BartConfig(d_model=768, encoder_layers=6, decoder_layers=6, encoder_attention_heads=12,
                                                           decoder_attention_heads=12, encoder_ffn_dim=3072, decoder_ffn_dim=3072,
                                                           vocab_size=50265, max_position_embeddings=1024)),
    "t5-small": (T5ForConditionalGeneration, T5Config(d_model=512, d_kv=64, d_ff=2048, num_layers=6, num_heads=8, vocab_size=32128,
                                                      decoder_start_token_id=0)),
}
torch.manual_seed(0)
for name, (cls, cfg) in shapes.items():
    if os.path.exists(os.path.join(out, name, "model.safetensors")):
        continue
    cls(cfg).eval().save_pretrained(os.path.join(out, name))
    print("wrote", name)
