#!/usr/bin/env python3
"""Parity fixtures for Auto rows added to families we already had (tests/test_auto_mapping.cpp):
tiny random checkpoints saved as the Python class, their inputs and Python's outputs, in
fixtures/auto_rows/<dir>, listed with the rows that reuse an existing fixture (the same class under
another Auto class) in fixtures/auto_rows/index.json.
Run in the pinned venv:  ~/.venvs/tcpp/bin/python scripts/make_auto_rows_fixtures.py
"""
import json
import os
import shutil

import torch
import transformers as tf
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "auto_rows")


def flatten(out, prefix=""):
    flat = {}
    for k, v in out.items():
        if isinstance(v, torch.Tensor):
            flat[prefix + k] = v.detach().float().contiguous() if v.is_floating_point() else v.detach().long().contiguous()
        elif isinstance(v, (tuple, list)):
            for i, t in enumerate(v):
                if isinstance(t, torch.Tensor):
                    flat[f"{prefix}{k}.{i}"] = t.detach().float().contiguous()
    return flat


def fresh(name):
    d = os.path.join(OUT, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


index = []


def save_case(name, auto_class, model, inputs, unexpected_suffixes=None, **call):
    """Saves model (as its Python class), inputs and the outputs of model(**inputs, **call).
    unexpected_suffixes: checkpoint buffers we do not load (a sinusoidal table we compute,
    BatchNorm's num_batches_tracked)."""
    model.eval()
    d = fresh(name)
    model.save_pretrained(d)
    with torch.no_grad():
        out = model(**inputs, **call)
    save_file({k: v.contiguous() for k, v in inputs.items()}, os.path.join(d, "inputs.safetensors"))
    save_file(flatten(out), os.path.join(d, "outputs.safetensors"))
    e = {"dir": f"auto_rows/{name}", "auto_class": auto_class, "class": type(model).__name__}
    if unexpected_suffixes:
        e["unexpected_suffixes"] = unexpected_suffixes
    index.append(e)


def alias(dir_, auto_class, cls, inputs="inputs.safetensors", outputs="outputs.safetensors", fields=None):
    """A row whose class already has a parity fixture under another Auto class: loaded through the new
    Auto class, it must still give that fixture's Python outputs."""
    e = {"dir": dir_, "auto_class": auto_class, "class": cls, "inputs": inputs, "outputs": outputs}
    if fields:
        e["fields"] = fields
    index.append(e)


def text_encoders():
    small = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37, max_position_embeddings=64)
    ids = torch.tensor([[5, 7, 512, 33, 999, 4, 6], [5, 45, 88, 6, 0, 0, 0]])
    mask = torch.tensor([[1] * 7, [1, 1, 1, 1, 0, 0, 0]])
    types = torch.tensor([[0, 0, 0, 1, 1, 1, 1], [0, 0, 1, 1, 0, 0, 0]])

    # *ForCausalLM / BertLMHeadModel: is_decoder=True, so the self-attention is causal (right padding).
    causal = [("bert", tf.BertConfig, "BertLMHeadModel", dict(type_vocab_size=2), 0),
              ("roberta", tf.RobertaConfig, "RobertaForCausalLM", dict(type_vocab_size=1, max_position_embeddings=66), 1),
              ("xlm-roberta", tf.XLMRobertaConfig, "XLMRobertaForCausalLM", dict(type_vocab_size=1, max_position_embeddings=66), 1),
              ("camembert", tf.CamembertConfig, "CamembertForCausalLM", dict(type_vocab_size=1, max_position_embeddings=66), 1),
              ("electra", tf.ElectraConfig, "ElectraForCausalLM", dict(embedding_size=16, type_vocab_size=2), 0)]
    for i, (mt, cfg_cls, cls, extra, pad) in enumerate(causal):
        torch.manual_seed(100 + i)
        cfg = cfg_cls(**{**small, **extra}, vocab_size=1000, pad_token_id=pad, is_decoder=True)
        x = ids.clone()
        x[1, 4:] = pad
        inputs = {"input_ids": x, "attention_mask": mask}
        if extra["type_vocab_size"] > 1:
            inputs["token_type_ids"] = types
        save_case(f"{mt}-{cls}", "AutoModelForCausalLM", getattr(tf, cls)(cfg), inputs, use_cache=False)

    def choices(inputs):
        return {k: torch.stack([v, v.flip(0), v]).transpose(0, 1).contiguous() for k, v in inputs.items()}

    torch.manual_seed(110)
    cfg = tf.ElectraConfig(**small, vocab_size=1000, embedding_size=16, type_vocab_size=2, num_labels=3)
    save_case("electra-ElectraForMultipleChoice", "AutoModelForMultipleChoice", tf.ElectraForMultipleChoice(cfg),
              choices({"input_ids": ids, "attention_mask": mask, "token_type_ids": types}))

    # ModernBERT: 40-token rows, past the sliding window; the multiple-choice batch holds a
    # left-padded row, where Python's "cls" pooling reads the first attended token.
    g = torch.Generator().manual_seed(7)
    mids = torch.randint(5, 1000, (2, 40), generator=g)
    mids[1, 25:] = 0
    mmask = (mids != 0).long()
    mb = dict(small, vocab_size=1000, intermediate_size=24, num_hidden_layers=3, local_attention=16, max_position_embeddings=64,
              norm_bias=False, pad_token_id=0)
    torch.manual_seed(111)
    m = tf.ModernBertForQuestionAnswering(tf.ModernBertConfig(**mb, num_labels=2))
    m.set_attn_implementation("eager")
    save_case("modernbert-ModernBertForQuestionAnswering", "AutoModelForQuestionAnswering", m, {"input_ids": mids, "attention_mask": mmask})
    left = torch.cat([torch.zeros(1, 15, dtype=torch.long), mids[1:, :25]], 1)
    cids = torch.stack([mids, torch.cat([mids[:1], left])]).contiguous()  # [2 rows, 2 choices, 40]
    cmask = (cids != 0).long()
    for pooling, seed in (("cls", 112), ("mean", 113)):
        torch.manual_seed(seed)
        m = tf.ModernBertForMultipleChoice(tf.ModernBertConfig(**mb, classifier_pooling=pooling))
        m.set_attn_implementation("eager")
        save_case(f"modernbert-ModernBertForMultipleChoice-{pooling}", "AutoModelForMultipleChoice", m,
                  {"input_ids": cids, "attention_mask": cmask})


