// Block-quantized weights (ops/quant.hpp) against gguf-py 0.19.0 (fixtures/quant/, written by
// scripts/make_quant_fixtures.py): dequantize bit for bit, linear_quantized against Python's
// fp32 product and the fast kernels against the reference ones, batch invariance, bad arguments.
#include <cmath>
#include <cstring>

#include "ops/quant.hpp"
#include "ops/quant_kernels.hpp"
#include "test_util.hpp"

using namespace transformers;
using ops::QuantType;
using testutil::allclose;
using testutil::randn;

namespace {

const std::vector<QuantType> kAll = {QuantType::Q4_0, QuantType::Q4_1, QuantType::Q5_0, QuantType::Q5_1,
                                     QuantType::Q8_0, QuantType::Q2_K, QuantType::Q3_K, QuantType::Q4_K,
                                     QuantType::Q5_K, QuantType::Q6_K, QuantType::IQ4_NL, QuantType::IQ4_XS};
constexpr int64_t kCols = 256;  // the fixtures' row length

ModelInputs load(QuantType t) {
  return testutil::read_inputs_file(testutil::fixture("quant/" + std::string(ops::quant_traits(t).name) + ".safetensors"));
}

std::string name(QuantType t) { return std::string(ops::quant_traits(t).name); }

// A [N, K] weight made of the fixture's Python-written rows: row n is K / 256 fixture rows,
// picked by (n + j) % 3, so every block is a real gguf-py block.
Tensor tiled_weight(const Tensor& fixture_blocks, int64_t N, int64_t K) {
  const int64_t rb = fixture_blocks.size(1), parts = K / kCols;
  Tensor w = Tensor::empty({N, rb * parts}, DType::U8);
  const auto* src = fixture_blocks.data<uint8_t>();
  auto* dst = w.data<uint8_t>();
  for (int64_t n = 0; n < N; ++n)
    for (int64_t j = 0; j < parts; ++j) std::memcpy(dst + (n * parts + j) * rb, src + ((n + j) % 3) * rb, rb);
  return w;
}

// |fast - ref| <= 1e-5 * sum_k |x_k w_nk| + 1e-6: fp32 against double summation, scaled by the
// magnitude the sum went through (not by the result, which may cancel to ~0).
::testing::AssertionResult close_to_reference(const Tensor& fast, const Tensor& ref, const Tensor& x, const Tensor& w_deq,
                                              const Tensor& bias) {
  if (fast.shape() != ref.shape()) return ::testing::AssertionFailure() << "shapes differ";
  const auto f = fast.to_floats(), r = ref.to_floats(), xv = x.to_floats(), wv = w_deq.to_floats();
  const int64_t N = w_deq.size(0), K = w_deq.size(1), M = static_cast<int64_t>(xv.size()) / K;
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n) {
      double mag = bias.defined() ? std::fabs(bias.to_floats()[n]) : 0.0;
      for (int64_t k = 0; k < K; ++k) mag += std::fabs(static_cast<double>(xv[m * K + k]) * wv[n * K + k]);
      const double d = std::fabs(static_cast<double>(f[m * N + n]) - r[m * N + n]);
      if (!(d <= 1e-5 * mag + 1e-6))
        return ::testing::AssertionFailure() << "row " << m << " col " << n << ": " << f[m * N + n] << " vs " << r[m * N + n];
    }
  return ::testing::AssertionSuccess();
}

bool bitwise_equal(const Tensor& a, const Tensor& b) {
  const auto x = a.to_floats(), y = b.to_floats();
  return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size() * sizeof(float)) == 0;
}

}  // namespace

