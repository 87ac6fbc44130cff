#pragma once
// What every encoder-decoder family shares (BART, mBART, Marian, Pegasus, M2M100, T5): the
// backbone interface (HF's *Model: embeddings, encoder, decoder) and the classes built on it —
// the base model, *ForConditionalGeneration with generate(), the encoder-only model and the
// sequence classification / question answering heads.
#include "models/generative.hpp"

namespace transformers {

class Seq2SeqBackbone : public nn::Module {
 public:
  // Encoder last_hidden_state [B, S, H] for the family's main input (input_ids [B, S], or
  // input_features); attention_mask [B, S] or undefined.
  virtual Tensor encode(const Tensor& input_ids, const Tensor& attention_mask) const = 0;
  // The same, also collecting Python's encoder hidden_states: each layer's input, then the
  // last_hidden_state. ValueError for families that do not expose them.
  virtual Tensor encode(const Tensor& input_ids, const Tensor& attention_mask, std::vector<Tensor>& hidden_states) const;
  // Decoder hidden states [B, S, H] of new tokens ids [B, S] at positions past..past+S-1, where
  // past is the cache's length (0 without a cache). decoder_mask [B, past + S] 0/1 or undefined;
  // encoder_mask [B, T_enc] or undefined. With a cache, cross-attention keys/values are projected
  // once and kept there.
  // What the decoder's cross-attention reads of the encoder output (VisionEncoderDecoder's
  // enc_to_dec_proj); Python reports the encoder output before it.
  virtual Tensor cross_states(const Tensor& encoder_hidden) const { return encoder_hidden; }
  virtual Tensor decode(const Tensor& ids, const Tensor& decoder_mask, const Tensor& encoder_hidden, const Tensor& encoder_mask,
                        nn::KVCache* cache) const = 0;
  virtual int64_t hidden_size() const = 0;
  virtual int64_t num_decoder_layers() const = 0;
  virtual int64_t decoder_vocab_size() const = 0;
  // Longest decoder sequence the position scheme allows, or 0 when unbounded.
  virtual int64_t max_positions() const { return 0; }
  // Python's _tied_weights_keys of the *Model (encoder / decoder embed_tokens -> shared), paths
  // under the backbone.
  virtual std::vector<std::pair<std::string, std::string>> tied_embeddings() const = 0;
  // The embedding the LM head ties to ("shared.weight", Marian: "decoder.embed_tokens.weight").
  virtual std::string lm_head_tie_source() const = 0;
  virtual std::string lm_head_name() const { return "lm_head"; }  // or proj_out
  // *ForConditionalGeneration extras: the final_logits_bias buffer, T5's d_model^-0.5 scaling.
  virtual bool has_final_logits_bias() const { return false; }
  virtual float decoder_output_scale() const { return 1.0f; }
  // T5 ties its embeddings whatever config.json says (v5's T5Config forces tie_word_embeddings).
  virtual bool always_ties_embeddings() const { return false; }
  // BART's shift_tokens_right (mBART rotates the language id to the front instead).
  virtual Tensor shift_right(const Tensor& input_ids, const PretrainedConfig& c) const;
  // Whether the base model's forward derives decoder_input_ids from input_ids when none are given
  // (BART, mBART); T5Model, Marian, Pegasus and M2M100 require them.
  virtual bool base_shifts_inputs() const { return false; }
  // Checkpoint renames and weights allowed to be missing, for backbones built on other models
  // (VisionEncoderDecoder defers to its encoder's).
  virtual std::string checkpoint_key(const std::string& key) const { return key; }
  virtual std::vector<std::string> may_be_missing() const { return {}; }
};

// A decoder with cross-attention on its own (TrOCR's, GPT-2's with add_cross_attention), as
// VisionEncoderDecoderModel composes one with any encoder.
class CrossAttentionDecoder : public nn::Module {
 public:
  // Hidden states [B, S, H] of ids [B, S] after the cache's tokens (see Seq2SeqBackbone::decode).
  virtual Tensor operator()(const Tensor& ids, const Tensor& mask, const Tensor& encoder_hidden, const Tensor& encoder_mask,
                            nn::KVCache* cache) const = 0;
  virtual int64_t max_positions() const = 0;  // 0 when unbounded
  virtual int64_t vocab_size() const = 0;
};

// The steps a family's own generate() (Seq2SeqFamily::generate) composes on its
// *ForConditionalGeneration: e.g. an audio family that encodes window by window and decodes each
// window from its own prompt. The encoder output the decoder reads is the one last set here.
class Seq2SeqSteps {
 public:
  virtual ~Seq2SeqSteps() = default;
  virtual const PretrainedConfig& config() const = 0;
  virtual const Seq2SeqBackbone& backbone() const = 0;
  // Whether the caller gave decoder_input_ids (a family building its own prompt may refuse them).
  virtual bool has_decoder_prompt() const = 0;
  // Encodes these encoder inputs (all rows) and keeps the output for the decoder.
  virtual void encode(const Tensor& inputs) = 0;
  // Keeps only these rows of the last encoded output.
  virtual void use_rows(const std::vector<int64_t>& rows) = 0;
  // The shared generate() on the kept encoder output from this decoder prompt [rows, L] and mask.
  virtual GenerateOutput decode(const Tensor& prompt, const Tensor& mask, const GenerationConfig& call) = 0;
  // The decoder's logits [rows, vocab] (f32) at `position` of the prompt, before any processor.
  virtual Tensor prompt_logits(const Tensor& prompt, const Tensor& mask, int64_t position) = 0;
  // Per row, the highest-scoring of `candidates` after one decoder step from `start` (the lowest
  // id among ties, as argmax picks).
  virtual std::vector<int64_t> best_first_token(int64_t rows, int64_t start, std::vector<int64_t> candidates) = 0;
  // Cross-attention probabilities of these (layer, head) pairs over the tokens fed [rows, S]:
  // per pair [rows, S, T_enc] f32.
  virtual std::vector<Tensor> cross_attentions(const Tensor& ids, const Tensor& mask,
                                               const std::vector<std::pair<int64_t, int64_t>>& heads) = 0;
};

struct Seq2SeqFamily {
  std::string prefix;        // base_model_prefix: "model", or "transformer" for T5
  std::string class_prefix;  // "Bart", "T5": class names in errors
  // T5's *ForConditionalGeneration keeps shared / encoder / decoder at the root, not under prefix.
  bool lm_at_root = false;
  // What the encoder reads: "input_ids", or an audio encoder's "input_features" [B, mel bins, frames].
  std::string main_input = "input_ids";
  // encoder_only: T5EncoderModel's stack (shared + encoder).
  std::function<std::unique_ptr<Seq2SeqBackbone>(const PretrainedConfig&, bool encoder_only)> backbone;
  // The family's own generate() in place of the shared one (encoder once, then the decoder from
  // decoder_start_token_id), given the encoder input, its mask, the merged and the call's own
  // generation config, and the start token. Unset: the shared one.
  std::function<GenerateOutput(Seq2SeqSteps& steps, const Tensor& inputs, const Tensor& attention_mask, const GenerationConfig& merged,
                               const GenerationConfig& overrides, int64_t start)>
      generate;
};

// A layer's cross-attention keys and values of the encoder output, through the cache when there
// is one: k_proj / v_proj applied to `encoder_hidden`, as [B, T_enc, H, D].
nn::KVCache::Cross cross_key_values(const nn::Linear& k_proj, const nn::Linear& v_proj, const Tensor& encoder_hidden, int64_t heads,
                                    nn::KVCache* cache, int64_t layer);

std::unique_ptr<PreTrainedModel> make_seq2seq_base_model(const PretrainedConfig& c, const Seq2SeqFamily& f);
std::unique_ptr<PreTrainedModel> make_seq2seq_lm(const PretrainedConfig& c, const Seq2SeqFamily& f);
std::unique_ptr<PreTrainedModel> make_seq2seq_encoder_model(const PretrainedConfig& c, const Seq2SeqFamily& f);
// classification_head(dense, tanh, out_proj) over the decoder state at each row's last eos
std::unique_ptr<PreTrainedModel> make_seq2seq_sequence_classification(const PretrainedConfig& c, const Seq2SeqFamily& f);
// classifier over the encoder states (T5ForTokenClassification)
std::unique_ptr<PreTrainedModel> make_seq2seq_token_classification(const PretrainedConfig& c, const Seq2SeqFamily& f);
// qa_outputs over the decoder states
std::unique_ptr<PreTrainedModel> make_seq2seq_question_answering(const PretrainedConfig& c, const Seq2SeqFamily& f);
// *ForAudioClassification: projector, mean over frames, classifier on the encoder (or the
// softmax(layer_weights)-weighted sum of its hidden states)
std::unique_ptr<PreTrainedModel> make_seq2seq_audio_classification(const PretrainedConfig& c, const Seq2SeqFamily& f);

}  // namespace transformers
