// The ops that used to compute inline (front-ends, model files): each CPU kernel against its
// reference twin, small cases checked by hand, and the edge cases (empty dims, ties, NaN,
// negative values, non-contiguous inputs, bad arguments).
#include <cmath>
#include <limits>

#include "ops/ops.hpp"
#include "test_util.hpp"

using namespace transformers;
using testutil::allclose;
using testutil::randn;

namespace {
template <typename F>
auto both(F f) {
  ops::set_reference_mode(false);
  auto fast = f();
  ops::set_reference_mode(true);
  auto ref = f();
  ops::set_reference_mode(false);
  return std::make_pair(fast, ref);
}
Tensor ints(const std::vector<int64_t>& v, const Shape& s) { return Tensor::from_ints(v, s); }
}  // namespace

TEST(OpsTable, Clamp) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor x = Tensor::from_floats({-3, -0.5f, 0, 2, 7, nan}, {2, 3});
  auto [f, r] = both([&] { return ops::clamp(x, -1, 2); });
  for (const Tensor& t : {f, r}) {
    const auto v = t.to_floats();
    EXPECT_EQ(std::vector<float>(v.begin(), v.end() - 1), (std::vector<float>{-1, -0.5f, 0, 2, 2}));
    EXPECT_TRUE(std::isnan(v.back()));  // NaN propagates as in torch.clamp
  }
  Tensor big = randn({3, 50, 7}, 1, 3.0f).transpose(0, 2);  // non-contiguous
  auto [bf, br] = both([&] { return ops::clamp(big, -0.5f, 1.5f); });
  EXPECT_EQ(bf.shape(), big.shape());
  EXPECT_TRUE(allclose(bf, br, 0, 0));
  EXPECT_EQ(ops::clamp(Tensor::zeros({0, 4}), 0, 1).shape(), (Shape{0, 4}));
  EXPECT_THROW(ops::clamp(x, 2, 1), ValueError);
}

TEST(OpsTable, TopkSortedWithTiesInIndexOrder) {
  Tensor x = Tensor::from_floats({0.1f, 0.5f, 0.5f, -2, 0.5f, 0.3f}, {1, 6});
  auto [f, r] = both([&] { return ops::topk(x, 4); });
  for (const auto& t : {f, r}) {
    EXPECT_EQ(t.values.to_floats(), (std::vector<float>{0.5f, 0.5f, 0.5f, 0.3f}));
    EXPECT_EQ(t.indices.to_ints(), (std::vector<int64_t>{1, 2, 4, 5}));
    EXPECT_EQ(t.indices.dtype(), DType::I64);
  }
  auto [fs, rs] = both([&] { return ops::topk(x, 2, false); });
  for (const auto& t : {fs, rs}) EXPECT_EQ(t.indices.to_ints(), (std::vector<int64_t>{3, 0}));
  // NaN ranks above everything (torch), negatives and many rows agree with the reference.
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  Tensor n = Tensor::from_floats({1, nan, inf, -inf}, {1, 4});
  auto [fn, rn] = both([&] { return ops::topk(n, 4); });
  for (const auto& t : {fn, rn}) EXPECT_EQ(t.indices.to_ints(), (std::vector<int64_t>{1, 2, 0, 3}));
  auto [fm, rm] = both([&] { return ops::topk(n, 4, false); });
  for (const auto& t : {fm, rm}) EXPECT_EQ(t.indices.to_ints(), (std::vector<int64_t>{3, 0, 2, 1}));
  Tensor big = randn({3, 7, 64}, 2).transpose(0, 1);
  auto [bf, br] = both([&] { return ops::topk(big, 8); });
  EXPECT_EQ(bf.values.shape(), (Shape{7, 3, 8}));
  EXPECT_EQ(bf.indices.to_ints(), br.indices.to_ints());
  EXPECT_TRUE(allclose(bf.values, br.values, 0, 0));
  EXPECT_EQ(ops::topk(x, 0).values.shape(), (Shape{1, 0}));
  EXPECT_EQ(ops::topk(Tensor::zeros({0, 6}), 2).indices.shape(), (Shape{0, 2}));
  EXPECT_THROW(ops::topk(x, 7), ValueError);
}

