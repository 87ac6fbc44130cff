// DRAM read bandwidth (the decode limit): sums a 1 GiB buffer with AVX2 loads on 1 and 2 threads,
// the best of 7 passes (the limit is what the memory system can give) and their median. The
// buffer asks for transparent huge pages, as the weights decode streams do (TLB misses would
// otherwise be part of the figure). Prints one JSON line per thread count.
#include <immintrin.h>
#include <sys/mman.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

__attribute__((target("avx2"))) static float sum(const float* a, size_t n) {
  __m256 tot = _mm256_setzero_ps();
#pragma omp parallel
  {
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
#pragma omp for schedule(static)
    for (size_t i = 0; i < n; i += 32) {
      s0 = _mm256_add_ps(s0, _mm256_load_ps(a + i));
      s1 = _mm256_add_ps(s1, _mm256_load_ps(a + i + 8));
      s2 = _mm256_add_ps(s2, _mm256_load_ps(a + i + 16));
      s3 = _mm256_add_ps(s3, _mm256_load_ps(a + i + 24));
    }
#pragma omp critical
    tot = _mm256_add_ps(tot, _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
  }
  float out[8];
  _mm256_storeu_ps(out, tot);
  return out[0];
}

int main() {
  const size_t n = size_t(1) << 28;
  auto* a = static_cast<float*>(std::aligned_alloc(size_t(2) << 20, n * sizeof(float)));
  madvise(a, n * sizeof(float), MADV_HUGEPAGE);
  std::memset(a, 0, n * sizeof(float));
  for (int threads : {1, 2}) {
    omp_set_num_threads(threads);
    std::vector<double> gbs;
    volatile float sink = 0;
    for (int r = 0; r < 7; ++r) {
      auto t0 = std::chrono::steady_clock::now();
      sink = sink + sum(a, n);
      gbs.push_back(n * sizeof(float) / std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / 1e9);
    }
    std::sort(gbs.begin(), gbs.end());
    std::printf("{\"threads\": %d, \"read_gb_per_s\": %.2f, \"median_gb_per_s\": %.2f}\n", threads, gbs.back(), gbs[3]);
  }
  std::free(a);
}
