#pragma once
// Mixture-of-experts plumbing shared by the MoE families (Mixtral, Qwen3-MoE, gpt-oss, DeepSeek-V3).
#include <string>
#include <vector>

#include "ops/ops.hpp"
#include "transformers/errors.hpp"
#include "transformers/tensor.hpp"

namespace transformers::nn {

// Runs each expert on the tokens routed to it and adds its outputs, weighted, per token in expert
// order (HF's index_add_ loop). `experts` [T, K] (integers) and `weights` [T, K] are each token's
// top-k choice; only the bookkeeping of which tokens an expert sees runs on the host.
template <typename F>
Tensor scatter_experts(const Tensor& flat, const Tensor& weights, const Tensor& experts, int64_t num_experts, const Shape& shape, F&& expert) {
  const int64_t T = flat.size(0), H = flat.size(1), K = experts.size(-1);
  const std::vector<int64_t> choice = experts.to_ints();
  std::vector<std::vector<int64_t>> tokens(static_cast<size_t>(num_experts)), slots(static_cast<size_t>(num_experts));
  for (int64_t t = 0; t < T; ++t)
    for (int64_t k = 0; k < K; ++k) {
      const int64_t e = choice[static_cast<size_t>(t * K + k)];
      if (e < 0 || e >= num_experts) throw ValueError("moe: expert index " + std::to_string(e) + " is out of range");
      tokens[static_cast<size_t>(e)].push_back(t);
      slots[static_cast<size_t>(e)].push_back(t * K + k);
    }
  Tensor out = Tensor::zeros({T, H});
  const Tensor w = weights.reshape({T * K, 1});
  for (int64_t e = 0; e < num_experts; ++e) {
    const auto& tk = tokens[static_cast<size_t>(e)];
    if (tk.empty()) continue;
    const auto n = static_cast<int64_t>(tk.size());
    const Tensor idx = Tensor::from_ints(tk, {n});
    const Tensor y = expert(e, ops::gather_rows(flat, idx));
    ops::index_add_(out, idx, y, ops::gather_rows(w, Tensor::from_ints(slots[static_cast<size_t>(e)], {n})).view({n}));
  }
  return out.view(shape);
}

}  // namespace transformers::nn
