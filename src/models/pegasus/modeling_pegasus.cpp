// Pegasus (modeling_pegasus.py): pre-norm BART with sinusoidal positions and no embedding layer norm.
#include "models/pegasus/modeling_pegasus.hpp"

namespace transformers::pegasus {

ConfigSpec config_spec() {
  return {"pegasus", "PegasusConfig", bart::config_defaults(R"({
    "decoder_start_token_id": 0, "pad_token_id": 0, "eos_token_id": 1, "forced_eos_token_id": 1, "bos_token_id": null
  })"), bart::kAttributeMap};
}

bart::BartParams params() {
  bart::BartParams p;
  p.class_prefix = "Pegasus", p.positions = bart::Positions::Sinusoidal, p.layernorm_embedding = false;
  p.pre_norm = true, p.base_shifts = false;
  return p;
}

const Seq2SeqFamily& family() {
  static const Seq2SeqFamily f = bart::family_for(params());
  return f;
}

std::unique_ptr<PreTrainedModel> make_for_causal_lm(const PretrainedConfig& c) { return bart::make_causal_lm(c, params()); }

}  // namespace transformers::pegasus
