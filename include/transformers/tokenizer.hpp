#pragma once
// Tokenizers: the tokenizer.json pipeline (Tokenizer) and the transformers layer on top of it
// (PreTrainedTokenizer from tokenizer_config.json), reached through AutoTokenizer.
#include <ctime>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "transformers/export.hpp"
#include "transformers/hub.hpp"
#include "transformers/tensor.hpp"

namespace transformers {

struct TRANSFORMERS_API Encoding {
  std::vector<int64_t> ids, type_ids, attention_mask, special_tokens_mask;
  std::vector<std::string> tokens;
  std::vector<std::pair<int64_t, int64_t>> offsets;  // code points of the input, as Python returns them
  std::vector<std::optional<int64_t>> word_ids;
  std::vector<std::optional<int64_t>> sequence_ids;
  std::vector<Encoding> overflowing;
  size_t size() const { return ids.size(); }
};

struct TRANSFORMERS_API AddedToken {
  std::string content;
  bool single_word = false, lstrip = false, rstrip = false, normalized = true, special = false;
};

class Tokenizer;

// Incremental decoding for streaming generation (the Rust DecodeStream): feed ids one at a
// time; text comes out as soon as it is complete (never a partial UTF-8 character).
class TRANSFORMERS_API DecodeStream {
 public:
  DecodeStream(const Tokenizer& tok, bool skip_special_tokens = false) : tok_(&tok), skip_(skip_special_tokens) {}
  std::optional<std::string> step(int64_t id);

 private:
  const Tokenizer* tok_;
  bool skip_;
  std::vector<int64_t> ids_;
  std::string prefix_;
  size_t prefix_index_ = 0;
};

struct TRANSFORMERS_API TruncationParams {
  int64_t max_length = 0;
  std::string strategy = "longest_first";  // longest_first | only_first | only_second
  int64_t stride = 0;
  std::string direction = "right";
};

struct TRANSFORMERS_API PaddingParams {
  std::optional<int64_t> length;  // nullopt: longest in the batch
  std::optional<int64_t> pad_to_multiple_of;
  std::string direction = "right";
  int64_t pad_id = 0, pad_type_id = 0;
  std::string pad_token = "[PAD]";
};

namespace tok { struct Pipeline; struct PostProcessor; }

// One tokenizer.json, interpreted exactly as the Rust `tokenizers` library does.
class TRANSFORMERS_API Tokenizer {
 public:
  static Tokenizer from_file(const std::string& path);
  static Tokenizer from_str(const std::string& json, const std::string& source = "tokenizer.json");

  Encoding encode(const std::string& text, const std::string* pair = nullptr, bool add_special_tokens = true) const;
  std::vector<Encoding> encode_batch(const std::vector<std::string>& texts, const std::vector<std::string>* pairs = nullptr,
                                     bool add_special_tokens = true) const;
  std::string decode(const std::vector<int64_t>& ids, bool skip_special_tokens = false) const;
  // Python's convert_tokens_to_string: the decoder chain over token strings.
  std::string decode_tokens(const std::vector<std::string>& tokens) const;

  std::optional<int64_t> token_to_id(const std::string& token) const;
  std::optional<std::string> id_to_token(int64_t id) const;
  size_t get_vocab_size(bool with_added_tokens = true) const;
  std::map<std::string, int64_t> get_vocab(bool with_added_tokens = true) const;
  size_t add_tokens(const std::vector<AddedToken>& tokens);  // returns how many were new
  bool is_special(const std::string& token) const;
  bool is_bpe() const;

  // Per-call settings (transformers pushes its arguments here); nullopt disables.
  void set_truncation(std::optional<TruncationParams> t);
  void set_padding(std::optional<PaddingParams> p);
  const std::optional<TruncationParams>& truncation() const;
  const std::optional<PaddingParams>& padding() const;
  void set_encode_special_tokens(bool v);
  // Tokens the post-processor adds for one sequence (pair=false) or two.
  size_t num_special_tokens_to_add(bool pair) const;
  // Replaces this copy's post-processor (a tokenizer.json "post_processor" object), as transformers'
  // classes do when their language or special tokens change; TokenizerError if it is malformed.
  void set_post_processor(const std::string& json);

