// Fast kernels against the reference kernels (the oracle), plus known values.
#include <cmath>

#include "ops/ops.hpp"
#include "test_util.hpp"

using namespace transformers;
using testutil::allclose;
using testutil::randn;

namespace {
// Runs f once on the fast kernels and once on the reference kernels.
template <typename F>
std::pair<Tensor, Tensor> both(F f) {
  ops::set_reference_mode(false);
  Tensor fast = f();
  ops::set_reference_mode(true);
  Tensor ref = f();
  ops::set_reference_mode(false);
  return {fast, ref};
}
}  // namespace

TEST(Ops, MatmulShapesAndTransposes) {
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      Tensor a = randn(ta ? Shape{3, 17, 5} : Shape{3, 5, 17}, 1);
      Tensor b = randn(tb ? Shape{3, 9, 17} : Shape{3, 17, 9}, 2);
      auto [f, r] = both([&] { return ops::matmul(a, b, ta, tb); });
      EXPECT_EQ(f.shape(), (Shape{3, 5, 9}));
      EXPECT_TRUE(allclose(f, r, 1e-5, 1e-5)) << ta << tb;
    }
  Tensor a = randn({2, 4, 6, 8}, 3), w = randn({8, 5}, 4);  // 2-D b shared over the batch
  auto [f, r] = both([&] { return ops::matmul(a, w); });
  EXPECT_EQ(f.shape(), (Shape{2, 4, 6, 5}));
  EXPECT_TRUE(allclose(f, r, 1e-5, 1e-5));
  EXPECT_THROW(ops::matmul(randn({2, 3}, 1), randn({4, 5}, 1)), ShapeMismatch);
  EXPECT_THROW(ops::matmul(randn({2, 2, 3}, 1), randn({3, 3, 5}, 1)), ShapeMismatch);
}

TEST(Ops, MatmulKnownValues) {
  Tensor a = Tensor::from_floats({1, 2, 3, 4}, {2, 2}), b = Tensor::from_floats({5, 6, 7, 8}, {2, 2});
  EXPECT_EQ(ops::matmul(a, b).to_floats(), (std::vector<float>{19, 22, 43, 50}));
  EXPECT_EQ(ops::matmul(a, b, false, true).to_floats(), (std::vector<float>{17, 23, 39, 53}));
}

TEST(Ops, LinearF32AndLowPrecisionWeights) {
  Tensor x = randn({2, 7, 64}, 5), w = randn({48, 64}, 6, 0.1f), b = randn({48}, 7);
  auto [f, r] = both([&] { return ops::linear(x, w, b); });
  EXPECT_EQ(f.shape(), (Shape{2, 7, 48}));
  EXPECT_TRUE(allclose(f, r, 1e-5, 1e-5));
  // bf16 weights: the fast path rounds activations to bf16 too (as PyTorch does), so compare
  // with a bf16-sized tolerance against the exact product of the bf16 weights.
  Tensor wb = w.to(DType::BF16);
  auto [fb, rb] = both([&] { return ops::linear(x, wb, b); });
  EXPECT_TRUE(allclose(fb, rb, 5e-2, 2e-2));
  EXPECT_TRUE(allclose(rb, ops::linear(x, wb.to(DType::F32), b), 1e-5, 1e-5));
  EXPECT_THROW(ops::linear(x, randn({48, 63}, 1)), ShapeMismatch);
  EXPECT_THROW(ops::linear(x, w, randn({47}, 1)), ShapeMismatch);
}

