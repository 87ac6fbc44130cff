#!/usr/bin/env python3
"""Golden outputs for the tokenizer tests, from the Python `tokenizers` library (the reference
for tokenizer.json semantics) on an edge-case corpus. Writes fixtures/tokenizers/<name>/:
  tokenizer.json + tokenizer_config.json (trained or real ones; the Qwen3 / Llama 2 files stay in
  ../shared/data and are extracted by the tests), golden.jsonl (one line per case) and
  batch.jsonl (padded / truncated batches). Run through scripts/make_fixtures.py's venv:
  python3 scripts/make_tokenizer_fixtures.py [path/to/all-MiniLM-L6-v2 folder]
"""
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures  # noqa: E402  (venv bootstrap and pins)

ROOT = make_fixtures.ROOT
OUT = os.path.join(ROOT, "fixtures", "tokenizers")
SHARED = os.path.join(ROOT, "..", "shared", "data", "tokenizers-qwen3-llama2.tar.xz")

CORPUS = [
    "Hello world!",
    "",
    " ",
    "   leading and trailing spaces   ",
    "multiple    spaces\tand\ttabs\r\nand CRLF\n\nnewlines",
    "Don't you'LL we'VE it's I'm THEY'RE",
    "The year 2024 had 366 days; 1234567890 digits.",
    "naïve café résumé Ångström",
    "Straße ΣΊΣΥΦΟΣ İstanbul",
    "日本語のテキストと中文字符。",
    "한국어 텍스트",
    "Русский текст, и ещё немного.",
    "مرحبا بالعالم",
    "emoji 😀 family 👨‍👩‍👧 flags 🇫🇷",
    "ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３",
    "combining: e\u0301 a\u0308 n\u0303",
    "zero\u200bwidth\u200djoiner\ufeffbom",
    "x" * 120,
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "email@example.com https://example.com/path?q=1&r=2",
    "C++ code: int main() { return 0; }",
    "   \n  ",
    "a\u00a0b\u2003c\u3000d",
    "unassigned \U000e0100 and \U0010fffd private",
]
PAIRS = [("How old are you?", "I am 6 years old."), ("Short", "A much longer second sequence that goes on and on"),
         ("", "only the pair")]


def golden_line(tok, text, pair=None, add_special=True):
    e = tok.encode(text, pair, add_special_tokens=add_special)
    return {"text": text, **({"pair": pair} if pair is not None else {}), "add_special_tokens": add_special,
            "ids": e.ids, "tokens": e.tokens, "offsets": [list(o) for o in e.offsets],
            "attention_mask": e.attention_mask, "type_ids": e.type_ids,
            "special_tokens_mask": e.special_tokens_mask,
            "word_ids": e.word_ids,
            "decode": tok.decode(e.ids, skip_special_tokens=False),
            "decode_skip": tok.decode(e.ids, skip_special_tokens=True)}


