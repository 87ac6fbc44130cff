// Whisper (modeling_whisper.py): a pre-norm BART whose encoder reads log-mel features through two
// GELU convolutions (the second halves the frames) and a position table, with unbiased k_proj,
// unscaled embeddings, learned decoder positions without offset, and the head `proj_out` tied to
// the decoder's embed_tokens.
#include "models/whisper/modeling_whisper.hpp"

#include "models/whisper/generation_whisper.hpp"
#include "transformers/errors.hpp"

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

namespace {
// WhisperForConditionalGeneration.generate (generation_whisper.cpp) on the shared encoder-decoder
// steps: window by window from its init tokens, returning only the tokens after its decoder prompt
// and serving num_return_sequences by repeating the input (one beam result each).
GenerateOutput generate_strategy(Seq2SeqSteps& s, const Tensor& features, const Tensor& attention_mask, const GenerationConfig& g,
                                 const GenerationConfig& overrides, int64_t start) {
  if (s.has_decoder_prompt())  // Python's Whisper builds its own prompt; prompt_ids is its way to add text
    throw ValueError("generate: Whisper takes prompt_ids (and language / task), not decoder_input_ids");
  Model wm;
  wm.num_segment_frames = 2 * s.config().get_int("max_source_positions");
  wm.max_target_positions = s.backbone().max_positions();
  wm.vocab_size = s.config().get_int("vocab_size");
  wm.encode = [&](const Tensor& f) { s.encode(f); };
  wm.use_rows = [&](const std::vector<int64_t>& rows) { s.use_rows(rows); };
  // WhisperGenerationMixin.detect_language: one decoder step from the start token, the best language token per row.
  wm.detect_language = [&, V = s.backbone().decoder_vocab_size()](int64_t rows, const std::vector<int64_t>& lang_ids) {
    for (int64_t id : lang_ids)
      if (id < 0 || id >= V) throw ValueError("generation_config.lang_to_id holds id " + std::to_string(id) + " outside the vocabulary");
    return s.best_first_token(rows, start, lang_ids);
  };
  wm.decode = [&](const Tensor& prompt, const Tensor& mask, const GenerationConfig& call) { return s.decode(prompt, mask, call); };
  wm.prompt_logits = [&](const Tensor& prompt, const Tensor& mask, int64_t position) { return s.prompt_logits(prompt, mask, position); };
  wm.median_filter_width = s.config().get_int("median_filter_width", 7);
  wm.cross_attentions = [&](const Tensor& ids, const Tensor& mask, const std::vector<std::pair<int64_t, int64_t>>& heads) {
    return s.cross_attentions(ids, mask, heads);
  };
  return generate(features, attention_mask, g, overrides, wm);
}
}  // namespace

const Seq2SeqFamily& family() {
  static const Seq2SeqFamily f = [] {
    Seq2SeqFamily r = bart::family_for(params());
    r.generate = generate_strategy;
    return r;
  }();
  return f;
}

std::unique_ptr<PreTrainedModel> make_for_causal_lm(const PretrainedConfig& c) { return bart::make_causal_lm(c, params()); }

}  // namespace transformers::whisper
