#!/usr/bin/env python3
"""SentencePiece-only tokenizer folders (fixtures/spm/<name>/: a *.model file and
tokenizer_config.json, no tokenizer.json) and what transformers v5's AutoTokenizer makes of them:
ids, tokens, offsets and decodes of the edge-case corpus (golden.jsonl). The models are trained here
with the sentencepiece library: BPE with byte fallback (Llama style) and Unigram with the default
nmt_nfkc precompiled normalizer (T5 / XLM-R style). The slow classes that keep SentencePiece beside
their own vocab.json get folders too: MarianTokenizer (source.spm / target.spm, joint or separate
vocabularies, >>xx<< language codes) and M2M100Tokenizer (sentencepiece.bpe.model, __xx__ codes);
Python cannot give offsets or fast tokens for them, so their goldens hold pieces (tokenize()).
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
    ("mbart-spm", "unigram", "sentencepiece.bpe.model", {"tokenizer_class": "MBartTokenizer", "src_lang": "ro_RO"}),
    # legacy added_tokens.json beside the model: a plain added token and one that is a special token
    ("llama-added", "bpe", "tokenizer.model", {"tokenizer_class": "LlamaTokenizer", "additional_special_tokens": ["<tool>"]},
     {"added_tokens.json": {"<extra_a>": 500, "<tool>": 501, "naïve": 502}}),
    ("mbart50-spm", "unigram", "sentencepiece.bpe.model", {"tokenizer_class": "MBart50Tokenizer"}),
]
TARGET_CORPUS = ["Bonjour le monde !", "Le café est très bon.", "Das ist ein Haus.", "Wir sehen uns morgen früh.",
                 "Où est la bibliothèque ?", "Le chat noir dort sur la table de la cuisine.",
                 "Nous allons au marché avec les enfants demain.", "Die Katze schläft auf dem Tisch in der Küche."]
SLOW_EXTRA = ["ro_RO inside en_XX text<mask>", "a<extra_a>b <tool> naïve<tool>x", ">>fr<< Hello world", ">>de<<x >>fr<<", "a</s>b<unk>c<pad>", "Où est le café ?", "x </s> >>fr<< y", ">>zz<< unknown code",
              "__fr__ bonjour __de__", "<s> bos in text", "tab\there  and\u3000ideographic", "\u2581 meta \u2581"]
EXTRA = ["ro_RO inside en_XX text<mask>", "a<extra_a>b <tool> naïve<tool>x", "<s> glued</s>and <unk>  spaced", "<extra_id_3> sentinel <extra_id_0>", "x <mask> y", "\u2581\u2581 x",
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
        for name, model, file, cfg, *extra_files in CASES:
            d = os.path.join(OUT, name)
            os.makedirs(d)
            for fname, content in (extra_files[0] if extra_files else {}).items():
                with open(os.path.join(d, fname), "w") as f:
                    json.dump(content, f, ensure_ascii=False)
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


def slow_golden(tok, texts, path, separate=False):
    """With separate vocabularies decoding reads target ids, so the decode checks use text_target's."""
    with open(path, "w", encoding="utf-8") as f:
        for text in texts:
            for add in (True, False):
                ids = tok(text, add_special_tokens=add)["input_ids"]
                out = tok(text_target=text, add_special_tokens=add)["input_ids"] if separate else ids
                f.write(json.dumps({"text": text, "add_special_tokens": add, "ids": ids, "pieces": tok.tokenize(text),
                                    "decode_ids": out, "id_tokens": tok.convert_ids_to_tokens(out), "decode": tok.decode(out),
                                    "decode_skip": tok.decode(out, skip_special_tokens=True)}, ensure_ascii=False) + "\n")
        for a, b in PAIRS:
            f.write(json.dumps({"text": a, "pair": b, "add_special_tokens": True, "ids": tok(a, b)["input_ids"]}, ensure_ascii=False) + "\n")


