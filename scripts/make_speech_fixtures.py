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
    make_whisper_multilingual(root)
    make_whisper_classifier(root)
    make_whisper_timestamps(root)
    make_whisper_fallback(root)
    make_ast(root, {"a": batch[0], "b": batch[1, :790], "c": single[0]})
    make_pipelines(root, {"a": batch[0], "b": batch[1, :790], "c": single[0]})
    make_whisper_word_timestamps(root)
    print("speech fixtures:", len(cases), "models", tf.__version__)


def control_tokens(gc, en, translate, transcribe, no_timestamps):
    """A multilingual Whisper generation config: <|en|> <|fr|> <|de|> from `en` on, the task tokens and
    <|notimestamps|>, saved as the real checkpoints have it (not derived from config.json)."""
    gc.lang_to_id = {"<|en|>": en, "<|fr|>": en + 1, "<|de|>": en + 2}
    gc.task_to_id = {"translate": translate, "transcribe": transcribe}
    gc.no_timestamps_token_id = no_timestamps
    gc.is_multilingual = True
    gc._from_model_config = False
    return gc


def make_whisper_multilingual(root):
    """A tiny Whisper whose generation_config carries lang_to_id / task_to_id / no_timestamps_token_id
    (pad == eos, as in the real checkpoints): generate() with a language code, name and token, a task,
    language detection, legacy forced_decoder_ids, beams; sequences exactly as Python returns them."""
    import copy

    import torch
    import transformers as tf
    from safetensors.torch import save_file

    from make_fixtures import spread_weights

    cfg = tf.WhisperConfig(vocab_size=256, d_model=32, encoder_layers=2, decoder_layers=2, encoder_attention_heads=4,
                           decoder_attention_heads=4, encoder_ffn_dim=64, decoder_ffn_dim=64, num_mel_bins=16, max_source_positions=25,
                           max_target_positions=64, decoder_start_token_id=250, pad_token_id=251, bos_token_id=251, eos_token_id=251,
                           begin_suppress_tokens=[220, 251], suppress_tokens=[5, 6])
    torch.manual_seed(77)
    model = tf.WhisperForConditionalGeneration(cfg).eval()
    spread_weights(model, 77)
    with torch.no_grad():  # make <|endoftext|> likely enough that some rows stop early
        model.model.decoder.embed_tokens.weight[251] *= 3.0
    gc = control_tokens(model.generation_config, 240, 244, 245, 246)
    d = os.path.join(root, "whisper-multilingual")
    model.save_pretrained(d)
    g = torch.Generator().manual_seed(21)
    feats = torch.randn(3, 16, 50, generator=g)
    save_file({"input_features": feats}, os.path.join(d, "inputs.safetensors"))
    cases = [("language-code", dict(language="fr")), ("language-name-translate", dict(language="German", task="translate")),
             ("language-token", dict(language="<|en|>", task="transcribe")), ("detect", dict()),
             ("forced-legacy-detect", dict(forced_decoder_ids=[[1, None], [2, 245]])),
             ("forced-legacy", dict(forced_decoder_ids=[[1, 240], [2, 244]])),
             ("beam", dict(language="de", num_beams=3, num_return_sequences=2))]
    res = []
    for name, kw in cases:
        kw = dict(kw, max_new_tokens=12, no_repeat_ngram_size=1)
        gen = copy.deepcopy(gc)
        if "forced_decoder_ids" in kw:
            gen.forced_decoder_ids = kw["forced_decoder_ids"]
        call = {k: v for k, v in kw.items() if k != "forced_decoder_ids"}
        with torch.no_grad():
            seq = model.generate(feats, generation_config=gen, **call)
        gen = copy.deepcopy(gen)
        for k in ("language", "task"):
            if k in call:
                setattr(gen, k, call[k])
        gen.return_timestamps = False
        init = model._retrieve_init_tokens(feats, 3, gen, model.config, 50, {})
        res.append({"name": name, "kwargs": kw, "init_tokens": init.tolist(), "sequences": seq.tolist()})
    with open(os.path.join(d, "generate.json"), "w") as f:
        json.dump({"class": type(model).__name__, "cases": res}, f, indent=1)


