#pragma once
// Every tensor op, declared once. Each front-end checks shapes and dtypes, then calls the kernel
// chosen by the single dispatch point (ops/dispatch.hpp): the scalar reference kernel when
// reference mode is on (the test oracle), else the fast CPU kernel, or the device backend.
// Compute is fp32 on activations; weights may be f32, bf16 or f16 where noted.
#include <string>
#include <utility>
#include <vector>

#include "transformers/tensor.hpp"

namespace transformers::ops {

// Runs every op on the reference kernels (also: env TRANSFORMERS_CPP_REFERENCE=1).
void set_reference_mode(bool on);
bool reference_mode();
// Batch-invariant mode for the calling thread (the serving engine turns it on): every GEMM row
// and every attention row reduces in an order that depends on neither the number of rows nor
// the row's place among them, so a token's result is bitwise the same alone or in any batch.
// Norms, softmax and the elementwise ops are per row in every mode.
void set_batch_invariant(bool on);
bool batch_invariant();

// a [..., M, K] (or [..., K, M] with trans_a) times b [..., K, N] (or [..., N, K] with trans_b).
// Batch dims must match, or b is 2-D and shared across the batch.
Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a = false, bool trans_b = false);
// y = x W^T + b with PyTorch's Linear layout: x [..., K], weight [N, K] (f32, bf16 or f16), bias [N].
// An int8 weight needs weight_scale [N]: W = int8 * scale per output row (weight-only quantization).
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = {}, const Tensor& weight_scale = {});

// Broadcasting binary ops (NumPy rules), fp32 out.
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor scale(const Tensor& a, float s);

enum class Activation { Relu, Gelu, GeluTanh, Silu, Tanh, Sigmoid, QuickGelu, Relu6 };
// Maps HF's `hidden_act` strings ("gelu", "gelu_new", "gelu_pytorch_tanh", "silu", "swish", ...).
Activation activation_from_name(const std::string& hidden_act);
Tensor activation(const Tensor& x, Activation act);
inline Tensor relu(const Tensor& x) { return activation(x, Activation::Relu); }
inline Tensor gelu(const Tensor& x) { return activation(x, Activation::Gelu); }
inline Tensor gelu_tanh(const Tensor& x) { return activation(x, Activation::GeluTanh); }
inline Tensor gelu_new(const Tensor& x) { return activation(x, Activation::GeluTanh); }
inline Tensor silu(const Tensor& x) { return activation(x, Activation::Silu); }
inline Tensor tanh(const Tensor& x) { return activation(x, Activation::Tanh); }

// softmax over `dim`; `mask` (optional) is additive and broadcast to x before the max.
Tensor softmax(const Tensor& x, int64_t dim = -1, const Tensor& mask = {});
Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps);
Tensor rms_norm(const Tensor& x, const Tensor& weight, float eps);

// weight [V, H] (f32, bf16 or f16), ids any integer dtype -> [..., H] fp32. Out-of-range ids throw.
Tensor embedding(const Tensor& weight, const Tensor& ids);
// torch.nn.functional.conv1d: x [B, Cin, L], weight [Cout, Cin / groups, K], bias [Cout] or undefined
// -> [B, Cout, (L + 2 * padding - dilation * (K - 1) - 1) / stride + 1]. Unfolds x, then one
// linear() per group.
Tensor conv1d(const Tensor& x, const Tensor& weight, const Tensor& bias, int64_t stride = 1, int64_t padding = 0,
              int64_t dilation = 1, int64_t groups = 1);
// torch.nn.functional.conv2d: x [B, C, H, W], weight [O, C / groups, kh, kw], bias [O] or
// undefined -> [B, O, H', W'] with H' = (H + 2 * pad_h - dil_h * (kh - 1) - 1) / stride_h + 1
// (likewise W'). Unfolds x into patches, then one linear().
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, std::pair<int64_t, int64_t> stride = {1, 1},
              std::pair<int64_t, int64_t> padding = {0, 0}, int64_t groups = 1, std::pair<int64_t, int64_t> dilation = {1, 1});