 private:
  std::shared_ptr<tok::Pipeline> p_;  // shared by copies; settings below are per copy
  std::shared_ptr<tok::PostProcessor> post_;
  std::optional<TruncationParams> trunc_;
  std::optional<PaddingParams> pad_;
  bool encode_special_ = false;
};

struct TRANSFORMERS_API TokenizerCallOptions {
  bool add_special_tokens = true;
  std::string padding = "do_not_pad";  // do_not_pad | longest | max_length
  std::string truncation;              // "" (none) | longest_first | only_first | only_second
  std::optional<int64_t> max_length;
  int64_t stride = 0;
  std::optional<int64_t> pad_to_multiple_of;
  std::string padding_side;            // "" = the tokenizer's
  bool return_overflowing_tokens = false;
  // Special tokens written in the text are encoded as plain text; nullopt: tokenizer_config's setting.
  std::optional<bool> split_special_tokens;
  // Invalid UTF-8 in a text: "strict" raises a TokenizerError, "replace" reads each maximal invalid
  // sequence as U+FFFD, as bytes.decode(errors="replace") does.
  std::string errors = "strict";
};

struct TRANSFORMERS_API BatchEncoding {
  std::vector<Encoding> encodings;
  std::vector<int64_t> overflow_to_sample_mapping;
  bool has_token_type_ids = false;
  // Rectangular [batch, seq] i64 tensors (requires padding when lengths differ).
  Tensor input_ids() const;
  Tensor attention_mask() const;
  Tensor token_type_ids() const;
  // tokenizer(text, text_target=...): the targets' input_ids (padded as the inputs are); empty without targets.
  std::vector<std::vector<int64_t>> labels;
  Tensor labels_tensor() const;  // [batch, seq] i64; ValueError when ragged or absent
};

struct TRANSFORMERS_API TokenizerOptions : HubOptions {};

struct TRANSFORMERS_API ChatTemplateOptions {
  bool add_generation_prompt = false;
  bool continue_final_message = false;
  std::string tools_json;                       // JSON list of tool schemas, "" for none
  std::map<std::string, std::string> kwargs;    // extra template variables as JSON text (enable_thinking, ...)
  std::string chat_template;                    // overrides the tokenizer's template when set
  std::optional<std::tm> now;                   // the local time strftime_now formats; the system clock when unset
};

// The transformers tokenizer: tokenizer.json plus tokenizer_config.json (special tokens,
// model_max_length, padding side, clean-up), with Python's call / decode API.
class TRANSFORMERS_API PreTrainedTokenizer {
 public:
  static std::unique_ptr<PreTrainedTokenizer> from_files(const std::string& tokenizer_json, const std::string& tokenizer_config_json);
  // tokenizer.json given as text (e.g. converted from vocab.txt); `folder` holds chat_template.jinja if any;
  // `tokenizer_class` stands in when tokenizer_config.json names none (AutoTokenizer reads config.json's model_type).
  // `tokenizer_config_json` is a path, or the config's JSON text itself when it starts with '{'
  // (a GGUF file's metadata converted; AutoTokenizer with TokenizerOptions::gguf_file).
  static std::unique_ptr<PreTrainedTokenizer> from_files_json(const std::string& tokenizer_json_text, const std::string& tokenizer_config_json,
                                                              const std::string& folder, const std::string& source = "tokenizer.json",
                                                              const std::string& tokenizer_class = "");

  BatchEncoding operator()(const std::vector<std::string>& texts, const std::vector<std::string>* pairs = nullptr,
                           const TokenizerCallOptions& o = {}) const;
  // tokenizer(text, text_target=targets, max_target_length=...): the texts as operator() encodes
  // them, with `labels` the targets' input_ids encoded in target mode (MarianTokenizer: target.spm
  // and, with separate_vocabs, target_vocab.json; M2M100 / mBART / mBART-50 / NLLB: tgt_lang's code,
  // mBART's falling back on src_lang; other classes: as inputs). No texts: the targets' own
  // encoding, as text=None returns. ValueError when both are empty.
  BatchEncoding encode_with_targets(const std::vector<std::string>& texts, const std::vector<std::string>& text_target,
                                    const TokenizerCallOptions& o = {}, std::optional<int64_t> max_target_length = std::nullopt) const;
  Encoding encode(const std::string& text, const std::string* pair = nullptr, const TokenizerCallOptions& o = {}) const;
  std::string decode(const std::vector<int64_t>& ids, bool skip_special_tokens = false,
                     std::optional<bool> clean_up_tokenization_spaces = std::nullopt) const;
  std::vector<std::string> batch_decode(const std::vector<std::vector<int64_t>>& ids, bool skip_special_tokens = false) const;
  std::vector<std::string> convert_ids_to_tokens(const std::vector<int64_t>& ids) const;
  std::vector<int64_t> convert_tokens_to_ids(const std::vector<std::string>& tokens) const;  // misses -> unk id
  size_t add_tokens(const std::vector<std::string>& tokens, bool special = false);
  size_t vocab_size() const;  // len(tokenizer): with added tokens