TEST(Quant, TraitsMatchGgufBlockSizes) {
  for (QuantType t : kAll) {
    SCOPED_TRACE(name(t));
    const auto tr = ops::quant_traits(static_cast<uint32_t>(t));
    ASSERT_TRUE(tr.has_value());
    EXPECT_EQ(tr->type, t);
    // gguf-py's byte shape of the fixture rows is the row size we compute from the traits.
    EXPECT_EQ(ops::quant_row_bytes(t, kCols), load(t).at("blocks").size(1));
    EXPECT_EQ(kCols % tr->block_size, 0);
  }
  // Float and integer ggml types, Q8_1 / Q8_K (activation-only formats) and unknown ids are not ours.
  for (uint32_t id : {0u, 1u, 9u, 15u, 16u, 30u, 39u, 1000u}) EXPECT_FALSE(ops::quant_traits(id).has_value()) << id;
}

TEST(Quant, DequantizeEqualsGgufPyBitForBit) {
  // The CPU mode runs the AVX2 block decoders (those of the decode kernel) where the CPU has them,
  // then the portable ones.
  for (bool portable : {false, true}) {
    ops::kernels::cpu::force_portable_quant(portable);
    for (QuantType t : kAll) {
      const ModelInputs f = load(t);
      testutil::with_each_kernel_mode(name(t) + (portable ? " portable" : ""), [&] {
        const Tensor d = ops::dequantize(f.at("blocks"), t, kCols);
        EXPECT_EQ(d.shape(), f.at("dequantized").shape());
        EXPECT_TRUE(bitwise_equal(d, f.at("dequantized")));
      });
    }
  }
  ops::kernels::cpu::force_portable_quant(false);
}

TEST(Quant, LinearMatchesPythonOnTheDequantizedWeight) {
  for (QuantType t : kAll) {
    const ModelInputs f = load(t);
    testutil::with_each_kernel_mode(name(t), [&] {
      EXPECT_TRUE(allclose(ops::linear_quantized(f.at("x"), f.at("blocks"), t, kCols), f.at("y")));
    });
  }
}

TEST(Quant, CpuKernelsMatchReference) {
  constexpr int64_t K = 512, N = 37;  // N: not a multiple of any thread or register tile
  for (bool portable : {false, true}) {  // the AVX2 decode kernels, then the loop CPUs without AVX2 run
    ops::kernels::cpu::force_portable_quant(portable);
    for (QuantType t : kAll) {
      const Tensor w = tiled_weight(load(t).at("blocks"), N, K);
      const Tensor w_deq = ops::dequantize(w, t, K);
      const Tensor bias = randn({N}, 7);
      for (int64_t M : {1, 3, 17, 64})
        for (bool with_bias : {false, true}) {
          SCOPED_TRACE(name(t) + " M=" + std::to_string(M) + (with_bias ? " bias" : "") + (portable ? " portable" : ""));
          const Tensor x = randn({M, K}, 100 + M);
          const Tensor b = with_bias ? bias : Tensor();
          ops::set_reference_mode(true);
          const Tensor ref = ops::linear_quantized(x, w, t, K, b);
          ops::set_reference_mode(false);
          const Tensor fast = ops::linear_quantized(x, w, t, K, b);
          EXPECT_EQ(fast.shape(), (Shape{M, N}));
          EXPECT_TRUE(close_to_reference(fast, ref, x, w_deq, b));
        }
      // 3-D activations keep their leading dims.
      const Tensor x3 = randn({2, 3, K}, 9);
      const Tensor y3 = ops::linear_quantized(x3, w, t, K, bias);
      EXPECT_EQ(y3.shape(), (Shape{2, 3, N}));
      ops::set_reference_mode(true);
      const Tensor r3 = ops::linear_quantized(x3, w, t, K, bias);
      ops::set_reference_mode(false);
      EXPECT_TRUE(close_to_reference(y3.view({6, N}), r3.view({6, N}), x3.view({6, K}), w_deq, bias)) << name(t);
    }
  }
  ops::kernels::cpu::force_portable_quant(false);
}

