// Front-end of the attention op: shape checks, strides handed to the kernel, masks described
// rather than materialized.
#include <algorithm>

#include "core/output_recorder.hpp"
#include "ops/dispatch.hpp"
#include "ops/kernels.hpp"
#include "ops/ops.hpp"

namespace transformers::ops {
namespace k = kernels;

namespace {
const OpTable<k::AttentionFn> kAttention{"attention", k::reference::attention, k::cpu::attention};
const OpTable<k::PagedAttentionFn> kPagedAttention{"paged_attention", k::reference::paged_attention, k::cpu::paged_attention};

// fp32 with a unit-stride last dim; other strides pass through (KV-cache views stay views).
Tensor rows_f32(const Tensor& t) {
  Tensor f = t.to(DType::F32);
  return f.strides().back() == 1 ? f : f.contiguous();
}
}  // namespace

Tensor attention(const Tensor& q0, const Tensor& k0, const Tensor& v0, const AttentionOptions& opt) {
  if (!q0.defined() || !k0.defined() || !v0.defined()) throw ValueError("attention: q, k and v must be defined");
  if (q0.dim() != 4 || k0.dim() != 4 || v0.dim() != 4)
    throw ShapeMismatch("attention: q, k, v must be [batch, heads, seq, dim], got " + shape_str(q0.shape()) + ", " +
                        shape_str(k0.shape()) + ", " + shape_str(v0.shape()));
  Tensor q = rows_f32(q0), kk = rows_f32(k0), v = rows_f32(v0);
  k::AttentionArgs a;
  a.B = q.size(0), a.H = q.size(1), a.Sq = q.size(2), a.D = q.size(3);
  a.Hkv = kk.size(1), a.T = kk.size(2), a.Dv = v.size(3);
  if (kk.size(0) != a.B || v.size(0) != a.B || kk.size(3) != a.D || v.size(1) != a.Hkv || v.size(2) != a.T)
    throw ShapeMismatch("attention: k " + shape_str(kk.shape()) + " / v " + shape_str(v.shape()) + " do not fit q " +
                        shape_str(q.shape()));
  if (a.Hkv == 0 || a.H % a.Hkv) throw ShapeMismatch("attention: query heads must be a multiple of key/value heads");
  a.q = q.data<float>(), a.k = kk.data<float>(), a.v = v.data<float>();
  a.q_sb = q.strides()[0], a.q_sh = q.strides()[1], a.q_ss = q.strides()[2];
  a.k_sb = kk.strides()[0], a.k_sh = kk.strides()[1], a.k_st = kk.strides()[2];
  a.v_sb = v.strides()[0], a.v_sh = v.strides()[1], a.v_st = v.strides()[2];
  Tensor pad, sinks, bias;
  if (opt.key_padding.defined()) {
    pad = opt.key_padding.to(DType::F32).contiguous();
    if (pad.dim() != 2 || pad.size(0) != a.B || pad.size(1) < opt.kv_start + a.T)
      throw ShapeMismatch("attention: key_padding " + shape_str(pad.shape()) + " must be [batch, >= " +
                          std::to_string(opt.kv_start + a.T) + "]");
    a.key_padding = pad.data<float>(), a.kp_len = pad.size(1);
  }
  if (opt.sinks.defined()) {
    sinks = opt.sinks.to(DType::F32).contiguous();
    if (sinks.numel() != a.H) throw ShapeMismatch("attention: sinks must have one entry per head");
    a.sinks = sinks.data<float>();
  }
  if (opt.bias.defined()) {
    bias = opt.bias.to(DType::F32).contiguous();
    const Shape want{a.H, a.Sq, a.T};
    const bool shared = bias.shape() == want;
    if (!shared && bias.shape() != Shape{a.B, a.H, a.Sq, a.T})
      throw ShapeMismatch("attention: bias " + shape_str(bias.shape()) + " must be [heads, q, k] or [batch, heads, q, k] = " +
                          shape_str(want));
    a.bias = bias.data<float>(), a.bias_sb = shared ? 0 : a.H * a.Sq * a.T;
  }
  a.scaling = opt.scaling, a.softcap = opt.softcap, a.causal = opt.causal;
  a.window = opt.sliding_window, a.q_start = opt.q_start, a.kv_start = opt.kv_start;
  Tensor out = Tensor::empty({a.B, a.Sq, a.H * a.Dv});
  a.out = out.data<float>();
  if (record::attentions()) {
    // output_attentions: the explicit softmax path (Python's eager attention) hands back the
    // probabilities it weighs the values with (a CPU kernel; other devices do not record yet).
    if (!(q.device() == Device::cpu())) throw ValueError("output_attentions is only supported on the CPU for now");
    Tensor probs = Tensor::empty({a.B, a.H, a.Sq, a.T});
    a.probs = probs.data<float>();
    k::reference::attention(a);
    record::attention(probs);
    return out;
  }
  pick(kAttention, q.device())(a);
  return out;
}

void paged_write(Tensor& pool, const Tensor& rows0, const std::vector<int64_t>& slots) {
  if (!pool.defined() || pool.dim() != 3 || !pool.is_contiguous() || pool.dtype() != DType::F32)
    throw ValueError("paged_write: the pool must be a contiguous f32 [slots, heads, dim] tensor");
  const Tensor rows = rows0.to(DType::F32).contiguous();
  const int64_t width = pool.size(1) * pool.size(2);
  if (rows.numel() != static_cast<int64_t>(slots.size()) * width)
    throw ShapeMismatch("paged_write: rows " + shape_str(rows.shape()) + " do not fit " + std::to_string(slots.size()) +
                        " slots of pool " + shape_str(pool.shape()));
  const float* src = rows.data<float>();
  float* dst = pool.data<float>();
  for (size_t i = 0; i < slots.size(); ++i) {
    if (slots[i] < 0 || slots[i] >= pool.size(0)) throw ValueError("paged_write: slot " + std::to_string(slots[i]) + " out of range");
    std::copy_n(src + static_cast<int64_t>(i) * width, width, dst + slots[i] * width);
  }
}

Tensor paged_attention(const Tensor& q0, const Tensor& k_pool, const Tensor& v_pool, const std::vector<PagedSequence>& seqs,
                       const AttentionOptions& opt) {
  if (opt.key_padding.defined() || opt.bias.defined())
    throw ValueError("paged_attention: key padding and score biases (ALiBi, relative positions) are not supported");
  if (!opt.causal) throw ValueError("paged_attention: only causal self-attention runs on the paged cache");
  const Tensor q = q0.to(DType::F32).contiguous();
  if (q.dim() != 3 || k_pool.dim() != 3 || v_pool.dim() != 3 || k_pool.size(0) != v_pool.size(0) || k_pool.size(1) != v_pool.size(1) ||
      k_pool.size(2) != q.size(2) || !k_pool.is_contiguous() || !v_pool.is_contiguous())
    throw ShapeMismatch("paged_attention: q " + shape_str(q.shape()) + " / pools " + shape_str(k_pool.shape()) + ", " +
                        shape_str(v_pool.shape()) + " must be [tokens, heads, dim] / [slots, kv_heads, dim]");
  k::PagedAttentionArgs a;
  a.N = q.size(0), a.H = q.size(1), a.D = q.size(2), a.Hkv = k_pool.size(1), a.Dv = v_pool.size(2);
  if (a.Hkv == 0 || a.H % a.Hkv) throw ShapeMismatch("paged_attention: query heads must be a multiple of key/value heads");
  std::vector<int64_t> seq_of(static_cast<size_t>(a.N), -1);
  for (size_t i = 0; i < seqs.size(); ++i) {
    const PagedSequence& s = seqs[i];
    if (s.offset < 0 || s.length < 0 || s.past < 0 || s.offset + s.length > a.N || (s.length > 0 && !s.slots))
      throw ValueError("paged_attention: sequence " + std::to_string(i) + " does not fit the batch");
    for (int64_t j = 0; j < s.past + s.length; ++j)
      if (s.slots[j] < 0 || s.slots[j] >= k_pool.size(0)) throw ValueError("paged_attention: slot out of range");
    for (int64_t n = s.offset; n < s.offset + s.length; ++n) seq_of[static_cast<size_t>(n)] = static_cast<int64_t>(i);
  }
  for (int64_t x : seq_of)
    if (x < 0) throw ValueError("paged_attention: a token belongs to no sequence");
  Tensor sinks;
  if (opt.sinks.defined()) {
    sinks = opt.sinks.to(DType::F32).contiguous();
    if (sinks.numel() != a.H) throw ShapeMismatch("paged_attention: sinks must have one entry per head");
    a.sinks = sinks.data<float>();
  }
  a.q = q.data<float>(), a.k = k_pool.data<float>(), a.v = v_pool.data<float>();
  a.seqs = seqs.data(), a.seq_of = seq_of.data();
  a.scaling = opt.scaling, a.softcap = opt.softcap, a.window = opt.sliding_window;
  Tensor out = Tensor::empty({a.N, a.H * a.Dv});
  a.out = out.data<float>();
  pick(kPagedAttention, q.device())(a);
  return out;
}

}  // namespace transformers::ops
