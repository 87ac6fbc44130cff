// Skinny GEMM (decode: a few rows of activations against a [N, K] weight): memory-bound, so the
// weight is streamed once in its stored precision (bf16, f16, or int8 with per-row scales)
// and widened in registers. AVX2+FMA path picked at run time (AVX-512 for int8); a portable loop otherwise.
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "ops/dispatch.hpp"
#include "ops/kernels.hpp"

namespace transformers::ops::kernels::cpu {

namespace {

constexpr int64_t kMaxRows = 8;

// Portable fallback: one weight row against up to kMaxRows activation rows.
void row_portable(const GemmArgs& g, int64_t n, float* acc) {
  for (int64_t k = 0; k < g.K; ++k) {
    float w;
    switch (g.b_dtype) {
      case DType::F32: w = static_cast<const float*>(g.b)[n * g.K + k]; break;
      case DType::BF16: w = bf16_to_f32(static_cast<const uint16_t*>(g.b)[n * g.K + k]); break;
      case DType::F16: w = f16_to_f32(static_cast<const uint16_t*>(g.b)[n * g.K + k]); break;
      default: w = static_cast<float>(static_cast<const int8_t*>(g.b)[n * g.K + k]); break;
    }
    for (int64_t m = 0; m < g.M; ++m) acc[m] += static_cast<const float*>(g.a)[m * g.K + k] * w;
  }
}

template <DType DT>
__attribute__((target("avx2,fma,f16c"))) inline __m256 load8(const void* b, int64_t i) {
  if constexpr (DT == DType::F32) {
    return _mm256_loadu_ps(static_cast<const float*>(b) + i);
  } else if constexpr (DT == DType::BF16) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(static_cast<const uint16_t*>(b) + i));
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
  } else if constexpr (DT == DType::F16) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(static_cast<const uint16_t*>(b) + i)));
  } else {
    const __m128i q = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(static_cast<const int8_t*>(b) + i));
    return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q));
  }
}

template <DType DT>
inline float load1(const void* b, int64_t i) {
  if constexpr (DT == DType::F32) return static_cast<const float*>(b)[i];
  else if constexpr (DT == DType::BF16) return bf16_to_f32(static_cast<const uint16_t*>(b)[i]);
  else if constexpr (DT == DType::F16) return f16_to_f32(static_cast<const uint16_t*>(b)[i]);
  else return static_cast<float>(static_cast<const int8_t*>(b)[i]);
}

__attribute__((target("avx2,fma,f16c"))) inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

// M activation rows against one weight row; two accumulators per row hide the FMA latency.
template <DType DT, int M>
__attribute__((target("avx2,fma,f16c"))) void row_avx2(const float* a, int64_t K, const void* wrow, float* acc) {
  __m256 s0[M], s1[M];
  for (int m = 0; m < M; ++m) s0[m] = s1[m] = _mm256_setzero_ps();
  const int64_t K16 = K / 16 * 16;
  constexpr int64_t esz = DT == DType::F32 ? 4 : DT == DType::I8 ? 1 : 2;
  for (int64_t k = 0; k < K16; k += 16) {
    // Hardware prefetchers stop at 4 KiB pages (file-backed mmap pages are small): prefetch
    // ahead explicitly, into the next row too.
    _mm_prefetch(static_cast<const char*>(wrow) + k * esz + 4096, _MM_HINT_T0);
    if constexpr (esz == 4) _mm_prefetch(static_cast<const char*>(wrow) + k * esz + 4096 + 32, _MM_HINT_T0);
    const __m256 w0 = load8<DT>(wrow, k), w1 = load8<DT>(wrow, k + 8);
    for (int m = 0; m < M; ++m) {
      s0[m] = _mm256_fmadd_ps(_mm256_loadu_ps(a + m * K + k), w0, s0[m]);
      s1[m] = _mm256_fmadd_ps(_mm256_loadu_ps(a + m * K + k + 8), w1, s1[m]);
    }
  }
  for (int m = 0; m < M; ++m) {
    float t = hsum(_mm256_add_ps(s0[m], s1[m]));
    for (int64_t k = K16; k < K; ++k) t += a[m * K + k] * load1<DT>(wrow, k);
    acc[m] = t;
  }
}

