// DeBERTa-v2 against fixtures/deberta_v2 (scripts/make_deberta_fixtures.py): a v3-style and a
// v2-style configuration for every Auto class, on a padded batch (with token types for v2), fast
// and reference kernels.
#include <fstream>

#include "io/json.hpp"
#include "ops/ops.hpp"
#include "test_util.hpp"

using namespace transformers;
using testutil::fixture;

// One instance per folder of fixtures/deberta_v2/index.json, named after it.
namespace {
class DebertaV2 : public ::testing::TestWithParam<testutil::FixtureCase> {};
INSTANTIATE_TEST_SUITE_P(Fixtures, DebertaV2, ::testing::ValuesIn(testutil::index_cases(fixture("deberta_v2/index.json"))), testutil::CaseName());

TEST_P(DebertaV2, EveryAutoClassMatchesPython) {
  const Json& c = GetParam().entry;
  const std::string dir = fixture("deberta_v2/" + c["dir"].get<std::string>());
  testutil::with_each_kernel_mode(dir, [&] {
    auto m = auto_model_from_pretrained(c["auto_class"].get<std::string>(), dir);
    EXPECT_EQ(m->class_name(), c["class"].get<std::string>());
    EXPECT_TRUE(m->loading_info().missing_keys.empty());
    EXPECT_TRUE(m->loading_info().unexpected_keys.empty());
    const ModelOutput out = m->forward(testutil::read_inputs(dir));
    SafeTensorsFile ref = SafeTensorsFile::open(dir + "/outputs.safetensors");
    size_t n = 0;
    for (const auto& t : ref.tensors()) {
      ASSERT_TRUE(out.has(t.name)) << t.name;
      EXPECT_TRUE(testutil::allclose(out[t.name], ref.get(t.name))) << t.name;
      ++n;
    }
    EXPECT_GE(n, 1u);
  });
}
}  // namespace

TEST(DebertaV2, IndexHasEveryAutoClassOfBothVariants) { EXPECT_EQ(parse_json_file(fixture("deberta_v2/index.json")).size(), 12u); }

TEST(DebertaV2, HeadCheckpointIntoBaseAndBadInput) {
  auto m = AutoModel::from_pretrained(fixture("deberta_v2/v3-DebertaV2ForSequenceClassification"));
  EXPECT_EQ(m->class_name(), "DebertaV2Model");
  EXPECT_TRUE(m->loading_info().missing_keys.empty());
  EXPECT_EQ(m->loading_info().unexpected_keys,
            (std::vector<std::string>{"classifier.bias", "classifier.weight", "pooler.dense.bias", "pooler.dense.weight"}));
  EXPECT_THROW(m->forward({{"input_ids", Tensor::zeros({4}, DType::I64)}}), ShapeMismatch);
  EXPECT_THROW(m->forward({{"input_ids", Tensor::full({1, 3}, 500.0, DType::I64)}}), ValueError);  // id beyond the vocabulary
  EXPECT_THROW(m->forward({{"input_ids", Tensor::zeros({1, 3}, DType::I64)}, {"attention_mask", Tensor::zeros({1, 4}, DType::I64)}}),
               ShapeMismatch);
}

TEST(DebertaV2, TokenizerFromSpmModelMatchesPython) {  // a folder with only spm.model and tokenizer_config.json
  const std::string dir = fixture("deberta_v2/tokenizer");
  auto tok = AutoTokenizer::from_pretrained(dir);
  const Json cases = parse_json_file(dir + "/cases.json");
  for (const Json& c : cases["single"]) {
    SCOPED_TRACE(c["text"].get<std::string>());
    const Encoding e = tok->encode(c["text"].get<std::string>());
    EXPECT_EQ(e.ids, c["input_ids"].get<std::vector<int64_t>>());
    EXPECT_EQ(e.type_ids, c["token_type_ids"].get<std::vector<int64_t>>());
    EXPECT_EQ(tok->decode(e.ids), c["decode"].get<std::string>());
    EXPECT_EQ(tok->decode(e.ids, true), c["decode_skip"].get<std::string>());
  }
  for (const Json& c : cases["pairs"]) {
    const std::string pair = c["pair"].get<std::string>();
    const Encoding e = tok->encode(c["text"].get<std::string>(), &pair);
    EXPECT_EQ(e.ids, c["input_ids"].get<std::vector<int64_t>>());
    EXPECT_EQ(e.type_ids, c["token_type_ids"].get<std::vector<int64_t>>());
  }
  EXPECT_EQ(tok->model_input_names(), (std::vector<std::string>{"input_ids", "token_type_ids", "attention_mask"}));
  testutil::TempDir d;  // a corrupt spm.model is a typed error
  std::filesystem::copy_file(dir + "/tokenizer_config.json", d / "tokenizer_config.json");
  { std::ofstream(d / "spm.model") << "\x0a\xff\xff\xff\xff\x0f garbage"; }
  EXPECT_THROW(AutoTokenizer::from_pretrained(d.path.string()), TokenizerError);
}
