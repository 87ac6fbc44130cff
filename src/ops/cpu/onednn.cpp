// CPU kernels through oneDNN: matmul (GEMM), eltwise (activations) and softmax. oneDNN JITs
// for the ISA it finds at run time (AVX2, AVX-512, AVX-512-BF16). Primitives are cached by
// problem shape: building one costs far more than running a small one.
#include <dnnl.hpp>
#include <omp.h>

#include <algorithm>
#include <bit>
#include <cstdint>

#include <map>
#include <optional>
#include <string>
#include <mutex>
#include <tuple>
#include <memory>
#include <vector>

#include "ops/kernels.hpp"
#include "transformers/errors.hpp"

namespace transformers::ops::kernels::cpu {
namespace {

using dt = dnnl::memory::data_type;

dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

// The thread count is part of the key: a primitive keeps the parallelism it was created with.
using Key = std::tuple<int64_t, int64_t, int64_t, int64_t, int, bool, bool, bool, bool, int>;

struct Cached {
  bool supported = false;  // this oneDNN build / CPU has no kernel for the combination
  dnnl::matmul prim;
  dnnl::memory::desc a, b, bias, c;
};

dt onednn_type(DType d) {
  switch (d) {
    case DType::F32: return dt::f32;
    case DType::BF16: return dt::bf16;
    case DType::F16: return dt::f16;
    default: throw UnsupportedDType("gemm: weights of dtype " + dtype_name(d) + " are not supported");
  }
}

const Cached& get(const GemmArgs& g, dt adt, dt bdt) {
  static std::mutex mu;
  static std::map<Key, Cached> cache;
  Key key{g.batch, g.M, g.N, g.K, static_cast<int>(bdt), g.trans_a, g.trans_b, g.bias != nullptr,
          g.b_batch_stride == 0, omp_get_max_threads()};
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  const int64_t B = g.batch, M = g.M, N = g.N, K = g.K;
  dnnl::memory::desc a({B, M, K}, adt, g.trans_a ? dnnl::memory::dims{M * K, 1, M} : dnnl::memory::dims{M * K, K, 1});
  const int64_t bstride = K * N;  // a shared b is a batch of 1, which oneDNN broadcasts
  dnnl::memory::dims bdims{g.b_batch_stride == 0 ? 1 : B, K, N};
  dnnl::memory::desc b(bdims, bdt, g.trans_b ? dnnl::memory::dims{bstride, 1, K} : dnnl::memory::dims{bstride, N, 1});
  dnnl::memory::desc c({B, M, N}, dt::f32, dnnl::memory::dims{M * N, N, 1});
  dnnl::memory::desc bias;
  if (g.bias) bias = dnnl::memory::desc({1, 1, N}, dt::f32, dnnl::memory::dims{N, N, 1});
  auto desc = g.bias ? dnnl::matmul::desc(a, b, bias, c) : dnnl::matmul::desc(a, b, c);
  Cached entry{false, {}, a, b, bias, c};
  try {
    dnnl::matmul::primitive_desc pd(desc, engine());
    entry.prim = dnnl::matmul(pd);
    entry.supported = true;
  } catch (const dnnl::error&) {
    // e.g. bf16 on a CPU without AVX-512: the caller widens the weights to fp32 instead.
  }
  return cache.emplace(key, entry).first->second;
}

// f32_to_bf16 (round to nearest even, NaN kept quiet) branch-free, so that it vectorizes: the
// activations of every low-precision GEMM pass through it.
__attribute__((target_clones("avx512f", "avx2", "default"))) void to_bf16(const float* x, uint16_t* y, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t u = std::bit_cast<uint32_t>(x[i]);
    const uint32_t rounded = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
    y[i] = static_cast<uint16_t>((u & 0x7fffffffu) > 0x7f800000u ? (u >> 16) | 0x40u : rounded);
  }
}

}  // namespace

