#!/usr/bin/env python3
"""Speech-encoder fixtures (fixtures/speech/): tiny random Wav2Vec2 (group-norm post-norm and
layer-norm "stable" variants) and HuBERT checkpoints for every Auto class Python maps them to, the
outputs Python transformers computes on a padded batch (with the sample-level attention mask) and on
one unpadded waveform, one checkpoint in the legacy weight_g / weight_v naming, and a
Wav2Vec2CTCTokenizer (vocab.json) with encode and CTC-decode cases.
Run:  python3 scripts/make_speech_fixtures.py   (same venv and pins as make_fixtures.py)
"""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import OUT, ensure_venv, spread_weights  # noqa: E402


def main():
    import numpy as np
    import torch
    import transformers as tf
    from safetensors.numpy import save_file
    from safetensors.torch import load_file, save_file as save_torch

    root = os.path.join(OUT, "speech")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    rng = np.random.default_rng(11)
    t = np.arange(1200) / 16000
    wave = lambda f, n: (0.5 * np.sin(2 * np.pi * f * t[:n]) + 0.1 * rng.standard_normal(n)).astype(np.float32)
    batch = np.zeros((2, 1200), np.float32)
    batch[0] = wave(440.0, 1200)
    batch[1, :790] = wave(1300.0, 790)
    mask = np.zeros((2, 1200), np.int64)
    mask[0] = 1
    mask[1, :790] = 1
    single = wave(700.0, 1000)[None]
    save_file({"batch.input_values": batch, "batch.attention_mask": mask, "single.input_values": single},
              os.path.join(root, "inputs.safetensors"))

    common = dict(vocab_size=12, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37,
                  conv_dim=(16, 16, 16), conv_kernel=(10, 3, 3), conv_stride=(5, 2, 2), num_conv_pos_embedding_groups=4,
                  classifier_proj_size=24, num_labels=3, tdnn_dim=(20, 20, 30), tdnn_kernel=(3, 3, 1),
                  tdnn_dilation=(1, 2, 1), xvector_output_dim=16)
    variants = {
        "wav2vec2-base": (tf.Wav2Vec2Config, dict(num_conv_pos_embeddings=16)),
        "wav2vec2-stable": (tf.Wav2Vec2Config, dict(num_conv_pos_embeddings=15, do_stable_layer_norm=True, feat_extract_norm="layer",
                                                    conv_bias=True, use_weighted_layer_sum=True, hidden_act="gelu_new",
                                                    mask_time_prob=0.0)),
        "hubert-base": (tf.HubertConfig, dict(num_conv_pos_embeddings=16)),
        "hubert-stable": (tf.HubertConfig, dict(num_conv_pos_embeddings=15, do_stable_layer_norm=True, feat_extract_norm="layer",
                                                feat_proj_layer_norm=False, conv_bias=True, use_weighted_layer_sum=True)),
    }
    classes = {
        "wav2vec2": [("AutoModel", "Wav2Vec2Model"), ("AutoModelForCTC", "Wav2Vec2ForCTC"),
                     ("AutoModelForAudioClassification", "Wav2Vec2ForSequenceClassification"),
                     ("AutoModelForAudioFrameClassification", "Wav2Vec2ForAudioFrameClassification"),
                     ("AutoModelForAudioXVector", "Wav2Vec2ForXVector")],
        "hubert": [("AutoModel", "HubertModel"), ("AutoModelForCTC", "HubertForCTC"),
                   ("AutoModelForAudioClassification", "HubertForSequenceClassification")],
    }
    cases = []
    seed = 0
    for name, (config_cls, extra) in variants.items():
        cfg = config_cls(**common, **extra)
        for auto, cls_name in classes[cfg.model_type]:
            seed += 1
            torch.manual_seed(seed)
            model = getattr(tf, cls_name)(cfg).eval()
            spread_weights(model, seed)
            d = os.path.join(root, f"{name}-{cls_name}")
            model.save_pretrained(d)
            outs = {}
            with torch.no_grad():
                for key, kw in (("batch", dict(input_values=torch.from_numpy(batch), attention_mask=torch.from_numpy(mask))),
                                ("single", dict(input_values=torch.from_numpy(single)))):
                    o = model(**kw)
                    for k, v in o.items():
                        if isinstance(v, torch.Tensor):
                            outs[f"{key}.{k}"] = v.float().contiguous().numpy()
            save_file(outs, os.path.join(d, "outputs.safetensors"))
            cases.append({"dir": os.path.basename(d), "auto_class": auto, "class": cls_name,
                          "outputs": sorted(k.split(".", 1)[1] for k in outs if k.startswith("batch."))})

    # The same CTC checkpoint with the position conv saved under torch's old weight_norm names.
    src = os.path.join(root, "wav2vec2-base-Wav2Vec2ForCTC")
    d = os.path.join(root, "legacy-weight-norm")
    shutil.copytree(src, d)
    sd = load_file(os.path.join(d, "model.safetensors"))
    sd = {k.replace("parametrizations.weight.original0", "weight_g").replace("parametrizations.weight.original1", "weight_v"): v
          for k, v in sd.items()}
    save_torch(sd, os.path.join(d, "model.safetensors"), metadata={"format": "pt"})

    # Wav2Vec2CTCTokenizer from vocab.json: encode cases and CTC decoding of the CTC model's argmax.
    tdir = os.path.join(root, "ctc-tokenizer")
    os.makedirs(tdir)
    vocab = {"<pad>": 0, "<s>": 1, "</s>": 2, "<unk>": 3, "|": 4, "E": 5, "T": 6, "A": 7, "H": 8, "L": 9, "O": 10, "'": 11}
    with open(os.path.join(tdir, "vocab.json"), "w") as f:
        json.dump(vocab, f)
    tok = tf.Wav2Vec2CTCTokenizer(os.path.join(tdir, "vocab.json"))
    tok.save_pretrained(tdir)
    tok = tf.AutoTokenizer.from_pretrained(tdir)
    texts = ["HELLO THE TALE", "hello", "ALOHA  TOTE'", "THE<unk>OATH</s>", "TEA|HALO Q", "HE <unk> LO <pad>"]
    ids_cases = [[8, 8, 5, 0, 9, 9, 0, 9, 10, 4, 4, 6, 8, 5, 0], [0, 0, 1, 7, 7, 2, 4, 11, 3, 0], [4, 4, 8, 4], [],
                 [5, 5, 5, 0, 5, 4, 0, 4, 7]]
    lg = load_file(os.path.join(src, "outputs.safetensors"))["batch.logits"].numpy()
    ids_cases += [list(map(int, row)) for row in lg.argmax(-1)]
    decode = []
    for ids in ids_cases:
        for skip in (False, True):
            decode.append({"ids": ids, "skip_special_tokens": skip, "text": tok.decode(ids, skip_special_tokens=skip)})
    encode = [{"text": s, "ids": tok(s)["input_ids"]} for s in texts]
    with open(os.path.join(tdir, "cases.json"), "w") as f:
        json.dump({"encode": encode, "decode": decode, "batch_decode": tok.batch_decode(ids_cases)}, f, indent=1)
    with open(os.path.join(root, "index.json"), "w") as f:
        json.dump(cases, f, indent=1)
    print("speech fixtures:", len(cases), "models", tf.__version__)


if __name__ == "__main__":
    ensure_venv()
    main()
