#!/usr/bin/env python3
"""NllbTokenizer parity fixtures (fixtures/nllb/<name>/): transformers v5 rebuilds the NLLB pipeline
from tokenizer.json's BPE vocabulary and merges alone (fuse_unk on, byte fallback off, no dropout;
the Precompiled charsmap, if any, then " {2,}" -> " "; Metaspace "always" pre-tokenizer and decoder),
whatever else the file says, and frames the text with language codes (src_lang / tgt_lang; suffix
with legacy_behaviour). The folders' tokenizer.json files are deliberately edited away from that
pipeline (a Lowercase normalizer, whitespace split, fuse_unk off, ignore_merges on) so that only a
rebuild gives Python's ids. golden.jsonl: ids / tokens / decodes of the tokenizer corpus;
languages.json: src_lang / tgt_lang framings and text_target. tests/test_nllb_tokenizer.cpp reads them.
Run in the pinned venv:  ~/.venvs/tcpp/bin/python scripts/make_nllb_fixtures.py
"""
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_tokenizer_fixtures import CORPUS, PAIRS  # noqa: E402

import transformers as tf  # noqa: E402
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "nllb")
EXTRA = ["fra_Latn inside eng_Latn text<mask>", "x <mask> y", "a</s>b<unk>c<pad> <s>", "日本語 and ɑɛ unknown runs", "UPPER Case Stays",
         "two  spaces   three", "\u2581 meta \u2581\u2581"]
CASES = [("nllb", {}), ("nllb-legacy-fra", {"legacy_behaviour": True, "src_lang": "fra_Latn", "tgt_lang": "deu_Latn"})]


def train():
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=["<s>", "<pad>", "</s>", "<unk>"], show_progress=False)
    tok.train_from_iterator([t for t in CORPUS if "日" not in t] * 5, trainer)
    j = json.loads(tok.to_str())
    return j["model"]["vocab"], [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in j["model"]["merges"]]


def main():
    print("transformers", tf.__version__)
    shutil.rmtree(OUT, ignore_errors=True)
    vocab, merges = train()
    for name, cfg in CASES:
        d = os.path.join(OUT, name)
        with tempfile.TemporaryDirectory() as tmp:
            tf.NllbTokenizer(vocab=dict(vocab), merges=list(merges), **cfg).save_pretrained(tmp)
            shutil.copytree(tmp, d)
        # tokenizer.json away from the class pipeline: Python rebuilds it from the vocabulary.
        path = os.path.join(d, "tokenizer.json")
        with open(path, encoding="utf-8") as f:
            j = json.load(f)
        j["normalizer"] = {"type": "Lowercase"}
        j["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [{"type": "WhitespaceSplit"},
                                                                    {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "never", "split": True}]}
        j["decoder"] = {"type": "Fuse"}
        j["model"]["fuse_unk"] = False
        j["model"]["ignore_merges"] = True
        with open(path, "w", encoding="utf-8") as f:
            json.dump(j, f, ensure_ascii=False, indent=1)
        for aux in ("special_tokens_map.json",):
            if os.path.exists(os.path.join(d, aux)):
                os.remove(os.path.join(d, aux))
        tok = tf.AutoTokenizer.from_pretrained(d)
        assert type(tok).__name__ == "NllbTokenizer", type(tok).__name__
        lines = []
        for text in CORPUS + EXTRA:
            for add in (True, False):
                e = tok(text, add_special_tokens=add)
                lines.append({"text": text, "add_special_tokens": add, "ids": e["input_ids"], "tokens": e.tokens(),
                              "decode": tok.decode(e["input_ids"]), "decode_skip": tok.decode(e["input_ids"], skip_special_tokens=True)})
        for a, b in PAIRS:
            lines.append({"text": a, "pair": b, "add_special_tokens": True, "ids": tok(a, b)["input_ids"]})
        with open(os.path.join(d, "golden.jsonl"), "w", encoding="utf-8") as f:
            for line in lines:
                f.write(json.dumps(line, ensure_ascii=False) + "\n")
        langs = []
        for src, tgt in [(None, None), ("deu_Latn", "zho_Hans"), ("eng_Latn", "fra_Latn")]:
            if src:
                tok.src_lang, tok.tgt_lang = src, tgt
            out = tok(["Hello world!", "The black cat."], text_target=["Bonjour le monde !", "Le chat."])
            langs.append({"src_lang": src, "tgt_lang": tgt, "ids": tok("Hello world!")["input_ids"], "pair": tok("Hello", "world")["input_ids"],
                          "lang_id": tok.convert_tokens_to_ids(src or tok.src_lang), "input_ids": out["input_ids"], "labels": out["labels"]})
        with open(os.path.join(d, "languages.json"), "w", encoding="utf-8") as f:
            json.dump(langs, f, indent=1)
        print(name, len(tok), tok("Hello world!")["input_ids"], langs[1]["labels"][0])


if __name__ == "__main__":
    main()
