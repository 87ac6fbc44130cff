#pragma once
// Kernel signatures shared by the reference, CPU and (later) CUDA implementations. Front-ends in
// ops.cpp hand kernels contiguous buffers; only GEMM and embedding see non-f32 inputs.
#include <vector>

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

// Paged attention (ops::paged_attention): q [N][H][D] rows; token n belongs to sequence
// seq_of[n], whose keys 0..past+length-1 sit in pool rows slots[j] ([slot][Hkv][D], v [slot][Hkv][Dv]).
struct PagedAttentionArgs {
  int64_t N = 0, H = 0, Hkv = 0, D = 0, Dv = 0;
  const float *q = nullptr, *k = nullptr, *v = nullptr;
  const PagedSequence* seqs = nullptr;
  const int64_t* seq_of = nullptr;  // [N]
  const float* sinks = nullptr;     // [H]
  float scaling = 1, softcap = 0;
  int64_t window = 0;
  float* out = nullptr;  // [N][H][Dv]
};
using PagedAttentionFn = void (*)(const PagedAttentionArgs&);

// Ops that used to compute inline in their front-ends or inside model files. Buffers are
// contiguous; integer tensors arrive as i64.
using ClampFn = void (*)(const float* x, float* y, int64_t n, float lo, float hi);
// Per row of n values: the k largest (or smallest), sorted, ties in index order (stable).
using TopkFn = void (*)(const float* x, float* values, int64_t* indices, int64_t rows, int64_t n, int64_t k, bool largest);
// Rows of row_bytes bytes (any dtype).
using GatherRowsFn = void (*)(const void* x, const int64_t* index, void* y, int64_t m, int64_t row_bytes);
// dst (any strides, e.g. a column of a preallocated buffer) = src (same shape and dtype, any strides).
using CopyFn = void (*)(const Tensor& dst, const Tensor& src);
// out[index[i]] += src[i] * (alpha ? alpha[i] : 1), rows in order i = 0..m-1.
using IndexAddFn = void (*)(float* out, const int64_t* index, const float* src, const float* alpha, int64_t m, int64_t H);
using PixelShuffleFn = void (*)(const float* x, float* y, int64_t B, int64_t C, int64_t H, int64_t W, int64_t r);
// y[i] = (x[i] == value) == equal, as 0 / 1.
using CompareFn = void (*)(const int64_t* x, int64_t* y, int64_t n, int64_t value, bool equal);
// Rotary embedding in place: x [BS, H, D]; channels (i, i + half) of every head rotated by
// angle pos[bs] * inv[i], with cos / sin times `scaling`.
using RotaryFn = void (*)(float* x, const int64_t* pos, const float* inv, int64_t BS, int64_t H, int64_t D, int64_t half, float scaling);
using ArangeFn = void (*)(int64_t* y, int64_t n, int64_t start, int64_t step);
using CumsumFn = void (*)(const int64_t* x, int64_t* y, int64_t outer, int64_t n, int64_t inner);
// For each of B rows of S ids: the last position whose id equals (match) or differs from
// `token` (0 when none), and that position's H values of x [B, S, H] copied to y [B, H].
using GatherLastTokenFn = void (*)(const float* x, const int64_t* ids, float* y, int64_t B, int64_t S, int64_t H, int64_t token, bool match);
// gpt-oss: gate_up [rows, 2I] interleaved (gate, up) -> y [rows, I] =
// (clamp(up, -limit, limit) + 1) * g * sigmoid(alpha * g) with g = min(gate, limit).
using SwigluClampedFn = void (*)(const float* gate_up, float* y, int64_t rows, int64_t I, float alpha, float limit);
// cond ? a : b over n elements (all three already broadcast to out's shape).
using WhereFn = void (*)(const float* cond, const float* a, const float* b, float* y, int64_t n);
// Copies each part's [outer, n_i * inner] block into y [outer, sum(n_i) * inner], raw bytes.
using ConcatFn = void (*)(const std::vector<const void*>& parts, const std::vector<int64_t>& widths, void* y, int64_t outer);
using Pad2dFn = void (*)(const float* x, float* y, int64_t N, int64_t H, int64_t W, int64_t top, int64_t bottom, int64_t left, int64_t right);
using MaxPool2dFn = void (*)(const float* x, float* y, int64_t N, int64_t H, int64_t W, int64_t kernel, int64_t stride, int64_t padding);
// y = x * scale[c] + shift[c] over x [B, C, inner] (eval batch norm with folded statistics).
using ChannelAffineFn = void (*)(const float* x, const float* scale, const float* shift, float* y, int64_t B, int64_t C, int64_t inner);
// interpolate (bicubic A = -0.75 or bilinear) of x [N, H, W] to y [N, OH, OW].
using AdaptiveAvgPool2dFn = void (*)(const float* x, float* y, int64_t N, int64_t H, int64_t W, int64_t OH, int64_t OW);
using ResampleFn = void (*)(const float* x, float* y, int64_t N, int64_t H, int64_t W, int64_t OH, int64_t OW, bool bicubic, bool align_corners);

