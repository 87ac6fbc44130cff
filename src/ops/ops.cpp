// Op front-ends: argument checks, layout preparation, output allocation, then the kernel from the
// one dispatch point.
#include "ops/ops.hpp"

#include <array>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "core/elementwise.hpp"
#include "ops/dispatch.hpp"
#include "ops/frontend.hpp"
#include "ops/kernels.hpp"
#include "transformers/errors.hpp"

namespace transformers::ops {
namespace k = kernels;

namespace {
std::atomic<int> g_reference{-1};

const OpTable<k::GemmFn> kGemm{"matmul", k::reference::gemm, k::cpu::gemm};
const OpTable<k::BinaryFn> kBinary{"binary", k::reference::binary, k::cpu::binary};
const OpTable<k::UnaryFn> kUnary{"activation", k::reference::unary, k::cpu::unary};
const OpTable<k::SoftmaxFn> kSoftmax{"softmax", k::reference::softmax, k::cpu::softmax};
const OpTable<k::NormFn> kNorm{"norm", k::reference::norm, k::cpu::norm};
const OpTable<k::EmbeddingFn> kEmbedding{"embedding", k::reference::embedding, k::cpu::embedding};
const OpTable<k::ReduceFn> kReduce{"reduce", k::reference::reduce};
const OpTable<k::ArgmaxFn> kArgmax{"argmax", k::reference::argmax};
const OpTable<k::ConcatFn> kConcat{"concat", k::reference::concat, k::cpu::concat};
const OpTable<k::WhereFn> kWhere{"where", k::reference::where, k::cpu::where};

}  // namespace

namespace {
thread_local bool t_batch_invariant = false;
}
void set_batch_invariant(bool on) { t_batch_invariant = on; }
bool batch_invariant() { return t_batch_invariant; }

void set_reference_mode(bool on) { g_reference = on ? 1 : 0; }
bool reference_mode() {
  int v = g_reference.load();
  if (v < 0) {
    const char* e = std::getenv("TRANSFORMERS_CPP_REFERENCE");
    v = (e && *e && std::strcmp(e, "0") != 0) ? 1 : 0;
    g_reference = v;
  }
  return v == 1;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const size_t n = std::max(a.size(), b.size());
  Shape r(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da != db && da != 1 && db != 1)
      throw ShapeMismatch(std::string(op) + ": shapes " + shape_str(a) + " and " + shape_str(b) + " do not broadcast");
    r[i] = da == 1 ? db : da;
  }
  return r;
}

