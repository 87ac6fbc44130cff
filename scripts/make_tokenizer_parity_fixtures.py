#!/usr/bin/env python3
"""Parity goldens for the tokenizer edge classes (fixtures/tokenizers/parity/), from the pinned
`tokenizers` 0.23.3 and transformers 5.24.0:

  o200k/tokenizer.json + o200k.jsonl   GPT-4o's Hub pre-tokenizer (Split with inline-flag regex,
                                       invert, then ByteLevel without regex) over a byte-level BPE
                                       trained here; seeded random mixed-script texts with the Rust
                                       ids, tokens, offsets and decode.
  regex.json                           one Split pre-tokenizer per regex construct (inline flags,
                                       look-around, possessive / lazy quantifiers, \\p classes and
                                       their negations, \\s \\d \\w, empty matches, String patterns)
                                       under every behaviour and invert: the pieces' code-point offsets.
  auto.json                            AutoTokenizer on the real Llama 2 and Qwen3 folders of
                                       ../shared/data/tokenizers-qwen3-llama2.tar.xz and on the T5Tokenizer
                                       fixture: ids, tokens and decodes of whitespace / inline special
                                       token edge cases (the classes rebuild their pipelines).
  cleanup.json                         decode with clean_up_tokenization_spaces for every model kind
                                       (BPE skipped by transformers 5, others cleaned).
  rebuilt.json + <model>/              the classes that rebuild tokenizer.json's pipeline from its vocabulary
                                       (XLM-RoBERTa, CamemBERT, mBART, mBART-50, ALBERT, DeBERTa-v2, Pegasus
                                       over a tiny sentencepiece model trained here, with the legacy
                                       converter's pipeline; BERT, ELECTRA and DistilBERT over a cased
                                       WordPiece file whose config leaves do_lower_case to the class):
                                       AutoTokenizer's edge cases.

Run: python3 scripts/make_tokenizer_parity_fixtures.py [rebuilt]
"""
import json
import os
import random
import shutil
import sys
import tarfile
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures  # noqa: E402  (venv bootstrap and pins)

ROOT = make_fixtures.ROOT
TOK = os.path.join(ROOT, "fixtures", "tokenizers")
OUT = os.path.join(TOK, "parity")
SHARED = os.path.join(ROOT, "..", "shared", "data", "tokenizers-qwen3-llama2.tar.xz")

O200K_PATTERN = (r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
                 r"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
                 r"|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+")
