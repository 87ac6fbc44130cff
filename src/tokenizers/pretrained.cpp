// The transformers layer: tokenizer_config.json (special tokens, limits, sides, clean-up) over a
// tokenizer.json, with Python's call semantics for padding and truncation.
#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <filesystem>
#include <fstream>

#include "io/gguf_mapping.hpp"
#include "io/json.hpp"
#include "tokenizers/class_pipelines.hpp"
#include "tokenizers/components.hpp"
#include "tokenizers/sentencepiece.hpp"
#include "tokenizers/unicode.hpp"
#include "transformers/errors.hpp"

namespace transformers {

namespace {
const char* kSpecialNames[] = {"bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"};

// Classes whose model_input_names include token_type_ids in transformers.
bool returns_token_type_ids(const std::string& cls) {
  static const char* with[] = {"BertTokenizer", "ElectraTokenizer", "AlbertTokenizer", "DebertaV2Tokenizer", "DebertaTokenizer",
                               "XLNetTokenizer", "FunnelTokenizer", "LayoutLMTokenizer", "MobileBertTokenizer",
                               "SqueezeBertTokenizer", "ConvBertTokenizer", "RoFormerTokenizer", "SplinterTokenizer",
                               "LxmertTokenizer", "RetriBertTokenizer", "MPNetTokenizer-no"};
  std::string c = cls;
  if (c.size() > 4 && c.compare(c.size() - 4, 4, "Fast") == 0) c = c.substr(0, c.size() - 4);
  for (const char* w : with)
    if (c == w) return true;
  return false;
}

// The special tokens a tokenizer class defaults to when its files do not name them.
std::vector<std::pair<std::string, std::string>> class_special_tokens(std::string cls) {
  if (cls.size() > 4 && cls.compare(cls.size() - 4, 4, "Fast") == 0) cls.resize(cls.size() - 4);
  static const std::vector<std::pair<std::string, std::string>> fairseq = {
      {"bos_token", "<s>"}, {"eos_token", "</s>"}, {"sep_token", "</s>"}, {"cls_token", "<s>"}, {"unk_token", "<unk>"}, {"pad_token", "<pad>"},
      {"mask_token", "<mask>"}};
  if (cls == "MarianTokenizer" || cls == "T5Tokenizer" || cls == "PegasusTokenizer")
    return {{"eos_token", "</s>"}, {"unk_token", "<unk>"}, {"pad_token", "<pad>"}};
  if (cls == "M2M100Tokenizer")
    return {{"bos_token", "<s>"}, {"eos_token", "</s>"}, {"sep_token", "</s>"}, {"unk_token", "<unk>"}, {"pad_token", "<pad>"}};
  if (cls == "LlamaTokenizer") return {{"bos_token", "<s>"}, {"eos_token", "</s>"}, {"unk_token", "<unk>"}};
  if (cls == "AlbertTokenizer")
    return {{"bos_token", "[CLS]"}, {"eos_token", "[SEP]"}, {"sep_token", "[SEP]"}, {"cls_token", "[CLS]"}, {"unk_token", "<unk>"},
            {"pad_token", "<pad>"}, {"mask_token", "[MASK]"}};
  if (cls == "XLMRobertaTokenizer" || cls == "CamembertTokenizer" || cls == "MBartTokenizer" || cls == "MBart50Tokenizer" ||
      cls == "NllbTokenizer" || cls == "BartTokenizer" || cls == "RobertaTokenizer")
    return fairseq;
  return {};
}

std::optional<std::string> token_content(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("content") && v["content"].is_string()) return v["content"].get<std::string>();
  return std::nullopt;
}

// T5Tokenizer's v5 rebuild of a Unigram tokenizer.json: unk id 2 whatever the file says, only the
// file's Precompiled charsmap kept as normalizer (its other normalizers dropped), whitespace split
// then Metaspace ("always"), and "$A </s>" / "$A </s> $B </s>" (all type 0) as post-processor.
std::string t5_pipeline(const std::string& json_text, const Json& cfg, const std::string& source) {
  Json j = parse_json(json_text, source);
  if (!j.is_object() || !j.contains("model") || !j["model"].is_object() || j["model"].value("type", std::string()) != "Unigram" ||
      !j["model"].contains("vocab") || !j["model"]["vocab"].is_array())
    return json_text;
  Json precompiled;
  const Json& n = j.contains("normalizer") ? j["normalizer"] : Json();
  if (n.is_object() && n.value("type", std::string()) == "Precompiled") precompiled = n;
  if (n.is_object() && n.value("type", std::string()) == "Sequence" && n.contains("normalizers") && n["normalizers"].is_array())
    for (const Json& x : n["normalizers"])
      if (x.is_object() && x.value("type", std::string()) == "Precompiled" && precompiled.is_null()) precompiled = x;
  j["normalizer"] = precompiled;
  j["model"]["unk_id"] = 2;
  j["model"]["byte_fallback"] = false;
  const Json metaspace = {{"type", "Metaspace"}, {"replacement", "\u2581"}, {"prepend_scheme", "always"}, {"split", true}};
  j["pre_tokenizer"] = {{"type", "Sequence"}, {"pretokenizers", Json::array({{{"type", "WhitespaceSplit"}}, metaspace})}};
  j["decoder"] = metaspace;
  std::string eos = "</s>";
  if (cfg.contains("eos_token"))
    if (auto c = token_content(cfg["eos_token"])) eos = *c;
  std::optional<int64_t> eos_id;
  if (j.contains("added_tokens") && j["added_tokens"].is_array())
    for (const Json& a : j["added_tokens"])
      if (a.is_object() && a.value("content", std::string()) == eos && a.contains("id") && a["id"].is_number_integer()) eos_id = a["id"].get<int64_t>();
  const Json& vocab = j["model"]["vocab"];
  for (size_t i = 0; !eos_id && i < vocab.size(); ++i)
    if (vocab[i].is_array() && !vocab[i].empty() && vocab[i][0] == eos) eos_id = static_cast<int64_t>(i);
  if (!eos_id) throw TokenizerError(source + ": T5Tokenizer's eos token '" + eos + "' is not in the vocabulary");
  const std::string e = eos + ":0";
  j["post_processor"] = tok::template_processing({"$A:0", e}, {"$A:0", e, "$B:0", e}, {{eos, *eos_id}});
  return j.dump();
}

// transformers 5 loads a tokenizer.json through the class named in tokenizer_config.json, and a
// class with its own __init__ rebuilds the pipeline around the file's vocabulary and merges,
// keeping only its post-processor and added tokens. LlamaTokenizer's rebuild differs from the
// Hub files (which carry the old Prepend + Replace normalizer): no normalizer, a Metaspace
// pre-tokenizer that does not prepend to text already starting with a space and prepends to every
// piece between added tokens ("always" for legacy, "first" otherwise, "never" without
// add_prefix_space), and a BPE without unk token. AutoTokenizer keeps a byte-level file (any
// "ByteLevel" in it, Llama 3 style) as it is.
std::string class_pipeline(const std::string& json_text, const Json& cfg, const std::string& fallback_class, const std::string& source) {
  std::string cls = tok::jstring(cfg, "tokenizer_class", fallback_class);
  if (cls.size() > 4 && cls.compare(cls.size() - 4, 4, "Fast") == 0) cls.resize(cls.size() - 4);
  if (cls == "T5Tokenizer") return t5_pipeline(json_text, cfg, source);
  if (tok::rebuilds_pipeline(cls))
    if (auto rebuilt = tok::class_pipeline_rebuild(cls, parse_json(json_text, source), cfg, source)) return rebuilt->dump();
  if (cls != "LlamaTokenizer" || json_text.find("\"ByteLevel\"") != std::string::npos) return json_text;
  Json j = parse_json(json_text, source);
  if (!j.is_object() || !j.contains("model") || !j["model"].is_object() || j["model"].value("type", std::string("BPE")) != "BPE")
    return json_text;
  const Json& prefix_v = cfg.contains("add_prefix_space") ? cfg["add_prefix_space"] : Json();
  const bool prefix = prefix_v.is_boolean() ? prefix_v.get<bool>() : true;
  const bool legacy = cfg.contains("legacy") && cfg["legacy"].is_boolean() && cfg["legacy"].get<bool>();
  const std::string scheme = !prefix ? "never" : legacy ? "always" : "first";
  j["normalizer"] = nullptr;
  j["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", "\u2581"}, {"prepend_scheme", scheme}, {"split", false}};
  Json& m = j["model"];
  m["type"] = "BPE", m["dropout"] = nullptr, m["unk_token"] = nullptr, m["continuing_subword_prefix"] = nullptr;
  m["end_of_word_suffix"] = nullptr, m["fuse_unk"] = true, m["byte_fallback"] = true, m["ignore_merges"] = false;
  Json decoders = Json::array({{{"type", "Replace"}, {"pattern", {{"String", "\u2581"}}}, {"content", " "}}, {{"type", "ByteFallback"}}, {{"type", "Fuse"}}});
  if (prefix) decoders.push_back({{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}});
  j["decoder"] = {{"type", "Sequence"}, {"decoders", decoders}};
  return j.dump();
}

}  // namespace