def make_whisper_timestamps(root):
    """A tiny Whisper with timestamp tokens (<|notimestamps|> = 257, timestamps 258..319) and 50-frame
    windows: generate() with return_timestamps on one window, long-form over several windows (one row,
    and a batch with its frame mask), and timestamps with beams; sequences as Python returns them."""
    import torch
    import transformers as tf
    from safetensors.torch import save_file

    from make_fixtures import spread_weights

    cfg = tf.WhisperConfig(vocab_size=320, d_model=32, encoder_layers=2, decoder_layers=2, encoder_attention_heads=4,
                           decoder_attention_heads=4, encoder_ffn_dim=64, decoder_ffn_dim=64, num_mel_bins=16, max_source_positions=25,
                           max_target_positions=64, decoder_start_token_id=251, pad_token_id=250, bos_token_id=250, eos_token_id=250,
                           begin_suppress_tokens=[220, 250], suppress_tokens=[5, 6])
    torch.manual_seed(88)
    model = tf.WhisperForConditionalGeneration(cfg).eval()
    spread_weights(model, 88)
    with torch.no_grad():  # timestamps and the end likely enough to form segments
        model.model.decoder.embed_tokens.weight[258:] *= 2.0
        model.model.decoder.embed_tokens.weight[250] *= 2.0
    control_tokens(model.generation_config, 252, 255, 256, 257)
    d = os.path.join(root, "whisper-timestamps")
    model.save_pretrained(d)
    g = torch.Generator().manual_seed(5)
    short = torch.randn(2, 16, 50, generator=g)
    long = torch.randn(2, 16, 130, generator=g)
    mask = torch.ones(2, 130, dtype=torch.long)
    mask[1, 80:] = 0
    long[1, :, 80:] = 0
    save_file({"short": short, "long": long, "long_mask": mask}, os.path.join(d, "inputs.safetensors"))
    cases = [("short", "short", dict(return_timestamps=True, language="en", max_new_tokens=14)),
             ("short-beam", "short", dict(return_timestamps=True, language="fr", num_beams=2, max_new_tokens=12)),
             ("long-one-row", "long1", dict(language="en", max_new_tokens=12)),
             ("long-batch", "long", dict(language="en", max_new_tokens=12))]
    res = []
    for name, inp, kw in cases:
        feats = {"short": short, "long": long, "long1": long[:1]}[inp]
        extra = {"attention_mask": mask} if inp == "long" else {}
        with torch.no_grad():
            seq = model.generate(feats, **extra, **kw)
        res.append({"name": name, "input": inp, "kwargs": kw, "sequences": seq.tolist()})
    with open(os.path.join(d, "generate.json"), "w") as f:
        json.dump({"class": type(model).__name__, "cases": res}, f, indent=1)


