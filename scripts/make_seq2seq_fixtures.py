#!/usr/bin/env python3
"""Encoder-decoder parity fixtures: a tiny random checkpoint per architecture (fixtures/seq2seq/<arch>/)
with the logits and encoder states Python transformers computes on a padded batch, the sequences its
generate() returns for greedy, beam and processor-heavy settings (generate.json), and the task heads
(fixtures/seq2seq/index.json).
Run:  python3 scripts/make_seq2seq_fixtures.py   (same venv and pins as make_fixtures.py)
"""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import OUT, ensure_venv, spread_weights  # noqa: E402

V = 256


def main():
    import torch
    import transformers as tf
    from safetensors.torch import save_file

    root = os.path.join(OUT, "seq2seq")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    bart = dict(vocab_size=V, d_model=32, encoder_layers=2, decoder_layers=2, encoder_attention_heads=4, decoder_attention_heads=4,
                encoder_ffn_dim=64, decoder_ffn_dim=64, max_position_embeddings=64)
    t5 = dict(vocab_size=V, d_model=32, d_kv=8, d_ff=64, num_layers=2, num_heads=4, relative_attention_num_buckets=8,
              relative_attention_max_distance=20, decoder_start_token_id=0)
    archs = {
        # (config class, kwargs, pad, eos, decoder start)
        "bart": (tf.BartConfig, dict(bart), 1, 2, 2),
        "mbart": (tf.MBartConfig, dict(bart, scale_embedding=True, decoder_start_token_id=2), 1, 2, 2),
        "marian": (tf.MarianConfig, dict(bart, pad_token_id=255, eos_token_id=0, decoder_start_token_id=255, forced_eos_token_id=0,
                                         scale_embedding=True, activation_function="swish"), 255, 0, 255),
        "marian-separate": (tf.MarianConfig, dict(bart, vocab_size=300, decoder_vocab_size=V, share_encoder_decoder_embeddings=False,
                                                  pad_token_id=255, eos_token_id=0, decoder_start_token_id=255, forced_eos_token_id=0,
                                                  scale_embedding=True), 255, 0, 255),
        "pegasus": (tf.PegasusConfig, dict(bart, scale_embedding=True), 0, 1, 0),
        "m2m_100": (tf.M2M100Config, dict(bart, encoder_layerdrop=0.0, decoder_layerdrop=0.0), 1, 2, 2),
        "t5": (tf.T5Config, dict(t5, feed_forward_proj="relu"), 0, 1, 0),
        "t5-v1_1": (tf.T5Config, dict(t5, feed_forward_proj="gated-gelu", tie_word_embeddings=False), 0, 1, 0),
    }

    def inputs(pad, eos, start):
        ids = torch.tensor([[5, 17, 200, 33, 99, 4, eos], [45, 88, 6, eos, pad, pad, pad]])
        dec = torch.tensor([[start, 7, 19, 23, 150], [start, 9, 150, 11, 12]])
        return ids, (ids != pad).long(), dec

    spread = spread_weights

    def gen_cases(model, ids, mask):
        cases = [
            ("greedy", dict(max_new_tokens=10, do_sample=False)),
            ("beam", dict(max_new_tokens=8, num_beams=3, num_return_sequences=2, do_sample=False)),
            ("beam_lp", dict(max_new_tokens=6, num_beams=4, length_penalty=0.5, early_stopping=True, do_sample=False)),
            ("processors", dict(max_new_tokens=10, do_sample=False, repetition_penalty=1.3, no_repeat_ngram_size=2,
                                bad_words_ids=[[17], [45, 88]], min_new_tokens=3)),
            ("forced", dict(max_length=8, min_length=5, do_sample=False, forced_bos_token_id=7, forced_eos_token_id=9)),
        ]
        with torch.no_grad():
            base = model.generate(ids, attention_mask=mask, max_new_tokens=10, do_sample=False, eos_token_id=None,
                                  forced_eos_token_id=None)
        eos = int(base[0, 4])
        cases.append(("eos", dict(max_new_tokens=10, do_sample=False, eos_token_id=[eos, 3])))
        cases.append(("beam_eos", dict(max_new_tokens=8, num_beams=3, do_sample=False, eos_token_id=eos)))
        out = []
        for name, kw in cases:
            with torch.no_grad():
                seq = model.generate(ids, attention_mask=mask, **kw)
            out.append({"name": name, "kwargs": kw, "sequences": seq.tolist()})
        return out

    for seed, (arch, (cls, kw, pad, eos, start)) in enumerate(archs.items(), start=1):
        torch.manual_seed(seed)
        if cls is not tf.T5Config:
            kw = dict(kw, pad_token_id=pad, eos_token_id=eos)
        cfg = cls(**kw)
        model = tf.AutoModelForSeq2SeqLM.from_config(cfg, attn_implementation="eager").eval()
        spread(model, seed)
        model.generation_config.pad_token_id = pad
        d = os.path.join(root, arch)
        os.makedirs(d)
        model.save_pretrained(d)
        ids, mask, dec = inputs(pad, eos, start)
        with torch.no_grad():
            out = model(input_ids=ids, attention_mask=mask, decoder_input_ids=dec)
        save_file({"input_ids": ids, "attention_mask": mask, "decoder_input_ids": dec}, os.path.join(d, "inputs.safetensors"))
        save_file({"logits": out.logits.contiguous(), "encoder_last_hidden_state": out.encoder_last_hidden_state.contiguous()},
                  os.path.join(d, "outputs.safetensors"))
        with open(os.path.join(d, "generate.json"), "w") as f:
            json.dump({"class": type(model).__name__, "cases": gen_cases(model, ids, mask)}, f, indent=1)
        print(arch, type(model).__name__)

    # The other Auto classes: base models, encoder-only, classification and QA heads.
    index = []
    heads = [("bart", "AutoModel", "BartModel", False), ("bart", "AutoModelForSequenceClassification", "BartForSequenceClassification", False),
             ("bart", "AutoModelForQuestionAnswering", "BartForQuestionAnswering", False), ("mbart", "AutoModel", "MBartModel", False),
             ("mbart", "AutoModelForSequenceClassification", "MBartForSequenceClassification", False),
             ("marian", "AutoModel", "MarianModel", True), ("pegasus", "AutoModel", "PegasusModel", True),
             ("m2m_100", "AutoModel", "M2M100Model", True), ("t5", "AutoModel", "T5Model", True),
             ("t5", "AutoModelForTextEncoding", "T5EncoderModel", False),
             ("t5-v1_1", "AutoModelForSequenceClassification", "T5ForSequenceClassification", False),
             ("t5", "AutoModelForQuestionAnswering", "T5ForQuestionAnswering", False),
             ("t5", "AutoModelForTokenClassification", "T5ForTokenClassification", False)]
    for i, (arch, auto_class, cls_name, with_decoder) in enumerate(heads):
        torch.manual_seed(100 + i)
        cls, kw, pad, eos, start = archs[arch]
        if cls is not tf.T5Config:
            kw = dict(kw, pad_token_id=pad, eos_token_id=eos)
        cfg = cls(**kw, num_labels=2 if "Question" in cls_name else 3)
        model = getattr(tf, cls_name)(cfg)
        model.set_attn_implementation("eager")
        model.eval()
        spread(model, 100 + i)
        d = os.path.join(root, "heads", f"{arch}-{cls_name}")
        os.makedirs(d)
        model.save_pretrained(d)
        ids, mask, dec = inputs(pad, eos, start)
        feed = {"input_ids": ids, "attention_mask": mask}
        if with_decoder:
            feed["decoder_input_ids"] = dec
        with torch.no_grad():
            out = model(**feed)
        flat = {k: v.float().contiguous() for k, v in out.items() if isinstance(v, torch.Tensor)}
        save_file(feed, os.path.join(d, "inputs.safetensors"))
        save_file(flat, os.path.join(d, "outputs.safetensors"))
        index.append({"dir": f"heads/{arch}-{cls_name}", "auto_class": auto_class, "class": cls_name, "outputs": sorted(flat)})
    with open(os.path.join(root, "index.json"), "w") as f:
        json.dump(index, f, indent=1)
    make_text2text(root, spread, dict(t5, vocab_size=237))
    make_translation(root, spread, {k: v for k, v in bart.items() if k != "vocab_size"})
    make_whisper(root, spread)
    whisper_prompt_ids(root)


