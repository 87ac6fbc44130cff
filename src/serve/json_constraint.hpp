#pragma once
// Constrained decoding for the server's response_format: only tokens that keep the generated text
// a prefix of a JSON document valid against a schema (json_schema), or of any JSON object
// (json_object), may be sampled, and end-of-sequence only once the document is complete. So the
// output always parses and validates, whatever the model prefers.
//
// The schema is compiled to a small pushdown recognizer fed byte by byte (JsonMatcher). A token is
// allowed when the recognizer survives all of its bytes; the vocabulary is walked as a trie of the
// tokens' bytes, so shared prefixes are checked once and a dead prefix prunes its whole subtree.
// Keywords the recognizer cannot enforce (pattern, numeric bounds, oneOf, allOf, not, ...) are
// refused with a JsonSchemaError rather than produce output that might not validate; annotations
// (title, description, default, examples, format) are accepted and not enforced, as JSON Schema
// allows for format.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "io/json.hpp"
#include "transformers/errors.hpp"

namespace transformers {
class PreTrainedTokenizer;
}

namespace transformers::serve {

// An unsupported or malformed schema: the server answers 400 naming the keyword.
class JsonSchemaError : public ValueError { using ValueError::ValueError; };

struct CompiledSchema;  // the schema as recognizer nodes

// Compiles `schema` (null: any JSON object, response_format json_object). Local $ref
// (#/$defs/..., #/definitions/...) and recursion are supported.
std::shared_ptr<const CompiledSchema> compile_json_schema(const Json* schema);

// Byte-level recognizer of the documents a schema accepts, at most 32 levels deep, whitespace
// runs between tokens at most 4 bytes (a model cannot stall in whitespace forever), numbers at
// most 16 digits per part.
class JsonMatcher {
 public:
  explicit JsonMatcher(std::shared_ptr<const CompiledSchema> schema);
  ~JsonMatcher();
  JsonMatcher(const JsonMatcher&);
  JsonMatcher& operator=(const JsonMatcher&);
  // Feeds bytes; false (and the state unchanged) when the text would no longer be a prefix of an
  // accepted document.
  bool feed(std::string_view bytes);
  // The text so far is a complete accepted document.
  bool can_finish() const;
  // Complete, and no byte may follow.
  bool done() const;

  struct State;

 private:
  std::shared_ptr<const CompiledSchema> schema_;
  std::unique_ptr<State> state_;
  friend class TokenConstraint;
};

// The bytes each token id stands for in decoded text (byte-level BPE mapped back to bytes,
// SentencePiece's "▁" as a space and <0xNN> pieces as their byte); empty for special and added
// tokens, which constrained output never contains.
struct TokenVocabulary;
std::shared_ptr<const TokenVocabulary> token_vocabulary(const PreTrainedTokenizer& tokenizer);
std::shared_ptr<const TokenVocabulary> token_vocabulary(std::vector<std::string> token_bytes);
// The bytes of one id ("" for special tokens and ids outside the vocabulary).
std::string_view token_bytes(const TokenVocabulary& vocab, int64_t id);

// SamplingParams::constrain for one request: keeps a JsonMatcher in step with the tokens generated
// so far and masks (sets to -inf) every logit whose token cannot follow; eos_ids only when the
// document is complete (then nothing else). Ids past the vocabulary (padded lm heads) are masked.
std::function<void(const std::vector<int64_t>& generated, float* logits, int64_t V)> json_constraint(
    std::shared_ptr<const CompiledSchema> schema, std::shared_ptr<const TokenVocabulary> vocab, std::vector<int64_t> eos_ids);

}  // namespace transformers::serve
