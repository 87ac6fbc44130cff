// mBART (modeling_mbart.py): BART with pre-norm layers, final encoder/decoder layer norms, and
// decoder inputs that start with the source row's language id.
#include "models/mbart/modeling_mbart.hpp"

namespace transformers::mbart {

ConfigSpec config_spec() {
  return {"mbart", "MBartConfig", bart::config_defaults(R"({"decoder_start_token_id": null})"), bart::kAttributeMap};
}

const Seq2SeqFamily& family() {
  static const Seq2SeqFamily f = [] {
    bart::BartParams p;
    p.class_prefix = "MBart", p.pre_norm = true, p.mbart_shift = true;
    return bart::family_for(p);
  }();
  return f;
}

}  // namespace transformers::mbart
