#include "io/gguf_mapping.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "transformers/errors.hpp"

namespace transformers::gguf {

std::string resolve_file(const std::string& name_or_path, const std::string& gguf_file, const HubOptions& o) {
  // The folder's own file first; then, as transformers' modeling path does, an existing path as it
  // is; otherwise the file of the repo.
  const auto in_folder = std::filesystem::path(name_or_path) / o.subfolder / gguf_file;
  if (std::filesystem::is_directory(name_or_path) && std::filesystem::is_regular_file(in_folder)) return in_folder.string();
  if (std::filesystem::is_regular_file(gguf_file)) return gguf_file;
  return *cached_file(name_or_path, gguf_file, o, true);
}

// ---------------------------------------------------------------------------------------------
// Config: GGUF_CONFIG_MAPPING (integrations/ggml.py) and the special cases of load_gguf_checkpoint.

namespace {

using KeyMap = std::map<std::string, std::optional<std::string>>;  // nullopt: a known key that is dropped

KeyMap llama_like(bool head_dim_from_rope) {
  KeyMap m = {{"context_length", "max_position_embeddings"},
              {"block_count", "num_hidden_layers"},
              {"feed_forward_length", "intermediate_size"},
              {"embedding_length", "hidden_size"},
              {"rope.dimension_count", std::nullopt},
              {"rope.freq_base", "rope_theta"},
              {"attention.head_count", "num_attention_heads"},
              {"attention.head_count_kv", "num_key_value_heads"},
              {"attention.layer_norm_rms_epsilon", "rms_norm_eps"},
              {"vocab_size", "vocab_size"}};
  // rope.dimension_count is head_dim only for llama / mistral, as transformers notes.
  if (head_dim_from_rope) m["rope.dimension_count"] = "head_dim";
  return m;
}

const std::map<std::string, KeyMap>& config_mapping() {
  static const std::map<std::string, KeyMap> m = [] {
    std::map<std::string, KeyMap> r;
    r["general"] = {{"architecture", "model_type"}, {"name", "_model_name_or_path"}};
    r["tokenizer"] = {{"ggml.bos_token_id", "bos_token_id"}, {"ggml.eos_token_id", "eos_token_id"},
                      {"ggml.unknown_token_id", "unk_token_id"}, {"ggml.padding_token_id", "pad_token_id"}};
    r["llama"] = llama_like(true);
    r["mistral"] = llama_like(true);
    r["qwen2"] = llama_like(false);
    r["qwen3"] = llama_like(false);
    r["phi3"] = llama_like(false);
    r["qwen2_moe"] = llama_like(false);
    r["qwen2_moe"]["expert_count"] = "num_experts";
    r["qwen2_moe"]["expert_used_count"] = "num_experts_per_tok";
    r["qwen3_moe"] = llama_like(false);
    r["qwen3_moe"]["attention.key_length"] = "head_dim";
    r["qwen3_moe"]["expert_count"] = "num_experts";
    r["qwen3_moe"]["expert_used_count"] = "num_experts_per_tok";
    for (const char* g : {"gemma2", "gemma3"}) {
      r[g] = llama_like(false);
      r[g]["attention.key_length"] = "head_dim";
      r[g]["attention.sliding_window"] = "sliding_window";
    }
    return r;
  }();
  return m;
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  if (from.empty() || from == to) return;
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
}

// The key prefixes load_gguf_checkpoint reads for its other groups (tokenizer, tokenizer_config);
// listed only so that they are known, they never reach the config.
}  // namespace

Json config_dict(const File& f) {
  const std::string arch = f.get_string("general.architecture");
  const Value* name = f.find("general.name");
  std::string updated = arch;
  // transformers tests `"mistral" in model_name` on a one-element list: general.name must be exactly "mistral".
  if (arch.find("llama") != std::string::npos && name && name->type == ValueType::STRING && name->s == "mistral") updated = "mistral";
  if (arch.find("qwen2moe") != std::string::npos) updated = "qwen2_moe";
  else if (arch.find("qwen3moe") != std::string::npos) updated = "qwen3_moe";
  const auto& mapping = config_mapping();
  if (arch.find("t5") != std::string::npos || (!mapping.count(arch) && !mapping.count(updated)) || arch == "general" || arch == "tokenizer")
    throw GgufError(f.path() + ": GGUF model with architecture " + arch + " is not supported yet.");
  Json c = Json::object();
  bool has_output = false;
  for (const auto& t : f.tensors()) has_output = has_output || t.name == "output.weight";
  c["tie_word_embeddings"] = !has_output;
  if (updated == "qwen3_moe") c["norm_topk_prob"] = true;  // GGUF_CONFIG_DEFAULTS_MAPPING
  for (const auto& [raw_key, v] : f.metadata()) {
    std::string key = raw_key;
    replace_all(key, arch, updated);
    const size_t dot = key.find('.');
    if (dot == std::string::npos) continue;
    const std::string prefix = key.substr(0, dot), rest = key.substr(dot + 1);
    auto g = mapping.find(prefix);
    if (g == mapping.end()) continue;
    auto k = g->second.find(rest);
    if (k == g->second.end() || !k->second) continue;
    // _gguf_parse_value: a one-element array reads as its element.
    Json value = v.type == ValueType::ARRAY && v.array.size() == 1 ? v.array[0].to_json() : v.to_json();
    if (value.is_string()) {
      std::string s = value.get<std::string>();
      if (s.find(arch) != std::string::npos) replace_all(s, arch, updated), value = s;
    }
    c[*k->second] = value;
  }
  if (c.contains("model_type") && c["model_type"] == "gemma3") c["model_type"] = "gemma3_text";
  if (!c.contains("model_type") || !c["model_type"].is_string()) throw GgufError(f.path() + ": general.architecture must be a string");
  if (!c.contains("vocab_size") && f.has("tokenizer.ggml.tokens")) {
    const Value& toks = f.get("tokenizer.ggml.tokens");
    if (toks.type == ValueType::ARRAY) c["vocab_size"] = toks.array.size();
  }
  c.erase("_model_name_or_path");  // from_pretrained sets name_or_path to what it was given
  return c;
}

// ---------------------------------------------------------------------------------------------
// Tokenizer: gguf_tokenizer_mapping.py's builders, as the tokenizers serialization they produce.

namespace {

std::vector<std::string> codepoints(const std::string& s) {
  std::vector<std::string> r;
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    if (i + n > s.size()) n = 1;
    r.push_back(s.substr(i, n));
    i += n;
  }
  return r;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) out += static_cast<char>(cp);
  else if (cp < 0x800) out += static_cast<char>(0xC0 | (cp >> 6)), out += static_cast<char>(0x80 | (cp & 0x3F));
  else out += static_cast<char>(0xE0 | (cp >> 12)), out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F)), out += static_cast<char>(0x80 | (cp & 0x3F));
}