TEST(Ops, SkinnyLinearStreamsStoredDtypes) {
  // The decode GEMV (1..8 rows) on bf16 / f16 / int8 weights, odd K for the tail, against the
  // reference kernel on the same stored weights: fp32 accumulation, so tight tolerances.
  for (int64_t rows : {1, 2, 3, 5, 8})
    for (DType dt : {DType::BF16, DType::F16, DType::I8}) {
      Tensor x = randn({rows, 77}, 11), w = randn({37, 77}, 12, 0.2f), b = randn({37}, 13);
      Tensor scale;
      if (dt == DType::I8) {
        std::vector<int64_t> q(37 * 77);
        for (size_t i = 0; i < q.size(); ++i) q[i] = static_cast<int64_t>(i * 37 % 255) - 127;
        w = Tensor::from_ints(q, {37, 77}).to(DType::I8);
        scale = randn({37}, 14, 0.01f);
      } else {
        w = w.to(dt);
      }
      auto [f, r] = both([&] { return ops::linear(x, w, b, scale); });
      EXPECT_TRUE(allclose(f, r, 1e-4, 1e-4)) << rows << " rows, " << dtype_name(dt);
    }
  EXPECT_THROW(ops::linear(randn({1, 77}, 1), Tensor::zeros({37, 77}, DType::I8)), ShapeMismatch);  // int8 needs scales
}

TEST(Ops, AttentionKernelsAgree) {
  // GQA, causal + sliding window + padding + soft-capping + sinks, with a fully masked row.
  Tensor q = randn({2, 4, 5, 8}, 21), k = randn({2, 2, 9, 8}, 22), v = randn({2, 2, 9, 6}, 23);
  ops::AttentionOptions o;
  o.scaling = 0.3f, o.softcap = 2.0f, o.sliding_window = 3, o.q_start = 4;
  o.key_padding = Tensor::from_ints({1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1}, {2, 9});
  for (bool sinks : {false, true}) {
    if (sinks) o.sinks = randn({4}, 24);
    auto [f, r] = both([&] { return ops::attention(q, k, v, o); });
    EXPECT_EQ(f.shape(), (Shape{2, 5, 24}));
    EXPECT_TRUE(allclose(f, r, 1e-5, 1e-4)) << sinks;
  }
  EXPECT_THROW(ops::attention(q, randn({2, 3, 9, 8}, 1), randn({2, 3, 9, 6}, 1), {}), ShapeMismatch);  // 4 heads over 3
  // An additive per-head bias (T5), shared over the batch or per row, equals the scores it shifts.
  ops::AttentionOptions b;
  b.causal = false, b.bias = randn({4, 5, 9}, 25);
  auto [fb, rb] = both([&] { return ops::attention(q, k, v, b); });
  EXPECT_TRUE(allclose(fb, rb, 1e-5, 1e-4));
  Tensor zero_q = Tensor::zeros({2, 4, 5, 8});
  ops::AttentionOptions one_hot;
  one_hot.causal = false;
  one_hot.bias = Tensor::full({2, 4, 5, 9}, -1e4);  // only key 7 visible through the bias
  for (int64_t r = 0; r < 2 * 4 * 5; ++r) one_hot.bias.data<float>()[r * 9 + 7] = 0.0f;
  Tensor picked = ops::attention(zero_q, k, v, one_hot);
  EXPECT_NEAR(picked.item({1, 2, 3 * 6 + 4}), v.item({1, 1, 7, 4}), 1e-6);
  b.bias = randn({4, 5, 8}, 26);
  EXPECT_THROW(ops::attention(q, k, v, b), ShapeMismatch);
  // Long enough for the batched-GEMM path (prefill / encoders), with every mask kind at once.
  Tensor lq = randn({2, 4, 20, 8}, 31), lk = randn({2, 2, 24, 8}, 32), lv = randn({2, 2, 24, 6}, 33);
  ops::AttentionOptions lo;
  lo.scaling = 0.4f, lo.softcap = 3.0f, lo.sliding_window = 9, lo.q_start = 4, lo.bias = randn({2, 4, 20, 24}, 34);
  std::vector<int64_t> pad(48, 1);
  for (int64_t j = 0; j < 10; ++j) pad[24 + j] = 0;
  lo.key_padding = Tensor::from_ints(pad, {2, 24});
  for (bool sinks : {false, true}) {
    if (sinks) lo.sinks = randn({4}, 35);
    auto [f, r] = both([&] { return ops::attention(lq, lk, lv, lo); });
    EXPECT_TRUE(allclose(f, r, 1e-5, 1e-4)) << sinks;
  }
}

