// Tokenizer edge classes against the pinned Python (scripts/make_tokenizer_parity_fixtures.py,
// fixtures/tokenizers/parity): GPT-4o's inline-flag Split pre-tokenizer on random mixed-script
// text, every regex construct under every Split behaviour, AutoTokenizer's class pipelines on the
// real Llama 2 / Qwen3 files, and transformers 5's clean_up_tokenization_spaces rule.
#include <fstream>

#include "io/json.hpp"
#include "tokenizers/components.hpp"
#include "tokenizers/unicode.hpp"
#include "test_util.hpp"

using namespace transformers;
using testutil::fixture;

namespace {

// The real Qwen3 / Llama 2 folders (tokenizer.json + tokenizer_config.json), extracted once.
std::string shared_folder(const std::string& name) { return testutil::shared_tokenizer_folder(name); }

std::string folder_of(const std::string& name) {
  if (name == "llama2" || name == "qwen3") return shared_folder(name);
  return fixture("tokenizers/" + name);
}

Json offsets_json(const std::vector<std::pair<int64_t, int64_t>>& offs) {
  Json o = Json::array();
  for (auto [a, b] : offs) o.push_back({a, b});
  return o;
}

}  // namespace

// GPT-4o's Hub pre-tokenizer (Split, inline (?i:...) groups, invert: true, then ByteLevel without
// regex) over a byte-level BPE: ids, tokens, offsets and decode of 300 seeded random texts mixing
// scripts, cases, contractions, digit runs, whitespace runs, code and emoji.
TEST(TokenizerParity, O200kSplitPreTokenizerMatchesRust) {
  const Tokenizer tok = Tokenizer::from_file(fixture("tokenizers/parity/o200k/tokenizer.json"));
  std::ifstream f(fixture("tokenizers/parity/o200k.jsonl"));
  std::string line;
  int n = 0, failures = 0;
  while (std::getline(f, line)) {
    const Json g = Json::parse(line);
    const std::string text = g["text"];
    const Encoding e = tok.encode(text);
    const bool ok = Json(e.ids) == g["ids"] && Json(e.tokens) == g["tokens"] && offsets_json(e.offsets) == g["offsets"] &&
                    tok.decode(e.ids) == g["decode"].get<std::string>();
    if (!ok && ++failures <= 5)
      ADD_FAILURE() << "'" << text << "'\n got  " << Json(e.tokens).dump() << " " << offsets_json(e.offsets).dump() << "\n want "
                    << g["tokens"].dump() << " " << g["offsets"].dump();
    ++n;
  }
  EXPECT_EQ(failures, 0) << "of " << n;
  EXPECT_GE(n, 300);
}

// One Split per regex construct (inline flags on and off, scoped and not; look-ahead / behind and
// their negations; possessive and lazy quantifiers; \p{..} classes, \P{..}, negated and
// intersected classes; \s \d \w and their negations; patterns matching the empty string; anchors)
// and per String pattern, under every behaviour with and without invert: the pieces' offsets.
TEST(TokenizerParity, SplitRegexConstructsMatchRust) {
  const Json all = parse_json_file(fixture("tokenizers/parity/regex.json"));
  const auto texts = all["texts"].get<std::vector<std::string>>();
  int n = 0, failures = 0;
  for (const Json& g : all["groups"]) {
    const Json pre_json = {{"type", "Split"}, {"pattern", g["pattern"]}, {"behavior", g["behavior"]}, {"invert", g["invert"]}};
    const auto pre = tok::make_pre_tokenizer(pre_json);
    for (const Json& c : g["cases"]) {
      const std::string& text = texts.at(c[0].get<size_t>());
      std::vector<tok::NormalizedString> pieces{tok::NormalizedString(text, 0)};
      pre->pre_tokenize(pieces);
      Json got = Json::array();
      const auto cp = [&](size_t byte) { return tok::utf8_decode(text.substr(0, byte)).size(); };
      for (const auto& p : pieces) {
        const auto r = p.to_original(0, p.normalized.size());
        got.push_back({cp(r.first), cp(r.second)});
        if (p.normalized != text.substr(r.first, r.second - r.first)) got.push_back("piece text differs from its range");
      }
      if (got != c[1] && ++failures <= 10)
        ADD_FAILURE() << pre_json.dump() << " on '" << text << "'\n got  " << got.dump() << "\n want " << c[1].dump();
      ++n;
    }
  }
  EXPECT_EQ(failures, 0) << "of " << n;
  EXPECT_GT(n, 1500);
}

