#!/usr/bin/env python3
"""Generation-argument fixtures (fixtures/generation/errors.json): each generation parameter set to
a bad (or borderline) value and passed to generate() of the tiny Llama checkpoint
(fixtures/decoders/llama, made by make_decoder_fixtures.py) on its inputs; per case whether Python
raises, the exception's type and its message. Warnings are recorded as not raising: where
GenerationConfig.validate() only warns (sampling flags without do_sample, ...) generate runs.
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
]


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


if __name__ == "__main__":
    ensure_venv()
    main()