TEST(Ops, BroadcastingBinary) {
  Tensor a = randn({2, 3, 4}, 8), b = randn({4}, 9), c = randn({2, 1, 4}, 10), d = randn({3, 1}, 11);
  for (const Tensor& y : {b, c, d}) {
    auto [f, r] = both([&] { return ops::add(a, y); });
    EXPECT_TRUE(allclose(f, r, 0, 0));
  }
  EXPECT_EQ(ops::sub(Tensor::from_floats({5}, {1}), Tensor::from_floats({1, 2}, {2})).to_floats(), (std::vector<float>{4, 3}));
  EXPECT_EQ(ops::div(Tensor::from_floats({6, 8}, {2}), Tensor::from_floats({2}, {1})).to_floats(), (std::vector<float>{3, 4}));
  EXPECT_EQ(ops::mul(a, a.transpose(1, 2).contiguous().transpose(1, 2)).to_floats(), ops::mul(a, a).to_floats());
  EXPECT_THROW(ops::add(a, randn({3}, 1)), ShapeMismatch);
}

TEST(Ops, ActivationsKnownValues) {
  Tensor x = Tensor::from_floats({-1.0f, 0.0f, 1.0f, 2.0f}, {4});
  auto g = ops::gelu(x).to_floats();
  EXPECT_NEAR(g[2], 0.8413447f, 1e-6);
  EXPECT_NEAR(g[0], -0.1586553f, 1e-6);
  auto gt = ops::gelu_tanh(x).to_floats();
  EXPECT_NEAR(gt[2], 0.8411920f, 1e-6);
  EXPECT_NEAR(ops::silu(x).to_floats()[3], 1.7615942f, 1e-6);
  EXPECT_EQ(ops::relu(x).to_floats(), (std::vector<float>{0, 0, 1, 2}));
  EXPECT_NEAR(ops::tanh(x).to_floats()[2], 0.7615942f, 1e-6);
  Tensor big = randn({5000}, 12, 3.0f);
  for (auto act : {ops::Activation::Gelu, ops::Activation::GeluTanh, ops::Activation::Silu, ops::Activation::Relu,
                   ops::Activation::Tanh, ops::Activation::Sigmoid, ops::Activation::QuickGelu}) {
    auto [f, r] = both([&] { return ops::activation(big, act); });
    EXPECT_TRUE(allclose(f, r, 1e-6, 1e-5)) << static_cast<int>(act);
  }
  EXPECT_EQ(ops::activation_from_name("gelu_new"), ops::Activation::GeluTanh);
  EXPECT_THROW(ops::activation_from_name("bogus"), ConfigError);
}

TEST(Ops, SoftmaxWithMask) {
  Tensor x = randn({2, 3, 5}, 13);
  auto [f, r] = both([&] { return ops::softmax(x); });
  EXPECT_TRUE(allclose(f, r, 1e-6, 1e-5));
  auto s = ops::sum(f, -1).to_floats();
  for (float v : s) EXPECT_NEAR(v, 1.0f, 1e-6);
  Tensor mask = Tensor::from_floats({0, 0, -INFINITY, 0, -INFINITY}, {5});
  Tensor m = ops::softmax(x, -1, mask);
  EXPECT_EQ(m.item({1, 2, 2}), 0.0);
  EXPECT_EQ(m.item({0, 0, 4}), 0.0);
  auto [f1, r1] = both([&] { return ops::softmax(x, 1); });
  EXPECT_TRUE(allclose(f1, r1, 1e-6, 1e-5));
  EXPECT_NEAR(ops::sum(f1, 1).item({0, 0}), 1.0, 1e-6);
}

