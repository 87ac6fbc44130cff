#include "serve/openai.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

namespace transformers::serve {

using nlohmann::json;

json error_json(int status, const std::string& message, const std::string& type, const std::string& param,
                const std::string& code) {
  (void)status;
  json e = {{"message", message}, {"type", type}, {"param", nullptr}, {"code", nullptr}};
  if (!param.empty()) e["param"] = param;
  if (!code.empty()) e["code"] = code;
  return json{{"error", e}};
}

std::pair<int, json> error_for(const std::exception& e) {
  if (const auto* a = dynamic_cast<const ApiError*>(&e)) return {a->status, error_json(a->status, a->what(), a->type, a->param, a->code)};
  if (dynamic_cast<const QueueFullError*>(&e))
    return {503, error_json(503, e.what(), "service_unavailable", "", "queue_full")};
  // Inputs the library rejects (a prompt the engine cannot take, a template that raises, text the
  // tokenizer refuses) are the client's to fix.
  if (dynamic_cast<const ValueError*>(&e) || dynamic_cast<const TemplateError*>(&e) || dynamic_cast<const TokenizerError*>(&e) ||
      dynamic_cast<const JsonError*>(&e))
    return {400, error_json(400, e.what(), "invalid_request_error")};
  return {500, error_json(500, e.what(), "internal_server_error")};
}

json parse_body(const std::string& body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw ApiError(400, "the request body is not valid JSON");
  if (!j.is_object()) throw ApiError(400, "the request body must be a JSON object");
  return j;
}

namespace {
const json* field(const json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return nullptr;
  return &*it;
}
[[noreturn]] void bad_field(const char* name, const std::string& why) {
  throw ApiError(400, std::string("'") + name + "' " + why, "invalid_request_error", name);
}
}  // namespace

std::optional<double> get_number(const json& body, const char* name, double lo, double hi) {
  const json* v = field(body, name);
  if (!v) return std::nullopt;
  if (!v->is_number()) bad_field(name, "must be a number");
  const double d = v->get<double>();
  if (!std::isfinite(d) || d < lo || d > hi) bad_field(name, "must be in [" + json(lo).dump() + ", " + json(hi).dump() + "]");
  return d;
}

std::optional<int64_t> get_int(const json& body, const char* name, int64_t lo, int64_t hi) {
  const json* v = field(body, name);
  if (!v) return std::nullopt;
  if (!v->is_number_integer()) bad_field(name, "must be an integer");
  int64_t i;
  if (v->is_number_unsigned()) {
    const uint64_t u = v->get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) bad_field(name, "is out of range");
    i = static_cast<int64_t>(u);
  } else {
    i = v->get<int64_t>();
  }
  if (i < lo || i > hi) bad_field(name, "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return i;
}

std::optional<bool> get_bool(const json& body, const char* name) {
  const json* v = field(body, name);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) bad_field(name, "must be a boolean");
  return v->get<bool>();
}

std::optional<std::string> get_string(const json& body, const char* name) {
  const json* v = field(body, name);
  if (!v) return std::nullopt;
  if (!v->is_string()) bad_field(name, "must be a string");
  return v->get<std::string>();
}

SamplingDefaults sampling_defaults(const GenerationConfig& g) {
  SamplingDefaults d;
  // Values a request could not send are ignored (vLLM validates them the same way per request).
  if (g.temperature && *g.temperature >= 0 && std::isfinite(*g.temperature)) d.temperature = *g.temperature;
  if (g.top_p && *g.top_p > 0 && *g.top_p <= 1) d.top_p = *g.top_p;
  if (g.top_k && *g.top_k > 0) d.top_k = *g.top_k;
  if (g.min_p && *g.min_p >= 0 && *g.min_p <= 1) d.min_p = *g.min_p;
  if (g.repetition_penalty && *g.repetition_penalty > 0 && std::isfinite(*g.repetition_penalty)) d.repetition_penalty = *g.repetition_penalty;
  if (g.max_new_tokens && *g.max_new_tokens > 0) d.max_tokens = *g.max_new_tokens;
  return d;
}

