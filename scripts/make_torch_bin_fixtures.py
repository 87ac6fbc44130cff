#!/usr/bin/env python3
"""Checkpoints published only as pickled PyTorch weights (fixtures/torch_bin/), each written by
torch.save itself, with goldens computed by transformers 5.24 loading the very same folder:
  bert/            BertForPreTraining state dict ("bert." prefix, tied decoder) as pytorch_model.bin
  bert-sharded/    the same split into two shards + pytorch_model.bin.index.json
  gpt2/            GPT2LMHeadModel with tied lm_head (one storage, two names)
  gpt2-legacy/     the same in the legacy (non-zip) torch.save format
  llama-bf16/      a LlamaForCausalLM state dict in bfloat16
  tensors/         every dtype torch.save writes, strided / offset views into shared storages, and
                   a big-endian archive: tensors.bin, big_endian.bin, goldens in expected.safetensors
  st-3_Dense.bin   sentence_transformers/bert-modes' 3_Dense weights as a pickled pytorch_model.bin
goldens.safetensors holds input_ids and the outputs; the C++ test loads the folders through the
Auto classes and compares at fp32 tolerance.
Run:  python3 scripts/make_torch_bin_fixtures.py   (same venv and pins as make_fixtures.py)
"""
import io
import json
import os
import shutil
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures  # noqa: E402


def save_folder(d, config, state_dict, legacy=False):
    os.makedirs(d)
    config.save_pretrained(d)
    import torch
    torch.save(state_dict, os.path.join(d, "pytorch_model.bin"), _use_new_zipfile_serialization=not legacy)


