#!/usr/bin/env python3
"""GGUF checkpoints as llama.cpp's convert_hf_to_gguf.py lays them out (fixtures/gguf/), and what
transformers makes of them with `from_pretrained(folder, gguf_file=...)`.

Pins: transformers 5.24.0, torch 2.15.0, gguf 0.19.0, tokenizers 0.23.3 (the ~/.venvs/tcpp venv).
Run:  ~/.venvs/tcpp/bin/python scripts/make_gguf_fixtures.py

Each model is a tiny random *ForCausalLM (hidden 64, 2 layers, K a multiple of 32 for Q8_0 / Q4_0)
with a tokenizer trained here on one paragraph, written with gguf.GGUFWriter: llama-style keys,
tokenizer.ggml.* keys, llama.cpp tensor names, q/k rows permuted for llama, norms in F32 and the
2-D weights in the file's type (gguf.quants.quantize for Q8_0 / Q4_0). transformers then loads the
file back (it dequantizes every tensor to fp32) and we record, per file, in <name>.json:
config essentials, tokenizer ids on edge-case texts, logits of a left-padded batch of two prompts
(<name>.logits.safetensors) and greedy generate() ids (10 new tokens).
"""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures  # noqa: E402

CORPUS = (
    "The quick brown fox jumps over the lazy dog. It's 2024 and we're testing 123 tokenizers, aren't we? "
    "Hello world! Hello again, world: numbers 0 1 22 333 4444 and symbols #$%&*()[]{} are here. "
    "Don't stop; they'll say I'd rather go. Caf\u00e9 na\u00efve r\u00e9sum\u00e9 \u4f60\u597d\u4e16\u754c \U0001f600 emoji. "
    "  leading spaces and\ttabs\nnew lines\n\nthe end of the paragraph is near, the model is tiny."
)

TEXTS = [
    "Hello world",
    " Hello world",
    "   leading spaces",
    "It's 2024, we're here and they'll go.",
    "digits 1234567 and 3.14",
    "emoji \U0001f600 and \U0001f680!",
    "\u4f60\u597d\uff0c\u4e16\u754c",
    "tabs\tand\nnewlines\n\n",
    "",
]

H, INTER, LAYERS, HEADS, KV, HEAD_DIM = 64, 128, 2, 4, 2, 16


