// Front-ends of the indexing, routing and fused elementwise ops models used to improvise with raw
// loops (MoE routing, last-token pooling, default positions, pixel shuffle, gpt-oss's SwiGLU).
#include "ops/dispatch.hpp"
#include "ops/frontend.hpp"
#include "ops/kernels.hpp"
#include "ops/ops.hpp"

namespace transformers::ops {
namespace k = kernels;

namespace {
const OpTable<k::ClampFn> kClamp{"clamp", k::reference::clamp, k::cpu::clamp};
const OpTable<k::TopkFn> kTopk{"topk", k::reference::topk, k::cpu::topk};
const OpTable<k::GatherRowsFn> kGatherRows{"gather_rows", k::reference::gather_rows, k::cpu::gather_rows};
const OpTable<k::CopyFn> kCopy{"copy", k::reference::copy, k::cpu::copy};
const OpTable<k::IndexAddFn> kIndexAdd{"index_add", k::reference::index_add, k::cpu::index_add};
const OpTable<k::PixelShuffleFn> kPixelShuffle{"pixel_shuffle", k::reference::pixel_shuffle, k::cpu::pixel_shuffle};
const OpTable<k::RotaryFn> kRotary{"rotary", k::reference::rotary, k::cpu::rotary};
const OpTable<k::ArangeFn> kArange{"arange", k::reference::arange, k::cpu::arange};
const OpTable<k::CompareFn> kCompare{"compare", k::reference::compare, k::cpu::compare};
const OpTable<k::CumsumFn> kCumsum{"cumsum", k::reference::cumsum, k::cpu::cumsum};
const OpTable<k::GatherLastTokenFn> kGatherLastToken{"gather_last_token", k::reference::gather_last_token, k::cpu::gather_last_token};
const OpTable<k::SwigluClampedFn> kSwigluClamped{"swiglu_clamped", k::reference::swiglu_clamped, k::cpu::swiglu_clamped};

// Integer ids / indices as contiguous i64; floats are refused.
Tensor i64c(const Tensor& t, const char* op, const char* what) {
  require_defined(t, op, what);
  if (is_floating(t.dtype())) throw UnsupportedDType(std::string(op) + ": " + what + " must be integers, got " + dtype_name(t.dtype()));
  return t.to(DType::I64).contiguous();
}

// index [M] checked against [0, n).
Tensor checked_index(const Tensor& index, int64_t n, const char* op) {
  Tensor id = i64c(index, op, "index");
  if (id.dim() != 1) throw ShapeMismatch(std::string(op) + ": index must be 1-D, got " + shape_str(index.shape()));
  for (int64_t v : id.to_ints())
    if (v < 0 || v >= n) throw ValueError(std::string(op) + ": index " + std::to_string(v) + " is out of range for " + std::to_string(n) + " rows");
  return id;
}
}  // namespace

Tensor clamp(const Tensor& x, float lo, float hi) {
  require_defined(x, "clamp", "input");
  if (lo > hi) throw ValueError("clamp: min " + std::to_string(lo) + " exceeds max " + std::to_string(hi));
  const Tensor xf = f32c(x);
  Tensor y = Tensor::empty(x.shape(), DType::F32, x.device());
  pick(kClamp, x.device())(xf.data<float>(), y.data<float>(), x.numel(), lo, hi);
  return y;
}

TopK topk(const Tensor& x, int64_t k, bool largest) {
  require_defined(x, "topk", "input");
  if (x.dim() == 0) throw ShapeMismatch("topk: input must have at least one dimension");
  const int64_t n = x.size(-1);
  if (k < 0 || k > n) throw ValueError("topk: k = " + std::to_string(k) + " is out of range for a dimension of " + std::to_string(n));
  Shape s = x.shape();
  s.back() = k;
  TopK r{Tensor::empty(s, DType::F32, x.device()), Tensor::empty(s, DType::I64, x.device())};
  const Tensor xf = f32c(x);
  if (r.values.numel() > 0) pick(kTopk, x.device())(xf.data<float>(), r.values.data<float>(), r.indices.data<int64_t>(), x.numel() / n, n, k, largest);
  return r;
}

Tensor gather_rows(const Tensor& x, const Tensor& index) {
  require_defined(x, "gather_rows", "input");
  if (x.dim() != 2) throw ShapeMismatch("gather_rows: input must be [rows, features], got " + shape_str(x.shape()));
  const Tensor id = checked_index(index, x.size(0), "gather_rows");
  const Tensor xc = x.contiguous();
  Tensor y = Tensor::empty({id.numel(), x.size(1)}, x.dtype(), x.device());
  if (y.numel() > 0)
    pick(kGatherRows, x.device())(xc.data_ptr(), id.data<int64_t>(), y.data_ptr(), id.numel(), x.size(1) * static_cast<int64_t>(dtype_size(x.dtype())));
  return y;
}

void copy_(const Tensor& dst, const Tensor& src) {
  require_defined(dst, "copy", "destination");
  require_defined(src, "copy", "source");
  if (dst.shape() != src.shape() || dst.dtype() != src.dtype())
    throw ShapeMismatch("copy: source " + shape_str(src.shape()) + " " + dtype_name(src.dtype()) + " differs from destination " +
                        shape_str(dst.shape()) + " " + dtype_name(dst.dtype()));
  if (dst.numel() > 0) pick(kCopy, dst.device())(dst, src);
}

void index_add_(Tensor& out, const Tensor& index, const Tensor& src, const Tensor& alpha) {
  require_defined(out, "index_add", "out");
  require_defined(src, "index_add", "source");
  if (out.dim() != 2 || out.dtype() != DType::F32 || !out.is_contiguous())
    throw ShapeMismatch("index_add: out must be a contiguous fp32 [rows, features] tensor, got " + shape_str(out.shape()));
  const Tensor id = checked_index(index, out.size(0), "index_add");
  if (src.dim() != 2 || src.size(0) != id.numel() || src.size(1) != out.size(1))
    throw ShapeMismatch("index_add: source " + shape_str(src.shape()) + " must be [" + std::to_string(id.numel()) + ", " + std::to_string(out.size(1)) + "]");
  if (alpha.defined() && alpha.numel() != id.numel())
    throw ShapeMismatch("index_add: alpha " + shape_str(alpha.shape()) + " must hold one weight per index");
  const Tensor sf = f32c(src), af = alpha.defined() ? f32c(alpha) : Tensor();
  if (src.numel() > 0)
    pick(kIndexAdd, out.device())(out.data<float>(), id.data<int64_t>(), sf.data<float>(), af.defined() ? af.data<float>() : nullptr, id.numel(), out.size(1));
}

Tensor pixel_shuffle(const Tensor& x, int64_t r) {
  require_defined(x, "pixel_shuffle", "input");
  if (r <= 0) throw ValueError("pixel_shuffle: the upscale factor must be positive");
  if (x.dim() != 4 || x.size(1) % (r * r))
    throw ShapeMismatch("pixel_shuffle: input " + shape_str(x.shape()) + " must be [batch, channels * " + std::to_string(r * r) + ", height, width]");
  const int64_t B = x.size(0), C = x.size(1) / (r * r), H = x.size(2), W = x.size(3);
  const Tensor xf = f32c(x);
  Tensor y = Tensor::empty({B, C, H * r, W * r}, DType::F32, x.device());
  if (y.numel() > 0) pick(kPixelShuffle, x.device())(xf.data<float>(), y.data<float>(), B, C, H, W, r);
  return y;
}

void rotary_(const Tensor& x, const Tensor& position_ids, const Tensor& inv_freq, float scaling) {
  require_defined(x, "rotary", "input");
  if (x.dim() != 4 || !x.is_contiguous() || x.dtype() != DType::F32)
    throw ShapeMismatch("rotary: expected contiguous fp32 [batch, seq, heads, head_dim], got " + shape_str(x.shape()));
  const Tensor pos = i64c(position_ids, "rotary", "position_ids");
  if (pos.dim() != 2 || pos.size(0) != x.size(0) || pos.size(1) != x.size(1))
    throw ShapeMismatch("rotary: position_ids " + shape_str(pos.shape()) + " must be [batch, seq] of " + shape_str(x.shape()));
  const Tensor inv = f32c(inv_freq);
  const int64_t half = inv.numel();
  if (2 * half > x.size(3)) throw ShapeMismatch("rotary: " + std::to_string(2 * half) + " rotary channels exceed head_dim " + std::to_string(x.size(3)));
  if (x.numel() > 0 && half > 0)
    pick(kRotary, x.device())(x.data<float>(), pos.data<int64_t>(), inv.data<float>(), x.size(0) * x.size(1), x.size(2), x.size(3), half, scaling);
}

Tensor arange(int64_t start, int64_t end, int64_t step) {
  if (step == 0) throw ValueError("arange: step must be non-zero");
  const int64_t n = (step > 0 ? end > start : end < start) ? (end - start + step + (step > 0 ? -1 : 1)) / step : 0;
  Tensor y = Tensor::empty({n}, DType::I64);
  if (n > 0) pick(kArange, y.device())(y.data<int64_t>(), n, start, step);
  return y;
}

static Tensor compare(const Tensor& x, int64_t value, bool equal) {
  const Tensor xi = i64c(x, equal ? "eq" : "ne", "input");
  Tensor y = Tensor::empty(x.shape(), DType::I64, x.device());
  if (y.numel() > 0) pick(kCompare, x.device())(xi.data<int64_t>(), y.data<int64_t>(), y.numel(), value, equal);
  return y;
}
Tensor eq(const Tensor& x, int64_t value) { return compare(x, value, true); }
Tensor ne(const Tensor& x, int64_t value) { return compare(x, value, false); }

Tensor cumsum(const Tensor& x, int64_t dim) {
  const Tensor xi = i64c(x, "cumsum", "input");
  const int64_t d = normalize_dim(dim, x.dim(), "cumsum");
  const int64_t outer = shape_numel(Shape(x.shape().begin(), x.shape().begin() + d));
  const int64_t inner = shape_numel(Shape(x.shape().begin() + d + 1, x.shape().end()));
  Tensor y = Tensor::empty(x.shape(), DType::I64, x.device());
  if (y.numel() > 0) pick(kCumsum, x.device())(xi.data<int64_t>(), y.data<int64_t>(), outer, x.size(d), inner);
  return y;
}

Tensor gather_last_token(const Tensor& x, const Tensor& ids, int64_t token, bool match) {
  require_defined(x, "gather_last_token", "input");
  const Tensor id = i64c(ids, "gather_last_token", "ids");
  if (x.dim() < 2 || id.dim() != 2 || id.size(0) != x.size(0) || id.size(1) != x.size(1))
    throw ShapeMismatch("gather_last_token: input " + shape_str(x.shape()) + " and ids " + shape_str(ids.shape()) + " must be [batch, seq, ...] and [batch, seq]");
  const int64_t B = x.size(0), S = x.size(1);
  if (S == 0) throw ShapeMismatch("gather_last_token: empty sequence");
  Shape s(x.shape().begin() + 2, x.shape().end());
  const int64_t H = shape_numel(s);
  s.insert(s.begin(), B);
  const Tensor xf = f32c(x);
  Tensor y = Tensor::empty(s, DType::F32, x.device());
  if (y.numel() > 0) pick(kGatherLastToken, x.device())(xf.data<float>(), id.data<int64_t>(), y.data<float>(), B, S, H, token, match);
  return y;
}

Tensor swiglu_clamped(const Tensor& gate_up, float alpha, float limit) {
  require_defined(gate_up, "swiglu_clamped", "input");
  if (gate_up.dim() == 0 || gate_up.size(-1) % 2)
    throw ShapeMismatch("swiglu_clamped: input " + shape_str(gate_up.shape()) + " must end in an even (gate, up) dimension");
  const int64_t I = gate_up.size(-1) / 2;
  Shape s = gate_up.shape();
  s.back() = I;
  const Tensor xf = f32c(gate_up);
  Tensor y = Tensor::empty(s, DType::F32, gate_up.device());
  if (y.numel() > 0) pick(kSwigluClamped, gate_up.device())(xf.data<float>(), y.data<float>(), y.numel() / I, I, alpha, limit);
  return y;
}

}  // namespace transformers::ops