def write_goldens(name, tok_path, extra_cases=()):
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(tok_path)
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "golden.jsonl"), "w", encoding="utf-8") as f:
        for t in list(CORPUS) + list(extra_cases):
            f.write(json.dumps(golden_line(tok, t), ensure_ascii=False) + "\n")
            f.write(json.dumps(golden_line(tok, t, add_special=False), ensure_ascii=False) + "\n")
        for a, b in PAIRS:
            f.write(json.dumps(golden_line(tok, a, b), ensure_ascii=False) + "\n")
    # Batches: padding longest, truncation with stride and overflow, left padding.
    pad_token = next((t for t in ["[PAD]", "<pad>", "<|endoftext|>", "<unk>"] if tok.token_to_id(t) is not None), None)
    with open(os.path.join(d, "batch.jsonl"), "w", encoding="utf-8") as f:
        texts = [CORPUS[0], CORPUS[5], CORPUS[6], CORPUS[7]]
        for cfg in [dict(pad="right", trunc=None), dict(pad="left", trunc=None),
                    dict(pad="right", trunc=("longest_first", 8, 0)), dict(pad="right", trunc=("longest_first", 9, 3))]:
            tok.no_padding()
            tok.no_truncation()
            tok.enable_padding(direction=cfg["pad"], pad_id=tok.token_to_id(pad_token), pad_token=pad_token)
            if cfg["trunc"]:
                tok.enable_truncation(max_length=cfg["trunc"][1], stride=cfg["trunc"][2], strategy=cfg["trunc"][0])
            encs = tok.encode_batch(texts)
            f.write(json.dumps({"texts": texts, "padding_side": cfg["pad"], "pad_token": pad_token,
                                "truncation": cfg["trunc"],
                                "rows": [{"ids": e.ids, "attention_mask": e.attention_mask, "type_ids": e.type_ids,
                                          "overflowing": [o.ids for o in e.overflowing]} for e in encs]},
                               ensure_ascii=False) + "\n")
        tok.no_padding()
        tok.no_truncation()
        pairs = [p[0] for p in PAIRS], [p[1] for p in PAIRS]
        for strategy in ["longest_first", "only_second"]:
            tok.enable_truncation(max_length=10, strategy=strategy)
            try:
                encs = tok.encode_batch(list(zip(*pairs)))
                rows = [{"ids": e.ids, "type_ids": e.type_ids} for e in encs]
            except Exception as ex:  # noqa: BLE001 - the error itself is the golden
                rows = {"error": str(ex)}
            f.write(json.dumps({"pairs": list(map(list, zip(*pairs))), "truncation": [strategy, 10, 0], "rows": rows},
                               ensure_ascii=False) + "\n")
        tok.no_truncation()


def train_bytelevel(d):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=600, special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(CORPUS * 20 + ["the quick brown fox jumps over the lazy dog"] * 50, trainer)
    tok.post_processor = processors.RobertaProcessing(("</s>", tok.token_to_id("</s>")), ("<s>", tok.token_to_id("<s>")))
    from tokenizers import AddedToken
    tok.add_special_tokens([AddedToken("<mask>", lstrip=True, special=True)])
    tok.save(os.path.join(d, "tokenizer.json"))
    json.dump({"tokenizer_class": "RobertaTokenizer", "bos_token": "<s>", "eos_token": "</s>", "pad_token": "<pad>",
               "unk_token": "<unk>", "mask_token": "<mask>", "model_max_length": 512},
              open(os.path.join(d, "tokenizer_config.json"), "w"), indent=2)


def train_unigram(d):
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers, Regex
    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    trainer = trainers.UnigramTrainer(vocab_size=300, special_tokens=["<pad>", "</s>", "<unk>"], unk_token="<unk>")
    tok.train_from_iterator(CORPUS * 20 + ["the quick brown fox jumps over the lazy dog"] * 50, trainer)
    tok.post_processor = processors.TemplateProcessing(single="$A </s>", pair="$A </s> $B:1 </s>:1",
                                                       special_tokens=[("</s>", tok.token_to_id("</s>"))])
    tok.save(os.path.join(d, "tokenizer.json"))
    json.dump({"tokenizer_class": "T5Tokenizer", "eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>",
               "model_max_length": 512}, open(os.path.join(d, "tokenizer_config.json"), "w"), indent=2)


def write_split_special():
    """split_special_tokens: special tokens written in the text encoded as plain text, per call and
    from tokenizer_config.json."""
    import transformers as tf

    d = os.path.join(OUT, "bert-minilm")
    tok = tf.AutoTokenizer.from_pretrained(d)
    texts = ["[CLS] hello [SEP] world [MASK]", "no specials here", "[PAD][UNK]"]
    cases = [{"text": t, "split": tok(t, split_special_tokens=True)["input_ids"], "keep": tok(t)["input_ids"]} for t in texts]
    with open(os.path.join(OUT, "split_special.json"), "w") as f:
        json.dump({"tokenizer": "bert-minilm", "cases": cases}, f, indent=1)