TEST(OpsTable, GatherRowsAndIndexAdd) {
  Tensor x = Tensor::from_floats({1, 2, 3, 4, 5, 6}, {3, 2});
  auto [f, r] = both([&] { return ops::gather_rows(x, ints({2, 0, 2}, {3})); });
  for (const Tensor& t : {f, r}) EXPECT_EQ(t.to_floats(), (std::vector<float>{5, 6, 1, 2, 5, 6}));
  EXPECT_EQ(ops::gather_rows(x, Tensor::zeros({0}, DType::I64)).shape(), (Shape{0, 2}));
  auto [gf, gr] = both([&] { return ops::gather_rows(ints({1, 2, 3, 4}, {2, 2}), ints({1, 1, 0}, {3})); });  // any dtype
  for (const Tensor& t : {gf, gr}) EXPECT_EQ(t.to_ints(), (std::vector<int64_t>{3, 4, 3, 4, 1, 2}));
  EXPECT_THROW(ops::gather_rows(x, ints({3}, {1})), ValueError);
  EXPECT_THROW(ops::gather_rows(x, ints({-1}, {1})), ValueError);
  EXPECT_THROW(ops::gather_rows(x, Tensor::from_floats({0}, {1})), UnsupportedDType);
  auto [af, ar] = both([&] {
    Tensor out = Tensor::from_floats({1, 1, 1, 1}, {2, 2});
    ops::index_add_(out, ints({1, 0, 1}, {3}), Tensor::from_floats({1, 2, 3, 4, 5, 6}, {3, 2}), Tensor::from_floats({2, -1, 0.5f}, {3}));
    return out;
  });
  // row 1 gets 2 * (1, 2) + 0.5 * (5, 6); row 0 gets -(3, 4); repeated indices accumulate
  for (const Tensor& t : {af, ar}) EXPECT_EQ(t.to_floats(), (std::vector<float>{-2, -3, 5.5f, 8}));
  auto [bf, br] = both([&] {
    Tensor out = Tensor::zeros({9, 300});
    ops::index_add_(out, ints({4, 8, 4, 0, 4}, {5}), randn({5, 300}, 3));
    return out;
  });
  EXPECT_TRUE(allclose(bf, br, 1e-6, 1e-6));
  Tensor out = Tensor::zeros({2, 2});
  EXPECT_THROW(ops::index_add_(out, ints({0}, {1}), Tensor::zeros({1, 3})), ShapeMismatch);
  EXPECT_THROW(ops::index_add_(out, ints({2}, {1}), Tensor::zeros({1, 2})), ValueError);
}

TEST(OpsTable, CopyIntoAStridedView) {
  Tensor buf = Tensor::zeros({2, 5}, DType::I64);
  ops::copy_(buf.slice(1, 3, 4), ints({7, 8}, {2, 1}));  // one column of a reserved buffer
  EXPECT_EQ(buf.to_ints(), (std::vector<int64_t>{0, 0, 0, 7, 0, 0, 0, 0, 8, 0}));
  Tensor f = Tensor::zeros({3, 2});
  ops::copy_(f, randn({2, 3}, 1).transpose(0, 1));
  EXPECT_TRUE(allclose(f, randn({2, 3}, 1).transpose(0, 1), 0, 0));
  EXPECT_THROW(ops::copy_(buf.slice(1, 0, 1), Tensor::zeros({2, 1})), ShapeMismatch);  // dtype differs
  // A KV cache write: [B, S, H, D] tokens into [B, H, cap, D] slots, fast rows vs the reference loop.
  Tensor tok = randn({2, 3, 4, 8}, 2);
  auto [cf, cr] = both([&] {
    Tensor cache = Tensor::zeros({2, 4, 10, 8});
    ops::copy_(cache.slice(2, 5, 8), tok.permute({0, 2, 1, 3}));
    return cache;
  });
  EXPECT_TRUE(allclose(cf, cr, 0, 0));
  EXPECT_TRUE(allclose(cf.slice(2, 5, 8), tok.permute({0, 2, 1, 3}), 0, 0));
}