def make_slow_vocab_cases():
    """Marian and M2M100 folders: SentencePiece models beside a vocab.json whose ids are not the models'."""
    import sentencepiece as spm
    import transformers as tf

    with tempfile.TemporaryDirectory() as tmp:
        def train(name, lines, **kw):
            path = os.path.join(tmp, name + ".txt")
            with open(path, "w", encoding="utf-8") as f:
                f.write("\n".join(lines))
            spm.SentencePieceTrainer.train(input=path, model_prefix=os.path.join(tmp, name), minloglevel=2, **kw)
            return os.path.join(tmp, name + ".model"), spm.SentencePieceProcessor(model_file=os.path.join(tmp, name + ".model"))

        src_file, src = train("source", CORPUS * 20, vocab_size=150, model_type="unigram", character_coverage=0.98)
        tgt_file, tgt = train("target", TARGET_CORPUS * 40, vocab_size=60, model_type="unigram", character_coverage=1.0,
                              normalization_rule_name="identity")
        bpe_file, bpe = train("m2m", CORPUS * 20, vocab_size=300, model_type="bpe", character_coverage=0.98)

        def pieces(sp, skip=()):
            return [sp.id_to_piece(i) for i in range(sp.get_piece_size())
                    if sp.id_to_piece(i) not in ("<unk>", "<s>", "</s>") and sp.id_to_piece(i) not in skip]

        # Marian, joint vocabulary (Marian's yaml order: </s>, <unk>, language codes, pieces, <pad>);
        # one source piece is left out so it maps to <unk>.
        joint = {"</s>": 0, "<unk>": 1, ">>fr<<": 2, ">>de<<": 3}
        for p in pieces(src, skip=("\u2581d",)) + pieces(tgt):
            joint.setdefault(p, len(joint))
        joint["<pad>"] = len(joint)
        # Marian with separate vocabularies: each side's own pieces.
        src_vocab = {"</s>": 0, "<unk>": 1}
        for p in pieces(src):
            src_vocab.setdefault(p, len(src_vocab))
        src_vocab["<pad>"] = len(src_vocab)
        tgt_vocab = {"</s>": 0, "<unk>": 1}
        for p in pieces(tgt):
            tgt_vocab.setdefault(p, len(tgt_vocab))
        tgt_vocab["<pad>"] = len(tgt_vocab)
        # M2M100: fairseq's <s> <pad> </s> <unk>, then the pieces (one left out).
        m2m_vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
        for p in pieces(bpe, skip=("\u2581t",)):
            m2m_vocab.setdefault(p, len(m2m_vocab))

        cases = [
            ("marian", {"source.spm": src_file, "target.spm": tgt_file}, {"vocab.json": joint},
             {"source_lang": "en", "target_lang": "fr", "model_max_length": 512}, {"model_type": "marian"}),
            ("marian-separate", {"source.spm": src_file, "target.spm": tgt_file}, {"vocab.json": src_vocab, "target_vocab.json": tgt_vocab},
             {"tokenizer_class": "MarianTokenizer", "separate_vocabs": True}, None),
            ("m2m100", {"sentencepiece.bpe.model": bpe_file}, {"vocab.json": m2m_vocab},
             {"tokenizer_class": "M2M100Tokenizer", "src_lang": "fr", "tgt_lang": "de", "language_codes": "m2m100"}, None),
        ]
        for name, models, vocabs, cfg, config in cases:
            d = os.path.join(OUT, name)
            os.makedirs(d)
            for file, src_path in models.items():
                shutil.copy(src_path, os.path.join(d, file))
            for file, v in vocabs.items():
                with open(os.path.join(d, file), "w", encoding="utf-8") as f:
                    json.dump(v, f, ensure_ascii=False, indent=0)
            with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
                json.dump(cfg, f, indent=1)
            if config:
                with open(os.path.join(d, "config.json"), "w") as f:
                    json.dump(config, f, indent=1)
            tok = tf.AutoTokenizer.from_pretrained(d)
            slow_golden(tok, CORPUS + EXTRA + SLOW_EXTRA, os.path.join(d, "golden.jsonl"), separate="target_vocab.json" in vocabs)
            if name == "m2m100":
                # Switching languages: src_lang for inputs, get_lang_id for forced_bos_token_id.
                lines = []
                for lang in ("en", "de", "zh"):
                    tok.src_lang = lang
                    lines.append({"src_lang": lang, "text": "Hello world!", "ids": tok("Hello world!")["input_ids"],
                                  "lang_id": tok.get_lang_id(lang)})
                with open(os.path.join(d, "languages.json"), "w") as f:
                    json.dump(lines, f, indent=1)
            print(name, type(tok).__name__, len(tok), tok("Hello world!")["input_ids"])
        make_language_cases(src_file)


