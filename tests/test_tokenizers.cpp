// Tokenizer parity: every case of fixtures/tokenizers/*/golden.jsonl (made by the Python
// tokenizers library) must give identical ids, tokens, offsets (code points), masks, word ids
// and decoded strings; batch.jsonl covers padding, truncation with stride and overflow.
#include <fstream>
#include <set>

#include "io/json.hpp"
#include "tokenizers/components.hpp"
#include "tokenizers/unicode.hpp"
#include "test_util.hpp"

using namespace transformers;
using testutil::fixture;

namespace {

// Real tokenizer.json files from ../shared/data are extracted once per test binary.
std::string shared_tokenizer(const std::string& name) { return testutil::shared_tokenizer_folder(name) + "/tokenizer.json"; }

std::string tokenizer_path(const std::string& name) {
  if (name == "qwen3" || name == "llama2") return shared_tokenizer(name);
  return fixture("tokenizers/" + name + "/tokenizer.json");
}

std::vector<Json> read_jsonl(const std::string& path) {
  std::ifstream f(path);
  std::vector<Json> r;
  std::string line;
  while (std::getline(f, line))
    if (!line.empty()) r.push_back(Json::parse(line));
  return r;
}

// A golden line's text (and pair) encoded with its add_special_tokens.
Encoding encode_line(const PreTrainedTokenizer& tok, const Json& g) {
  TokenizerCallOptions o;
  o.add_special_tokens = g["add_special_tokens"];
  const std::string pair = g.value("pair", std::string());
  return tok.encode(g["text"].get<std::string>(), g.contains("pair") ? &pair : nullptr, o);
}

Json to_json(const Encoding& e) {
  Json j;
  j["ids"] = e.ids;
  j["tokens"] = e.tokens;
  Json offs = Json::array();
  for (auto [a, b] : e.offsets) offs.push_back({a, b});
  j["offsets"] = offs;
  j["attention_mask"] = e.attention_mask;
  j["type_ids"] = e.type_ids;
  j["special_tokens_mask"] = e.special_tokens_mask;
  Json w = Json::array();
  for (const auto& x : e.word_ids) w.push_back(x ? Json(*x) : Json());
  j["word_ids"] = w;
  return j;
}

void check_goldens(const std::string& name) {
  Tokenizer tok = Tokenizer::from_file(tokenizer_path(name));
  int failures = 0, cases = 0;
  for (const Json& g : read_jsonl(fixture("tokenizers/" + name + "/golden.jsonl"))) {
    ++cases;
    const std::string text = g["text"];
    std::string pair;
    if (g.contains("pair")) pair = g["pair"];
    const Encoding e = tok.encode(text, g.contains("pair") ? &pair : nullptr, g["add_special_tokens"].get<bool>());
    Json got = to_json(e);
    got["decode"] = tok.decode(e.ids, false);
    got["decode_skip"] = tok.decode(e.ids, true);
    for (const char* k : {"ids", "tokens", "offsets", "attention_mask", "type_ids", "special_tokens_mask", "word_ids", "decode", "decode_skip"}) {
      if (got[k] != g[k]) {
        if (++failures <= 8)
          ADD_FAILURE() << name << ": '" << text << "' field " << k << "\n  expected " << g[k].dump() << "\n  got      " << got[k].dump();
        break;
      }
    }
  }
  EXPECT_EQ(failures, 0) << name << ": " << failures << " of " << cases << " cases differ";
  EXPECT_GT(cases, 20);
}

void check_batches(const std::string& name) {
  Tokenizer base = Tokenizer::from_file(tokenizer_path(name));
  for (const Json& b : read_jsonl(fixture("tokenizers/" + name + "/batch.jsonl"))) {
    Tokenizer tok = base;
    tok.set_padding(std::nullopt);
    tok.set_truncation(std::nullopt);
    if (b.contains("padding_side")) {
      PaddingParams p;
      p.direction = b["padding_side"];
      p.pad_token = b["pad_token"];
      p.pad_id = *tok.token_to_id(p.pad_token);
      tok.set_padding(p);
    }
    if (!b["truncation"].is_null()) {
      TruncationParams t;
      t.strategy = b["truncation"][0];
      t.max_length = b["truncation"][1];
      t.stride = b["truncation"][2];
      tok.set_truncation(t);
    }
    if (b.contains("texts")) {
      auto encs = tok.encode_batch(b["texts"].get<std::vector<std::string>>());
      ASSERT_EQ(encs.size(), b["rows"].size());
      for (size_t i = 0; i < encs.size(); ++i) {
        const Json& r = b["rows"][i];
        EXPECT_EQ(Json(encs[i].ids), r["ids"]) << name << " row " << i << " " << b.dump().substr(0, 200);
        EXPECT_EQ(Json(encs[i].attention_mask), r["attention_mask"]) << name;
        EXPECT_EQ(Json(encs[i].type_ids), r["type_ids"]) << name;
        Json over = Json::array();
        for (const auto& o : encs[i].overflowing) over.push_back(o.ids);
        EXPECT_EQ(over, r["overflowing"]) << name << " row " << i;
      }
    } else {
      std::vector<std::string> a, c;
      for (const auto& p : b["pairs"]) {
        a.push_back(p[0]);
        c.push_back(p[1]);
      }
      if (b["rows"].is_object()) {
        EXPECT_THROW(tok.encode_batch(a, &c), TokenizerError) << name;
        continue;
      }
      auto encs = tok.encode_batch(a, &c);
      for (size_t i = 0; i < encs.size(); ++i) {
        EXPECT_EQ(Json(encs[i].ids), b["rows"][i]["ids"]) << name << " pair " << i;
        EXPECT_EQ(Json(encs[i].type_ids), b["rows"][i]["type_ids"]) << name << " pair " << i;
      }
    }
  }
}

}  // namespace