RequestSampling parse_sampling(const json& body, int64_t vocab, const SamplingDefaults& defaults) {
  RequestSampling r;
  SamplingParams& p = r.params;
  constexpr int64_t kMaxI = std::numeric_limits<int64_t>::max();
  p.temperature = get_number(body, "temperature", 0.0, 1e6).value_or(defaults.temperature);
  p.top_p = defaults.top_p;
  if (auto v = get_number(body, "top_p", 0.0, 1.0)) {
    if (*v <= 0) bad_field("top_p", "must be in (0, 1]");
    p.top_p = *v;
  }
  p.top_k = defaults.top_k;
  if (auto v = get_int(body, "top_k", -1, kMaxI)) p.top_k = std::max<int64_t>(*v, 0);  // -1 and 0: off, as vLLM
  p.min_p = get_number(body, "min_p", 0.0, 1.0).value_or(defaults.min_p);
  if (auto v = get_int(body, "seed", std::numeric_limits<int64_t>::min(), kMaxI)) p.seed = static_cast<uint64_t>(*v);
  r.n = get_int(body, "n", 1, 128).value_or(1);
  p.presence_penalty = get_number(body, "presence_penalty", -2.0, 2.0).value_or(0.0);
  p.frequency_penalty = get_number(body, "frequency_penalty", -2.0, 2.0).value_or(0.0);
  p.repetition_penalty = defaults.repetition_penalty;
  if (auto v = get_number(body, "repetition_penalty", 0.0, 1e6)) {
    if (*v <= 0) bad_field("repetition_penalty", "must be > 0");
    p.repetition_penalty = *v;
  }
  // max_completion_tokens is the newer name; it wins when both are given, as OpenAI documents.
  p.max_tokens = defaults.max_tokens;
  if (auto v = get_int(body, "max_tokens", 1, kMaxI)) p.max_tokens = *v, r.max_tokens_given = true;
  if (auto v = get_int(body, "max_completion_tokens", 1, kMaxI)) p.max_tokens = *v, r.max_tokens_given = true;
  p.min_tokens = get_int(body, "min_tokens", 0, kMaxI).value_or(0);
  p.ignore_eos = get_bool(body, "ignore_eos").value_or(false);
  if (const json* lb = field(body, "logit_bias")) {
    if (!lb->is_object()) bad_field("logit_bias", "must be an object of token id -> bias");
    for (const auto& [k, v] : lb->items()) {
      int64_t id = -1;
      size_t used = 0;
      try {
        id = std::stoll(k, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != k.size() || id < 0 || id >= vocab) bad_field("logit_bias", "has a key that is no token id: '" + k + "'");
      if (!v.is_number() || !std::isfinite(v.get<double>()) || std::fabs(v.get<double>()) > 100)
        bad_field("logit_bias", "values must be numbers in [-100, 100]");
      p.logit_bias[id] = v.get<float>();
    }
  }
  if (const json* ids = field(body, "stop_token_ids")) {
    if (!ids->is_array()) bad_field("stop_token_ids", "must be a list of token ids");
    for (const auto& v : *ids) {
      if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() >= vocab) bad_field("stop_token_ids", "must hold token ids");
      p.stop_token_ids.push_back(v.get<int64_t>());
    }
  }
  if (const json* s = field(body, "stop")) {
    if (s->is_string()) {
      r.stop.push_back(s->get<std::string>());
    } else if (s->is_array()) {
      for (const auto& v : *s) {
        if (!v.is_string()) bad_field("stop", "must be a string or a list of strings");
        r.stop.push_back(v.get<std::string>());
      }
    } else {
      bad_field("stop", "must be a string or a list of strings");
    }
    if (r.stop.size() > 16) bad_field("stop", "may hold at most 16 strings");
    for (const auto& s1 : r.stop)
      if (s1.empty()) bad_field("stop", "must not hold an empty string");
  }
  return r;
}

// ----------------------------------------------------------------------------------- stop strings

StopMatcher::StopMatcher(std::vector<std::string> stop) : stop_(std::move(stop)) {
  for (const auto& s : stop_) max_len_ = std::max(max_len_, s.size());
}