def seq2seq_decoders():
    """BART / mBART / Marian / Pegasus *ForCausalLM: the decoder alone, causal over a right-padded batch."""
    dims = dict(vocab_size=256, d_model=32, encoder_layers=2, decoder_layers=2, encoder_attention_heads=4, decoder_attention_heads=4,
                encoder_ffn_dim=37, decoder_ffn_dim=37, max_position_embeddings=64, is_decoder=True, is_encoder_decoder=False)
    ids = torch.tensor([[0, 7, 52, 33, 99, 4, 2], [0, 45, 88, 2, 1, 1, 1]])
    mask = (ids != 1).long()
    for i, (mt, cfg_cls, cls, extra) in enumerate([("bart", tf.BartConfig, "BartForCausalLM", {}),
                                                   ("mbart", tf.MBartConfig, "MBartForCausalLM", {}),
                                                   ("marian", tf.MarianConfig, "MarianForCausalLM", dict(pad_token_id=1, decoder_start_token_id=1)),
                                                   ("pegasus", tf.PegasusConfig, "PegasusForCausalLM", dict(pad_token_id=1))]):
        torch.manual_seed(120 + i)
        cfg = cfg_cls(**dims, **extra)
        save_case(f"{mt}-{cls}", "AutoModelForCausalLM", getattr(tf, cls)(cfg), {"input_ids": ids, "attention_mask": mask},
                  unexpected_suffixes=["embed_positions.weight"] if mt in ("marian", "pegasus") else None, use_cache=False)
    torch.manual_seed(125)
    cfg = tf.WhisperConfig(vocab_size=256, d_model=32, encoder_layers=2, decoder_layers=2, encoder_attention_heads=4, decoder_attention_heads=4,
                           encoder_ffn_dim=37, decoder_ffn_dim=37, num_mel_bins=8, max_source_positions=16, max_target_positions=32,
                           pad_token_id=1, bos_token_id=0, eos_token_id=2, decoder_start_token_id=0, is_encoder_decoder=False)
    save_case("whisper-WhisperForCausalLM", "AutoModelForCausalLM", tf.WhisperForCausalLM(cfg), {"input_ids": ids, "attention_mask": mask},
              use_cache=False)