TEST(Tokenizers, BertWordPieceMiniLM) { check_goldens("bert-minilm"); }
TEST(Tokenizers, ByteLevelBpeRoberta) { check_goldens("bytelevel-bpe"); }
TEST(Tokenizers, UnigramMetaspace) { check_goldens("unigram-metaspace"); }
TEST(Tokenizers, Qwen3) { check_goldens("qwen3"); }
TEST(Tokenizers, Llama2) { check_goldens("llama2"); }
TEST(Tokenizers, SentencePiecePrecompiled) { check_goldens("spm-precompiled"); }
TEST(Tokenizers, BatchesPaddingTruncation) {
  for (const char* n : {"bert-minilm", "bytelevel-bpe", "unigram-metaspace", "qwen3", "llama2"}) check_batches(n);
}

TEST(Tokenizers, BadInput) {
  Tokenizer tok = Tokenizer::from_file(fixture("tokenizers/bert-minilm/tokenizer.json"));
  EXPECT_THROW(tok.encode("bad \xff\xfe utf8"), TokenizerError);
  EXPECT_THROW(tok.encode("truncated \xe2\x82"), TokenizerError);
  EXPECT_THROW(Tokenizer::from_str("{\"model\": "), JsonError);
  EXPECT_THROW(Tokenizer::from_str(R"({"model": {"type": "Nope"}})"), TokenizerError);
  EXPECT_THROW(Tokenizer::from_str(R"({"version": "2.0", "model": {"type": "WordLevel", "vocab": {}}})"), TokenizerError);
  EXPECT_THROW(Tokenizer::from_str(R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}})"), TokenizerError);
  EXPECT_THROW(Tokenizer::from_str(R"({"pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(unclosed"}, "behavior": "Isolated"},
                                      "model": {"type": "WordLevel", "vocab": {"a": 0}, "unk_token": "a"}})"),
               TokenizerError);
  EXPECT_THROW(Tokenizer::from_file("/nonexistent/tokenizer.json"), OSError);
  // model.vocab / model.merges are read outside the JSON tree; their malformed entries still fail
  // as TokenizerErrors naming the model, and well-formed ones load.
  for (const char* bad : {R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": "1"}, "merges": []}})",
                          R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1.5}, "merges": []}})",
                          R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": {"x": 1}}, "merges": []}})",
                          R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a  b"]}})",
                          R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": [["a", "b", "c"]]}})",
                          R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": [["a", 1]]}})",
                          R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": [null]}})",
                          R"({"model": {"type": "Unigram", "vocab": [["a", -1.0], ["b"]]}})",
                          R"({"model": {"type": "Unigram", "vocab": [["a", -1.0], [2, -1.0]]}})",
                          R"({"model": {"type": "Unigram", "vocab": [["a", -1.0], [["b", -1.0]]]}})",
                          R"({"model": {"type": "WordPiece", "vocab": {"a": null}}})"}) {
    try {
      Tokenizer::from_str(bad);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const TokenizerError& e) {
      const std::string what = e.what();
      EXPECT_TRUE(what.find("BPE") != std::string::npos || what.find("Unigram") != std::string::npos || what.find("WordPiece") != std::string::npos)
          << what;
    }
  }
  Tokenizer bpe = Tokenizer::from_str(R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2, "abb": 3},
                                                     "merges": ["#version: 0.2", "a b", ["ab", "b"]]}})");
  EXPECT_EQ(bpe.encode("abb").ids, std::vector<int64_t>({3}));
  EXPECT_EQ(bpe.get_vocab_size(), 4u);
  Tokenizer uni = Tokenizer::from_str(R"({"model": {"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0], ["a", -1], ["ab", -1.5], ["b", -1]]}})");
  EXPECT_EQ(uni.encode("ab").ids, std::vector<int64_t>({2}));
  // Unknown ids are dropped on decode, as in Python.
  EXPECT_EQ(tok.decode({101, 999999, 102}, true), "");
}