// int8 rows on AVX-512: 16 weights widened per instruction pair and one prefetch per cache line.
// With AVX2 the widening (8 at a time) and a prefetch every 16 bytes kept int8 decode short of
// the bandwidth limit.
// GCC 12 flags the `undefined` pass-through operand inside its own AVX-512 conversion intrinsics.
#pragma GCC diagnostic push
#if !defined(__clang__)  // a GCC-only warning group; clang warns about the unknown name
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#pragma GCC diagnostic ignored "-Wuninitialized"
template <int M>
__attribute__((target("avx512f"))) void row_avx512_i8(const float* a, int64_t K, const int8_t* w, float* acc) {
  __m512 s0[M], s1[M];
  for (int m = 0; m < M; ++m) s0[m] = s1[m] = _mm512_setzero_ps();
  const int64_t K64 = K / 64 * 64;
  for (int64_t k = 0; k < K64; k += 64) {
    _mm_prefetch(reinterpret_cast<const char*>(w + k) + 4096, _MM_HINT_T0);
    for (int j = 0; j < 4; ++j) {
      const __m512 wf = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w + k + 16 * j))));
      for (int m = 0; m < M; ++m) {
        __m512& s = j % 2 ? s1[m] : s0[m];
        s = _mm512_fmadd_ps(_mm512_loadu_ps(a + m * K + k + 16 * j), wf, s);
      }
    }
  }
  for (int m = 0; m < M; ++m) {
    float t = _mm512_reduce_add_ps(_mm512_add_ps(s0[m], s1[m]));
    for (int64_t k = K64; k < K; ++k) t += a[m * K + k] * static_cast<float>(w[k]);
    acc[m] = t;
  }
}

#pragma GCC diagnostic pop

void rows_avx512_i8(const GemmArgs& g, const float* a, int64_t n, float* acc) {
  const int8_t* w = static_cast<const int8_t*>(g.b) + n * g.K;
  for (int64_t m0 = 0; m0 < g.M; m0 += 4) {
    const int64_t rem = std::min<int64_t>(4, g.M - m0);
    if (rem == 4) row_avx512_i8<4>(a + m0 * g.K, g.K, w, acc + m0);
    else if (rem == 3) row_avx512_i8<3>(a + m0 * g.K, g.K, w, acc + m0);
    else if (rem == 2) row_avx512_i8<2>(a + m0 * g.K, g.K, w, acc + m0);
    else row_avx512_i8<1>(a + m0 * g.K, g.K, w, acc + m0);
  }
}

template <DType DT>
void rows_avx2(const GemmArgs& g, const float* a, int64_t n, float* acc) {
  const void* w = static_cast<const char*>(g.b) + static_cast<size_t>(n * g.K) * sizeof(std::conditional_t<DT == DType::F32, float, std::conditional_t<DT == DType::I8, int8_t, uint16_t>>);
  switch (g.M) {
    case 1: return row_avx2<DT, 1>(a, g.K, w, acc);
    case 2: return row_avx2<DT, 2>(a, g.K, w, acc);
    case 3: return row_avx2<DT, 3>(a, g.K, w, acc);
    case 4: return row_avx2<DT, 4>(a, g.K, w, acc);
    default:
      for (int64_t m0 = 0; m0 < g.M; m0 += 4) {
        const int64_t rem = std::min<int64_t>(4, g.M - m0);
        if (rem == 4) row_avx2<DT, 4>(a + m0 * g.K, g.K, w, acc + m0);
        else if (rem == 3) row_avx2<DT, 3>(a + m0 * g.K, g.K, w, acc + m0);
        else if (rem == 2) row_avx2<DT, 2>(a + m0 * g.K, g.K, w, acc + m0);
        else row_avx2<DT, 1>(a + m0 * g.K, g.K, w, acc + m0);
      }
  }
}

using RowsFn = void (*)(const GemmArgs&, const float*, int64_t, float*);
RowsFn pick_rows(DType dt) {
  switch (dt) {
    case DType::F32: return rows_avx2<DType::F32>;
    case DType::BF16: return rows_avx2<DType::BF16>;
    case DType::F16: return rows_avx2<DType::F16>;
    default: return rows_avx2<DType::I8>;
  }
}

}  // namespace