// GPT-2's bytes_to_unicode: printable bytes stand for themselves, the rest map to 256 + n.
const std::vector<std::string>& byte_spelling() {
  static const std::vector<std::string> table = [] {
    std::vector<std::string> t(256);
    uint32_t n = 0;
    for (uint32_t b = 0; b < 256; ++b) {
      const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
      append_utf8(t[b], printable ? b : 256 + n++);
    }
    return t;
  }();
  return table;
}

bool in_byte_alphabet(const std::string& token) {
  static const std::set<std::string> alphabet(byte_spelling().begin(), byte_spelling().end());
  for (const auto& cp : codepoints(token))
    if (!alphabet.count(cp)) return false;
  return true;
}

// transformers' generate_merges(vocab, vocab_scores): every split of a token into two vocabulary
// pieces, best score first (ties: shorter left, then shorter right, then first seen).
Json generate_merges(const std::vector<std::string>& tokens, const std::vector<double>& scores, const std::map<std::string, int64_t>& vocab) {
  // dict(zip(tokens, scores)): a repeated token keeps its first position and its last score.
  std::vector<std::string> order;
  std::map<std::string, double> score_of;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (!score_of.count(tokens[i])) order.push_back(tokens[i]);
    score_of[tokens[i]] = scores[i];
  }
  struct M { std::string l, r; double score; size_t ll, lr; };
  std::vector<M> merges;
  // Only splits whose two byte lengths occur in the vocabulary are looked up: a long hostile token
  // then costs a set probe per split, not two string copies and map searches.
  std::set<size_t> lengths;
  for (const auto& [t, id] : vocab) lengths.insert(t.size());
  for (const auto& tok : order) {
    const auto cps = codepoints(tok);
    std::vector<M> local;
    size_t left_bytes = 0;
    for (size_t i = 1; i < cps.size(); ++i) {
      left_bytes += cps[i - 1].size();
      if (!lengths.count(left_bytes) || !lengths.count(tok.size() - left_bytes)) continue;
      std::string left = tok.substr(0, left_bytes), right = tok.substr(left_bytes);
      if (vocab.count(left) && vocab.count(right)) local.push_back({std::move(left), std::move(right), score_of[tok], i, cps.size() - i});
    }
    std::stable_sort(local.begin(), local.end(), [&](const M& a, const M& b) {
      const int64_t al = vocab.at(a.l), bl = vocab.at(b.l);
      return al != bl ? al < bl : vocab.at(a.r) < vocab.at(b.r);
    });
    merges.insert(merges.end(), local.begin(), local.end());
  }
  // sorted(..., reverse=True) is stable: equal keys keep their order.
  std::stable_sort(merges.begin(), merges.end(), [](const M& a, const M& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.ll != b.ll) return a.ll > b.ll;
    return a.lr > b.lr;
  });
  Json r = Json::array();
  for (const auto& m : merges) r.push_back(Json::array({m.l, m.r}));
  return r;
}

