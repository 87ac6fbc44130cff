#pragma once
// SentencePiece model files (*.model: a ModelProto) read straight off the protobuf wire format, and
// the tokenizer.json pipelines transformers v5's tokenizer classes build from them.
#include <map>
#include <string>
#include <vector>

#include "io/json.hpp"

namespace transformers::tok {

struct SpmPiece {
  std::string piece;
  float score = 0;
  int type = 1;  // NORMAL 1, UNKNOWN 2, CONTROL 3, USER_DEFINED 4, UNUSED 5, BYTE 6
};

struct SpmModel {
  std::vector<SpmPiece> pieces;
  int model_type = 1;  // UNIGRAM 1, BPE 2, WORD 3, CHAR 4
  bool byte_fallback = false;
  int64_t unk_id = 0, bos_id = 1, eos_id = 2, pad_id = -1;
  std::string precompiled_charsmap;  // raw bytes
  bool add_dummy_prefix = true, remove_extra_whitespaces = true, escape_whitespaces = true;
  std::string unk_surface = " \xE2\x81\x87 ";  // what decode writes for the unknown piece
};

// TokenizerError naming the file for anything that is not a SentencePiece model.
SpmModel read_spm(const std::string& path);

// The tokenizer.json text of `tokenizer_class` (LlamaTokenizer, T5Tokenizer, XLMRobertaTokenizer, with
// or without "Fast") built from the model as v5's class does, or "" for a class we do not convert.
// `cfg` is tokenizer_config.json (special tokens, add_bos_token / add_eos_token, legacy, extra_ids).
std::string spm_tokenizer_json(const SpmModel& m, const std::string& tokenizer_class, const Json& cfg);
// The tokenizer.json text of the slow classes that keep SentencePiece next to their own vocab.json
// (MarianTokenizer, M2M100Tokenizer): SentencePiece's encode with pieces looked up in `vocab`,
// the class's special tokens and decode. `decode_spm` / `decode_vocab` are what decoding uses
// (Marian's target side when its vocabularies are separate); "" for another class.
std::string spm_vocab_tokenizer_json(const SpmModel& m, const Json& vocab, const std::string& tokenizer_class, const Json& cfg,
                                     const SpmModel* decode_spm = nullptr, const Json* decode_vocab = nullptr);
// mBART's language codes (its 25, or mBART-50's 52), in vocabulary order.
std::vector<std::string> mbart_language_codes(bool mbart50);
// Shared by the SentencePiece conversions: standard base64; transformers' generate_merges (each
// piece split in two pieces of `vocab`, ranked by the piece's id); a special token's content in a
// tokenizer_config ("" when null, `def` when absent).
std::string base64(const std::string& in);
Json generate_merges(const std::vector<std::string>& order, const std::map<std::string, int64_t>& vocab);
std::string special(const Json& cfg, const char* key, const std::string& def);

// M2M100's language codes ("m2m100" or "wmt21" from tokenizer_config's language_codes).
std::vector<std::string> m2m100_language_codes(const std::string& set);

// The vocabulary file name the class reads ("tokenizer.model", "spiece.model", ...), or "".
std::string spm_vocab_file(const std::string& tokenizer_class);

}  // namespace transformers::tok
