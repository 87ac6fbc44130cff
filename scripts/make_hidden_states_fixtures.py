#!/usr/bin/env python3
"""output_hidden_states / output_attentions goldens for every model fixture folder.

Walks fixtures/ for model folders (config.json + model.safetensors) with inputs: their own
inputs.safetensors, or the shared one their generator's cases.json / index.json entry names (vision,
multimodal, speech, image_to_text). Loads each with the Auto class its test uses (the index entry
when there is one, AutoModelForImageTextToText for VisionEncoderDecoder, else the class config.json's
`architectures` names), in fp32 with attn_implementation="eager",
runs forward with output_hidden_states=True, output_attentions=True and writes EVERY tensor of the
output (loss and past_key_values aside) to outputs_states.safetensors in that folder, nested
outputs and tuples flattened with dots as the C++ ModelOutput names them (logits,
hidden_states.0, encoder_attentions.1, text_model_output.pooler_output, ...).
fixtures/hidden_states_index.json lists every folder with its Auto class and inputs, for
tests/test_hidden_states.cpp; a folder Python itself cannot run this way is listed with its error
instead (the test checks that list too).

Usage: python scripts/make_hidden_states_fixtures.py [fixtures-dir]
"""
import json
import os
import sys

import torch
import transformers
from safetensors.torch import load_file, save_file

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "fixtures")
OUT_NAME = "outputs_states.safetensors"

# The Auto class of a model class, by the suffix transformers' own naming uses.
SUFFIXES = [
    ("ForCausalLM", "AutoModelForCausalLM"),
    ("ForMaskedLM", "AutoModelForMaskedLM"),
    ("ForPreTraining", "AutoModelForPreTraining"),
    ("ForNextSentencePrediction", "AutoModelForNextSentencePrediction"),
    ("ForSequenceClassification", "AutoModelForSequenceClassification"),
    ("ForTokenClassification", "AutoModelForTokenClassification"),
    ("ForQuestionAnswering", "AutoModelForQuestionAnswering"),
    ("ForMultipleChoice", "AutoModelForMultipleChoice"),
    ("ForAudioClassification", "AutoModelForAudioClassification"),
    ("ForCTC", "AutoModelForCTC"),
    ("ForImageClassification", "AutoModelForImageClassification"),
    ("ForImageClassificationWithTeacher", "AutoModelForImageClassification"),
    ("ForMaskedImageModeling", "AutoModelForMaskedImageModeling"),
    ("ForDepthEstimation", "AutoModelForDepthEstimation"),
    ("ForSemanticSegmentation", "AutoModelForSemanticSegmentation"),
    ("EncoderModel", "AutoModelForTextEncoding"),
    ("MTModel", "AutoModelForSeq2SeqLM"),
    ("LMHeadModel", "AutoModelForCausalLM"),
    ("Model", "AutoModel"),
]


def index_entries(folder):
    """{dir: auto_class} from the index.json files above a fixture folder (the generators' own record)."""
    found = {}
    d = folder
    while os.path.abspath(d) != os.path.abspath(ROOT):
        d = os.path.dirname(d)
        for idx in (os.path.join(d, "index.json"), os.path.join(d, "cases.json")):
            if not os.path.isfile(idx):
                continue
            try:
                for e in json.load(open(idx)):
                    if isinstance(e, dict) and "dir" in e and "auto_class" in e:
                        found.setdefault(os.path.normpath(os.path.join(d, e["dir"])), e["auto_class"])
            except (json.JSONDecodeError, TypeError):
                pass
    return found.get(os.path.normpath(folder))


def auto_class_for(folder, config):
    listed = index_entries(folder)
    if listed:
        return listed
    arch = (config.get("architectures") or [""])[0]
    if config.get("model_type") == "vision-encoder-decoder":
        return "AutoModelForImageTextToText"  # as tests/test_image_to_text.cpp loads them
    if arch.endswith("ForConditionalGeneration"):
        return "AutoModelForSpeechSeq2Seq" if config.get("model_type") == "whisper" else "AutoModelForSeq2SeqLM"
    for suffix, auto in SUFFIXES:
        if arch.endswith(suffix):
            return auto
    raise ValueError(f"no Auto class for architecture {arch!r}")


def flatten(prefix, output, out):
    """Every tensor of an output, nested outputs and tuples flattened with dots."""
    for k, v in output.items():
        if k in ("loss", "past_key_values") or v is None:
            continue
        if isinstance(v, transformers.utils.ModelOutput):
            flatten(f"{prefix}{k}.", v, out)
        elif isinstance(v, torch.Tensor):
            # clone(): safetensors refuses tensors sharing memory (hidden_states[-1] is often last_hidden_state)
            out[prefix + k] = v.detach().float().clone(memory_format=torch.contiguous_format) if v.is_floating_point() else v.detach().long().clone(memory_format=torch.contiguous_format)
        elif isinstance(v, (tuple, list)):
            for i, t in enumerate(v):
                if isinstance(t, torch.Tensor):
                    out[f"{prefix}{k}.{i}"] = t.detach().float().clone(memory_format=torch.contiguous_format)


def repair_meta_attributes(model):
    """transformers 5 builds a model on the meta device before loading; a table kept as a plain
    attribute rather than a buffer (TrOCR's sinusoidal positions) stays there and forward fails.
    Rebuilt as the module's own __init__ computes it on the CPU (the model's goldens confirm it)."""
    for module in model.modules():
        w = getattr(module, "weights", None)
        if isinstance(w, torch.Tensor) and w.is_meta and hasattr(module, "get_embedding"):
            module.weights = module.get_embedding(w.size(0), module.embedding_dim, module.padding_idx)