TEST(OpsTable, PixelShuffle) {
  // One output channel, r = 2: four input channels interleave into a 2x2 block per pixel.
  Tensor x = Tensor::arange(8, DType::F32).view({1, 4, 1, 2});
  auto [f, r] = both([&] { return ops::pixel_shuffle(x, 2); });
  for (const Tensor& t : {f, r}) {
    EXPECT_EQ(t.shape(), (Shape{1, 1, 2, 4}));
    EXPECT_EQ(t.to_floats(), (std::vector<float>{0, 2, 1, 3, 4, 6, 5, 7}));
  }
  Tensor big = randn({2, 5, 6, 18}, 4).permute({0, 3, 1, 2});  // [2, 18, 5, 6] non-contiguous, C = 2, r = 3
  auto [bf, br] = both([&] { return ops::pixel_shuffle(big, 3); });
  EXPECT_EQ(bf.shape(), (Shape{2, 2, 15, 18}));
  EXPECT_TRUE(allclose(bf, br, 0, 0));
  EXPECT_THROW(ops::pixel_shuffle(Tensor::zeros({1, 3, 2, 2}), 2), ShapeMismatch);
  EXPECT_THROW(ops::pixel_shuffle(x, 0), ValueError);
}

TEST(OpsTable, ArangeAndCumsum) {
  auto [f, r] = both([&] { return ops::arange(2, 9, 3); });
  for (const Tensor& t : {f, r}) EXPECT_EQ(t.to_ints(), (std::vector<int64_t>{2, 5, 8}));
  EXPECT_EQ(ops::arange(5, 0, -2).to_ints(), (std::vector<int64_t>{5, 3, 1}));
  EXPECT_EQ(ops::arange(3, 3).numel(), 0);
  EXPECT_EQ(ops::arange(0, 4).dtype(), DType::I64);
  EXPECT_THROW(ops::arange(0, 4, 0), ValueError);
  Tensor m = ints({0, 1, 1, 0, 1, 1, 1, 1}, {2, 4});
  auto [cf, cr] = both([&] { return ops::cumsum(m, 1); });
  for (const Tensor& t : {cf, cr}) EXPECT_EQ(t.to_ints(), (std::vector<int64_t>{0, 1, 2, 2, 1, 2, 3, 4}));
  auto [df, dr] = both([&] { return ops::cumsum(ints({-1, 2, 3, -4, 5, 6}, {3, 2}), 0); });
  for (const Tensor& t : {df, dr}) EXPECT_EQ(t.to_ints(), (std::vector<int64_t>{-1, 2, 2, -2, 7, 4}));
  EXPECT_EQ(ops::cumsum(Tensor::zeros({0, 3}, DType::I64), 1).shape(), (Shape{0, 3}));
  EXPECT_THROW(ops::cumsum(Tensor::zeros({2}), 0), UnsupportedDType);
  auto [ef, er] = both([&] { return ops::eq(ints({3, -1, 3, 0}, {2, 2}), 3); });
  for (const Tensor& t : {ef, er}) EXPECT_EQ(t.to_ints(), (std::vector<int64_t>{1, 0, 1, 0}));
  EXPECT_EQ(ops::ne(ints({3, -1, 3, 0}, {4}), -1).to_ints(), (std::vector<int64_t>{1, 0, 1, 1}));
  EXPECT_THROW(ops::eq(Tensor::zeros({2}), 0), UnsupportedDType);
}

