#pragma once
// What generate() needs from a language model, and the decoder-only classes every family shares:
// a backbone that runs new tokens against a KV cache (CachedBackbone), the causal-LM head and the
// `score` classification heads of transformers' Generic*For* classes.
#include "models/heads.hpp"
#include "nn/kv_cache.hpp"

namespace transformers {

class GenerativeModel : public Model {
 public:
  using Model::Model;
  // New tokens input_ids [B, S] at position_ids [B, S]; attention_mask [B, past + S] (0/1) covers
  // the cached tokens too. Returns logits [B, S, V], or [B, 1, V] with last_only.
  virtual Tensor forward_cached(const Tensor& input_ids, const Tensor& position_ids, const Tensor& attention_mask,
                                nn::KVCache& cache, bool last_only) = 0;
  // The serving engine's step: like forward_cached (last_only false) but only the logits of the
  // given token rows of a [1, S] batch: [rows, V]. Decoders skip the LM head on the other rows.
  virtual Tensor forward_cached_rows(const Tensor& input_ids, const Tensor& position_ids, const Tensor& attention_mask,
                                     nn::KVCache& cache, const std::vector<int64_t>& rows);
  virtual int64_t num_cache_layers() const = 0;
  // The longest sequence the position scheme allows (max_position_embeddings), or 0 when unbounded.
  virtual int64_t max_positions() const { return config().get_int("max_position_embeddings", 0); }
  // > 0: when the sequence first grows past this length, generate() drops the cache and
  // recomputes it (Phi-3's switch from short to long rope factors, as its
  // prepare_inputs_for_generation does).
  virtual int64_t cache_recompute_length() const { return 0; }
  // Size of the logits' last dim (Marian's decoder vocabulary may differ from vocab_size).
  virtual int64_t output_vocab_size() const { return config().get_int("vocab_size"); }
  // The empty cache a generation of `rows` sequences starts from (encoder-decoders attach their
  // encoder output).
  virtual nn::KVCache new_cache(int64_t reserve_tokens, int64_t rows) const {
    (void)rows;
    return nn::KVCache(num_cache_layers(), reserve_tokens);
  }
  using PreTrainedModel::generate;
  GenerateOutput generate(const Tensor& input_ids, const GenerationConfig& config, const Tensor& attention_mask,
                          const GenerateHooks& hooks) override;
};

// A decoder stack: embeddings, layers, final norm.
class CachedBackbone : public EncoderBackbone {
 public:
  // Final hidden states [B, S, H] of new tokens; `cache` null runs without one.
  virtual Tensor hidden(const Tensor& ids, const Tensor& position_ids, const Tensor& attention_mask, nn::KVCache* cache) const = 0;
  // Python's inputs_embeds path, what multimodal models splice image features through: the raw
  // token embeddings, and the stack run on given embeddings (any embedding scale applied there,
  // as the model forward does). ValueError for families that lack it.
  virtual Tensor embed(const Tensor& ids) const;
  virtual Tensor hidden_from_embeds(const Tensor& embeds, const Tensor& position_ids, const Tensor& attention_mask, nn::KVCache* cache) const;
  virtual int64_t num_layers() const = 0;
  virtual int64_t vocab_size() const = 0;
  // Module path of the word embedding under the backbone ("embed_tokens.weight", "wte.weight").
  virtual std::string embedding_key() const = 0;
  // Family-specific logit post-processing (Gemma 2 soft-capping, Granite scaling).
  virtual Tensor finalize_logits(const Tensor& logits) const { return logits; }
  virtual int64_t max_positions() const { return 0; }
  virtual bool lm_head_bias() const { return false; }
  virtual int64_t cache_recompute_length() const { return 0; }
  virtual std::string lm_head_name() const { return "lm_head"; }  // GPT-NeoX: embed_out
  // Positions the model forward uses when none are given: 0..S-1 (HF's cache positions).
  virtual Tensor default_positions(const Tensor& input_ids, const Tensor* attention_mask) const;
  // HF's model forward: input_ids, attention_mask, position_ids (default 0..S-1, the cache positions).
  ModelOutput encode(const ModelInputs& in) const override;
};

std::unique_ptr<PreTrainedModel> make_causal_lm(const PretrainedConfig& c, const EncoderFamily& f);
// logits at the rightmost non-pad token (`score`, no bias)
std::unique_ptr<PreTrainedModel> make_last_token_classification(const PretrainedConfig& c, const EncoderFamily& f);

}  // namespace transformers