def make_whisper_fallback(root):
    """Long-form heuristics on the whisper-timestamps model (read back from its folder, so this can run
    alone): condition_on_prev_tokens (one row, a left-padded batch, prompt_ids as first segment or on
    every window), temperature schedules with thresholds that never or always fall back, windows
    skipped as silence over a range of no_speech_threshold values (greedy and beams), do_sample without
    a temperature (greedy in Whisper), and _retrieve_compression_ratio on token lists. fallback.json."""
    import torch
    import transformers as tf
    from safetensors.torch import load_file

    d = os.path.join(root, "whisper-timestamps")
    model = tf.WhisperForConditionalGeneration.from_pretrained(d).eval()
    inputs = load_file(os.path.join(d, "inputs.safetensors"))
    feats = {"long1": inputs["long"][:1], "long": inputs["long"]}
    prompt = [5, 40, 41, 42, 43]  # suppress_tokens[-2] (5) stands for <|startofprev|> in this config
    base = dict(language="en", max_new_tokens=10)
    cases = [("condition", "long1", dict(condition_on_prev_tokens=True)),
             ("condition-batch", "long", dict(condition_on_prev_tokens=True)),
             ("condition-prompt", "long1", dict(condition_on_prev_tokens=True, prompt_ids=prompt)),
             ("condition-prompt-all", "long1", dict(condition_on_prev_tokens=True, prompt_ids=prompt, prompt_condition_type="all-segments")),
             ("prompt-no-condition", "long1", dict(prompt_ids=prompt)),
             ("thresholds-never", "long", dict(temperature=(0.0, 0.2, 0.4), compression_ratio_threshold=100.0, logprob_threshold=-1e9)),
             ("fallback-greedy-again", "long1", dict(temperature=(0.0, 0.0), logprob_threshold=0.0, condition_on_prev_tokens=True)),
             ("do-sample-no-temperature", "long1", dict(do_sample=True))]
    for t in (0.0, 3e-6, 7e-6, 2e-5):  # the two windows score 4.6e-6 and 9.9e-6
        cases.append((f"no-speech-{t}", "long1", dict(temperature=(0.0,), logprob_threshold=0.0, no_speech_threshold=t)))
        cases.append((f"no-speech-beams-{t}", "long1", dict(temperature=(0.0,), logprob_threshold=0.0, no_speech_threshold=t, num_beams=2)))
    res = []
    for name, inp, kw in cases:
        kw = dict(base, **kw)
        extra = {"attention_mask": inputs["long_mask"]} if inp == "long" else {}
        call = dict(kw)
        if "prompt_ids" in call:
            call["prompt_ids"] = torch.tensor(call["prompt_ids"])
        with torch.no_grad():
            seq = model.generate(feats[inp], **extra, **call)
        res.append({"name": name, "input": inp, "kwargs": kw, "sequences": seq.tolist()})
    lists = [[], [7], [1, 2, 3, 4] * 10, list(range(300)), [258, 300, 17, 17, 17, 17, 319] * 5]
    ratios = [{"tokens": l, "vocab_size": v, "ratio": tf.WhisperForConditionalGeneration._retrieve_compression_ratio(torch.tensor(l, dtype=torch.long), v)}
              for l in lists for v in (320, 51865)]
    with open(os.path.join(d, "fallback.json"), "w") as f:
        json.dump({"cases": res, "compression_ratios": ratios}, f, indent=1)
    print("whisper fallback:", [(r["name"], len(r["sequences"][0])) for r in res])


