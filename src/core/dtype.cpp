#include "transformers/dtype.hpp"

#include <cmath>

#include "transformers/errors.hpp"

namespace transformers {

size_t dtype_size(DType dt) {
  switch (dt) {
    case DType::F64: case DType::I64: return 8;
    case DType::F32: case DType::I32: return 4;
    case DType::F16: case DType::BF16: case DType::I16: return 2;
    case DType::I8: case DType::U8: case DType::Bool: case DType::F8_E4M3: case DType::F8_E5M2: return 1;
  }
  return 0;
}

bool is_floating(DType dt) {
  switch (dt) {
    case DType::F32: case DType::F16: case DType::BF16: case DType::F64: case DType::F8_E4M3:
    case DType::F8_E5M2: return true;
    default: return false;
  }
}

namespace {
struct Names { DType dt; const char* torch; const char* st; };
constexpr Names kNames[] = {
    {DType::F32, "float32", "F32"},   {DType::F16, "float16", "F16"},   {DType::BF16, "bfloat16", "BF16"},
    {DType::F64, "float64", "F64"},   {DType::I64, "int64", "I64"},     {DType::I32, "int32", "I32"},
    {DType::I16, "int16", "I16"},     {DType::I8, "int8", "I8"},        {DType::U8, "uint8", "U8"},
    {DType::Bool, "bool", "BOOL"},    {DType::F8_E4M3, "float8_e4m3fn", "F8_E4M3"},
    {DType::F8_E5M2, "float8_e5m2", "F8_E5M2"},
};
}  // namespace

std::string dtype_name(DType dt) {
  for (const auto& n : kNames) if (n.dt == dt) return n.torch;
  return "?";
}

DType dtype_from_name(const std::string& raw) {
  std::string s = raw.rfind("torch.", 0) == 0 ? raw.substr(6) : raw;
  for (const auto& n : kNames) if (s == n.torch) return n.dt;
  if (s == "float" || s == "f32" || s == "fp32") return DType::F32;
  if (s == "half" || s == "f16" || s == "fp16") return DType::F16;
  if (s == "bf16") return DType::BF16;
  if (s == "double" || s == "f64") return DType::F64;
  if (s == "long") return DType::I64;
  if (s == "int") return DType::I32;
  throw UnsupportedDType("unknown dtype name '" + raw + "'");
}

std::string dtype_safetensors_name(DType dt) {
  for (const auto& n : kNames) if (n.dt == dt) return n.st;
  return "?";
}

DType dtype_from_safetensors(const std::string& s) {
  for (const auto& n : kNames) if (s == n.st) return n.dt;
  throw UnsupportedDType("safetensors dtype '" + s + "' is not supported");
}

float f16_to_f32(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ffu;
  uint32_t u;
  if (exp == 0) {
    if (mant == 0) {
      u = sign;
    } else {  // subnormal: renormalize
      int e = -1;
      do { ++e; mant <<= 1; } while ((mant & 0x400u) == 0);
      u = sign | (static_cast<uint32_t>(127 - 15 - e) << 23) | ((mant & 0x3ffu) << 13);
    }
  } else if (exp == 31) {
    u = sign | 0x7f800000u | (mant << 13);
  } else {
    u = sign | ((exp + 112) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

uint16_t f32_to_f16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  const uint32_t sign = (u >> 16) & 0x8000u;
  const uint32_t absu = u & 0x7fffffffu;
  if (absu > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7e00u);  // NaN stays NaN
  const int e = static_cast<int>(absu >> 23) - 127 + 15;
  uint32_t mant = absu & 0x7fffffu;
  if (e >= 31) return static_cast<uint16_t>(sign | 0x7c00u);
  uint32_t r, rem, half;
  if (e <= 0) {  // f16 subnormal: shift the full significand, then round half to even
    const int shift = 14 - e;
    if (shift > 25) return static_cast<uint16_t>(sign);
    mant |= 0x800000u;
    r = mant >> shift;
    rem = mant & ((1u << shift) - 1);
    half = 1u << (shift - 1);
  } else {
    r = (static_cast<uint32_t>(e) << 10) | (mant >> 13);
    rem = mant & 0x1fffu;
    half = 0x1000u;
  }
  if (rem > half || (rem == half && (r & 1u))) ++r;  // a carry into the exponent is the right answer
  return static_cast<uint16_t>(sign | r);
}

float f8e4m3_to_f32(uint8_t v) {
  // e4m3fn: bias 7, no infinities, 0x7f / 0xff are NaN.
  int sign = v >> 7, exp = (v >> 3) & 0xf, mant = v & 7;
  float r;
  if (exp == 0xf && mant == 7) return std::nanf("");
  if (exp == 0) r = std::ldexp(static_cast<float>(mant), -9);
  else r = std::ldexp(1.0f + mant / 8.0f, exp - 7);
  return sign ? -r : r;
}

float f8e5m2_to_f32(uint8_t v) { return f16_to_f32(static_cast<uint16_t>(v) << 8); }

}  // namespace transformers