Json file_merges(const File& f) {
  Json r = Json::array();
  for (const auto& m : f.get_strings("tokenizer.ggml.merges")) {
    // tuple(merge.split(" ")): a merge is two pieces around one space.
    const size_t sp = m.find(' ');
    if (sp == std::string::npos || m.find(' ', sp + 1) != std::string::npos)
      throw GgufError(f.path() + ": tokenizer.ggml.merges entry '" + m + "' is not two pieces separated by one space");
    r.push_back(Json::array({m.substr(0, sp), m.substr(sp + 1)}));
  }
  return r;
}

const char* kLlama3Split =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char* kQwen2Split = R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char* kQwen35Split =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char* kTekkenSplit =
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char* kGpt4oSplit =
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// GGUF_PRE_TOKENIZER_SPLITS: tokenizer.ggml.pre -> the split regex its merges were learned with.
const char* split_regex(const std::string& pre) {
  static const std::map<std::string, const char*> m = {
      {"llama3", kLlama3Split}, {"llama-v3", kLlama3Split}, {"llama-bpe", kLlama3Split}, {"falcon3", kLlama3Split},
      {"falcon-h1", kLlama3Split}, {"pixtral", kLlama3Split}, {"midm-2.0", kLlama3Split}, {"lfm2", kLlama3Split},
      {"jina-v5-nano", kLlama3Split}, {"dbrx", kLlama3Split}, {"smaug-bpe", kLlama3Split}, {"tekken", kTekkenSplit},
      {"qwen2", kQwen2Split}, {"deepseek-r1-qwen", kQwen2Split}, {"kormo", kQwen2Split}, {"f2llmv2", kQwen2Split},
      {"megrez", kQwen2Split}, {"qwen35", kQwen35Split}, {"gpt-4o", kGpt4oSplit}, {"llama4", kGpt4oSplit},
      {"kanana2", kGpt4oSplit}, {"talkie", kGpt4oSplit}, {"minimax-m2", kGpt4oSplit}};
  auto it = m.find(pre);
  return it == m.end() ? nullptr : it->second;
}

Json added_token(int64_t id, const std::string& content, bool special) {
  return {{"id", id}, {"content", content}, {"single_word", false}, {"lstrip", false},
          {"rstrip", false}, {"normalized", false}, {"special", special}};
}

