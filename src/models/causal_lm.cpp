// The decoder-only heads shared by every family: *ForCausalLM and transformers' generic
// sequence / token classification heads (modeling_layers.py).
#include "models/generative.hpp"
#include "transformers/errors.hpp"

namespace transformers {

ModelOutput CachedBackbone::encode(const ModelInputs& in) const {
  const Tensor& ids = require_input(in, "input_ids", "decoder");
  if (ids.dim() != 2) throw ShapeMismatch("input_ids must be [batch, seq], got " + shape_str(ids.shape()));
  const Tensor* am = find_input(in, "attention_mask");
  if (am && am->shape() != ids.shape()) throw ShapeMismatch("attention_mask must match input_ids " + shape_str(ids.shape()));
  const Tensor* p = find_input(in, "position_ids");
  const Tensor pos = p ? *p : default_positions(ids, am);
  ModelOutput o;
  o.set("last_hidden_state", hidden(ids, pos, am ? *am : Tensor(), nullptr));
  return o;
}

Tensor GenerativeModel::forward_cached_rows(const Tensor& ids, const Tensor& pos, const Tensor& mask, nn::KVCache& cache,
                                            const std::vector<int64_t>& rows) {
  const Tensor logits = forward_cached(ids, pos, mask, cache, false).to(DType::F32).contiguous();
  return ops::gather_rows(logits.view({-1, logits.size(-1)}), Tensor::from_ints(rows, {static_cast<int64_t>(rows.size())}));
}

Tensor CachedBackbone::embed(const Tensor&) const {
  throw ValueError("this decoder family does not take inputs_embeds (multimodal models build on Llama-style decoders)");
}
Tensor CachedBackbone::hidden_from_embeds(const Tensor&, const Tensor&, const Tensor&, nn::KVCache*) const {
  throw ValueError("this decoder family does not take inputs_embeds (multimodal models build on Llama-style decoders)");
}

Tensor CachedBackbone::default_positions(const Tensor& ids, const Tensor*) const {
  const int64_t B = ids.size(0), S = ids.size(1);
  return ops::add(Tensor::zeros({B, 1}), ops::arange(0, S).view({1, S})).to(DType::I64);  // 0..S-1 on every row
}

namespace {

const CachedBackbone& as_cached(const EncoderBackbone& b) { return dynamic_cast<const CachedBackbone&>(b); }

class CausalLM : public GenerativeModel {
 public:
  CausalLM(const PretrainedConfig& c, const EncoderFamily& f)
      : GenerativeModel(c), prefix_(f.prefix), backbone_(as_cached(child(f.prefix, f.backbone(c, false)))) {
    lm_head_ = &child(backbone_.lm_head_name(), std::make_unique<nn::Linear>(backbone_.hidden_size(), backbone_.vocab_size(), backbone_.lm_head_bias()));
  }
  std::string base_model_prefix() const override { return prefix_; }
  std::vector<std::pair<std::string, std::string>> tied_weights() const override {
    return {{backbone_.lm_head_name() + ".weight", prefix_ + "." + backbone_.embedding_key()}};
  }
  int64_t num_cache_layers() const override { return backbone_.num_layers(); }
  int64_t max_positions() const override { return backbone_.max_positions(); }
  int64_t cache_recompute_length() const override { return backbone_.cache_recompute_length(); }

  ModelOutput forward(const ModelInputs& in) override {
    ModelOutput o;
    o.set("logits", backbone_.finalize_logits((*lm_head_)(backbone_.encode(in)["last_hidden_state"])));
    return o;
  }
  Tensor forward_cached(const Tensor& ids, const Tensor& pos, const Tensor& mask, nn::KVCache& cache, bool last_only) override {
    Tensor h = backbone_.hidden(ids, pos, mask, &cache);
    if (last_only) h = h.slice(1, h.size(1) - 1, h.size(1)).contiguous();
    return backbone_.finalize_logits((*lm_head_)(h));
  }
  Tensor forward_cached_rows(const Tensor& ids, const Tensor& pos, const Tensor& mask, nn::KVCache& cache,
                             const std::vector<int64_t>& rows) override {
    const Tensor h = backbone_.hidden(ids, pos, mask, &cache).contiguous();
    const Tensor picked = ops::gather_rows(h.view({-1, h.size(-1)}), Tensor::from_ints(rows, {static_cast<int64_t>(rows.size())}));
    return backbone_.finalize_logits((*lm_head_)(picked));
  }

 private:
  std::string prefix_;
  const CachedBackbone& backbone_;
  nn::Linear* lm_head_;
};

int64_t labels(const PretrainedConfig& c) {
  if (c.num_labels() <= 0) throw ConfigError("num_labels must be positive for a classification head");
  return c.num_labels();
}

class LastTokenClassification : public EncoderHeadModel {
 public:
  LastTokenClassification(const PretrainedConfig& c, const EncoderFamily& f)
      : EncoderHeadModel(c, f, false), score_(add("score", std::make_unique<nn::Linear>(backbone_.hidden_size(), labels(c), false))) {}
  std::vector<std::string> may_be_missing() const override { return {"score."}; }

 protected:
  ModelOutput head(const ModelOutput& base, const ModelInputs& in) override {
    Tensor logits = score_(base["last_hidden_state"]);
    // The rightmost token that is not padding (left or right padding alike).
    const Tensor ids = require_input(in, "input_ids", family_.class_prefix).to(DType::I64).contiguous();
    const int64_t B = ids.size(0), S = ids.size(1);
    const bool has_pad = config().has("pad_token_id");
    if (!has_pad && B != 1) throw ValueError("Cannot handle batch sizes > 1 if no padding token is defined.");
    const int64_t pad = has_pad ? config().get_int("pad_token_id") : -1;
    // The last non-pad token (the last token when no pad id is configured).
    const Tensor pooled = has_pad ? ops::gather_last_token(logits, ids, pad) : logits.select(1, S - 1).contiguous();
    ModelOutput o;
    o.set("logits", pooled);
    return o;
  }

 private:
  nn::Linear& score_;
};

}  // namespace

std::unique_ptr<PreTrainedModel> make_causal_lm(const PretrainedConfig& c, const EncoderFamily& f) {
  return std::make_unique<CausalLM>(c, f);
}
std::unique_ptr<PreTrainedModel> make_last_token_classification(const PretrainedConfig& c, const EncoderFamily& f) {
  return std::make_unique<LastTokenClassification>(c, f);
}

}  // namespace transformers
