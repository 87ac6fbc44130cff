// Load-time transforms of Linear layers.
#include <algorithm>
#include <cmath>

#include "nn/layers.hpp"
#include "transformers/errors.hpp"

namespace transformers::nn {

void Linear::quantize_int8() {
  if (weight.dtype() == DType::I8) return;
  const DType dt = weight.dtype();
  if (dt != DType::F32 && dt != DType::BF16 && dt != DType::F16) throw UnsupportedDType("quantize_int8: weight is " + dtype_name(dt));
  const Tensor w = weight.contiguous();
  const int64_t N = w.size(0), K = w.size(1);
  Tensor q = Tensor::empty({N, K}, DType::I8);
  weight_scale = Tensor::empty({N});
  int8_t* pq = q.data<int8_t>();
  // Row by row from the stored dtype: no full fp32 copy of the weight.
#pragma omp parallel
  {
    std::vector<float> row(static_cast<size_t>(K));
#pragma omp for
    for (int64_t n = 0; n < N; ++n) {
      for (int64_t k = 0; k < K; ++k) {
        const int64_t i = n * K + k;
        row[k] = dt == DType::F32 ? w.data<float>()[i] : dt == DType::BF16 ? bf16_to_f32(w.data<uint16_t>()[i]) : f16_to_f32(w.data<uint16_t>()[i]);
      }
      float amax = 0.0f;
      for (float v : row) amax = std::max(amax, std::fabs(v));
      // Symmetric per-output-channel absmax, as bitsandbytes / torchao int8 weight-only.
      const float scale = amax > 0 ? amax / 127.0f : 1.0f;
      weight_scale.data<float>()[n] = scale;
      for (int64_t k = 0; k < K; ++k) pq[n * K + k] = static_cast<int8_t>(std::lrint(std::clamp(row[k] / scale, -127.0f, 127.0f)));
    }
  }
  weight = q;
}

}  // namespace transformers::nn