bool gemv(const GemmArgs& g, bool any_rows) {
  const bool tiled = any_rows && g.M > kMaxRows && !g.trans_a && g.trans_b && g.batch == 1;
  if (tiled) {
    if (g.b_dtype != DType::F32 && g.b_dtype != DType::BF16 && g.b_dtype != DType::F16 && g.b_dtype != DType::I8) return false;
    // Row tiles of kMaxRows, each weight row reused across the tiles while it is in cache: every
    // row is summed by the same per-row code whatever M is.
    const RowsFn fast = g.b_dtype == DType::I8 && cpu_isa().avx512f ? rows_avx512_i8 : cpu_isa().avx2 ? pick_rows(g.b_dtype) : nullptr;
#pragma omp parallel for schedule(static) if (g.N * g.K > 32768)
    for (int64_t n = 0; n < g.N; ++n) {
      const float sc = g.b_scale ? g.b_scale[n] : 1.0f;
      const float bias = g.bias ? g.bias[n] : 0.0f;
      for (int64_t m0 = 0; m0 < g.M; m0 += kMaxRows) {
        GemmArgs t = g;
        t.M = std::min(kMaxRows, g.M - m0);
        t.a = static_cast<const float*>(g.a) + m0 * g.K;
        float acc[kMaxRows] = {};
        if (fast) fast(t, static_cast<const float*>(t.a), n, acc);
        else row_portable(t, n, acc);
        for (int64_t m = 0; m < t.M; ++m) g.c[(m0 + m) * g.N + n] = acc[m] * sc + bias;
      }
    }
    return true;
  }
  if (g.trans_a || !g.trans_b || g.M > kMaxRows || g.M == 0 || (g.batch > 1 && g.b_batch_stride != 0)) return false;
  // Every weight dtype streams through here, fp32 included: on the AVX-512 / AMX machines the
  // explicit prefetch across rows beats oneDNN's skinny GEMM for fp32 too (Llama-3.2-1B shape,
  // 2 threads: 5.70 vs 3.92 tokens/s; Qwen2.5-0.5B: 12.4 vs 10.8).
  if (g.b_dtype != DType::F32 && g.b_dtype != DType::BF16 && g.b_dtype != DType::F16 && g.b_dtype != DType::I8) return false;
  const RowsFn fast = g.b_dtype == DType::I8 && cpu_isa().avx512f ? rows_avx512_i8 : cpu_isa().avx2 ? pick_rows(g.b_dtype) : nullptr;
  for (int64_t bi = 0; bi < g.batch; ++bi) {
    GemmArgs one = g;
    one.a = static_cast<const float*>(g.a) + bi * g.M * g.K;
    one.c = g.c + bi * g.M * g.N;
#pragma omp parallel for schedule(static) if (g.N * g.K > 32768)
    for (int64_t n = 0; n < g.N; ++n) {
      float acc[kMaxRows] = {};
      if (fast) fast(one, static_cast<const float*>(one.a), n, acc);
      else row_portable(one, n, acc);
      const float sc = g.b_scale ? g.b_scale[n] : 1.0f;
      const float bias = g.bias ? g.bias[n] : 0.0f;
      for (int64_t m = 0; m < g.M; ++m) one.c[m * g.N + n] = acc[m] * sc + bias;
    }
  }
  return true;
}

namespace {
// One row's columns [n0, n1) of a [K, N] f32 b: the sum runs over k in order for every column.
__attribute__((target_clones("avx2", "default"))) void row_kn(const float* a, const float* b, int64_t K, int64_t N, int64_t n0, int64_t n1, float* acc) {
  const int64_t w = n1 - n0;
  for (int64_t j = 0; j < w; ++j) acc[j] = 0.0f;
  for (int64_t k = 0; k < K; ++k) {
    const float av = a[k];
    const float* br = b + k * N + n0;
    for (int64_t j = 0; j < w; ++j) acc[j] += av * br[j];
  }
}
}  // namespace

bool gemm_rows_kn(const GemmArgs& g) {
  if (g.trans_a || g.trans_b || g.batch != 1 || g.b_dtype != DType::F32 || g.b_scale) return false;
  constexpr int64_t kCols = 256;
  const int64_t chunks = (g.N + kCols - 1) / kCols;
  const auto* A = static_cast<const float*>(g.a);
  const auto* B = static_cast<const float*>(g.b);
#pragma omp parallel for schedule(static) if (g.M * g.N * g.K > 32768)
  for (int64_t t = 0; t < g.M * chunks; ++t) {
    const int64_t m = t / chunks, n0 = (t % chunks) * kCols, n1 = std::min(g.N, n0 + kCols);
    float acc[kCols];
    row_kn(A + m * g.K, B, g.K, g.N, n0, n1, acc);
    for (int64_t n = n0; n < n1; ++n) g.c[m * g.N + n] = acc[n - n0] + (g.bias ? g.bias[n] : 0.0f);
  }
  return true;
}

}  // namespace transformers::ops::kernels::cpu