// torch.nn.functional.conv_transpose2d for the non-overlapping case kernel == stride (no padding,
// groups 1): x [B, C, H, W], weight [C, O, k, k], bias [O] or undefined -> [B, O, H k, W k]. Each
// pixel becomes a k x k block (one linear() per pixel, then pixel_shuffle); other cases throw.
Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias, int64_t stride);
// torch.nn.functional.adaptive_avg_pool2d: x [B, C, H, W] -> [B, C, OH, OW], output cell i
// averaging input rows floor(i H / OH) .. ceil((i + 1) H / OH) - 1 (likewise columns).
Tensor adaptive_avg_pool2d(const Tensor& x, int64_t height, int64_t width);
// torch.nn.functional.batch_norm in eval mode: x [B, C, ...] -> (x - running_mean) /
// sqrt(running_var + eps) * weight + bias per channel.
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight, const Tensor& bias, float eps);
// torch.nn.functional.interpolate(mode="bicubic", align_corners=False, antialias=False) to
// (height, width): x [B, C, H, W], cubic convolution with A = -0.75, borders clamped, float math.
Tensor interpolate_bicubic(const Tensor& x, int64_t height, int64_t width);
// torch.nn.functional.interpolate(mode="bilinear", antialias=False) to (height, width).
Tensor interpolate_bilinear(const Tensor& x, int64_t height, int64_t width, bool align_corners = false);
// Zero padding of x [B, C, H, W] by (top, bottom, left, right) pixels (nn.ZeroPad2d).
Tensor pad2d(const Tensor& x, int64_t top, int64_t bottom, int64_t left, int64_t right);
// torch.nn.functional.max_pool2d (padding counts as -inf): x [B, C, H, W].
Tensor max_pool2d(const Tensor& x, int64_t kernel, int64_t stride, int64_t padding);
// conv1d on channels-last activations: x [B, L, Cin] -> [B, L', Cout] (same weight layout). What
// conv1d runs underneath; convolution stacks call it directly to skip the transposes.
Tensor conv1d_channels_last(const Tensor& x, const Tensor& weight, const Tensor& bias, int64_t stride = 1, int64_t padding = 0,
                            int64_t dilation = 1, int64_t groups = 1);
// torch.nn.functional.group_norm: x [B, C, ...] normalized over each group of C / groups channels
// (biased variance), then weight [C] and bias [C] per channel.
Tensor group_norm(const Tensor& x, int64_t groups, const Tensor& weight, const Tensor& bias, float eps);

