#!/usr/bin/env python3
"""SentencePiece-only tokenizer folders (fixtures/spm/<name>/: a *.model file and
tokenizer_config.json, no tokenizer.json) and what transformers v5's AutoTokenizer makes of them:
ids, tokens, offsets and decodes of the edge-case corpus (golden.jsonl). The models are trained here
with the sentencepiece library: BPE with byte fallback (Llama style) and Unigram with the default
nmt_nfkc precompiled normalizer (T5 / XLM-R style).
Run:  python3 scripts/make_spm_fixtures.py   (same venv and pins as make_fixtures.py)
"""
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures  # noqa: E402
from make_tokenizer_fixtures import CORPUS, PAIRS  # noqa: E402

OUT = os.path.join(make_fixtures.ROOT, "fixtures", "spm")
CASES = [
    # name, trained model, file name, tokenizer_config.json
    ("llama", "bpe", "tokenizer.model", {"tokenizer_class": "LlamaTokenizer"}),
    ("llama-bos-legacy", "bpe", "tokenizer.model", {"tokenizer_class": "LlamaTokenizerFast", "add_bos_token": True, "add_eos_token": True,
                                                     "legacy": True}),
    ("t5", "unigram", "spiece.model", {"tokenizer_class": "T5Tokenizer", "extra_ids": 10}),
    ("xlmr", "unigram", "sentencepiece.bpe.model", {"tokenizer_class": "XLMRobertaTokenizer"}),
    ("albert", "albert", "spiece.model", {"tokenizer_class": "AlbertTokenizer"}),
    ("camembert", "unigram", "sentencepiece.bpe.model", {"tokenizer_class": "CamembertTokenizer"}),
    ("albert-cased-accents", "albert", "spiece.model", {"tokenizer_class": "AlbertTokenizerFast", "do_lower_case": False, "keep_accents": True}),
]
EXTRA = ["<s> glued</s>and <unk>  spaced", "<extra_id_3> sentinel <extra_id_0>", "x <mask> y", "\u2581\u2581 x",
         "``Quoted'' [MASK] and [CLS]x[SEP] Ünïcödé"]


def main():
    import sentencepiece as spm
    import transformers as tf

    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "corpus.txt")
        with open(corpus, "w", encoding="utf-8") as f:
            f.write("\n".join(CORPUS * 20))
        spm.SentencePieceTrainer.train(input=corpus, model_prefix=os.path.join(tmp, "bpe"), vocab_size=500, model_type="bpe",
                                       byte_fallback=True, character_coverage=0.98, minloglevel=2)
        spm.SentencePieceTrainer.train(input=corpus, model_prefix=os.path.join(tmp, "unigram"), vocab_size=180, model_type="unigram",
                                       character_coverage=0.98, minloglevel=2)
        # ALBERT's layout: <pad> 0, <unk> 1, [CLS] / [SEP] control pieces, [MASK] user-defined.
        spm.SentencePieceTrainer.train(input=corpus, model_prefix=os.path.join(tmp, "albert"), vocab_size=180, model_type="unigram",
                                       character_coverage=0.98, minloglevel=2, pad_id=0, unk_id=1, bos_id=-1, eos_id=-1,
                                       control_symbols=["[CLS]", "[SEP]"], user_defined_symbols=["[MASK]"])
        for name, model, file, cfg in CASES:
            d = os.path.join(OUT, name)
            os.makedirs(d)
            shutil.copy(os.path.join(tmp, model + ".model"), os.path.join(d, file))
            with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
                json.dump(cfg, f, indent=1)
            tok = tf.AutoTokenizer.from_pretrained(d)
            lines = []
            for text in CORPUS + EXTRA:
                for add in (True, False):
                    e = tok(text, add_special_tokens=add, return_offsets_mapping=True)
                    lines.append({"text": text, "add_special_tokens": add, "ids": e["input_ids"],
                                  "tokens": e.tokens(), "offsets": [list(o) for o in e["offset_mapping"]],
                                  "decode": tok.decode(e["input_ids"]), "decode_skip": tok.decode(e["input_ids"], skip_special_tokens=True)})
            for a, b in PAIRS:
                e = tok(a, b)
                lines.append({"text": a, "pair": b, "add_special_tokens": True, "ids": e["input_ids"],
                              "tokens": e.tokens()})
            with open(os.path.join(d, "golden.jsonl"), "w", encoding="utf-8") as f:
                for line in lines:
                    f.write(json.dumps(line, ensure_ascii=False) + "\n")
            print(name, type(tok).__name__, len(tok), tok("Hello world!")["input_ids"])
            if name == "llama":
                # The same pipeline as a tokenizer.json whose config asks for eos: v5 keeps the file's
                # post-processor (add_bos_token / add_eos_token shape only pipelines built from *.model).
                j = os.path.join(OUT, "json-add-eos")
                os.makedirs(j)
                tok.backend_tokenizer.save(os.path.join(j, "tokenizer.json"))
                with open(os.path.join(j, "tokenizer_config.json"), "w") as f:
                    json.dump({"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
                               "add_bos_token": False, "add_eos_token": True}, f, indent=1)
                jt = tf.AutoTokenizer.from_pretrained(j)
                with open(os.path.join(j, "golden.jsonl"), "w", encoding="utf-8") as f:
                    for text in CORPUS[:6] + EXTRA:
                        e = jt(text, return_offsets_mapping=True)
                        f.write(json.dumps({"text": text, "add_special_tokens": True, "ids": e["input_ids"], "tokens": e.tokens(),
                                            "offsets": [list(o) for o in e["offset_mapping"]]}, ensure_ascii=False) + "\n")
                    for a, b in PAIRS:
                        e = jt(a, b)
                        f.write(json.dumps({"text": a, "pair": b, "add_special_tokens": True, "ids": e["input_ids"], "tokens": e.tokens(),
                                            "type_ids": e["token_type_ids"] if "token_type_ids" in e else None}, ensure_ascii=False) + "\n")
                print("json-add-eos", jt("Hello world!")["input_ids"], jt("a", "b")["input_ids"])


if __name__ == "__main__":
    make_fixtures.ensure_venv()
    main()