def make_language_cases(model_file):
    """mBART / mBART-50 folders as save_pretrained writes them (tokenizer.json + tokenizer_config.json):
    the class puts the source language's code after (mBART) or before (mBART-50) the text, whatever
    tokenizer.json's own post-processor says. languages.json: inputs per src_lang, and token ids."""
    import transformers as tf

    for name, cls in [("mbart", "MBartTokenizer"), ("mbart50", "MBart50Tokenizer")]:
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copy(model_file, os.path.join(tmp, "sentencepiece.bpe.model"))
            with open(os.path.join(tmp, "tokenizer_config.json"), "w") as f:
                json.dump({"tokenizer_class": cls}, f)
            d = os.path.join(OUT, name)
            tf.AutoTokenizer.from_pretrained(tmp).save_pretrained(d)
        tok = tf.AutoTokenizer.from_pretrained(d)
        lines = []
        for lang in (None, "ro_RO", "de_DE", "en_XX"):
            if lang:
                tok.src_lang = lang
            lines.append({"src_lang": lang, "ids": tok("Hello world!")["input_ids"], "pair": tok("Hello", "world")["input_ids"],
                          "lang_id": tok.convert_tokens_to_ids(lang or "en_XX")})
        with open(os.path.join(d, "languages.json"), "w") as f:
            json.dump(lines, f, indent=1)
        print(name, lines[1])


def make_target_cases():
    """text_target on the translation tokenizers already in fixtures/spm: targets.json, each case the
    languages set before the call, the call's arguments and what it returns (labels beside inputs,
    or the targets' own encoding without text). Reads the folders only, so it can run alone."""
    import transformers as tf

    src = ["Hello world!", "The black cat sleeps on the kitchen table."]
    tgt = TARGET_CORPUS[:2]
    calls = [
        ({}, {"text": src, "text_target": tgt}),
        ({}, {"text": src, "text_target": tgt, "padding": "longest"}),
        ({}, {"text_target": tgt, "padding": "longest"}),
        ({}, {"text": src, "text_target": TARGET_CORPUS[5:7], "truncation": True, "max_length": 6, "max_target_length": 4}),
        ({}, {"text": [">>fr<< " + src[0]], "text_target": [TARGET_CORPUS[4]], "add_special_tokens": False}),
    ]
    langs = {"m2m100": [{"src_lang": "en", "tgt_lang": "zh"}], "mbart": [{"src_lang": "ro_RO", "tgt_lang": "de_DE"}],
             "mbart50": [{"src_lang": "de_DE", "tgt_lang": "ro_RO"}]}
    for name in ("marian", "marian-separate", "m2m100", "mbart", "mbart50"):
        d = os.path.join(OUT, name)
        tok = tf.AutoTokenizer.from_pretrained(d)
        lines = []
        for set_langs, kw in calls + [(l, calls[1][1]) for l in langs.get(name, [])]:
            for k, v in set_langs.items():
                setattr(tok, k, v)
            out = tok(**kw)
            lines.append({"set": set_langs, "kwargs": kw, "output": {k: list(v) for k, v in out.items()}})
        with open(os.path.join(d, "targets.json"), "w", encoding="utf-8") as f:
            json.dump(lines, f, ensure_ascii=False, indent=1)
        print(name, "targets", lines[0]["output"].get("labels"))


if __name__ == "__main__":
    make_fixtures.ensure_venv()
    if sys.argv[1:] != ["targets"]:
        main()
        make_slow_vocab_cases()
    make_target_cases()