def main():
    import tokenizers
    print("tokenizers", tokenizers.__version__)
    os.makedirs(OUT, exist_ok=True)
    for name, fn in [("bytelevel-bpe", train_bytelevel), ("unigram-metaspace", train_unigram)]:
        d = os.path.join(OUT, name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        fn(d)
        write_goldens(name, os.path.join(d, "tokenizer.json"), ["<mask> glued<mask>and <mask>  spaced"])
    # SentencePiece unigram converted the legacy way: Precompiled (nmt_nfkc) charsmap normalizer.
    import sentencepiece as spm
    from transformers.convert_slow_tokenizer import SpmConverter
    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "corpus.txt")
        with open(corpus, "w", encoding="utf-8") as f:
            f.write("\n".join(CORPUS * 20 + ["ﬁne ①②③ Ⅻ ｱｲｳ ｶﾞ ＡＢＣ “quotes” … ㍿ ℃"] * 20))
        spm.SentencePieceTrainer.train(input=corpus, model_prefix=os.path.join(tmp, "spm"), vocab_size=200,
                                       model_type="unigram", character_coverage=1.0, minloglevel=2)

        class Orig:
            vocab_file = os.path.join(tmp, "spm.model")

        d = os.path.join(OUT, "spm-precompiled")
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        SpmConverter(Orig()).converted().save(os.path.join(d, "tokenizer.json"))
        write_goldens("spm-precompiled", os.path.join(d, "tokenizer.json"),
                      ["ﬁne ①②③ Ⅻ ｱｲｳ ｶﾞ ＡＢＣ “quotes” … ㍿ ℃", "e\u0301\u0301 ﾊﾟﾊﾟ 가\u11a8"])
    minilm = sys.argv[1] if len(sys.argv) > 1 else None
    if minilm:
        d = os.path.join(OUT, "bert-minilm")
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        for f in ["tokenizer.json", "tokenizer_config.json"]:
            shutil.copy(os.path.join(minilm, f), d)
        write_goldens("bert-minilm", os.path.join(d, "tokenizer.json"), ["[CLS] already [SEP] special [MASK]tokens"])
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(SHARED) as tf:
            tf.extractall(tmp)
        write_goldens("qwen3", os.path.join(tmp, "qwen3", "tokenizer.json"),
                      ["<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n", "<think>\n\n</think>\n\n"])
        write_goldens("llama2", os.path.join(tmp, "llama2", "tokenizer.json"), ["<s>G</s> I <unk>", "\u2581\u2581 x"])
    write_split_special()
    print("tokenizer fixtures written to", OUT)


NORMALIZATION_TEXTS = [
    "\u1112\u1161\u11ab\u1100\u116e\u11a8\u110b\u1165", "x \u1112\u1161\u11ab x", "\uac00\u11a8 \uac00", "e\u0301\u0323 q\u0323\u0307",
    "\u212b \u00c5\u030a A\u030a", "\ufb01ne \u2460 \uff46\uff55\uff4c\uff4c \u3300", "\u09c7\u09be \u0b47\u0b3e \u0bc6\u0bbe \u1025\u102e",
    "  spaced  e\u0301  ", "\uf900\uf901 \u2126 \u0958", "x\u0301\u0301\u0301y", "caf\u00e9 cafe\u0301 CAFE\u0301!",
]