TEST(Quant, BatchInvariantRowsDoNotDependOnTheBatch) {
  constexpr int64_t K = 768, N = 45;
  ops::set_batch_invariant(true);
  for (bool portable : {false, true}) {
    ops::kernels::cpu::force_portable_quant(portable);
    for (QuantType t : kAll) {
      SCOPED_TRACE(name(t) + (portable ? " portable" : ""));
      const Tensor w = tiled_weight(load(t).at("blocks"), N, K);
      const Tensor bias = randn({N}, 3);
      for (int64_t M : {7, 40}) {  // a decode-sized batch and a prefill-sized one
        const Tensor x = randn({M, K}, 11 + M);
        const Tensor all = ops::linear_quantized(x, w, t, K, bias);
        for (int64_t m : {int64_t{0}, int64_t{3}, M - 1}) {
          const Tensor one = ops::linear_quantized(x.slice(0, m, m + 1), w, t, K, bias);
          EXPECT_TRUE(bitwise_equal(one, all.slice(0, m, m + 1))) << "M=" << M << " row " << m;
        }
      }
    }
  }
  ops::kernels::cpu::force_portable_quant(false);
  ops::set_batch_invariant(false);
}

TEST(Quant, BadArgumentsAreTypedErrors) {
  const ModelInputs f = load(QuantType::Q4_K);
  const Tensor& blocks = f.at("blocks");
  // Rows that are not whole blocks.
  EXPECT_THROW(ops::quant_row_bytes(QuantType::Q4_K, 100), ShapeMismatch);
  EXPECT_THROW(ops::quant_row_bytes(QuantType::Q8_0, 33), ShapeMismatch);
  EXPECT_THROW(ops::dequantize(blocks, QuantType::Q4_K, 128), ShapeMismatch);
  EXPECT_THROW(ops::dequantize(blocks, QuantType::Q4_K, 0), ShapeMismatch);
  EXPECT_THROW(ops::dequantize(blocks, QuantType::Q4_K, -256), ShapeMismatch);
  // Blocks whose row size does not match the type and length, or that are not bytes.
  EXPECT_THROW(ops::dequantize(blocks, QuantType::Q6_K, kCols), ShapeMismatch);
  EXPECT_THROW(ops::dequantize(blocks, QuantType::Q4_K, 512), ShapeMismatch);
  EXPECT_THROW(ops::dequantize(blocks.view({-1}), QuantType::Q4_K, kCols), ShapeMismatch);
  EXPECT_THROW(ops::dequantize(blocks.to(DType::F32), QuantType::Q4_K, kCols), UnsupportedDType);
  EXPECT_THROW(ops::dequantize(Tensor(), QuantType::Q4_K, kCols), ValueError);
  EXPECT_THROW(ops::dequantize(blocks, static_cast<QuantType>(99), kCols), UnsupportedDType);
  EXPECT_THROW(ops::quant_traits(static_cast<QuantType>(1)), UnsupportedDType);
  // Activations whose last dim is not K, a bias of the wrong size, bad blocks.
  const Tensor x = f.at("x");
  EXPECT_THROW(ops::linear_quantized(x.slice(1, 0, 255), blocks, QuantType::Q4_K, kCols), ShapeMismatch);
  EXPECT_THROW(ops::linear_quantized(x, blocks, QuantType::Q4_K, 512), ShapeMismatch);
  EXPECT_THROW(ops::linear_quantized(x, blocks, QuantType::Q4_K, kCols, randn({4}, 1)), ShapeMismatch);
  EXPECT_THROW(ops::linear_quantized(x, blocks, QuantType::Q4_K, 100), ShapeMismatch);
  EXPECT_THROW(ops::linear_quantized(x, blocks.to(DType::I32), QuantType::Q4_K, kCols), UnsupportedDType);
  EXPECT_THROW(ops::linear_quantized(Tensor(), blocks, QuantType::Q4_K, kCols), ValueError);
  EXPECT_THROW(ops::linear_quantized(Tensor::zeros({}), blocks, QuantType::Q4_K, kCols), ShapeMismatch);
  // Empty batches are fine.
  EXPECT_EQ(ops::linear_quantized(Tensor::zeros({0, kCols}), blocks, QuantType::Q4_K, kCols).shape(), (Shape{0, 3}));
}
