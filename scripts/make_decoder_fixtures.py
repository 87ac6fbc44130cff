#!/usr/bin/env python3
"""Decoder-only parity fixtures: a tiny random checkpoint per architecture (fixtures/decoders/<arch>/)
with the logits Python transformers computes on a left-padded batch, and the sequences its
generate() returns for greedy, beam and processor-heavy settings (generate.json). Also decoder task
heads (fixtures/decoders/index.json), a bf16 and a sharded checkpoint.
Run:  python3 scripts/make_decoder_fixtures.py   (same venv and pins as make_fixtures.py)
"""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import OUT, ensure_venv, spread_weights  # noqa: E402

V, PAD = 256, 0


def main():
    import torch
    import transformers as tf
    from safetensors.torch import save_file

    root = os.path.join(OUT, "decoders")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    small = dict(vocab_size=V, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                 num_key_value_heads=2, head_dim=8, max_position_embeddings=64, pad_token_id=PAD, bos_token_id=1,
                 eos_token_id=2, tie_word_embeddings=False)
    archs = {
        "llama": (tf.LlamaConfig, dict(rope_parameters=dict(rope_type="llama3", rope_theta=10000.0, factor=8.0, low_freq_factor=1.0,
                                                            high_freq_factor=4.0, original_max_position_embeddings=16),
                                       attention_bias=True)),
        "llama-dynamic": (tf.LlamaConfig, dict(max_position_embeddings=10, rope_parameters=dict(rope_type="dynamic", rope_theta=10000.0, factor=2.0))),
        "llama-yarn": (tf.LlamaConfig, dict(rope_parameters=dict(rope_type="yarn", rope_theta=10000.0, factor=4.0,
                                                                 original_max_position_embeddings=16))),
        "mistral": (tf.MistralConfig, dict(sliding_window=4)),
        "qwen2": (tf.Qwen2Config, dict(use_sliding_window=True, sliding_window=3, max_window_layers=1)),
        "qwen3": (tf.Qwen3Config, dict(tie_word_embeddings=True)),
        "gemma": (tf.GemmaConfig, dict(tie_word_embeddings=True)),
        "gemma2": (tf.Gemma2Config, dict(tie_word_embeddings=True, sliding_window=4, query_pre_attn_scalar=16,
                                         attn_logit_softcapping=5.0, final_logit_softcapping=3.0)),
        "gemma3_text": (tf.Gemma3TextConfig, dict(tie_word_embeddings=True, sliding_window=4, sliding_window_pattern=2,
                                                  num_hidden_layers=3, query_pre_attn_scalar=8,
                                                  rope_parameters={"full_attention": dict(rope_type="linear", rope_theta=100000.0, factor=2.0),
                                                                   "sliding_attention": dict(rope_type="default", rope_theta=10000.0)})),
        "olmo2": (tf.Olmo2Config, dict()),
        "granite": (tf.GraniteConfig, dict(embedding_multiplier=2.0, attention_multiplier=0.3, residual_multiplier=0.5, logits_scaling=4.0)),
        "smollm3": (tf.SmolLM3Config, dict(no_rope_layers=[1, 0])),
        "phi3": (tf.Phi3Config, dict(max_position_embeddings=32, original_max_position_embeddings=8,
                                     rope_parameters=dict(rope_type="longrope", rope_theta=10000.0, partial_rotary_factor=0.5,
                                                          short_factor=[1.0, 1.5], long_factor=[2.0, 4.0],
                                                          original_max_position_embeddings=8))),
        "mixtral": (tf.MixtralConfig, dict(num_local_experts=4, num_experts_per_tok=2)),
        "qwen3_moe": (tf.Qwen3MoeConfig, dict(num_experts=4, num_experts_per_tok=2, moe_intermediate_size=16, decoder_sparse_step=1,
                                             mlp_only_layers=[1], norm_topk_prob=True)),
        "phi": (tf.PhiConfig, dict(qk_layernorm=True, rope_parameters=dict(rope_type="default", rope_theta=10000.0, partial_rotary_factor=0.5))),
        "stablelm": (tf.StableLmConfig, dict(use_qkv_bias=True, use_parallel_residual=True,
                                             rope_parameters=dict(rope_type="default", rope_theta=10000.0, partial_rotary_factor=0.25))),
        "stablelm-serial": (tf.StableLmConfig, dict()),
        "gpt_neox": (tf.GPTNeoXConfig, dict(use_parallel_residual=True,
                                             rope_parameters=dict(rope_type="default", rope_theta=10000.0, partial_rotary_factor=0.5))),
        "gpt_neox-serial": (tf.GPTNeoXConfig, dict(use_parallel_residual=False)),
        "opt": (tf.OPTConfig, dict(ffn_dim=64, word_embed_proj_dim=16, pad_token_id=PAD, bos_token_id=1, eos_token_id=2)),
        "opt-postnorm": (tf.OPTConfig, dict(ffn_dim=64, do_layer_norm_before=False, pad_token_id=PAD)),
        "gpt_oss": (tf.GptOssConfig, dict(num_local_experts=4, num_experts_per_tok=2, sliding_window=4, swiglu_limit=1.5,
                                          rope_parameters=dict(rope_type="yarn", rope_theta=150000.0, factor=4.0, beta_fast=32.0,
                                                               beta_slow=1.0, original_max_position_embeddings=16, truncate=False))),
        "gpt2": (tf.GPT2Config, dict(n_embd=32, n_layer=2, n_head=4, n_positions=64, activation_function="gelu_new")),
        "deepseek_v3": (tf.DeepseekV3Config, dict(moe_intermediate_size=16, n_routed_experts=8, n_group=4, topk_group=2,
                                                  num_experts_per_tok=3, first_k_dense_replace=1, q_lora_rank=16, kv_lora_rank=8,
                                                  qk_rope_head_dim=4, qk_nope_head_dim=8, v_head_dim=8, num_key_value_heads=4, head_dim=4,
                                                  rope_parameters=dict(rope_type="yarn", rope_theta=10000.0, factor=4.0,
                                                                       original_max_position_embeddings=16, mscale=1.0,
                                                                       mscale_all_dim=1.0, beta_fast=32.0, beta_slow=1.0))),
        "deepseek_v3-noqlora": (tf.DeepseekV3Config, dict(moe_intermediate_size=16, n_routed_experts=4, n_group=2, topk_group=1,
                                                          num_experts_per_tok=2, first_k_dense_replace=1, q_lora_rank=None,
                                                          kv_lora_rank=8, qk_rope_head_dim=4, qk_nope_head_dim=8, v_head_dim=8, head_dim=4,
                                                          num_key_value_heads=4, rope_interleave=False, n_shared_experts=2)),
        "falcon": (tf.FalconConfig, dict(multi_query=True, parallel_attn=True, bias=False, alibi=False)),
        "falcon-new": (tf.FalconConfig, dict(new_decoder_architecture=True, num_kv_heads=2, bias=True, alibi=False)),
        "falcon-seq": (tf.FalconConfig, dict(multi_query=False, parallel_attn=False, bias=True, alibi=False)),
        "falcon-alibi": (tf.FalconConfig, dict(multi_query=True, parallel_attn=True, bias=False, alibi=True, num_attention_heads=6, hidden_size=48)),
        "starcoder2": (tf.Starcoder2Config, dict(sliding_window=4, hidden_act="gelu_pytorch_tanh", tie_word_embeddings=True)),
        "qwen2_moe": (tf.Qwen2MoeConfig, dict(num_experts=4, num_experts_per_tok=2, moe_intermediate_size=16, shared_expert_intermediate_size=24,
                                             decoder_sparse_step=1, mlp_only_layers=[1], norm_topk_prob=False)),
        "ernie4_5": (tf.Ernie4_5Config, dict(use_bias=True)),
        "glm4": (tf.Glm4Config, dict()),
        "glm": (tf.GlmConfig, dict(attention_bias=False)),
        "cohere": (tf.CohereConfig, dict(use_qk_norm=True, logit_scale=0.5, tie_word_embeddings=True)),
        "cohere-noqk": (tf.CohereConfig, dict(use_qk_norm=False, attention_bias=True)),
        "cohere2": (tf.Cohere2Config, dict(num_hidden_layers=3, sliding_window=4, sliding_window_pattern=2, logit_scale=0.5)),
        "ministral": (tf.MinistralConfig, dict(sliding_window=4, layer_types=["sliding_attention", "full_attention"])),
        "helium": (tf.HeliumConfig, dict(attention_bias=True, mlp_bias=True)),
        "seed_oss": (tf.SeedOssConfig, dict(attention_out_bias=True, attention_dropout=0.0, residual_dropout=0.0)),
        "olmo3": (tf.Olmo3Config, dict(num_hidden_layers=4, sliding_window=4)),
        "exaone4": (tf.Exaone4Config, dict(num_hidden_layers=3, sliding_window=4, sliding_window_pattern=2)),
        "hunyuan_v1_dense": (tf.HunYuanDenseV1Config, dict()),
        "olmo": (tf.OlmoConfig, dict(clip_qkv=0.6, attention_bias=True)),
    }
    ids = torch.tensor([[1, 17, 200, 33, 99, 4, 61], [PAD, PAD, PAD, 1, 45, 88, 6]])
    mask = (ids != PAD).long()

    def spread(model, seed):
        gemma = isinstance(model.config, (tf.GemmaConfig, tf.Gemma2Config, tf.Gemma3TextConfig))
        spread_weights(model, seed, norm_base=0.0 if gemma else 1.0)

    def gen_cases(model):
        cases = [
            ("greedy", dict(max_new_tokens=10, do_sample=False)),
            ("beam", dict(max_new_tokens=8, num_beams=3, num_return_sequences=2, do_sample=False)),
            ("beam_lp", dict(max_new_tokens=6, num_beams=4, length_penalty=0.5, early_stopping=True, do_sample=False)),
            ("processors", dict(max_new_tokens=10, do_sample=False, repetition_penalty=1.3, no_repeat_ngram_size=2,
                                bad_words_ids=[[17], [45, 88]], min_new_tokens=3)),
        ]
        with torch.no_grad():
            base = model.generate(ids, attention_mask=mask, max_new_tokens=10, do_sample=False, eos_token_id=None)
        # An eos that row 0 produces mid-way: finished rows get padded, the others go on.
        eos = int(base[0, ids.shape[1] + 3])
        cases.append(("eos", dict(max_new_tokens=10, do_sample=False, eos_token_id=[eos, 3])))
        cases.append(("beam_eos", dict(max_new_tokens=8, num_beams=3, do_sample=False, eos_token_id=eos)))
        out = []
        for name, kw in cases:
            with torch.no_grad():
                seq = model.generate(ids, attention_mask=mask, **kw)
            out.append({"name": name, "kwargs": kw, "sequences": seq.tolist()})
        return out

    for seed, (arch, (cls, extra)) in enumerate(archs.items(), start=1):
        torch.manual_seed(seed)
        kw = {**small, **extra}
        if cls is tf.FalconConfig:  # head_dim is derived there
            kw.pop("head_dim"), kw.pop("num_key_value_heads")
        cfg = cls(**kw)
        # Falcon's eager path adds the ALiBi bias twice (once on the scores, once in the mask); sdpa, the
        # default users get, adds it once.
        impl = "sdpa" if arch == "falcon-alibi" else "eager"
        model = tf.AutoModelForCausalLM.from_config(cfg, attn_implementation=impl).eval()
        spread(model, seed)
        model.generation_config.pad_token_id = PAD
        d = os.path.join(root, arch)
        os.makedirs(d)
        model.save_pretrained(d)
        with torch.no_grad():
            logits = model(input_ids=ids, attention_mask=mask).logits
        save_file({"input_ids": ids, "attention_mask": mask}, os.path.join(d, "inputs.safetensors"))
        save_file({"logits": logits.float().contiguous()}, os.path.join(d, "outputs.safetensors"))
        with open(os.path.join(d, "generate.json"), "w") as f:
            json.dump({"class": type(model).__name__, "cases": gen_cases(model)}, f, indent=1)
        print(arch, type(model).__name__)

        if arch == "llama":
            # bf16 checkpoint: Python's fp32 model on the bf16-rounded weights is the reference.
            b = os.path.join(root, "llama-bf16")
            model.to(torch.bfloat16).save_pretrained(b)
            # Reloaded in fp32 so the rope buffers are recomputed, not bf16-rounded.
            model = tf.AutoModelForCausalLM.from_pretrained(b, dtype=torch.float32, attn_implementation="eager").eval()
            with torch.no_grad():
                ref = model(input_ids=ids, attention_mask=mask).logits
            save_file({"input_ids": ids, "attention_mask": mask}, os.path.join(b, "inputs.safetensors"))
            save_file({"logits": ref.float().contiguous()}, os.path.join(b, "outputs.safetensors"))
            s = os.path.join(root, "llama-sharded")
            model.save_pretrained(s, max_shard_size="40KB")
            assert os.path.exists(os.path.join(s, "model.safetensors.index.json")), "sharding did not happen"
            shutil.copy(os.path.join(d, "inputs.safetensors"), s)
            save_file({"logits": ref.float().contiguous()}, os.path.join(s, "outputs.safetensors"))

    # Task heads on the decoder backbone (score / qa_outputs), padded batches.
    index = []
    heads = [("llama", tf.LlamaConfig, "AutoModelForSequenceClassification", "LlamaForSequenceClassification"),
             ("llama", tf.LlamaConfig, "AutoModelForTokenClassification", "LlamaForTokenClassification"),
             ("llama", tf.LlamaConfig, "AutoModelForQuestionAnswering", "LlamaForQuestionAnswering"),
             ("mistral", tf.MistralConfig, "AutoModelForQuestionAnswering", "MistralForQuestionAnswering"),
             ("llama", tf.LlamaConfig, "AutoModel", "LlamaModel"),
             ("qwen2", tf.Qwen2Config, "AutoModelForSequenceClassification", "Qwen2ForSequenceClassification"),
             ("gemma2", tf.Gemma2Config, "AutoModelForTokenClassification", "Gemma2ForTokenClassification"),
             ("gpt2", tf.GPT2Config, "AutoModelForSequenceClassification", "GPT2ForSequenceClassification"),
             ("gpt2", tf.GPT2Config, "AutoModelForTokenClassification", "GPT2ForTokenClassification"),
             ("gpt2", tf.GPT2Config, "AutoModelForQuestionAnswering", "GPT2ForQuestionAnswering"),
             # backbone prefixes: `model`, or `transformer` where Python keeps it for BC
             ("qwen2_moe", tf.Qwen2MoeConfig, "AutoModelForQuestionAnswering", "Qwen2MoeForQuestionAnswering"),
             ("seed_oss", tf.SeedOssConfig, "AutoModelForQuestionAnswering", "SeedOssForQuestionAnswering"),
             ("exaone4", tf.Exaone4Config, "AutoModelForQuestionAnswering", "Exaone4ForQuestionAnswering"),
             ("ministral", tf.MinistralConfig, "AutoModelForQuestionAnswering", "MinistralForQuestionAnswering"),
             ("starcoder2", tf.Starcoder2Config, "AutoModelForSequenceClassification", "Starcoder2ForSequenceClassification"),
             ("glm4", tf.Glm4Config, "AutoModelForTokenClassification", "Glm4ForTokenClassification"),
             ("olmo3", tf.Olmo3Config, "AutoModelForSequenceClassification", "Olmo3ForSequenceClassification"),
             ("hunyuan_v1_dense", tf.HunYuanDenseV1Config, "AutoModelForSequenceClassification", "HunYuanDenseV1ForSequenceClassification")]
    own_config = {"gpt2", "qwen2_moe", "seed_oss", "exaone4", "ministral", "starcoder2", "olmo3"}  # sizes / windows of the arch fixture
    for i, (mt, cls, auto_class, cls_name) in enumerate(heads):
        torch.manual_seed(100 + i)
        kw = {**small, **(archs[mt][1] if mt in own_config else {}), "num_labels": 2 if "Question" in cls_name else 3}
        cfg = cls(**kw)
        model = getattr(tf, cls_name)(cfg)
        model.set_attn_implementation("eager")
        model.eval()
        spread(model, 100 + i)
        d = os.path.join(root, "heads", f"{mt}-{cls_name}")
        os.makedirs(d)
        model.save_pretrained(d)
        with torch.no_grad():
            out = model(input_ids=ids, attention_mask=mask)
        flat = {k: v.float().contiguous() for k, v in out.items() if isinstance(v, torch.Tensor)}
        save_file({"input_ids": ids, "attention_mask": mask}, os.path.join(d, "inputs.safetensors"))
        save_file(flat, os.path.join(d, "outputs.safetensors"))
        index.append({"dir": f"heads/{mt}-{cls_name}", "auto_class": auto_class, "class": cls_name})
    with open(os.path.join(root, "index.json"), "w") as f:
        json.dump(index, f, indent=1)
    make_textgen(root, spread)


