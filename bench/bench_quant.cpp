// Decode GEMV (M = 1) of ops::linear_quantized at Qwen2.5-0.5B's shapes against fp32 ops::linear
// (and a 128-row prefill GEMM at the MLP shapes),
// with the DRAM read bandwidth measured beside it (decode is bandwidth-bound: the figure of merit
// is bytes of weight read per second). Every case cycles through copies of its weight totalling
// >= 256 MiB, so the weight comes from DRAM as in a whole model, not from the 32 MiB L3 (hot_*: one
// copy again and again, the compute limit when it fits the cache).
//   bench_quant [threads...]   (default: 1 and all)   one JSON line per case
#include <omp.h>
#include <sys/mman.h>

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "read_bandwidth.hpp"

#include "ops/dispatch.hpp"
#include "ops/ops.hpp"
#include "ops/quant.hpp"

using namespace transformers;
using ops::QuantType;

namespace {

Tensor randn(const Shape& s, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  Tensor t = Tensor::empty(s);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = d(rng);
  return t;
}

// Random blocks whose f16 scale fields (byte offsets per block) hold 2^-7: finite, normal values.
Tensor random_blocks(QuantType t, int64_t N, int64_t K, uint64_t seed) {
  const auto& tr = ops::quant_traits(t);
  std::vector<int> f16_fields;
  switch (t) {
    case QuantType::Q4_0: case QuantType::Q5_0: case QuantType::Q8_0: case QuantType::IQ4_NL: case QuantType::IQ4_XS: f16_fields = {0}; break;
    case QuantType::Q4_1: case QuantType::Q5_1: case QuantType::Q4_K: case QuantType::Q5_K: f16_fields = {0, 2}; break;
    case QuantType::Q2_K: f16_fields = {80, 82}; break;
    case QuantType::Q3_K: f16_fields = {108}; break;
    case QuantType::Q6_K: f16_fields = {208}; break;
  }
  Tensor w = Tensor::empty({N, ops::quant_row_bytes(t, K)}, DType::U8);
  auto* p = w.data<uint8_t>();
  std::mt19937_64 rng(seed);
  for (int64_t i = 0; i < w.numel(); ++i) p[i] = static_cast<uint8_t>(rng());
  for (int64_t b = 0; b < w.numel() / tr.type_size; ++b)
    for (int off : f16_fields) p[b * tr.type_size + off] = 0x00, p[b * tr.type_size + off + 1] = 0x20;
  return w;
}

// DRAM read bandwidth: a 512 MiB buffer, best of 5.
double read_bandwidth_gbs() {
  const std::vector<double> gbs = bench::read_passes_gbs(size_t(1) << 27, 5);
  return *std::max_element(gbs.begin(), gbs.end());
}

// One core's fp32 FMA rate (12 independent 8-wide chains): decode that runs below the DRAM
// bandwidth is bound by the widening and FMAs, and this is their ceiling.
__attribute__((target("avx2,fma"))) double fma_peak_gflops() {
  __m256 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps(0.001f * static_cast<float>(i));
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  const long iters = 20'000'000;
  auto t0 = std::chrono::steady_clock::now();
  for (long it = 0; it < iters; ++it)
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  float sink = 0;
  for (int i = 0; i < 12; ++i) sink += _mm256_cvtss_f32(acc[i]);
  if (sink == 12345.0f) std::printf("#");
  return static_cast<double>(iters) * 12.0 * 8 * 2 / s / 1e9;
}

// Median seconds of f over the weight copies, cycled.
template <typename F>
double median_time(int copies, F f) {
  for (int i = 0; i < copies; ++i) f(i);  // warm-up: page faults, primitive creation
  std::vector<double> times;
  const int reps = std::max(15, 2 * copies);
  for (int r = 0; r < reps; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    f(r % copies);
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> threads;
  for (int i = 1; i < argc; ++i) threads.push_back(std::atoi(argv[i]));
  if (threads.empty()) threads = {1, omp_get_max_threads()};
  std::printf("{\"bench\": \"cpu\", \"isa\": \"%s\", \"fma\": %s}\n", ops::cpu_isa().str().c_str(),
              __builtin_cpu_supports("fma") ? "true" : "false");
  std::printf("{\"bench\": \"fma_peak_one_core\", \"gflops\": %.1f}\n", fma_peak_gflops());
  for (int t : threads) {
    omp_set_num_threads(t);
    std::printf("{\"bench\": \"dram_read\", \"threads\": %d, \"gb_per_s\": %.2f}\n", t, read_bandwidth_gbs());
  }
  std::fflush(stdout);
  struct Shape2 { int64_t K, N; const char* what; };
  const int64_t kPool = int64_t{256} << 20;
  for (Shape2 s : {Shape2{896, 4864, "mlp.up_proj"}, Shape2{4864, 896, "mlp.down_proj"}, Shape2{896, 151936, "lm_head"}}) {
    const Tensor x = randn({1, s.K}, 1);
    for (int ti = -1; ti < 4; ++ti) {  // -1: the fp32 weight
      const QuantType qt = std::array{QuantType::Q4_0, QuantType::Q8_0, QuantType::Q4_K, QuantType::Q6_K}[std::max(ti, 0)];
      if (ti >= 0 && s.K % ops::quant_traits(qt).block_size != 0) {
        // 896 is not a multiple of 256: GGUF files of Qwen2.5-0.5B hold such rows in a 32-block format.
        std::printf("{\"bench\": \"decode_gemv\", \"shape\": \"%s\", \"weight\": \"%s\", \"skipped\": \"K %% 256 != 0\"}\n", s.what,
                    std::string(ops::quant_traits(qt).name).c_str());
        continue;
      }
      const int64_t bytes = ti < 0 ? s.N * s.K * 4 : s.N * ops::quant_row_bytes(qt, s.K);
      const int copies = static_cast<int>(std::clamp<int64_t>(kPool / bytes, 1, 64));
      std::vector<Tensor> w;
      for (int c = 0; c < copies; ++c) w.push_back(ti < 0 ? randn({s.N, s.K}, 2 + c) : random_blocks(qt, s.N, s.K, 2 + c));
      for (int t : threads) {
        omp_set_num_threads(t);
        const double sec = ti < 0 ? median_time(copies, [&](int c) { ops::linear(x, w[c]); })
                                  : median_time(copies, [&](int c) { ops::linear_quantized(x, w[c], qt, s.K); });
        // The same weight again and again (cache-resident when it fits the L3): the compute limit.
        const double hot = ti < 0 ? median_time(1, [&](int) { ops::linear(x, w[0]); })
                                  : median_time(1, [&](int) { ops::linear_quantized(x, w[0], qt, s.K); });
        std::printf("{\"bench\": \"decode_gemv\", \"shape\": \"%s\", \"K\": %ld, \"N\": %ld, \"weight\": \"%s\", \"threads\": %d, "
                    "\"weight_mb\": %.2f, \"median_ms\": %.3f, \"gb_per_s\": %.2f, \"hot_ms\": %.3f, \"hot_gb_per_s\": %.2f}\n",
                    s.what, static_cast<long>(s.K), static_cast<long>(s.N), ti < 0 ? "F32" : std::string(ops::quant_traits(qt).name).c_str(), t,
                    bytes / 1e6, sec * 1e3, bytes / sec / 1e9, hot * 1e3, bytes / hot / 1e9);
        std::fflush(stdout);
      }
    }
  }
  // Prefill (M = 128): panels of the weight widened to fp32, then the fp32 GEMM; GFLOP/s beside fp32 linear.
  for (Shape2 s : {Shape2{896, 4864, "mlp.up_proj"}, Shape2{4864, 896, "mlp.down_proj"}}) {
    const int64_t M = 128;
    const Tensor x = randn({M, s.K}, 1);
    for (int ti = -1; ti < 4; ++ti) {
      const QuantType qt = std::array{QuantType::Q4_0, QuantType::Q8_0, QuantType::Q4_K, QuantType::Q6_K}[std::max(ti, 0)];
      if (ti >= 0 && s.K % ops::quant_traits(qt).block_size != 0) continue;
      const Tensor w = ti < 0 ? randn({s.N, s.K}, 2) : random_blocks(qt, s.N, s.K, 2);
      for (int t : threads) {
        omp_set_num_threads(t);
        const double sec = ti < 0 ? median_time(1, [&](int) { ops::linear(x, w); })
                                  : median_time(1, [&](int) { ops::linear_quantized(x, w, qt, s.K); });
        std::printf("{\"bench\": \"prefill_gemm\", \"shape\": \"%s\", \"M\": %ld, \"K\": %ld, \"N\": %ld, \"weight\": \"%s\", "
                    "\"threads\": %d, \"median_ms\": %.3f, \"gflops\": %.1f}\n",
                    s.what, static_cast<long>(M), static_cast<long>(s.K), static_cast<long>(s.N),
                    ti < 0 ? "F32" : std::string(ops::quant_traits(qt).name).c_str(), t, sec * 1e3, 2.0 * M * s.N * s.K / sec / 1e9);
        std::fflush(stdout);
      }
    }
  }
  return 0;
}
