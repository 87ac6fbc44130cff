// Marian (modeling_marian.py): post-norm BART without the embedding layer norm, sinusoidal
// positions, and a decoder vocabulary of its own unless share_encoder_decoder_embeddings.
#include "models/marian/modeling_marian.hpp"

namespace transformers::marian {

ConfigSpec config_spec() {
  return {"marian", "MarianConfig", bart::config_defaults(R"({
    "vocab_size": 58101, "decoder_vocab_size": null, "decoder_start_token_id": 58100, "pad_token_id": 58100,
    "eos_token_id": 0, "bos_token_id": null, "forced_eos_token_id": 0, "share_encoder_decoder_embeddings": true
  })"), bart::kAttributeMap};
}

bart::BartParams params() {
  bart::BartParams p;
  p.class_prefix = "Marian", p.positions = bart::Positions::Sinusoidal, p.layernorm_embedding = false;
  p.base_shifts = false, p.marian_vocab = true;
  return p;
}

const Seq2SeqFamily& family() {
  static const Seq2SeqFamily f = bart::family_for(params());
  return f;
}

std::unique_ptr<PreTrainedModel> make_for_causal_lm(const PretrainedConfig& c) { return bart::make_causal_lm(c, params()); }

}  // namespace transformers::marian
