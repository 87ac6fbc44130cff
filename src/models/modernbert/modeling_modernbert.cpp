// ModernBERT: transformers/models/modernbert/modeling_modernbert.py (v5).
#include "core/output_recorder.hpp"
#include "models/modernbert/modeling_modernbert.hpp"

#include <cmath>
#include <limits>

#include "transformers/errors.hpp"

namespace transformers::modernbert {

ConfigSpec config_spec() {
  return {"modernbert", "ModernBertConfig", R"({
    "vocab_size": 50368, "hidden_size": 768, "intermediate_size": 1152, "num_hidden_layers": 22,
    "num_attention_heads": 12, "hidden_activation": "gelu", "max_position_embeddings": 8192,
    "initializer_range": 0.02, "initializer_cutoff_factor": 2.0, "norm_eps": 1e-5, "norm_bias": false,
    "pad_token_id": 50283, "eos_token_id": 50282, "bos_token_id": 50281, "cls_token_id": 50281, "sep_token_id": 50282,
    "attention_bias": false, "attention_dropout": 0.0, "layer_types": null, "rope_parameters": null,
    "local_attention": 128, "embedding_dropout": 0.0, "mlp_bias": false, "mlp_dropout": 0.0, "decoder_bias": true,
    "classifier_pooling": "cls", "classifier_dropout": 0.0, "classifier_bias": false, "classifier_activation": "gelu",
    "deterministic_flash_attn": false, "sparse_prediction": false, "sparse_pred_ignore_index": -100,
    "tie_word_embeddings": true
  })"};
}

namespace {

using nn::Container;
using nn::LayerNorm;
using nn::Linear;

struct Params {
  int64_t vocab, hidden, inter, layers, heads, local_attention;
  float eps;
  bool norm_bias, attn_bias, mlp_bias;
  ops::Activation act, cls_act;
  std::vector<bool> sliding;  // per layer
  float global_theta = 160000.0f, local_theta = 10000.0f;

  static Params from(const PretrainedConfig& c) {
    Params p{c.get_int("vocab_size"), c.get_int("hidden_size"), c.get_int("intermediate_size"), c.get_int("num_hidden_layers"),
             c.get_int("num_attention_heads"), c.get_int("local_attention"), static_cast<float>(c.get_float("norm_eps")),
             c.get_bool("norm_bias"), c.get_bool("attention_bias"), c.get_bool("mlp_bias"),
             ops::activation_from_name(c.get_string("hidden_activation")),
             ops::activation_from_name(c.get_string("classifier_activation")), {}};
    if (p.heads <= 0 || p.hidden % p.heads) throw ConfigError("ModernBERT: hidden_size must be a multiple of num_attention_heads");
    if (c.has("layer_types")) {
      for (const auto& t : c.get_string_list("layer_types")) {
        if (t != "sliding_attention" && t != "full_attention") throw ConfigError("ModernBERT: unknown layer type '" + t + "'");
        p.sliding.push_back(t == "sliding_attention");
      }
      if (static_cast<int64_t>(p.sliding.size()) != p.layers) throw ConfigError("ModernBERT: layer_types must have num_hidden_layers entries");
    } else {  // legacy: every global_attn_every_n_layers-th layer is global
      const int64_t n = c.get_int("global_attn_every_n_layers", 3);
      if (n <= 0) throw ConfigError("ModernBERT: global_attn_every_n_layers must be positive");
      for (int64_t i = 0; i < p.layers; ++i) p.sliding.push_back(i % n != 0);
    }
    // rope_parameters {full_attention: {rope_theta}, sliding_attention: {rope_theta}} or legacy keys.
    p.global_theta = static_cast<float>(c.get_float("global_rope_theta", 160000.0));
    p.local_theta = static_cast<float>(c.get_float("local_rope_theta", 10000.0));
    if (auto rp = c.sub_config("rope_parameters")) {
      if (auto f = rp->sub_config("full_attention")) p.global_theta = static_cast<float>(f->get_float("rope_theta", p.global_theta));
      if (auto s = rp->sub_config("sliding_attention")) p.local_theta = static_cast<float>(s->get_float("rope_theta", p.local_theta));
    }
    return p;
  }
};

class EncoderLayer : public nn::Module {
 public:
  EncoderLayer(const Params& p, int64_t idx) : heads_(p.heads), head_dim_(p.hidden / p.heads), act_(p.act) {
    if (idx != 0) attn_norm_ = &child("attn_norm", std::make_unique<LayerNorm>(p.hidden, p.eps, p.norm_bias));  // layer 0: Identity
    auto& attn = child("attn", std::make_unique<Container>());
    wqkv_ = &attn.add("Wqkv", std::make_unique<Linear>(p.hidden, 3 * p.hidden, p.attn_bias));
    wo_ = &attn.add("Wo", std::make_unique<Linear>(p.hidden, p.hidden, p.attn_bias));
    mlp_norm_ = &child("mlp_norm", std::make_unique<LayerNorm>(p.hidden, p.eps, p.norm_bias));
    auto& mlp = child("mlp", std::make_unique<Container>());
    wi_ = &mlp.add("Wi", std::make_unique<Linear>(p.hidden, 2 * p.inter, p.mlp_bias));
    wo_mlp_ = &mlp.add("Wo", std::make_unique<Linear>(p.inter, p.hidden, p.mlp_bias));
    theta_ = p.sliding[static_cast<size_t>(idx)] ? p.local_theta : p.global_theta;
    sliding_ = p.sliding[static_cast<size_t>(idx)];
  }
  bool sliding() const { return sliding_; }
  Tensor forward(const Tensor& h, const Tensor& mask) const {
    const int64_t B = h.size(0), S = h.size(1);
    Tensor x = attn_norm_ ? (*attn_norm_)(h) : h;
    Tensor qkv = (*wqkv_)(x).view({B, S, 3, heads_, head_dim_});
    auto part = [&](int64_t i) { return qkv.select(2, i).permute({0, 2, 1, 3}).contiguous(); };  // [B, H, S, D]
    Tensor q = nn::apply_rotary(part(0), theta_), k = nn::apply_rotary(part(1), theta_), v = part(2);
    Tensor ctx = nn::merge_heads(nn::scaled_dot_product_attention(q, k, v, mask, 1.0f / std::sqrt(static_cast<float>(head_dim_))));
    Tensor hs = ops::add(h, (*wo_)(ctx));
    Tensor wi = (*wi_)((*mlp_norm_)(hs));
    const int64_t I = wi.size(-1) / 2;
    Tensor gated = ops::mul(ops::activation(wi.slice(-1, 0, I).contiguous(), act_), wi.slice(-1, I, 2 * I).contiguous());
    return ops::add(hs, (*wo_mlp_)(gated));
  }