size_t StopMatcher::feed(const std::string& text) {
  if (stop_at_) return *stop_at_;
  size_t first = std::string::npos;
  for (const auto& s : stop_) first = std::min(first, text.find(s));
  if (first != std::string::npos) {
    stop_at_ = first;
    return first;
  }
  // Hold back the longest tail that is a proper prefix of some stop string.
  size_t hold = 0;
  for (const auto& s : stop_)
    for (size_t k = std::min(s.size() - 1, text.size()); k > hold; --k)
      if (text.compare(text.size() - k, k, s, 0, k) == 0) {
        hold = k;
        break;
      }
  return text.size() - hold;
}

size_t utf8_complete_prefix(const std::string& text) {
  // A byte-level decode of a token prefix that ends inside a character shows U+FFFD (EF BF BD)
  // for the partial bytes; a raw decode may end with a truncated sequence. Hold both back.
  size_t n = text.size();
  while (n >= 3 && text.compare(n - 3, 3, "\xEF\xBF\xBD") == 0) n -= 3;
  // A truncated multi-byte sequence at the end.
  size_t i = n, cont = 0;
  while (i > 0 && cont < 4 && (static_cast<unsigned char>(text[i - 1]) & 0xC0) == 0x80) --i, ++cont;
  if (i > 0) {
    const unsigned char lead = static_cast<unsigned char>(text[i - 1]);
    size_t need = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0;
    if (lead >= 0xC0 && cont < need) n = i - 1;
  }
  return n;
}

// ------------------------------------------------------------------------------------- tool calls

const char* tool_format_name(ToolFormat f) {
  switch (f) {
    case ToolFormat::kHermes: return "hermes";
    case ToolFormat::kLlama3Json: return "llama3_json";
    case ToolFormat::kMistral: return "mistral";
    case ToolFormat::kGptOss: return "gpt-oss";
    default: return "none";
  }
}

ToolFormat detect_tool_format(const std::string& t) {
  if (t.find("<|channel|>") != std::string::npos || t.find("<|call|>") != std::string::npos) return ToolFormat::kGptOss;
  if (t.find("[TOOL_CALLS]") != std::string::npos) return ToolFormat::kMistral;
  if (t.find("<tool_call>") != std::string::npos) return ToolFormat::kHermes;
  if (t.find("<|python_tag|>") != std::string::npos || t.find("<|start_header_id|>") != std::string::npos) return ToolFormat::kLlama3Json;
  return ToolFormat::kNone;
}