Tensor matmul(const Tensor& a0, const Tensor& b0, bool trans_a, bool trans_b) {
  require_defined(a0, "matmul", "a");
  require_defined(b0, "matmul", "b");
  if (a0.dim() < 2 || b0.dim() < 2) throw ShapeMismatch("matmul: operands must have rank >= 2");
  Tensor a = f32c(a0);
  Tensor b = b0.dtype() == DType::F32 || b0.dtype() == DType::BF16 || b0.dtype() == DType::F16 ? b0.contiguous()
                                                                                               : f32c(b0);
  const int64_t M = trans_a ? a.size(-1) : a.size(-2), Ka = trans_a ? a.size(-2) : a.size(-1);
  const int64_t Kb = trans_b ? b.size(-1) : b.size(-2), N = trans_b ? b.size(-2) : b.size(-1);
  if (Ka != Kb)
    throw ShapeMismatch("matmul: inner dims differ: " + shape_str(a.shape()) + (trans_a ? "^T" : "") + " x " +
                        shape_str(b.shape()) + (trans_b ? "^T" : ""));
  Shape batch(a.shape().begin(), a.shape().end() - 2);
  Shape bbatch(b.shape().begin(), b.shape().end() - 2);
  const bool shared_b = b.dim() == 2;
  if (!shared_b && bbatch != batch)
    throw ShapeMismatch("matmul: batch dims differ: " + shape_str(a.shape()) + " x " + shape_str(b.shape()));
  Shape out_shape = batch;
  out_shape.push_back(M);
  out_shape.push_back(N);
  Tensor c = Tensor::empty(out_shape, DType::F32, a.device());
  k::GemmArgs g;
  g.batch = shape_numel(batch);
  g.M = M;
  g.N = N;
  g.K = Ka;
  g.a = a.data_ptr();
  g.b = b.data_ptr();
  g.b_dtype = b.dtype();
  g.trans_a = trans_a;
  g.trans_b = trans_b;
  g.b_batch_stride = shared_b ? 0 : Kb * N;
  g.c = c.data<float>();
  // A 2-D shared b with no transpose of a folds the batch into M: one big GEMM.
  if (shared_b && !trans_a) {
    g.M *= g.batch;
    g.batch = 1;
  }
  pick(kGemm, a.device())(g);
  return c;
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& weight_scale) {
  require_defined(x, "linear", "input");
  require_defined(weight, "linear", "weight");
  if (weight.dim() != 2) throw ShapeMismatch("linear: weight must be 2-D, got " + shape_str(weight.shape()));
  if (x.size(-1) != weight.size(1))
    throw ShapeMismatch("linear: input " + shape_str(x.shape()) + " does not match weight " + shape_str(weight.shape()));
  Tensor xf = f32c(x);
  Tensor x2 = xf.view({-1, x.size(-1)});
  Tensor w = weight.contiguous();
  Tensor bf;
  if (bias.defined()) {
    if (bias.numel() != weight.size(0))
      throw ShapeMismatch("linear: bias " + shape_str(bias.shape()) + " does not match weight " + shape_str(weight.shape()));
    bf = f32c(bias);
  }
  Shape out_shape = x.shape();
  out_shape.back() = weight.size(0);
  Tensor c = Tensor::empty(out_shape, DType::F32, x.device());
  k::GemmArgs g;
  g.M = x2.size(0);
  g.N = weight.size(0);
  g.K = weight.size(1);
  g.a = x2.data_ptr();
  g.b = w.data_ptr();
  g.b_dtype = w.dtype();
  g.trans_b = true;
  g.bias = bf.defined() ? bf.data<float>() : nullptr;
  Tensor sc;
  if (weight.dtype() == DType::I8) {
    if (!weight_scale.defined() || weight_scale.numel() != weight.size(0))
      throw ShapeMismatch("linear: an int8 weight " + shape_str(weight.shape()) + " needs weight_scale with one entry per output row");
    sc = f32c(weight_scale);
    g.b_scale = sc.data<float>();
  } else if (weight.dtype() != DType::F32 && weight.dtype() != DType::BF16 && weight.dtype() != DType::F16) {
    throw UnsupportedDType("linear: weight dtype " + dtype_name(weight.dtype()) + " is not supported");
  }
  g.c = c.data<float>();
  pick(kGemm, x.device())(g);
  return c;
}

static Tensor binary(const Tensor& a, const Tensor& b, k::BinOp op, const char* name) {
  require_defined(a, name, "a");
  require_defined(b, name, "b");
  Tensor out = Tensor::empty(broadcast_shapes(a.shape(), b.shape(), name), DType::F32, a.device());
  pick(kBinary, a.device())(a, b, out, op);
  return out;
}

Tensor add(const Tensor& a, const Tensor& b) { return binary(a, b, k::BinOp::Add, "add"); }
Tensor sub(const Tensor& a, const Tensor& b) { return binary(a, b, k::BinOp::Sub, "sub"); }
Tensor mul(const Tensor& a, const Tensor& b) { return binary(a, b, k::BinOp::Mul, "mul"); }
Tensor div(const Tensor& a, const Tensor& b) { return binary(a, b, k::BinOp::Div, "div"); }
Tensor scale(const Tensor& a, float s) { return mul(a, Tensor::full({1}, s)); }

Activation activation_from_name(const std::string& n) {
  if (n == "relu") return Activation::Relu;
  if (n == "gelu") return Activation::Gelu;
  if (n == "gelu_new" || n == "gelu_pytorch_tanh" || n == "gelu_fast") return Activation::GeluTanh;
  if (n == "silu" || n == "swish") return Activation::Silu;
  if (n == "tanh") return Activation::Tanh;
  if (n == "sigmoid") return Activation::Sigmoid;
  if (n == "quick_gelu") return Activation::QuickGelu;
  if (n == "relu6") return Activation::Relu6;
  throw ConfigError("unsupported activation function '" + n + "'");
}

