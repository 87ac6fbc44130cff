#pragma once
// The OpenAI API's protocol pieces, free of HTTP and of the engine so each is unit-tested alone:
// typed API errors with their HTTP status, request-field readers that reject a wrong type or range
// with a 400 naming the field, sampling parameters from a request, stop strings matched on the
// detokenized text, and tool calls parsed back out of a model's text for the template families
// we render (Qwen / Hermes `<tool_call>`, Llama 3 JSON, Mistral `[TOOL_CALLS]`, gpt-oss harmony).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "io/json.hpp"
#include "serve/engine.hpp"
#include "serve/json_constraint.hpp"
#include "transformers/errors.hpp"
#include "transformers/generation.hpp"
#include "transformers/tokenizer.hpp"

namespace transformers::serve {

// An error the API answers with: HTTP status plus OpenAI's {"error": {message, type, param, code}}.
class ApiError : public Error {
 public:
  ApiError(int status, std::string message, std::string type = "invalid_request_error", std::string param = "",
           std::string code = "")
      : Error(message), status(status), type(std::move(type)), param(std::move(param)), code(std::move(code)) {}
  int status;
  std::string type, param, code;
};

// {"error": {"message", "type", "param", "code"}} (param and code null when empty).
nlohmann::json error_json(int status, const std::string& message, const std::string& type, const std::string& param = "",
                          const std::string& code = "");
// The body of an error response for any exception, with its status: ApiError keeps its own,
// QueueFullError 503, ValueError and the other input errors 400, anything else 500.
std::pair<int, nlohmann::json> error_for(const std::exception& e);

// Parses a request body: 400 for malformed JSON or a body that is not an object.
nlohmann::json parse_body(const std::string& body);

// Typed readers of optional request fields: nullopt when absent or null; ApiError 400 naming the
// field for a wrong type or a value outside [lo, hi].
std::optional<double> get_number(const nlohmann::json& body, const char* field, double lo, double hi);
std::optional<int64_t> get_int(const nlohmann::json& body, const char* field, int64_t lo, int64_t hi);
std::optional<bool> get_bool(const nlohmann::json& body, const char* field);
std::optional<std::string> get_string(const nlohmann::json& body, const char* field);

// The sampling fields shared by chat and completions (temperature, top_p, top_k, min_p, seed, n,
// penalties, logit_bias, max_tokens / max_completion_tokens, min_tokens, ignore_eos, stop_token_ids).
// `vocab` bounds logit_bias keys. max_tokens stays -1 when the request gives none (the caller fills
// in what the context leaves).
struct RequestSampling {
  SamplingParams params;
  int64_t n = 1;
  std::vector<std::string> stop;  // stop strings
  bool max_tokens_given = false;  // max_tokens / max_completion_tokens was in the request
};
// What a request that omits a sampling field gets: OpenAI's defaults, replaced by the model's
// generation_config.json where it sets temperature, top_p, top_k, min_p, repetition_penalty or
// max_new_tokens (vLLM's default `--generation-config auto`, so a model published with
// temperature 0.7 / top_p 0.8 samples that way unless the request says otherwise). As in vLLM,
// do_sample is not read: temperature alone picks greedy (0) or sampling.
struct SamplingDefaults {
  double temperature = 1.0, top_p = 1.0, min_p = 0.0, repetition_penalty = 1.0;
  int64_t top_k = 0;
  int64_t max_tokens = -1;  // -1: what the context leaves
};
SamplingDefaults sampling_defaults(const GenerationConfig& g);
RequestSampling parse_sampling(const nlohmann::json& body, int64_t vocab, const SamplingDefaults& defaults = {});

// Stop strings on the detokenized text, as vLLM / OpenAI match them: the output ends before the
// first stop string and excludes it. `feed` takes the whole text so far and returns how much of it
// may be sent (a tail that could still begin a stop string is held back); `stopped()` then gives
// the final length.
class StopMatcher {
 public:
  explicit StopMatcher(std::vector<std::string> stop);
  size_t feed(const std::string& text);  // bytes of `text` that are final
  bool stopped() const { return stop_at_.has_value(); }
  size_t stop_at() const { return *stop_at_; }

 private:
  std::vector<std::string> stop_;
  size_t max_len_ = 0;
  std::optional<size_t> stop_at_;
};

// How much of `text` ends with complete UTF-8 (a detokenized prefix may end inside a character).
size_t utf8_complete_prefix(const std::string& text);

// Tool calling.
enum class ToolFormat { kNone, kHermes, kLlama3Json, kMistral, kGptOss };
const char* tool_format_name(ToolFormat f);
// The format a chat template renders tool calls in, from the markers it writes.
ToolFormat detect_tool_format(const std::string& chat_template);

struct ToolCall {
  std::string id, name, arguments;  // arguments: JSON text of an object
};
struct ParsedToolOutput {
  std::string content;  // the text outside the calls (gpt-oss: the final channel)
  std::vector<ToolCall> calls;
};
// The tool calls in a model's output text (decoded with its special tokens); text that only
// looks like a call but does not parse as JSON stays content, as vLLM's parsers leave it.
ParsedToolOutput parse_tool_calls(const std::string& text, ToolFormat format);

// OpenAI "messages" -> the JSON list the chat template reads: text parts joined into a string,
// assistant tool_calls' argument strings parsed into objects (templates write them with tojson).
// ApiError 400 for a malformed message or a content part the model cannot read (images).
nlohmann::json messages_for_template(const nlohmann::json& messages);

// base64 of raw bytes (encoding_format "base64": the float32 little-endian bytes).
std::string base64_encode(const void* data, size_t size);

// Constant-time equality of a presented key and the configured one (no early exit on the first
// differing byte, so the time does not tell how much of a guess was right).
bool constant_time_equal(const std::string& a, const std::string& b);

// response_format json_object / json_schema -> the constraint SamplingParams::constrain runs
// (serve/json_constraint.hpp): only tokens that keep the output a prefix of a valid document, and
// the end ids once it is complete. A schema keyword the constraint cannot enforce is a 400 naming
// it. Returns an empty function for response_format absent or {"type": "text"}. `vocabulary`
// gives the tokenizer's token bytes (built once per server, on first use).
std::function<void(const std::vector<int64_t>&, float*, int64_t)> json_constraint_for(
    const nlohmann::json& response_format, const std::function<std::shared_ptr<const TokenVocabulary>()>& vocabulary,
    const std::vector<int64_t>& eos_ids);

// JSON text of a response (invalid UTF-8 in generated text replaced, never an exception).
std::string dump_json(const nlohmann::json& j);

}  // namespace transformers::serve