def spm_tokenizer():
    """A sentencepiece-style vocabulary (llama.cpp's 'llama' model): <unk> <s> </s>, 256 byte
    tokens, one control token, then BPE pieces trained with a Metaspace pre-tokenizer."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="first", split=False)
    trainer = trainers.BpeTrainer(vocab_size=200, special_tokens=["<unk>", "<s>", "</s>"], show_progress=False)
    tok.train_from_iterator([CORPUS] * 4, trainer)
    learned = sorted(tok.get_vocab().items(), key=lambda kv: kv[1])
    tokens, scores, types = ["<unk>", "<s>", "</s>"], [0.0, 0.0, 0.0], [2, 3, 3]
    for b in range(256):
        tokens.append(f"<0x{b:02X}>"), scores.append(0.0), types.append(6)
    tokens.append("<sep>"), scores.append(0.0), types.append(3)
    tokens.append("<tool>"), scores.append(0.0), types.append(4)
    for piece, i in learned:
        if piece in ("<unk>", "<s>", "</s>"):
            continue
        tokens.append(piece), scores.append(-float(i)), types.append(1)
    return dict(model="llama", pre="default", tokens=tokens, scores=scores, types=types, merges=None,
                bos=1, eos=2, unk=0, pad=None, add_bos=True, add_eos=False)


def bpe_tokenizer():
    """A byte-level BPE vocabulary (llama.cpp's 'gpt2' model with pre 'qwen2'), merges included."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(vocab_size=340, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator([CORPUS] * 4, trainer)
    state = json.loads(tok.to_str())["model"]
    tokens = [t for t, _ in sorted(state["vocab"].items(), key=lambda kv: kv[1])]
    merges = [m if isinstance(m, str) else " ".join(m) for m in state["merges"]]
    types = [1] * len(tokens)
    for special in ("<|endoftext|>", "<|im_start|>", "<|im_end|>"):
        tokens.append(special), types.append(3)
    tokens.append("<think>"), types.append(4)
    n = len(tokens)
    return dict(model="gpt2", pre="qwen2", tokens=tokens, scores=None, types=types, merges=merges,
                bos=n - 4, eos=n - 2, unk=None, pad=n - 4, add_bos=False, add_eos=False)


def permute(w, n_head, n_head_kv):
    """llama.cpp's LlamaModel.permute: rotary halves -> interleaved pairs, per head."""
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def write_gguf(path, arch, name, model, cfg, tok, qtype):
    import gguf
    import numpy as np

    w = gguf.GGUFWriter(path, arch)
    w.add_name(name)
    w.add_context_length(cfg.max_position_embeddings)
    w.add_embedding_length(cfg.hidden_size)
    w.add_block_count(cfg.num_hidden_layers)
    w.add_feed_forward_length(cfg.intermediate_size)
    w.add_head_count(cfg.num_attention_heads)
    w.add_head_count_kv(cfg.num_key_value_heads)
    w.add_rope_freq_base(cfg.rope_parameters["rope_theta"])
    w.add_layer_norm_rms_eps(cfg.rms_norm_eps)
    if arch == "llama":
        w.add_rope_dimension_count(HEAD_DIM)
        w.add_vocab_size(len(tok["tokens"]))
    if arch == "qwen3":
        w.add_key_length(cfg.head_dim)
        w.add_value_length(cfg.head_dim)
    w.add_file_type({"F32": 0, "F16": 1, "Q4_0": 2, "Q8_0": 7}[qtype])
    w.add_tokenizer_model(tok["model"])
    w.add_tokenizer_pre(tok["pre"])
    w.add_token_list(tok["tokens"])
    if tok["scores"] is not None:
        w.add_token_scores(tok["scores"])
    w.add_token_types(tok["types"])
    if tok["merges"] is not None:
        w.add_token_merges(tok["merges"])
    w.add_bos_token_id(tok["bos"])
    w.add_eos_token_id(tok["eos"])
    if tok["unk"] is not None:
        w.add_unk_token_id(tok["unk"])
    if tok["pad"] is not None:
        w.add_pad_token_id(tok["pad"])
    w.add_add_bos_token(tok["add_bos"])
    w.add_add_eos_token(tok["add_eos"])

    names = {"model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight", "lm_head.weight": "output.weight"}
    per_layer = {"input_layernorm": "attn_norm", "post_attention_layernorm": "ffn_norm", "self_attn.q_proj": "attn_q",
                 "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v", "self_attn.o_proj": "attn_output",
                 "self_attn.q_norm": "attn_q_norm", "self_attn.k_norm": "attn_k_norm", "mlp.gate_proj": "ffn_gate",
                 "mlp.up_proj": "ffn_up", "mlp.down_proj": "ffn_down"}
    for i in range(cfg.num_hidden_layers):
        for hf, gg in per_layer.items():
            for suffix in ("weight", "bias"):
                names[f"model.layers.{i}.{hf}.{suffix}"] = f"blk.{i}.{gg}.{suffix}"
    qt = getattr(gguf.GGMLQuantizationType, qtype)
    for hf_name, t in model.state_dict().items():
        if cfg.tie_word_embeddings and hf_name == "lm_head.weight":
            continue
        data = t.detach().float().numpy()
        if arch == "llama" and hf_name.endswith("q_proj.weight"):
            data = permute(data, cfg.num_attention_heads, cfg.num_attention_heads)
        if arch == "llama" and hf_name.endswith("k_proj.weight"):
            data = permute(data, cfg.num_attention_heads, cfg.num_key_value_heads)
        if data.ndim == 1 or qtype == "F32":  # llama.cpp keeps norms and biases in F32
            w.add_tensor(names[hf_name], data.astype(np.float32))
        elif qtype == "F16":
            w.add_tensor(names[hf_name], data.astype(np.float16))
        else:
            w.add_tensor(names[hf_name], gguf.quants.quantize(data, qt), raw_dtype=qt)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def record(root, fname, gguf_name, texts):
    import torch
    import transformers as tf
    from safetensors.torch import save_file

    config = tf.AutoConfig.from_pretrained(root, gguf_file=gguf_name)
    tokenizer = tf.AutoTokenizer.from_pretrained(root, gguf_file=gguf_name)
    model = tf.AutoModelForCausalLM.from_pretrained(root, gguf_file=gguf_name).eval()
    cd = config.to_dict()
    keep = ["model_type", "architectures", "vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
            "num_attention_heads", "num_key_value_heads", "head_dim", "max_position_embeddings", "rms_norm_eps",
            "tie_word_embeddings", "bos_token_id", "eos_token_id", "pad_token_id", "unk_token_id", "rope_parameters"]
    out = {"config": {k: cd.get(k) for k in keep}, "tokenizer_class": type(tokenizer).__name__,
           "backend": json.loads(tokenizer.backend_tokenizer.to_str())["pre_tokenizer"], "texts": texts,
           "ids": [tokenizer(t)["input_ids"] for t in texts],
           "decoded": [tokenizer.decode(tokenizer(t)["input_ids"], skip_special_tokens=False) for t in texts]}
    prompts = ["Hello world, the quick", "It's"]
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    batch = tokenizer(prompts, return_tensors="pt", padding=True)
    with torch.no_grad():
        logits = model(**batch).logits
        gen = model.generate(**batch, max_new_tokens=10, do_sample=False, pad_token_id=tokenizer.pad_token_id)
    out["prompts"] = prompts
    out["input_ids"] = batch["input_ids"].tolist()
    out["attention_mask"] = batch["attention_mask"].tolist()
    out["generated"] = gen.tolist()
    out["logits_dtype"] = str(logits.dtype)
    save_file({"logits": logits.float().contiguous()}, os.path.join(root, fname + ".logits.safetensors"))
    with open(os.path.join(root, fname + ".json"), "w") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)


