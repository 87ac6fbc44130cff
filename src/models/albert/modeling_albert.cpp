// ALBERT: transformers/models/albert/modeling_albert.py (v5).
#include "core/output_recorder.hpp"
#include "models/albert/modeling_albert.hpp"

#include <cmath>

#include "transformers/errors.hpp"

namespace transformers::albert {

ConfigSpec config_spec() {
  return {"albert", "AlbertConfig", R"({
    "vocab_size": 30000, "embedding_size": 128, "hidden_size": 4096, "num_hidden_layers": 12,
    "num_hidden_groups": 1, "num_attention_heads": 64, "intermediate_size": 16384, "inner_group_num": 1,
    "hidden_act": "gelu_new", "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0,
    "max_position_embeddings": 512, "type_vocab_size": 2, "initializer_range": 0.02, "layer_norm_eps": 1e-12,
    "classifier_dropout_prob": 0.1, "pad_token_id": 0, "bos_token_id": 2, "eos_token_id": 3, "tie_word_embeddings": true
  })"};
}

namespace {

using nn::Container;
using nn::LayerNorm;
using nn::Linear;

// ALBERT's names for the shared post-norm layer.
class AlbertLayer : public nn::Module {
 public:
  explicit AlbertLayer(const bert::BertParams& p) {
    const int64_t H = p.hidden_size;
    auto& a = child("attention", std::make_unique<Container>());
    l_.q = &a.add("query", std::make_unique<Linear>(H, H));
    l_.k = &a.add("key", std::make_unique<Linear>(H, H));
    l_.v = &a.add("value", std::make_unique<Linear>(H, H));
    l_.o = &a.add("dense", std::make_unique<Linear>(H, H));
    l_.attn_norm = &a.add("LayerNorm", std::make_unique<LayerNorm>(H, p.layer_norm_eps));
    l_.out_norm = &child("full_layer_layer_norm", std::make_unique<LayerNorm>(H, p.layer_norm_eps));
    l_.ffn_in = &child("ffn", std::make_unique<Linear>(H, p.intermediate_size));
    l_.ffn_out = &child("ffn_output", std::make_unique<Linear>(p.intermediate_size, H));
    l_.heads = p.num_attention_heads;
    l_.act = p.hidden_act;
  }
  Tensor forward(const Tensor& x, const Tensor& mask) const { return l_(x, mask); }

 private:
  nn::PostNormLayer l_{};
};

class AlbertBackbone : public EncoderBackbone {
 public:
  AlbertBackbone(const PretrainedConfig& c, bool pool) : p_(bert::BertParams::from(c)) {
    groups_ = c.get_int("num_hidden_groups");
    inner_ = c.get_int("inner_group_num");
    if (groups_ <= 0 || inner_ <= 0) throw ConfigError("ALBERT: num_hidden_groups and inner_group_num must be positive");
    embeddings_ = &child("embeddings", std::make_unique<bert::BertEmbeddings>(p_));
    auto& enc = child("encoder", std::make_unique<Container>());
    mapping_ = &enc.add("embedding_hidden_mapping_in", std::make_unique<Linear>(p_.embedding_size, p_.hidden_size));
    auto& gl = enc.add("albert_layer_groups", std::make_unique<Container>());
    for (int64_t g = 0; g < groups_; ++g) {
      auto& layers = gl.add(std::to_string(g), std::make_unique<Container>()).add("albert_layers", std::make_unique<Container>());
      std::vector<AlbertLayer*> group;
      for (int64_t i = 0; i < inner_; ++i) group.push_back(&layers.add(std::to_string(i), std::make_unique<AlbertLayer>(p_)));
      layers_.push_back(group);
    }
    if (pool) pooler_ = &child("pooler", std::make_unique<Linear>(p_.hidden_size, p_.hidden_size));
  }
  int64_t hidden_size() const override { return p_.hidden_size; }
  ModelOutput encode(const ModelInputs& in) const override {
    const Tensor& ids = require_input(in, "input_ids", "Albert");
    if (ids.dim() != 2) throw ShapeMismatch("Albert: input_ids must be [batch, seq], got " + shape_str(ids.shape()));
    const Tensor* am = find_input(in, "attention_mask");
    if (am && am->shape() != ids.shape()) throw ShapeMismatch("Albert: attention_mask must match input_ids");
    Tensor mask = nn::extended_attention_mask(am ? *am : Tensor::full(ids.shape(), 1.0, DType::I64));
    Tensor h = (*mapping_)(embeddings_->forward(ids, find_input(in, "token_type_ids"), find_input(in, "position_ids")));
    for (int64_t i = 0; i < p_.num_hidden_layers; ++i) {
      // HF: group_idx = int(i / (num_hidden_layers / num_hidden_groups))
      const auto g = static_cast<size_t>(static_cast<double>(i) / (static_cast<double>(p_.num_hidden_layers) / static_cast<double>(groups_)));
      for (const AlbertLayer* l : layers_[g]) {
        record::hidden_state(h);  // Python records each AlbertLayer, inner ones included
        h = l->forward(h, mask);
      }
    }
    record::hidden_state(h);
    ModelOutput o;
    o.set("last_hidden_state", h);
    if (pooler_) o.set("pooler_output", ops::tanh((*pooler_)(h.select(1, 0))));
    return o;
  }