Tensor activation(const Tensor& x, Activation act) {
  require_defined(x, "activation", "input");
  Tensor xf = f32c(x);
  Tensor y = Tensor::empty(x.shape(), DType::F32, x.device());
  pick(kUnary, x.device())(xf.data<float>(), y.data<float>(), x.numel(), act);
  return y;
}

Tensor softmax(const Tensor& x, int64_t dim, const Tensor& mask) {
  require_defined(x, "softmax", "input");
  const int64_t d = normalize_dim(dim, x.dim(), "softmax");
  Tensor y = mask.defined() ? add(x, mask) : x.to(DType::F32).clone();
  if (y.shape() != x.shape())
    throw ShapeMismatch("softmax: mask " + shape_str(mask.shape()) + " widens input " + shape_str(x.shape()));
  const bool last = d == x.dim() - 1;
  if (!last) y = y.transpose(d, -1).contiguous();
  pick(kSoftmax, x.device())(y.data<float>(), y.numel() / y.size(-1), y.size(-1));
  return last ? y : y.transpose(d, -1).contiguous();
}

static Tensor norm(const Tensor& x, const Tensor& w, const Tensor& b, float eps, bool rms, const char* name) {
  require_defined(x, name, "input");
  const int64_t H = x.size(-1);
  if (w.defined() && w.numel() != H)
    throw ShapeMismatch(std::string(name) + ": weight " + shape_str(w.shape()) + " does not match hidden size " + std::to_string(H));
  if (b.defined() && b.numel() != H)
    throw ShapeMismatch(std::string(name) + ": bias " + shape_str(b.shape()) + " does not match hidden size " + std::to_string(H));
  Tensor xf = f32c(x), wf = w.defined() ? f32c(w) : Tensor(), bf = b.defined() ? f32c(b) : Tensor();
  Tensor y = Tensor::empty(x.shape(), DType::F32, x.device());
  pick(kNorm, x.device())(xf.data<float>(), wf.defined() ? wf.data<float>() : nullptr,
                          bf.defined() ? bf.data<float>() : nullptr, y.data<float>(), x.numel() / H, H, eps, rms);
  return y;
}

Tensor layer_norm(const Tensor& x, const Tensor& w, const Tensor& b, float eps) {
  return norm(x, w, b, eps, false, "layer_norm");
}
Tensor rms_norm(const Tensor& x, const Tensor& w, float eps) { return norm(x, w, Tensor(), eps, true, "rms_norm"); }

Tensor embedding(const Tensor& weight, const Tensor& ids) {
  require_defined(weight, "embedding", "weight");
  require_defined(ids, "embedding", "ids");
  if (weight.dim() != 2) throw ShapeMismatch("embedding: weight must be 2-D, got " + shape_str(weight.shape()));
  if (is_floating(ids.dtype())) throw UnsupportedDType("embedding: ids must be integers, got " + dtype_name(ids.dtype()));
  Tensor id = ids.to(DType::I64).contiguous();
  const int64_t V = weight.size(0);
  for (int64_t i = 0; i < id.numel(); ++i) {
    const int64_t v = id.data<int64_t>()[i];
    if (v < 0 || v >= V)
      throw ValueError("embedding: index " + std::to_string(v) + " is out of range for a table of " + std::to_string(V) + " rows");
  }
  Shape out = ids.shape();
  out.push_back(weight.size(1));
  Tensor y = Tensor::empty(out, DType::F32, weight.device());
  pick(kEmbedding, weight.device())(weight.contiguous(), id.data<int64_t>(), id.numel(), y.data<float>());
  return y;
}

