#include "models/trocr/modeling_trocr.hpp"

namespace transformers::trocr {

ConfigSpec config_spec() {
  return {"trocr", "TrOCRConfig", R"({
    "vocab_size": 50265, "d_model": 1024, "decoder_layers": 12, "decoder_attention_heads": 16, "decoder_ffn_dim": 4096,
    "activation_function": "gelu", "max_position_embeddings": 512, "dropout": 0.1, "attention_dropout": 0.0,
    "activation_dropout": 0.0, "decoder_start_token_id": 2, "init_std": 0.02, "decoder_layerdrop": 0.0, "use_cache": true,
    "scale_embedding": false, "use_learned_position_embeddings": true, "layernorm_embedding": true, "pad_token_id": 1,
    "bos_token_id": 0, "eos_token_id": 2, "cross_attention_hidden_size": null, "is_decoder": false, "tie_word_embeddings": true
  })", {{"num_attention_heads", "decoder_attention_heads"}, {"hidden_size", "d_model"}, {"num_hidden_layers", "decoder_layers"}}};
}

std::unique_ptr<CrossAttentionDecoder> make_decoder(const PretrainedConfig& c) {
  bart::BartParams p;
  p.class_prefix = "TrOCR";
  // Sinusoids count positions over non-pad tokens from pad_token_id + 1, as M2M100's do.
  p.positions = c.get_bool("use_learned_position_embeddings") ? bart::Positions::Learned : bart::Positions::Fairseq;
  p.layernorm_embedding = c.get_bool("layernorm_embedding");
  p.final_logits_bias = false;
  p.base_shifts = false;
  return bart::make_decoder_stack(c, p);
}

}  // namespace transformers::trocr
