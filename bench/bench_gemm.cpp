// GEMM throughput of ops::linear at encoder shapes, fp32 and bf16 weights, as JSON lines.
//   bench_gemm [threads...]
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include <immintrin.h>

#include "ops/ops.hpp"

using namespace transformers;

static Tensor randn(const Shape& s, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  Tensor t = Tensor::empty(s);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = d(rng);
  return t;
}

// The FMA peak of one core: 12 independent 8-wide FMA chains (enough to hide FMA latency on two ports).
__attribute__((target("avx2,fma"))) static double fma_peak_gflops() {
  __m256 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps(0.001f * i);
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  const long iters = 20'000'000;
  auto t0 = std::chrono::steady_clock::now();
  for (long it = 0; it < iters; ++it)
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  float sink = 0;
  for (int i = 0; i < 12; ++i) sink += _mm256_cvtss_f32(acc[i]);
  if (sink == 12345.0f) std::printf("#");
  return iters * 12.0 * 8 * 2 / s / 1e9;
}

// The same with 512-bit FMAs (12 chains, 32 registers): the fp32 limit of an AVX-512 core.
__attribute__((target("avx512f"))) static double fma512_peak_gflops() {
  __m512 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm512_set1_ps(0.001f * i);
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  const long iters = 20'000'000;
  auto t0 = std::chrono::steady_clock::now();
  for (long it = 0; it < iters; ++it)
    for (int i = 0; i < 12; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  float sink = 0;
  for (int i = 0; i < 12; ++i) sink += _mm512_reduce_add_ps(acc[i]);
  if (sink == 12345.0f) std::printf("#");
  return iters * 12.0 * 16 * 2 / s / 1e9;
}

int main(int argc, char** argv) {
  // The widest FMA the core has comes first: run.sh takes the first fma_peak line as the peak.
  if (__builtin_cpu_supports("avx512f"))
    std::printf("{\"bench\": \"fma_peak_one_core\", \"isa\": \"avx512f\", \"gflops\": %.1f}\n", fma512_peak_gflops());
  std::printf("{\"bench\": \"fma_peak_one_core\", \"isa\": \"avx2+fma\", \"gflops\": %.1f}\n", fma_peak_gflops());
  std::vector<int> threads;
  for (int i = 1; i < argc; ++i) threads.push_back(std::atoi(argv[i]));
  if (threads.empty()) threads = {1, omp_get_max_threads()};
  struct Case { int64_t M, N, K; };
  for (Case c : {Case{4096, 768, 768}, Case{4096, 3072, 768}}) {
    Tensor x = randn({c.M, c.K}, 1), w = randn({c.N, c.K}, 2);
    for (DType dt : {DType::F32, DType::BF16}) {
      Tensor wd = w.to(dt);
      for (int t : threads) {
        omp_set_num_threads(t);
        ops::linear(x, wd);  // warm-up: primitive creation
        std::vector<double> times;
        for (int r = 0; r < 7; ++r) {
          auto t0 = std::chrono::steady_clock::now();
          Tensor y = ops::linear(x, wd);
          times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        }
        std::sort(times.begin(), times.end());
        const double med = times[times.size() / 2];
        std::printf("{\"impl\": \"transformers-cpp\", \"M\": %ld, \"N\": %ld, \"K\": %ld, \"dtype\": \"%s\", \"threads\": %d, "
                    "\"median_ms\": %.3f, \"gflops\": %.1f}\n",
                    static_cast<long>(c.M), static_cast<long>(c.N), static_cast<long>(c.K), dtype_name(dt).c_str(), t,
                    med * 1e3, 2.0 * c.M * c.N * c.K / med / 1e9);
        std::fflush(stdout);
      }
    }
  }
  return 0;
}
