#!/usr/bin/env python3
"""Generation-argument fixtures (fixtures/generation/errors.json): each generation parameter set to
a bad (or borderline) value and passed to generate() of the tiny Llama checkpoint
(fixtures/decoders/llama, made by make_decoder_fixtures.py) on its inputs; per case whether Python
raises, the exception's type and its message. Warnings are recorded as not raising: where
GenerationConfig.validate() only warns (sampling flags without do_sample, ...) generate runs.
Also the warpers (fixtures/generation/warpers.json + warpers.safetensors): rows of scores put
through the LogitsProcessorList that _get_logits_processor builds for each sampling config, as
the processed scores Python hands to the sampler.
Run:  python3 scripts/make_generation_fixtures.py   (same venv and pins as make_fixtures.py)
"""
import json
import os
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import OUT, ensure_venv  # noqa: E402

SAMPLE = {"do_sample": True}
BEAMS = {"num_beams": 2}

# (name, kwargs). max_new_tokens=3 is added unless the case sets max_new_tokens or max_length.
# Floats are Python floats (the processors check isinstance(x, float)), as a JSON number with a
# fraction and our double both are.
CASES = [
    ("temperature_negative_sample", {**SAMPLE, "temperature": -1.0}),
    ("temperature_zero_sample", {**SAMPLE, "temperature": 0.0}),
    ("temperature_negative_greedy", {"temperature": -1.0}),
    ("temperature_zero_greedy", {"temperature": 0.0}),
    ("temperature_small_sample", {**SAMPLE, "temperature": 1e-05}),
    ("temperature_zero_beam_sample", {**SAMPLE, **BEAMS, "temperature": 0.0}),
    ("top_k_negative_sample", {**SAMPLE, "top_k": -1}),
    ("top_k_zero_sample", {**SAMPLE, "top_k": 0}),
    ("top_k_negative_greedy", {"top_k": -1}),
    ("top_p_negative_sample", {**SAMPLE, "top_p": -0.5}),
    ("top_p_above_one_sample", {**SAMPLE, "top_p": 1.5}),
    ("top_p_zero_sample", {**SAMPLE, "top_p": 0.0}),
    ("top_p_negative_greedy", {"top_p": -0.5}),
    ("min_p_negative_sample", {**SAMPLE, "min_p": -0.1}),
    ("min_p_above_one_sample", {**SAMPLE, "min_p": 1.5}),
    ("min_p_one_sample", {**SAMPLE, "min_p": 1.0}),
    ("min_p_negative_greedy", {"min_p": -0.1}),
    ("typical_p_zero_sample", {**SAMPLE, "typical_p": 0.0}),
    ("typical_p_negative_sample", {**SAMPLE, "typical_p": -0.5}),
    ("typical_p_above_one_sample", {**SAMPLE, "typical_p": 1.5}),
    ("typical_p_zero_greedy", {"typical_p": 0.0}),
    ("repetition_penalty_zero", {"repetition_penalty": 0.0}),
    ("repetition_penalty_negative", {"repetition_penalty": -1.0}),
    ("repetition_penalty_negative_sample", {**SAMPLE, "repetition_penalty": -2.5}),
    ("no_repeat_ngram_size_negative", {"no_repeat_ngram_size": -1}),
    ("min_length_negative", {"min_length": -1}),
    ("min_new_tokens_negative", {"min_new_tokens": -1}),
    ("max_new_tokens_zero", {"max_new_tokens": 0}),
    ("max_new_tokens_negative", {"max_new_tokens": -1}),
    ("max_length_below_prompt", {"max_length": 5}),
    ("max_length_equal_prompt", {"max_length": 7}),
    ("num_return_sequences_greedy", {"num_return_sequences": 2}),
    ("num_return_sequences_over_beams", {**BEAMS, "num_return_sequences": 3}),
    ("num_return_sequences_sample", {**SAMPLE, "num_return_sequences": 2}),
    ("length_penalty_without_beams", {"length_penalty": 2.0}),
    ("early_stopping_without_beams", {"early_stopping": True}),
    ("early_stopping_invalid", {**BEAMS, "early_stopping": "sometimes"}),
    ("pad_token_id_negative", {"pad_token_id": -1}),
    ("bad_words_ids_empty", {"bad_words_ids": []}),
    ("bad_words_ids_negative", {"bad_words_ids": [[17], [-1, 4]]}),
    ("forced_bos_suppressed", {"forced_bos_token_id": 5, "suppress_tokens": [5, 6]}),
    ("forced_eos_suppressed", {"forced_eos_token_id": 6, "suppress_tokens": [5, 6]}),
    ("top_h_zero_sample", {**SAMPLE, "top_h": 0.0}),
    ("top_h_above_one_sample", {**SAMPLE, "top_h": 1.5}),
    ("top_h_negative_greedy", {"top_h": -0.5}),
    ("epsilon_cutoff_above_one_sample", {**SAMPLE, "epsilon_cutoff": 1.5}),
    ("epsilon_cutoff_negative_sample", {**SAMPLE, "epsilon_cutoff": -0.1}),
    ("eta_cutoff_one_sample", {**SAMPLE, "eta_cutoff": 1.0}),
    ("eta_cutoff_negative_sample", {**SAMPLE, "eta_cutoff": -0.5}),
    # Ids outside the vocabulary (256 in the tiny Llama): Python matches eos / suppress ids with
    # isin (no error), refuses biased (bad) words, and expands by max(num_beams, num_return_sequences).
    ("eos_outside_vocab", {"eos_token_id": 261}),
    ("eos_negative", {"eos_token_id": -3}),
    ("eos_list_outside_vocab", {"eos_token_id": [2, 256]}),
    ("eos_outside_vocab_min_length", {"eos_token_id": [257], "min_length": 9}),
    ("eos_negative_min_new_tokens", {"eos_token_id": [-1, 2], "min_new_tokens": 2}),
    ("suppress_outside_vocab", {"suppress_tokens": [257, -1]}),
    ("begin_suppress_outside_vocab", {"begin_suppress_tokens": [300]}),
    ("bad_words_outside_vocab", {"bad_words_ids": [[3, 259], [256], [259]]}),
    ("forced_bos_outside_vocab_long_prompt", {"forced_bos_token_id": 258}),
    ("pad_outside_vocab", {"pad_token_id": 263}),
    ("num_return_sequences_zero", {"num_return_sequences": 0}),
    ("num_return_sequences_negative_sample", {**SAMPLE, "num_return_sequences": -2}),
    ("num_beams_over_vocab", {"num_beams": 257}),
]