// conv1d over channels-last x [B, L, groups * C] with weight [O, C, K] (O = groups * O_g) -> y [B, L', O].
struct Conv1dArgs {
  int64_t B = 0, L = 0, C = 0, O = 0, K = 0, stride = 1, padding = 0, dilation = 1, groups = 1, out_len = 0;
  const Tensor* x = nullptr;       // contiguous f32
  const Tensor* weight = nullptr;  // f32, bf16, f16
  const Tensor* bias = nullptr;    // f32 [O] or undefined
};
using Conv1dFn = Tensor (*)(const Conv1dArgs&);
// conv2d x [B, groups * C, H, W], weight [O, C, kh, kw] -> [B, O, OH, OW].
struct Conv2dArgs {
  int64_t B = 0, C = 0, H = 0, W = 0, O = 0, kh = 0, kw = 0, sh = 1, sw = 1, ph = 0, pw = 0, groups = 1, OH = 0, OW = 0;
  int64_t dh = 1, dw = 1;  // dilation
  const Tensor* x = nullptr;       // contiguous f32
  const Tensor* weight = nullptr;  // contiguous f32
  const Tensor* bias = nullptr;    // f32 [O] or undefined
};
using Conv2dFn = Tensor (*)(const Conv2dArgs&);

float activation_scalar(float x, Activation act);

namespace reference {
void paged_attention(const PagedAttentionArgs& a);
void gemm(const GemmArgs& g);
void binary(const Tensor& a, const Tensor& b, Tensor& out, BinOp op);
void unary(const float* x, float* y, int64_t n, Activation act);
void softmax(float* x, int64_t rows, int64_t cols);
void norm(const float* x, const float* w, const float* b, float* y, int64_t rows, int64_t cols, float eps, bool rms);
void embedding(const Tensor& weight, const int64_t* ids, int64_t n, float* out);
void reduce(const float* x, float* out, int64_t outer, int64_t n, int64_t inner, ReduceOp op);
void argmax(const float* x, int64_t* out, int64_t outer, int64_t n, int64_t inner);
void attention(const AttentionArgs& a);
void clamp(const float* x, float* y, int64_t n, float lo, float hi);
void topk(const float* x, float* values, int64_t* indices, int64_t rows, int64_t n, int64_t k, bool largest);
void gather_rows(const void* x, const int64_t* index, void* y, int64_t m, int64_t row_bytes);
void copy(const Tensor& dst, const Tensor& src);
void index_add(float* out, const int64_t* index, const float* src, const float* alpha, int64_t m, int64_t H);
void pixel_shuffle(const float* x, float* y, int64_t B, int64_t C, int64_t H, int64_t W, int64_t r);
void arange(int64_t* y, int64_t n, int64_t start, int64_t step);
void rotary(float* x, const int64_t* pos, const float* inv, int64_t BS, int64_t H, int64_t D, int64_t half, float scaling);
void compare(const int64_t* x, int64_t* y, int64_t n, int64_t value, bool equal);
void cumsum(const int64_t* x, int64_t* y, int64_t outer, int64_t n, int64_t inner);
void gather_last_token(const float* x, const int64_t* ids, float* y, int64_t B, int64_t S, int64_t H, int64_t token, bool match);
void swiglu_clamped(const float* gate_up, float* y, int64_t rows, int64_t I, float alpha, float limit);
void where(const float* cond, const float* a, const float* b, float* y, int64_t n);
void concat(const std::vector<const void*>& parts, const std::vector<int64_t>& widths, void* y, int64_t outer);
void pad2d(const float* x, float* y, int64_t N, int64_t H, int64_t W, int64_t top, int64_t bottom, int64_t left, int64_t right);
void max_pool2d(const float* x, float* y, int64_t N, int64_t H, int64_t W, int64_t kernel, int64_t stride, int64_t padding);
void adaptive_avg_pool2d(const float* x, float* y, int64_t N, int64_t H, int64_t W, int64_t OH, int64_t OW);
void channel_affine(const float* x, const float* scale, const float* shift, float* y, int64_t B, int64_t C, int64_t inner);
void resample(const float* x, float* y, int64_t N, int64_t H, int64_t W, int64_t OH, int64_t OW, bool bicubic, bool align_corners);
Tensor conv1d(const Conv1dArgs& a);
Tensor conv2d(const Conv2dArgs& a);
}  // namespace reference