namespace {
std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

// The end (one past) of the JSON object or array that opens at text[pos], strings and escapes
// respected; npos when it does not close.
size_t json_value_end(const std::string& text, size_t pos) {
  int depth = 0;
  bool in_str = false, esc = false;
  for (size_t i = pos; i < text.size(); ++i) {
    const char c = text[i];
    if (in_str) {
      if (esc) esc = false;
      else if (c == '\\') esc = true;
      else if (c == '"') in_str = false;
      continue;
    }
    if (c == '"') in_str = true;
    else if (c == '{' || c == '[') ++depth;
    else if (c == '}' || c == ']') {
      if (--depth == 0) return i + 1;
    }
  }
  return std::string::npos;
}

std::string new_call_id(ToolFormat f) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char kAlnum[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  // Mistral's templates require 9 alphanumerics; the others take OpenAI's "call_" form.
  std::string id = f == ToolFormat::kMistral ? "" : "call_";
  const int len = f == ToolFormat::kMistral ? 9 : 24;
  for (int i = 0; i < len; ++i) id += kAlnum[rng() % 62];
  return id;
}

// {"name": ..., "arguments" | "parameters": {...} or a JSON string} -> a call; nullopt otherwise.
std::optional<ToolCall> call_from_json(const json& j, ToolFormat f) {
  if (!j.is_object() || !j.contains("name") || !j["name"].is_string()) return std::nullopt;
  ToolCall c{new_call_id(f), j["name"].get<std::string>(), "{}"};
  const json* args = nullptr;
  if (j.contains("arguments")) args = &j["arguments"];
  else if (j.contains("parameters")) args = &j["parameters"];
  if (args) c.arguments = args->is_string() ? args->get<std::string>() : dump_json(*args);
  return c;
}

ParsedToolOutput parse_hermes(const std::string& text) {
  ParsedToolOutput out;
  static const std::string kOpen = "<tool_call>", kClose = "</tool_call>";
  size_t pos = 0;
  std::string content;
  while (true) {
    const size_t open = text.find(kOpen, pos);
    if (open == std::string::npos) break;
    size_t close = text.find(kClose, open);
    const size_t body = open + kOpen.size();
    const std::string inner = trim(text.substr(body, close == std::string::npos ? std::string::npos : close - body));
    const json j = json::parse(inner, nullptr, false);
    auto call = j.is_discarded() ? std::nullopt : call_from_json(j, ToolFormat::kHermes);
    if (!call) break;  // not a call: the rest stays content
    content += text.substr(pos, open - pos);
    out.calls.push_back(*call);
    pos = close == std::string::npos ? text.size() : close + kClose.size();
  }
  content += text.substr(std::min(pos, text.size()));
  out.content = out.calls.empty() ? text : trim(content);
  return out;
}

ParsedToolOutput parse_llama3(const std::string& text) {
  ParsedToolOutput out;
  std::string t = trim(text);
  static const std::string kTag = "<|python_tag|>";
  if (t.rfind(kTag, 0) == 0) t = trim(t.substr(kTag.size()));
  // The turn's end marker, when the text still carries it (<|eom_id|> follows a python_tag call).
  for (const std::string end : {"<|eot_id|>", "<|eom_id|>"})
    if (t.size() >= end.size() && t.compare(t.size() - end.size(), end.size(), end) == 0) t = trim(t.substr(0, t.size() - end.size()));
  // One or more objects separated by ';', as vLLM's llama3_json parser reads them.
  size_t pos = 0;
  std::vector<ToolCall> calls;
  while (pos < t.size() && t[pos] == '{') {
    const size_t end = json_value_end(t, pos);
    if (end == std::string::npos) break;
    const json j = json::parse(t.substr(pos, end - pos), nullptr, false);
    auto call = j.is_discarded() ? std::nullopt : call_from_json(j, ToolFormat::kLlama3Json);
    if (!call) break;
    calls.push_back(*call);
    pos = end;
    while (pos < t.size() && (t[pos] == ';' || std::isspace(static_cast<unsigned char>(t[pos])))) ++pos;
  }
  if (calls.empty() || pos < t.size()) {
    out.content = text;
    return out;
  }
  out.calls = std::move(calls);
  return out;
}

ParsedToolOutput parse_mistral(const std::string& text) {
  ParsedToolOutput out;
  static const std::string kTag = "[TOOL_CALLS]", kArgs = "[ARGS]", kCallId = "[CALL_ID]";
  const size_t first = text.find(kTag);
  if (first == std::string::npos) {
    out.content = text;
    return out;
  }
  std::vector<ToolCall> calls;
  bool ok = true;
  size_t pos = first;
  while (ok && pos != std::string::npos && pos < text.size()) {
    pos += kTag.size();
    while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
    if (pos < text.size() && text[pos] == '[') {
      // The older format: a JSON list of {"name", "arguments"}.
      const size_t end = json_value_end(text, pos);
      const json j = end == std::string::npos ? json() : json::parse(text.substr(pos, end - pos), nullptr, false);
      if (!j.is_array()) { ok = false; break; }
      for (const auto& e : j) {
        auto c = call_from_json(e, ToolFormat::kMistral);
        if (!c) { ok = false; break; }
        calls.push_back(*c);
      }
      pos = end;
    } else {
      // The newer one (tokenizer v11+): name[ARGS]{...}, with an optional [CALL_ID]id.
      const size_t args = text.find(kArgs, pos);
      if (args == std::string::npos) { ok = false; break; }
      std::string name = text.substr(pos, args - pos);
      if (const size_t ci = name.find(kCallId); ci != std::string::npos) name = name.substr(0, ci);
      size_t b = args + kArgs.size();
      const size_t end = b < text.size() && text[b] == '{' ? json_value_end(text, b) : std::string::npos;
      const json j = end == std::string::npos ? json() : json::parse(text.substr(b, end - b), nullptr, false);
      if (!j.is_object() || trim(name).empty()) { ok = false; break; }
      calls.push_back(ToolCall{new_call_id(ToolFormat::kMistral), trim(name), dump_json(j)});
      pos = end;
    }
    pos = text.find(kTag, pos);
  }
  if (!ok || calls.empty()) {
    out.content = text;
    return out;
  }
  out.content = trim(text.substr(0, first));
  out.calls = std::move(calls);
  return out;
}

// gpt-oss's harmony format: messages "<|channel|>NAME[ to=functions.F][ <|constrain|>json]<|message|>BODY"
// ended by <|end|>, <|call|> or <|return|>, each after a "<|start|>assistant" (the first one's comes
// from the generation prompt). The final channel is the content; analysis is reasoning.
ParsedToolOutput parse_gpt_oss(const std::string& text) {
  ParsedToolOutput out;
  static const std::string kMsg = "<|message|>", kStart = "<|start|>";
  if (text.find(kMsg) == std::string::npos) {
    out.content = text;
    return out;
  }
  size_t pos = 0;
  std::string final_text;
  bool have_final = false;
  while (pos < text.size()) {
    const size_t m = text.find(kMsg, pos);
    if (m == std::string::npos) break;
    std::string header = text.substr(pos, m - pos);
    if (const size_t s = header.rfind(kStart); s != std::string::npos) header = header.substr(s + kStart.size());
    const size_t b = m + kMsg.size();
    size_t e = text.size();
    for (const char* end_tok : {"<|end|>", "<|call|>", "<|return|>"}) e = std::min(e, text.find(end_tok, b));
    const std::string body = text.substr(b, e - b);
    const size_t to = header.find("to=functions.");
    if (to != std::string::npos) {
      size_t ne = to + 13;
      while (ne < header.size() && !std::isspace(static_cast<unsigned char>(header[ne])) && header[ne] != '<') ++ne;
      const std::string name = header.substr(to + 13, ne - to - 13);
      const json j = json::parse(trim(body), nullptr, false);
      out.calls.push_back(ToolCall{new_call_id(ToolFormat::kGptOss), name, j.is_discarded() ? trim(body) : dump_json(j)});
    } else if (header.find("<|channel|>final") != std::string::npos) {
      final_text += body;
      have_final = true;
    }
    if (e == text.size()) break;
    pos = text.find('>', e) + 1;  // past the end marker
  }
  out.content = have_final ? final_text : (out.calls.empty() ? text : "");
  return out;
}
}  // namespace