# (name, kwargs) of the warper cases; all sample. Every warper alone, cutoffs that keep only the
# min_tokens_to_keep (beam sampling keeps len(eos) + 1), values Python ignores, and the full chain.
WARPERS = [
    ("top_h_03", {"top_k": 0, "top_h": 0.3}),
    ("top_h_09", {"top_k": 0, "top_h": 0.9}),
    # (top_h = 1 is left out: the last of the 100 tokens then sits exactly at tau, on the side
    # torch's float32 summation order happens to put it.)
    ("top_h_097_temperature", {"top_k": 0, "top_h": 0.97, "temperature": 1.5}),
    ("epsilon_small", {"top_k": 0, "epsilon_cutoff": 0.001}),
    ("epsilon_large", {"top_k": 0, "epsilon_cutoff": 0.02}),
    ("epsilon_keeps_min", {"top_k": 0, "epsilon_cutoff": 0.9}),
    ("epsilon_keeps_min_beams", {"top_k": 0, "epsilon_cutoff": 0.9, "num_beams": 3}),
    ("epsilon_ignored", {"top_k": 0, "epsilon_cutoff": 1.5}),
    ("eta_small", {"top_k": 0, "eta_cutoff": 0.0009}),
    ("eta_large", {"top_k": 0, "eta_cutoff": 0.3}),
    ("eta_keeps_min_beams", {"top_k": 0, "eta_cutoff": 0.99, "num_beams": 2}),
    ("top_k_default", {}),
    ("top_p", {"top_k": 0, "top_p": 0.8}),
    ("min_p", {"top_k": 0, "min_p": 0.1}),
    ("typical_p", {"top_k": 0, "typical_p": 0.5}),
    ("chain", {"temperature": 0.7, "top_k": 40, "top_p": 0.95, "min_p": 0.01, "typical_p": 0.95,
               "epsilon_cutoff": 0.0005, "eta_cutoff": 0.0004}),
    ("chain_top_h", {"temperature": 1.3, "top_h": 0.6, "top_k": 30, "epsilon_cutoff": 0.002}),
]


