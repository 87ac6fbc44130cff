#!/usr/bin/env python3
"""Question-answering goldens (fixtures/question_answering/): a tiny WordPiece tokenizer and a tiny
random BertForQuestionAnswering run through transformers v4's question-answering pipeline (v5
removed that pipeline; its last release, 4.57.1, is loaded from an overlay at ~/.venvs/tf4 that this
script fills from PyPI: the transformers, tokenizers and huggingface_hub wheels only, on top of the
fixture venv's torch and numpy).
Run:  python3 scripts/make_qa_fixtures.py   (same venv as make_fixtures.py)
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures  # noqa: E402

OVERLAY = os.path.expanduser("~/.venvs/tf4")
WHEELS = ["transformers==4.57.1", "tokenizers==0.22.1", "huggingface_hub==0.36.2", "requests", "urllib3", "idna", "charset_normalizer",
          "certifi"]

CONTEXT = ("Paris is the capital of France. It has many museums, the Louvre among them, and about two million people live there. "
           "The Seine flows through the city from east to west. Zoë moved to Paris in 2019 to study art history at the Sorbonne.")
CASES = [
    {"question": "What is the capital of France?", "context": CONTEXT, "kwargs": {}},
    {"question": "Where did Zoë move?", "context": CONTEXT, "kwargs": {"top_k": 3}},
    {"question": "Which river flows through the city?", "context": CONTEXT, "kwargs": {"max_seq_len": 32, "doc_stride": 8, "top_k": 2}},
    {"question": "How many people live there?", "context": CONTEXT, "kwargs": {"handle_impossible_answer": True, "top_k": 2}},
    {"question": "What did she study?", "context": CONTEXT, "kwargs": {"max_answer_len": 3, "top_k": 4}},
    {"question": "Which museum is in Paris?", "context": CONTEXT, "kwargs": {"align_to_words": False, "top_k": 3}},
]


def ensure_overlay():
    if os.path.exists(os.path.join(OVERLAY, "transformers", "__init__.py")):
        return
    dl = os.path.join(OVERLAY, "_wheels")
    os.makedirs(dl, exist_ok=True)
    subprocess.check_call([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", dl] + WHEELS)
    for w in glob.glob(os.path.join(dl, "*.whl")):
        zipfile.ZipFile(w).extractall(OVERLAY)
    shutil.rmtree(dl)


def main():
    import torch
    import transformers as tf
    assert tf.__version__.startswith("4."), tf.__version__
    root = os.path.join(make_fixtures.ROOT, "fixtures", "question_answering")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    tok = make_fixtures.bert_wordpiece([c["question"] + " " + c["context"] for c in CASES] * 10, 160)
    fast = tf.PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]",
                                      mask_token="[MASK]", model_max_length=64,
                                      # as BERT's tokenizer classes declare them (v4 and v5 defaults differ)
                                      model_input_names=["input_ids", "token_type_ids", "attention_mask"])
    torch.manual_seed(7)
    cfg = tf.BertConfig(vocab_size=tok.get_vocab_size(), hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37,
                        max_position_embeddings=64, initializer_range=0.3)
    model = tf.BertForQuestionAnswering(cfg).eval()
    model.save_pretrained(root, safe_serialization=True)
    fast.save_pretrained(root)
    pipe = tf.pipeline("question-answering", model=root, tokenizer=root)
    results = []
    for c in CASES:
        r = pipe(question=c["question"], context=c["context"], **c["kwargs"])
        results.append(r if isinstance(r, list) else [r])
    with open(os.path.join(root, "golden.json"), "w") as f:
        json.dump({"transformers": tf.__version__, "cases": CASES, "results": results}, f, indent=1, ensure_ascii=False)
    print("question-answering:", [[a["answer"] for a in r] for r in results])


if __name__ == "__main__":
    make_fixtures.ensure_venv()
    if os.environ.get("TCPP_QA_OVERLAY") != "1":
        ensure_overlay()
        env = dict(os.environ, TCPP_QA_OVERLAY="1", PYTHONPATH=OVERLAY + os.pathsep + os.environ.get("PYTHONPATH", ""))
        os.execve(sys.executable, [sys.executable, os.path.abspath(__file__)], env)
    main()