O200K_PRE = {"type": "Sequence", "pretokenizers": [
    {"type": "Split", "pattern": {"Regex": O200K_PATTERN}, "behavior": "Removed", "invert": True},
    {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]}

WORDS = ["Don't", "I'm", "THEY'LL", "it'S", "We'Ve", "you'd", "SHE'D", "can'T", "o'clock", "rock'n'roll", "the", "Quick",
         "BROWN", "fOX", "McDonald", "iPhone", "HTTPServer", "Καλημέρα", "ΣΊΣΥΦΟΣ", "σοφία", "Привет", "МИР", "ёжик",
         "日本語", "中文字符", "テキスト", "カタカナー", "مرحبا", "بالعالم", "नमस्ते", "हिन्दी", "한국어", "ภาษาไทย",
         "ǅemal", "ᾈδης", "ǈ", "ʰelp", "Straße", "İstanbul", "ﬁne", "naïve", "e\u0301te", "A\u0308\u0323b", "\u0301alone",
         "١٢٣٤", "１２３", "²³", "Ⅻ", "½"]
APOS = ["'s", "'S", "'t", "'T", "'re", "'RE", "'ve", "'VE", "'m", "'M", "'ll", "'LL", "'d", "'D", "'", "’s", "''"]
SPACES = [" ", " ", " ", "  ", "   ", "\t", "\t\t", "\r\n", "\n", "\n\n", " \n ", "\u00a0", "\u3000", " \t\n", "\r", "    "]
CODE = ["def f(x):\n    return x**2", "if (a && b) { c++; }", "// comment/path/to/file", "x = [1, 2, 3];", "<div class=\"a\">",
        "http://a.b/c?d=e&f=g", "#include <vector>", "a->b::c", "$HOME/.bashrc", "'''doc'''", "x!=y", "...", "!!!", "—", "«»",
        "/*\n * x\n */", "print(\"hi\")\r\n"]
EMOJI = ["😀", "👨‍👩‍👧", "🇫🇷", "👍🏽", "❤️", "🤖🤖"]


def random_text(rng):
    parts = []
    for _ in range(rng.randint(1, 12)):
        k = rng.random()
        if k < 0.35:
            w = rng.choice(WORDS)
            if rng.random() < 0.3:
                w = rng.choice([w.upper(), w.lower(), w.title(), w.swapcase()])
            if rng.random() < 0.25:
                w += rng.choice(APOS)
            parts.append(w)
        elif k < 0.5:
            parts.append("".join(rng.choice("0123456789") for _ in range(rng.randint(1, 14))))
        elif k < 0.65:
            parts.append(rng.choice(SPACES))
        elif k < 0.8:
            parts.append(rng.choice(CODE))
        elif k < 0.88:
            parts.append(rng.choice(EMOJI))
        else:
            parts.append(rng.choice(APOS))
        if rng.random() < 0.6:
            parts.append(" ")
    return "".join(parts)


def write_o200k():
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
    d = os.path.join(OUT, "o200k")
    os.makedirs(d, exist_ok=True)
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(O200K_PATTERN), "removed", invert=True),
                                                 pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=900, special_tokens=["<|endoftext|>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    rng = random.Random(200)
    corpus = [random_text(rng) for _ in range(3000)] + (WORDS + CODE) * 10
    tok.train_from_iterator(corpus, trainer)
    saved = json.loads(tok.to_str())
    assert saved["pre_tokenizer"] == O200K_PRE, saved["pre_tokenizer"]  # exactly GPT-4o's Hub pre-tokenizer
    tok.save(os.path.join(d, "tokenizer.json"))
    rng = random.Random(4242)
    texts = [random_text(rng) for _ in range(300)] + ["Don't", "Hello world! I'M here, THEY'LL see 1234567 ok", ""]
    with open(os.path.join(OUT, "o200k.jsonl"), "w", encoding="utf-8") as f:
        for t in texts:
            e = tok.encode(t)
            f.write(json.dumps({"text": t, "ids": e.ids, "tokens": e.tokens, "offsets": [list(o) for o in e.offsets],
                                "decode": tok.decode(e.ids)}, ensure_ascii=False) + "\n")
    print(len(texts), "o200k texts")


# One pattern per construct; String entries are literal patterns.
REGEX_PATTERNS = [
    r"(?i)abc", r"(?i:ab)c", r"a(?i)b(?-i)c", r"(?i)a(?-i:b)", r"(?i:'s|'t|'re|'ve|'m|'ll|'d)", r"(?i)straße|σ",
    r"\s+(?!\S)|\s+", r"a(?=b)", r"(?<=a)b", r"(?<!a)b", r"\w+(?=')",
    r"a++", r"\d*+", r"a?+b", r"a+?", r"\w*?x", r".{1,3}?", r"\d{2,}?",
    r"\p{L}+", r"[^\p{L}\p{N}]+", r"\P{L}+", r"[\p{Lu}\p{Lt}]+", r"[^\s\p{L}\p{N}]", r"\p{N}{1,3}", r"[\p{M}]+", r"\p{Han}+",
    r"[\P{L}&&[^\s]]+",
    r"\s+", r"\S+", r"\d+", r"\D+", r"\w+", r"\W+", r"[\s\d]+", r"[^\w\s]+",
    r"a*", r"(?=b)", r"\b", r"x*", r"^\s*", r"$", r"\A\s+|\s+\z",
    r".", r"(?m).+", r"[a-z&&[^aeiou]]+", r"\p{Lu}\p{Ll}*|\p{N}",
    # Oniguruma-syntax only (the onig crate's default syntax, not Ruby's): ASCII-range options, \N \O, \X, \R.
    r"(?W)\w+", r"(?D)\d+", r"(?S)\s+", r"(?P)\p{Alpha}+", r"\N+", r"\O{2}", r"\X", r"\R",
]
STRING_PATTERNS = [" ", "ab", "\n", ".", "é", "  "]
REGEX_TEXTS = [
    "Don't STOP it'S we'LL abcABC aAbBc aab ab b ba xxbx",
    "  two  spaces\t\ttabs\r\nCRLF\n\nend  ",
    "ΣΊΣΥΦΟΣ σοφία straße STRASSE Ǆǅǆ ﬁne ǅemal",
    "日本語 テキスト 123 ١٢٣ 1234567 ²½",
    "e\u0301 नमस्ते 👨‍👩‍👧 x. y.z é",
    "",
    "line1\nline2\n  line3",
]


def write_regex():
    from tokenizers import Regex, pre_tokenizers
    behaviors = ["removed", "isolated", "merged_with_previous", "merged_with_next", "contiguous"]
    groups = []
    # The behaviour's JSON spelling, as tokenizer.json writes it.
    names = {"removed": "Removed", "isolated": "Isolated", "merged_with_previous": "MergedWithPrevious",
             "merged_with_next": "MergedWithNext", "contiguous": "Contiguous"}

    def group(pattern, is_regex):
        for behavior in behaviors:
            for invert in (False, True):
                pre = pre_tokenizers.Split(Regex(pattern) if is_regex else pattern, behavior, invert=invert)
                texts = range(len(REGEX_TEXTS)) if (behavior == "isolated" and not invert) else (0, 1, 4)
                groups.append({"pattern": {"Regex" if is_regex else "String": pattern}, "behavior": names[behavior], "invert": invert,
                               "cases": [[i, [list(o) for p, o in pre.pre_tokenize_str(REGEX_TEXTS[i])]] for i in texts]})
                for i in texts:  # a Split piece is always the text between its offsets
                    assert all(p == REGEX_TEXTS[i][b:e] for p, (b, e) in pre.pre_tokenize_str(REGEX_TEXTS[i]))

    for p in REGEX_PATTERNS:
        group(p, True)
    for p in STRING_PATTERNS:
        group(p, False)
    with open(os.path.join(OUT, "regex.json"), "w", encoding="utf-8") as f:
        json.dump({"texts": REGEX_TEXTS, "groups": groups}, f, ensure_ascii=False, separators=(",", ":"))
    print(len(groups), "regex groups")


AUTO_TEXTS = [
    "", " ", "  ", "   ", "\n", " \n ", "  two leading", " one leading", "trailing ", "trailing two  ", "  both  ",
    "a\nb\n", "\n lead newline", "line1\n\nline2", "\ttab", "Hello world", "Hello , world ! 's n't",
    "before <s> after<s>glued </s>", "<s>", "<s> ", " <s>", "<s>start", "end</s>", "x <unk> y<unk>", "<unk>", "</s></s>",
    "<s>  two after special", "a</s>  b", "<|endoftext|> x", "<|im_start|>user\nhi<|im_end|>", " <|im_end|> ",
    "▁already▁meta", "unicode é 日本 😀", "  \n  ",
]


def write_auto(tmp):
    from transformers import AutoTokenizer
    out = {}
    for name in ("llama2", "qwen3", "unigram-metaspace"):
        tok = AutoTokenizer.from_pretrained(os.path.join(tmp, name) if name in ("llama2", "qwen3") else os.path.join(TOK, name))
        cases = []
        for text in AUTO_TEXTS:
            for add in (True, False):
                ids = tok(text, add_special_tokens=add)["input_ids"]
                cases.append({"text": text, "add_special_tokens": add, "ids": ids, "tokens": tok.convert_ids_to_tokens(ids),
                              "decode": tok.decode(ids), "decode_skip": tok.decode(ids, skip_special_tokens=True)})
        out[name] = {"class": type(tok).__name__, "cases": cases}
    with open(os.path.join(OUT, "auto.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=0)
    print("auto goldens", {k: len(v["cases"]) for k, v in out.items()})


CLEANUP_TEXTS = ["Hello , world !", "it 's a dog 's life , isn 't it ?", "I 'm sure we 've seen they 're here .", "don 't do n't",
                 " ' quoted ' ", "a . b ? c ! d , e", "no punctuation here", "Hello, world!"]


def write_cleanup(tmp):
    """tokenizer folders (fixture-relative or tarball names) under config overrides; the ids come from
    Python's own encode so the decode alone is compared."""
    import logging
    from transformers import AutoTokenizer
    logging.getLogger("transformers").setLevel(logging.ERROR)
    wordlevel = os.path.join(OUT, "wordlevel")
    os.makedirs(wordlevel, exist_ok=True)
    from tokenizers import Tokenizer, models, pre_tokenizers
    words = sorted({w for t in CLEANUP_TEXTS for w in t.split()})
    wl = Tokenizer(models.WordLevel({"[UNK]": 0, **{w: i + 1 for i, w in enumerate(words)}}, unk_token="[UNK]"))
    wl.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    wl.save(os.path.join(wordlevel, "tokenizer.json"))
    json.dump({"tokenizer_class": "PreTrainedTokenizerFast", "unk_token": "[UNK]"}, open(os.path.join(wordlevel, "tokenizer_config.json"), "w"))
    sources = {"bytelevel-bpe": os.path.join(TOK, "bytelevel-bpe"), "bert-minilm": os.path.join(TOK, "bert-minilm"),
               "unigram-metaspace": os.path.join(TOK, "unigram-metaspace"), "spm-precompiled": os.path.join(TOK, "spm-precompiled"),
               "parity/wordlevel": wordlevel, "parity/o200k": os.path.join(OUT, "o200k"),
               "llama2": os.path.join(tmp, "llama2"), "qwen3": os.path.join(tmp, "qwen3")}
    variants = {"clean": {"clean_up_tokenization_spaces": True}, "noclean": {"clean_up_tokenization_spaces": False},
                "force": {"clean_up_tokenization_spaces": True, "clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output": True}}
    out = []
    for name, src in sources.items():
        for vname, over in variants.items():
            with tempfile.TemporaryDirectory() as d:
                shutil.copy(os.path.join(src, "tokenizer.json"), d)
                cfg_path = os.path.join(src, "tokenizer_config.json")
                cfg = json.load(open(cfg_path)) if os.path.exists(cfg_path) else {}
                cfg.update(over)
                json.dump(cfg, open(os.path.join(d, "tokenizer_config.json"), "w"))
                tok = AutoTokenizer.from_pretrained(d)
                cases = []
                for text in CLEANUP_TEXTS:
                    ids = tok(text)["input_ids"]
                    cases.append({"text": text, "ids": ids, "decode": tok.decode(ids), "decode_skip": tok.decode(ids, skip_special_tokens=True),
                                  "decode_clean": tok.decode(ids, clean_up_tokenization_spaces=True),
                                  "decode_noclean": tok.decode(ids, clean_up_tokenization_spaces=False)})
                out.append({"tokenizer": name, "config": over, "class": type(tok).__name__,
                            "model": type(tok.backend_tokenizer.model).__name__, "cases": cases})
    with open(os.path.join(OUT, "cleanup.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=0)
    print(len(out), "cleanup groups")


# transformers 5 classes that rebuild a SentencePiece tokenizer.json's pipeline from its vocabulary
# (tokenization_<model>.py __init__), for model types we implement: the sentencepiece model whose
# special pieces each expects, and the folder name.
REBUILT = {"XLMRobertaTokenizer": ("fairseq", "xlm-roberta"), "CamembertTokenizer": ("fairseq", "camembert"),
           "MBartTokenizer": ("fairseq", "mbart"), "MBart50Tokenizer": ("fairseq", "mbart50"),
           "AlbertTokenizer": ("albert", "albert"), "DebertaV2Tokenizer": ("deberta", "deberta-v2"),
           "PegasusTokenizer": ("pegasus", "pegasus"), "BertTokenizer": (None, "bert-cased-file"),
           "ElectraTokenizer": (None, "electra-cased-file"), "DistilBertTokenizer": (None, "distilbert-cased-file")}
# Pegasus's v5 class cannot start from a .model file: its Hub-style folder is the legacy converter's
# file alone, with the specials the old fast tokenizer added, and the Hub's tokenizer_config.json keys.
PEGASUS = {"pad_token": "<pad>", "eos_token": "</s>", "unk_token": "<unk>", "mask_token": "<mask_2>", "mask_token_sent": "<mask_1>",
           "offset": 103}
SPM_SPECIALS = {
    "fairseq": {},  # <unk> <s> </s> at 0..2; the fairseq classes shift them
    "albert": dict(pad_id=0, unk_id=1, bos_id=-1, eos_id=-1, control_symbols="[CLS],[SEP]", user_defined_symbols="[MASK]"),
    "deberta": dict(pad_id=0, bos_id=1, eos_id=2, unk_id=3, pad_piece="[PAD]", bos_piece="[CLS]", eos_piece="[SEP]", unk_piece="[UNK]",
                    user_defined_symbols="[MASK]"),
    "pegasus": dict(pad_id=0, eos_id=1, unk_id=2, bos_id=-1),
}
SPM_CORPUS = ["The quick brown fox jumps over the lazy dog.", "Don't stop; it's 12345 o'clock!", "naïve café Straße ﬁne",
              "日本語のテキスト 中文字符", "Привет мир", "नमस्ते हिन्दी", "emoji 😀 👍🏽", "line1\nline2\ttab", "Hello world Hello world",
              "``quoted'' text", "HTTPServer iPhone McDonald", "x = [1, 2, 3];", "THEY'LL we've I'm"]
# A few NFKC-style rules: a small Precompiled charsmap (nmt_nfkc's is 330 KB) that still folds.
SPM_RULES = {"FB01": "66 69", "2460": "31", "FF21": "41", "00BD": "31 2044 32", "3000": "20", "2019": "27"}
REBUILT_TEXTS = AUTO_TEXTS + [
    "<mask> glued<mask>and <mask>  spaced", "[CLS] x [SEP] [MASK]", "[UNK] [PAD]", "``quoted'' text", "Don't I'm THEY'LL we've",
    "naïve CAFÉ Straße ﬁne ①②", "digits 0123456789 ٣ ½ １２", "Привет  мир\tनमस्ते", "emoji 😀 👍🏽 ❤️", "full\u3000width Ａ", "it’s",
    "\r\n crlf \r", "en_XX hello", "x  y   z    w"]


def write_class_folder(d, cls_name, model):
    """The v5 class's own save of the .model (vocabulary, added tokens, post-processor, config) with
    the legacy converter's normalizer / pre-tokenizer / decoder."""
    import transformers
    from transformers.convert_slow_tokenizer import SLOW_TO_FAST_CONVERTERS
    cls = getattr(transformers, cls_name)
    with tempfile.TemporaryDirectory() as src:  # from_pretrained converts the .model under its own file name
        shutil.copy(model, os.path.join(src, cls.vocab_files_names["vocab_file"]))
        slow = cls.from_pretrained(src)
        assert slow.backend_tokenizer.get_vocab_size() > 50, slow.backend_tokenizer.get_vocab_size()
        slow.save_pretrained(d)
    for name in os.listdir(d):
        if name not in ("tokenizer.json", "tokenizer_config.json"):
            os.remove(os.path.join(d, name))

    class Original:  # what the legacy converters read off the slow tokenizer
        vocab_file = model
        split_by_punct = False
        add_prefix_space = True

        def __getattr__(self, k):
            return getattr(slow, k)

    legacy = json.loads(SLOW_TO_FAST_CONVERTERS[cls_name](Original()).converted().to_str())
    path = os.path.join(d, "tokenizer.json")
    j = json.load(open(path, encoding="utf-8"))
    for k in ("normalizer", "pre_tokenizer", "decoder"):
        j[k] = legacy[k]
    with open(path, "w", encoding="utf-8") as f:
        json.dump(j, f, ensure_ascii=False, indent=1)


def write_pegasus(d, model):
    from tokenizers import AddedToken
    from transformers.convert_slow_tokenizer import SLOW_TO_FAST_CONVERTERS
    specials = [PEGASUS["pad_token"], PEGASUS["eos_token"], PEGASUS["mask_token_sent"], PEGASUS["mask_token"]]

    class Original:
        vocab_file = model
        offset = PEGASUS["offset"]
        pad_token, eos_token, unk_token = PEGASUS["pad_token"], PEGASUS["eos_token"], PEGASUS["unk_token"]
        mask_token, mask_token_sent = PEGASUS["mask_token"], PEGASUS["mask_token_sent"]
        pad_token_id, eos_token_id, mask_token_id = 0, 1, 3

    tok = SLOW_TO_FAST_CONVERTERS["PegasusTokenizer"](Original()).converted()
    extra = [f"<unk_{i}>" for i in range(2, PEGASUS["offset"])]
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in specials + [PEGASUS["unk_token"]] + extra])
    os.makedirs(d)
    tok.save(os.path.join(d, "tokenizer.json"))
    cfg = {"tokenizer_class": "PegasusTokenizer", **PEGASUS, "additional_special_tokens": [PEGASUS["mask_token_sent"]] + extra,
           "model_max_length": 512}
    with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
        json.dump(cfg, f, indent=1)


def write_bert_cased_file(d, cls_name):
    """A WordPiece tokenizer.json that keeps case (BertNormalizer lowercase false) under a
    tokenizer_config.json naming BertTokenizer without do_lower_case: the class's rebuild lowercases
    (and strips accents) by its own default."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=False, strip_accents=False)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    tok.train_from_iterator(SPM_CORPUS * 10, trainers.WordPieceTrainer(vocab_size=160, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]))
    tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
                                                       special_tokens=[("[CLS]", tok.token_to_id("[CLS]")), ("[SEP]", tok.token_to_id("[SEP]"))])
    os.makedirs(d)
    tok.save(os.path.join(d, "tokenizer.json"))
    with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": cls_name, "model_max_length": 512}, f, indent=1)


def write_rebuilt():
    """Hub-style folders for the rebuilding classes (the legacy converters' pipelines, as the Hub
    files carry them), then AutoTokenizer's ids, tokens and decodes on the edge texts."""
    import logging
    import sentencepiece as spm
    import transformers
    from transformers import AutoTokenizer
    logging.getLogger("transformers").setLevel(logging.ERROR)
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "corpus.txt")
        with open(corpus, "w", encoding="utf-8") as f:
            f.write("\n".join(SPM_CORPUS * 30 + [" ".join(SPM_CORPUS)] * 10))
        rules = os.path.join(tmp, "rules.tsv")
        with open(rules, "w") as f:
            f.write("".join(f"{k}\t{v}\n" for k, v in SPM_RULES.items()))
        models = {}
        for kind, extra in SPM_SPECIALS.items():
            spm.SentencePieceTrainer.train(input=corpus, model_prefix=os.path.join(tmp, kind), vocab_size=100, model_type="unigram",
                                           character_coverage=1.0, normalization_rule_tsv=rules, num_threads=1, minloglevel=2, **extra)
            models[kind] = os.path.join(tmp, kind + ".model")
        for cls_name, (kind, name) in REBUILT.items():
            d = os.path.join(OUT, name)
            shutil.rmtree(d, ignore_errors=True)
            if cls_name == "PegasusTokenizer":
                write_pegasus(d, models[kind])
            elif kind is None:  # BertTokenizer, its alias ElectraTokenizer, its subclass DistilBertTokenizer
                write_bert_cased_file(d, cls_name)
            else:
                write_class_folder(d, cls_name, models[kind])
            path = os.path.join(d, "tokenizer.json")
            tok = AutoTokenizer.from_pretrained(d)
            assert type(tok) is getattr(transformers, cls_name), type(tok).__name__  # ElectraTokenizer is BertTokenizer
            cases = []
            for text in REBUILT_TEXTS:
                for add in (True, False):
                    ids = tok(text, add_special_tokens=add)["input_ids"]
                    cases.append({"text": text, "add_special_tokens": add, "ids": ids, "tokens": tok.convert_ids_to_tokens(ids),
                                  "decode": tok.decode(ids), "decode_skip": tok.decode(ids, skip_special_tokens=True)})
            raw = transformers.PreTrainedTokenizerFast(tokenizer_file=path)
            differ = sum(raw(c["text"], add_special_tokens=c["add_special_tokens"])["input_ids"] != c["ids"] for c in cases)
            out["parity/" + name] = {"class": cls_name, "differ_from_file_pipeline": differ, "cases": cases}
    with open(os.path.join(OUT, "rebuilt.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=0)
    print("rebuilt goldens", {k: (len(v["cases"]), v["differ_from_file_pipeline"]) for k, v in out.items()})


def main():
    import tokenizers
    import transformers
    assert tokenizers.__version__ == "0.23.3" and transformers.__version__ == "5.24.0", (tokenizers.__version__, transformers.__version__)
    os.makedirs(OUT, exist_ok=True)
    if sys.argv[1:] == ["rebuilt"]:  # only the rebuilding classes' folders and rebuilt.json
        write_rebuilt()
        return
    write_o200k()
    write_regex()
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(SHARED) as tf:
            tf.extractall(tmp)
        write_auto(tmp)
        write_cleanup(tmp)
    write_rebuilt()


if __name__ == "__main__":
    make_fixtures.ensure_venv()
    main()
