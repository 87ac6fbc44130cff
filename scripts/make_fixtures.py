#!/usr/bin/env python3
"""Builds the parity fixtures: tiny random Hugging Face checkpoints plus the inputs and the outputs
Python transformers computes on them. The C++ tests compare against these files; CI never runs
this script. Re-run it after changing a fixture:  python3 scripts/make_fixtures.py

It re-executes itself inside a venv (default ~/.venvs/tcpp, override with TCPP_VENV) holding the
pinned packages below, installing them from PyPI on first use.
"""
import os
import subprocess
import sys

PINS = ["transformers==5.24.0", "torch==2.15.0", "safetensors==0.8.0", "tokenizers==0.23.3", "numpy==2.4.6",
        "sentencepiece", "protobuf", "sentence-transformers==6.2.0", "soxr", "soundfile", "torchvision==0.29.2", "pillow==12.0.0", "accelerate"]
VENV = os.environ.get("TCPP_VENV", os.path.expanduser("~/.venvs/tcpp"))
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures")


def spread_weights(model, seed, norm_base=1.0):
    """Random weights large enough that logits are well separated: greedy and beam choices then do
    not hinge on the last bits of float rounding. Frozen tables (sinusoidal positions) stay as built."""
    import torch

    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if not p.requires_grad:
                continue
            if p.dim() >= 2:
                p.copy_(torch.randn(p.shape, generator=g) * 0.25)
            elif "norm" in name:
                p.copy_(norm_base + torch.randn(p.shape, generator=g) * 0.1)
            else:
                p.copy_(torch.randn(p.shape, generator=g) * 0.1)
        if getattr(model, "final_logits_bias", None) is not None:
            model.final_logits_bias.copy_(torch.randn(model.final_logits_bias.shape, generator=g) * 0.5)


