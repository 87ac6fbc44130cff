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


def peak_rss_mb():
    """Peak resident memory of this process (torch and the model included), as `transformers-cpp bench` reports its own."""
    import resource
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