OUT_SPEECH_WHISPER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures", "speech", "pipelines", "whisper")


def whisper_prompt_ids(root):
    """WhisperTokenizer.get_prompt_ids on the speech fixtures' Whisper tokenizer."""
    import transformers as tf

    tok = tf.WhisperTokenizer.from_pretrained(os.path.join(OUT_SPEECH_WHISPER))
    texts = ["Hello world", "  leading and trailing spaces  ", "Ünïcödé, punctuation!"]
    with open(os.path.join(root, "whisper", "prompt_ids.json"), "w") as f:
        json.dump({"tokenizer": "speech/pipelines/whisper", "cases": [{"text": t, "ids": tok.get_prompt_ids(t).tolist()} for t in texts]}, f,
                  indent=1, ensure_ascii=False)


def make_whisper(root, spread):
    """Whisper on random log-mel features (16 bins, 50 frames): logits and encoder states, the base
    model, and generate() sequences (Whisper's generate returns the tokens after its prompt)."""
    import torch
    import transformers as tf
    from safetensors.torch import save_file

    cfg = tf.WhisperConfig(vocab_size=256, d_model=32, encoder_layers=2, decoder_layers=2, encoder_attention_heads=4,
                           decoder_attention_heads=4, encoder_ffn_dim=64, decoder_ffn_dim=64, num_mel_bins=16, max_source_positions=25,
                           max_target_positions=64, decoder_start_token_id=250, pad_token_id=255, bos_token_id=251, eos_token_id=251,
                           begin_suppress_tokens=[220, 251], suppress_tokens=[5, 6])
    g = torch.Generator().manual_seed(9)
    feats = torch.randn(2, 16, 50, generator=g)
    dec = torch.tensor([[250, 7, 19, 23, 150], [250, 9, 150, 11, 12]])
    for seed, cls in [(41, tf.WhisperForConditionalGeneration), (42, tf.WhisperModel)]:
        torch.manual_seed(seed)
        model = cls(cfg).eval()
        model.set_attn_implementation("eager")
        spread(model, seed)
        d = os.path.join(root, "whisper" if cls is tf.WhisperForConditionalGeneration else "heads/whisper-WhisperModel")
        os.makedirs(d)
        model.save_pretrained(d)
        with torch.no_grad():
            out = model(input_features=feats, decoder_input_ids=dec)
        save_file({"input_features": feats, "decoder_input_ids": dec}, os.path.join(d, "inputs.safetensors"))
        save_file({k: v.float().contiguous() for k, v in out.items() if isinstance(v, torch.Tensor)}, os.path.join(d, "outputs.safetensors"))
        if cls is tf.WhisperModel:
            break
        cases = [("greedy", dict(max_new_tokens=10)), ("beam", dict(max_new_tokens=8, num_beams=3, num_return_sequences=2)),
                 ("processors", dict(max_new_tokens=10, repetition_penalty=1.3, no_repeat_ngram_size=2)),
                 ("prompt_ids", dict(max_new_tokens=8, prompt_ids=[252, 17, 33, 40, 41]))]
        res = []
        for name, kw in cases:
            call = {k: torch.tensor(v) if k == "prompt_ids" else v for k, v in kw.items()}
            with torch.no_grad():
                seq = model.generate(feats, **call)
            res.append({"name": name, "kwargs": kw, "sequences": seq.tolist()})
        with open(os.path.join(d, "generate.json"), "w") as f:
            json.dump({"class": type(model).__name__, "cases": res}, f, indent=1)
    with open(os.path.join(root, "index.json")) as f:
        index = json.load(f)
    index.append({"dir": "heads/whisper-WhisperModel", "auto_class": "AutoModel", "class": "WhisperModel",
                  "outputs": ["encoder_last_hidden_state", "last_hidden_state"]})
    with open(os.path.join(root, "index.json"), "w") as f:
        json.dump(index, f, indent=1)


