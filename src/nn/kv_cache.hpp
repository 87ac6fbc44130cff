#pragma once
// HF's DynamicCache for decoder self-attention: per layer K and V in [B, Hkv, capacity, D] storage
// that grows by doubling (or is reserved once for a known max length); attention reads views.
#include <functional>
#include <utility>
#include <vector>

#include "ops/ops.hpp"
#include "transformers/tensor.hpp"

namespace transformers::nn {

// The serving engine's paged mode of KVCache: the step's flat batch (every sequence's new tokens
// in one row), per layer K and V pools of [slots, Hkv, D] (slot = block * block_size + offset),
// and per sequence its slice of the batch and the slots of all its keys. The model forward is the
// same; cached_attention writes each token's k/v to its slot and attends per sequence.
struct PagedBatch {
  std::vector<Tensor> k, v;                 // per layer; left undefined while probing
  std::vector<int64_t> write_slots;         // [tokens of the batch]: where each new k/v goes
  std::vector<ops::PagedSequence> seqs;     // slots point into the engine's per-sequence lists
  // Probe (the engine sizing its pools): attention runs without a cache and each layer's
  // [Hkv, D, Dv] is recorded.
  bool probe = false;
  std::vector<std::vector<int64_t>> shapes;
};

class KVCache {
 public:
  KVCache() = default;
  explicit KVCache(int64_t num_layers, int64_t reserve_tokens = 0) : layers_(static_cast<size_t>(num_layers)), reserve_(reserve_tokens) {}
  struct View {
    Tensor k, v;        // [B, Hkv, T, D] views of the stored entries
    int64_t start = 0;  // absolute index of entry 0 (> 0 once a sliding layer dropped old keys)
  };
  // Appends k, v [B, S, Hkv, D] (the projection layout) to `layer`. A sliding layer (window > 0)
  // drops keys no query from now on can see (older than the last window - 1), in amortized O(1).
  View update(int64_t layer, const Tensor& k, const Tensor& v, int64_t window = 0);
  // Tokens seen so far (layer 0), HF's get_seq_length().
  int64_t get_seq_length() const { return layers_.empty() ? 0 : layers_[0].start + layers_[0].len; }
  // Beam search: row i of the new cache is row beam_idx[i] of the old one.
  void reorder_cache(const std::vector<int64_t>& beam_idx);
  int64_t num_layers() const { return static_cast<int64_t>(layers_.size()); }
  // Entries held for `layer` (less than get_seq_length() once a sliding layer trimmed).
  int64_t stored(int64_t layer) const { return layers_.at(static_cast<size_t>(layer)).len; }

  // Encoder-decoder models (HF's EncoderDecoderCache): the encoder output the decoder attends to,
  // one row per decoder row, and per layer the cross-attention keys/values projected from it.
  Tensor encoder_hidden_states;   // [B, T_enc, H]
  Tensor encoder_attention_mask;  // [B, T_enc] 0/1, or undefined
  struct Cross {
    Tensor k, v;  // [B, T_enc, Hkv, D], the projection layout
  };
  // Layer `layer`'s cross keys/values, computed by `project` on first use. reorder_cache leaves
  // them (and the encoder output) alone: generate() reorders only among the beams of one input,
  // whose encoder rows are identical copies.
  const Cross& cross(int64_t layer, const std::function<Cross()>& project);
  // Cross-attention probabilities to keep (Whisper's alignment_heads, [layer, head] pairs): the
  // decoder fills captured_cross[i] with [B, S, T_enc] f32 for pair i over the tokens it is fed.
  std::vector<std::pair<int64_t, int64_t>> capture_cross_heads;
  std::vector<Tensor> captured_cross;

  // Paged mode (the serving engine): set, cached_attention runs on `paged` and update() refuses
  // (a family that appends its own cache entries cannot run paged).
  PagedBatch* paged = nullptr;

 private:
  struct Layer {
    Tensor k, v;  // [B, Hkv, cap, D]
    int64_t len = 0, start = 0;
  };
  std::vector<Layer> layers_;
  std::vector<Cross> cross_;
  int64_t reserve_ = 0;
};

// softmax(q k^T * scaling) of one head, q [B, S, H, D] and k [B, T, H, D] f32 in the projection
// layout, keys masked out where key_padding [B, T] is 0: [B, S, T] f32 (what output_attentions shows).
Tensor attention_probs(const Tensor& q, const Tensor& k, int64_t head, float scaling, const Tensor& key_padding);

// Attention of new q, k, v [B, S, H(kv), D] against the cache (or among themselves when `cache` is
// null), with `o`'s masks; returns [B, S, H * D]. Sets o's q_start / kv_start from the cache.
Tensor cached_attention(const Tensor& q, const Tensor& k, const Tensor& v, KVCache* cache, int64_t layer, ops::AttentionOptions o);

}  // namespace transformers::nn