std::unique_ptr<PreTrainedTokenizer> PreTrainedTokenizer::from_files(const std::string& tokenizer_json,
                                                                     const std::string& tokenizer_config_json) {
  return from_files_json(read_file(tokenizer_json), tokenizer_config_json,
                         std::filesystem::path(tokenizer_json).parent_path().string(), tokenizer_json);
}

std::unique_ptr<PreTrainedTokenizer> PreTrainedTokenizer::from_files_json(const std::string& json_text,
                                                                          const std::string& tokenizer_config_json,
                                                                          const std::string& folder, const std::string& source,
                                                                          const std::string& tokenizer_class) {
  auto t = std::make_unique<PreTrainedTokenizer>();
  Json cfg = Json::object();
  if (!tokenizer_config_json.empty() && tokenizer_config_json[0] == '{') cfg = parse_json(tokenizer_config_json, source + " (tokenizer config)");
  else if (!tokenizer_config_json.empty()) cfg = parse_json_file(tokenizer_config_json);
  if (!cfg.is_object()) throw TokenizerError(tokenizer_config_json + ": must be a JSON object");
  t->tok_ = Tokenizer::from_str(class_pipeline(json_text, cfg, tokenizer_class, source), source);
  const std::string where = !tokenizer_config_json.empty() && tokenizer_config_json[0] == '{' ? source : tokenizer_config_json;
  try {
    // Tokens declared in added_tokens_decoder but absent from tokenizer.json are added at load.
    if (cfg.contains("added_tokens_decoder") && cfg["added_tokens_decoder"].is_object()) {
      std::vector<std::pair<int64_t, AddedToken>> extra;
      for (auto& [id, v] : cfg["added_tokens_decoder"].items()) {
        if (!v.is_object()) continue;
        const AddedToken a = tok::parse_added_token(v);
        if (!t->tok_.token_to_id(a.content)) extra.emplace_back(std::stoll(id), a);
      }
      std::sort(extra.begin(), extra.end(), [](auto& x, auto& y) { return x.first < y.first; });
      std::vector<AddedToken> toks;
      for (auto& [id, a] : extra) toks.push_back(a);
      t->tok_.add_tokens(toks);
    }
    for (const char* n : kSpecialNames)
      if (cfg.contains(n))
        if (auto c = token_content(cfg[n])) t->special_[n] = *c;
    // Then special_tokens_map.json, then the class's own defaults where the vocabulary has them.
    const auto map_file = std::filesystem::path(folder) / "special_tokens_map.json";
    if (!folder.empty() && std::filesystem::exists(map_file)) {
      const Json m = parse_json_file(map_file.string());
      if (m.is_object())
        for (const char* n : kSpecialNames)
          if (!t->special_.count(n) && m.contains(n))
            if (auto c = token_content(m[n])) t->special_[n] = *c;
    }
    for (const auto& [n, c] : class_special_tokens(tok::jstring(cfg, "tokenizer_class", tokenizer_class)))
      if (!t->special_.count(n) && t->tok_.token_to_id(c)) t->special_[n] = c;
    // Legacy added_tokens.json ({"token": id}) when the config has no added_tokens_decoder: each
    // token not yet in the vocabulary is added, special if it is one of the special tokens.
    const auto added_file = std::filesystem::path(folder) / "added_tokens.json";
    if (!folder.empty() && !cfg.contains("added_tokens_decoder") && std::filesystem::exists(added_file)) {
      const Json at = parse_json_file(added_file.string());
      if (!at.is_object()) throw TokenizerError(added_file.string() + ": must map tokens to ids");
      std::vector<std::pair<int64_t, std::string>> order;
      for (auto& [content, id] : at.items()) {
        if (!id.is_number_integer()) throw TokenizerError(added_file.string() + ": the id of '" + content + "' is not an integer");
        order.emplace_back(id.get<int64_t>(), content);
      }
      std::sort(order.begin(), order.end());
      for (const auto& [id, content] : order) {
        if (t->tok_.token_to_id(content)) continue;
        bool special = false;
        for (const auto& [k, v] : t->special_) special = special || v == content;
        AddedToken a;
        a.content = content, a.special = special, a.normalized = !special;
        t->tok_.add_tokens({a});
      }
    }
    if (cfg.contains("model_max_length") && cfg["model_max_length"].is_number()) {
      // Python keeps the float (often 1e30 for "no limit"); clamp to the 1e18 sentinel before casting.
      const double m = json_number<TokenizerError>(cfg["model_max_length"], "tokenizer_config.json: model_max_length");
      if (m < 0) throw TokenizerError("tokenizer_config.json: model_max_length must not be negative");
      t->model_max_length_ = m > 1e18 ? static_cast<int64_t>(1e18) : static_cast<int64_t>(m);
    }
    t->padding_side_ = tok::jstring(cfg, "padding_side", "right");
    t->truncation_side_ = tok::jstring(cfg, "truncation_side", "right");
    if (t->padding_side_ != "left" && t->padding_side_ != "right") throw TokenizerError("padding_side must be left or right");
    if (t->truncation_side_ != "left" && t->truncation_side_ != "right") throw TokenizerError("truncation_side must be left or right");
    t->clean_up_ = tok::jbool(cfg, "clean_up_tokenization_spaces", false);
    t->split_special_tokens_ = tok::jbool(cfg, "split_special_tokens", false);
    const std::string cls = tok::jstring(cfg, "tokenizer_class", tokenizer_class);
    // LukeTokenizer / MLukeTokenizer default the BPE clean-up override on; any config may set it.
    const bool luke = cls == "LukeTokenizer" || cls == "MLukeTokenizer" || cls == "LukeTokenizerFast" || cls == "MLukeTokenizerFast";
    t->clean_up_bpe_ = tok::jbool(cfg, "clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output", luke);
    if (cfg.contains("model_input_names") && cfg["model_input_names"].is_array())
      t->model_input_names_ = cfg["model_input_names"].get<std::vector<std::string>>();
    else if (returns_token_type_ids(cls))
      t->model_input_names_ = {"input_ids", "token_type_ids", "attention_mask"};
    if (cfg.contains("chat_template") && cfg["chat_template"].is_string()) t->chat_template_ = cfg["chat_template"].get<std::string>();
    if (cls == "Wav2Vec2CTCTokenizer")
      t->ctc_ = CtcSettings{cfg.value("word_delimiter_token", std::string("|")), cfg.value("replace_word_delimiter_char", std::string(" ")),
                            cfg.value("do_lower_case", false)};
    // Language-code classes rebuild the post-processor for src_lang on load, whatever tokenizer.json has.
    std::string bare = cls.size() > 4 && cls.compare(cls.size() - 4, 4, "Fast") == 0 ? cls.substr(0, cls.size() - 4) : cls;
    std::optional<LanguageCodes> lc;
    std::string def;
    if (bare == "M2M100Tokenizer") lc = LanguageCodes{true, "__", "__", "", "", false}, def = "en";
    else if (bare == "MBartTokenizer") lc = LanguageCodes{false, "", "", "", ""}, def = "en_XX";
    else if (bare == "MBart50Tokenizer") lc = LanguageCodes{true, "", "", "", ""}, def = "en_XX";
    else if (bare == "NllbTokenizer") lc = LanguageCodes{!tok::jbool(cfg, "legacy_behaviour", false), "", "", "", ""}, def = "eng_Latn";
    if (lc) {
      if (cfg.contains("tgt_lang") && cfg["tgt_lang"].is_string()) lc->tgt = cfg["tgt_lang"].get<std::string>();
      const bool given = cfg.contains("src_lang") && cfg["src_lang"].is_string();
      const std::string src = given ? cfg["src_lang"].get<std::string>() : def;
      t->lang_ = lc;
      // A default code the vocabulary lacks leaves tokenizer.json's post-processor alone.
      if (given || t->tok_.token_to_id(lc->before + src + lc->after)) t->set_src_lang(src);
    }
  } catch (const Json::exception& e) {
    throw TokenizerError(where + ": " + e.what());
  }
  const auto chat = std::filesystem::path(folder) / "chat_template.jinja";
  if (!folder.empty() && std::filesystem::exists(chat)) t->chat_template_ = read_file(chat.string());
  return t;
}

