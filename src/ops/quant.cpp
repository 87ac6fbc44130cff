// Front-ends of the block-quantized ops (ops/quant.hpp): the ggml traits table, argument checks
// with typed errors, then the kernel from the one dispatch point.
#include "ops/quant.hpp"

#include <array>
#include <string>

#include "ops/dispatch.hpp"
#include "ops/frontend.hpp"
#include "ops/quant_kernels.hpp"
#include "transformers/errors.hpp"

namespace transformers::ops {
namespace k = kernels;

namespace {

// Block and type sizes as gguf-py's GGML_QUANT_SIZES (gguf 0.19.0), with QK_K = 256.
constexpr std::array<QuantTraits, 12> kTraits{{
    {QuantType::Q4_0, "Q4_0", 32, 2 + 16},
    {QuantType::Q4_1, "Q4_1", 32, 2 + 2 + 16},
    {QuantType::Q5_0, "Q5_0", 32, 2 + 4 + 16},
    {QuantType::Q5_1, "Q5_1", 32, 2 + 2 + 4 + 16},
    {QuantType::Q8_0, "Q8_0", 32, 2 + 32},
    {QuantType::Q2_K, "Q2_K", 256, 2 + 2 + 256 / 16 + 256 / 4},
    {QuantType::Q3_K, "Q3_K", 256, 2 + 256 / 4 + 256 / 8 + 12},
    {QuantType::Q4_K, "Q4_K", 256, 2 + 2 + 256 / 2 + 12},
    {QuantType::Q5_K, "Q5_K", 256, 2 + 2 + 256 / 2 + 256 / 8 + 12},
    {QuantType::Q6_K, "Q6_K", 256, 2 + 256 / 2 + 256 / 4 + 256 / 16},
    {QuantType::IQ4_NL, "IQ4_NL", 32, 2 + 16},
    {QuantType::IQ4_XS, "IQ4_XS", 256, 2 + 2 + 256 / 2 + 256 / 64},
}};

const OpTable<k::DequantizeFn> kDequantize{"dequantize", k::reference::dequantize, k::cpu::dequantize};
const OpTable<k::QuantLinearFn> kLinearQuantized{"linear_quantized", k::reference::linear_quantized, k::cpu::linear_quantized};

// The U8 block tensor of `rows` rows of `cols` weights, contiguous, or a typed error.
Tensor checked_blocks(const Tensor& blocks, QuantType t, int64_t cols, const char* op) {
  require_defined(blocks, op, "blocks");
  const QuantTraits& tr = quant_traits(t);
  if (blocks.dtype() != DType::U8)
    throw UnsupportedDType(std::string(op) + ": " + std::string(tr.name) + " blocks must be uint8, got " + dtype_name(blocks.dtype()));
  if (cols <= 0) throw ShapeMismatch(std::string(op) + ": the row length must be positive, got " + std::to_string(cols));
  const int64_t rb = quant_row_bytes(t, cols);
  if (blocks.dim() != 2 || blocks.size(1) != rb)
    throw ShapeMismatch(std::string(op) + ": " + std::string(tr.name) + " rows of " + std::to_string(cols) + " weights are " +
                        std::to_string(rb) + " bytes, blocks are " + shape_str(blocks.shape()));
  return blocks.contiguous();
}

}  // namespace

std::optional<QuantTraits> quant_traits(uint32_t ggml_type) {
  for (const QuantTraits& t : kTraits)
    if (static_cast<uint32_t>(t.type) == ggml_type) return t;
  return std::nullopt;
}

const QuantTraits& quant_traits(QuantType t) {
  for (const QuantTraits& tr : kTraits)
    if (tr.type == t) return tr;
  throw UnsupportedDType("ggml type id " + std::to_string(static_cast<uint32_t>(t)) + " is not a block format we compute on");
}

int64_t quant_row_bytes(QuantType t, int64_t cols) {
  const QuantTraits& tr = quant_traits(t);
  if (cols < 0 || cols % tr.block_size != 0)
    throw ShapeMismatch(std::string(tr.name) + ": a row of " + std::to_string(cols) + " weights is not a whole number of " +
                        std::to_string(tr.block_size) + "-weight blocks");
  return cols / tr.block_size * tr.type_size;
}

Tensor dequantize(const Tensor& blocks0, QuantType t, int64_t cols) {
  const Tensor blocks = checked_blocks(blocks0, t, cols, "dequantize");
  const int64_t rows = blocks.size(0);
  Tensor out = Tensor::empty({rows, cols}, DType::F32, blocks.device());
  if (rows > 0) pick(kDequantize, blocks.device())(blocks.data<uint8_t>(), t, rows, cols, out.data<float>());
  return out;
}

Tensor linear_quantized(const Tensor& x, const Tensor& blocks0, QuantType t, int64_t K, const Tensor& bias) {
  require_defined(x, "linear_quantized", "input");
  const Tensor blocks = checked_blocks(blocks0, t, K, "linear_quantized");
  if (x.dim() < 1 || x.size(-1) != K)
    throw ShapeMismatch("linear_quantized: input " + shape_str(x.shape()) + " does not end in K = " + std::to_string(K));
  const int64_t N = blocks.size(0);
  Tensor bf;
  if (bias.defined()) {
    if (bias.numel() != N)
      throw ShapeMismatch("linear_quantized: bias " + shape_str(bias.shape()) + " does not match " + std::to_string(N) + " outputs");
    bf = f32c(bias);
  }
  Tensor xf = f32c(x);
  Shape out_shape = x.shape();
  out_shape.back() = N;
  Tensor y = Tensor::empty(out_shape, DType::F32, x.device());
  k::QuantLinearArgs a;
  a.M = xf.numel() / K;
  a.N = N;
  a.K = K;
  a.x = xf.data<float>();
  a.w = blocks.data<uint8_t>();
  a.type = t;
  a.row_bytes = blocks.size(1);
  a.bias = bf.defined() ? bf.data<float>() : nullptr;
  a.y = y.data<float>();
  if (a.M > 0 && N > 0) pick(kLinearQuantized, x.device())(a);
  return y;
}

}  // namespace transformers::ops