// AutoTokenizer on the real Llama 2 (LlamaTokenizer, legacy) and Qwen3 folders and the T5Tokenizer
// fixture (both classes rebuild their pipeline around the file's vocabulary): leading, trailing
// and only spaces, newlines, special tokens written inside text, at its ends, glued to words, and
// the empty string, with and without add_special_tokens; ids, tokens and both decodes. rebuilt.json:
// the same for the classes that rebuild tokenizer.json's normalizer, pre-tokenizer and decoder from
// the vocabulary: XLM-RoBERTa, CamemBERT, mBART, mBART-50, ALBERT, DeBERTa-v2 and Pegasus over a
// file with the legacy converter's pipeline (as the Hub's are), BertTokenizer, ElectraTokenizer (an
// alias of it) and DistilBertTokenizer over a cased file whose config leaves do_lower_case to the
// class; each golden set differs from what the file's own pipeline gives in
// `differ_from_file_pipeline` cases.
TEST(TokenizerParity, AutoTokenizerEdgeCasesMatchTransformers) {
  Json all = parse_json_file(fixture("tokenizers/parity/auto.json"));
  std::vector<std::string> names = {"llama2", "qwen3", "unigram-metaspace"};
  const Json rebuilt = parse_json_file(fixture("tokenizers/parity/rebuilt.json"));
  for (const auto& [name, g] : rebuilt.items()) {
    EXPECT_GT(g["differ_from_file_pipeline"].get<int>(), 0) << name;
    all[name] = g, names.push_back(name);
  }
  EXPECT_EQ(names.size(), 13u);
  for (const std::string& name : names) {
    SCOPED_TRACE(name);
    const auto tok = AutoTokenizer::from_pretrained(folder_of(name));
    int n = 0, failures = 0;
    for (const Json& c : all[name]["cases"]) {
      TokenizerCallOptions o;
      o.add_special_tokens = c["add_special_tokens"];
      const std::string text = c["text"];
      const Encoding e = tok->encode(text, nullptr, o);
      const auto ids = c["ids"].get<std::vector<int64_t>>();
      const bool ok = e.ids == ids && tok->convert_ids_to_tokens(ids) == c["tokens"].get<std::vector<std::string>>() &&
                      tok->decode(ids) == c["decode"].get<std::string>() && tok->decode(ids, true) == c["decode_skip"].get<std::string>();
      if (!ok && ++failures <= 6)
        ADD_FAILURE() << "'" << text << "' add_special " << o.add_special_tokens << "\n got  " << Json(e.ids).dump() << " '" << tok->decode(ids)
                      << "' / '" << tok->decode(ids, true) << "'\n want " << c["ids"].dump() << " '" << c["decode"].get<std::string>() << "' / '"
                      << c["decode_skip"].get<std::string>() << "'";
      ++n;
    }
    EXPECT_EQ(failures, 0) << "of " << n;
    EXPECT_GT(n, 60);
  }
}

// decode's clean_up_tokenization_spaces as transformers 5 applies it: ignored for tokenizers whose
// backend model is BPE (byte-level, Llama's SentencePiece BPE, Qwen's) unless
// clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output is set; applied for
// WordPiece, Unigram and WordLevel; from the config or per call.
TEST(TokenizerParity, CleanUpTokenizationSpacesFollowsTransformers5) {
  const Json all = parse_json_file(fixture("tokenizers/parity/cleanup.json"));
  ASSERT_GE(all.size(), 20u);
  for (const Json& g : all) {
    const std::string name = g["tokenizer"];
    SCOPED_TRACE(name + " " + g["config"].dump());
    testutil::TempDir d;
    const std::string src = folder_of(name);
    std::filesystem::copy_file(src + "/tokenizer.json", d / "tokenizer.json");
    Json cfg = std::filesystem::exists(src + "/tokenizer_config.json") ? parse_json_file(src + "/tokenizer_config.json") : Json::object();
    for (auto& [k, v] : g["config"].items()) cfg[k] = v;
    std::ofstream(d / "tokenizer_config.json") << cfg.dump();
    const auto tok = AutoTokenizer::from_pretrained(d.path.string());
    for (const Json& c : g["cases"]) {
      const auto ids = c["ids"].get<std::vector<int64_t>>();
      EXPECT_EQ(tok->decode(ids), c["decode"].get<std::string>()) << c["text"];
      EXPECT_EQ(tok->decode(ids, true), c["decode_skip"].get<std::string>()) << c["text"];
      EXPECT_EQ(tok->decode(ids, false, true), c["decode_clean"].get<std::string>()) << c["text"];
      EXPECT_EQ(tok->decode(ids, false, false), c["decode_noclean"].get<std::string>()) << c["text"];
    }
  }
}