int64_t PreTrainedTokenizer::lang_id(const std::string& lang) const {
  if (!lang_) throw ValueError("this tokenizer has no language codes (M2M100, mBART, mBART-50 and NLLB tokenizers do)");
  const std::string token = lang_->before + lang + lang_->after;
  auto id = tok_.token_to_id(token);
  if (!id) throw ValueError("unknown language '" + lang + "': the vocabulary has no token " + token);
  return *id;
}

std::string PreTrainedTokenizer::language_post_processor(const std::string& lang) const {
  const int64_t code = lang_id(lang);
  const std::string token = lang_->before + lang + lang_->after;
  const auto eos = eos_token();
  const auto eos_id = eos ? tok_.token_to_id(*eos) : std::nullopt;
  if (!eos_id) throw ValueError("this tokenizer has no eos_token in its vocabulary to put beside its language codes");
  const std::string c = token + ":0", e = *eos + ":0";
  const Json post = lang_->prefix ? tok::template_processing({c, "$A:0", e}, {c, "$A:0", "$B:0", e}, {{token, code}, {*eos, *eos_id}})
                                  : tok::template_processing({"$A:0", e, c}, {"$A:0", "$B:0", e, c}, {{token, code}, {*eos, *eos_id}});
  return post.dump();
}

void PreTrainedTokenizer::set_src_lang(const std::string& lang) {
  tok_.set_post_processor(language_post_processor(lang));
  lang_->src = lang;
}

void PreTrainedTokenizer::set_tgt_lang(const std::string& lang) {
  lang_id(lang);  // validates
  lang_->tgt = lang;
}

BatchEncoding PreTrainedTokenizer::encode_with_targets(const std::vector<std::string>& texts, const std::vector<std::string>& text_target,
                                                       const TokenizerCallOptions& o, std::optional<int64_t> max_target_length) const {
  if (texts.empty() && text_target.empty()) throw ValueError("You need to specify either `text` or `text_target`.");
  BatchEncoding out;
  if (!texts.empty()) out = (*this)(texts, nullptr, o);
  if (text_target.empty()) return out;
  TokenizerCallOptions to = o;
  if (max_target_length) to.max_length = max_target_length;
  BatchEncoding targets;
  if (target_) {
    targets = (*target_)(text_target, nullptr, to);
    // transformers pads them with the source vocabulary's pad id, whatever the target side's is.
    if (const auto pad = pad_token() ? tok_.token_to_id(*pad_token()) : std::nullopt)
      for (Encoding& e : targets.encodings)
        for (size_t i = 0; i < e.ids.size(); ++i)
          if (!e.attention_mask[i]) e.ids[i] = *pad;
  } else if (lang_) {
    // set_tgt_lang_special_tokens: the source layout with the target's code.
    std::string lang = lang_->tgt;
    if (lang.empty() && lang_->tgt_defaults_to_src) lang = lang_->src;
    if (lang.empty()) throw ValueError("text_target needs tgt_lang: set it (set_tgt_lang or tokenizer_config.json's tgt_lang)");
    PreTrainedTokenizer t = *this;
    t.tok_.set_post_processor(language_post_processor(lang));
    targets = t(text_target, nullptr, to);
  } else {
    targets = (*this)(text_target, nullptr, to);
  }
  if (texts.empty()) return targets;
  for (const Encoding& e : targets.encodings) out.labels.push_back(e.ids);
  return out;
}

