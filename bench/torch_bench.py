"""PyTorch side of the benchmarks, same shapes and threads as bench_gemm, JSON lines.
   python bench/torch_bench.py gemm [threads...]
   python bench/torch_bench.py model DIR AUTO_CLASS BATCH SEQ THREADS
   python bench/torch_bench.py onnx DIR BATCH SEQ THREADS   (ONNX Runtime on the model exported with torch.onnx)"""
import json
import statistics
import sys
import time

import torch

from bench_common import peak_rss_mb


def gemm(threads):
    for (M, N, K) in [(4096, 768, 768), (4096, 3072, 768)]:
        x = torch.randn(M, K)
        w = torch.randn(N, K)
        for dt in [torch.float32, torch.bfloat16]:
            xd, wd = x.to(dt), w.to(dt)
            for t in threads:
                torch.set_num_threads(t)
                torch.nn.functional.linear(xd, wd)
                times = []
                for _ in range(7):
                    t0 = time.perf_counter()
                    torch.nn.functional.linear(xd, wd)
                    times.append(time.perf_counter() - t0)
                med = statistics.median(times)
                print(json.dumps({"impl": "torch " + torch.__version__, "M": M, "N": N, "K": K, "dtype": str(dt).replace("torch.", ""),
                                  "threads": t, "median_ms": round(med * 1e3, 3), "gflops": round(2 * M * N * K / med / 1e9, 1)}), flush=True)


def model(path, auto_class, batch, seq, threads):
    import transformers
    torch.set_num_threads(threads)
    t0 = time.perf_counter()
    m = getattr(transformers, auto_class).from_pretrained(path).eval()
    load = time.perf_counter() - t0
    vocab = m.config.vocab_size
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(0, vocab, (batch, seq), generator=g)
    mask = torch.ones_like(ids)
    with torch.inference_mode():
        for _ in range(2):
            m(input_ids=ids, attention_mask=mask)
        times = []
        for _ in range(10):
            t0 = time.perf_counter()
            m(input_ids=ids, attention_mask=mask)
            times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    print(json.dumps({"impl": "transformers " + transformers.__version__ + " / torch " + torch.__version__, "load_s": round(load, 4),
                      "median_ms": round(med * 1e3, 3), "sequences_per_s": round(batch / med, 2), "threads": threads,
                      "peak_rss_mb": peak_rss_mb()}), flush=True)


def onnx(path, batch, seq, threads):
    import os

    import onnxruntime as ort
    import transformers
    onnx_path = os.path.join(path, "model.onnx")
    if not os.path.exists(onnx_path):
        m = transformers.AutoModel.from_pretrained(path).eval()

        class Wrapped(torch.nn.Module):  # keyword inputs: v5's forward signatures are not positional-friendly
            def __init__(self, inner):
                super().__init__()
                self.inner = inner

            def forward(self, input_ids, attention_mask):
                return self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

        ids = torch.ones(1, 8, dtype=torch.long)
        torch.onnx.export(Wrapped(m), (ids, torch.ones_like(ids)), onnx_path, input_names=["input_ids", "attention_mask"],
                          output_names=["last_hidden_state"], dynamic_axes={"input_ids": {0: "b", 1: "s"}, "attention_mask": {0: "b", 1: "s"}},
                          opset_version=17, dynamo=False)
    o = ort.SessionOptions()
    o.intra_op_num_threads, o.inter_op_num_threads = threads, 1
    o.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    t0 = time.perf_counter()
    sess = ort.InferenceSession(onnx_path, o, providers=["CPUExecutionProvider"])
    load = time.perf_counter() - t0
    import numpy as np
    rng = np.random.default_rng(0)
    feeds = {"input_ids": rng.integers(0, 1000, (batch, seq)).astype(np.int64), "attention_mask": np.ones((batch, seq), dtype=np.int64)}
    for _ in range(2):
        sess.run(None, feeds)
    times = []
    for _ in range(10):
        t0 = time.perf_counter()
        sess.run(None, feeds)
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    print(json.dumps({"impl": "onnxruntime " + ort.__version__, "load_s": round(load, 4), "median_ms": round(med * 1e3, 3),
                      "sequences_per_s": round(batch / med, 2), "threads": threads}), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "gemm":
        gemm([int(a) for a in sys.argv[2:]] or [1, 2])
    elif sys.argv[1] == "onnx":
        onnx(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    else:
        model(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]))