TEST(Tokenizers, SlowBertVocabTxtConvertsLikeTransformers) {
  // A folder with only vocab.txt + tokenizer_config.json must tokenize exactly as the
  // tokenizer.json transformers converted from that same vocabulary.
  testutil::TempDir d;
  const Json tj = parse_json_file(fixture("tokenizers/bert-minilm/tokenizer.json"));
  std::vector<std::string> vocab(tj["model"]["vocab"].size());
  for (auto& [tok, id] : tj["model"]["vocab"].items()) vocab[id.get<size_t>()] = tok;
  {
    std::ofstream v(d / "vocab.txt");
    for (const auto& t : vocab) v << t << "\n";
  }
  std::filesystem::copy(fixture("tokenizers/bert-minilm/tokenizer_config.json"), d / "tokenizer_config.json");
  auto slow = AutoTokenizer::from_pretrained(d.path.string());
  int n = 0;
  for (const Json& g : read_jsonl(fixture("tokenizers/bert-minilm/golden.jsonl"))) {
    if (g.contains("pair")) continue;
    TokenizerCallOptions o;
    o.add_special_tokens = g["add_special_tokens"];
    const Encoding e = slow->encode(g["text"].get<std::string>(), nullptr, o);
    // The shipped tokenizer.json also truncates / pads to 128; compare the unpadded prefix.
    std::vector<int64_t> want;
    for (size_t i = 0; i < g["ids"].size(); ++i)
      if (g["attention_mask"][i] == 1) want.push_back(g["ids"][i]);
    EXPECT_EQ(Json(std::vector<int64_t>(e.ids.begin(), e.ids.begin() + static_cast<long>(std::min(e.ids.size(), want.size())))), Json(want))
        << g["text"];
    ++n;
  }
  EXPECT_GT(n, 20);
  EXPECT_EQ(slow->decode(slow->encode("Hello, World!").ids, true), "hello, world!");
}

TEST(Tokenizers, DecodeStreamEmitsCompleteTextOnly) {
  for (const char* name : {"qwen3", "llama2", "bytelevel-bpe", "bert-minilm"}) {
    Tokenizer tok = Tokenizer::from_file(tokenizer_path(name));
    for (const Json& g : read_jsonl(fixture(std::string("tokenizers/") + name + "/golden.jsonl"))) {
      if (g.contains("pair") || !g["add_special_tokens"].get<bool>()) continue;
      DecodeStream ds(tok, true);
      std::string streamed;
      for (int64_t id : g["ids"].get<std::vector<int64_t>>())
        if (auto piece = ds.step(id)) {
          EXPECT_TRUE(piece->find("\xEF\xBF\xBD") == std::string::npos || g["decode_skip"].get<std::string>().find("\xEF\xBF\xBD") != std::string::npos) << name;
          streamed += *piece;
        }
      const std::string full = g["decode_skip"];
      if (full.size() >= 3 && full.compare(full.size() - 3, 3, "\xEF\xBF\xBD") == 0) continue;
      EXPECT_EQ(streamed, full) << name << ": '" << g["text"].get<std::string>() << "'";
    }
  }
}

TEST(Tokenizers, SlowByteLevelVocabMergesConvertsLikeTransformers) {
  // vocab.json + merges.txt of the byte-level BPE fixture, declared as a RoBERTa tokenizer: ids and
  // tokens must equal the tokenizer.json the fixture was saved as.
  testutil::TempDir d;
  const Json tj = parse_json_file(fixture("tokenizers/bytelevel-bpe/tokenizer.json"));
  std::ofstream(d / "vocab.json") << tj["model"]["vocab"].dump();
  {
    std::ofstream m(d / "merges.txt");
    m << "#version: 0.2\n";
    for (const auto& p : tj["model"]["merges"]) m << (p.is_array() ? p[0].get<std::string>() + " " + p[1].get<std::string>() : p.get<std::string>()) << "\n";
  }
  std::ofstream(d / "tokenizer_config.json") << R"({"tokenizer_class": "RobertaTokenizer", "add_prefix_space": false,
    "bos_token": "<s>", "eos_token": "</s>", "sep_token": "</s>", "cls_token": "<s>", "unk_token": "<unk>", "pad_token": "<pad>",
    "mask_token": {"content": "<mask>", "lstrip": true}})";
  auto slow = AutoTokenizer::from_pretrained(d.path.string());
  int n = 0;
  for (const Json& g : read_jsonl(fixture("tokenizers/bytelevel-bpe/golden.jsonl"))) {
    if (g.contains("pair")) continue;
    TokenizerCallOptions o;
    o.add_special_tokens = g["add_special_tokens"];
    const Encoding e = slow->encode(g["text"].get<std::string>(), nullptr, o);
    EXPECT_EQ(Json(e.ids), g["ids"]) << g["text"];
    EXPECT_EQ(Json(e.tokens), g["tokens"]) << g["text"];
    EXPECT_EQ(slow->decode(e.ids), g["decode"].get<std::string>());
    ++n;
  }
  EXPECT_GT(n, 20);
}

