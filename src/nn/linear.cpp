// Load-time transforms of Linear layers.
#include <algorithm>
#include <cmath>

#include "nn/layers.hpp"
#include "transformers/errors.hpp"

namespace transformers::nn {

void Linear::quantize_int8() {
  if (weight.dtype() == DType::I8 || quant_type) return;  // already quantized (int8, or GGUF blocks)
  const DType dt = weight.dtype();
  if (dt != DType::F32 && dt != DType::BF16 && dt != DType::F16) throw UnsupportedDType("quantize_int8: weight is " + dtype_name(dt));
  const Tensor w = weight.contiguous();
  const int64_t N = w.size(0), K = w.size(1);
  Tensor q = Tensor::empty({N, K}, DType::I8);
  weight_scale = Tensor::empty({N});
  int8_t* pq = q.data<int8_t>();
  float* ps = weight_scale.data<float>();
  const float* pf = dt == DType::F32 ? w.data<float>() : nullptr;
  const uint16_t* ph = dt == DType::F32 ? nullptr : w.data<uint16_t>();
  // Row by row from the stored dtype: no full fp32 copy of the weight.
#pragma omp parallel
  {
    std::vector<float> row(static_cast<size_t>(K));
#pragma omp for
    for (int64_t n = 0; n < N; ++n) {
      const int64_t base = n * K;
      if (dt == DType::F32) std::copy_n(pf + base, K, row.data());
      else if (dt == DType::BF16) for (int64_t k = 0; k < K; ++k) row[k] = bf16_to_f32(ph[base + k]);
      else for (int64_t k = 0; k < K; ++k) row[k] = f16_to_f32(ph[base + k]);
      float amax = 0.0f;
      for (int64_t k = 0; k < K; ++k) amax = std::max(amax, std::fabs(row[k]));
      // Symmetric per-output-channel absmax, as bitsandbytes / torchao int8 weight-only.
      const float scale = amax > 0 ? amax / 127.0f : 1.0f;
      ps[n] = scale;
      const float inv = 1.0f / scale;
      for (int64_t k = 0; k < K; ++k) pq[base + k] = static_cast<int8_t>(std::nearbyint(std::clamp(row[k] * inv, -127.0f, 127.0f)));
    }
  }
  weight = q;
}

}  // namespace transformers::nn