def write_normalization():
    """Unicode normalizers with alignments: each normalized character is one token (Split on "."),
    and the Whitespace pre-tokenizer over the same normalized text; tokens, offsets and ids from the
    tokenizers library (tokenizers/normalization.json)."""
    from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers
    cases = []
    for form in ("NFC", "NFD", "NFKC", "NFKD"):
        norm = getattr(normalizers, form)()
        chars = sorted({c for t in NORMALIZATION_TEXTS for c in norm.normalize_str(t)})
        words = sorted({w for t in NORMALIZATION_TEXTS for w in norm.normalize_str(t).split()})
        for pre_name, pre in (("chars", pre_tokenizers.Split(Regex("."), "isolated")), ("Whitespace", pre_tokenizers.Whitespace())):
            vocab = {"<unk>": 0, **{c: i + 1 for i, c in enumerate(chars)}}
            if pre_name == "Whitespace":
                vocab = {"<unk>": 0, **{w: i + 1 for i, w in enumerate(words[:len(words) // 2])}}
            tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
            tok.normalizer = norm
            tok.pre_tokenizer = pre
            for text in NORMALIZATION_TEXTS:
                e = tok.encode(text)
                cases.append({"tokenizer": tok.to_str(), "text": text, "ids": e.ids, "tokens": e.tokens, "offsets": [list(o) for o in e.offsets]})
    with open(os.path.join(OUT, "normalization.json"), "w", encoding="utf-8") as f:
        json.dump(cases, f, ensure_ascii=False, indent=0)
    print(len(cases), "normalization cases")


def write_components():
    """Every component type of the pipeline, configuration by configuration, on the edge-case
    corpus (tokenizers/components.json): a pre-tokenizer or normalizer under a WordLevel model whose
    vocabulary is half the pieces it produces (the rest <unk>), compared on tokens and offsets; a
    post-processor on single and pair inputs with ids and type ids; a decoder on token lists."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    pre = {
        "ByteLevel": pre_tokenizers.ByteLevel(), "ByteLevel-prefix": pre_tokenizers.ByteLevel(add_prefix_space=True),
        "ByteLevel-noregex": pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        "Whitespace": pre_tokenizers.Whitespace(), "WhitespaceSplit": pre_tokenizers.WhitespaceSplit(),
        "BertPreTokenizer": pre_tokenizers.BertPreTokenizer(),
        "Metaspace-always": pre_tokenizers.Metaspace(prepend_scheme="always"), "Metaspace-first": pre_tokenizers.Metaspace(prepend_scheme="first"),
        "Metaspace-never": pre_tokenizers.Metaspace(prepend_scheme="never"), "Metaspace-nosplit": pre_tokenizers.Metaspace(split=False),
        "Punctuation": pre_tokenizers.Punctuation(), "Punctuation-next": pre_tokenizers.Punctuation("merged_with_next"),
        "Digits": pre_tokenizers.Digits(), "Digits-individual": pre_tokenizers.Digits(individual_digits=True),
        "UnicodeScripts": pre_tokenizers.UnicodeScripts(), "CharDelimiterSplit": pre_tokenizers.CharDelimiterSplit("a"),
        "FixedLength": pre_tokenizers.FixedLength(length=3),
        "Sequence": pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Digits(individual_digits=True),
                                             pre_tokenizers.Punctuation()]),
    }
    for behavior in ("removed", "isolated", "merged_with_previous", "merged_with_next", "contiguous"):
        for invert in (False, True):
            pre[f"Split-regex-{behavior}-{invert}"] = pre_tokenizers.Split(Regex(r"\s+|\d"), behavior, invert=invert)
        pre[f"Split-string-{behavior}"] = pre_tokenizers.Split(" ", behavior)
    norm = {
        "BertNormalizer": normalizers.BertNormalizer(),
        "BertNormalizer-cased": normalizers.BertNormalizer(lowercase=False, strip_accents=False, handle_chinese_chars=False, clean_text=False),
        "BertNormalizer-accents": normalizers.BertNormalizer(lowercase=False, strip_accents=True),
        "Lowercase": normalizers.Lowercase(), "Strip": normalizers.Strip(), "Strip-left": normalizers.Strip(left=True, right=False),
        "StripAccents": normalizers.Sequence([normalizers.NFD(), normalizers.StripAccents()]),
        "Replace-string": normalizers.Replace("  ", "_"), "Replace-regex": normalizers.Replace(Regex(r"\d+"), "<n>"),
        "Prepend": normalizers.Prepend("\u2581"), "Nmt": normalizers.Nmt(), "ByteLevel": normalizers.ByteLevel(),
        "Sequence": normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase(), normalizers.Replace(" ", "\u2581")]),
    }
    cases, tokenizers = [], {}

    def run(kind, name, tok, texts, pairs=()):
        tokenizers[f"{kind}/{name}"] = json.loads(tok.to_str())
        for text in texts:
            e = tok.encode(text)
            cases.append({"tokenizer": f"{kind}/{name}", "text": text, "ids": e.ids, "tokens": e.tokens,
                          "offsets": [list(o) for o in e.offsets], "type_ids": e.type_ids})
        for a, b in pairs:
            e = tok.encode(a, b)
            cases.append({"tokenizer": f"{kind}/{name}", "text": a, "pair": b, "ids": e.ids, "tokens": e.tokens,
                          "offsets": [list(o) for o in e.offsets], "type_ids": e.type_ids})

    def half_vocab(pieces):
        kept = sorted(set(pieces))[::2]
        return {"<unk>": 0, **{p: i + 1 for i, p in enumerate(kept)}}

    texts = [t for t in CORPUS if len(t) < 100]
    for name, p in pre.items():
        pieces = [piece for t in texts for piece, _ in p.pre_tokenize_str(t)]
        tok = Tokenizer(models.WordLevel(half_vocab(pieces), unk_token="<unk>"))
        tok.pre_tokenizer = p
        run("pre_tokenizer", name, tok, texts)
    for name, n in norm.items():
        pieces = [w for t in texts for w in n.normalize_str(t).split()]
        tok = Tokenizer(models.WordLevel(half_vocab(pieces), unk_token="<unk>"))
        tok.normalizer = n
        tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
        run("normalizer", name, tok, texts)
    # Post-processors over a byte-level BPE-like vocabulary of words.
    words = sorted({w for t in texts for w in t.split()})
    vocab = {"<unk>": 0, "[CLS]": 1, "[SEP]": 2, "<s>": 3, "</s>": 4, **{w: i + 5 for i, w in enumerate(words)}}
    posts = {
        "TemplateProcessing": processors.TemplateProcessing(single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
                                                            special_tokens=[("[CLS]", 1), ("[SEP]", 2)]),
        "BertProcessing": processors.BertProcessing(("[SEP]", 2), ("[CLS]", 1)),
        "RobertaProcessing": processors.RobertaProcessing(("</s>", 4), ("<s>", 3)),
        "RobertaProcessing-notrim": processors.RobertaProcessing(("</s>", 4), ("<s>", 3), trim_offsets=False),
        "ByteLevel": processors.ByteLevel(trim_offsets=True),
        "Sequence": processors.Sequence([processors.ByteLevel(trim_offsets=True), processors.RobertaProcessing(("</s>", 4), ("<s>", 3))]),
    }
    for name, pp in posts.items():
        tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
        tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
        tok.post_processor = pp
        run("post_processor", name, tok, texts[:8], PAIRS)
    # Decoders on token lists.
    decs = {
        "ByteLevel": (decoders.ByteLevel(), [["\u0120Hello", "\u0120w", "orld", "\u00c3\u00a9", "\u0120\u00f0\u0141\u013a\u0122"]]),
        "WordPiece": (decoders.WordPiece(), [["Hello", "##w", "##orld", ",", "don", "'", "t", "do", "n't", "."], ["a", "##b", "?"]]),
        "WordPiece-nocleanup": (decoders.WordPiece(cleanup=False), [["Hello", "##w", ",", "don", "'", "t", "."]]),
        "Metaspace": (decoders.Metaspace(), [["\u2581Hello", "\u2581w", "orld", "\u2581\u2581x"], ["nohead", "\u2581a"]]),
        "Metaspace-never": (decoders.Metaspace(prepend_scheme="never"), [["\u2581Hello", "\u2581w", "orld"]]),
        "BPEDecoder": (decoders.BPEDecoder(), [["hel", "lo</w>", "wor", "ld</w>", "!</w>"]]),
        "ByteFallback": (decoders.ByteFallback(), [["a", "<0xC3>", "<0xA9>", "b", "<0xFF>", "<0xE2>", "<0x82>", "c"]]),
        "Fuse": (decoders.Fuse(), [["a", "b", " c"]]),
        "Strip": (decoders.Strip(" ", 1, 1), [[" a ", " b ", "  c  "]]),
        "Replace": (decoders.Replace("\u2581", " "), [["\u2581a", "b\u2581\u2581c"]]),
        "CTC": (decoders.CTC(), [["<pad>", "h", "h", "e", "<pad>", "l", "l", "<pad>", "l", "o", "|", "w", "o"]]),
        "CTC-nocleanup": (decoders.CTC(cleanup=False), [["h", "h", "<pad>", "i", "i", "|", "don", "'", "t"]]),
        "Sequence": (decoders.Sequence([decoders.Replace("\u2581", " "), decoders.ByteFallback(), decoders.Fuse(), decoders.Strip(" ", 1, 0)]),
                     [["\u2581Hi", "<0xC3>", "<0xA9>", "\u2581there"]]),
    }
    for name, (d, lists) in decs.items():
        for tokens in lists:
            cases.append({"decoder": name, "decoder_json": json.loads(_decoder_json(d)), "tokens_in": tokens, "decoded": d.decode(tokens)})
    with open(os.path.join(OUT, "components.json"), "w", encoding="utf-8") as f:
        json.dump({"tokenizers": tokenizers, "cases": cases}, f, ensure_ascii=False)
    print(len(cases), "component cases")


def fnv1a(ids):
    """FNV-1a (64-bit) over the ids as little-endian int64: the tests hash theirs the same way."""
    h = 0xcbf29ce484222325
    for i in ids:
        for b in int(i).to_bytes(8, "little", signed=True):
            h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return format(h, "016x")


def write_megabyte():
    """1 MB inputs (the corpus repeated, with and without its spaces) through every fixture tokenizer
    and the real Qwen3 / Llama 2 ones: id count, head, tail and a hash of all ids (megabyte.json)."""
    from tokenizers import Tokenizer
    spaced = "\n".join(CORPUS)
    units = {"spaced": spaced, "nospace": spaced.replace(" ", "").replace("\n", "")}
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(SHARED) as tf:
            tf.extractall(tmp)
        paths = {n: os.path.join(OUT, n, "tokenizer.json") for n in ("bert-minilm", "bytelevel-bpe", "unigram-metaspace", "spm-precompiled")}
        paths.update({n: os.path.join(tmp, n, "tokenizer.json") for n in ("qwen3", "llama2")})
        for name, path in paths.items():
            tok = Tokenizer.from_file(path)
            tok.no_truncation()
            tok.no_padding()
            for kind, unit in units.items():
                repeat = -(-1000000 // len(unit.encode()))
                ids = tok.encode(unit * repeat).ids
                out.append({"tokenizer": name, "unit": kind, "repeat": repeat, "count": len(ids), "head": ids[:16], "tail": ids[-16:],
                            "fnv1a": fnv1a(ids)})
    with open(os.path.join(OUT, "megabyte.json"), "w", encoding="utf-8") as f:
        json.dump({"units": units, "cases": out}, f, ensure_ascii=False, indent=0)
    print(len(out), "megabyte cases")


def _decoder_json(d):
    from tokenizers import Tokenizer, models
    t = Tokenizer(models.WordLevel({"<unk>": 0}, unk_token="<unk>"))
    t.decoder = d
    return json.dumps(json.loads(t.to_str())["decoder"])


if __name__ == "__main__":
    make_fixtures.ensure_venv()
    if sys.argv[1:] == ["normalization"]:
        write_normalization()
        write_components()
        write_megabyte()
    else:
        main()
        write_normalization()
        write_components()
        write_megabyte()
