// MPNet: transformers/models/mpnet/modeling_mpnet.py (v5).
#include "core/output_recorder.hpp"
#include "models/mpnet/modeling_mpnet.hpp"

#include <cmath>

#include "models/bert/modeling_bert.hpp"
#include "transformers/errors.hpp"

namespace transformers::mpnet {

ConfigSpec config_spec() {
  return {"mpnet", "MPNetConfig", R"({
    "vocab_size": 30527, "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12,
    "intermediate_size": 3072, "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
    "max_position_embeddings": 512, "initializer_range": 0.02, "layer_norm_eps": 1e-12,
    "relative_attention_num_buckets": 32, "pad_token_id": 1, "bos_token_id": 0, "eos_token_id": 2, "tie_word_embeddings": true
  })"};
}

namespace {

using nn::Container;
using nn::LayerNorm;
using nn::Linear;

// HF's relative_position_bucket (bidirectional, 32 buckets, max distance 128).
int64_t bucket(int64_t relative_position) {
  int64_t num_buckets = 32 / 2, ret = 0;
  int64_t n = -relative_position;
  if (n < 0) ret += num_buckets;
  n = std::llabs(n);
  const int64_t max_exact = num_buckets / 2;
  if (n < max_exact) return ret + n;
  const float v = std::log(static_cast<float>(n) / max_exact) / std::log(128.0f / max_exact) * (num_buckets - max_exact);
  return ret + std::min<int64_t>(max_exact + static_cast<int64_t>(v), num_buckets - 1);
}

// MPNet's names for the shared post-norm layer.
class MPNetLayer : public nn::Module {
 public:
  explicit MPNetLayer(const bert::BertParams& p) {
    const int64_t H = p.hidden_size;
    auto& attention = child("attention", std::make_unique<Container>());
    auto& attn = attention.add("attn", std::make_unique<Container>());
    l_.q = &attn.add("q", std::make_unique<Linear>(H, H));
    l_.k = &attn.add("k", std::make_unique<Linear>(H, H));
    l_.v = &attn.add("v", std::make_unique<Linear>(H, H));
    l_.o = &attn.add("o", std::make_unique<Linear>(H, H));
    l_.attn_norm = &attention.add("LayerNorm", std::make_unique<LayerNorm>(H, p.layer_norm_eps));
    l_.ffn_in = &child("intermediate", std::make_unique<Container>()).add("dense", std::make_unique<Linear>(H, p.intermediate_size));
    auto& out = child("output", std::make_unique<Container>());
    l_.ffn_out = &out.add("dense", std::make_unique<Linear>(p.intermediate_size, H));
    l_.out_norm = &out.add("LayerNorm", std::make_unique<LayerNorm>(H, p.layer_norm_eps));
    l_.heads = p.num_attention_heads;
    l_.act = p.hidden_act;
  }
  // `bias_and_mask`: relative position bias [1, H, S, S] plus the padding mask, broadcast to [B, H, S, S].
  Tensor forward(const Tensor& x, const Tensor& bias_and_mask) const { return l_(x, bias_and_mask); }

 private:
  nn::PostNormLayer l_{};
};

class MPNetBackbone : public EncoderBackbone {
 public:
  MPNetBackbone(const PretrainedConfig& c, bool pool) : p_(bert::BertParams::from(c)) {
    auto& emb = child("embeddings", std::make_unique<Container>());
    word_ = &emb.add("word_embeddings", std::make_unique<nn::Embedding>(p_.vocab_size, p_.hidden_size));
    pos_ = &emb.add("position_embeddings", std::make_unique<nn::Embedding>(p_.max_position_embeddings, p_.hidden_size));
    norm_ = &emb.add("LayerNorm", std::make_unique<LayerNorm>(p_.hidden_size, p_.layer_norm_eps));
    auto& enc = child("encoder", std::make_unique<Container>());
    auto& layers = enc.add("layer", std::make_unique<Container>());
    for (int64_t i = 0; i < p_.num_hidden_layers; ++i) layers_.push_back(&layers.add(std::to_string(i), std::make_unique<MPNetLayer>(p_)));
    const int64_t buckets = c.get_int("relative_attention_num_buckets");
    if (buckets < 32) throw ConfigError("MPNet: relative_attention_num_buckets must be at least 32 (HF buckets positions into 32)");
    rel_ = &enc.add("relative_attention_bias", std::make_unique<nn::Embedding>(buckets, p_.num_attention_heads));
    if (pool) pooler_ = &child("pooler", std::make_unique<Container>()).add("dense", std::make_unique<Linear>(p_.hidden_size, p_.hidden_size));
  }
  int64_t hidden_size() const override { return p_.hidden_size; }
  ModelOutput encode(const ModelInputs& in) const override {
    const Tensor& ids0 = require_input(in, "input_ids", "MPNet");
    if (ids0.dim() != 2) throw ShapeMismatch("MPNet: input_ids must be [batch, seq], got " + shape_str(ids0.shape()));
    const Tensor* am = find_input(in, "attention_mask");
    if (am && am->shape() != ids0.shape()) throw ShapeMismatch("MPNet: attention_mask must match input_ids");
    const int64_t S = ids0.size(1);
    Tensor pos;
    if (const Tensor* p = find_input(in, "position_ids")) {
      pos = *p;
    } else {
      pos = nn::padding_offset_positions(ids0, p_.pad_token_id);
    }
    Tensor h = (*norm_)(ops::add((*word_)(ids0), (*pos_)(pos)));
    std::vector<int64_t> buckets(static_cast<size_t>(S * S));
    for (int64_t q = 0; q < S; ++q)
      for (int64_t k = 0; k < S; ++k) buckets[static_cast<size_t>(q * S + k)] = bucket(k - q);
    const Tensor rp = Tensor::from_ints(buckets, {S, S});
    Tensor bias = (*rel_)(rp).permute({2, 0, 1}).unsqueeze(0).contiguous();  // [1, H, S, S]
    Tensor mask = ops::add(bias, nn::extended_attention_mask(am ? *am : Tensor::full(ids0.shape(), 1.0, DType::I64)));
    for (const MPNetLayer* l : layers_) {
      record::hidden_state(h);
      h = l->forward(h, mask);
    }
    record::hidden_state(h);
    ModelOutput o;
    o.set("last_hidden_state", h);
    if (pooler_) o.set("pooler_output", ops::tanh((*pooler_)(h.select(1, 0))));
    return o;
  }

 private:
  bert::BertParams p_;
  nn::Embedding *word_, *pos_, *rel_;
  LayerNorm* norm_;
  std::vector<MPNetLayer*> layers_;
  Linear* pooler_ = nullptr;
};

}  // namespace

const EncoderFamily& family() {
  static const EncoderFamily f{"mpnet", "MPNet", [](const PretrainedConfig& c, bool pool) { return std::make_unique<MPNetBackbone>(c, pool); }};
  return f;
}

}  // namespace transformers::mpnet
