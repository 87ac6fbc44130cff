// NllbTokenizer against Python's (fixtures/nllb, scripts/make_nllb_fixtures.py): the pipeline v5
// rebuilds from tokenizer.json's BPE vocabulary and merges (the files are edited away from it, so
// reading them as they are gives other ids), the language-code framing (src_lang prefix, or suffix
// with legacy_behaviour; tgt_lang for text_target), the special and added tokens, and decoding.
#include <fstream>

#include "io/json.hpp"
#include "test_util.hpp"
#include "transformers/tokenizer.hpp"

using namespace transformers;

namespace {
std::vector<Json> read_jsonl(const std::string& path) {
  std::ifstream f(path);
  std::vector<Json> r;
  std::string line;
  while (std::getline(f, line))
    if (!line.empty()) r.push_back(Json::parse(line));
  return r;
}
const char* const kCases[] = {"nllb", "nllb-legacy-fra"};
}  // namespace

TEST(NllbTokenizer, RebuiltPipelineMatchesPython) {
  for (const char* name : kCases) {
    SCOPED_TRACE(name);
    const auto tok = AutoTokenizer::from_pretrained(testutil::fixture(std::string("nllb/") + name));
    size_t n = 0;
    for (const Json& g : read_jsonl(testutil::fixture(std::string("nllb/") + name + "/golden.jsonl"))) {
      SCOPED_TRACE(g.dump());
      ++n;
      const std::string text = g["text"].get<std::string>();
      TokenizerCallOptions o;
      o.add_special_tokens = g["add_special_tokens"].get<bool>();
      const std::string pair = g.value("pair", std::string());
      const Encoding e = tok->encode(text, g.contains("pair") ? &pair : nullptr, o);
      EXPECT_EQ(e.ids, g["ids"].get<std::vector<int64_t>>());
      if (g.contains("tokens")) {
        EXPECT_EQ(e.tokens, g["tokens"].get<std::vector<std::string>>());
      }
      if (g.contains("decode")) {
        EXPECT_EQ(tok->decode(e.ids), g["decode"].get<std::string>());
        EXPECT_EQ(tok->decode(e.ids, true), g["decode_skip"].get<std::string>());
      }
    }
    EXPECT_GT(n, 50u);
  }
}

TEST(NllbTokenizer, LanguageCodesMatchPython) {
  for (const char* name : kCases) {
    SCOPED_TRACE(name);
    const auto tok = AutoTokenizer::from_pretrained(testutil::fixture(std::string("nllb/") + name));
    const Json lines = parse_json_file(testutil::fixture(std::string("nllb/") + name + "/languages.json"));
    ASSERT_EQ(lines.size(), 3u);
    for (const Json& l : lines) {
      SCOPED_TRACE(l.dump());
      if (l["src_lang"].is_string()) tok->set_src_lang(l["src_lang"].get<std::string>()), tok->set_tgt_lang(l["tgt_lang"].get<std::string>());
      EXPECT_EQ(tok->encode("Hello world!").ids, l["ids"].get<std::vector<int64_t>>());
      const std::string b = "world";
      EXPECT_EQ(tok->encode("Hello", &b).ids, l["pair"].get<std::vector<int64_t>>());
      EXPECT_EQ(tok->lang_id(*tok->src_lang()), l["lang_id"].get<int64_t>());
      const BatchEncoding out = tok->encode_with_targets({"Hello world!", "The black cat."}, {"Bonjour le monde !", "Le chat."});
      std::vector<std::vector<int64_t>> ids;
      for (const Encoding& e : out.encodings) ids.push_back(e.ids);
      EXPECT_EQ(ids, l["input_ids"].get<std::vector<std::vector<int64_t>>>());
      EXPECT_EQ(out.labels, l["labels"].get<std::vector<std::vector<int64_t>>>());
    }
    EXPECT_THROW(tok->set_src_lang("xx_NOPE"), ValueError);
  }
}