 private:
  int64_t heads_, head_dim_;
  ops::Activation act_;
  float theta_;
  bool sliding_;
  LayerNorm *attn_norm_ = nullptr, *mlp_norm_;
  Linear *wqkv_, *wo_, *wi_, *wo_mlp_;
};

class ModernBertBackbone : public EncoderBackbone {
 public:
  explicit ModernBertBackbone(const Params& p) : p_(p) {
    auto& emb = child("embeddings", std::make_unique<Container>());
    tok_ = &emb.add("tok_embeddings", std::make_unique<nn::Embedding>(p.vocab, p.hidden));
    emb_norm_ = &emb.add("norm", std::make_unique<LayerNorm>(p.hidden, p.eps, p.norm_bias));
    auto& layers = child("layers", std::make_unique<Container>());
    for (int64_t i = 0; i < p.layers; ++i) layers_.push_back(&layers.add(std::to_string(i), std::make_unique<EncoderLayer>(p, i)));
    final_norm_ = &child("final_norm", std::make_unique<LayerNorm>(p.hidden, p.eps, p.norm_bias));
  }
  int64_t hidden_size() const override { return p_.hidden; }
  ModelOutput encode(const ModelInputs& in) const override {
    const Tensor& ids = require_input(in, "input_ids", "ModernBert");
    if (ids.dim() != 2) throw ShapeMismatch("ModernBert: input_ids must be [batch, seq], got " + shape_str(ids.shape()));
    const Tensor* am = find_input(in, "attention_mask");
    if (am && am->shape() != ids.shape()) throw ShapeMismatch("ModernBert: attention_mask must match input_ids");
    const int64_t S = ids.size(1);
    Tensor full = nn::extended_attention_mask(am ? *am : Tensor::full(ids.shape(), 1.0, DType::I64));  // [B, 1, 1, S]
    // Sliding layers also mask keys farther than local_attention / 2 from the query.
    std::vector<float> band(static_cast<size_t>(S * S));
    const int64_t w = p_.local_attention / 2;
    for (int64_t q = 0; q < S; ++q)
      for (int64_t k = 0; k < S; ++k) band[static_cast<size_t>(q * S + k)] = std::llabs(q - k) <= w ? 0.0f : std::numeric_limits<float>::lowest();
    // lowest + lowest overflows to -inf: clamp back so fully masked rows stay finite as in HF.
    const Tensor local = ops::clamp(ops::add(Tensor::from_floats(band, {1, 1, S, S}), full), std::numeric_limits<float>::lowest(),
                                    std::numeric_limits<float>::max());
    Tensor h = (*emb_norm_)((*tok_)(ids));
    for (const EncoderLayer* l : layers_) {
      record::hidden_state(h);
      h = l->forward(h, l->sliding() ? local : full);
    }
    h = (*final_norm_)(h);
    record::hidden_state(h);
    ModelOutput o;
    o.set("last_hidden_state", h);
    return o;
  }