// UnicodeScripts against the pinned `tokenizers` (fixtures/tokenizers/unicode_scripts.json, from
// scripts/gen_unicode_scripts_any.py): pieces and their code-point offsets.
TEST(Tokenizers, UnicodeScriptsPreTokenizerMatchesRust) {
  const auto pre = transformers::tok::make_pre_tokenizer(nlohmann::json{{"type", "UnicodeScripts"}});
  const auto golden = transformers::parse_json_file(testutil::fixture("tokenizers/unicode_scripts.json"));
  ASSERT_GE(golden.size(), 10u);
  for (const auto& g : golden) {
    const std::string text = g["text"].get<std::string>();
    SCOPED_TRACE(text);
    std::vector<transformers::tok::NormalizedString> pieces{transformers::tok::NormalizedString(text, 0)};
    pre->pre_tokenize(pieces);
    ASSERT_EQ(pieces.size(), g["pieces"].size());
    for (size_t i = 0; i < pieces.size(); ++i) {
      EXPECT_EQ(pieces[i].normalized, g["pieces"][i][0].get<std::string>());
      // code-point offsets of the piece in the input
      const auto r = pieces[i].to_original(0, pieces[i].normalized.size());
      const auto cp = [&](size_t byte) { return transformers::tok::utf8_decode(text.substr(0, byte)).size(); };
      EXPECT_EQ(cp(r.first), g["pieces"][i][1][0].get<size_t>());
      EXPECT_EQ(cp(r.second), g["pieces"][i][1][1].get<size_t>());
    }
  }
}

TEST(Tokenizers, SplitSpecialTokensEncodesThemAsText) {
  const auto golden = transformers::parse_json_file(testutil::fixture("tokenizers/split_special.json"));
  auto tok = transformers::AutoTokenizer::from_pretrained(testutil::fixture("tokenizers/" + golden["tokenizer"].get<std::string>()));
  for (const auto& c : golden["cases"]) {
    const std::string text = c["text"].get<std::string>();
    transformers::TokenizerCallOptions split;
    split.split_special_tokens = true;
    EXPECT_EQ(tok->encode(text, nullptr, split).ids, c["split"].get<std::vector<int64_t>>()) << text;
    EXPECT_EQ(tok->encode(text).ids, c["keep"].get<std::vector<int64_t>>()) << text;
  }
}

// SentencePiece-only folders (fixtures/spm, scripts/make_spm_fixtures.py): AutoTokenizer converts
// the *.model file as transformers v5's LlamaTokenizer / T5Tokenizer / XLMRobertaTokenizer do.
// One instance per folder, named after it.
namespace {
class TokenizersSpm : public ::testing::TestWithParam<testutil::FixtureCase> {};
INSTANTIATE_TEST_SUITE_P(Fixtures, TokenizersSpm,
                         ::testing::ValuesIn(testutil::folder_cases({"llama", "llama-bos-legacy", "t5", "xlmr", "albert", "albert-cased-accents",
                                                                     "camembert", "mbart-spm", "mbart50-spm", "llama-added", "json-add-eos"})),
                         testutil::CaseName());

TEST_P(TokenizersSpm, SentencePieceModelFilesConvertLikeTransformers) {
  const std::string name = GetParam().name;
  const auto tok = AutoTokenizer::from_pretrained(fixture(std::string("spm/") + name));
  int n = 0, failures = 0;
  for (const Json& g : read_jsonl(fixture(std::string("spm/") + name + "/golden.jsonl"))) {
    const Encoding e = encode_line(*tok, g);
    const Json got = to_json(e);
    bool ok = got["ids"] == g["ids"] && got["tokens"] == g["tokens"];
    if (g.contains("offsets")) ok = ok && got["offsets"] == g["offsets"];
    if (g.contains("decode")) ok = ok && tok->decode(e.ids) == g["decode"].get<std::string>() && tok->decode(e.ids, true) == g["decode_skip"].get<std::string>();
    if (!ok && ++failures <= 3)
      ADD_FAILURE() << "'" << g["text"].get<std::string>() << "': got " << got["ids"].dump() << " " << got["tokens"].dump() << " decode '"
                    << tok->decode(e.ids) << "'\n want " << g["ids"].dump() << " " << g["tokens"].dump() << " " << g.value("decode", std::string());
    ++n;
  }
  EXPECT_EQ(failures, 0);
  EXPECT_GT(n, 10);
}
}  // namespace

