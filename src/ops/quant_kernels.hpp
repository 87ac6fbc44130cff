#pragma once
// Kernel signatures of the block-quantized ops (ops/quant.hpp), shared by the reference and CPU
// implementations, and the per-block decoders: one block of type_size bytes -> block_size floats
// with exactly gguf-py's fp32 arithmetic (each product and sum rounded on its own, no FMA).
#include <cstdint>

#include "ops/quant.hpp"

namespace transformers::ops::kernels {

// rows x row_bytes bytes -> rows x cols floats.
using DequantizeFn = void (*)(const uint8_t* blocks, QuantType t, int64_t rows, int64_t cols, float* out);

struct QuantLinearArgs {
  int64_t M = 0, N = 0, K = 0;
  const float* x = nullptr;    // [M, K]
  const uint8_t* w = nullptr;  // [N, row_bytes]
  QuantType type = QuantType::Q8_0;
  int64_t row_bytes = 0;
  const float* bias = nullptr;  // [N] or null
  float* y = nullptr;           // [M, N]
};
using QuantLinearFn = void (*)(const QuantLinearArgs&);

// One block's decoder, by type.
using BlockDecoder = void (*)(const uint8_t* block, float* y);
BlockDecoder block_decoder(QuantType t);

namespace reference {
void dequantize(const uint8_t* blocks, QuantType t, int64_t rows, int64_t cols, float* out);
void linear_quantized(const QuantLinearArgs& a);
}  // namespace reference

namespace cpu {
void dequantize(const uint8_t* blocks, QuantType t, int64_t rows, int64_t cols, float* out);
void linear_quantized(const QuantLinearArgs& a);
// Tests: the portable decode loop even where AVX2 is available (it is what CPUs without AVX2 run).
void force_portable_quant(bool on);
}  // namespace cpu

}  // namespace transformers::ops::kernels
