#pragma once
// The tokenizer.json component interfaces; one implementation file per component kind, each
// dispatching on the JSON "type" like the Rust library.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "io/json.hpp"
#include "tokenizers/normalized.hpp"
#include "transformers/tokenizer.hpp"

namespace transformers::tok {

struct Normalizer {
  virtual ~Normalizer() = default;
  virtual void normalize(NormalizedString& s) const = 0;
};

struct PreTokenizer {
  virtual ~PreTokenizer() = default;
  // Splits every piece; pieces keep their alignments to the original input.
  virtual void pre_tokenize(std::vector<NormalizedString>& pieces) const = 0;
};

struct Token {
  int64_t id;
  std::string value;
  size_t begin, end;  // byte offsets inside the word's normalized text
};

struct Model {
  virtual ~Model() = default;
  virtual std::vector<Token> tokenize(const std::string& word) const = 0;
  virtual std::optional<int64_t> token_to_id(const std::string& t) const = 0;
  virtual std::optional<std::string> id_to_token(int64_t id) const = 0;
  virtual size_t vocab_size() const = 0;
  virtual std::map<std::string, int64_t> vocab() const = 0;
  virtual bool is_bpe() const { return false; }
};

// Encodings here carry byte offsets; the public Encoding converts them to code points at the end.
struct PostProcessor {
  virtual ~PostProcessor() = default;
  virtual size_t added_tokens(bool pair) const = 0;
  // Like the Rust process_encodings: one or two encodings in; the result is merged by the caller.
  virtual std::vector<Encoding> process_encodings(std::vector<Encoding> encs, bool add_special) const = 0;
};
// Runs `p` (may be null) over (a, b) and merges what it returns, overflows included.
Encoding post_process(const PostProcessor* p, Encoding a, std::optional<Encoding> b, bool add_special);

struct Decoder {
  virtual ~Decoder() = default;
  virtual std::vector<std::string> decode_chain(std::vector<std::string> tokens) const = 0;
};

// SentencePiece's precompiled charsmap: a darts-clone double-array trie over UTF-8 bytes whose
// leaves index NUL-terminated replacement strings.
class CharsMap {
 public:
  explicit CharsMap(const std::string& blob);
  static CharsMap from_base64(const std::string& b64);
  // The replacement of the shortest (HF's Precompiled) or longest (SentencePiece's own normalizer)
  // rule matching a prefix of p[0, n), its length in *len; nullptr when none matches.
  const char* match(const char* p, size_t n, bool longest, size_t* len = nullptr) const;
  const char* shortest(const std::string& key) const { return match(key.data(), key.size(), false); }

 private:
  std::vector<uint32_t> trie_;
  std::string strings_;
};

std::unique_ptr<Normalizer> make_normalizer(const Json& j);
std::unique_ptr<PreTokenizer> make_pre_tokenizer(const Json& j);
// A tokenizer.json's model.vocab and model.merges, read into flat tables instead of the JSON tree
// (which keeps them as empty containers of their kind); `error` is the first malformed entry, for
// the model to raise under its name.
struct ModelTables {
  bool vocab_object = false, vocab_array = false, has_merges = false;
  std::vector<std::pair<std::string, int64_t>> vocab;           // {"piece": id, ...}
  std::vector<std::pair<std::string, double>> scores;          // [["piece", score], ...]
  std::vector<std::pair<std::string, std::string>> merges;      // "a b" or ["a", "b"]
  std::string error;
};
Json parse_tokenizer_json(const std::string& text, const std::string& source, ModelTables& tables);
// `tables` (moved from) stand in for the vocab / merges of `j` when given.
std::unique_ptr<Model> make_model(const Json& j, ModelTables* tables = nullptr);
std::unique_ptr<PostProcessor> make_post_processor(const Json& j);
std::unique_ptr<Decoder> make_decoder(const Json& j);
// Our own component types for the slow SentencePiece classes (MarianTokenizer, M2M100Tokenizer):
// "SpmVocab" runs SentencePiece's encode (its normalizer and model) and maps pieces through
// vocab.json; "SpmDecoder" is the class's convert_tokens_to_string over SentencePiece's decode.
std::unique_ptr<Model> make_spm_vocab_model(const Json& j, ModelTables* tables);
std::unique_ptr<Decoder> make_spm_decoder(const Json& j);

// A TemplateProcessing object: items "$A:0", "$B:1" or "<token>:type", and the special tokens' ids.
Json template_processing(const std::vector<std::string>& single, const std::vector<std::string>& pair,
                         const std::map<std::string, int64_t>& special_ids);
// transformers v5's update_post_processor: [bos] $A [eos], then [bos] $B [eos] with type 1; a flag
// whose token is empty is dropped.
Json bos_eos_template(bool add_bos, const std::string& bos, int64_t bos_id, bool add_eos, const std::string& eos, int64_t eos_id);

// Shared by the ByteLevel pre-tokenizer, normalizer and decoder.
const std::vector<char32_t>& bytes_to_unicode();
const std::unordered_map<char32_t, uint8_t>& unicode_to_bytes();

// Split machinery shared by pre-tokenizers: segments (range, is_match) covering the piece.
enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };
SplitBehavior parse_behavior(const Json& j);
void split_piece(const NormalizedString& piece, const std::vector<std::pair<size_t, size_t>>& matches, SplitBehavior b,
                 bool invert, std::vector<NormalizedString>& out);

// The word-level clean-up transformers and the WordPiece / CTC decoders share.
std::string cleanup_tokenization(std::string s, bool do_not);

// An added-token entry ({content, single_word, lstrip, rstrip, normalized, special}) of
// tokenizer.json's added_tokens or tokenizer_config.json's added_tokens_decoder.
AddedToken parse_added_token(const Json& j);
// Literal replacement of every occurrence of `from`.
std::string replace_literal(const std::string& s, const std::string& from, const std::string& to);

// JSON helpers that name the component in errors.
const Json& jfield(const Json& j, const char* key, const char* where);
std::string jstring(const Json& j, const char* key, const std::string& def);
bool jbool(const Json& j, const char* key, bool def);

}  // namespace transformers::tok