TEST(Tokenizers, BadSentencePieceModelFilesAreTypedErrors) {
  // A truncated or foreign *.model file is a TokenizerError naming it.
  testutil::TempDir d;
  std::ofstream(d / "tokenizer_config.json") << R"({"tokenizer_class": "T5Tokenizer"})";
  const std::string model = read_file(fixture("spm/t5/spiece.model"));
  std::ofstream(d / "spiece.model", std::ios::binary) << model.substr(0, model.size() / 2);
  EXPECT_THROW(AutoTokenizer::from_pretrained(d.path.string()), TokenizerError);
  std::ofstream(d / "spiece.model", std::ios::binary) << "\xff\xff\xff not protobuf";
  EXPECT_THROW(AutoTokenizer::from_pretrained(d.path.string()), TokenizerError);
}

// The slow classes that keep SentencePiece beside their own vocab.json: SentencePiece's own encode
// (its normalizer, merged unknown runs looked up in vocab.json) and decode, as Python's
// MarianTokenizer (joint and separate vocabularies, >>xx<< codes) and M2M100Tokenizer do.
// One instance per folder, named after it.
namespace {
class TokenizersSlowSpm : public ::testing::TestWithParam<testutil::FixtureCase> {};
INSTANTIATE_TEST_SUITE_P(Fixtures, TokenizersSlowSpm, ::testing::ValuesIn(testutil::folder_cases({"marian", "marian-separate", "m2m100"})),
                         testutil::CaseName());

TEST_P(TokenizersSlowSpm, MarianAndM2M100SlowTokenizersMatchTransformers) {
  const std::string name = GetParam().name;
  const auto tok = AutoTokenizer::from_pretrained(fixture(std::string("spm/") + name));
  int n = 0, failures = 0;
  for (const Json& g : read_jsonl(fixture(std::string("spm/") + name + "/golden.jsonl"))) {
    const std::string text = g["text"];
    const Encoding e = encode_line(*tok, g);
    bool ok = e.ids == g["ids"].get<std::vector<int64_t>>();
    std::string decoded, skipped;
    if (g.contains("pieces") && !g["add_special_tokens"].get<bool>()) ok = ok && e.tokens == g["pieces"].get<std::vector<std::string>>();
    if (g.contains("decode_ids")) {
      const auto ids = g["decode_ids"].get<std::vector<int64_t>>();
      decoded = tok->decode(ids), skipped = tok->decode(ids, true);
      ok = ok && tok->convert_ids_to_tokens(ids) == g["id_tokens"].get<std::vector<std::string>>() && decoded == g["decode"].get<std::string>() &&
           skipped == g["decode_skip"].get<std::string>();
    }
    if (!ok && ++failures <= 3)
      ADD_FAILURE() << "'" << text << "': got " << Json(e.ids).dump() << " " << Json(e.tokens).dump() << " decode '" << decoded << "' / '"
                    << skipped << "'\n want " << g["ids"].dump() << " " << g.value("pieces", Json()).dump() << " '"
                    << g.value("decode", std::string()) << "' / '" << g.value("decode_skip", std::string()) << "'";
    ++n;
  }
  EXPECT_EQ(failures, 0);
  EXPECT_GT(n, 50);
}
}  // namespace

// Language codes: src_lang decides where the code goes (mBART after the text, mBART-50 and M2M100
// before it), on load (tokenizer_config's src_lang over tokenizer.json's post-processor) and when
// set; lang_id is what translation forces as the first generated token.
TEST(Tokenizers, LanguageCodeTokenizersFollowSrcLang) {
  for (const char* name : {"mbart", "mbart50", "m2m100"}) {
    SCOPED_TRACE(name);
    const std::string dir = fixture(std::string("spm/") + name);
    auto tok = AutoTokenizer::from_pretrained(dir);
    ASSERT_TRUE(tok->has_language_codes());
    const Json lines = parse_json_file(dir + "/languages.json");
    ASSERT_GE(lines.size(), 3u);
    for (const Json& l : lines) {
      const std::string lang = l["src_lang"].is_string() ? l["src_lang"].get<std::string>() : "";
      if (!lang.empty()) tok->set_src_lang(lang);
      EXPECT_EQ(tok->encode(l.value("text", std::string("Hello world!"))).ids, l["ids"].get<std::vector<int64_t>>()) << lang;
      if (l.contains("pair")) {
        const std::string b = "world";
        EXPECT_EQ(tok->encode("Hello", &b).ids, l["pair"].get<std::vector<int64_t>>()) << lang;
      }
      if (!lang.empty()) {
        EXPECT_EQ(tok->lang_id(lang), l["lang_id"].get<int64_t>());
        EXPECT_EQ(*tok->src_lang(), lang);
      }
    }
    EXPECT_THROW(tok->set_src_lang("xx_NOPE"), ValueError);
    // tokenizer_config's src_lang wins over the post-processor saved in tokenizer.json.
    if (std::string(name) != "m2m100") {
      testutil::TempDir d;
      std::filesystem::copy_file(dir + "/tokenizer.json", d / "tokenizer.json");
      Json cfg = parse_json_file(dir + "/tokenizer_config.json");
      cfg["src_lang"] = lines[2]["src_lang"];
      std::ofstream(d / "tokenizer_config.json") << cfg.dump();
      EXPECT_EQ(AutoTokenizer::from_pretrained(d.path.string())->encode("Hello world!").ids, lines[2]["ids"].get<std::vector<int64_t>>());
    }
  }
  EXPECT_FALSE(AutoTokenizer::from_pretrained(fixture("spm/marian"))->has_language_codes());
  EXPECT_THROW(AutoTokenizer::from_pretrained(fixture("spm/marian"))->set_src_lang("fr"), ValueError);
}

