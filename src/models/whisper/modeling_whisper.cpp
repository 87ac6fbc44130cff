// Whisper (modeling_whisper.py): a pre-norm BART whose encoder reads log-mel features through two
// GELU convolutions (the second halves the frames) and a position table, with unbiased k_proj,
// unscaled embeddings, learned decoder positions without offset, and the head `proj_out` tied to
// the decoder's embed_tokens.
#include "models/whisper/modeling_whisper.hpp"

namespace transformers::whisper {

ConfigSpec config_spec() {
  return {"whisper", "WhisperConfig", bart::config_defaults(R"({
    "vocab_size": 51865, "num_mel_bins": 80, "encoder_layers": 4, "encoder_attention_heads": 6, "decoder_layers": 4,
    "decoder_attention_heads": 6, "decoder_ffn_dim": 1536, "encoder_ffn_dim": 1536, "d_model": 384,
    "decoder_start_token_id": 50257, "pad_token_id": 50256, "bos_token_id": 50256, "eos_token_id": 50256,
    "max_source_positions": 1500, "max_target_positions": 448, "forced_eos_token_id": null, "max_position_embeddings": null,
    "begin_suppress_tokens": [220, 50256], "suppress_tokens": null, "use_weighted_layer_sum": false,
    "apply_spec_augment": false, "median_filter_width": 7, "classifier_proj_size": 256
  })"), {{"num_key_value_heads", "encoder_attention_heads"}, {"num_attention_heads", "encoder_attention_heads"}, {"hidden_size", "d_model"}}};
}

bart::BartParams params() {
  bart::BartParams p;
  p.class_prefix = "Whisper", p.layernorm_embedding = false, p.pre_norm = true, p.final_logits_bias = false;
  p.base_shifts = false, p.position_offset = 0, p.max_positions_key = "max_target_positions", p.k_proj_bias = false;
  p.embed_scale = false, p.audio_encoder = true, p.positions_from_mask = true;
  return p;
}

const Seq2SeqFamily& family() {
  static const Seq2SeqFamily f = bart::family_for(params());
  return f;
}

std::unique_ptr<PreTrainedModel> make_for_causal_lm(const PretrainedConfig& c) { return bart::make_causal_lm(c, params()); }

}  // namespace transformers::whisper