ParsedToolOutput parse_tool_calls(const std::string& text, ToolFormat f) {
  switch (f) {
    case ToolFormat::kHermes: return parse_hermes(text);
    case ToolFormat::kLlama3Json: return parse_llama3(text);
    case ToolFormat::kMistral: return parse_mistral(text);
    case ToolFormat::kGptOss: return parse_gpt_oss(text);
    default: return ParsedToolOutput{text, {}};
  }
}

// ------------------------------------------------------------------------------------ messages

json messages_for_template(const json& messages) {
  if (!messages.is_array() || messages.empty()) throw ApiError(400, "'messages' must be a non-empty list", "invalid_request_error", "messages");
  json out = json::array();
  for (const auto& m : messages) {
    if (!m.is_object() || !m.contains("role") || !m["role"].is_string())
      throw ApiError(400, "each message must be an object with a string 'role'", "invalid_request_error", "messages");
    json msg = m;
    if (m.contains("content")) {
      const json& c = m["content"];
      if (c.is_array()) {
        std::string text;
        bool first = true;
        for (const auto& part : c) {
          if (!part.is_object() || !part.contains("type") || !part["type"].is_string())
            throw ApiError(400, "a content part must be an object with a 'type'", "invalid_request_error", "messages");
          const std::string type = part["type"].get<std::string>();
          if (type != "text")
            throw ApiError(400, "content parts of type '" + type + "' are not supported by this model", "invalid_request_error", "messages");
          if (!part.contains("text") || !part["text"].is_string())
            throw ApiError(400, "a text part needs a string 'text'", "invalid_request_error", "messages");
          if (!first) text += "\n";
          text += part["text"].get<std::string>();
          first = false;
        }
        msg["content"] = text;
      } else if (!c.is_string() && !c.is_null()) {
        throw ApiError(400, "a message's 'content' must be a string or a list of parts", "invalid_request_error", "messages");
      }
    }
    if (m.contains("tool_calls") && !m["tool_calls"].is_null()) {
      if (!m["tool_calls"].is_array()) throw ApiError(400, "'tool_calls' must be a list", "invalid_request_error", "messages");
      for (auto& tc : msg["tool_calls"]) {
        if (!tc.is_object()) throw ApiError(400, "a tool call must be an object", "invalid_request_error", "messages");
        if (tc.contains("function") && tc["function"].is_object() && tc["function"].contains("arguments") &&
            tc["function"]["arguments"].is_string()) {
          json args = json::parse(tc["function"]["arguments"].get<std::string>(), nullptr, false);
          if (!args.is_discarded()) tc["function"]["arguments"] = args;
        }
      }
    }
    out.push_back(std::move(msg));
  }
  return out;
}