TEST(OpsTable, GatherLastToken) {
  Tensor x = Tensor::arange(12, DType::F32).view({3, 2, 2});  // [B=3, S=2, H=2]
  Tensor ids = ints({5, 0, 0, 0, 0, 7}, {3, 2});            // pad 0: right-padded, all pad, left-padded
  auto [f, r] = both([&] { return ops::gather_last_token(x, ids, 0); });
  for (const Tensor& t : {f, r}) EXPECT_EQ(t.to_floats(), (std::vector<float>{0, 1, 4, 5, 10, 11}));
  auto [ef, er] = both([&] { return ops::gather_last_token(x, ints({2, 2, 2, 9, 9, 2}, {3, 2}), 2, true); });  // the last eos
  for (const Tensor& t : {ef, er}) EXPECT_EQ(t.to_floats(), (std::vector<float>{2, 3, 4, 5, 10, 11}));
  Tensor big = randn({4, 9, 3, 5}, 5);
  Tensor bid = ints({1, 1, 1, 0, 0, 0, 0, 0, 0,   // right-padded
                     0, 0, 0, 1, 1, 1, 1, 1, 1,   // left-padded
                     0, 0, 0, 0, 0, 0, 0, 0, 0,   // all padding: position 0
                     1, 0, 1, 0, 0, 1, 0, 0, 0},  // pads inside
                    {4, 9});
  auto [bf, br] = both([&] { return ops::gather_last_token(big, bid, 0); });
  EXPECT_EQ(bf.shape(), (Shape{4, 3, 5}));
  EXPECT_TRUE(allclose(bf, br, 0, 0));
  EXPECT_TRUE(allclose(bf.select(0, 3), big.select(0, 3).select(0, 5), 0, 0));
  EXPECT_THROW(ops::gather_last_token(x, ints({1, 2, 3}, {3, 1}), 0), ShapeMismatch);
}

TEST(OpsTable, RotaryInPlace) {
  // One head, head_dim 4, two rotary channels pairs (0, 2) and (1, 3); position 1, angles 1 and 0.5.
  Tensor x = Tensor::from_floats({1, 2, 0, 3}, {1, 1, 1, 4});
  ops::rotary_(x, ints({1}, {1, 1}), Tensor::from_floats({1.0f, 0.5f}, {2}), 1.0f);
  const float c1 = std::cos(1.0f), s1 = std::sin(1.0f), c2 = std::cos(0.5f), s2 = std::sin(0.5f);
  EXPECT_TRUE(allclose(x, Tensor::from_floats({c1, 2 * c2 - 3 * s2, s1, 3 * c2 + 2 * s2}, {1, 1, 1, 4}), 1e-6, 1e-6));
  // Partial rotary dims leave the tail alone; fast and reference agree; negative positions too.
  Tensor big = randn({2, 5, 3, 10}, 7), inv = Tensor::from_floats({1.0f, 0.1f, 0.01f}, {3});
  Tensor pos = ints({0, 1, 2, 3, 4, -2, 7, 9, 100, 5}, {2, 5});
  auto [f, r] = both([&] {
    Tensor y = big.clone();
    ops::rotary_(y, pos, inv, 0.9f);
    return y;
  });
  EXPECT_TRUE(allclose(f, r, 1e-6, 1e-6));
  EXPECT_TRUE(allclose(f.slice(3, 6, 10), big.slice(3, 6, 10), 0, 0));
  EXPECT_THROW(ops::rotary_(big, ints({0, 1}, {1, 2}), inv, 1), ShapeMismatch);
  EXPECT_THROW(ops::rotary_(big.transpose(1, 2), pos, inv, 1), ShapeMismatch);
}

TEST(OpsTable, SwigluClamped) {
  // (gate, up) pairs: gate clamped above only, up on both sides.
  Tensor gu = Tensor::from_floats({1, 2, 10, -10, -3, 0.5f}, {1, 6});
  auto [f, r] = both([&] { return ops::swiglu_clamped(gu, 1.702f, 7.0f); });
  auto expect = [](float g, float u) { return (u + 1) * (g / (1 + std::exp(-g * 1.702f))); };
  for (const Tensor& t : {f, r}) {
    EXPECT_EQ(t.shape(), (Shape{1, 3}));
    EXPECT_TRUE(allclose(t, Tensor::from_floats({expect(1, 2), expect(7, -7), expect(-3, 0.5f)}, {1, 3}), 1e-6, 1e-6));
  }
  Tensor big = randn({3, 5, 64}, 6, 6.0f);
  auto [bf, br] = both([&] { return ops::swiglu_clamped(big, 1.702f, 7.0f); });
  EXPECT_TRUE(allclose(bf, br, 1e-5, 1e-5));
  EXPECT_THROW(ops::swiglu_clamped(Tensor::zeros({2, 3}), 1, 1), ShapeMismatch);
}