// TokenizersBackend.update_post_processor: "<bos>:0 $A:0 <eos>:0" and "... <bos>:1 $B:1 <eos>:1".
Json post_processor(const std::optional<std::string>& bos, int64_t bos_id, bool add_bos, const std::optional<std::string>& eos,
                    int64_t eos_id, bool add_eos) {
  add_bos = add_bos && bos, add_eos = add_eos && eos;
  auto special = [](const std::string& t, int type) { return Json{{"SpecialToken", {{"id", t}, {"type_id", type}}}}; };
  auto seq = [](const char* s, int type) { return Json{{"Sequence", {{"id", s}, {"type_id", type}}}}; };
  Json single = Json::array(), pair = Json::array(), specials = Json::object();
  if (add_bos) single.push_back(special(*bos, 0));
  single.push_back(seq("A", 0));
  if (add_eos) single.push_back(special(*eos, 0));
  pair = single;
  if (add_bos) pair.push_back(special(*bos, 1));
  pair.push_back(seq("B", 1));
  if (add_eos) pair.push_back(special(*eos, 1));
  if (add_bos) specials[*bos] = {{"id", *bos}, {"ids", {bos_id}}, {"tokens", {*bos}}};
  if (add_eos) specials[*eos] = {{"id", *eos}, {"ids", {eos_id}}, {"tokens", {*eos}}};
  return {{"type", "TemplateProcessing"}, {"single", single}, {"pair", pair}, {"special_tokens", specials}};
}

}  // namespace