std::string base64_encode(const void* data, size_t size) {
  static const char kTable[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const auto* p = static_cast<const unsigned char*>(data);
  std::string out;
  out.reserve((size + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < size; i += 3) {
    const uint32_t v = (p[i] << 16) | (p[i + 1] << 8) | p[i + 2];
    for (int s : {18, 12, 6, 0}) out += kTable[(v >> s) & 63];
  }
  if (i < size) {
    uint32_t v = p[i] << 16;
    if (i + 1 < size) v |= p[i + 1] << 8;
    out += kTable[(v >> 18) & 63];
    out += kTable[(v >> 12) & 63];
    out += i + 1 < size ? kTable[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

bool constant_time_equal(const std::string& presented, const std::string& secret) {
  // Runs over the secret's full length whatever was presented (its length is the server's, not the
  // caller's); a length difference is folded in rather than returned early.
  volatile unsigned char diff = presented.size() == secret.size() ? 0 : 1;
  for (size_t i = 0; i < secret.size(); ++i)
    diff = diff | static_cast<unsigned char>(secret[i] ^ (i < presented.size() ? presented[i] : 0));
  return diff == 0;
}

std::function<void(const std::vector<int64_t>&, float*, int64_t)> json_constraint_for(
    const json& rf, const std::function<std::shared_ptr<const TokenVocabulary>()>& vocabulary, const std::vector<int64_t>& eos_ids) {
  if (rf.is_null()) return {};
  if (!rf.is_object() || !rf.contains("type") || !rf["type"].is_string())
    throw ApiError(400, "'response_format' must be an object with a 'type'", "invalid_request_error", "response_format");
  const std::string type = rf["type"].get<std::string>();
  if (type == "text") return {};
  if (type != "json_object" && type != "json_schema")
    throw ApiError(400, "'response_format.type' must be text, json_object or json_schema", "invalid_request_error", "response_format");
  if (type == "json_schema" && (!rf.contains("json_schema") || !rf["json_schema"].is_object()))
    throw ApiError(400, "'response_format.json_schema' must be an object", "invalid_request_error", "response_format");
  std::shared_ptr<const CompiledSchema> schema;
  try {
    if (type == "json_object") {
      schema = compile_json_schema(nullptr);
    } else {
      // OpenAI's shape: {"type": "json_schema", "json_schema": {"name": ..., "schema": {...}, "strict": ...}}
      const json& js = rf["json_schema"];
      if (!js.contains("schema")) throw ApiError(400, "'response_format.json_schema.schema' is required", "invalid_request_error", "response_format");
      schema = compile_json_schema(&js["schema"]);
    }
  } catch (const JsonSchemaError& e) {
    throw ApiError(400, e.what(), "invalid_request_error", "response_format");
  }
  return json_constraint(schema, vocabulary(), eos_ids);
}

std::string dump_json(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace transformers::serve