// tokenizer(text, text_target=...): labels from the target side (Marian's target.spm and vocabulary,
// the language classes' tgt_lang codes), padding / truncation / max_target_length, and the targets
// alone when there is no text; goldens from transformers' own calls.
TEST(Tokenizers, TextTargetEncodesLabelsLikeTransformers) {
  for (const char* name : {"marian", "marian-separate", "m2m100", "mbart", "mbart50"}) {
    SCOPED_TRACE(name);
    const std::string dir = fixture(std::string("spm/") + name);
    auto tok = AutoTokenizer::from_pretrained(dir);
    for (const Json& c : parse_json_file(dir + "/targets.json")) {
      const Json& kw = c["kwargs"];
      SCOPED_TRACE(c.dump());
      if (c["set"].contains("src_lang")) tok->set_src_lang(c["set"]["src_lang"]);
      if (c["set"].contains("tgt_lang")) tok->set_tgt_lang(c["set"]["tgt_lang"]);
      TokenizerCallOptions o;
      o.padding = kw.value("padding", std::string("do_not_pad"));
      if (kw.value("truncation", false)) o.truncation = "longest_first";
      if (kw.contains("max_length")) o.max_length = kw["max_length"].get<int64_t>();
      o.add_special_tokens = kw.value("add_special_tokens", true);
      const auto texts = kw.contains("text") ? kw["text"].get<std::vector<std::string>>() : std::vector<std::string>{};
      std::optional<int64_t> mtl;
      if (kw.contains("max_target_length")) mtl = kw["max_target_length"].get<int64_t>();
      BatchEncoding b;
      ASSERT_NO_THROW(b = tok->encode_with_targets(texts, kw["text_target"].get<std::vector<std::string>>(), o, mtl));
      const Json& want = c["output"];
      std::vector<std::vector<int64_t>> ids, mask;
      for (const Encoding& e : b.encodings) ids.push_back(e.ids), mask.push_back(std::vector<int64_t>(e.attention_mask.begin(), e.attention_mask.end()));
      EXPECT_EQ(ids, want["input_ids"].get<std::vector<std::vector<int64_t>>>());
      EXPECT_EQ(mask, want["attention_mask"].get<std::vector<std::vector<int64_t>>>());
      if (want.contains("labels")) {
        EXPECT_EQ(b.labels, want["labels"].get<std::vector<std::vector<int64_t>>>());
      } else {
        EXPECT_TRUE(b.labels.empty());
      }
      if (o.padding == "longest" && want.contains("labels")) {
        EXPECT_EQ(b.labels_tensor().shape(), (std::vector<int64_t>{2, static_cast<int64_t>(b.labels[0].size())}));
      }
    }
  }
  auto m2m = AutoTokenizer::from_pretrained(fixture("spm/m2m100"));
  EXPECT_THROW(m2m->set_tgt_lang("xx"), ValueError);
  EXPECT_THROW(m2m->encode_with_targets({}, {}), ValueError);
  EXPECT_THROW(m2m->encode_with_targets({"a", "bb c"}, {"x", "y z w"}).labels_tensor(), ValueError);  // ragged
  EXPECT_THROW(m2m->encode_with_targets({"a"}, {}).labels_tensor(), ValueError);                     // none
}

// NFC / NFD / NFKC / NFKD with alignments (decomposed Hangul composing, Indic and Myanmar vowel
// compositions, reordered marks, singletons, ligatures) per character and under the Whitespace
// pre-tokenizer: tokens and offsets as the tokenizers library gives them.
TEST(Tokenizers, UnicodeNormalizersAlignLikeTokenizers) {
  const Json cases = parse_json_file(fixture("tokenizers/normalization.json"));
  int failures = 0;
  for (const Json& c : cases) {
    const Tokenizer tok = Tokenizer::from_str(c["tokenizer"].get<std::string>());
    const Encoding e = tok.encode(c["text"].get<std::string>());
    const Json got = to_json(e);
    if ((got["ids"] != c["ids"] || got["tokens"] != c["tokens"] || got["offsets"] != c["offsets"]) && ++failures <= 5)
      ADD_FAILURE() << parse_json(c["tokenizer"].get<std::string>(), "t")["normalizer"].dump() << " '" << c["text"].get<std::string>()
                    << "': got " << got["tokens"].dump() << " " << got["offsets"].dump() << "\n want " << c["tokens"].dump() << " "
                    << c["offsets"].dump();
  }
  EXPECT_EQ(failures, 0) << "of " << cases.size();
}