  std::optional<std::string> special_token(const std::string& name) const;  // "bos_token", "pad_token", ...
  std::optional<int64_t> special_token_id(const std::string& name) const;
  std::optional<std::string> bos_token() const { return special_token("bos_token"); }
  std::optional<std::string> eos_token() const { return special_token("eos_token"); }
  std::optional<std::string> pad_token() const { return special_token("pad_token"); }
  std::optional<std::string> unk_token() const { return special_token("unk_token"); }
  std::optional<int64_t> pad_token_id() const { return special_token_id("pad_token"); }
  std::optional<int64_t> unk_token_id() const { return special_token_id("unk_token"); }
  std::optional<int64_t> bos_token_id() const { return special_token_id("bos_token"); }
  std::optional<int64_t> eos_token_id() const { return special_token_id("eos_token"); }
  int64_t model_max_length() const { return model_max_length_; }
  const std::string& padding_side() const { return padding_side_; }
  const std::string& truncation_side() const { return truncation_side_; }
  bool clean_up_tokenization_spaces() const { return clean_up_; }
  const std::vector<std::string>& model_input_names() const { return model_input_names_; }
  // WhisperTokenizer.get_prompt_ids: <|startofprev|> then " " + the stripped text, for
  // GenerationConfig::prompt_ids. ValueError for a tokenizer without <|startofprev|>, or text that
  // encodes to a special token.
  std::vector<int64_t> get_prompt_ids(const std::string& text) const;
  const std::string& chat_template() const { return chat_template_; }
  // Translation tokenizers with language codes (M2M100Tokenizer, MBartTokenizer, MBart50Tokenizer,
  // NllbTokenizer): inputs carry the source language's token where the class puts it (src_lang's
  // setter); lang_id gives a language's token id for forced_bos_token_id (get_lang_id /
  // convert_tokens_to_ids). ValueError for an unknown language or a tokenizer without codes.
  bool has_language_codes() const { return lang_.has_value(); }
  void set_src_lang(const std::string& lang);
  std::optional<std::string> src_lang() const;
  std::optional<std::string> tgt_lang() const;  // tokenizer_config.json's or set_tgt_lang's, if any
  void set_tgt_lang(const std::string& lang);
  int64_t lang_id(const std::string& lang) const;
  // Renders the chat template over `messages_json` (a JSON list of {role, content, ...}) the way
  // apply_chat_template(tokenize=False) does; TemplateError for template failures.
  std::string apply_chat_template(const std::string& messages_json, const ChatTemplateOptions& o = {}) const;
  // The same, tokenized without adding special tokens (the template carries them).
  std::vector<int64_t> apply_chat_template_ids(const std::string& messages_json, const ChatTemplateOptions& o = {}) const;
  const Tokenizer& backend() const { return tok_; }
  // Wav2Vec2CTCTokenizer.decode(output_char_offsets=True): each emitted character (repeats
  // collapsed, blanks dropped, the word delimiter spelled as a space) with the frames it spans
  // [start, end). ValueError for tokenizers that are no CTC tokenizer.
  struct CharOffset {
    std::string text;
    int64_t start, end;
  };
  std::vector<CharOffset> ctc_char_offsets(const std::vector<int64_t>& ids) const;

 private:
  struct CtcSettings {
    std::string word_delimiter, replace_char;
    bool do_lower_case;
  };
  std::string ctc_decode(const std::vector<int64_t>& ids, bool skip_special) const;
  std::optional<CtcSettings> ctc_;  // Wav2Vec2CTCTokenizer
  struct LanguageCodes {
    bool prefix;                       // [code] $A [eos], else $A [eos, code]
    std::string before, after;         // around the code in its token ("__en__" for M2M100)
    std::string src, tgt;
    bool tgt_defaults_to_src = true;  // mBART, mBART-50, NLLB; M2M100 needs a tgt_lang
  };
  std::optional<LanguageCodes> lang_;
  std::string language_post_processor(const std::string& lang) const;  // TemplateProcessing JSON with lang's code
  std::shared_ptr<const PreTrainedTokenizer> target_;  // MarianTokenizer's target side (text_target)
  friend class AutoTokenizer;                          // which builds target_
  Tokenizer tok_;
  std::map<std::string, std::string> special_;
  int64_t model_max_length_ = static_cast<int64_t>(1e18);
  std::string padding_side_ = "right", truncation_side_ = "right";
  bool clean_up_ = false;
  bool clean_up_bpe_ = false;  // clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output
  std::vector<std::string> model_input_names_{"input_ids", "attention_mask"};
  std::string chat_template_;
  bool split_special_tokens_ = false;
};

class TRANSFORMERS_API AutoTokenizer {
 public:
  static std::unique_ptr<PreTrainedTokenizer> from_pretrained(const std::string& name_or_path, const TokenizerOptions& o = {});
};

}  // namespace transformers
