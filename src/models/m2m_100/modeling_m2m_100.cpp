// M2M100 (modeling_m2m_100.py): pre-norm BART with fairseq sinusoidal positions counted over
// non-pad tokens, scaled embeddings, ReLU, and no final_logits_bias.
#include "models/m2m_100/modeling_m2m_100.hpp"

namespace transformers::m2m_100 {

ConfigSpec config_spec() {
  return {"m2m_100", "M2M100Config", bart::config_defaults(R"({
    "vocab_size": 128112, "activation_function": "relu", "scale_embedding": true, "attention_dropout": 0.1,
    "encoder_layerdrop": 0.05, "decoder_layerdrop": 0.05, "forced_eos_token_id": null
  })"), bart::kAttributeMap};
}

const Seq2SeqFamily& family() {
  static const Seq2SeqFamily f = [] {
    bart::BartParams p;
    p.class_prefix = "M2M100", p.positions = bart::Positions::Fairseq, p.layernorm_embedding = false;
    p.pre_norm = true, p.final_logits_bias = false, p.base_shifts = false;
    return bart::family_for(p);
  }();
  return f;
}

}  // namespace transformers::m2m_100