def make_text2text(root, spread, t5):
    """A T5 over the trained T5-style Unigram tokenizer with task_specific_params: goldens computed the
    way transformers v4's text2text / summarization / translation pipelines did (prefix, task
    generation settings, decode with skip_special_tokens)."""
    import torch
    import transformers as tf

    d = os.path.join(root, "text2text")
    os.makedirs(d)
    tok_dir = os.path.join(OUT, "tokenizers", "unigram-metaspace")
    for f in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(os.path.join(tok_dir, f), d)
    tasks = {"summarization": {"prefix": "summarize: ", "max_length": 12, "num_beams": 2, "no_repeat_ngram_size": 2},
             "translation_en_to_de": {"prefix": "translate English to German: ", "max_length": 10}}
    torch.manual_seed(55)
    model = tf.T5ForConditionalGeneration(tf.T5Config(**t5, task_specific_params=tasks)).eval()
    spread(model, 21)
    model.save_pretrained(d)
    tok = tf.AutoTokenizer.from_pretrained(d)
    texts = ["the quick brown fox jumps over the lazy dog", "hello world"]
    golden = {}
    for task, params in [("text2text-generation", {}), *tasks.items()]:
        params = dict(params)
        prefix = params.pop("prefix", "")
        outs = []
        for t in texts:
            ids = tok(prefix + t, return_tensors="pt").input_ids
            with torch.no_grad():
                seq = model.generate(ids, **({"max_new_tokens": 8} if not params else params))
            outs.append(tok.decode(seq[0], skip_special_tokens=True, clean_up_tokenization_spaces=False))
        golden[task] = outs
    with open(os.path.join(d, "golden.json"), "w") as f:
        json.dump({"texts": texts, "outputs": golden}, f, indent=1)


