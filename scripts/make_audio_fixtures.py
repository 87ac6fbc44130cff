#!/usr/bin/env python3
"""Audio feature-extraction fixtures (fixtures/audio/): mixed tones plus noise at several lengths, the
outputs of Python's WhisperFeatureExtractor (80 and 128 mel bins, 30 s-style max_length padding on a
short chunk, longest padding with attention masks) and Wav2Vec2FeatureExtractor (with and without
attention masks), and sound files (int16 stereo WAV at 8 kHz, FLAC at 16 kHz) with the mono 16 kHz
signal soundfile + soxr give for them.
Run:  python3 scripts/make_audio_fixtures.py   (same venv and pins as make_fixtures.py)
"""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import OUT, ensure_venv  # noqa: E402


def main():
    import numpy as np
    import soundfile as sf
    import soxr
    import torch
    import transformers as tf
    from safetensors.numpy import save_file

    root = os.path.join(OUT, "audio")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    rng = np.random.default_rng(7)

    def signal(seconds, rate, tones=(220.0, 440.0, 1234.5)):
        t = np.arange(int(seconds * rate)) / rate
        x = sum(np.sin(2 * np.pi * f * t + i) * (0.3 / (i + 1)) for i, f in enumerate(tones))
        return (x + 0.05 * rng.standard_normal(t.shape)).astype(np.float32)

    raw = {"a": signal(1.3, 16000), "b": signal(0.45, 16000, (300.0, 3100.0)), "c": signal(2.6, 16000, (150.0, 5000.0))}
    save_file(raw, os.path.join(root, "raw.safetensors"))
    cases = []

    def case(name, fe, inputs, **kw):
        d = os.path.join(root, name)
        os.makedirs(d)
        fe.save_pretrained(d)
        out = fe([raw[k] for k in inputs], sampling_rate=16000, return_tensors="np", **kw)
        save_file({k: np.ascontiguousarray(v) for k, v in out.items()}, os.path.join(d, "outputs.safetensors"))
        cases.append({"dir": name, "inputs": inputs, "kwargs": kw, "outputs": sorted(out.keys())})

    case("whisper-80-chunk2", tf.WhisperFeatureExtractor(chunk_length=2), ["a", "b"], return_attention_mask=True)
    case("whisper-80-longest", tf.WhisperFeatureExtractor(), ["c", "b"], padding="longest", return_attention_mask=True)
    case("whisper-128-truncated", tf.WhisperFeatureExtractor(feature_size=128, chunk_length=1), ["c"])
    case("whisper-normalized", tf.WhisperFeatureExtractor(chunk_length=2), ["a"], do_normalize=True)
    case("wav2vec2-mask", tf.Wav2Vec2FeatureExtractor(return_attention_mask=True), ["a", "b"], padding="longest")
    case("wav2vec2-nomask", tf.Wav2Vec2FeatureExtractor(return_attention_mask=False), ["a", "b"], padding="longest")
    case("wav2vec2-single", tf.Wav2Vec2FeatureExtractor(), ["c"])

    # Sound files: what soundfile decodes, mixed to mono, resampled by soxr to 16 kHz.
    st = np.stack([signal(0.5, 8000), signal(0.5, 8000, (500.0,))], axis=1)
    sf.write(os.path.join(root, "stereo8k.wav"), st, 8000, subtype="PCM_16")
    x = sf.read(os.path.join(root, "stereo8k.wav"), dtype="float32")[0].mean(axis=1)
    sf.write(os.path.join(root, "mono16k.flac"), raw["b"], 16000, subtype="PCM_16")
    y = sf.read(os.path.join(root, "mono16k.flac"), dtype="float32")[0]
    save_file({"stereo8k": soxr.resample(x, 8000, 16000, quality="HQ").astype(np.float32), "mono16k": y.astype(np.float32)},
              os.path.join(root, "decoded.safetensors"))
    # An AutoProcessor folder: the chunk-2 Whisper extractor with a tokenizer beside it.
    d = os.path.join(root, "processor")
    os.makedirs(d)
    tf.WhisperFeatureExtractor(chunk_length=2).save_pretrained(d)
    for f in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(os.path.join(OUT, "tokenizers", "unigram-metaspace", f), d)
    with open(os.path.join(root, "index.json"), "w") as f:
        json.dump(cases, f, indent=1)
    print("audio fixtures:", len(cases), "cases", torch.__version__)


if __name__ == "__main__":
    ensure_venv()
    main()
