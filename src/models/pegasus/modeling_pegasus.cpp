// Pegasus (modeling_pegasus.py): pre-norm BART with sinusoidal positions and no embedding layer norm.
#include "models/pegasus/modeling_pegasus.hpp"

namespace transformers::pegasus {

ConfigSpec config_spec() {
  return {"pegasus", "PegasusConfig", bart::config_defaults(R"({
    "decoder_start_token_id": 0, "pad_token_id": 0, "eos_token_id": 1, "forced_eos_token_id": 1, "bos_token_id": null
  })"), bart::kAttributeMap};
}

const Seq2SeqFamily& family() {
  static const Seq2SeqFamily f = [] {
    bart::BartParams p;
    p.class_prefix = "Pegasus", p.positions = bart::Positions::Sinusoidal, p.layernorm_embedding = false;
    p.pre_norm = true, p.base_shifts = false;
    return bart::family_for(p);
  }();
  return f;
}

}  // namespace transformers::pegasus
