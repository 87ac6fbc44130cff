#!/usr/bin/env python3
"""ggml block-quantized weights and gguf-py's dequantization of them (fixtures/quant/).

For every block format ops::dequantize computes on, one <TYPE>.safetensors with
  blocks       U8  [3, row_bytes]  three rows of 256 weights, as a GGUF file stores them
  dequantized  F32 [3, 256]        gguf.quants.dequantize(blocks, type)
  x            F32 [2, 256]        activations
  y            F32 [2, 3]          x @ dequantized.T in fp32 (numpy), what linear() of the
                                   dequantized weight gives in Python
Formats gguf-py can quantize (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0) are quantized from seeded normal
weights; the others are seeded random bytes with their f16 super-block scales overwritten by
sane values (no inf / nan), which covers every bit pattern of the packed codes and sub-scales.
Pins: gguf 0.19.0, numpy 2.4.6 (the venv ~/.venvs/tcpp).
Run:  ~/.venvs/tcpp/bin/python scripts/make_quant_fixtures.py
"""
import os
import shutil
from importlib.metadata import version

import gguf
import numpy as np
from gguf.constants import GGML_QUANT_SIZES, GGMLQuantizationType as T
from safetensors.numpy import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROWS, COLS = 3, 256
QUANTIZABLE = (T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q8_0)
# Byte offsets of the f16 scale fields (d, and dmin where present) in one block.
F16_FIELDS = {T.Q2_K: (80, 82), T.Q3_K: (108,), T.Q4_K: (0, 2), T.Q5_K: (0, 2), T.Q6_K: (208,),
              T.IQ4_NL: (0,), T.IQ4_XS: (0,)}


def blocks_for(qtype, rng):
    if qtype in QUANTIZABLE:
        w = rng.standard_normal((ROWS, COLS)).astype(np.float32)
        return gguf.quants.quantize(w, qtype)
    block, size = GGML_QUANT_SIZES[qtype]
    b = rng.integers(0, 256, (ROWS, COLS // block, size), dtype=np.uint8)
    for off in F16_FIELDS[qtype]:
        # magnitudes 2^-10 .. 2^-4, both signs: finite, and products with 6-bit scales stay small
        d = (rng.uniform(2.0 ** -10, 2.0 ** -4, (ROWS, COLS // block)) * rng.choice([-1, 1], (ROWS, COLS // block)))
        b[..., off:off + 2] = d.astype(np.float16).view(np.uint8).reshape(ROWS, COLS // block, 2)
    return b.reshape(ROWS, -1)


def main():
    assert version("gguf") == "0.19.0" and np.__version__ == "2.4.6", "pinned: gguf 0.19.0, numpy 2.4.6"
    out = os.path.join(ROOT, "fixtures", "quant")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    rng = np.random.default_rng(21)
    for qtype in (T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q8_0, T.Q2_K, T.Q3_K, T.Q4_K, T.Q5_K, T.Q6_K, T.IQ4_NL, T.IQ4_XS):
        blocks = np.ascontiguousarray(blocks_for(qtype, rng))
        deq = gguf.quants.dequantize(blocks, qtype).astype(np.float32)
        assert deq.shape == (ROWS, COLS) and np.isfinite(deq).all(), qtype.name
        x = rng.standard_normal((2, COLS)).astype(np.float32)
        y = (x @ deq.T).astype(np.float32)
        save_file({"blocks": blocks, "dequantized": deq, "x": x, "y": y}, os.path.join(out, qtype.name + ".safetensors"))
        print(qtype.name, blocks.shape, float(np.abs(deq).max()))


if __name__ == "__main__":
    main()