std::optional<std::string> PreTrainedTokenizer::src_lang() const {
  if (!lang_ || lang_->src.empty()) return std::nullopt;
  return lang_->src;
}

std::optional<std::string> PreTrainedTokenizer::tgt_lang() const {
  if (!lang_ || lang_->tgt.empty()) return std::nullopt;
  return lang_->tgt;
}

std::vector<int64_t> PreTrainedTokenizer::get_prompt_ids(const std::string& text) const {
  const auto sop = tok_.token_to_id("<|startofprev|>");
  if (!sop) throw ValueError("get_prompt_ids: this tokenizer has no <|startofprev|> token (Whisper's)");
  size_t b = 0, e = text.size();
  while (b < e && std::isspace(static_cast<unsigned char>(text[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(text[e - 1]))) --e;
  TokenizerCallOptions o;
  o.add_special_tokens = false;
  std::vector<int64_t> ids{*sop};
  for (int64_t id : encode(" " + text.substr(b, e - b), nullptr, o).ids) {
    if (auto t = tok_.id_to_token(id); t && tok_.is_special(*t))
      throw ValueError("Encountered text in the prompt corresponding to disallowed special token: " + *t);
    ids.push_back(id);
  }
  return ids;
}

std::optional<std::string> PreTrainedTokenizer::special_token(const std::string& name) const {
  auto it = special_.find(name);
  if (it == special_.end()) return std::nullopt;
  return it->second;
}

std::optional<int64_t> PreTrainedTokenizer::special_token_id(const std::string& name) const {
  auto t = special_token(name);
  if (!t) return std::nullopt;
  return tok_.token_to_id(*t);
}

BatchEncoding PreTrainedTokenizer::operator()(const std::vector<std::string>& texts, const std::vector<std::string>* pairs,
                                              const TokenizerCallOptions& o) const {
  Tokenizer t = tok_;  // per-call settings on a copy; the pipeline itself is shared
  t.set_encode_special_tokens(o.split_special_tokens.value_or(split_special_tokens_));
  const bool pad = o.padding == "longest" || o.padding == "max_length";
  if (!pad && o.padding != "do_not_pad" && !o.padding.empty()) throw ValueError("padding must be do_not_pad, longest or max_length, got '" + o.padding + "'");
  const int64_t max_len = o.max_length.value_or(model_max_length_);
  if (!o.truncation.empty()) {
    if (o.truncation != "longest_first" && o.truncation != "only_first" && o.truncation != "only_second")
      throw ValueError("truncation must be longest_first, only_first or only_second, got '" + o.truncation + "'");
    TruncationParams tp;
    tp.max_length = max_len;
    tp.strategy = o.truncation;
    tp.stride = o.stride;
    tp.direction = truncation_side_;
    t.set_truncation(tp);
  } else {
    t.set_truncation(std::nullopt);
  }
  if (pad) {
    PaddingParams pp;
    if (o.padding == "max_length") {
      if (!o.max_length && model_max_length_ >= static_cast<int64_t>(1e18))
        throw ValueError("padding='max_length' needs max_length: this tokenizer has no model_max_length");
      pp.length = max_len;
    }
    pp.pad_to_multiple_of = o.pad_to_multiple_of;
    pp.direction = o.padding_side.empty() ? padding_side_ : o.padding_side;
    auto pad_tok = special_token("pad_token");
    if (!pad_tok || !tok_.token_to_id(*pad_tok))
      throw ValueError("Asking to pad but the tokenizer does not have a padding token.");
    pp.pad_token = *pad_tok;
    pp.pad_id = *tok_.token_to_id(*pad_tok);
    t.set_padding(pp);
  } else {
    t.set_padding(std::nullopt);
  }
  BatchEncoding be;
  be.has_token_type_ids = std::find(model_input_names_.begin(), model_input_names_.end(), "token_type_ids") != model_input_names_.end();
  std::vector<Encoding> encs;
  if (o.errors != "strict" && o.errors != "replace") throw ValueError("errors must be strict or replace, got '" + o.errors + "'");
  // errors="replace": invalid UTF-8 becomes U+FFFD (as bytes.decode(errors="replace")) instead of a TokenizerError.
  auto prepare = [&](const std::vector<std::string>& in) {
    std::vector<std::string> r;
    for (const auto& s : in) {
      std::string x = o.errors == "replace" && !tok::utf8_valid(s) ? tok::utf8_lossy(s) : s;
      r.push_back(ctc_ && ctc_->do_lower_case ? tok::upper_str(x) : std::move(x));  // Wav2Vec2CTCTokenizer upper-cases its input
    }
    return r;
  };
  if ((ctc_ && ctc_->do_lower_case) || o.errors == "replace") {
    const auto a = prepare(texts);
    std::vector<std::string> b;
    if (pairs) b = prepare(*pairs);
    encs = t.encode_batch(a, pairs ? &b : nullptr, o.add_special_tokens);
  } else {
    encs = t.encode_batch(texts, pairs, o.add_special_tokens);
  }
  for (size_t i = 0; i < encs.size(); ++i) {
    std::vector<Encoding> over = std::move(encs[i].overflowing);
    encs[i].overflowing.clear();
    be.encodings.push_back(std::move(encs[i]));
    be.overflow_to_sample_mapping.push_back(static_cast<int64_t>(i));
    if (o.return_overflowing_tokens)
      for (auto& e : over) {
        be.encodings.push_back(std::move(e));
        be.overflow_to_sample_mapping.push_back(static_cast<int64_t>(i));
      }
  }
  return be;
}

Encoding PreTrainedTokenizer::encode(const std::string& text, const std::string* pair, const TokenizerCallOptions& o) const {
  std::vector<std::string> pairs;
  if (pair) pairs.push_back(*pair);
  return (*this)({text}, pair ? &pairs : nullptr, o).encodings.at(0);
}

std::string PreTrainedTokenizer::decode(const std::vector<int64_t>& ids, bool skip_special, std::optional<bool> clean_up) const {
  // Ids past the vocabulary are dropped as tokenizers does (models pad their embeddings); a
  // negative id is a caller's bug (Python raises OverflowError).
  for (int64_t id : ids)
    if (id < 0) throw ValueError("decode: negative token id " + std::to_string(id));
  std::string s = ctc_ ? ctc_decode(ids, skip_special) : tok_.decode(ids, skip_special);
  // transformers 5 (TokenizersBackend._decode) ignores clean_up_tokenization_spaces when the
  // backend model is a BPE (the clean-up was written for WordPiece and eats real spaces before
  // punctuation in byte-level / SentencePiece BPE text) unless the class or config forces it; the
  // Python-side classes (CTC, the slow SentencePiece ones) and other models still clean.
  const bool skipped_for_bpe = !ctc_ && tok_.is_bpe() && !clean_up_bpe_;
  if (clean_up.value_or(clean_up_) && !skipped_for_bpe) s = tok::cleanup_tokenization(s, false);
  return s;
}

// Wav2Vec2CTCTokenizer._decode (v5): special tokens other than the word delimiter dropped when
// asked (the pad / blank included, before grouping), repeats collapsed, blanks removed, the
// delimiter spelled as a space, the whole stripped.
std::string PreTrainedTokenizer::ctc_decode(const std::vector<int64_t>& ids, bool skip_special) const {
  std::vector<std::string> tokens;
  for (const auto& t : convert_ids_to_tokens(ids)) {
    bool special = false;
    for (const auto& [name, content] : special_) special |= content == t;
    if (skip_special && special && t != ctc_->word_delimiter) continue;
    if (tokens.empty() || tokens.back() != t) tokens.push_back(t);
  }
  const std::string pad = special_token("pad_token").value_or("");
  std::string s;
  for (const auto& t : tokens)
    if (t != pad) s += t == ctc_->word_delimiter ? ctc_->replace_char : t;
  const auto first = s.find_first_not_of(" \t\n\r\f\v"), last = s.find_last_not_of(" \t\n\r\f\v");
  s = first == std::string::npos ? "" : s.substr(first, last - first + 1);
  if (ctc_->do_lower_case) s = tok::lower_str(s);
  return s;
}

std::vector<PreTrainedTokenizer::CharOffset> PreTrainedTokenizer::ctc_char_offsets(const std::vector<int64_t>& ids) const {
  if (!ctc_) throw ValueError("character offsets are defined for CTC tokenizers (Wav2Vec2CTCTokenizer) only");
  const std::string pad = special_token("pad_token").value_or("");
  std::vector<CharOffset> out;
  const auto tokens = convert_ids_to_tokens(ids);
  for (size_t i = 0; i < tokens.size();) {
    size_t j = i;
    while (j < tokens.size() && tokens[j] == tokens[i]) ++j;
    if (tokens[i] != pad)
      out.push_back({tokens[i] == ctc_->word_delimiter ? ctc_->replace_char : tokens[i], static_cast<int64_t>(i), static_cast<int64_t>(j)});
    i = j;
  }
  return out;
}

std::vector<std::string> PreTrainedTokenizer::batch_decode(const std::vector<std::vector<int64_t>>& ids, bool skip_special) const {
  std::vector<std::string> r;
  for (const auto& v : ids) r.push_back(decode(v, skip_special));
  return r;
}

std::vector<std::string> PreTrainedTokenizer::convert_ids_to_tokens(const std::vector<int64_t>& ids) const {
  std::vector<std::string> r;
  for (int64_t id : ids) {
    auto t = tok_.id_to_token(id);
    if (!t) throw ValueError("token id " + std::to_string(id) + " is out of the vocabulary");
    r.push_back(*t);
  }
  return r;
}

std::vector<int64_t> PreTrainedTokenizer::convert_tokens_to_ids(const std::vector<std::string>& tokens) const {
  std::vector<int64_t> r;
  const auto unk = unk_token_id();
  for (const auto& t : tokens) {
    auto id = tok_.token_to_id(t);
    if (!id && !unk) throw ValueError("token '" + t + "' is not in the vocabulary and there is no unk_token");
    r.push_back(id ? *id : *unk);
  }
  return r;
}

size_t PreTrainedTokenizer::add_tokens(const std::vector<std::string>& tokens, bool special) {
  std::vector<AddedToken> a;
  for (const auto& t : tokens) {
    AddedToken x;
    x.content = t;
    x.special = special;
    x.normalized = !special;
    a.push_back(x);
  }
  return tok_.add_tokens(a);
}

size_t PreTrainedTokenizer::vocab_size() const { return tok_.get_vocab_size(true); }

static Tensor rect(const std::vector<Encoding>& encs, const char* what, std::vector<int64_t> Encoding::*field) {
  if (encs.empty()) return Tensor::zeros({0, 0}, DType::I64);
  const size_t n = (encs[0].*field).size();
  for (const auto& e : encs)
    if ((e.*field).size() != n)
      throw ValueError(std::string("Unable to create tensor for ") + what + ": sequences have different lengths; use padding");
  std::vector<int64_t> v;
  for (const auto& e : encs) v.insert(v.end(), (e.*field).begin(), (e.*field).end());
  return Tensor::from_ints(v, {static_cast<int64_t>(encs.size()), static_cast<int64_t>(n)});
}

Tensor BatchEncoding::input_ids() const { return rect(encodings, "input_ids", &Encoding::ids); }
Tensor BatchEncoding::attention_mask() const { return rect(encodings, "attention_mask", &Encoding::attention_mask); }
Tensor BatchEncoding::token_type_ids() const { return rect(encodings, "token_type_ids", &Encoding::type_ids); }
Tensor BatchEncoding::labels_tensor() const {
  if (labels.empty()) throw ValueError("this BatchEncoding has no labels: encode with text_target");
  const int64_t n = static_cast<int64_t>(labels[0].size());
  Tensor t = Tensor::empty({static_cast<int64_t>(labels.size()), n}, DType::I64);
  for (size_t b = 0; b < labels.size(); ++b) {
    if (static_cast<int64_t>(labels[b].size()) != n) throw ValueError("labels have different lengths: pad the targets (padding=\"longest\")");
    std::copy(labels[b].begin(), labels[b].end(), t.data<int64_t>() + static_cast<int64_t>(b) * n);
  }
  return t;
}

// TemplateProcessing "[CLS] $A [SEP]" / "[CLS] $A [SEP] $B:1 [SEP]:1" (BERT, DeBERTa-v2).
static Json cls_sep_template(const std::string& cls, int64_t cls_id, const std::string& sep, int64_t sep_id) {
  auto special = [](const std::string& t, int type) { return Json{{"SpecialToken", {{"id", t}, {"type_id", type}}}}; };
  auto seq = [](const char* id, int type) { return Json{{"Sequence", {{"id", id}, {"type_id", type}}}}; };
  return {{"type", "TemplateProcessing"},
          {"single", Json::array({special(cls, 0), seq("A", 0), special(sep, 0)})},
          {"pair", Json::array({special(cls, 0), seq("A", 0), special(sep, 0), seq("B", 1), special(sep, 1)})},
          {"special_tokens", {{cls, {{"id", cls}, {"ids", {cls_id}}, {"tokens", {cls}}}}, {sep, {{"id", sep}, {"ids", {sep_id}}, {"tokens", {sep}}}}}}};
}

// transformers' BertConverter: the tokenizer.json a WordPiece vocab.txt stands for, with the
// BertTokenizer options from tokenizer_config.json (do_lower_case, strip_accents, ...).
static std::string bert_json_from_vocab(const std::string& vocab_path, const Json& cfg) {
  std::ifstream f(vocab_path);
  if (!f) throw OSError("cannot open '" + vocab_path + "'");
  Json vocab = Json::object();
  int64_t id = 0;
  for (std::string line; std::getline(f, line); ++id) {
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
    tok::validate_utf8(line, "vocab.txt");
    if (!vocab.contains(line)) vocab[line] = id;
  }
  auto special = [&](const char* key, const char* def) {
    std::string v = def;
    if (cfg.contains(key) && cfg[key].is_string()) v = cfg[key].get<std::string>();
    if (!vocab.contains(v)) throw TokenizerError(vocab_path + ": special token '" + v + "' is not in the vocabulary");
    return v;
  };
  const std::string cls = special("cls_token", "[CLS]"), sep = special("sep_token", "[SEP]"), unk = special("unk_token", "[UNK]");
  Json added = Json::array();
  std::vector<std::string> specials = {special("pad_token", "[PAD]"), unk, cls, sep, special("mask_token", "[MASK]")};
  std::sort(specials.begin(), specials.end(), [&](const auto& a, const auto& b) { return vocab[a] < vocab[b]; });
  for (const auto& t : specials)
    added.push_back({{"id", vocab[t]}, {"content", t}, {"single_word", false}, {"lstrip", false}, {"rstrip", false},
                     {"normalized", false}, {"special", true}});
  Json norm = {{"type", "BertNormalizer"}, {"clean_text", true},
               {"handle_chinese_chars", cfg.value("tokenize_chinese_chars", true)},
               {"strip_accents", cfg.contains("strip_accents") ? cfg["strip_accents"] : Json()},
               {"lowercase", cfg.value("do_lower_case", true)}};
  const Json tmpl = cls_sep_template(cls, vocab[cls].get<int64_t>(), sep, vocab[sep].get<int64_t>());
  Json j = {{"version", "1.0"}, {"added_tokens", added}, {"normalizer", norm}, {"pre_tokenizer", {{"type", "BertPreTokenizer"}}},
            {"model", {{"type", "WordPiece"}, {"unk_token", unk}, {"continuing_subword_prefix", "##"},
                       {"max_input_chars_per_word", 100}, {"vocab", vocab}}},
            {"post_processor", tmpl}, {"decoder", {{"type", "WordPiece"}, {"prefix", "##"}, {"cleanup", true}}}};
  return j.dump();
}

// Wav2Vec2CTCTokenizer (slow only in transformers): one vocab.json entry per character, spaces
// spelled as the word delimiter, and every multi-character vocab entry kept whole as an added token
// (stripping the spaces around it). Decoding is PreTrainedTokenizer::ctc_decode.
static std::string ctc_json_from_vocab(const std::string& vocab_path, const Json& cfg) {
  const Json vocab = parse_json_file(vocab_path);
  if (!vocab.is_object() || vocab.empty()) throw TokenizerError(vocab_path + ": must be a non-empty JSON object of token -> id");
  auto special = [&](const char* key, const char* def) {
    if (cfg.contains(key) && cfg[key].is_string()) return cfg[key].get<std::string>();
    if (cfg.contains(key) && cfg[key].is_object()) return token_content(cfg[key]).value_or(def);
    return std::string(def);
  };
  const std::set<std::string> specials = {special("bos_token", "<s>"), special("eos_token", "</s>"), special("unk_token", "<unk>"),
                                          special("pad_token", "<pad>")};
  const std::string unk = special("unk_token", "<unk>");
  std::vector<std::pair<int64_t, std::string>> multi;
  for (auto& [token, id] : vocab.items()) {
    if (!id.is_number_integer()) throw TokenizerError(vocab_path + ": the id of '" + token + "' is not an integer");
    tok::validate_utf8(token, "vocab.json");
    if (tok::utf8_decode(token).size() > 1) multi.emplace_back(id.get<int64_t>(), token);
  }
  std::sort(multi.begin(), multi.end());
  // __init__ adds them with lstrip / rstrip; a saved added_tokens_decoder entry carries its own flags.
  const Json saved = cfg.contains("added_tokens_decoder") && cfg["added_tokens_decoder"].is_object() ? cfg["added_tokens_decoder"] : Json::object();
  Json added = Json::array();
  for (const auto& [id, t] : multi) {
    const std::string key = std::to_string(id);
    const Json e = saved.contains(key) && saved[key].is_object() ? saved[key] : Json::object();
    added.push_back({{"id", id}, {"content", t}, {"single_word", e.value("single_word", false)}, {"lstrip", e.value("lstrip", true)},
                     {"rstrip", e.value("rstrip", true)}, {"normalized", e.value("normalized", false)}, {"special", specials.count(t) > 0}});
  }
  const std::string delimiter = cfg.value("word_delimiter_token", std::string("|"));
  Json j = {{"version", "1.0"}, {"added_tokens", added},
            {"normalizer", {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", delimiter}}},
            {"pre_tokenizer", {{"type", "Split"}, {"pattern", {{"Regex", "[\\s\\S]"}}}, {"behavior", "Isolated"}, {"invert", false}}},
            {"model", {{"type", "WordLevel"}, {"vocab", vocab}, {"unk_token", unk}}},
            {"decoder", {{"type", "CTC"}, {"pad_token", special("pad_token", "<pad>")}, {"word_delimiter_token", delimiter}, {"cleanup", false}}}};
  return j.dump();
}

namespace {

}  // namespace

// DebertaV2Tokenizer (v5) over the pieces of its spm.model: Unigram with the SentencePiece scores,
// whitespace runs / tabs / newlines to one space, NFC, right strip, (punctuation split,) Metaspace,
// [CLS] A [SEP] (B [SEP]) with token types 0 / 1.
static std::string deberta_v2_json_from_spm(const std::string& spm_path, const Json& cfg) {
  std::vector<std::pair<std::string, float>> pieces;
  for (const auto& p : tok::read_spm(spm_path).pieces) pieces.emplace_back(p.piece, p.score);
  auto special = [&](const char* key, const char* def) {
    if (cfg.contains(key) && !cfg[key].is_null()) return token_content(cfg[key]).value_or(def);
    return std::string(def);
  };
  const std::string unk = special("unk_token", "[UNK]"), cls = special("cls_token", "[CLS]"), sep = special("sep_token", "[SEP]");
  Json vocab = Json::array();
  int64_t unk_id = json_int_or<TokenizerError>(cfg, "unk_id", 1, "tokenizer_config.json", 0, UINT32_MAX);
  std::map<std::string, int64_t> ids;
  for (size_t i = 0; i < pieces.size(); ++i) {
    vocab.push_back(Json::array({pieces[i].first, pieces[i].second}));
    ids.emplace(pieces[i].first, static_cast<int64_t>(i));
    if (pieces[i].first == unk && pieces[i].second == 0.0f) unk_id = static_cast<int64_t>(i);
  }
  // the special tokens the tokenizer declares are added tokens (matched whole, never normalized)
  Json added = Json::array();
  std::set<std::string> seen;
  for (const char* key : {"pad_token", "cls_token", "sep_token", "unk_token", "bos_token", "eos_token", "mask_token"}) {
    const std::string t = special(key, "");
    if (t.empty() || !ids.count(t) || !seen.insert(t).second) continue;
    added.push_back({{"id", ids[t]}, {"content", t}, {"single_word", false}, {"lstrip", false}, {"rstrip", false},
                     {"normalized", false}, {"special", true}});
  }
  std::sort(added.begin(), added.end(), [](const Json& a, const Json& b) { return a["id"].get<int64_t>() < b["id"].get<int64_t>(); });
  Json norms = Json::array();
  if (cfg.value("do_lower_case", false)) norms.push_back({{"type", "Lowercase"}});
  norms.push_back({{"type", "Replace"}, {"pattern", {{"Regex", "\\s{2,}|[\\n\\r\\t]"}}}, {"content", " "}});
  norms.push_back({{"type", "NFC"}});
  norms.push_back({{"type", "Strip"}, {"strip_left", false}, {"strip_right", true}});
  const std::string scheme = cfg.value("add_prefix_space", true) ? "always" : "first";
  Json pre = Json::array();
  if (cfg.value("split_by_punct", false)) pre.push_back({{"type", "Punctuation"}, {"behavior", "Isolated"}});
  const Json metaspace = {{"type", "Metaspace"}, {"replacement", "\u2581"}, {"prepend_scheme", scheme}, {"split", true}};
  pre.push_back(metaspace);
  for (const auto& t : {cls, sep})
    if (!ids.count(t)) throw TokenizerError(spm_path + ": the special token '" + t + "' is not among the model's pieces");
  const Json tmpl = cls_sep_template(cls, ids[cls], sep, ids[sep]);
  Json j = {{"version", "1.0"}, {"added_tokens", added}, {"normalizer", {{"type", "Sequence"}, {"normalizers", norms}}},
            {"pre_tokenizer", {{"type", "Sequence"}, {"pretokenizers", pre}}},
            {"model", {{"type", "Unigram"}, {"unk_id", unk_id}, {"vocab", vocab}, {"byte_fallback", false}}},
            {"post_processor", tmpl}, {"decoder", metaspace}};
  return j.dump();
}

// transformers' GPT2Converter / RobertaConverter: byte-level BPE from vocab.json + merges.txt.
static std::string bytelevel_json_from_files(const std::string& vocab_path, const std::string& merges_path, const Json& cfg) {
  Json vocab = parse_json_file(vocab_path);
  if (!vocab.is_object()) throw TokenizerError(vocab_path + ": must map tokens to ids");
  std::ifstream f(merges_path);
  if (!f) throw OSError("cannot open '" + merges_path + "'");
  Json merges = Json::array();
  for (std::string line; std::getline(f, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
    if (line.empty() || line.rfind("#version", 0) == 0) continue;
    merges.push_back(line);
  }
  const bool prefix = cfg.value("add_prefix_space", false);
  const std::string cls = cfg.value("tokenizer_class", "");
  const bool roberta = cls.rfind("Roberta", 0) == 0 || cls.rfind("Bart", 0) == 0 || cls.rfind("Longformer", 0) == 0;
  auto content = [&](const char* key) -> std::string {
    if (!cfg.contains(key)) return "";
    if (cfg[key].is_string()) return cfg[key].get<std::string>();
    if (cfg[key].is_object()) return cfg[key].value("content", "");
    return "";
  };
  Json added = Json::array();
  for (const char* k : {"bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"}) {
    const std::string c = content(k);
    if (c.empty() || !vocab.contains(c)) continue;
    const bool lstrip = cfg.contains(k) && cfg[k].is_object() && cfg[k].value("lstrip", false);
    added.push_back({{"id", vocab[c]}, {"content", c}, {"single_word", false}, {"lstrip", lstrip}, {"rstrip", false},
                     {"normalized", false}, {"special", true}});
  }
  Json post = {{"type", "ByteLevel"}, {"add_prefix_space", prefix}, {"trim_offsets", false}, {"use_regex", true}};
  if (roberta) {
    const std::string bos = content("cls_token").empty() ? content("bos_token") : content("cls_token");
    const std::string eos = content("sep_token").empty() ? content("eos_token") : content("sep_token");
    if (!vocab.contains(bos) || !vocab.contains(eos)) throw TokenizerError(vocab_path + ": RoBERTa special tokens missing from the vocabulary");
    post = {{"type", "RobertaProcessing"}, {"sep", {eos, vocab[eos]}}, {"cls", {bos, vocab[bos]}},
            {"trim_offsets", cfg.value("trim_offsets", true)}, {"add_prefix_space", prefix}};
  }
  Json j = {{"version", "1.0"}, {"added_tokens", added}, {"normalizer", nullptr},
            {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", prefix}, {"trim_offsets", true}, {"use_regex", true}}},
            {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}, {"continuing_subword_prefix", ""},
                       {"end_of_word_suffix", ""}, {"fuse_unk", false}, {"byte_fallback", false}}},
            {"post_processor", post},
            {"decoder", {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", true}}}};
  return j.dump();
}

std::unique_ptr<PreTrainedTokenizer> AutoTokenizer::from_pretrained(const std::string& name, const TokenizerOptions& o) {
  if (!o.gguf_file.empty()) {
    // The vocabulary, merges and special tokens of a GGUF file's metadata (io/gguf_mapping.cpp).
    const std::string file = gguf::resolve_file(name, o.gguf_file, o);
    const auto files = gguf::tokenizer_files(gguf::File::open(file));
    return PreTrainedTokenizer::from_files_json(files.tokenizer_json, files.tokenizer_config, "", file);
  }
  auto cfg = cached_file(name, "tokenizer_config.json", o, false);
  cached_file(name, "chat_template.jinja", o, false);
  cached_file(name, "special_tokens_map.json", o, false);
  cached_file(name, "added_tokens.json", o, false);
  if (auto tj = cached_file(name, "tokenizer.json", o, false)) return PreTrainedTokenizer::from_files(*tj, cfg ? *cfg : "");
  // No tokenizer.json: convert the slow tokenizer's files, as transformers' fallback chain does.
  if (auto vocab = cached_file(name, "vocab.txt", o, false)) {
    const Json c = cfg ? parse_json_file(*cfg) : Json::object();
    const auto dir = std::filesystem::path(*vocab).parent_path();
    auto t = PreTrainedTokenizer::from_files_json(bert_json_from_vocab(*vocab, c), cfg ? *cfg : "", dir.string());
    return t;
  }
  const std::string cls = cfg ? parse_json_file(*cfg).value("tokenizer_class", "") : "";
  if (cls == "DebertaV2Tokenizer" || cls == "DebertaV2TokenizerFast") {
    if (auto sp = cached_file(name, "spm.model", o, false))
      return PreTrainedTokenizer::from_files_json(deberta_v2_json_from_spm(*sp, parse_json_file(*cfg)), *cfg,
                                                  std::filesystem::path(*sp).parent_path().string(), *sp);
  }
  // SentencePiece models, converted as the tokenizer class does on load (the class from
  // tokenizer_config.json, else from config.json's model_type).
  std::string spm_cls = cls;
  if (spm_cls.empty())
    if (auto mc = cached_file(name, "config.json", o, false)) {
      static const std::map<std::string, std::string> by_type = {
          {"t5", "T5Tokenizer"},           {"mt5", "T5Tokenizer"},         {"llama", "LlamaTokenizer"},
          {"xlm-roberta", "XLMRobertaTokenizer"}, {"albert", "AlbertTokenizer"}, {"camembert", "CamembertTokenizer"},
          {"marian", "MarianTokenizer"},   {"m2m_100", "M2M100Tokenizer"}, {"mbart", "MBartTokenizer"}};
      auto it = by_type.find(parse_json_file(*mc).value("model_type", ""));
      if (it != by_type.end()) spm_cls = it->second;
    }
  // The slow classes pairing SentencePiece with their own vocab.json.
  const std::string bare = spm_cls.size() > 4 && spm_cls.compare(spm_cls.size() - 4, 4, "Fast") == 0 ? spm_cls.substr(0, spm_cls.size() - 4) : spm_cls;
  if (bare == "MarianTokenizer" || bare == "M2M100Tokenizer") {
    const bool marian = bare == "MarianTokenizer";
    const Json c = cfg ? parse_json_file(*cfg) : Json::object();
    auto need = [&](const std::string& file) {
      auto f = cached_file(name, file, o, false);
      if (!f) throw OSError("Could not load " + bare + " from " + name + ": " + file + " is missing");
      return *f;
    };
    const std::string vj = need("vocab.json"), sp = need(marian ? "source.spm" : "sentencepiece.bpe.model");
    const Json vocab = parse_json_file(vj);
    const std::string dir = std::filesystem::path(sp).parent_path().string();
    const std::string cf = cfg ? *cfg : "";
    if (!marian) return PreTrainedTokenizer::from_files_json(tok::spm_vocab_tokenizer_json(tok::read_spm(sp), vocab, bare, c), cf, dir, sp, bare);
    // Marian encodes text_target with target.spm, and with target_vocab.json when the vocabularies are separate.
    const std::string tp = need("target.spm");
    const tok::SpmModel target = tok::read_spm(tp);
    std::unique_ptr<PreTrainedTokenizer> t, tt;
    if (c.value("separate_vocabs", false)) {
      // Decoding reads the target side: target.spm and target_vocab.json.
      const Json tv = parse_json_file(need("target_vocab.json"));
      t = PreTrainedTokenizer::from_files_json(tok::spm_vocab_tokenizer_json(tok::read_spm(sp), vocab, bare, c, &target, &tv), cf, dir, sp, bare);
      tt = PreTrainedTokenizer::from_files_json(tok::spm_vocab_tokenizer_json(target, tv, bare, c, &target, &tv), cf, dir, tp, bare);
    } else {
      t = PreTrainedTokenizer::from_files_json(tok::spm_vocab_tokenizer_json(tok::read_spm(sp), vocab, bare, c), cf, dir, sp, bare);
      tt = PreTrainedTokenizer::from_files_json(tok::spm_vocab_tokenizer_json(target, vocab, bare, c), cf, dir, tp, bare);
    }
    t->target_ = std::move(tt);
    return t;
  }
  if (const std::string file = tok::spm_vocab_file(spm_cls); !file.empty())
    if (auto sp = cached_file(name, file, o, false)) {
      Json c = cfg ? parse_json_file(*cfg) : Json::object();
      // A legacy added_tokens.json stands for added_tokens_decoder, as transformers converts it.
      const auto added_file = std::filesystem::path(*sp).parent_path() / "added_tokens.json";
      if (!c.contains("added_tokens_decoder") && std::filesystem::exists(added_file)) {
        const Json at = parse_json_file(added_file.string());
        std::set<std::string> specials;
        for (const char* k : kSpecialNames)
          if (c.contains(k))
            if (auto v = token_content(c[k])) specials.insert(*v);
        if (c.contains("additional_special_tokens") && c["additional_special_tokens"].is_array())
          for (const Json& t : c["additional_special_tokens"])
            if (auto v = token_content(t)) specials.insert(*v);
        Json dec = Json::object();
        if (at.is_object())
          for (auto& [content, id] : at.items())
            if (id.is_number_integer())
              dec[std::to_string(id.get<int64_t>())] = {{"content", content}, {"special", specials.count(content) > 0},
                                                         {"normalized", specials.count(content) == 0}};
        c["added_tokens_decoder"] = dec;
      }
      return PreTrainedTokenizer::from_files_json(tok::spm_tokenizer_json(tok::read_spm(*sp), spm_cls, c), cfg ? *cfg : "",
                                                  std::filesystem::path(*sp).parent_path().string(), *sp, spm_cls);
    }
  auto vj = cached_file(name, "vocab.json", o, false);
  if (vj && cls == "Wav2Vec2CTCTokenizer")
    return PreTrainedTokenizer::from_files_json(ctc_json_from_vocab(*vj, parse_json_file(*cfg)), *cfg,
                                                std::filesystem::path(*vj).parent_path().string(), *vj);
  auto mg = cached_file(name, "merges.txt", o, false);
  if (vj && mg) {
    const Json c = cfg ? parse_json_file(*cfg) : Json::object();
    return PreTrainedTokenizer::from_files_json(bytelevel_json_from_files(*vj, *mg, c), cfg ? *cfg : "",
                                                std::filesystem::path(*vj).parent_path().string());
  }
  throw OSError("Could not load tokenizer from " + name +
                ": no tokenizer.json, vocab.json+merges.txt, vocab.txt or a SentencePiece model of a class we convert (LlamaTokenizer, "
                "T5Tokenizer, XLMRobertaTokenizer, AlbertTokenizer, CamembertTokenizer, MBartTokenizer, MBart50Tokenizer, DebertaV2Tokenizer, MarianTokenizer, M2M100Tokenizer) found");
}

}  // namespace transformers