def make_translation(root, spread, bart):
    """Hub-layout translation folders: a tiny Marian over the Marian tokenizer files (source.spm,
    target.spm, vocab.json) and a tiny M2M100 over M2M100's (sentencepiece.bpe.model, vocab.json), from
    fixtures/spm. Goldens as transformers v4's TranslationPipeline computed them: M2M100 through
    _build_translation_inputs (src_lang's code first, forced_bos_token_id = get_lang_id(tgt_lang)),
    Marian straight; generate(max_new_tokens=8), decode with skip_special_tokens."""
    import torch
    import transformers as tf

    texts = ["Hello world!", "The year 2024 had 366 days.", "naïve café"]
    spm_dir = os.path.join(OUT, "spm")
    cases = [
        ("translation-marian", "marian", tf.MarianMTModel,
         lambda n: tf.MarianConfig(**dict(bart, vocab_size=n, pad_token_id=n - 1, eos_token_id=0, decoder_start_token_id=n - 1,
                                          forced_eos_token_id=0, scale_embedding=True)), []),
        ("translation-m2m100", "m2m100", tf.M2M100ForConditionalGeneration,
         lambda n: tf.M2M100Config(**dict(bart, vocab_size=n + 100, encoder_layerdrop=0.0, decoder_layerdrop=0.0, pad_token_id=1,
                                          bos_token_id=0, eos_token_id=2, decoder_start_token_id=2)), [("fr", "de"), ("en", "zh")]),
    ]
    for name, tok_name, cls, config, langs in cases:
        d = os.path.join(root, name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        src = os.path.join(spm_dir, tok_name)
        for f in os.listdir(src):
            if f not in ("golden.jsonl", "languages.json", "config.json"):
                shutil.copy(os.path.join(src, f), d)
        tok = tf.AutoTokenizer.from_pretrained(src)
        torch.manual_seed(21)
        model = cls(config(len(tok.get_vocab()) if tok_name == "marian" else len(tok.encoder))).eval()
        spread(model, 21)
        model.save_pretrained(d)
        golden = []
        for pair in langs or [(None, None)]:
            outs = []
            for t in texts:
                kw = {}
                if pair[0]:
                    tok.src_lang = pair[0]
                    kw["forced_bos_token_id"] = tok.get_lang_id(pair[1])
                enc = tok(t, return_tensors="pt")
                with torch.no_grad():
                    seq = model.generate(**enc, max_new_tokens=8, do_sample=False, **kw)
                outs.append({"input_ids": enc["input_ids"][0].tolist(), "sequence": seq[0].tolist(),
                             "translation_text": tok.decode(seq[0], skip_special_tokens=True)})
            golden.append({"src_lang": pair[0], "tgt_lang": pair[1], "outputs": outs})
        with open(os.path.join(d, "golden.json"), "w") as f:
            json.dump({"texts": texts, "cases": golden}, f, indent=1, ensure_ascii=False)
        print(name, golden[0]["outputs"][0])


if __name__ == "__main__":
    ensure_venv()
    if sys.argv[1:] == ["translation"]:
        import make_fixtures
        make_translation(os.path.join(OUT, "seq2seq"), spread_weights,
                         dict(d_model=32, encoder_layers=2, decoder_layers=2, encoder_attention_heads=4, decoder_attention_heads=4,
                              encoder_ffn_dim=64, decoder_ffn_dim=64, max_position_embeddings=64))
    else:
        main()