 private:
  Params p_;
  nn::Embedding* tok_;
  LayerNorm *emb_norm_, *final_norm_;
  std::vector<EncoderLayer*> layers_;
};

// head: dense -> classifier_activation -> norm, then the task projection.
class ModernBertTask : public EncoderHeadModel {
 public:
  enum Kind { MaskedLM, SequenceClassification, TokenClassification, QuestionAnswering, MultipleChoice };
  ModernBertTask(const PretrainedConfig& c, Kind k) : EncoderHeadModel(c, family(), false), kind_(k), p_(Params::from(c)) {
    auto& head = add("head", std::make_unique<Container>());
    dense_ = &head.add("dense", std::make_unique<Linear>(p_.hidden, p_.hidden, c.get_bool("classifier_bias")));
    norm_ = &head.add("norm", std::make_unique<LayerNorm>(p_.hidden, p_.eps, p_.norm_bias));
    if (k == MaskedLM) out_ = &add("decoder", std::make_unique<Linear>(p_.hidden, p_.vocab, c.get_bool("decoder_bias")));
    else out_ = &add("classifier", std::make_unique<Linear>(p_.hidden, k == MultipleChoice ? 1 : head_outputs(c, k)));
    pooling_ = c.get_string("classifier_pooling");
    if (pooling_ != "cls" && pooling_ != "mean") throw ConfigError("ModernBERT: classifier_pooling must be cls or mean");
  }
  std::vector<std::pair<std::string, std::string>> tied_weights() const override {
    if (kind_ != MaskedLM) return {};
    return {{"decoder.weight", "model.embeddings.tok_embeddings.weight"}};
  }
  std::vector<std::string> may_be_missing() const override { return {"head.", "decoder.", "classifier."}; }
  ModelOutput forward(const ModelInputs& in) override {
    if (kind_ != MultipleChoice) return EncoderHeadModel::forward(in);
    return forward_choices(in, [this](const ModelInputs& x) { return EncoderHeadModel::forward(x); });
  }

 protected:
  // QA splits the classifier's num_labels outputs into start / end, so they must be 2.
  static int64_t head_outputs(const PretrainedConfig& c, Kind k) {
    if (k == QuestionAnswering && c.num_labels() != 2)
      throw ConfigError("question answering needs num_labels == 2 (start, end), got " + std::to_string(c.num_labels()));
    return c.num_labels();
  }
  ModelOutput head(const ModelOutput& base, const ModelInputs& in) override {
    Tensor h = base["last_hidden_state"];
    if (kind_ == SequenceClassification || kind_ == MultipleChoice) {
      const Tensor* am = find_input(in, "attention_mask");
      if (pooling_ == "cls" && kind_ == MultipleChoice && am) {
        // Python's multiple choice reads the token at attention_mask.argmax(-1): the first attended one.
        const auto m = am->to_ints();
        const int64_t B = h.size(0), S = h.size(1);
        std::vector<Tensor> rows;
        for (int64_t b = 0; b < B; ++b) {
          int64_t at = 0;
          for (int64_t s = 0; s < S; ++s)
            if (m[b * S + s] > m[b * S + at]) at = s;
          rows.push_back(h.select(0, b).select(0, at).contiguous().unsqueeze(0));
        }
        h = ops::concat(rows, 0);
      } else if (pooling_ == "cls") {
        h = h.select(1, 0);
      } else {
        Tensor m = (am ? *am : Tensor::full({h.size(0), h.size(1)}, 1.0, DType::I64)).to(DType::F32).unsqueeze(-1);
        h = ops::div(ops::sum(ops::mul(h, m), 1), ops::sum(m, 1));
      }
    }
    ModelOutput o;
    Tensor logits = (*out_)((*norm_)(ops::activation((*dense_)(h), p_.cls_act)));
    if (kind_ == QuestionAnswering) {
      o.set("start_logits", logits.select(-1, 0).contiguous());
      o.set("end_logits", logits.select(-1, 1).contiguous());
    } else {
      o.set("logits", logits);
    }
    return o;
  }

 private:
  Kind kind_;
  Params p_;
  std::string pooling_;
  Linear *dense_, *out_;
  LayerNorm* norm_;
};

}  // namespace

const EncoderFamily& family() {
  static const EncoderFamily f{"model", "ModernBert", [](const PretrainedConfig& c, bool) {
                                 return std::make_unique<ModernBertBackbone>(Params::from(c));
                               }};
  return f;
}

std::unique_ptr<PreTrainedModel> make_for_masked_lm(const PretrainedConfig& c) { return std::make_unique<ModernBertTask>(c, ModernBertTask::MaskedLM); }
std::unique_ptr<PreTrainedModel> make_for_sequence_classification(const PretrainedConfig& c) {
  return std::make_unique<ModernBertTask>(c, ModernBertTask::SequenceClassification);
}
std::unique_ptr<PreTrainedModel> make_for_token_classification(const PretrainedConfig& c) {
  return std::make_unique<ModernBertTask>(c, ModernBertTask::TokenClassification);
}
std::unique_ptr<PreTrainedModel> make_for_question_answering(const PretrainedConfig& c) {
  return std::make_unique<ModernBertTask>(c, ModernBertTask::QuestionAnswering);
}
std::unique_ptr<PreTrainedModel> make_for_multiple_choice(const PretrainedConfig& c) {
  return std::make_unique<ModernBertTask>(c, ModernBertTask::MultipleChoice);
}

}  // namespace transformers::modernbert
