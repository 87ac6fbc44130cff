"""What the PyTorch sides of the benchmarks share: the timing protocol of `transformers-cpp bench`."""
import time


def median(f, iters):
    """One warm-up call, then the median wall time of `iters` calls, in seconds."""
    f()
    t = []
    for _ in range(iters):
        a = time.perf_counter()
        f()
        t.append(time.perf_counter() - a)
    return sorted(t)[len(t) // 2]
