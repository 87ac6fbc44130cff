#pragma once
// The DRAM read probe behind both bandwidth figures (bench_bandwidth, bench_quant): AVX2 sums over
// a buffer that asks for transparent huge pages, as the weight streams of decode do (TLB misses
// would otherwise be part of the figure), on the current OpenMP thread count.
#include <immintrin.h>
#include <sys/mman.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace bench {

__attribute__((target("avx2"))) inline float read_sum(const float* a, size_t n) {
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

// GB/s of each of `passes` reads over a buffer of `floats` floats (a multiple of 32).
inline std::vector<double> read_passes_gbs(size_t floats, int passes) {
  auto* a = static_cast<float*>(std::aligned_alloc(size_t(2) << 20, floats * sizeof(float)));
  madvise(a, floats * sizeof(float), MADV_HUGEPAGE);
  std::memset(a, 0, floats * sizeof(float));
  std::vector<double> gbs;
  volatile float sink = 0;
  for (int r = 0; r < passes; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    sink = sink + read_sum(a, floats);
    gbs.push_back(static_cast<double>(floats * sizeof(float)) / std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / 1e9);
  }
  std::free(a);
  return gbs;
}

}  // namespace bench