TEST(OpsTable, WhereAndConcat) {
  Tensor c = Tensor::from_floats({1, 0, 0, 1}, {2, 2}), a = randn({2, 2}, 7), b = randn({1, 2}, 8);
  auto [f, r] = both([&] { return ops::where(c, a, b); });
  for (const Tensor& t : {f, r}) {
    const auto av = a.to_floats(), bv = b.to_floats();
    EXPECT_EQ(t.to_floats(), (std::vector<float>{av[0], bv[1], bv[0], av[3]}));
  }
  Tensor p = randn({2, 3, 4}, 9), q = randn({4, 3, 2}, 10).transpose(0, 2);  // non-contiguous [2, 3, 4]
  auto [cf, cr] = both([&] { return ops::concat({p, q, Tensor::zeros({2, 0, 4})}, 1); });
  EXPECT_EQ(cf.shape(), (Shape{2, 6, 4}));
  EXPECT_TRUE(allclose(cf, cr, 0, 0));
  EXPECT_TRUE(allclose(cf.slice(1, 3, 6), q, 0, 0));
  auto [if_, ir] = both([&] { return ops::concat({ints({1, 2}, {1, 2}), ints({3, 4, 5, 6}, {2, 2})}, 0); });
  for (const Tensor& t : {if_, ir}) EXPECT_EQ(t.to_ints(), (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_THROW(ops::concat({p, randn({2, 3, 5}, 1)}, 1), ShapeMismatch);
}

TEST(OpsTable, ConvolutionsAgainstDirectLoops) {
  // conv2d: dense (1x1 and 3x3, strided, padded), grouped and depthwise; im2col + GEMM vs direct loops.
  Tensor x = randn({2, 4, 9, 7}, 11);
  struct Case {
    Shape w;
    std::pair<int64_t, int64_t> stride, pad;
    int64_t groups;
  };
  for (const Case& cs : {Case{{6, 4, 1, 1}, {1, 1}, {0, 0}, 1}, Case{{5, 4, 3, 2}, {2, 1}, {1, 2}, 1}, Case{{6, 2, 3, 3}, {1, 2}, {1, 1}, 2},
                         Case{{4, 1, 3, 3}, {1, 1}, {1, 1}, 4}, Case{{8, 1, 2, 2}, {2, 2}, {0, 0}, 4}}) {
    Tensor w = randn(cs.w, 12, 0.3f), b = randn({cs.w[0]}, 13);
    auto [f, r] = both([&] { return ops::conv2d(x, w, b, cs.stride, cs.pad, cs.groups); });
    SCOPED_TRACE(shape_str(cs.w));
    EXPECT_TRUE(allclose(f, r, 1e-5, 1e-5));
  }
  // 1x1 known value: a per-pixel linear map plus bias.
  Tensor one = ops::conv2d(Tensor::from_floats({1, 2, 3, 4}, {1, 2, 1, 2}), Tensor::from_floats({1, -1}, {1, 2, 1, 1}), Tensor::from_floats({10}, {1}));
  EXPECT_EQ(one.to_floats(), (std::vector<float>{8, 8}));
  // conv1d with dilation, padding, groups and a bf16 weight.
  Tensor s = randn({2, 6, 19}, 14), w1 = randn({4, 3, 3}, 15, 0.3f);
  auto [f1, r1] = both([&] { return ops::conv1d(s, w1, randn({4}, 16), 2, 2, 2, 2); });
  EXPECT_TRUE(allclose(f1, r1, 1e-5, 1e-5));
  auto [fb, rb] = both([&] { return ops::conv1d(s, w1.to(DType::BF16), Tensor(), 1, 0, 1, 2); });
  EXPECT_TRUE(allclose(fb, rb, 2e-2, 2e-2));
  EXPECT_THROW(ops::conv2d(x, randn({2, 3, 1, 1}, 1), Tensor()), ShapeMismatch);
  // Dilated conv2d (DeepLabV3's atrous backbone): dense, depthwise and grouped, strided and padded.
  struct Dilated {
    Shape w;
    std::pair<int64_t, int64_t> stride, pad, dilation;
    int64_t groups;
  };
  for (const Dilated& cs : {Dilated{{5, 4, 3, 3}, {1, 1}, {2, 2}, {2, 2}, 1}, Dilated{{3, 4, 3, 2}, {2, 1}, {1, 0}, {3, 2}, 1},
                            Dilated{{4, 1, 3, 3}, {1, 1}, {4, 4}, {4, 4}, 4}, Dilated{{6, 2, 3, 3}, {1, 1}, {1, 2}, {1, 2}, 2}}) {
    Tensor w = randn(cs.w, 22, 0.3f), b = randn({cs.w[0]}, 23);
    auto [f, r] = both([&] { return ops::conv2d(x, w, b, cs.stride, cs.pad, cs.groups, cs.dilation); });
    SCOPED_TRACE("dilated " + shape_str(cs.w));
    EXPECT_TRUE(allclose(f, r, 1e-5, 1e-5));
  }
  // Hand value: a 2x2 kernel dilated by 2 over a 3x3 image reads its four corners.
  Tensor corners = ops::conv2d(Tensor::from_floats({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 3, 3}), Tensor::from_floats({1, 10, 100, 1000}, {1, 1, 2, 2}),
                               Tensor(), {1, 1}, {0, 0}, 1, {2, 2});
  EXPECT_EQ(corners.to_floats(), (std::vector<float>{1 + 30 + 700 + 9000}));
  EXPECT_THROW(ops::conv2d(x, randn({2, 4, 3, 3}, 1), Tensor(), {1, 1}, {0, 0}, 1, {0, 1}), ValueError);
  EXPECT_THROW(ops::conv2d(x, randn({2, 4, 3, 3}, 1), Tensor(), {1, 1}, {0, 0}, 1, {5, 1}), ShapeMismatch);  // 11 rows > 9
  // conv_transpose2d with kernel == stride against its definition: y[o, 2i + a, 2j + b] =
  // bias[o] + sum_c x[c, i, j] w[c, o, a, b].
  {
    Tensor xt = randn({2, 3, 4, 5}, 24), wt = randn({3, 2, 2, 2}, 25), bt = randn({2}, 26);
    auto [tf, tr] = both([&] { return ops::conv_transpose2d(xt, wt, bt, 2); });
    ASSERT_EQ(tf.shape(), (Shape{2, 2, 8, 10}));
    EXPECT_TRUE(allclose(tf, tr, 1e-5, 1e-5));
    const std::vector<float> xv = xt.to_floats(), wv = wt.to_floats(), bv = bt.to_floats(), yv = tf.to_floats();
    std::vector<float> want(yv.size());
    for (int64_t n = 0; n < 2; ++n)
      for (int64_t o = 0; o < 2; ++o)
        for (int64_t yy = 0; yy < 8; ++yy)
          for (int64_t xx = 0; xx < 10; ++xx) {
            double acc = bv[static_cast<size_t>(o)];
            for (int64_t c = 0; c < 3; ++c)
              acc += static_cast<double>(xv[static_cast<size_t>(((n * 3 + c) * 4 + yy / 2) * 5 + xx / 2)]) *
                     wv[static_cast<size_t>(((c * 2 + o) * 2 + yy % 2) * 2 + xx % 2)];
            want[static_cast<size_t>(((n * 2 + o) * 8 + yy) * 10 + xx)] = static_cast<float>(acc);
          }
    EXPECT_TRUE(allclose(tf, Tensor::from_floats(want, {2, 2, 8, 10}), 1e-5, 1e-5));
    EXPECT_THROW(ops::conv_transpose2d(xt, randn({3, 2, 3, 3}, 1), Tensor(), 2), ValueError);
    EXPECT_THROW(ops::conv_transpose2d(xt, randn({4, 2, 2, 2}, 1), Tensor(), 2), ShapeMismatch);
  }
  EXPECT_THROW(ops::conv1d(randn({1, 2, 2}, 1), randn({1, 2, 5}, 1), Tensor()), ShapeMismatch);
}

TEST(OpsTable, PoolingPaddingResamplingNorms) {
  Tensor x = randn({2, 3, 8, 11}, 17, 2.0f);
  auto [pf, pr] = both([&] { return ops::max_pool2d(x, 3, 2, 1); });
  EXPECT_EQ(pf.shape(), (Shape{2, 3, 4, 6}));
  EXPECT_TRUE(allclose(pf, pr, 0, 0));
  EXPECT_EQ(ops::max_pool2d(Tensor::from_floats({-1, -5, -3, -2}, {1, 1, 2, 2}), 2, 2, 0).to_floats(), (std::vector<float>{-1}));
  auto [df, dr] = both([&] { return ops::pad2d(x, 1, 0, 2, 3); });
  EXPECT_EQ(df.shape(), (Shape{2, 3, 9, 16}));
  EXPECT_TRUE(allclose(df, dr, 0, 0));
  EXPECT_EQ(ops::pad2d(Tensor::from_floats({7}, {1, 1, 1, 1}), 0, 1, 1, 0).to_floats(), (std::vector<float>{0, 7, 0, 0}));
  for (const auto& size : {std::pair<int64_t, int64_t>{5, 17}, {16, 4}, {1, 1}}) {
    const int64_t oh = size.first, ow = size.second;  // plain variables: clang 14 cannot capture bindings
    auto [cf, cr] = both([&] { return ops::interpolate_bicubic(x, oh, ow); });
    EXPECT_TRUE(allclose(cf, cr, 1e-5, 1e-5));
    for (bool ac : {false, true}) {
      auto [lf, lr] = both([&] { return ops::interpolate_bilinear(x, oh, ow, ac); });
      EXPECT_TRUE(allclose(lf, lr, 1e-5, 1e-5));
    }
  }
  // Doubling a 2-pixel row with align_corners: the corners stay, the middle interpolates.
  EXPECT_TRUE(allclose(ops::interpolate_bilinear(Tensor::from_floats({0, 3}, {1, 1, 1, 2}), 1, 4, true), Tensor::from_floats({0, 1, 2, 3}, {1, 1, 1, 4}), 1e-6, 1e-6));
  Tensor m = randn({3}, 18), v = ops::clamp(randn({3}, 19), 0.1f, 2.0f), w = randn({3}, 20), b = randn({3}, 21);
  auto [bf, br] = both([&] { return ops::batch_norm(x, m, v, w, b, 1e-5f); });
  EXPECT_TRUE(allclose(bf, br, 1e-6, 1e-6));
  EXPECT_TRUE(allclose(ops::batch_norm(Tensor::from_floats({5, 1}, {1, 2, 1}), Tensor::from_floats({1, 1}, {2}), Tensor::from_floats({4, 1}, {2}),
                                       Tensor::from_floats({2, 1}, {2}), Tensor::from_floats({0, 1}, {2}), 0),
                       Tensor::from_floats({4, 1}, {1, 2, 1}), 1e-6, 1e-6));
  auto [gf, gr] = both([&] { return ops::group_norm(x, 3, w, b, 1e-5f); });
  EXPECT_TRUE(allclose(gf, gr, 1e-5, 1e-5));
  // adaptive_avg_pool2d: bins that overlap (8 -> 3, 11 -> 6), that cover all (1), and upsampling (16).
  for (const auto& size : {std::pair<int64_t, int64_t>{3, 6}, {1, 1}, {2, 11}, {16, 4}}) {
    const int64_t oh = size.first, ow = size.second;
    auto [af, ar] = both([&] { return ops::adaptive_avg_pool2d(x, oh, ow); });
    EXPECT_EQ(af.shape(), (Shape{2, 3, oh, ow}));
    EXPECT_TRUE(allclose(af, ar, 1e-5, 1e-5));
  }
  EXPECT_TRUE(allclose(ops::adaptive_avg_pool2d(x, 1, 1), ops::mean(x.view({2, 3, 88}), 2).view({2, 3, 1, 1}), 1e-5, 1e-5));
  // 3 -> 2: rows {0, 1} and {1, 2}.
  EXPECT_TRUE(allclose(ops::adaptive_avg_pool2d(Tensor::from_floats({1, 2, 4}, {1, 1, 3, 1}), 2, 1), Tensor::from_floats({1.5f, 3}, {1, 1, 2, 1}), 1e-6, 1e-6));
  EXPECT_THROW(ops::adaptive_avg_pool2d(x, 0, 2), ValueError);
  EXPECT_THROW(ops::max_pool2d(x, 3, 2, 2), ValueError);
  EXPECT_THROW(ops::pad2d(x, -1, 0, 0, 0), ValueError);
  EXPECT_THROW(ops::interpolate_bicubic(x, 0, 3), ValueError);
}
