#include "core/elementwise.hpp"

#include <cstring>

#include "transformers/errors.hpp"

namespace transformers::detail {

double load(const void* base, DType dt, int64_t i) {
  switch (dt) {
    case DType::F32: return static_cast<const float*>(base)[i];
    case DType::F64: return static_cast<const double*>(base)[i];
    case DType::F16: return f16_to_f32(static_cast<const uint16_t*>(base)[i]);
    case DType::BF16: return bf16_to_f32(static_cast<const uint16_t*>(base)[i]);
    case DType::I64: return static_cast<double>(static_cast<const int64_t*>(base)[i]);
    case DType::I32: return static_cast<const int32_t*>(base)[i];
    case DType::I16: return static_cast<const int16_t*>(base)[i];
    case DType::I8: return static_cast<const int8_t*>(base)[i];
    case DType::U8: return static_cast<const uint8_t*>(base)[i];
    case DType::Bool: return static_cast<const uint8_t*>(base)[i] ? 1.0 : 0.0;
    case DType::F8_E4M3: return f8e4m3_to_f32(static_cast<const uint8_t*>(base)[i]);
    case DType::F8_E5M2: return f8e5m2_to_f32(static_cast<const uint8_t*>(base)[i]);
  }
  return 0;
}

void store(void* base, DType dt, int64_t i, double v) {
  switch (dt) {
    case DType::F32: static_cast<float*>(base)[i] = static_cast<float>(v); return;
    case DType::F64: static_cast<double*>(base)[i] = v; return;
    case DType::F16: static_cast<uint16_t*>(base)[i] = f32_to_f16(static_cast<float>(v)); return;
    case DType::BF16: static_cast<uint16_t*>(base)[i] = f32_to_bf16(static_cast<float>(v)); return;
    case DType::I64: static_cast<int64_t*>(base)[i] = static_cast<int64_t>(v); return;
    case DType::I32: static_cast<int32_t*>(base)[i] = static_cast<int32_t>(v); return;
    case DType::I16: static_cast<int16_t*>(base)[i] = static_cast<int16_t>(v); return;
    case DType::I8: static_cast<int8_t*>(base)[i] = static_cast<int8_t>(v); return;
    case DType::U8: static_cast<uint8_t*>(base)[i] = static_cast<uint8_t>(v); return;
    case DType::Bool: static_cast<uint8_t*>(base)[i] = v != 0.0; return;
    case DType::F8_E4M3: case DType::F8_E5M2:
      throw UnsupportedDType("writing float8 tensors is not supported (read-and-cast only)");
  }
}

void fill(void* base, DType dt, int64_t n, double v) {
  for (int64_t i = 0; i < n; ++i) store(base, dt, i, v);
}

void cast(const void* src, DType sdt, void* dst, DType ddt, int64_t n) {
  if (sdt == ddt) {
    std::memcpy(dst, src, static_cast<size_t>(n) * dtype_size(sdt));
    return;
  }
  // The weight-loading hot paths get straight loops; everything else goes through double.
  if (sdt == DType::BF16 && ddt == DType::F32) {
    auto* s = static_cast<const uint16_t*>(src);
    auto* d = static_cast<float*>(dst);
#pragma omp parallel for if (n > 65536)
    for (int64_t i = 0; i < n; ++i) d[i] = bf16_to_f32(s[i]);
    return;
  }
  if (sdt == DType::F32 && ddt == DType::BF16) {
    auto* s = static_cast<const float*>(src);
    auto* d = static_cast<uint16_t*>(dst);
#pragma omp parallel for if (n > 65536)
    for (int64_t i = 0; i < n; ++i) d[i] = f32_to_bf16(s[i]);
    return;
  }
  if (sdt == DType::F16 && ddt == DType::F32) {
    auto* s = static_cast<const uint16_t*>(src);
    auto* d = static_cast<float*>(dst);
#pragma omp parallel for if (n > 65536)
    for (int64_t i = 0; i < n; ++i) d[i] = f16_to_f32(s[i]);
    return;
  }
  for (int64_t i = 0; i < n; ++i) store(dst, ddt, i, load(src, sdt, i));
}

void strided_copy(const Tensor& src, Tensor& dst) {
  const size_t es = dtype_size(src.dtype());
  const char* s = static_cast<const char*>(src.data_ptr());
  char* d = static_cast<char*>(dst.data_ptr());
  if (src.is_contiguous()) {
    std::memcpy(d, s, src.nbytes());
    return;
  }
  const auto& shape = src.shape();
  const auto& strides = src.strides();
  const int64_t nd = static_cast<int64_t>(shape.size());
  if (nd == 0 || src.numel() == 0) {
    if (src.numel()) std::memcpy(d, s, es);
    return;
  }
  // Row by row over the last dimension (one memcpy when it is contiguous, as after a permute of
  // the outer dimensions), rows spread over the threads.
  const int64_t cols = shape[nd - 1], rows = src.numel() / cols, cstride = strides[nd - 1];
#pragma omp parallel for schedule(static) if (src.numel() > 32768)
  for (int64_t r = 0; r < rows; ++r) {
    int64_t off = 0;
    for (int64_t k = nd - 2, rest = r; k >= 0; --k) {
      off += (rest % shape[k]) * strides[k];
      rest /= shape[k];
    }
    char* out = d + r * cols * static_cast<int64_t>(es);
    const char* in = s + off * static_cast<int64_t>(es);
    if (cstride == 1) {
      std::memcpy(out, in, static_cast<size_t>(cols) * es);
    } else {
      for (int64_t c = 0; c < cols; ++c) std::memcpy(out + c * static_cast<int64_t>(es), in + c * cstride * static_cast<int64_t>(es), es);
    }
  }
}

}  // namespace transformers::detail
