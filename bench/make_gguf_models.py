#!/usr/bin/env python3
"""GGUF files of the random-weight decoder checkpoints (bench/make_decoder_models.py) for the
quantized decode benchmark, made by llama.cpp's own tools as users make them: convert_hf_to_gguf.py
to F16 and Q8_0, then llama_model_quantize (llama-cpp-python) to Q4_0 and Q4_K_M.
Usage: make_gguf_models.py DECODER_MODELS_DIR MODEL OUT_DIR   (LLAMACPP_SRC: llama.cpp's source tree)"""
import os
import subprocess
import sys

import llama_cpp

dm, model, out = sys.argv[1], sys.argv[2], sys.argv[3]
src = os.environ["LLAMACPP_SRC"]
hf = os.path.join(dm, f"{model}-f32")
os.makedirs(out, exist_ok=True)
env = dict(os.environ, PYTHONPATH=os.path.join(src, "gguf-py") + os.pathsep + os.environ.get("PYTHONPATH", ""))
for outtype in ("f16", "q8_0"):
    f = os.path.join(out, f"{model}-{outtype}.gguf")
    if not os.path.exists(f):
        subprocess.check_call([sys.executable, os.path.join(src, "convert_hf_to_gguf.py"), hf, "--outtype", outtype, "--outfile", f], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
for name, ftype in (("q4_0", llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_0), ("q4_k_m", llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_K_M)):
    f = os.path.join(out, f"{model}-{name}.gguf")
    if os.path.exists(f):
        continue
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = ftype
    params.nthread = os.cpu_count() or 1
    rc = llama_cpp.llama_model_quantize(os.path.join(out, f"{model}-f16.gguf").encode(), f.encode(), params)
    if rc != 0:
        sys.exit(f"llama_model_quantize {name} failed ({rc})")
print(out)