def make_whisper_word_timestamps(root):
    """Token- and word-level timestamps. generate(return_token_timestamps=True) on the whisper-timestamps
    model (short and long-form, with and without the frame mask, beams) -> tokens.json there; and the
    ASR pipeline with return_timestamps="word" on pipelines/whisper given alignment heads, copied to
    pipelines/whisper-words -> words.json. Reads the existing folders only, so it can run alone."""
    import soundfile as sf
    import torch
    import transformers as tf
    from safetensors.torch import load_file

    d = os.path.join(root, "whisper-timestamps")
    model = tf.WhisperForConditionalGeneration.from_pretrained(d).eval()
    heads = [[1, 0], [1, 3], [0, 2]]
    model.generation_config.alignment_heads = heads
    inputs = load_file(os.path.join(d, "inputs.safetensors"))
    short_mask = torch.ones(2, 50, dtype=torch.long)
    short_mask[1, 36:] = 0
    feats = {"short": (inputs["short"], None), "short-mask": (inputs["short"], short_mask), "long1": (inputs["long"][:1], None),
             "long": (inputs["long"], inputs["long_mask"])}
    cases = [("short", "short", dict(language="en", max_new_tokens=12)),
             ("short-mask", "short-mask", dict(language="en", max_new_tokens=12)),
             ("short-timestamps", "short-mask", dict(language="en", max_new_tokens=12, return_timestamps=True)),
             ("short-beams-one-row", "long1", dict(language="en", max_new_tokens=8, num_beams=3)),
             ("long-one-row", "long1", dict(language="en", max_new_tokens=10)),
             ("long-batch", "long", dict(language="en", max_new_tokens=10))]
    res = []
    for name, inp, kw in cases:
        x, mask = feats[inp]
        if name == "short-beams-one-row":
            x = x[:, :, :50]
        extra = {"attention_mask": mask} if mask is not None else {}
        with torch.no_grad():
            out = model.generate(x, return_token_timestamps=True, **extra, **kw)
        res.append({"name": name, "input": inp, "kwargs": dict(kw, return_token_timestamps=True, alignment_heads=heads),
                    "sequences": out["sequences"].tolist(), "token_timestamps": out["token_timestamps"].tolist()})
    with open(os.path.join(d, "tokens.json"), "w") as f:
        json.dump({"cases": res, "short_mask": short_mask.tolist()}, f, indent=1)

    p = os.path.join(root, "pipelines")
    wd = os.path.join(p, "whisper-words")
    shutil.rmtree(wd, ignore_errors=True)
    shutil.copytree(os.path.join(p, "whisper"), wd)
    gc = tf.GenerationConfig.from_pretrained(wd)
    gc.alignment_heads = [[1, 1], [0, 2], [1, 3]]
    gc.save_pretrained(wd)
    asr = tf.pipeline("automatic-speech-recognition", model=wd)
    waves = load_file(os.path.join(root, "inputs.safetensors"))
    clips = {"a": waves["batch.input_values"][0].numpy(), "b": waves["batch.input_values"][1, :790].numpy(),
             "c": waves["single.input_values"][0].numpy(), "long": sf.read(os.path.join(p, "long.wav"), dtype="float32")[0]}
    goldens = {}
    for k, w in clips.items():
        for lang in ("en", "fr"):
            r = asr(w.copy(), return_timestamps="word", generate_kwargs={"language": lang})
            goldens[f"{k}-{lang}"] = {"text": r["text"], "chunks": [{"text": c["text"], "timestamp": list(c["timestamp"])} for c in r["chunks"]]}
    # Chunked transcription (chunk_iter with strides, _find_longest_common_sequence merging).
    def flat(r):
        return {"text": r["text"], "chunks": [{"text": c["text"], "timestamp": list(c["timestamp"])} for c in r.get("chunks", [])]}
    for chunk_s, stride_s in ((1.0, None), (0.8, 0.25), (2.0, 0.5)):
        for ts in (False, True, "word"):
            kw = {"chunk_length_s": chunk_s, "generate_kwargs": {"language": "en"}}
            if stride_s is not None:
                kw["stride_length_s"] = stride_s
            if ts:
                kw["return_timestamps"] = ts
            goldens[f"chunked-{chunk_s}-{stride_s}-{ts}"] = dict(flat(asr(clips["long"].copy(), **kw)), kwargs=kw)
    # return_language: chunks carry the language name (detected, or the one asked for).
    def with_language(r):
        return {"text": r["text"], "chunks": [dict(c, timestamp=list(c["timestamp"])) if "timestamp" in c else c for c in r["chunks"]]}
    for k in ("a", "long"):
        for ts, lang in ((None, None), (True, "fr"), ("word", "en")):
            kw = {"return_language": True}
            if ts:
                kw["return_timestamps"] = ts
            if lang:
                kw["generate_kwargs"] = {"language": lang}
            try:
                goldens[f"language-{k}-{ts}-{lang}"] = dict(with_language(asr(clips[k].copy(), **kw)), kwargs=kw)
            except IndexError:  # Python's word times do not move with the language token it prepends
                pass
    with open(os.path.join(wd, "words.json"), "w") as f:
        json.dump(goldens, f, indent=1, ensure_ascii=False)
    print("word timestamps:", {k: len(v["chunks"]) for k, v in goldens.items()})


