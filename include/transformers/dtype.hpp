#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "transformers/export.hpp"

namespace transformers {

enum class DType : uint8_t { F32, F16, BF16, F64, I64, I32, I16, I8, U8, Bool, F8_E4M3, F8_E5M2 };

TRANSFORMERS_API size_t dtype_size(DType dt);
TRANSFORMERS_API bool is_floating(DType dt);
// torch-style name ("float32", "bfloat16"): what config.json's `dtype` / `torch_dtype` holds.
TRANSFORMERS_API std::string dtype_name(DType dt);
// Accepts torch names with or without "torch." and the short forms ("f32", "bf16", "fp16").
TRANSFORMERS_API DType dtype_from_name(const std::string& name);
// safetensors header names ("F32", "BF16", "F8_E4M3"); throws UnsupportedDType for others.
TRANSFORMERS_API std::string dtype_safetensors_name(DType dt);
TRANSFORMERS_API DType dtype_from_safetensors(const std::string& name);

// Exact IEEE conversions, round-to-nearest-even on the way down, NaN kept quiet.
inline float bf16_to_f32(uint16_t h) {
  uint32_t u = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
inline uint16_t f32_to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40u);  // NaN
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}
TRANSFORMERS_API float f16_to_f32(uint16_t h);
TRANSFORMERS_API uint16_t f32_to_f16(float f);
TRANSFORMERS_API float f8e4m3_to_f32(uint8_t v);
TRANSFORMERS_API float f8e5m2_to_f32(uint8_t v);

}  // namespace transformers
