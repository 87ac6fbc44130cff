// GenerationConfig <-> generation_config.json, and the merge order of Python's generate().
#include "io/json.hpp"
#include "transformers/errors.hpp"
#include "transformers/generation.hpp"

namespace transformers {

namespace {

// One table of (json key, member) so parse, merge and print cannot drift apart.
// With several configs, f sees the same member of each: f(key, a.x, b.x).
template <typename F, typename... G>
void for_each_field(F&& f, G&... g) {
  f("max_length", g.max_length...), f("max_new_tokens", g.max_new_tokens...), f("min_length", g.min_length...);
  f("min_new_tokens", g.min_new_tokens...), f("do_sample", g.do_sample...), f("num_beams", g.num_beams...);
  f("num_return_sequences", g.num_return_sequences...), f("top_k", g.top_k...), f("no_repeat_ngram_size", g.no_repeat_ngram_size...);
  f("temperature", g.temperature...), f("top_p", g.top_p...), f("min_p", g.min_p...), f("typical_p", g.typical_p...);
  f("top_h", g.top_h...), f("epsilon_cutoff", g.epsilon_cutoff...), f("eta_cutoff", g.eta_cutoff...);
  f("repetition_penalty", g.repetition_penalty...), f("length_penalty", g.length_penalty...);
  f("early_stopping", g.early_stopping...), f("eos_token_id", g.eos_token_id...), f("pad_token_id", g.pad_token_id...);
  f("bos_token_id", g.bos_token_id...), f("decoder_start_token_id", g.decoder_start_token_id...);
  f("forced_bos_token_id", g.forced_bos_token_id...), f("forced_eos_token_id", g.forced_eos_token_id...);
  f("bad_words_ids", g.bad_words_ids...), f("suppress_tokens", g.suppress_tokens...);
  f("begin_suppress_tokens", g.begin_suppress_tokens...), f("stop_strings", g.stop_strings...), f("seed", g.seed...);
  f("use_cache", g.use_cache...), f("language", g.language...), f("task", g.task...);
  f("return_timestamps", g.return_timestamps...), f("no_timestamps_token_id", g.no_timestamps_token_id...);
  f("max_initial_timestamp_index", g.max_initial_timestamp_index...);
  f("lang_to_id", g.lang_to_id...), f("task_to_id", g.task_to_id...), f("forced_decoder_ids", g.forced_decoder_ids...);
  f("prompt_ids", g.prompt_ids...), f("temperature_fallback", g.temperature_fallback...);
  f("compression_ratio_threshold", g.compression_ratio_threshold...), f("logprob_threshold", g.logprob_threshold...);
  f("no_speech_threshold", g.no_speech_threshold...), f("condition_on_prev_tokens", g.condition_on_prev_tokens...);
  f("prompt_condition_type", g.prompt_condition_type...), f("prev_sot_token_id", g.prev_sot_token_id...);
  f("output_scores", g.output_scores...), f("return_token_timestamps", g.return_token_timestamps...);
  f("alignment_heads", g.alignment_heads...), f("return_segments", g.return_segments...);
}

[[noreturn]] void bad(const std::string& source, const std::string& key, const char* want, const Json& v) {
  throw JsonError(source + ": '" + key + "' must be " + want + ", got " + json_type_name(v));
}

struct Reader {
  const Json& j;
  const std::string& source;
  void operator()(const char* key, std::optional<int64_t>& out) const {
    if (auto v = get(key)) {
      if (!v->is_number_integer()) bad(source, key, "an integer", *v);
      out = v->get<int64_t>();
    }
  }
  void operator()(const char* key, std::optional<uint64_t>& out) const {
    if (auto v = get(key)) {
      if (!v->is_number_unsigned()) bad(source, key, "a non-negative integer", *v);
      out = v->get<uint64_t>();
    }
  }
  void operator()(const char* key, std::optional<double>& out) const {
    if (auto v = get(key)) {
      if (!v->is_number()) bad(source, key, "a number", *v);
      out = v->get<double>();
    }
  }
  void operator()(const char* key, std::optional<bool>& out) const {
    if (auto v = get(key)) {
      if (!v->is_boolean()) bad(source, key, "a boolean", *v);
      out = v->get<bool>();
    }
  }
  void operator()(const char* key, std::optional<std::string>& out) const {
    if (auto v = get(key)) {
      if (std::string(key) != "early_stopping") {
        if (!v->is_string()) bad(source, key, "a string", *v);
        out = v->get<std::string>();
      }
      // early_stopping: true / false / "never"; another string is validate()'s ValueError at generate
      else if (v->is_boolean()) out = v->get<bool>() ? "true" : "false";
      else if (v->is_string()) out = v->get<std::string>();
      else bad(source, key, "true, false or \"never\"", *v);
    }
  }
  void operator()(const char* key, std::optional<std::map<std::string, int64_t>>& out) const {
    if (auto v = get(key)) {
      if (!v->is_object()) bad(source, key, "an object of token -> id", *v);
      std::map<std::string, int64_t> r;
      for (const auto& [k, id] : v->items()) {
        if (!id.is_number_integer()) bad(source, key, "an object of token -> integer id", *v);
        r[k] = id.get<int64_t>();
      }
      out = r;
    }
  }
  void operator()(const char* key, std::optional<std::vector<int64_t>>& out) const {
    if (auto v = get(key)) {
      std::vector<int64_t> r;
      if (v->is_number_integer()) r.push_back(v->get<int64_t>());  // eos_token_id may be one id
      else if (v->is_array()) {
        for (const auto& e : *v) {
          if (!e.is_number_integer()) bad(source, key, "a list of integers", *v);
          r.push_back(e.get<int64_t>());
        }
      } else bad(source, key, "an integer or a list of integers", *v);
      out = r;
    }
  }
  void operator()(const char* key, std::optional<std::vector<std::vector<int64_t>>>& out) const {
    if (auto v = get(key)) {
      if (!v->is_array()) bad(source, key, "a list of lists of integers", *v);
      std::vector<std::vector<int64_t>> r;
      const bool forced = std::string(key) == "forced_decoder_ids";  // [[index, id or null], ...]
      for (const auto& row : *v) {
        if (!row.is_array() || row.empty() || (forced && row.size() != 2)) bad(source, key, "a list of non-empty lists of integers", *v);
        r.emplace_back();
        for (const auto& e : row) {
          if (forced && e.is_null() && r.back().size() == 1) r.back().push_back(-1);
          else if (!e.is_number_integer()) bad(source, key, "a list of lists of integers", *v);
          else r.back().push_back(e.get<int64_t>());
        }
      }
      out = r;
    }
  }
  void operator()(const char* key, std::optional<std::vector<double>>& out) const {
    if (auto v = get(key)) {
      std::vector<double> r;
      if (!v->is_array()) bad(source, key, "a list of numbers", *v);
      for (const auto& e : *v) {
        if (!e.is_number()) bad(source, key, "a list of numbers", *v);
        r.push_back(e.get<double>());
      }
      out = r;
    }
  }
  void operator()(const char* key, std::optional<std::vector<std::string>>& out) const {
    if (auto v = get(key)) {
      std::vector<std::string> r;
      if (v->is_string()) r.push_back(v->get<std::string>());
      else if (v->is_array()) {
        for (const auto& e : *v) {
          if (!e.is_string()) bad(source, key, "a list of strings", *v);
          r.push_back(e.get<std::string>());
        }
      } else bad(source, key, "a string or a list of strings", *v);
      out = r;
    }
  }
  const Json* get(const char* key) const {
    auto it = j.find(key);
    return it == j.end() || it->is_null() ? nullptr : &*it;
  }
};

}  // namespace

GenerationConfig GenerationConfig::from_json_string(const std::string& text, const std::string& source) {
  const Json j = parse_json(text, source);
  if (!j.is_object()) throw JsonError(source + ": expected a JSON object");
  GenerationConfig g;
  for_each_field(Reader{j, source}, g);
  return g;
}

GenerationConfig GenerationConfig::from_model_config(const PretrainedConfig& c) {
  // Python copies every generation attribute config.json carries; legacy configs hold many.
  return from_json_string(c.to_json_string(), c.name_or_path().empty() ? "config.json" : c.name_or_path() + "/config.json");
}

GenerationConfig GenerationConfig::merged_over(const GenerationConfig& base) const {
  GenerationConfig out = base;
  for_each_field([](const char*, auto& o, const auto& mine) {
    if (mine) o = mine;
  }, out, *this);
  return out;
}

std::string GenerationConfig::to_json_string() const {
  Json j = Json::object();
  for_each_field([&](const char* key, const auto& v) {
    if (!v) return;
    if constexpr (std::is_same_v<std::decay_t<decltype(*v)>, std::string>) {
      if (std::string(key) != "early_stopping" || (*v != "true" && *v != "false")) j[key] = *v;
      else j[key] = *v == "true";
    } else if constexpr (std::is_same_v<std::decay_t<decltype(*v)>, std::vector<std::vector<int64_t>>>) {
      j[key] = *v;
      if (std::string(key) == "forced_decoder_ids")
        for (auto& row : j[key])
          if (row[1] == -1) row[1] = nullptr;
    } else {
      j[key] = *v;
    }
  }, *this);
  return j.dump(2);
}

}  // namespace transformers