Tensor concat(const std::vector<Tensor>& xs, int64_t dim) {
  if (xs.empty()) throw ValueError("concat: no tensors");
  const int64_t d = normalize_dim(dim, xs[0].dim(), "concat");
  Shape out = xs[0].shape();
  out[d] = 0;
  for (const auto& x : xs) {
    require_defined(x, "concat", "a part");
    if (x.dim() != xs[0].dim() || x.dtype() != xs[0].dtype()) throw ShapeMismatch("concat: rank or dtype differs");
    for (int64_t i = 0; i < x.dim(); ++i)
      if (i != d && x.shape()[i] != xs[0].shape()[i])
        throw ShapeMismatch("concat: shapes " + shape_str(xs[0].shape()) + " and " + shape_str(x.shape()) + " differ off dim " + std::to_string(d));
    out[d] += x.shape()[d];
  }
  Tensor y = Tensor::empty(out, xs[0].dtype(), xs[0].device());
  const int64_t outer = shape_numel(Shape(out.begin(), out.begin() + d));
  const int64_t inner = shape_numel(Shape(out.begin() + d + 1, out.end())) * static_cast<int64_t>(dtype_size(y.dtype()));
  std::vector<Tensor> parts;
  std::vector<const void*> ptrs;
  std::vector<int64_t> widths;
  for (const auto& x : xs) {
    parts.push_back(x.contiguous());
    ptrs.push_back(parts.back().data_ptr());
    widths.push_back(x.shape()[d] * inner);
  }
  if (y.numel() > 0) pick(kConcat, y.device())(ptrs, widths, y.data_ptr(), outer);
  return y;
}

static void split_dims(const Tensor& x, int64_t d, int64_t& outer, int64_t& n, int64_t& inner) {
  outer = shape_numel(Shape(x.shape().begin(), x.shape().begin() + d));
  n = x.shape()[d];
  inner = shape_numel(Shape(x.shape().begin() + d + 1, x.shape().end()));
}

static Shape reduced_shape(const Tensor& x, int64_t d, bool keepdim) {
  Shape s = x.shape();
  if (keepdim) s[d] = 1;
  else s.erase(s.begin() + d);
  return s;
}

static Tensor reduce(const Tensor& x, int64_t dim, bool keepdim, k::ReduceOp op, const char* name) {
  require_defined(x, name, "input");
  const int64_t d = normalize_dim(dim, x.dim(), name);
  if (op == k::ReduceOp::Max && x.shape()[d] == 0) throw ShapeMismatch(std::string(name) + ": empty dimension");
  Tensor xf = f32c(x);
  int64_t outer, n, inner;
  split_dims(xf, d, outer, n, inner);
  Tensor y = Tensor::empty(reduced_shape(x, d, keepdim), DType::F32, x.device());
  pick(kReduce, x.device())(xf.data<float>(), y.data<float>(), outer, n, inner, op);
  return y;
}

Tensor sum(const Tensor& x, int64_t dim, bool keepdim) { return reduce(x, dim, keepdim, k::ReduceOp::Sum, "sum"); }
Tensor mean(const Tensor& x, int64_t dim, bool keepdim) { return reduce(x, dim, keepdim, k::ReduceOp::Mean, "mean"); }
Tensor max(const Tensor& x, int64_t dim, bool keepdim) { return reduce(x, dim, keepdim, k::ReduceOp::Max, "max"); }

Tensor argmax(const Tensor& x, int64_t dim, bool keepdim) {
  require_defined(x, "argmax", "input");
  const int64_t d = normalize_dim(dim, x.dim(), "argmax");
  if (x.shape()[d] == 0) throw ShapeMismatch("argmax: empty dimension");
  Tensor xf = f32c(x);
  int64_t outer, n, inner;
  split_dims(xf, d, outer, n, inner);
  Tensor y = Tensor::empty(reduced_shape(x, d, keepdim), DType::I64, x.device());
  pick(kArgmax, x.device())(xf.data<float>(), y.data<int64_t>(), outer, n, inner);
  return y;
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  require_defined(cond, "where", "cond");
  require_defined(a, "where", "a");
  require_defined(b, "where", "b");
  const Shape s = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"), b.shape(), "where");
  // Broadcast by adding zeros of the target shape: keeps the index logic in one place.
  Tensor zero = Tensor::zeros(s);
  Tensor c = add(cond.to(DType::F32), zero), av = add(a, zero), bv = add(b, zero);
  Tensor y = Tensor::empty(s);
  pick(kWhere, y.device())(c.data<float>(), av.data<float>(), bv.data<float>(), y.data<float>(), y.numel());
  return y;
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, float value) {
  return where(mask, Tensor::full({1}, value), x);
}

}  // namespace transformers::ops