def wav2vec2_pretraining():
    """Wav2Vec2ForPreTraining in eval mode without mask_time_indices (argmax quantizer), group-norm and
    stable-layer-norm encoders, on fixtures/speech's padded batch."""
    from safetensors.torch import load_file

    speech = load_file(os.path.join(ROOT, "fixtures", "speech", "inputs.safetensors"))
    inputs = {"input_values": speech["batch.input_values"], "attention_mask": speech["batch.attention_mask"]}
    common = dict(vocab_size=12, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37, conv_dim=(16, 16, 16),
                  conv_kernel=(10, 3, 3), conv_stride=(5, 2, 2), num_conv_pos_embedding_groups=4, num_codevectors_per_group=8,
                  num_codevector_groups=2, codevector_dim=16, proj_codevector_dim=12)
    for i, (name, extra) in enumerate([("base", dict(num_conv_pos_embeddings=16)),
                                       ("stable", dict(num_conv_pos_embeddings=15, do_stable_layer_norm=True, feat_extract_norm="layer",
                                                       conv_bias=True))]):
        torch.manual_seed(130 + i)
        m = tf.Wav2Vec2ForPreTraining(tf.Wav2Vec2Config(**common, **extra))
        # Codebook logits far apart, so the argmax cannot hinge on rounding.
        with torch.no_grad():
            m.quantizer.weight_proj.weight.mul_(20.0)
        save_case(f"wav2vec2-{name}-Wav2Vec2ForPreTraining", "AutoModelForPreTraining", m, inputs)


def dpt_segmentation():
    """DPTForSemanticSegmentation on the DPT shape of scripts/make_vision_fixtures.py (square images),
    batch-norm statistics set as a trained network has them, with and without the auxiliary head."""
    g = torch.Generator().manual_seed(5)
    pixel_values = torch.randn(2, 3, 32, 32, generator=g)
    dpt = dict(hidden_size=32, num_hidden_layers=4, num_attention_heads=4, intermediate_size=37, image_size=32, patch_size=4,
               backbone_out_indices=[0, 1, 2, 3], neck_hidden_sizes=[8, 16, 24, 32], fusion_hidden_size=16, num_labels=5)
    for i, (name, extra) in enumerate([("", {}), ("-noaux", dict(use_auxiliary_head=False, readout_type="add"))]):
        torch.manual_seed(140 + i)
        m = tf.DPTForSemanticSegmentation(tf.DPTConfig(**dpt, **extra))
        with torch.no_grad():
            for mod in m.modules():
                if isinstance(mod, torch.nn.BatchNorm2d):
                    mod.running_mean.copy_(torch.randn(mod.running_mean.shape, generator=g) * 0.2)
                    mod.running_var.copy_(torch.rand(mod.running_var.shape, generator=g) + 0.5)
                    mod.weight.copy_(1 + torch.randn(mod.weight.shape, generator=g) * 0.1)
                    mod.bias.copy_(torch.randn(mod.bias.shape, generator=g) * 0.1)
        save_case(f"dpt-DPTForSemanticSegmentation{name}", "AutoModelForSemanticSegmentation", m, {"pixel_values": pixel_values},
                  unexpected_suffixes=["num_batches_tracked"])


def llava_model():
    """LlavaModel (AutoModel): the LLaVA fixture's weights saved as the base model, on its inputs."""
    from safetensors.torch import load_file

    src = os.path.join(ROOT, "fixtures", "multimodal", "llava")
    m = tf.LlavaModel.from_pretrained(src).eval()
    inputs = load_file(os.path.join(ROOT, "fixtures", "multimodal", "llava_inputs.safetensors"))
    d = fresh("llava-LlavaModel")
    m.save_pretrained(d)
    with torch.no_grad():
        out = m(**inputs, use_cache=False)
    save_file({k: v.contiguous() for k, v in inputs.items()}, os.path.join(d, "inputs.safetensors"))
    save_file({"last_hidden_state": out.last_hidden_state.contiguous(),
               "image_hidden_states": torch.stack(list(out.image_outputs.pooler_output)).contiguous()}, os.path.join(d, "outputs.safetensors"))
    index.append({"dir": "auto_rows/llava-LlavaModel", "auto_class": "AutoModel", "class": "LlavaModel"})


