#!/usr/bin/env python3
"""Random-weight speech checkpoints with real shapes for the speech benchmark (no download):
Whisper-tiny and Whisper-base configs with their feature extractor, and a Wav2Vec2-base CTC model.
Usage: make_speech_models.py OUT_DIR"""
import os
import sys

import torch
import transformers as tf

out = sys.argv[1]
shapes = {
    "whisper-tiny": (tf.WhisperForConditionalGeneration, tf.WhisperConfig(d_model=384, encoder_layers=4, decoder_layers=4,
                                                                         encoder_attention_heads=6, decoder_attention_heads=6,
                                                                         encoder_ffn_dim=1536, decoder_ffn_dim=1536)),
    "whisper-base": (tf.WhisperForConditionalGeneration, tf.WhisperConfig(d_model=512, encoder_layers=6, decoder_layers=6,
                                                                         encoder_attention_heads=8, decoder_attention_heads=8,
                                                                         encoder_ffn_dim=2048, decoder_ffn_dim=2048)),
    "wav2vec2-base": (tf.Wav2Vec2ForCTC, tf.Wav2Vec2Config(vocab_size=32)),
}
torch.manual_seed(0)
for name, (cls, cfg) in shapes.items():
    d = os.path.join(out, name)
    if os.path.exists(os.path.join(d, "model.safetensors")):
        continue
    cls(cfg).eval().save_pretrained(d)
    (tf.WhisperFeatureExtractor() if "whisper" in name else tf.Wav2Vec2FeatureExtractor()).save_pretrained(d)
    print("wrote", name)
