#!/usr/bin/env python3
"""Pipeline goldens: a tiny WordPiece tokenizer and tiny random BERT heads with named labels,
run through transformers.pipeline(...) on a few inputs: fixtures/pipelines/<task>/."""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures  # noqa: E402

TEXTS = ["I love this movie, it was great!", "The plot was boring and far too long.", "Paris is in France.",
         "John Smith works at Google in London.", "ok"]
QA = [{"question": "Where is Paris?", "context": "Paris is in France. It is the capital city and has many museums."},
      {"question": "Who works at Google?", "context": "John Smith works at Google in London since 2020."}]


def main():
    import torch
    import transformers as tf
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

    root = os.path.join(make_fixtures.ROOT, "fixtures", "pipelines")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    corpus = TEXTS * 10 + [q["question"] + " " + q["context"] for q in QA] * 10 + ["the a an of to in is was"] * 5
    tok = make_fixtures.bert_wordpiece(corpus, 200)
    fast = tf.PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                                      sep_token="[SEP]", mask_token="[MASK]", model_max_length=64)
    V = tok.get_vocab_size()
    base = dict(vocab_size=V, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37,
                max_position_embeddings=64, initializer_range=0.3)  # peaked logits: rankings robust to rounding
    out = {}

    def save(task, model):
        d = os.path.join(root, task)
        model.save_pretrained(d)
        fast.save_pretrained(d)
        return d

    torch.manual_seed(1)
    d = save("text-classification", tf.BertForSequenceClassification(tf.BertConfig(**base, id2label={0: "NEGATIVE", 1: "POSITIVE", 2: "NEUTRAL"})).eval())
    p = tf.pipeline("text-classification", model=d, tokenizer=d)
    pairs = [{"text": q["question"], "text_pair": q["context"]} for q in QA] + [{"text": TEXTS[0], "text_pair": TEXTS[1]}]
    out = {"top1": p(TEXTS), "all": p(TEXTS, top_k=None), "pairs": pairs, "pairs_all": p(pairs, top_k=None)}
    json.dump(out, open(os.path.join(d, "golden.json"), "w"), indent=1)

    torch.manual_seed(2)
    d = save("fill-mask", tf.BertForMaskedLM(tf.BertConfig(**base)).eval())
    p = tf.pipeline("fill-mask", model=d, tokenizer=d)
    masked = ["Paris is in [MASK].", "I love this [MASK], it was great!"]
    json.dump({"inputs": masked, "top5": p(masked, top_k=5)}, open(os.path.join(d, "golden.json"), "w"), indent=1)

    torch.manual_seed(3)
    labels = {0: "O", 1: "B-PER", 2: "I-PER", 3: "B-LOC", 4: "I-LOC", 5: "B-ORG", 6: "I-ORG"}
    d = save("token-classification", tf.BertForTokenClassification(tf.BertConfig(**base, id2label=labels)).eval())
    p = tf.pipeline("token-classification", model=d, tokenizer=d)
    golden = {"inputs": TEXTS[2:4]}
    for agg in ["none", "simple", "first", "average", "max"]:
        golden[agg] = p(TEXTS[2:4], aggregation_strategy=agg)
    json.dump(golden, open(os.path.join(d, "golden.json"), "w"), indent=1, default=float)

    torch.manual_seed(5)
    d = save("zero-shot-classification", tf.BertForSequenceClassification(
        tf.BertConfig(**base, id2label={0: "contradiction", 1: "neutral", 2: "ENTAILMENT"},
                      label2id={"contradiction": 0, "neutral": 1, "ENTAILMENT": 2})).eval())
    p = tf.pipeline("zero-shot-classification", model=d, tokenizer=d)
    labels = ["movies", "travel", "work", "food"]
    json.dump({"inputs": TEXTS[:4], "labels": labels,
               "single": [p(t, candidate_labels=labels) for t in TEXTS[:4]],
               "multi": [p(t, candidate_labels=labels, multi_label=True) for t in TEXTS[:4]],
               "template": [p(t, candidate_labels=labels, hypothesis_template="The topic is {}") for t in TEXTS[:2]]},
              open(os.path.join(d, "golden.json"), "w"), indent=1)

    # transformers 5 removed the question-answering pipeline: there is no Python reference for it.
    print("pipeline fixtures written to", root)


if __name__ == "__main__":
    make_fixtures.ensure_venv()
    main()