def warpers(model, prompt_len):
    """Rows: wide, flat, peaked, and partly masked (-inf as earlier processors leave them)."""
    import torch
    import transformers as tf
    from safetensors.torch import save_file

    V = model.config.vocab_size
    g = torch.Generator().manual_seed(0)
    rows = [torch.randn(V, generator=g) * 3, torch.randn(V, generator=g) * 0.3, torch.randn(V, generator=g)]
    rows[2][17] = 12.0
    masked = torch.randn(V, generator=g) * 2
    masked[torch.rand(V, generator=g) < 0.3] = -float("inf")
    rows.append(masked)
    scores = torch.stack(rows).float()
    tensors, cases = {"scores": scores}, []
    for name, kw in WARPERS:
        call = {"do_sample": True, **kw}
        # The config generate() builds: the model's generation_config, then the global defaults.
        gc, _ = model._prepare_generation_config(None, **call)
        model._prepare_special_tokens(gc, True, device="cpu")
        lp = model._get_logits_processor(gc, input_ids_seq_length=prompt_len, device="cpu", model_kwargs={})
        ids = torch.zeros(scores.shape[0], prompt_len, dtype=torch.long)
        tensors[name] = lp(ids, scores.clone())
        eos = gc.eos_token_id if isinstance(gc.eos_token_id, list) else [gc.eos_token_id]
        cases.append({"name": name, "kwargs": {**call, "eos_token_id": eos}, "processors": [type(p).__name__ for p in lp]})
    root = os.path.join(OUT, "generation")
    save_file(tensors, os.path.join(root, "warpers.safetensors"))
    with open(os.path.join(root, "warpers.json"), "w") as f:
        json.dump({"prompt_len": prompt_len, "cases": cases}, f, indent=1)
    print("warpers:", len(cases), "cases on", scores.shape[0], "rows of", V)


def main():
    import torch
    import transformers as tf
    from safetensors.torch import load_file

    src = os.path.join(OUT, "decoders", "llama")
    model = tf.AutoModelForCausalLM.from_pretrained(src).eval()
    inputs = load_file(os.path.join(src, "inputs.safetensors"))
    prompt_len = inputs["input_ids"].shape[1]
    results = []
    for name, kwargs in CASES:
        call = dict(kwargs)
        if "max_new_tokens" not in call and "max_length" not in call:
            call["max_new_tokens"] = 3
        entry = {"name": name, "kwargs": call}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                torch.manual_seed(0)
                with torch.no_grad():
                    model.generate(**inputs, **call)
            entry["raises"] = False
        except Exception as e:  # noqa: BLE001 - the type is part of the record
            entry.update({"raises": True, "type": type(e).__name__, "message": str(e)})
        results.append(entry)
    root = os.path.join(OUT, "generation")
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "errors.json"), "w") as f:
        # The messages quote floats as Python's repr() writes them.
        reprs = [[v, repr(v)] for v in (-1.0, 0.0, -0.0, 1.5, 0.1, 1e-05, 0.0001, 2.5e-07, 123456789.125, 1e16, 1e22, -3.25e-12, 1 / 3)]
        json.dump({"model": "decoders/llama", "prompt_len": prompt_len, "cases": results, "float_reprs": reprs}, f, indent=1)
    print("generation errors:", sum(r["raises"] for r in results), "of", len(results), "cases raise")
    warpers(model, prompt_len)


if __name__ == "__main__":
    ensure_venv()
    main()