def main():
    import torch
    import transformers as tf

    root = os.path.join(make_fixtures.ROOT, "fixtures", "gguf")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    spm, bpe = spm_tokenizer(), bpe_tokenizer()
    common = dict(hidden_size=H, intermediate_size=INTER, num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                  num_key_value_heads=KV, max_position_embeddings=128, rms_norm_eps=1e-6)
    specs = [
        ("llama", "tiny-llama", tf.LlamaConfig, tf.LlamaForCausalLM, spm, dict(tie_word_embeddings=False, head_dim=HEAD_DIM), ["F16", "Q8_0", "Q4_0"]),
        ("qwen2", "tiny-qwen2", tf.Qwen2Config, tf.Qwen2ForCausalLM, bpe, dict(tie_word_embeddings=True), ["F32", "Q4_0"]),
        ("qwen3", "tiny-qwen3", tf.Qwen3Config, tf.Qwen3ForCausalLM, bpe,
         dict(tie_word_embeddings=True, num_attention_heads=2, num_key_value_heads=1, head_dim=128), ["Q8_0"]),
    ]
    index = []
    for seed, (arch, name, cfg_cls, model_cls, tok, extra, qtypes) in enumerate(specs):
        # transformers maps no head_dim for qwen3 GGUFs: the file must use Qwen3Config's default (128)
        cfg = cfg_cls(vocab_size=len(tok["tokens"]), rope_parameters={"rope_type": "default", "rope_theta": 10000.0}, **{**common, **extra})
        torch.manual_seed(seed)
        model = model_cls(cfg).eval()
        make_fixtures.spread_weights(model, seed=10 + seed)
        for qtype in qtypes:
            fname = f"{arch}-{qtype}"
            write_gguf(os.path.join(root, fname + ".gguf"), arch, name, model, cfg, tok, qtype)
            texts = TEXTS + (["<s> inline <sep> and <tool> tokens</s>"] if tok is spm else
                             ["<|im_start|>user\nhi<|im_end|> <think>x</think><|endoftext|>"])
            record(root, fname, fname + ".gguf", texts)
            index.append(fname)
            print(fname, os.path.getsize(os.path.join(root, fname + ".gguf")), "bytes")
    with open(os.path.join(root, "index.json"), "w") as f:
        json.dump(index, f, indent=1)
    config_only(root)


CONFIG_KEYS = ["model_type", "vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
               "num_key_value_heads", "head_dim", "max_position_embeddings", "rms_norm_eps", "tie_word_embeddings",
               "bos_token_id", "eos_token_id", "pad_token_id", "num_experts", "num_experts_per_tok", "norm_topk_prob",
               "sliding_window", "rope_parameters"]


def config_only(root):
    """Metadata-only files (no tensors) for the architectures whose config we rebuild but whose
    weights we do not load yet: transformers' AutoConfig(gguf_file=...) on each, in configs.json."""
    import gguf
    import transformers as tf

    d = os.path.join(root, "config_only")
    os.makedirs(d)
    out = {}
    for arch, name, extra in (("llama", "mistral", {}), ("qwen2moe", "tiny-qwen2moe", {"expert_count": 4, "expert_used_count": 2}),
                              ("qwen3moe", "tiny-qwen3moe", {"expert_count": 8, "expert_used_count": 2, "attention.key_length": 32}),
                              ("gemma2", "tiny-gemma2", {"attention.key_length": 32, "attention.sliding_window": 64}),
                              ("gemma3", "tiny-gemma3", {"attention.key_length": 32, "attention.sliding_window": 64}),
                              ("phi3", "tiny-phi3", {})):
        fname = f"{arch}-{name}.gguf"
        w = gguf.GGUFWriter(os.path.join(d, fname), arch)
        w.add_name(name)
        w.add_context_length(256), w.add_embedding_length(64), w.add_block_count(3), w.add_feed_forward_length(96)
        w.add_head_count(4), w.add_head_count_kv(2), w.add_rope_freq_base(500000.0), w.add_layer_norm_rms_eps(1e-5)
        w.add_rope_dimension_count(16)
        for k, v in extra.items():
            w.add_uint32(f"{arch}.{k}", v)
        w.add_tokenizer_model("gpt2"), w.add_token_list(["a", "b", "c", "<|endoftext|>"]), w.add_token_merges(["a b"])
        w.add_bos_token_id(3), w.add_eos_token_id(3)
        w.write_header_to_file(), w.write_kv_data_to_file(), w.write_tensors_to_file(), w.close()
        cd = tf.AutoConfig.from_pretrained(d, gguf_file=fname).to_dict()
        out[fname] = {k: cd.get(k) for k in CONFIG_KEYS if k in cd}
    with open(os.path.join(d, "configs.json"), "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    if sys.argv[1:] == ["--config-only"]:  # only the metadata-only files (fixtures/gguf/config_only)
        shutil.rmtree(os.path.join(make_fixtures.ROOT, "fixtures", "gguf", "config_only"), ignore_errors=True)
        config_only(os.path.join(make_fixtures.ROOT, "fixtures", "gguf"))
    else:
        main()
