#pragma once
// HF's DynamicCache for decoder self-attention: per layer K and V in [B, Hkv, capacity, D] storage
// that grows by doubling (or is reserved once for a known max length); attention reads views.
#include <utility>
#include <vector>

#include "transformers/tensor.hpp"

namespace transformers::nn {

class KVCache {
 public:
  KVCache() = default;
  explicit KVCache(int64_t num_layers, int64_t reserve_tokens = 0) : layers_(static_cast<size_t>(num_layers)), reserve_(reserve_tokens) {}
  // Appends k, v [B, S, Hkv, D] (the projection layout) to `layer`; returns [B, Hkv, T, D] views
  // of everything cached for it.
  std::pair<Tensor, Tensor> update(int64_t layer, const Tensor& k, const Tensor& v);
  // Tokens cached so far (layer 0), HF's get_seq_length().
  int64_t get_seq_length() const { return layers_.empty() ? 0 : layers_[0].len; }
  // Beam search: row i of the new cache is row beam_idx[i] of the old one.
  void reorder_cache(const std::vector<int64_t>& beam_idx);
  int64_t num_layers() const { return static_cast<int64_t>(layers_.size()); }

 private:
  struct Layer {
    Tensor k, v;  // [B, Hkv, cap, D]
    int64_t len = 0;
  };
  std::vector<Layer> layers_;
  int64_t reserve_ = 0;
};

}  // namespace transformers::nn
