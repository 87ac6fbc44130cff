#pragma once
// Mixture-of-experts plumbing shared by the MoE families (Mixtral, Qwen3-MoE, gpt-oss, DeepSeek-V3).
#include <algorithm>
#include <utility>
#include <vector>

#include "transformers/tensor.hpp"

namespace transformers::nn {

// routed[e] = (token, weight) pairs sent to expert e.
using Routing = std::vector<std::vector<std::pair<int64_t, float>>>;

// Runs each expert on its routed tokens and sums the weighted outputs per token in expert order
// (HF's index_add_ loop).
template <typename F>
Tensor scatter_experts(const Tensor& flat, const Routing& routed, const Shape& shape, F&& expert) {
  const int64_t T = flat.size(0), H = flat.size(1);
  Tensor out = Tensor::zeros({T, H});
  for (size_t e = 0; e < routed.size(); ++e) {
    const auto& r = routed[e];
    if (r.empty()) continue;
    Tensor in = Tensor::empty({static_cast<int64_t>(r.size()), H});
    for (size_t i = 0; i < r.size(); ++i) std::copy_n(flat.data<float>() + r[i].first * H, H, in.data<float>() + i * H);
    Tensor y = expert(static_cast<int64_t>(e), in).contiguous();
    for (size_t i = 0; i < r.size(); ++i) {
      float* o = out.data<float>() + r[i].first * H;
      const float* yi = y.data<float>() + i * H;
      for (int64_t h = 0; h < H; ++h) o[h] += yi[h] * r[i].second;
    }
  }
  return out.view(shape);
}

}  // namespace transformers::nn