TEST(Ops, Norms) {
  Tensor x = randn({4, 7, 33}, 14, 2.0f), w = randn({33}, 15), b = randn({33}, 16);
  auto [f, r] = both([&] { return ops::layer_norm(x, w, b, 1e-5f); });
  EXPECT_TRUE(allclose(f, r, 1e-5, 1e-4));
  auto [fr, rr] = both([&] { return ops::rms_norm(x, w, 1e-6f); });
  EXPECT_TRUE(allclose(fr, rr, 1e-5, 1e-4));
  Tensor one = Tensor::from_floats({1, 2, 3}, {1, 3});
  auto ln = ops::layer_norm(one, Tensor(), Tensor(), 0.0f).to_floats();
  EXPECT_NEAR(ln[0], -1.2247449f, 1e-6);
  EXPECT_THROW(ops::layer_norm(x, randn({32}, 1), b, 1e-5f), ShapeMismatch);
}

TEST(Ops, EmbeddingGather) {
  Tensor w = randn({10, 6}, 17);
  Tensor ids = Tensor::from_ints({3, 0, 9, 3}, {2, 2});
  auto [f, r] = both([&] { return ops::embedding(w, ids); });
  EXPECT_EQ(f.shape(), (Shape{2, 2, 6}));
  EXPECT_TRUE(allclose(f, r, 0, 0));
  EXPECT_EQ(f.item({1, 0, 5}), w.item({9, 5}));
  Tensor wb = w.to(DType::BF16);
  auto [fb, rb] = both([&] { return ops::embedding(wb, ids); });
  EXPECT_TRUE(allclose(fb, rb, 0, 0));
  EXPECT_THROW(ops::embedding(w, Tensor::from_ints({10}, {1})), ValueError);
  EXPECT_THROW(ops::embedding(w, Tensor::from_ints({-1}, {1})), ValueError);
  EXPECT_THROW(ops::embedding(w, Tensor::from_floats({1}, {1})), UnsupportedDType);
}

TEST(Ops, ConcatSliceReductions) {
  Tensor a = Tensor::from_floats({1, 2, 3, 4}, {2, 2}), b = Tensor::from_floats({5, 6}, {2, 1});
  EXPECT_EQ(ops::concat({a, b}, 1).to_floats(), (std::vector<float>{1, 2, 5, 3, 4, 6}));
  EXPECT_EQ(ops::concat({a, a}, 0).shape(), (Shape{4, 2}));
  EXPECT_THROW(ops::concat({a, b}, 0), ShapeMismatch);
  EXPECT_EQ(ops::sum(a, 0).to_floats(), (std::vector<float>{4, 6}));
  EXPECT_EQ(ops::mean(a, 1).to_floats(), (std::vector<float>{1.5, 3.5}));
  EXPECT_EQ(ops::max(a, 1, true).shape(), (Shape{2, 1}));
  EXPECT_EQ(ops::max(a, 0).to_floats(), (std::vector<float>{3, 4}));
  EXPECT_EQ(ops::argmax(Tensor::from_floats({1, 7, 7, 2}, {4}), 0).to_ints(), (std::vector<int64_t>{1}));
  Tensor cond = Tensor::from_ints({1, 0}, {2}).to(DType::Bool);
  EXPECT_EQ(ops::where(cond, a, Tensor::from_floats({0}, {1})).to_floats(), (std::vector<float>{1, 0, 3, 0}));
  EXPECT_EQ(ops::masked_fill(a, cond, -1).to_floats(), (std::vector<float>{-1, 2, -1, 4}));
}

TEST(Ops, ReferenceModeSwitch) {
  ops::set_reference_mode(true);
  EXPECT_TRUE(env_info().reference_mode);
  ops::set_reference_mode(false);
  EXPECT_FALSE(env_info().reference_mode);
}