def make_whisper_classifier(root):
    """WhisperForAudioClassification on random log-mel features, with and without the weighted
    layer sum; the checkpoint without it also loaded as a WhisperModel-style encoder."""
    import torch
    import transformers as tf
    from safetensors.torch import save_file

    from make_fixtures import spread_weights

    g = torch.Generator().manual_seed(33)
    feats = torch.randn(2, 16, 50, generator=g)
    for weighted in (False, True):
        cfg = tf.WhisperConfig(vocab_size=64, d_model=32, encoder_layers=2, decoder_layers=1, encoder_attention_heads=4,
                               decoder_attention_heads=4, encoder_ffn_dim=64, decoder_ffn_dim=64, num_mel_bins=16,
                               max_source_positions=25, max_target_positions=16, classifier_proj_size=12, num_labels=4,
                               use_weighted_layer_sum=weighted)
        torch.manual_seed(61 + weighted)
        model = tf.WhisperForAudioClassification(cfg).eval()
        spread_weights(model, 61 + weighted)
        d = os.path.join(root, "whisper-classifier" + ("-weighted" if weighted else ""))
        model.save_pretrained(d)
        with torch.no_grad():
            out = model(input_features=feats)
        save_file({"input_features": feats}, os.path.join(d, "inputs.safetensors"))
        save_file({"logits": out.logits.contiguous()}, os.path.join(d, "outputs.safetensors"))


def make_ast(root, waves):
    """ASTFeatureExtractor (the numpy Kaldi-fbank path Python takes without torchaudio) on the test
    waves plus a 1.3 s tone mix, padded and truncated; a tiny ASTModel / ASTForAudioClassification
    on those features, one of them saved under v5's module names."""
    import numpy as np
    import torch
    import transformers as tf
    from safetensors.numpy import save_file
    from safetensors.torch import load_file, save_file as save_torch

    from make_fixtures import spread_weights

    t = np.arange(int(1.3 * 16000)) / 16000
    waves = dict(waves, long=(0.3 * np.sin(2 * np.pi * 440 * t) + 0.2 * np.sin(2 * np.pi * 3000 * t)).astype(np.float32))
    # Pure tones leave mel bands at the energy floor, where any rounding decides the value: the
    # per-bin normalized extractor gets them with a little noise, as real recordings have.
    waves["noisy"] = (waves["long"] + 0.01 * np.random.default_rng(3).standard_normal(len(t))).astype(np.float32)
    ext = []
    for name, kw, keys in [("ast-extractor-128", dict(max_length=16), ["a", "b", "c"]),
                           ("ast-extractor-64-cut", dict(num_mel_bins=64, max_length=40), ["long", "a"]),
                           ("ast-extractor-raw", dict(num_mel_bins=16, max_length=12, do_normalize=False), ["b"])]:
        fe = tf.ASTFeatureExtractor(**kw)
        d = os.path.join(root, name)
        fe.save_pretrained(d)
        out = fe([waves[k] for k in keys], sampling_rate=16000, return_tensors="np")
        save_file({"input_values": np.ascontiguousarray(out["input_values"])}, os.path.join(d, "outputs.safetensors"))
        ext.append({"dir": name, "inputs": keys, "kwargs": {}})
    for name, kw, call, keys in [("m4t-extractor", dict(), dict(), ["a", "b", "c"]),
                                 ("m4t-extractor-40-stride3", dict(num_mel_bins=40, stride=3), dict(pad_to_multiple_of=None), ["noisy", "a"]),
                                 ("m4t-extractor-maxlen", dict(), dict(padding="max_length", max_length=10, truncation=True), ["noisy", "b"])]:
        fe = tf.SeamlessM4TFeatureExtractor(**kw)
        d = os.path.join(root, name)
        fe.save_pretrained(d)
        out = fe([waves[k] for k in keys], sampling_rate=16000, return_tensors="np", **call)
        save_file({k: np.ascontiguousarray(v) for k, v in out.items()}, os.path.join(d, "outputs.safetensors"))
        ext.append({"dir": name, "inputs": keys, "kwargs": call})
    save_file({k: np.ascontiguousarray(v) for k, v in waves.items()}, os.path.join(root, "ast-waves.safetensors"))
    fe = tf.ASTFeatureExtractor(num_mel_bins=16, max_length=16)
    feats = torch.from_numpy(fe([waves["a"], waves["long"]], sampling_rate=16000, return_tensors="np")["input_values"])
    cfg = tf.ASTConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37, patch_size=4,
                       frequency_stride=3, time_stride=3, max_length=16, num_mel_bins=16, num_labels=3)
    for seed, cls in [(71, tf.ASTModel), (72, tf.ASTForAudioClassification)]:
        torch.manual_seed(seed)
        model = cls(cfg).eval()
        spread_weights(model, seed)
        d = os.path.join(root, "ast-" + cls.__name__)
        model.save_pretrained(d)
        fe.save_pretrained(d)
        with torch.no_grad():
            out = model(input_values=feats)
        save_torch({"input_values": feats}, os.path.join(d, "inputs.safetensors"))
        save_torch({k: v.contiguous() for k, v in out.items() if isinstance(v, torch.Tensor)}, os.path.join(d, "outputs.safetensors"))
    # save_pretrained writes the ViT-style names Hub checkpoints use; the classifier again under the
    # module names v5 holds in memory (conversion_mapping's targets), which load as well.
    renamed = os.path.join(root, "ast-module-names")
    shutil.copytree(os.path.join(root, "ast-ASTForAudioClassification"), renamed)
    sd = load_file(os.path.join(renamed, "model.safetensors"))
    new = {}
    for k, v in sd.items():
        for a, b in [("encoder.layer.", "layers."), ("attention.query", "q_proj"), ("attention.key", "k_proj"), ("attention.value", "v_proj"),
                     ("attention.output.dense", "attention.o_proj"), ("intermediate.dense", "mlp.fc1"), ("output.dense", "mlp.fc2")]:
            k = k.replace(a, b)
        new[k] = v
    save_torch(new, os.path.join(renamed, "model.safetensors"), metadata={"format": "pt"})
    with open(os.path.join(root, "ast-extractors.json"), "w") as f:
        json.dump(ext, f, indent=1)