Tensor concat(const std::vector<Tensor>& xs, int64_t dim);
Tensor sum(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor mean(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor max(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor argmax(const Tensor& x, int64_t dim, bool keepdim = false);  // i64
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
Tensor masked_fill(const Tensor& x, const Tensor& mask, float value);

// torch.clamp(x, lo, hi) in fp32 (NaN stays NaN).
Tensor clamp(const Tensor& x, float lo, float hi);
// torch.topk along the last dim, sorted: values fp32 and indices i64 [..., k]. Equal values keep
// index order (what a stable sort gives; torch.topk's CPU kernel does the same for the routers here).
struct TopK {
  Tensor values, indices;
};
TopK topk(const Tensor& x, int64_t k, bool largest = true);
// x [N, H] (any dtype) rows picked by index [M] (any integer dtype, checked in range) -> [M, H]
// (x.index_select(0, index)).
Tensor gather_rows(const Tensor& x, const Tensor& index);
// In place: out[index[i], :] += src[i, :] * alpha[i] (alpha [M] or undefined), in row order, as
// torch's index_add_ (MoE experts adding their weighted outputs). out: contiguous f32 [N, H].
void index_add_(Tensor& out, const Tensor& index, const Tensor& src, const Tensor& alpha = {});
// In place: dst = src, same shape and dtype; dst may be a strided view (a column of a buffer
// reserved up front, a KV cache slot), src any strides (Tensor.copy_). They must not overlap.
void copy_(const Tensor& dst, const Tensor& src);
// torch.nn.functional.pixel_shuffle: x [B, C * r * r, H, W] -> [B, C, H * r, W * r].
Tensor pixel_shuffle(const Tensor& x, int64_t r);
// Rotary position embedding in place (rotate_half form): x [B, S, H, D] contiguous fp32, its first
// 2 * inv_freq.numel() channels of each head rotated by position_ids [B, S] (integers) times
// inv_freq, cos and sin scaled by `scaling` (the rope type's attention factor).
void rotary_(const Tensor& x, const Tensor& position_ids, const Tensor& inv_freq, float scaling);
// torch.arange(start, end, step) as i64 (an empty tensor when the range is empty).
Tensor arange(int64_t start, int64_t end, int64_t step = 1);
// x == value / x != value for an integer or bool tensor -> i64 0 / 1 (masks of pad or eos ids).
Tensor eq(const Tensor& x, int64_t value);
Tensor ne(const Tensor& x, int64_t value);
// torch.cumsum(x, dim) of an integer or bool tensor -> i64.
Tensor cumsum(const Tensor& x, int64_t dim);
// x [B, S, ...] at each row's last position whose id (ids [B, S]) differs from `token` (match =
// false: the last non-pad token, position 0 when every id is `token`) or equals it (match = true:
// the last eos) -> [B, ...].
Tensor gather_last_token(const Tensor& x, const Tensor& ids, int64_t token, bool match = false);
// gpt-oss's clamped SwiGLU over interleaved gate_up [..., 2I] -> [..., I]:
// (clamp(up, -limit, limit) + 1) * g * sigmoid(alpha * g) with g = min(gate, limit).
Tensor swiglu_clamped(const Tensor& gate_up, float alpha, float limit);

// Attention over a KV cache: q [B, H, Sq, D], k [B, Hkv, T, D], v [B, Hkv, T, Dv] (any strides
// with a contiguous last dim; H a multiple of Hkv for GQA / MQA) -> [B, Sq, H * Dv], heads merged.
// Masks are computed, not materialized: key j (absolute cache index kv_start + j) is visible to
// query i (absolute index q_start + i) when causal allows it, it lies within the sliding window,
// and key_padding[b, kv_start + j] is non-zero. A query that sees no key averages every value, as
// HF's eager attention does with its additive minimum mask.
struct AttentionOptions {
  float scaling = 1.0f;
  float softcap = 0.0f;        // > 0: scores = softcap * tanh(scores / softcap) (Gemma 2)
  bool causal = true;
  int64_t sliding_window = 0;  // > 0: keys with q_pos - k_pos >= window are hidden
  int64_t q_start = 0, kv_start = 0;
  Tensor key_padding;          // [B, kv_start + T] 0/1 (any dtype), or undefined
  Tensor sinks;                // [H] per-head sink logits (gpt-oss), or undefined
  // Added to the scores before masking: [H, Sq, T] or [B, H, Sq, T] over the keys handed in
  // (T5's relative position bias), or undefined.
  Tensor bias;
};
Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, const AttentionOptions& opt);

// Paged KV cache (the serving engine). Pools are [slots, Hkv, D] f32 rows, a slot being
// block * block_size + offset. One sequence of a flat batch: its new tokens are rows
// [offset, offset + length) of q, at positions past .. past + length - 1, and `slots` lists the
// slot of each of its past + length keys in order.
struct PagedSequence {
  int64_t offset = 0, length = 0, past = 0;
  const int64_t* slots = nullptr;
};
// pool[slots[i]] = rows[i] for rows [N, Hkv, D].
void paged_write(Tensor& pool, const Tensor& rows, const std::vector<int64_t>& slots);
// Attention of q [N, H, D] (every sequence's new tokens) against each sequence's own keys in the
// pools: [N, H * Dv]. Causal, with opt's scaling, softcap, sliding_window and sinks; key_padding,
// bias and q_start / kv_start do not apply (ValueError for the first two). Each (token, head) row
// is reduced in one fixed order over its visible keys, whatever the batch or chunking.
Tensor paged_attention(const Tensor& q, const Tensor& k_pool, const Tensor& v_pool, const std::vector<PagedSequence>& seqs,
                       const AttentionOptions& opt);

// Broadcast shape of two shapes (NumPy rules) or ShapeMismatch naming the op.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

}  // namespace transformers::ops