void gemm(const GemmArgs& g) {
  if (g.M == 0 || g.N == 0) return;
  if (g.K == 0) {
    for (int64_t i = 0; i < g.batch * g.M * g.N; ++i) g.c[i] = g.bias ? g.bias[i % g.N] : 0.0f;
    return;
  }
  if (g.M * g.batch <= 8 && gemv(g)) return;  // decode: bandwidth-bound, weights read as stored
  // Batch-invariant: oneDNN's blocking (and so each row's summation order) depends on M; the
  // row kernel of gemv sums every row the same way for any M.
  if (batch_invariant() && (gemv(g, true) || gemm_rows_kn(g))) return;
  if (g.b_dtype == DType::I8) {
    // int8 weight-only: dequantize (q * row scale) to fp32 for the compute-bound GEMM.
    if (!g.trans_b || g.b_batch_stride != 0 || !g.b_scale) throw Error("gemm: int8 weights must be [N, K] with per-row scales");
    // Left uninitialized (every element is written): a zero-filled vector would write it twice.
    std::unique_ptr<float[]> wide(new float[static_cast<size_t>(g.N * g.K)]);
    const auto* q = static_cast<const int8_t*>(g.b);
#pragma omp parallel for if (g.N * g.K > 65536)
    for (int64_t n = 0; n < g.N; ++n)
      for (int64_t k = 0; k < g.K; ++k) wide[n * g.K + k] = static_cast<float>(q[n * g.K + k]) * g.b_scale[n];
    GemmArgs g32 = g;
    g32.b = wide.get(), g32.b_dtype = DType::F32, g32.b_scale = nullptr;
    return gemm(g32);
  }
  const dt bdt = onednn_type(g.b_dtype);
  if (bdt != dt::f32 && !get(g, bdt, bdt).supported) {
    // No low-precision kernel here: widen b to fp32 (exact) and run the fp32 GEMM.
    const int64_t nb = (g.b_batch_stride == 0 ? 1 : g.batch) * g.K * g.N;
    std::unique_ptr<float[]> wide(new float[static_cast<size_t>(nb)]);  // every element written below
    const auto* src = static_cast<const uint16_t*>(g.b);
    if (bdt == dt::bf16) {
#pragma omp parallel for if (nb > 65536)
      for (int64_t i = 0; i < nb; ++i) wide[i] = bf16_to_f32(src[i]);
    } else {
#pragma omp parallel for if (nb > 65536)
      for (int64_t i = 0; i < nb; ++i) wide[i] = f16_to_f32(src[i]);
    }
    GemmArgs g32 = g;
    g32.b = wide.get();
    g32.b_dtype = DType::F32;
    return gemm(g32);
  }
  // oneDNN wants src and weights in one precision: low-precision weights take low-precision
  // activations, accumulated in fp32 (what PyTorch does with bf16 modules).
  const dt adt = bdt;
  std::unique_ptr<uint16_t[]> a_low;  // every element written below: no zero fill
  const void* a_ptr = g.a;
  if (adt != dt::f32) {
    const int64_t n = g.batch * g.M * g.K;
    a_low.reset(new uint16_t[static_cast<size_t>(n)]);
    const auto* af = static_cast<const float*>(g.a);
    if (adt == dt::bf16) {
      constexpr int64_t kBlock = 16384;
#pragma omp parallel for if (n > 4 * kBlock)
      for (int64_t i = 0; i < n; i += kBlock) to_bf16(af + i, a_low.get() + i, std::min(kBlock, n - i));
    } else {
      for (int64_t i = 0; i < n; ++i) a_low[i] = f32_to_f16(af[i]);
    }
    a_ptr = a_low.get();
  }
  const Cached& p = get(g, adt, bdt);
  if (!p.supported) throw UnsupportedDType("gemm: oneDNN has no matmul kernel for this problem on this CPU");
  dnnl::stream s(engine());
  dnnl::memory am(p.a, engine(), const_cast<void*>(a_ptr));
  dnnl::memory bm(p.b, engine(), const_cast<void*>(g.b));
  dnnl::memory cm(p.c, engine(), g.c);
  std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, cm}};
  if (g.bias) args.emplace(DNNL_ARG_BIAS, dnnl::memory(p.bias, engine(), const_cast<float*>(g.bias)));
  p.prim.execute(s, args);
  s.wait();
}

namespace {

// Caches any primitive by a string key (shape + kind); nullopt when oneDNN has no kernel.
template <typename Prim, typename Make>
const std::optional<Prim>& cached(const std::string& shape, Make make) {
  static std::mutex mu;
  static std::map<std::string, std::optional<Prim>> cache;
  const std::string key = shape + "@" + std::to_string(omp_get_max_threads());  // primitives keep their parallelism
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  std::optional<Prim> p;
  try {
    p = make();
  } catch (const dnnl::error&) {
  }
  return cache.emplace(key, std::move(p)).first->second;
}

void run(const dnnl::primitive& p, const float* x, float* y, const dnnl::memory::desc& md) {
  dnnl::stream s(engine());
  dnnl::memory src(md, engine(), const_cast<float*>(x)), dst(md, engine(), y);
  p.execute(s, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
  s.wait();
}

}  // namespace

void unary(const float* x, float* y, int64_t n, Activation act) {
  using alg = dnnl::algorithm;
  alg a;
  float alpha = 0.0f;
  switch (act) {
    case Activation::Relu: a = alg::eltwise_relu; break;
    case Activation::Gelu: a = alg::eltwise_gelu_erf; break;
    case Activation::GeluTanh: a = alg::eltwise_gelu_tanh; break;
    case Activation::Silu: a = alg::eltwise_swish; alpha = 1.0f; break;
    case Activation::Tanh: a = alg::eltwise_tanh; break;
    case Activation::Sigmoid: a = alg::eltwise_logistic; break;
    case Activation::QuickGelu: a = alg::eltwise_swish; alpha = 1.702f; break;  // x * sigmoid(1.702 x)
    default: return unary_loop(x, y, n, act);
  }
  if (n == 0) return;
  dnnl::memory::desc md({n}, dt::f32, dnnl::memory::dims{1});
  const auto& p = cached<dnnl::eltwise_forward>(std::to_string(n) + "/" + std::to_string(static_cast<int>(a)) + "/" + std::to_string(alpha), [&] {
    dnnl::eltwise_forward::desc d(dnnl::prop_kind::forward_inference, a, md, alpha, 0.0f);
    return dnnl::eltwise_forward(dnnl::eltwise_forward::primitive_desc(d, engine()));
  });
  if (!p) return unary_loop(x, y, n, act);
  run(*p, x, y, md);
}

void softmax(float* x, int64_t rows, int64_t cols) {
  if (rows == 0 || cols == 0) return;
  dnnl::memory::desc md({rows, cols}, dt::f32, dnnl::memory::dims{cols, 1});
  const auto& p = cached<dnnl::softmax_forward>(std::to_string(rows) + "x" + std::to_string(cols), [&] {
    dnnl::softmax_forward::desc d(dnnl::prop_kind::forward_inference, md, 1);
    return dnnl::softmax_forward(dnnl::softmax_forward::primitive_desc(d, engine()));
  });
  if (!p) return softmax_loop(x, rows, cols);
  run(*p, x, x, md);
}

}  // namespace transformers::ops::kernels::cpu