def shared_cases():
    """{folder: (inputs file relative to fixtures, {input name: key in that file})} for the folders
    whose generators keep the inputs in one shared file."""
    cases = {}
    vision = os.path.join(ROOT, "vision", "cases.json")
    if os.path.isfile(vision):
        for c in json.load(open(vision)):
            sq = "square." if c.get("square") else ""
            names = {"pixel_values": sq + "pixel_values"}
            if c.get("auto_class") == "AutoModelForMaskedImageModeling":
                names["bool_masked_pos"] = c.get("mask", "square.bool_masked_pos")
            cases[os.path.join(ROOT, "vision", c["dir"])] = ("vision/inputs.safetensors", names)
    multimodal = os.path.join(ROOT, "multimodal", "cases.json")
    if os.path.isfile(multimodal):
        for c in json.load(open(multimodal)):
            if c.get("llava"):
                if c.get("own_inputs"):
                    continue  # its input ids live in its goldens beside the logits
                names = {"input_ids": "input_ids", "attention_mask": "attention_mask", "pixel_values": "pixel_values"}
                cases[os.path.join(ROOT, "multimodal", c["dir"])] = ("multimodal/llava_inputs.safetensors", names)
                continue
            names = {}
            if c["inputs"] in ("both", "text"):
                names.update(input_ids="input_ids", attention_mask="attention_mask")
            if c["inputs"] in ("both", "image"):
                names["pixel_values"] = "pixel_values"
            cases[os.path.join(ROOT, "multimodal", c["dir"])] = ("multimodal/inputs.safetensors", names)
    image_to_text = os.path.join(ROOT, "image_to_text", "cases.json")
    if os.path.isfile(image_to_text):
        # VisionEncoderDecoder (TrOCR, GPT-2 decoders): the images and the decoder prompt its logits golden runs on
        names = {"pixel_values": "pixel_values", "decoder_input_ids": "decoder_input_ids"}
        for c in json.load(open(image_to_text)):
            cases[os.path.join(ROOT, "image_to_text", c["dir"])] = ("image_to_text/inputs.safetensors", names)
    speech = os.path.join(ROOT, "speech", "index.json")
    if os.path.isfile(speech):
        for c in json.load(open(speech)):
            names = {"input_values": "batch.input_values", "attention_mask": "batch.attention_mask"}
            cases[os.path.join(ROOT, "speech", c["dir"])] = ("speech/inputs.safetensors", names)
    detection = os.path.join(ROOT, "detection", "cases.json")
    if os.path.isfile(detection):
        for c in json.load(open(detection)):
            names = {"pixel_values": "pixel_values", "pixel_mask": "pixel_mask"}
            cases[os.path.join(ROOT, "detection", c["dir"])] = ("detection/inputs.safetensors", names)
    return cases


def folders():
    shared = shared_cases()
    for dirpath, _, files in sorted(os.walk(ROOT)):
        if not {"config.json", "model.safetensors"} <= set(files):
            continue
        if "inputs.safetensors" in files:
            yield dirpath, None
        elif os.path.normpath(dirpath) in {os.path.normpath(k) for k in shared}:
            yield dirpath, next(v for k, v in shared.items() if os.path.normpath(k) == os.path.normpath(dirpath))


def main():
    torch.manual_seed(0)
    index = []
    for folder, shared in folders():
        rel = os.path.relpath(folder, ROOT)
        config = json.load(open(os.path.join(folder, "config.json")))
        entry = {"dir": rel}
        try:
            auto = auto_class_for(folder, config)
            entry["auto_class"] = auto
            if shared:
                entry["inputs_file"], entry["inputs"] = shared
                every = load_file(os.path.join(ROOT, shared[0]))
                inputs = {name: every[key] for name, key in shared[1].items()}
            else:
                inputs = load_file(os.path.join(folder, "inputs.safetensors"))
            model = getattr(transformers, auto).from_pretrained(folder, dtype=torch.float32, attn_implementation="eager")
            model.eval()
            repair_meta_attributes(model)
            flags = {"output_hidden_states": True, "output_attentions": True}
            try:
                with torch.no_grad():
                    output = model(**inputs, **flags, return_dict=True)
            except TypeError as e:
                # Models without attention (ResNet, ConvNeXt, ...) take no output_attentions.
                if "output_attentions" not in str(e):
                    raise
                flags = {"output_hidden_states": True}
                entry["hidden_states_only"] = True
                with torch.no_grad():
                    output = model(**inputs, **flags, return_dict=True)
            states = {}
            flatten("", output, states)
            if not any(k.rsplit(".", 1)[0].endswith(("hidden_states", "attentions")) for k in states):
                raise ValueError("the output holds no hidden states or attentions")
            save_file(states, os.path.join(folder, OUT_NAME), metadata={"format": "pt"})
            entry["fields"] = len(states)
        except Exception as e:  # recorded, not hidden: the test reads the index
            entry["python_error"] = f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"
            stale = os.path.join(folder, OUT_NAME)
            if os.path.exists(stale):
                os.remove(stale)
        print(rel, entry.get("auto_class"), entry.get("fields", entry.get("python_error")))
        index.append(entry)
    with open(os.path.join(ROOT, "hidden_states_index.json"), "w") as f:
        json.dump(index, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