// Every component type, configuration by configuration (scripts/make_tokenizer_fixtures.py
// write_components): pre-tokenizers and normalizers on the edge-case corpus (tokens, offsets),
// post-processors on singles and pairs (ids, type ids, offsets), decoders on token lists.
TEST(Tokenizers, EveryComponentMatchesTokenizers) {
  const Json all = parse_json_file(fixture("tokenizers/components.json"));
  std::map<std::string, Tokenizer> toks;
  for (auto& [name, j] : all["tokenizers"].items()) toks.emplace(name, Tokenizer::from_str(j.dump(), name));
  int failures = 0, n = 0;
  std::set<std::string> names;
  for (const Json& c : all["cases"]) {
    ++n;
    if (c.contains("decoder")) {
      names.insert("decoder/" + c["decoder"].get<std::string>());
      auto d = tok::make_decoder(c["decoder_json"]);
      std::string got;
      for (const auto& piece : d->decode_chain(c["tokens_in"].get<std::vector<std::string>>())) got += piece;
      if (got != c["decoded"].get<std::string>() && ++failures <= 10)
        ADD_FAILURE() << "decoder " << c["decoder"].get<std::string>() << ": got '" << got << "' want '" << c["decoded"].get<std::string>() << "'";
      continue;
    }
    const std::string name = c["tokenizer"];
    names.insert(name);
    const std::string text = c["text"], pair = c.value("pair", std::string());
    const Json got = to_json(toks.at(name).encode(text, c.contains("pair") ? &pair : nullptr));
    if ((got["ids"] != c["ids"] || got["tokens"] != c["tokens"] || got["offsets"] != c["offsets"] || got["type_ids"] != c["type_ids"]) &&
        ++failures <= 10)
      ADD_FAILURE() << name << " '" << text << "': got " << got["tokens"].dump() << " " << got["offsets"].dump() << " " << got["ids"].dump()
                    << "\n want " << c["tokens"].dump() << " " << c["offsets"].dump() << " " << c["ids"].dump();
  }
  EXPECT_EQ(failures, 0) << "of " << n;
  EXPECT_GE(names.size(), 60u);
}

// Invalid UTF-8: a TokenizerError by default, U+FFFD per maximal invalid sequence with
// errors="replace" (the ids of the text Python's bytes.decode(errors="replace") gives); negative ids
// in decode are a ValueError.
TEST(Tokenizers, InvalidUtf8CanBeReplacedAndNegativeIdsRefused) {
  auto tok = AutoTokenizer::from_pretrained(fixture("spm/llama"));
  const std::string bad = "caf\xc3 ok \xe2\x82 and \xff\xfe!", fixed = "caf\xef\xbf\xbd ok \xef\xbf\xbd and \xef\xbf\xbd\xef\xbf\xbd!";
  EXPECT_THROW(tok->encode(bad), TokenizerError);
  TokenizerCallOptions o;
  o.errors = "replace";
  EXPECT_EQ(tok->encode(bad, nullptr, o).ids, tok->encode(fixed).ids);
  const std::string pair = "x\x80y", pair_fixed = "x\xef\xbf\xbdy";
  EXPECT_EQ(tok->encode("a", &pair, o).ids, tok->encode("a", &pair_fixed).ids);
  o.errors = "ignore";
  EXPECT_THROW(tok->encode("x", nullptr, o), ValueError);
  EXPECT_THROW(tok->decode({1, -5, 2}), ValueError);
  EXPECT_NO_THROW(tok->decode({1, 999999, 2}));  // past the vocabulary: dropped, as tokenizers does
}

// 1 MB texts (the corpus repeated, with and without its spaces) through every fixture tokenizer and
// the real Qwen3 / Llama 2 ones: the same ids as the tokenizers library (count, ends, FNV-1a of all).
TEST(Tokenizers, MegabyteInputsMatchTokenizers) {
  const Json all = parse_json_file(fixture("tokenizers/megabyte.json"));
  for (const Json& c : all["cases"]) {
    const std::string name = c["tokenizer"], kind = c["unit"];
    SCOPED_TRACE(name + " " + kind);
    Tokenizer tok = Tokenizer::from_file(tokenizer_path(name));
    tok.set_truncation(std::nullopt);
    tok.set_padding(std::nullopt);
    std::string text;
    for (int64_t r = 0; r < c["repeat"].get<int64_t>(); ++r) text += all["units"][kind].get<std::string>();
    ASSERT_GE(text.size(), 1000000u);
    const auto ids = tok.encode(text).ids;
    uint64_t h = 0xcbf29ce484222325ull;
    for (int64_t id : ids)
      for (int b = 0; b < 8; ++b) h = (h ^ ((static_cast<uint64_t>(id) >> (8 * b)) & 0xff)) * 0x100000001b3ull;
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
    ASSERT_EQ(static_cast<int64_t>(ids.size()), c["count"].get<int64_t>());
    EXPECT_EQ(std::vector<int64_t>(ids.begin(), ids.begin() + 16), c["head"].get<std::vector<int64_t>>());
    EXPECT_EQ(std::vector<int64_t>(ids.end() - 16, ids.end()), c["tail"].get<std::vector<int64_t>>());
    EXPECT_EQ(std::string(hex), c["fnv1a"].get<std::string>());
  }
}