namespace cpu {
void paged_attention(const PagedAttentionArgs& a);
void gemm(const GemmArgs& g);  // oneDNN
// Few-row GEMM streaming a [N, K] weight in its stored dtype (bf16/f16/int8); false when the
// arguments are not such a case. any_rows: any M, tiled by rows (the batch-invariant GEMM).
bool gemv(const GemmArgs& g, bool any_rows = false);
// Batch-invariant GEMM of f32 a [M, K] and a shared f32 b [K, N] (GPT-2's Conv1D): every output
// sums over k in order, whatever M is; false when the arguments are not such a case.
bool gemm_rows_kn(const GemmArgs& g);
void binary(const Tensor& a, const Tensor& b, Tensor& out, BinOp op);
void unary(const float* x, float* y, int64_t n, Activation act);
void softmax(float* x, int64_t rows, int64_t cols);
void norm(const float* x, const float* w, const float* b, float* y, int64_t rows, int64_t cols, float eps, bool rms);
void embedding(const Tensor& weight, const int64_t* ids, int64_t n, float* out);
// OpenMP loops, used where oneDNN has no primitive for the case.
void unary_loop(const float* x, float* y, int64_t n, Activation act);
void softmax_loop(float* x, int64_t rows, int64_t cols);
void attention(const AttentionArgs& a);
void clamp(const float* x, float* y, int64_t n, float lo, float hi);
void topk(const float* x, float* values, int64_t* indices, int64_t rows, int64_t n, int64_t k, bool largest);
void gather_rows(const void* x, const int64_t* index, void* y, int64_t m, int64_t row_bytes);
void copy(const Tensor& dst, const Tensor& src);
void index_add(float* out, const int64_t* index, const float* src, const float* alpha, int64_t m, int64_t H);
void pixel_shuffle(const float* x, float* y, int64_t B, int64_t C, int64_t H, int64_t W, int64_t r);
void arange(int64_t* y, int64_t n, int64_t start, int64_t step);
void rotary(float* x, const int64_t* pos, const float* inv, int64_t BS, int64_t H, int64_t D, int64_t half, float scaling);
void compare(const int64_t* x, int64_t* y, int64_t n, int64_t value, bool equal);
void cumsum(const int64_t* x, int64_t* y, int64_t outer, int64_t n, int64_t inner);
void gather_last_token(const float* x, const int64_t* ids, float* y, int64_t B, int64_t S, int64_t H, int64_t token, bool match);
void swiglu_clamped(const float* gate_up, float* y, int64_t rows, int64_t I, float alpha, float limit);
void where(const float* cond, const float* a, const float* b, float* y, int64_t n);
void concat(const std::vector<const void*>& parts, const std::vector<int64_t>& widths, void* y, int64_t outer);
void pad2d(const float* x, float* y, int64_t N, int64_t H, int64_t W, int64_t top, int64_t bottom, int64_t left, int64_t right);
void max_pool2d(const float* x, float* y, int64_t N, int64_t H, int64_t W, int64_t kernel, int64_t stride, int64_t padding);
void adaptive_avg_pool2d(const float* x, float* y, int64_t N, int64_t H, int64_t W, int64_t OH, int64_t OW);
void channel_affine(const float* x, const float* scale, const float* shift, float* y, int64_t B, int64_t C, int64_t inner);
void resample(const float* x, float* y, int64_t N, int64_t H, int64_t W, int64_t OH, int64_t OW, bool bicubic, bool align_corners);
Tensor conv1d(const Conv1dArgs& a);
Tensor conv2d(const Conv2dArgs& a);
}  // namespace cpu

}  // namespace transformers::ops::kernels
