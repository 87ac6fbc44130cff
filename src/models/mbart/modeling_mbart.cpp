// mBART (modeling_mbart.py): BART with pre-norm layers, final encoder/decoder layer norms, and
// decoder inputs that start with the source row's language id.
#include "models/mbart/modeling_mbart.hpp"

namespace transformers::mbart {

ConfigSpec config_spec() {
  return {"mbart", "MBartConfig", bart::config_defaults(R"({"decoder_start_token_id": null})"), bart::kAttributeMap};
}

bart::BartParams params() {
  bart::BartParams p;
  p.class_prefix = "MBart", p.pre_norm = true, p.mbart_shift = true;
  return p;
}

const Seq2SeqFamily& family() {
  static const Seq2SeqFamily f = bart::family_for(params());
  return f;
}

std::unique_ptr<PreTrainedModel> make_for_causal_lm(const PretrainedConfig& c) { return bart::make_causal_lm(c, params()); }

}  // namespace transformers::mbart