// The normalizers' quick check never claims a text is in a form when it is not: every code point,
// alone and after starters that characters compose onto (Latin, Indic, Sinhala, Myanmar, Balinese
// vowels, Hangul), for all four forms.
TEST(Tokenizers, NormalizationQuickCheckIsNeverWrong) {
  const char32_t starters[] = {U'e', U'A', 0x09C7, 0x0B47, 0x0BC6, 0x0CC6, 0x0D46, 0x0DD9, 0x1025, 0x1B05, 0xAC00, 0x110B, 0x11131, 0x11347};
  size_t claimed = 0;
  for (auto form : {tok::NormForm::NFC, tok::NormForm::NFD, tok::NormForm::NFKC, tok::NormForm::NFKD})
    for (char32_t c = 0x80; c < 0x110000; ++c) {
      if ((c >= 0xD800 && c < 0xE000) || (c >= 0xE000 && c < 0xF900) || c >= 0xF0000 || (c >= 0x20000 && c < 0x2F800) ||
          (c >= 0x30000 && c < 0xE0000))
        continue;  // surrogates; private use and CJK ideograph blocks: uniform, covered by their edges
      const std::string one = tok::utf8_encode(c);
      if (!tok::normalization_invariant(one, form)) continue;
      ++claimed;
      ASSERT_EQ(tok::normalize(std::u32string(1, c), form), std::u32string(1, c)) << std::hex << uint32_t(c);
      for (char32_t p : starters) {
        const std::u32string two{p, c};
        if (tok::normalization_invariant(tok::utf8_encode(p) + one, form)) {
          ASSERT_EQ(tok::normalize(two, form), two) << std::hex << uint32_t(p) << " " << uint32_t(c);
        }
      }
    }
  EXPECT_GT(claimed, 100000u);
}

// encode_batch runs on every thread: the same encodings as one by one, and the error of the first
// failing text.
TEST(Tokenizers, BatchEncodeOnThreadsEqualsOneByOne) {
  Tokenizer tok = Tokenizer::from_file(tokenizer_path("qwen3"));
  std::vector<std::string> texts;
  for (const Json& g : read_jsonl(fixture("tokenizers/qwen3/golden.jsonl")))
    if (!g.contains("pair")) texts.push_back(g["text"]);
  const size_t base = texts.size();
  for (size_t i = 0; i < 200; ++i) texts.push_back(texts[i % base] + " #" + std::to_string(i));
  const auto batch = tok.encode_batch(texts);
  ASSERT_EQ(batch.size(), texts.size());
  for (size_t i = 0; i < texts.size(); ++i) EXPECT_EQ(batch[i].ids, tok.encode(texts[i]).ids) << texts[i];
  texts[150] = "bad \xff utf-8";
  texts[40] = "also bad \xc3";
  try {
    tok.encode_batch(texts);
    ADD_FAILURE() << "invalid UTF-8 was accepted";
  } catch (const TokenizerError& e) {
    EXPECT_NE(std::string(e.what()).find("UTF-8"), std::string::npos) << e.what();
  }
}

// Hostile SentencePiece files: truncations and flipped bytes of a real model load or fail with a
// TokenizerError, never anything else (ASan / UBSan watch the reads).
TEST(Tokenizers, MangledSentencePieceModelsFailCleanly) {
  const std::string model = read_file(fixture("spm/t5/spiece.model"));
  std::mt19937 rng(7);
  int failed = 0;
  for (int trial = 0; trial < 200; ++trial) {
    std::string bad = model;
    if (trial % 2) bad.resize(std::uniform_int_distribution<size_t>(0, model.size() - 1)(rng));
    for (int k = 0; k < 1 + trial % 5; ++k)
      if (!bad.empty()) bad[std::uniform_int_distribution<size_t>(0, bad.size() - 1)(rng)] = static_cast<char>(rng());
    testutil::TempDir d;
    std::ofstream(d / "tokenizer_config.json") << R"({"tokenizer_class": "T5Tokenizer"})";
    std::ofstream(d / "spiece.model", std::ios::binary) << bad;
    try {
      AutoTokenizer::from_pretrained(d.path.string())->encode("Hello world!");
    } catch (const TokenizerError&) {
      ++failed;
    }
  }
  EXPECT_GT(failed, 0);
}
