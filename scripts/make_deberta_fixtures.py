#!/usr/bin/env python3
"""DeBERTa-v2 fixtures (fixtures/deberta_v2/): two tiny configurations — v3-style (log-bucketed
relative positions, shared attention keys, no absolute positions, normalized relative embeddings,
the non-legacy MLM head) and v2-style ("c2p|p2c" string, separate position projections, the
first-layer convolution, token types, an embedding projection, the legacy MLM head) — for every
Auto class Python maps, on a padded batch with token types; outputs Python transformers computes.
Run:  python3 scripts/make_deberta_fixtures.py   (same venv and pins as make_fixtures.py)
"""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import OUT, ensure_venv, spread_weights  # noqa: E402


def main():
    import torch
    import transformers as tf
    from safetensors.torch import save_file

    root = os.path.join(OUT, "deberta_v2")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    common = dict(vocab_size=120, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37,
                  max_position_embeddings=64, num_labels=3, layer_norm_eps=1e-7)
    variants = {
        "v3": dict(relative_attention=True, position_buckets=8, pos_att_type=["p2c", "c2p"], position_biased_input=False,
                   norm_rel_ebd="layer_norm", share_att_key=True, type_vocab_size=0, legacy=False),
        "v2": dict(relative_attention=True, max_relative_positions=16, pos_att_type="c2p|p2c", share_att_key=False,
                   conv_kernel_size=3, conv_act="gelu", type_vocab_size=2, embedding_size=24, legacy=True, hidden_act="gelu_new"),
    }
    classes = [("AutoModel", "DebertaV2Model"), ("AutoModelForMaskedLM", "DebertaV2ForMaskedLM"),
               ("AutoModelForSequenceClassification", "DebertaV2ForSequenceClassification"),
               ("AutoModelForTokenClassification", "DebertaV2ForTokenClassification"),
               ("AutoModelForQuestionAnswering", "DebertaV2ForQuestionAnswering"),
               ("AutoModelForMultipleChoice", "DebertaV2ForMultipleChoice")]
    g = torch.Generator().manual_seed(3)
    ids = torch.randint(1, 120, (2, 11), generator=g)
    mask = torch.ones(2, 11, dtype=torch.long)
    mask[1, 7:] = 0
    ids[1, 7:] = 0
    types = torch.zeros(2, 11, dtype=torch.long)
    types[:, 5:] = 1
    index = []
    seed = 100
    for name, extra in variants.items():
        cfg = tf.DebertaV2Config(**common, **extra)
        for auto, cls in classes:
            seed += 1
            torch.manual_seed(seed)
            qa = auto == "AutoModelForQuestionAnswering"  # start / end: two labels
            model = getattr(tf, cls)(tf.DebertaV2Config(**dict(common, num_labels=2), **extra) if qa else cfg).eval()
            spread_weights(model, seed)
            d = os.path.join(root, f"{name}-{cls}")
            model.save_pretrained(d)
            inputs = {"input_ids": ids, "attention_mask": mask}
            if extra["type_vocab_size"] > 0:
                inputs["token_type_ids"] = types
            if auto == "AutoModelForMultipleChoice":
                inputs = {k: v.unsqueeze(0).contiguous() for k, v in inputs.items()}  # one question, two choices
            with torch.no_grad():
                out = model(**inputs)
            save_file({k: v.contiguous() for k, v in inputs.items()}, os.path.join(d, "inputs.safetensors"))
            save_file({k: v.float().contiguous() for k, v in out.items() if isinstance(v, torch.Tensor)}, os.path.join(d, "outputs.safetensors"))
            index.append({"dir": os.path.basename(d), "auto_class": auto, "class": cls})
    with open(os.path.join(root, "index.json"), "w") as f:
        json.dump(index, f, indent=1)
    make_tokenizer(root)
    print("deberta fixtures:", len(index), tf.__version__)


def make_tokenizer(root):
    """A DeBERTa-v3-style tokenizer folder as the Hub has them: only spm.model (a small Unigram model
    trained here) and tokenizer_config.json; Python's encodings (single texts, pairs) and decodings."""
    import sentencepiece as spm
    import transformers as tf

    d = os.path.join(root, "tokenizer")
    os.makedirs(d)
    corpus = os.path.join(d, "corpus.txt")
    lines = ["The quick brown fox jumps over the lazy dog.", "Hello world! DeBERTa uses SentencePiece.",
             "Tokenizers split words into pieces, e.g. un-believable.", "Numbers 12345 and symbols #@$ appear too.",
             "Ünïcödé letters, façade, naïve café.", "  spaced   out\ttext\nnew line"] * 50
    with open(corpus, "w") as f:
        f.write("\n".join(lines))
    spm.SentencePieceTrainer.train(input=corpus, model_prefix=os.path.join(d, "spm"), vocab_size=80, model_type="unigram",
                                   pad_id=0, unk_id=3, bos_id=1, eos_id=2, pad_piece="[PAD]", unk_piece="[UNK]", bos_piece="[CLS]",
                                   eos_piece="[SEP]", user_defined_symbols=["[MASK]"], character_coverage=1.0, split_digits=True,
                                   minloglevel=2, num_threads=1)
    os.remove(corpus)
    os.remove(os.path.join(d, "spm.vocab"))
    with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "DebertaV2Tokenizer", "do_lower_case": False, "split_by_punct": False, "bos_token": "[CLS]",
                   "eos_token": "[SEP]", "unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]", "cls_token": "[CLS]",
                   "mask_token": "[MASK]"}, f, indent=1)
    tok = tf.AutoTokenizer.from_pretrained(d)
    texts = ["Hello world! The façade.", "  spaced   out\ttext\nnew line  ", "Numbers 12345, [MASK] and xyz QQ!", "", "naïve café"]
    pairs = [("The quick fox.", "Jumps over the dog!"), ("Tokenizers split words", "un-believable 42")]
    cases = {"single": [], "pairs": []}
    for t in texts:
        e = tok(t)
        cases["single"].append({"text": t, "input_ids": e["input_ids"], "token_type_ids": e["token_type_ids"],
                                "decode": tok.decode(e["input_ids"]), "decode_skip": tok.decode(e["input_ids"], skip_special_tokens=True)})
    for a, b in pairs:
        e = tok(a, b)
        cases["pairs"].append({"text": a, "pair": b, "input_ids": e["input_ids"], "token_type_ids": e["token_type_ids"]})
    with open(os.path.join(d, "cases.json"), "w") as f:
        json.dump(cases, f, indent=1)


if __name__ == "__main__":
    ensure_venv()
    main()
