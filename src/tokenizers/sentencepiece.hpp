#pragma once
// SentencePiece model files (*.model: a ModelProto) read straight off the protobuf wire format, and
// the tokenizer.json pipelines transformers v5's tokenizer classes build from them.
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
  bool add_dummy_prefix = true;
};

// TokenizerError naming the file for anything that is not a SentencePiece model.
SpmModel read_spm(const std::string& path);

// The tokenizer.json text of `tokenizer_class` (LlamaTokenizer, T5Tokenizer, XLMRobertaTokenizer, with
// or without "Fast") built from the model as v5's class does, or "" for a class we do not convert.
// `cfg` is tokenizer_config.json (special tokens, add_bos_token / add_eos_token, legacy, extra_ids).
std::string spm_tokenizer_json(const SpmModel& m, const std::string& tokenizer_class, const Json& cfg);
// The vocabulary file name the class reads ("tokenizer.model", "spiece.model", ...), or "".
std::string spm_vocab_file(const std::string& tokenizer_class);

}  // namespace transformers::tok