 private:
  bert::BertParams p_;
  int64_t groups_, inner_;
  bert::BertEmbeddings* embeddings_;
  Linear* mapping_;
  std::vector<std::vector<AlbertLayer*>> layers_;
  Linear* pooler_ = nullptr;
};

// predictions (MLM: dense -> act -> LayerNorm -> tied decoder) and/or sop_classifier.classifier.
class AlbertHeads : public EncoderHeadModel {
 public:
  AlbertHeads(const PretrainedConfig& c, bool sop) : EncoderHeadModel(c, family(), sop), sop_(sop) {
    const bert::BertParams p = bert::BertParams::from(c);
    act_ = p.hidden_act;
    auto& pred = add("predictions", std::make_unique<Container>());
    norm_ = &pred.add("LayerNorm", std::make_unique<LayerNorm>(p.embedding_size, p.layer_norm_eps));
    pred.add("bias", std::make_unique<nn::BareParameter>(p.vocab_size));
    dense_ = &pred.add("dense", std::make_unique<Linear>(p.hidden_size, p.embedding_size));
    decoder_ = &pred.add("decoder", std::make_unique<Linear>(p.embedding_size, p.vocab_size));
    if (sop) sop_cls_ = &add("sop_classifier", std::make_unique<Container>()).add("classifier", std::make_unique<Linear>(p.hidden_size, c.num_labels()));
  }
  std::vector<std::pair<std::string, std::string>> tied_weights() const override {
    return {{"predictions.decoder.weight", family_.word_embeddings()}, {"predictions.decoder.bias", "predictions.bias"}};
  }
  std::vector<std::string> may_be_missing() const override { return {"predictions.", "sop_classifier.", "albert.pooler"}; }

 protected:
  ModelOutput head(const ModelOutput& base, const ModelInputs&) override {
    Tensor logits = (*decoder_)((*norm_)(ops::activation((*dense_)(base["last_hidden_state"]), act_)));
    ModelOutput o;
    if (!sop_) {
      o.set("logits", logits);
      return o;
    }
    o.set("prediction_logits", logits);
    o.set("sop_logits", (*sop_cls_)(base["pooler_output"]));
    return o;
  }

 private:
  bool sop_;
  ops::Activation act_;
  LayerNorm* norm_;
  Linear *dense_, *decoder_, *sop_cls_ = nullptr;
};

}  // namespace

const EncoderFamily& family() {
  static const EncoderFamily f{"albert", "Albert", [](const PretrainedConfig& c, bool pool) { return std::make_unique<AlbertBackbone>(c, pool); }};
  return f;
}

std::unique_ptr<PreTrainedModel> make_for_masked_lm(const PretrainedConfig& c) { return std::make_unique<AlbertHeads>(c, false); }
std::unique_ptr<PreTrainedModel> make_for_pretraining(const PretrainedConfig& c) { return std::make_unique<AlbertHeads>(c, true); }

}  // namespace transformers::albert
