#include "tokenizers/class_pipelines.hpp"

#include "transformers/errors.hpp"

namespace transformers::tok {

namespace {

std::string cfg_token(const Json& cfg, const char* key, const std::string& def) {
  if (!cfg.contains(key)) return def;
  const Json& v = cfg[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("content") && v["content"].is_string()) return v["content"].get<std::string>();
  return def;
}
bool cfg_bool(const Json& cfg, const char* key, bool def) { return cfg.contains(key) && cfg[key].is_boolean() ? cfg[key].get<bool>() : def; }

Json metaspace(const std::string& scheme) { return {{"type", "Metaspace"}, {"replacement", "\u2581"}, {"prepend_scheme", scheme}, {"split", true}}; }
Json replace(const char* kind, const std::string& pattern, const std::string& content) {
  return {{"type", "Replace"}, {"pattern", {{kind, pattern}}}, {"content", content}};
}
Json sequence(const char* key, Json items) { return {{"type", "Sequence"}, {key, std::move(items)}}; }

// The Precompiled normalizer of the file (alone or inside a Sequence): the charsmap transformers
// hands the class as _spm_precompiled_charsmap. Null without one.
Json precompiled(const Json& j) {
  const Json& n = j.contains("normalizer") ? j["normalizer"] : Json();
  if (n.is_object() && n.value("type", std::string()) == "Precompiled") return n;
  if (n.is_object() && n.value("type", std::string()) == "Sequence" && n.contains("normalizers") && n["normalizers"].is_array())
    for (const Json& x : n["normalizers"])
      if (x.is_object() && x.value("type", std::string()) == "Precompiled") return x;
  return Json();
}

// Index of the piece `unk` in the Unigram vocabulary ([piece, score] rows) from `from` on, with
// score 0 when `zero_score` (Python's list.index((unk, 0.0))); nullopt when absent.
std::optional<int64_t> piece_index(const Json& vocab, const std::string& unk, size_t from, bool zero_score) {
  for (size_t i = from; i < vocab.size(); ++i) {
    const Json& row = vocab[i];
    if (!row.is_array() || row.size() < 2 || !row[0].is_string() || row[0].get<std::string>() != unk) continue;
    if (zero_score && !(row[1].is_number() && row[1].get<double>() == 0.0)) continue;
    return static_cast<int64_t>(i);
  }
  return std::nullopt;
}

// BertTokenizer: WordPiece over the file's vocabulary with BertNormalizer from the config, whose
// do_lower_case defaults to true whatever the file's normalizer says.
Json bert_pipeline(Json j, const Json& cfg) {
  const Json strip = cfg.contains("strip_accents") && cfg["strip_accents"].is_boolean() ? cfg["strip_accents"] : Json();
  j["normalizer"] = {{"type", "BertNormalizer"}, {"clean_text", true}, {"handle_chinese_chars", cfg_bool(cfg, "tokenize_chinese_chars", true)},
                     {"strip_accents", strip}, {"lowercase", cfg_bool(cfg, "do_lower_case", true)}};
  j["pre_tokenizer"] = {{"type", "BertPreTokenizer"}};
  j["decoder"] = {{"type", "WordPiece"}, {"prefix", "##"}, {"cleanup", true}};
  Json& m = j["model"];
  m["unk_token"] = cfg_token(cfg, "unk_token", "[UNK]"), m["continuing_subword_prefix"] = "##", m["max_input_chars_per_word"] = 100;
  return j;
}

// The SentencePiece classes: each builds a Unigram model from the file's vocabulary.
std::optional<Json> spm_class_pipeline(const std::string& cls, Json j, const Json& cfg, const std::string& source) {
  if (!j.is_object() || !j.contains("model") || !j["model"].is_object() || j["model"].value("type", std::string()) != "Unigram" ||
      !j["model"].contains("vocab") || !j["model"]["vocab"].is_array())
    return std::nullopt;
  const Json& vocab = j["model"]["vocab"];
  const Json charsmap = precompiled(j);
  const bool prefix = cfg_bool(cfg, "add_prefix_space", true);
  const std::string scheme = prefix ? "always" : "never";
  const Json whitespace_then_meta = sequence("pretokenizers", Json::array({{{"type", "WhitespaceSplit"}}, metaspace(scheme)}));
  int64_t unk_id = 0;
  Json normalizer, pre, decoder = metaspace(scheme);
  if (cls == "XLMRobertaTokenizer" || cls == "CamembertTokenizer") {
    // Precompiled alone (the converters' " {2,}" replacement is gone), whitespace split first.
    unk_id = cls == "XLMRobertaTokenizer" ? 3 : piece_index(vocab, cfg_token(cfg, "unk_token", "<unk>"), 0, false).value_or(0);
    normalizer = charsmap, pre = whitespace_then_meta;
  } else if (cls == "AlbertTokenizer") {
    unk_id = 1;
    Json n = Json::array({replace("String", "``", "\""), replace("String", "''", "\"")});
    if (!cfg_bool(cfg, "keep_accents", false)) n.push_back({{"type", "NFKD"}}), n.push_back({{"type", "StripAccents"}});
    if (cfg_bool(cfg, "do_lower_case", true)) n.push_back({{"type", "Lowercase"}});
    if (!charsmap.is_null()) n.push_back(charsmap);
    normalizer = sequence("normalizers", n), pre = whitespace_then_meta;
  } else if (cls == "MBartTokenizer") {
    unk_id = 3;  // no normalizer at all, whatever the file has; prefix always
    pre = sequence("pretokenizers", Json::array({{{"type", "WhitespaceSplit"}}, metaspace("always")})), decoder = metaspace("always");
  } else if (cls == "MBart50Tokenizer") {
    unk_id = 3;
    Json n = Json::array();
    if (!charsmap.is_null()) n.push_back(charsmap);
    n.push_back(replace("Regex", " {2,}", " "));
    normalizer = sequence("normalizers", n), pre = metaspace("always"), decoder = metaspace("always");
  } else if (cls == "PegasusTokenizer") {
    // The unknown piece with score 0 from id 1 on (Python's list.index); its load fails without one.
    const std::string unk = cfg_token(cfg, "unk_token", "<unk>");
    const auto at = piece_index(vocab, unk, 1, true);
    if (!at) throw TokenizerError(source + ": PegasusTokenizer needs the piece ('" + unk + "', 0.0) in the vocabulary");
    unk_id = *at;
    normalizer = sequence("normalizers", charsmap.is_null() ? Json::array({replace("Regex", "\n", " "), replace("Regex", " {2,}", " ")})
                                                             : Json::array({charsmap, replace("Regex", " {2,}", " ")}));
    pre = metaspace("always"), decoder = metaspace("always");
  } else {  // DebertaV2Tokenizer: its own whitespace folding and NFC instead of the charsmap
    const std::string unk = cfg_token(cfg, "unk_token", "[UNK]");
    unk_id = piece_index(vocab, unk, 0, true).value_or(cfg.contains("unk_id") && cfg["unk_id"].is_number_integer() ? cfg["unk_id"].get<int64_t>() : 1);
    Json n = Json::array();
    if (cfg_bool(cfg, "do_lower_case", false)) n.push_back({{"type", "Lowercase"}});
    n.push_back(replace("Regex", "\\s{2,}|[\\n\\r\\t]", " "));
    n.push_back({{"type", "NFC"}});
    n.push_back({{"type", "Strip"}, {"strip_left", false}, {"strip_right", true}});
    normalizer = sequence("normalizers", n);
    const std::string ds = prefix ? "always" : "first";
    Json p = Json::array();
    if (cfg_bool(cfg, "split_by_punct", false)) p.push_back({{"type", "Punctuation"}, {"behavior", "Isolated"}});
    p.push_back(metaspace(ds));
    pre = sequence("pretokenizers", p), decoder = metaspace(ds);
  }
  if (unk_id < 0 || unk_id >= static_cast<int64_t>(vocab.size()))
    throw TokenizerError(source + ": " + cls + "'s unknown-token id " + std::to_string(unk_id) + " is outside the vocabulary of " +
                         std::to_string(vocab.size()));
  j["normalizer"] = normalizer, j["pre_tokenizer"] = pre, j["decoder"] = decoder;
  j["model"]["unk_id"] = unk_id, j["model"]["byte_fallback"] = false;
  return j;
}

// NllbTokenizer: a BPE over the file's vocabulary (a Unigram file's pieces numbered in order, with
// no merges, as convert_to_native_format hands them over) and merges; unk_token from the config,
// fuse_unk on, byte fallback and dropout off; the charsmap then " {2,}" -> " " when the file has
// one, else no normalizer; Metaspace "always" both ways. The language codes frame it elsewhere.
std::optional<Json> nllb_pipeline(Json j, const Json& cfg) {
  if (!j.is_object() || !j.contains("model") || !j["model"].is_object() || !j["model"].contains("vocab")) return std::nullopt;
  const Json& file_model = j["model"];
  Json vocab = file_model["vocab"];
  if (vocab.is_array()) {
    Json v = Json::object();
    for (size_t i = 0; i < vocab.size(); ++i) {
      const Json& row = vocab[i];
      const Json& piece = row.is_array() && !row.empty() ? row[0] : row;
      if (!piece.is_string()) return std::nullopt;  // not a vocabulary we can read: the file as it is
      v[piece.get<std::string>()] = static_cast<int64_t>(i);
    }
    vocab = std::move(v);
  }
  if (!vocab.is_object()) return std::nullopt;
  const bool bpe = file_model.value("type", std::string()) == "BPE" || (!file_model.contains("type") && file_model.contains("merges"));
  Json m = {{"type", "BPE"},     {"vocab", std::move(vocab)}, {"merges", bpe && file_model.contains("merges") ? file_model["merges"] : Json::array()},
            {"dropout", nullptr}, {"unk_token", cfg_token(cfg, "unk_token", "<unk>")}, {"continuing_subword_prefix", nullptr},
            {"end_of_word_suffix", nullptr}, {"fuse_unk", true}, {"byte_fallback", false}, {"ignore_merges", false}};
  const Json charsmap = precompiled(j);
  j["normalizer"] = charsmap.is_null() ? Json() : sequence("normalizers", Json::array({charsmap, replace("Regex", " {2,}", " ")}));
  j["pre_tokenizer"] = metaspace("always"), j["decoder"] = metaspace("always");
  j["model"] = std::move(m);
  return j;
}

}  // namespace

// BertTokenizer, the names transformers maps to it (ElectraTokenizer, LayoutLMTokenizer, ...) and
// DistilBertTokenizer (whose own __init__ only passes do_lower_case on). ConvBertTokenizer, a
// subclass without an __init__, keeps the file's pipeline.
bool bert_class(const std::string& cls) {
  static const char* kClasses[] = {"BertTokenizer",        "ElectraTokenizer",    "LayoutLMTokenizer", "SqueezeBertTokenizer",
                                   "MobileBertTokenizer", "LxmertTokenizer", "DistilBertTokenizer"};
  for (const char* c : kClasses)
    if (cls == c) return true;
  return false;
}

bool rebuilds_pipeline(const std::string& cls) {
  static const char* kClasses[] = {"XLMRobertaTokenizer", "CamembertTokenizer", "AlbertTokenizer",   "MBartTokenizer",
                                   "MBart50Tokenizer",    "DebertaV2Tokenizer", "PegasusTokenizer",  "NllbTokenizer"};
  for (const char* c : kClasses)
    if (cls == c) return true;
  return bert_class(cls);
}

std::optional<Json> class_pipeline_rebuild(const std::string& cls, Json j, const Json& cfg, const std::string& source) {
  if (bert_class(cls)) {
    if (!j.is_object() || !j.contains("model") || !j["model"].is_object() || j["model"].value("type", std::string()) != "WordPiece") return std::nullopt;
    return bert_pipeline(std::move(j), cfg);
  }
  if (cls == "NllbTokenizer") return nllb_pipeline(std::move(j), cfg);
  return spm_class_pipeline(cls, std::move(j), cfg, source);
}

}  // namespace transformers::tok
