#pragma once
// BART and the encoder-decoders derived from it (transformers/models/bart/modeling_bart.py): one
// backbone parameterized by what mBART, Marian, Pegasus and M2M100 change — position scheme,
// pre- or post-norm, embedding layer norm, shared or separate vocabularies.
#include "models/seq2seq.hpp"

namespace transformers::bart {

enum class Positions {
  Learned,     // BART, mBART: learned table, ids offset by 2
  Sinusoidal,  // Marian, Pegasus: sin half then cos half, computed in double
  Fairseq,     // M2M100: fairseq sinusoids indexed from the padding-aware token positions
};

struct BartParams {
  std::string class_prefix = "Bart";
  Positions positions = Positions::Learned;
  bool layernorm_embedding = true;  // a LayerNorm right after the embeddings
  bool pre_norm = false;            // norm before each sublayer, plus a final encoder/decoder layer_norm
  bool final_logits_bias = true;
  bool mbart_shift = false;         // decoder inputs start with the row's last non-pad token
  bool base_shifts = true;          // the base model derives decoder_input_ids from input_ids
  bool marian_vocab = false;        // decoder_vocab_size; shared embeddings only if share_encoder_decoder_embeddings
  int64_t position_offset = 2;      // learned positions: id offset (Whisper: 0)
  std::string max_positions_key = "max_position_embeddings";  // decoder positions (Whisper: max_target_positions)
  bool k_proj_bias = true;
  bool embed_scale = true;          // apply sqrt(d_model) when scale_embedding (Whisper computes it, never applies it)
  // Whisper: the encoder reads log-mel input_features through two GELU convolutions plus a
  // position table over max_source_positions frames; no shared embedding; the head is proj_out.
  bool audio_encoder = false;
  // Whisper: in generation, decoder positions follow the decoder mask (cumsum - 1, pads at 0), so
  // left-padded rows of a batch count from their first real token.
  bool positions_from_mask = false;
};

ConfigSpec config_spec();

// A decoder stack on its own (TrOCR's TrOCRDecoder), from a decoder-only config: d_model,
// decoder_layers / _attention_heads / _ffn_dim, vocab_size, max_position_embeddings and
// cross_attention_hidden_size (the encoder width its cross-attention reads; d_model when null).
std::unique_ptr<CrossAttentionDecoder> make_decoder_stack(const PretrainedConfig& c, const BartParams& p);
const Seq2SeqFamily& family();
// *ForCausalLM: the family's decoder alone (model.decoder) with a tied lm_head; logits of input_ids.
std::unique_ptr<PreTrainedModel> make_causal_lm(const PretrainedConfig& c, const BartParams& p);
std::unique_ptr<PreTrainedModel> make_for_causal_lm(const PretrainedConfig& c);  // BartForCausalLM
// A family from its parameters, as each derived family's file does.
Seq2SeqFamily family_for(const BartParams& p);
// The config defaults every BART-derived config class shares, with `extra` (a JSON object body)
// overriding them.
std::string config_defaults(const std::string& extra);
extern const std::map<std::string, std::string> kAttributeMap;

}  // namespace transformers::bart
