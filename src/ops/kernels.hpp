#pragma once
// Kernel signatures shared by the reference, CPU and (later) CUDA implementations. Front-ends in
// ops.cpp hand kernels contiguous buffers; only GEMM and embedding see non-f32 inputs.
#include "ops/ops.hpp"

namespace transformers::ops::kernels {

struct GemmArgs {
  int64_t batch = 1, M = 0, N = 0, K = 0;
  const void* a = nullptr;  // f32 [batch][M x K] row-major (or [K x M] when trans_a)
  const void* b = nullptr;  // [batch][K x N] (or [N x K] when trans_b); dtype b_dtype
  DType b_dtype = DType::F32;
  bool trans_a = false, trans_b = false;
  int64_t b_batch_stride = 0;  // 0: one b shared by every batch entry
  const float* b_scale = nullptr;  // int8 b: per-output-row scale [N] (weight = int8 * scale)
  const float* bias = nullptr; // [N] or null
  float* c = nullptr;          // [batch][M x N]
};
using GemmFn = void (*)(const GemmArgs&);

enum class BinOp { Add, Sub, Mul, Div };
// a, b: any strides, already broadcast-compatible with out (contiguous f32).
using BinaryFn = void (*)(const Tensor& a, const Tensor& b, Tensor& out, BinOp op);
using UnaryFn = void (*)(const float* x, float* y, int64_t n, Activation act);
using SoftmaxFn = void (*)(float* x, int64_t rows, int64_t cols);  // in place, last dim
using NormFn = void (*)(const float* x, const float* w, const float* b, float* y, int64_t rows, int64_t cols,
                        float eps, bool rms);
using EmbeddingFn = void (*)(const Tensor& weight, const int64_t* ids, int64_t n, float* out);
enum class ReduceOp { Sum, Mean, Max };
using ReduceFn = void (*)(const float* x, float* out, int64_t outer, int64_t n, int64_t inner, ReduceOp op);
using ArgmaxFn = void (*)(const float* x, int64_t* out, int64_t outer, int64_t n, int64_t inner);

struct AttentionArgs {
  int64_t B = 0, H = 0, Hkv = 0, Sq = 0, T = 0, D = 0, Dv = 0;
  const float *q = nullptr, *k = nullptr, *v = nullptr;
  int64_t q_sb = 0, q_sh = 0, q_ss = 0, k_sb = 0, k_sh = 0, k_st = 0, v_sb = 0, v_sh = 0, v_st = 0;
  const float* key_padding = nullptr;  // [B][kp_len], absolute key index
  int64_t kp_len = 0;
  const float* sinks = nullptr;        // [H]
  const float* bias = nullptr;         // [.][H][Sq][T], batch stride bias_sb (0: shared)
  int64_t bias_sb = 0;
  float scaling = 1, softcap = 0;
  bool causal = true;
  int64_t window = 0, q_start = 0, kv_start = 0;
  float* out = nullptr;                // [B][Sq][H][Dv]
  float* probs = nullptr;              // [B][H][Sq][T] when asked (reference kernel only)
  bool visible(int64_t b, int64_t i, int64_t j) const {
    const int64_t qp = q_start + i, kp = kv_start + j;
    if (causal && kp > qp) return false;
    if (window > 0 && qp - kp >= window) return false;
    return !key_padding || key_padding[b * kp_len + kp] != 0.0f;
  }
  float bias_at(int64_t b, int64_t h, int64_t i, int64_t j) const {
    return bias ? bias[b * bias_sb + (h * Sq + i) * T + j] : 0.0f;
  }
};
using AttentionFn = void (*)(const AttentionArgs&);

float activation_scalar(float x, Activation act);

namespace reference {
void gemm(const GemmArgs& g);
void binary(const Tensor& a, const Tensor& b, Tensor& out, BinOp op);
void unary(const float* x, float* y, int64_t n, Activation act);
void softmax(float* x, int64_t rows, int64_t cols);
void norm(const float* x, const float* w, const float* b, float* y, int64_t rows, int64_t cols, float eps, bool rms);
void embedding(const Tensor& weight, const int64_t* ids, int64_t n, float* out);
void reduce(const float* x, float* out, int64_t outer, int64_t n, int64_t inner, ReduceOp op);
void argmax(const float* x, int64_t* out, int64_t outer, int64_t n, int64_t inner);
void attention(const AttentionArgs& a);
}  // namespace reference

namespace cpu {
void gemm(const GemmArgs& g);  // oneDNN
// Few-row GEMM streaming a [N, K] weight in its stored dtype (bf16/f16/int8); false when the
// arguments are not such a case.
bool gemv(const GemmArgs& g);
void binary(const Tensor& a, const Tensor& b, Tensor& out, BinOp op);
void unary(const float* x, float* y, int64_t n, Activation act);
void softmax(float* x, int64_t rows, int64_t cols);
void norm(const float* x, const float* w, const float* b, float* y, int64_t rows, int64_t cols, float eps, bool rms);
void embedding(const Tensor& weight, const int64_t* ids, int64_t n, float* out);
// OpenMP loops, used where oneDNN has no primitive for the case.
void unary_loop(const float* x, float* y, int64_t n, Activation act);
void softmax_loop(float* x, int64_t rows, int64_t cols);
void attention(const AttentionArgs& a);
}  // namespace cpu

}  // namespace transformers::ops::kernels