def bert_wordpiece(corpus, vocab_size):
    """A lowercasing WordPiece tokenizer (BERT's pipeline: [CLS] A [SEP] B:1 [SEP]:1) trained on `corpus`."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    tok.train_from_iterator(corpus, trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]))
    tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
                                                       special_tokens=[("[CLS]", tok.token_to_id("[CLS]")), ("[SEP]", tok.token_to_id("[SEP]"))])
    return tok


def ensure_venv():
    py = os.path.join(VENV, "bin", "python")
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        return
    if not os.path.exists(py):
        subprocess.check_call([sys.executable, "-m", "venv", VENV])
    subprocess.check_call([py, "-m", "pip", "install", "-q", *PINS])
    os.execv(py, [py, *sys.argv])


def main():
    import shutil

    import torch
    import transformers
    from safetensors.torch import save_file
    from transformers import BertConfig, BertForMaskedLM, BertModel

    print("transformers", transformers.__version__, "torch", torch.__version__)

    def fresh(path):
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)
        return path

    def flatten(out, prefix=""):
        flat = {}
        for k, v in out.items():
            if isinstance(v, torch.Tensor):
                flat[prefix + k] = v.detach().float().contiguous() if v.is_floating_point() else v.detach().long().contiguous()
            elif isinstance(v, (tuple, list)):
                for i, t in enumerate(v):
                    if isinstance(t, torch.Tensor):
                        flat[f"{prefix}{k}.{i}"] = t.detach().float().contiguous()
            elif hasattr(v, "items"):
                flat.update(flatten(v, prefix + k + "."))
        return flat

    torch.manual_seed(0)
    cfg = dict(vocab_size=1000, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37,
               max_position_embeddings=64, type_vocab_size=2, hidden_act="gelu")
    # A padded batch: row 1 is shorter, with token types set on its second segment.
    input_ids = torch.tensor([[101, 7, 512, 33, 999, 4, 102], [101, 45, 88, 102, 0, 0, 0]])
    attention_mask = torch.tensor([[1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0, 0]])
    token_type_ids = torch.tensor([[0, 0, 0, 1, 1, 1, 1], [0, 0, 1, 1, 0, 0, 0]])
    inputs = {"input_ids": input_ids, "attention_mask": attention_mask, "token_type_ids": token_type_ids}

    def run(model, path, name="outputs.safetensors", keep=None):
        model.eval()
        with torch.no_grad():
            out = model(**inputs)
        flat = flatten(out)
        if keep:
            flat = {k: v for k, v in flat.items() if k in keep}
        save_file(flat, os.path.join(path, name))

    def save_inputs(path):
        save_file({k: v.contiguous() for k, v in inputs.items()}, os.path.join(path, "inputs.safetensors"))

    # Base model, fp32.
    base = fresh(os.path.join(OUT, "bert", "base"))
    m = BertModel(BertConfig(**cfg))
    m.save_pretrained(base)
    save_inputs(base)
    run(m, base)

    # MLM head checkpoint (bert.* keys, tied decoder), and AutoModel loaded from it (pooler absent).
    mlm = fresh(os.path.join(OUT, "bert", "mlm"))
    m = BertForMaskedLM(BertConfig(**cfg))
    m.save_pretrained(mlm)
    save_inputs(mlm)
    run(m, mlm)
    run(BertModel.from_pretrained(mlm), mlm, "outputs_automodel.safetensors", keep={"last_hidden_state"})

    # bf16 checkpoint. Reference outputs from the same bf16 weights computed in fp32 (what our
    # dtype=float32 load does), plus Python's own bf16 run for the bf16 compute path.
    b16 = fresh(os.path.join(OUT, "bert", "bf16"))
    m = BertModel(BertConfig(**cfg)).to(torch.bfloat16)
    m.save_pretrained(b16)
    save_inputs(b16)
    run(m, b16, "outputs_bf16.safetensors")
    run(m.float(), b16)

    # Sharded checkpoint (model.safetensors.index.json + shards).
    sh = fresh(os.path.join(OUT, "bert", "sharded"))
    m = BertModel(BertConfig(**cfg))
    m.save_pretrained(sh, max_shard_size="40KB")
    save_inputs(sh)
    run(m, sh)
    assert os.path.exists(os.path.join(sh, "model.safetensors.index.json")), "sharding did not happen"
    make_head_fixtures(fresh, flatten)
    print("fixtures written to", OUT)


def make_head_fixtures(fresh, flatten):
    """Every (model_type, Auto class) we map: a tiny random checkpoint saved as that class, the
    padded-batch inputs and the Python outputs, listed in fixtures/heads/index.json."""
    import json

    import torch
    import transformers as tf
    from safetensors.torch import save_file

    small = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37,
                 max_position_embeddings=64, num_labels=3)
    families = {
        "bert": (tf.BertConfig, dict(vocab_size=1000, type_vocab_size=2), 0),
        "roberta": (tf.RobertaConfig, dict(vocab_size=1000, type_vocab_size=1, max_position_embeddings=66), 1),
        "xlm-roberta": (tf.XLMRobertaConfig, dict(vocab_size=1000, type_vocab_size=1, max_position_embeddings=66), 1),
        "camembert": (tf.CamembertConfig, dict(vocab_size=1000, type_vocab_size=1, max_position_embeddings=66), 1),
        "electra": (tf.ElectraConfig, dict(vocab_size=1000, embedding_size=16, type_vocab_size=2), 0),
        "albert": (tf.AlbertConfig, dict(vocab_size=1000, embedding_size=16, num_hidden_layers=3, num_hidden_groups=2,
                                         inner_group_num=2, hidden_act="gelu_new", type_vocab_size=2), 0),
        "mpnet": (tf.MPNetConfig, dict(vocab_size=1000, max_position_embeddings=66, type_vocab_size=1), 1),
        "modernbert": (tf.ModernBertConfig, dict(vocab_size=1000, intermediate_size=24, num_hidden_layers=3, local_attention=16,
                                                 type_vocab_size=1, max_position_embeddings=64, norm_bias=False), 0),
        "distilbert": (tf.DistilBertConfig, dict(vocab_size=1000, dim=32, n_layers=2, n_heads=4, hidden_dim=37,
                                                 activation="gelu", type_vocab_size=1), 0),
    }
    tasks = {
        "bert": [("AutoModelForSequenceClassification", "BertForSequenceClassification"),
                 ("AutoModelForTokenClassification", "BertForTokenClassification"),
                 ("AutoModelForQuestionAnswering", "BertForQuestionAnswering"),
                 ("AutoModelForMultipleChoice", "BertForMultipleChoice"),
                 ("AutoModelForNextSentencePrediction", "BertForNextSentencePrediction"),
                 ("AutoModelForPreTraining", "BertForPreTraining")],
        "roberta": [("AutoModel", "RobertaModel"), ("AutoModelForMaskedLM", "RobertaForMaskedLM"),
                    ("AutoModelForSequenceClassification", "RobertaForSequenceClassification"),
                    ("AutoModelForTokenClassification", "RobertaForTokenClassification"),
                    ("AutoModelForQuestionAnswering", "RobertaForQuestionAnswering"),
                    ("AutoModelForMultipleChoice", "RobertaForMultipleChoice")],
        "xlm-roberta": [("AutoModel", "XLMRobertaModel"), ("AutoModelForMaskedLM", "XLMRobertaForMaskedLM"),
                        ("AutoModelForSequenceClassification", "XLMRobertaForSequenceClassification")],
        "camembert": [("AutoModel", "CamembertModel"), ("AutoModelForMaskedLM", "CamembertForMaskedLM"),
                      ("AutoModelForTokenClassification", "CamembertForTokenClassification")],
        "electra": [("AutoModel", "ElectraModel"), ("AutoModelForMaskedLM", "ElectraForMaskedLM"),
                    ("AutoModelForPreTraining", "ElectraForPreTraining"),
                    ("AutoModelForSequenceClassification", "ElectraForSequenceClassification"),
                    ("AutoModelForTokenClassification", "ElectraForTokenClassification"),
                    ("AutoModelForQuestionAnswering", "ElectraForQuestionAnswering")],
        "albert": [("AutoModel", "AlbertModel"), ("AutoModelForMaskedLM", "AlbertForMaskedLM"),
                   ("AutoModelForPreTraining", "AlbertForPreTraining"),
                   ("AutoModelForSequenceClassification", "AlbertForSequenceClassification"),
                   ("AutoModelForTokenClassification", "AlbertForTokenClassification"),
                   ("AutoModelForQuestionAnswering", "AlbertForQuestionAnswering"),
                   ("AutoModelForMultipleChoice", "AlbertForMultipleChoice")],
        "mpnet": [("AutoModel", "MPNetModel"), ("AutoModelForMaskedLM", "MPNetForMaskedLM"),
                  ("AutoModelForSequenceClassification", "MPNetForSequenceClassification"),
                  ("AutoModelForTokenClassification", "MPNetForTokenClassification"),
                  ("AutoModelForQuestionAnswering", "MPNetForQuestionAnswering"),
                  ("AutoModelForMultipleChoice", "MPNetForMultipleChoice")],
        "modernbert": [("AutoModel", "ModernBertModel"), ("AutoModelForMaskedLM", "ModernBertForMaskedLM"),
                       ("AutoModelForSequenceClassification", "ModernBertForSequenceClassification"),
                       ("AutoModelForTokenClassification", "ModernBertForTokenClassification")],
        "distilbert": [("AutoModel", "DistilBertModel"), ("AutoModelForMaskedLM", "DistilBertForMaskedLM"),
                       ("AutoModelForSequenceClassification", "DistilBertForSequenceClassification"),
                       ("AutoModelForTokenClassification", "DistilBertForTokenClassification"),
                       ("AutoModelForQuestionAnswering", "DistilBertForQuestionAnswering"),
                       ("AutoModelForMultipleChoice", "DistilBertForMultipleChoice")],
    }
    index = []
    root = os.path.join(OUT, "heads")
    for mt, (cfg_cls, extra, pad) in families.items():
        for auto_class, cls_name in tasks[mt]:
            torch.manual_seed(len(index) + 1)
            labels = 2 if "QuestionAnswering" in cls_name else 3  # QA heads are Linear(hidden, num_labels=2)
            cfg = cfg_cls(**{**small, **extra, "num_labels": labels}, pad_token_id=pad)
            model = getattr(tf, cls_name)(cfg).eval()
            if mt == "modernbert":
                # sdpa and eager disagree on fully masked (padded, out-of-window) query rows; eager is the
                # reference formulation, and the rows that carry tokens agree to 2e-7 either way.
                model.set_attn_implementation("eager")
            d = fresh(os.path.join(root, f"{mt}-{cls_name}"))
            model.save_pretrained(d)
            ids = torch.tensor([[5, 7, 512, 33, 999, 4, 6], [5, 45, 88, 6, pad, pad, pad]])
            if mt in ("mpnet", "modernbert"):  # long enough for the logarithmic relative-position buckets (distance >= 8)
                g = torch.Generator().manual_seed(7)
                ids = torch.randint(5, 1000, (2, 40), generator=g)
                ids[1, 25:] = pad
            mask = (ids != pad).long() if pad != 0 or ids.shape[1] != 7 else torch.tensor([[1] * 7, [1, 1, 1, 1, 0, 0, 0]])
            inputs = {"input_ids": ids, "attention_mask": mask}
            if extra.get("type_vocab_size", 2) > 1:
                inputs["token_type_ids"] = torch.tensor([[0, 0, 0, 1, 1, 1, 1], [0, 0, 1, 1, 0, 0, 0]])
            if "MultipleChoice" in cls_name:
                inputs = {k: torch.stack([v, v.flip(0), v]).transpose(0, 1).contiguous() for k, v in inputs.items()}
            with torch.no_grad():
                out = model(**inputs)
            save_file({k: v.contiguous() for k, v in inputs.items()}, os.path.join(d, "inputs.safetensors"))
            save_file(flatten(out), os.path.join(d, "outputs.safetensors"))
            index.append({"dir": f"{mt}-{cls_name}", "auto_class": auto_class, "class": cls_name})
    with open(os.path.join(root, "index.json"), "w") as f:
        json.dump(index, f, indent=1)


if __name__ == "__main__":
    ensure_venv()
    if "--venv-only" not in sys.argv:
        main()
