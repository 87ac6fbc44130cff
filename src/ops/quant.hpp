#pragma once
// Block-quantized weight formats, named and numbered as ggml names them (GGUF stores these ids),
// so one kernel family serves GGUF files and any format converted to them at load. A quantized
// [N, K] weight is held as U8 [N, row_bytes(type, K)]: each row is K / block_size blocks of
// type_size bytes, laid out exactly as in the GGUF file (little-endian f16 scales inside).
#include <cstdint>
#include <optional>
#include <string_view>

#include "transformers/tensor.hpp"

namespace transformers::ops {

enum class QuantType : uint32_t {
  Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8,
  Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14,
  IQ4_NL = 20, IQ4_XS = 23,
};

struct QuantTraits {
  QuantType type;
  std::string_view name;   // ggml's name: "Q4_0", "Q4_K", ...
  int64_t block_size;      // weights per block
  int64_t type_size;       // bytes per block
};

// The traits of ggml type id `ggml_type`, or nullopt when it is not a block format we compute on.
std::optional<QuantTraits> quant_traits(uint32_t ggml_type);
const QuantTraits& quant_traits(QuantType t);
// Bytes of one row of `cols` weights; throws ShapeMismatch when cols is not a multiple of the block.
int64_t quant_row_bytes(QuantType t, int64_t cols);

// blocks U8 [rows, quant_row_bytes(t, cols)] -> f32 [rows, cols], as gguf-py's dequantize.
Tensor dequantize(const Tensor& blocks, QuantType t, int64_t cols);
// y = x W^T + bias with W [N, K] held as blocks U8 [N, quant_row_bytes(t, K)]; x [..., K] f32.
// Weight-only: activations and accumulation stay fp32, so the result equals
// linear(x, dequantize(W)) up to fp32 summation order.
Tensor linear_quantized(const Tensor& x, const Tensor& blocks, QuantType t, int64_t K, const Tensor& bias = {});

}  // namespace transformers::ops