def make_textgen(root, spread):
    """A GPT-2 shaped model over the trained byte-level BPE tokenizer (600 tokens) with a ChatML
    template: goldens from pipeline("text-generation") for prompts and for a chat."""
    import torch
    import transformers as tf

    d = os.path.join(root, "textgen")
    os.makedirs(d)
    with open(os.path.join(OUT, "tokenizers", "bytelevel-bpe", "tokenizer.json")) as f:
        tj = json.load(f)
    tj["post_processor"] = None  # plain GPT-2 style: no special tokens around the prompt
    tj["added_tokens"] += [{"id": 600 + i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                            "normalized": False, "special": True} for i, t in enumerate(["<|im_start|>", "<|im_end|>"])]
    with open(os.path.join(d, "tokenizer.json"), "w") as f:
        json.dump(tj, f)
    chatml = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
              "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
    with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<s>", "eos_token": "<|im_end|>",
                   "pad_token": "<pad>", "unk_token": "<unk>", "chat_template": chatml}, f, indent=1)
    torch.manual_seed(77)
    cfg = tf.GPT2Config(vocab_size=602, n_embd=32, n_layer=2, n_head=4, n_positions=128, bos_token_id=0, eos_token_id=601,
                        pad_token_id=1)
    model = tf.GPT2LMHeadModel(cfg).eval()
    spread(model, 77)
    model.save_pretrained(d)
    pipe = tf.pipeline("text-generation", model=d, tokenizer=d)
    prompts = ["Hello world, this is", "The quick brown fox", "12 + 30 ="]
    out = {"prompts": [], "chat": []}
    for p in prompts:
        r = pipe(p, max_new_tokens=8, do_sample=False)
        out["prompts"].append({"prompt": p, "generated_text": r[0]["generated_text"]})
    # stop_strings: a piece of the greedy continuation; generation ends at the token completing it.
    tok = tf.AutoTokenizer.from_pretrained(d)
    ids = tok(prompts[0], return_tensors="pt").input_ids
    with torch.no_grad():
        full = model.generate(ids, max_new_tokens=8, do_sample=False)
    new = full[0, ids.shape[1]:].tolist()
    stop = next(t for t in (tok.decode([i]) for i in new[1:]) if t.isascii() and t.isprintable() and t.strip())
    with torch.no_grad():
        cut = model.generate(ids, max_new_tokens=8, do_sample=False, stop_strings=[stop], tokenizer=tok)
    out["stop"] = {"prompt_ids": ids[0].tolist(), "stop_string": stop, "sequence": cut[0].tolist(), "full": full[0].tolist()}
    msgs = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is a fox?"}]
    r = pipe(msgs, max_new_tokens=8, do_sample=False)
    out["chat"].append({"messages": msgs, "reply": r[0]["generated_text"][-1]["content"]})
    with open(os.path.join(d, "golden.json"), "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    ensure_venv()
    main()
