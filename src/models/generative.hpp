#pragma once
// What generate() needs from a language model: a cached forward step. Decoder-only families
// implement it; the generation loop itself lives in src/generation.
#include "models/modeling_utils.hpp"
#include "nn/kv_cache.hpp"

namespace transformers {

class GenerativeModel : public Model {
 public:
  using Model::Model;
  // New tokens input_ids [B, S] at position_ids [B, S]; attention_mask [B, past + S] (0/1) covers
  // the cached tokens too. Returns logits [B, S, V], or [B, 1, V] with last_only.
  virtual Tensor forward_cached(const Tensor& input_ids, const Tensor& position_ids, const Tensor& attention_mask,
                                nn::KVCache& cache, bool last_only) = 0;
  virtual int64_t num_cache_layers() const = 0;
  // The longest sequence the position scheme allows (max_position_embeddings), or 0 when unbounded.
  virtual int64_t max_positions() const { return config().get_int("max_position_embeddings", 0); }
  GenerateOutput generate(const Tensor& input_ids, const GenerationConfig& config, const Tensor& attention_mask,
                          const GenerateHooks& hooks) override;
};

}  // namespace transformers