def big_endian_copy(src, dst, dtypes):
    """Rewrites a torch.save archive as a big-endian machine would have written it: every storage
    record byte-swapped per element and the byteorder record set to 'big'."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", compression=zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.endswith("/byteorder"):
                data = b"big"
            elif "/data/" in info.filename:
                size = dtypes[info.filename.rsplit("/", 1)[1]]
                data = b"".join(data[i:i + size][::-1] for i in range(0, len(data), size))
            zout.writestr(info.filename, data)


def main():
    import torch
    import transformers as tf
    from safetensors.torch import save_file

    root = os.path.join(make_fixtures.ROOT, "fixtures", "torch_bin")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    torch.manual_seed(0)

    # BERT: the BERT-era layout, BertForPreTraining's state dict ("bert." prefix, pooler, MLM and NSP heads).
    bcfg = tf.BertConfig(vocab_size=99, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37,
                         max_position_embeddings=64, type_vocab_size=2)
    bert = tf.BertForPreTraining(bcfg).eval()
    make_fixtures.spread_weights(bert, seed=11)
    sd = bert.state_dict()
    d = os.path.join(root, "bert")
    save_folder(d, bcfg, sd)
    ids = torch.tensor([[2, 14, 7, 61, 33, 5, 3], [2, 90, 12, 8, 3, 0, 0]])
    mask = (ids != 0).long()
    with torch.no_grad():
        base = tf.AutoModel.from_pretrained(d).eval()(input_ids=ids, attention_mask=mask).last_hidden_state
        mlm = tf.AutoModelForMaskedLM.from_pretrained(d).eval()(input_ids=ids, attention_mask=mask).logits
    save_file({"input_ids": ids, "attention_mask": mask, "last_hidden_state": base.contiguous(), "logits": mlm.contiguous()},
              os.path.join(d, "goldens.safetensors"))

    # The same, sharded as save_pretrained(max_shard_size=...) used to write .bin shards.
    d = os.path.join(root, "bert-sharded")
    os.makedirs(d)
    bcfg.save_pretrained(d)
    names = list(sd)
    shards = {"pytorch_model-00001-of-00002.bin": names[: len(names) // 2], "pytorch_model-00002-of-00002.bin": names[len(names) // 2:]}
    weight_map = {}
    for shard, keys in shards.items():
        torch.save({k: sd[k] for k in keys}, os.path.join(d, shard))
        weight_map.update({k: shard for k in keys})
    with open(os.path.join(d, "pytorch_model.bin.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": sum(v.numel() * v.element_size() for v in sd.values())}, "weight_map": weight_map}, f, indent=2)
    with torch.no_grad():
        base = tf.AutoModel.from_pretrained(d).eval()(input_ids=ids, attention_mask=mask).last_hidden_state
    save_file({"input_ids": ids, "attention_mask": mask, "last_hidden_state": base.contiguous()}, os.path.join(d, "goldens.safetensors"))

    # GPT-2: lm_head.weight and transformer.wte.weight are one storage in the pickle.
    gcfg = tf.GPT2Config(vocab_size=97, n_positions=32, n_embd=32, n_layer=2, n_head=4, tie_word_embeddings=True,
                          bos_token_id=1, eos_token_id=2)
    gpt2 = tf.GPT2LMHeadModel(gcfg).eval()
    make_fixtures.spread_weights(gpt2, seed=12)
    gsd = gpt2.state_dict()
    assert gsd["lm_head.weight"].data_ptr() == gsd["transformer.wte.weight"].data_ptr()
    gids = torch.tensor([[5, 17, 3, 90, 41, 8]])
    for name, legacy in (("gpt2", False), ("gpt2-legacy", True)):
        d = os.path.join(root, name)
        save_folder(d, gcfg, gsd, legacy=legacy)
        with torch.no_grad():
            logits = tf.AutoModelForCausalLM.from_pretrained(d).eval()(input_ids=gids).logits
        save_file({"input_ids": gids, "logits": logits.contiguous()}, os.path.join(d, "goldens.safetensors"))

    # Llama in bfloat16: goldens from Python loading the bf16 weights into fp32.
    lcfg = tf.LlamaConfig(vocab_size=96, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                          num_key_value_heads=2, head_dim=8, max_position_embeddings=64, tie_word_embeddings=False)
    llama = tf.LlamaForCausalLM(lcfg).eval()
    make_fixtures.spread_weights(llama, seed=13)
    d = os.path.join(root, "llama-bf16")
    lcfg.dtype = torch.bfloat16
    save_folder(d, lcfg, {k: v.to(torch.bfloat16) for k, v in llama.state_dict().items()})
    lids = torch.tensor([[1, 9, 33, 70, 4, 12]])
    with torch.no_grad():
        logits = tf.AutoModelForCausalLM.from_pretrained(d, dtype=torch.float32).eval()(input_ids=lids).logits
    save_file({"input_ids": lids, "logits": logits.contiguous()}, os.path.join(d, "goldens.safetensors"))

    # Raw tensors: every dtype, views (offset, transposed, sliced, shared), both byte orders.
    d = os.path.join(root, "tensors")
    os.makedirs(d)
    g = torch.Generator().manual_seed(14)
    base = torch.randn(4, 6, generator=g)
    t = {
        "f64": torch.randn(3, 2, generator=g, dtype=torch.float64),
        "f32": torch.randn(2, 3, generator=g),
        "f16": torch.randn(5, generator=g).half(),
        "bf16": torch.randn(2, 2, generator=g).bfloat16(),
        "i64": torch.tensor([-(2**40), 7, 2**62]),
        "i32": torch.tensor([[-5, 2**30]], dtype=torch.int32),
        "i16": torch.tensor([-300, 300], dtype=torch.int16),
        "i8": torch.tensor([-128, 127, 0], dtype=torch.int8),
        "u8": torch.tensor([0, 255, 17], dtype=torch.uint8),
        "bool": torch.tensor([True, False, True]),
        "scalar": torch.tensor(3.5),
        "empty": torch.zeros(0, 3),
        "base": base,
        "rows": base[1:3],            # storage offset
        "transposed": base.t(),       # strides (1, 6)
        "column": base[:, 2],         # offset and stride
        "every_other": base[::2, 1::2],
    }
    torch.save(t, os.path.join(d, "tensors.bin"))
    save_file({k: v.contiguous().clone() for k, v in t.items()}, os.path.join(d, "expected.safetensors"))
    # Big-endian: one storage per dtype, swapped; torch.load reads it back to the same values.
    small = {k: t[k].clone() for k in ("f64", "f32", "f16", "bf16", "i64", "i32", "i16", "u8")}
    buf = os.path.join(d, "little.tmp")
    torch.save(small, buf)
    sizes = {}
    with zipfile.ZipFile(buf) as z:
        pkl = [n for n in z.namelist() if n.endswith("data.pkl")][0]
        # storage keys in save order follow the dict order: one storage per tensor here
        for i, k in enumerate(small):
            sizes[str(i)] = small[k].element_size()
    big_endian_copy(buf, os.path.join(d, "big_endian.bin"), sizes)
    os.remove(buf)
    back = torch.load(os.path.join(d, "big_endian.bin"), weights_only=True)
    for k, v in small.items():
        assert torch.equal(back[k], v), k
    assert pkl

    # A sentence-transformers Dense module saved the pre-safetensors way (3_Dense of
    # fixtures/sentence_transformers/bert-modes, same weights): SentenceTransformer reads either.
    from safetensors.torch import load_file
    dense = load_file(os.path.join(make_fixtures.ROOT, "fixtures", "sentence_transformers", "bert-modes", "3_Dense", "model.safetensors"))
    torch.save(dense, os.path.join(root, "st-3_Dense.bin"))


if __name__ == "__main__":
    make_fixtures.ensure_venv()
    main()