def make_pipelines(root, waves):
    """Folders a user would hand to pipeline(): a CTC model with its Wav2Vec2CTCTokenizer and
    feature extractor, a tiny Whisper with a byte-level tokenizer carrying Whisper's control tokens,
    an audio classifier with labels; Python's automatic-speech-recognition / audio-classification
    outputs on the same waveforms (also written as float WAV files for the CLI)."""
    import numpy as np
    import soundfile as sf
    import tokenizers
    import torch
    import transformers as tf
    from safetensors.numpy import save_file

    from make_fixtures import spread_weights

    d = os.path.join(root, "pipelines")
    os.makedirs(d)

    def write_wav(path, w):
        # float WAV (exact samples); libsndfile stamps its PEAK chunk with the time: zeroed so a rerun is identical
        sf.write(path, w, 16000, subtype="FLOAT")
        data = bytearray(open(path, "rb").read())
        at = data.find(b"PEAK")
        if at >= 0:
            data[at + 12:at + 16] = b"\0\0\0\0"
        open(path, "wb").write(bytes(data))

    for k, w in waves.items():
        write_wav(os.path.join(d, f"{k}.wav"), w)
    goldens = {}

    # CTC: the stable Wav2Vec2 CTC checkpoint (layer-norm feature encoder, so the extractor returns a mask).
    def moderate(model, seed, head=None):
        # Small weights and no biases: the transcript then follows the audio instead of the biases.
        g = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            for n, p in model.named_parameters():
                if p.dim() >= 2:
                    p.copy_(torch.randn(p.shape, generator=g) * 0.1)
                elif "norm" in n:
                    p.copy_(1 + torch.randn(p.shape, generator=g) * 0.1)
                else:
                    p.zero_()
            if head is not None:
                head.weight.mul_(30)

    ctc = os.path.join(d, "ctc")
    os.makedirs(ctc)
    model = tf.Wav2Vec2ForCTC(tf.Wav2Vec2Config.from_pretrained(os.path.join(root, "wav2vec2-stable-Wav2Vec2ForCTC"))).eval()
    moderate(model, 5, model.lm_head)
    model.save_pretrained(ctc)
    for f in ("vocab.json", "tokenizer_config.json"):
        shutil.copy(os.path.join(root, "ctc-tokenizer", f), ctc)
    tf.Wav2Vec2FeatureExtractor(return_attention_mask=True, do_normalize=True).save_pretrained(ctc)
    asr = tf.pipeline("automatic-speech-recognition", model=ctc)
    goldens["ctc"] = {k: asr(w.copy())["text"] for k, w in waves.items()}
    # Chunked CTC over a longer clip: 0.25 s chunks with 0.04 s strides (multiples of the 20-sample frame rate).
    t = np.arange(8000) / 16000
    clip = (0.5 * np.sin(2 * np.pi * (300 + 900 * t) * t) + 0.05 * np.random.default_rng(6).standard_normal(8000)).astype(np.float32)
    save_file({"clip": clip}, os.path.join(d, "ctc-long.safetensors"))
    goldens["ctc-long"] = asr(clip.copy())["text"]
    goldens["ctc-chunked"] = asr(clip.copy(), chunk_length_s=0.25, stride_length_s=0.04)["text"]
    goldens["ctc-chunked-default-stride"] = asr(clip.copy(), chunk_length_s=0.2)["text"]
    for kind in ("char", "word"):
        r = asr(clip.copy(), return_timestamps=kind)
        goldens[f"ctc-{kind}"] = {"text": r["text"], "chunks": [{"text": c["text"], "timestamp": list(c["timestamp"])} for c in r["chunks"]]}

    # Whisper: 16 mel bins, 1 s windows (100 frames, max_source_positions 50).
    wh = os.path.join(d, "whisper")
    os.makedirs(wh)
    specials = ["<|endoftext|>", "<|startoftranscript|>", "<|en|>", "<|fr|>", "<|translate|>", "<|transcribe|>",
                "<|startoflm|>", "<|startofprev|>", "<|nospeech|>", "<|notimestamps|>"]
    alphabet = sorted(tokenizers.pre_tokenizers.ByteLevel.alphabet())
    bpe = tokenizers.Tokenizer(tokenizers.models.BPE(vocab={c: i for i, c in enumerate(alphabet)}, merges=[]))
    bpe.pre_tokenizer = tokenizers.pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = tokenizers.decoders.ByteLevel()
    bpe.add_special_tokens(specials)
    stamps = [f"<|{i * 0.02:.2f}|>" for i in range(51)]  # 1 s windows at 0.02 s
    bpe.add_tokens(stamps)
    tok = tf.WhisperTokenizer(tokenizer_object=bpe, unk_token="<|endoftext|>", bos_token="<|endoftext|>", eos_token="<|endoftext|>",
                              pad_token="<|endoftext|>", extra_special_tokens=specials[1:])
    tok.save_pretrained(wh)
    ids = {t: bpe.token_to_id(t) for t in specials}
    cfg = tf.WhisperConfig(vocab_size=len(alphabet) + len(specials) + len(stamps), d_model=32, encoder_layers=2, decoder_layers=2,
                           encoder_attention_heads=4, decoder_attention_heads=4, encoder_ffn_dim=64, decoder_ffn_dim=64,
                           num_mel_bins=16, max_source_positions=50, max_target_positions=40,
                           decoder_start_token_id=ids["<|startoftranscript|>"], pad_token_id=ids["<|endoftext|>"],
                           bos_token_id=ids["<|endoftext|>"], eos_token_id=ids["<|endoftext|>"], begin_suppress_tokens=[ids["<|endoftext|>"]],
                           suppress_tokens=[])
    torch.manual_seed(91)
    model = tf.WhisperForConditionalGeneration(cfg).eval()
    moderate(model, 91)
    with torch.no_grad():
        model.model.decoder.embed_tokens.weight.mul_(4)
        model.model.encoder.conv1.weight.mul_(5)
    gc = model.generation_config
    # Only letters and spaces may be generated: readable transcripts, and suppress_tokens at work.
    keep = set("abcdefghijklmnopqrstuvwxyz\u0120")
    gc.suppress_tokens = [i for i, c in enumerate(alphabet) if c not in keep] + [ids[t] for t in specials[1:]]
    gc.lang_to_id = {"<|en|>": ids["<|en|>"], "<|fr|>": ids["<|fr|>"]}
    gc.task_to_id = {"translate": ids["<|translate|>"], "transcribe": ids["<|transcribe|>"]}
    gc.no_timestamps_token_id = ids["<|notimestamps|>"]
    gc.max_length = 20
    gc.no_repeat_ngram_size = 1
    gc._from_model_config = False  # as in the real checkpoints; Python rebuilds a from-model-config one at load
    model.save_pretrained(wh)
    tf.WhisperFeatureExtractor(feature_size=16, chunk_length=1).save_pretrained(wh)
    asr = tf.pipeline("automatic-speech-recognition", model=wh)
    goldens["whisper"] = {k: asr(w.copy())["text"] for k, w in waves.items()}
    goldens["whisper-fr"] = {k: asr(w.copy(), generate_kwargs={"language": "fr"})["text"] for k, w in waves.items()}
    # Timestamps, and 2.6 s of audio: long-form over the 1 s windows.
    t = np.arange(int(2.6 * 16000)) / 16000
    long = (0.4 * np.sin(2 * np.pi * 330 * t) * (t < 1.2) + 0.3 * np.sin(2 * np.pi * 1800 * t) * (t > 1.5)
            + 0.02 * np.random.default_rng(4).standard_normal(len(t))).astype(np.float32)
    write_wav(os.path.join(d, "long.wav"), long)
    waves_ts = dict(waves, long=long)
    def chunks(r):
        return {"text": r["text"], "chunks": [{"timestamp": list(c["timestamp"]), "text": c["text"]} for c in r.get("chunks", [])]}
    goldens["whisper-timestamps"] = {k: chunks(asr(w.copy(), return_timestamps=True)) for k, w in waves_ts.items()}
    goldens["whisper-long"] = asr(long.copy())["text"]

    # Audio classification: the group-norm Wav2Vec2 classifier with named labels.
    cls = os.path.join(d, "classifier")
    shutil.copytree(os.path.join(root, "wav2vec2-base-Wav2Vec2ForSequenceClassification"), cls)
    os.remove(os.path.join(cls, "outputs.safetensors"))
    c = tf.AutoConfig.from_pretrained(cls)
    c.id2label = {0: "yes", 1: "no", 2: "maybe"}
    c.label2id = {v: k for k, v in c.id2label.items()}
    c.save_pretrained(cls)
    tf.Wav2Vec2FeatureExtractor(return_attention_mask=False).save_pretrained(cls)
    ac = tf.pipeline("audio-classification", model=cls)
    goldens["classifier"] = {k: ac(w.copy()) for k, w in waves.items()}
    goldens["classifier-top1"] = {k: ac(w.copy(), top_k=1) for k, w in waves.items()}
    with open(os.path.join(d, "goldens.json"), "w") as f:
        json.dump(goldens, f, indent=1)


if __name__ == "__main__":
    ensure_venv()
    if sys.argv[1:] == ["fallback"]:
        make_whisper_fallback(os.path.join(OUT, "speech"))
    elif sys.argv[1:] == ["words"]:
        make_whisper_word_timestamps(os.path.join(OUT, "speech"))
    else:
        main()