def aliases():
    alias("decoders/gpt2", "AutoModelForPreTraining", "GPT2LMHeadModel")
    alias("decoders/exaone4", "AutoModelForPreTraining", "Exaone4ForCausalLM")
    alias("deberta_v2/v3-DebertaV2ForMaskedLM", "AutoModelForPreTraining", "DebertaV2ForMaskedLM")
    alias("deberta_v2/v3-DebertaV2Model", "AutoModelForTextEncoding", "DebertaV2Model")
    alias("seq2seq/bart", "AutoModelForMaskedLM", "BartForConditionalGeneration")
    alias("seq2seq/mbart", "AutoModelForMaskedLM", "MBartForConditionalGeneration")
    alias("multimodal/llava", "AutoModelForPreTraining", "LlavaForConditionalGeneration", inputs="../llava_inputs.safetensors",
          outputs="goldens.safetensors", fields=["logits"])
    alias("multimodal/llava", "AutoModelForMultimodalLM", "LlavaForConditionalGeneration", inputs="../llava_inputs.safetensors",
          outputs="goldens.safetensors", fields=["logits"])
    alias("image_to_text/vit-gpt2", "AutoModelForMultimodalLM", "VisionEncoderDecoderModel", inputs="../inputs.safetensors",
          outputs="goldens.safetensors", fields=["logits", "encoder_last_hidden_state"])


def llava_image_processor():
    """LlavaImageProcessor (do_pad: pad to a square in the image_mean colour, then CLIP's chain) on the
    images of fixtures/images, both backends: fixtures/auto_rows/image_processors/<case>."""
    import numpy as np
    from transformers.image_utils import load_image

    names = ["photo.jpg", "exif6.jpg", "rgb.png", "gray.jpg", "rgba.png", "palette.png"]
    images = [load_image(os.path.join(ROOT, "fixtures", "images", n)) for n in names]
    configs = {
        "llava_pad": {"image_processor_type": "LlavaImageProcessor", "size": {"shortest_edge": 40}, "crop_size": 32, "do_pad": True},
        "llava_pad_colour": {"image_processor_type": "LlavaImageProcessor", "size": {"shortest_edge": 30}, "do_pad": True,
                             "crop_size": {"height": 27, "width": 33}, "image_mean": [0.9, 0.1, 0.5], "image_std": [0.3, 0.2, 0.25]},
        "llava_no_pad": {"image_processor_type": "LlavaImageProcessor", "size": {"shortest_edge": 36}, "crop_size": 32},
    }
    root = os.path.join(OUT, "image_processors")
    shutil.rmtree(root, ignore_errors=True)
    goldens, cases = {}, {}
    for name, cfg in configs.items():
        d = os.path.join(root, name)
        os.makedirs(d)
        with open(os.path.join(d, "preprocessor_config.json"), "w") as f:
            json.dump(cfg, f, indent=1)
        for backend in ("torchvision", "pil"):
            proc = tf.AutoImageProcessor.from_pretrained(d, backend=backend)
            assert proc.backend == backend, (name, backend, proc.backend)
            out = proc(images=images, return_tensors="np")
            goldens[f"{name}.{backend}"] = torch.from_numpy(np.ascontiguousarray(out["pixel_values"].astype(np.float32)))
            cases[name] = type(proc).__name__.removesuffix("Pil")
    save_file(goldens, os.path.join(root, "goldens.safetensors"))
    with open(os.path.join(root, "cases.json"), "w") as f:
        json.dump({"inputs": names, "processors": cases}, f, indent=1)
        f.write("\n")


def main():
    print("transformers", tf.__version__, "torch", torch.__version__)
    os.makedirs(OUT, exist_ok=True)
    text_encoders()
    seq2seq_decoders()
    wav2vec2_pretraining()
    dpt_segmentation()
    llava_model()
    aliases()
    llava_image_processor()
    with open(os.path.join(OUT, "index.json"), "w") as f:
        json.dump(index, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
