"""llama.cpp side of the decoder benchmark (llama-cpp-python): the same random-weight checkpoint
converted to GGUF with llama.cpp's own convert_hf_to_gguf.py (cached next to it), then prefill of
PROMPT tokens and greedy decode of NEW tokens at batch 1, JSON line like decoder_bench.py.
   python bench/llamacpp_bench.py HF_DIR|FILE.gguf OUTTYPE(f32|bf16|q8_0) THREADS PROMPT NEW ITERS
Needs llama-cpp-python, and llama.cpp's converter (its sdist's vendor/llama.cpp) in LLAMACPP_SRC."""
import json
import os
import statistics
import subprocess
import sys
import time

hf, outtype, threads, prompt, new, iters = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
src = os.environ.get("LLAMACPP_SRC", "/tmp/tcpp-llamacpp/llama_cpp_python-0.3.36/vendor/llama.cpp")
# HF_DIR may also be a .gguf file, run as it is (OUTTYPE then only labels the row).
gguf = hf if hf.endswith(".gguf") else os.path.join(hf, f"model-{outtype}.gguf")
if not os.path.exists(gguf):
    env = dict(os.environ, PYTHONPATH=os.path.join(src, "gguf-py") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    subprocess.check_call([sys.executable, os.path.join(src, "convert_hf_to_gguf.py"), hf, "--outtype", outtype, "--outfile", gguf], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

import llama_cpp  # noqa: E402

t0 = time.perf_counter()
llm = llama_cpp.Llama(model_path=gguf, n_threads=threads, n_threads_batch=threads, n_ctx=prompt + new + 8, n_batch=prompt, verbose=False)
load = time.perf_counter() - t0
ids = [(i * 7919) % 1000 + 10 for i in range(prompt)]


def last_logits():
    # logits of the last evaluated token only (logits_all would compute the head at every prompt position)
    import numpy as np
    return np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm._ctx.ctx, -1), shape=(llm.n_vocab(),))


pre, dec = [], []
for _ in range(iters):
    llm.reset()
    t0 = time.perf_counter()
    llm.eval(ids)
    t1 = time.perf_counter()
    for _ in range(new):
        tok = int(last_logits().argmax())  # greedy on the last position's logits
        llm.eval([tok])
    t2 = time.perf_counter()
    pre.append(t1 - t0)
    dec.append((t2 - t1) / new)
print(json.dumps({"impl": "llama.cpp (llama-cpp-python " + llama_cpp.__version__ + ")", "outtype": outtype, "threads": threads, "load_s": round(load, 3),
                  "prefill_tokens_per_s": round(prompt / statistics.median(pre), 1),
                  "decode_tokens_per_s": round(1 / statistics.median(dec), 2)}))