TokenizerFiles tokenizer_files(const File& f) {
  const std::string arch = f.get_string("general.architecture");
  const std::string type = f.get_string("tokenizer.ggml.model");
  const std::vector<std::string> tokens = f.get_strings("tokenizer.ggml.tokens");
  const int64_t n = static_cast<int64_t>(tokens.size());
  std::vector<int64_t> types;
  if (f.has("tokenizer.ggml.token_type")) types = f.get_ints("tokenizer.ggml.token_type");
  if (arch == "gemma" || arch == "gemma2" || arch == "gemma3" || arch == "phi3" || (type != "llama" && type != "gpt2"))
    throw GgufError(f.path() + ": building a tokenizer from a GGUF file stating tokenizer '" + type + "' for architecture '" + arch +
                    "' is not implemented (supported: 'llama' and 'gpt2' vocabularies of llama, mistral, qwen2, qwen3 files)");
  const bool byte_level = type == "gpt2";

  Json vocab = Json::object();
  std::map<std::string, int64_t> vocab_map;
  std::vector<std::string> spelled(tokens.size());
  for (int64_t i = 0; i < n; ++i) {
    std::string t = tokens[static_cast<size_t>(i)];
    if (byte_level && !in_byte_alphabet(t)) {  // a token written in plain UTF-8: respell its bytes
      std::string s;
      for (unsigned char b : t) s += byte_spelling()[b];
      t = s;
    }
    spelled[static_cast<size_t>(i)] = t;
    vocab[t] = i;  // a repeated token keeps its last id, as a dict comprehension does
    vocab_map[t] = i;
  }
  Json merges;
  if (f.has("tokenizer.ggml.merges")) {
    merges = file_merges(f);
  } else {
    std::vector<double> scores = f.has("tokenizer.ggml.scores") ? f.get_floats("tokenizer.ggml.scores") : std::vector<double>();
    if (static_cast<int64_t>(scores.size()) != n)
      throw GgufError(f.path() + ": tokenizer.ggml.scores has " + std::to_string(scores.size()) + " entries for " + std::to_string(n) +
                      " tokens (needed to rebuild the merges the file does not list)");
    merges = generate_merges(tokens, scores, vocab_map);
  }

  auto special = [&](const char* key) -> std::optional<std::pair<std::string, int64_t>> {
    auto id = f.get_int_opt(std::string("tokenizer.ggml.") + key);
    if (!id) return std::nullopt;
    if (*id < 0 || *id >= n)
      throw GgufError(f.path() + ": tokenizer.ggml." + key + " " + std::to_string(*id) + " is not a token id (" + std::to_string(n) + " tokens)");
    return std::make_pair(tokens[static_cast<size_t>(*id)], *id);
  };
  const auto bos = special("bos_token_id"), eos = special("eos_token_id"), unk = special("unknown_token_id"), pad = special("padding_token_id");
  // llama.cpp adds BOS to a sentencepiece vocabulary that does not say otherwise.
  const bool add_bos = f.get_bool("tokenizer.ggml.add_bos_token", type == "llama");
  const bool add_eos = f.get_bool("tokenizer.ggml.add_eos_token", false);

  // Added tokens: the special tokens the config names, CONTROL (3) tokens as special (in a
  // byte-level vocabulary only those spelled in the byte alphabet), USER_DEFINED (4) ones as plain.
  std::map<int64_t, Json> added;
  auto add_special = [&](const std::optional<std::pair<std::string, int64_t>>& s) {
    if (s) added[vocab_map.at(byte_level && !in_byte_alphabet(s->first) ? spelled[static_cast<size_t>(s->second)] : s->first)] =
        added_token(vocab_map.at(byte_level && !in_byte_alphabet(s->first) ? spelled[static_cast<size_t>(s->second)] : s->first), s->first, true);
  };
  for (int64_t i = 0; i < std::min<int64_t>(n, static_cast<int64_t>(types.size())); ++i) {
    const std::string& t = tokens[static_cast<size_t>(i)];
    if (types[static_cast<size_t>(i)] == 3 && (!byte_level || in_byte_alphabet(t))) added[vocab_map.at(t)] = added_token(vocab_map.at(t), t, true);
  }
  for (const auto& s : {bos, eos, unk, pad}) add_special(s);
  for (int64_t i = 0; i < std::min<int64_t>(n, static_cast<int64_t>(types.size())); ++i) {
    const std::string& t = tokens[static_cast<size_t>(i)];
    if (types[static_cast<size_t>(i)] == 4 && vocab_map.count(t) && !added.count(vocab_map.at(t)))
      added[vocab_map.at(t)] = added_token(vocab_map.at(t), t, false);
  }
  Json added_list = Json::array();
  for (auto& [id, a] : added) added_list.push_back(a);

  Json j;
  j["version"] = "1.0";
  j["truncation"] = nullptr;
  j["padding"] = nullptr;
  j["added_tokens"] = added_list;
  j["normalizer"] = nullptr;
  if (byte_level) {
    j["model"] = {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr}, {"continuing_subword_prefix", ""},
                  {"end_of_word_suffix", ""}, {"fuse_unk", false}, {"byte_fallback", false}, {"ignore_merges", false},
                  {"vocab", vocab}, {"merges", merges}};
    j["decoder"] = {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", true}};
    j["pre_tokenizer"] = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}};
  } else {
    // LlamaTokenizer(vocab, merges): byte fallback, no unk token in the model, Metaspace "first".
    j["model"] = {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr}, {"continuing_subword_prefix", nullptr},
                  {"end_of_word_suffix", nullptr}, {"fuse_unk", true}, {"byte_fallback", true}, {"ignore_merges", false},
                  {"vocab", vocab}, {"merges", merges}};
    j["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", "\u2581"}, {"prepend_scheme", "first"}, {"split", false}};
    j["decoder"] = {{"type", "Sequence"},
                    {"decoders", Json::array({{{"type", "Replace"}, {"pattern", {{"String", "\u2581"}}}, {"content", " "}},
                                              {{"type", "ByteFallback"}},
                                              {{"type", "Fuse"}},
                                              {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}})}};
  }
  if (f.has("tokenizer.ggml.pre"))
    if (const char* re = split_regex(f.get_string("tokenizer.ggml.pre")))
      j["pre_tokenizer"] = {{"type", "Sequence"},
                            {"pretokenizers", Json::array({{{"type", "Split"}, {"pattern", {{"Regex", re}}}, {"behavior", "Isolated"}, {"invert", false}},
                                                           {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", false}}})}};
  std::optional<std::string> bos_s, eos_s;
  if (bos) bos_s = bos->first;
  if (eos) eos_s = eos->first;
  j["post_processor"] = post_processor(bos_s, bos ? vocab_map.at(spelled[static_cast<size_t>(bos->second)]) : 0, add_bos, eos_s,
                                       eos ? vocab_map.at(spelled[static_cast<size_t>(eos->second)]) : 0, add_eos);

  Json cfg = Json::object();
  // transformers builds these files' tokenizers on TokenizersBackend directly (no class pipeline).
  cfg["tokenizer_class"] = "TokenizersBackend";
  cfg["add_bos_token"] = add_bos;
  cfg["add_eos_token"] = add_eos;
  auto set_token = [&](const char* k, const std::optional<std::pair<std::string, int64_t>>& s) {
    cfg[k] = s ? Json(s->first) : Json(nullptr);
  };
  set_token("bos_token", bos), set_token("eos_token", eos), set_token("unk_token", unk), set_token("pad_token", pad);
  if (f.has("tokenizer.chat_template")) cfg["chat_template"] = f.get_string("tokenizer.chat_template");
  return {j.dump(), cfg.dump()};
}

// ---------------------------------------------------------------------------------------------
// Weights

bool weights_supported(const std::string& model_type) {
  return model_type == "llama" || model_type == "mistral" || model_type == "qwen2" || model_type == "qwen3";
}

std::optional<std::string> hf_tensor_name(const std::string& g) {
  static const std::map<std::string, std::string> top = {
      {"token_embd", "model.embed_tokens"}, {"output_norm", "model.norm"}, {"output", "lm_head"}};
  static const std::map<std::string, std::string> block = {
      {"attn_norm", "input_layernorm"},   {"ffn_norm", "post_attention_layernorm"}, {"attn_q", "self_attn.q_proj"},
      {"attn_k", "self_attn.k_proj"},     {"attn_v", "self_attn.v_proj"},         {"attn_output", "self_attn.o_proj"},
      {"attn_q_norm", "self_attn.q_norm"}, {"attn_k_norm", "self_attn.k_norm"},   {"ffn_gate", "mlp.gate_proj"},
      {"ffn_up", "mlp.up_proj"},          {"ffn_down", "mlp.down_proj"}};
  const size_t last = g.rfind('.');
  if (last == std::string::npos) return std::nullopt;
  const std::string stem = g.substr(0, last), suffix = g.substr(last);  // ".weight" / ".bias"
  if (suffix != ".weight" && suffix != ".bias") return std::nullopt;
  if (auto it = top.find(stem); it != top.end()) return it->second + suffix;
  if (stem.rfind("blk.", 0) != 0) return std::nullopt;
  const size_t dot = stem.find('.', 4);
  if (dot == std::string::npos || dot == 4) return std::nullopt;
  const std::string layer = stem.substr(4, dot - 4);
  if (!std::all_of(layer.begin(), layer.end(), [](char ch) { return ch >= '0' && ch <= '9'; }) || layer.size() > 9) return std::nullopt;
  auto it = block.find(stem.substr(dot + 1));
  if (it == block.end()) return std::nullopt;
  return "model.layers." + std::to_string(std::stoll(layer)) + "." + it->second + suffix;
}

std::optional<std::vector<int64_t>> unpermute_rows(const File& f, const TensorInfo& t, const Json& config) {
  // TENSOR_PROCESSORS is keyed by the file's own architecture: only "llama" files (Mistral ones included).
  if (f.get_string("general.architecture") != "llama") return std::nullopt;
  const bool q = t.name.find(".attn_q.") != std::string::npos, k = t.name.find(".attn_k.") != std::string::npos;
  if (!q && !k) return std::nullopt;
  if (!config.contains("num_attention_heads") || !config.contains("num_key_value_heads") ||
      !config["num_attention_heads"].is_number_integer() || !config["num_key_value_heads"].is_number_integer())
    return std::nullopt;  // as transformers: no head counts, no permutation
  const int64_t heads = config["num_attention_heads"].get<int64_t>(), kv = config["num_key_value_heads"].get<int64_t>();
  const int64_t n_head = q ? heads : kv;
  const int64_t rows = t.shape.empty() ? 0 : t.shape[0];
  if (n_head <= 0 || rows % (2 * n_head) != 0)
    throw GgufError(f.path() + ": tensor '" + t.name + "' has " + std::to_string(rows) + " rows, not a multiple of 2 x " +
                    std::to_string(n_head) + " heads");
  const int64_t dim = rows / n_head / 2;
  std::vector<int64_t> src(static_cast<size_t>(rows));
  for (int64_t h = 0; h < n_head; ++h)
    for (int64_t tt = 0; tt < 2; ++tt)
      for (int64_t d = 0; d < dim; ++d) src[static_cast<size_t>(h * 2 * dim + tt * dim + d)] = h * 2 * dim + 2 * d + tt;
  return src;
}

}  // namespace transformers::gguf
