// Every (model_type, Auto class) fixture in fixtures/heads/index.json: the class the Auto class
// picks, no missing or unexpected weights, and every output field equal to Python's.
#include "io/json.hpp"
#include "ops/ops.hpp"
#include "test_util.hpp"

using namespace transformers;
using testutil::fixture;

namespace {
// One folder of fixtures/heads on the fast or the reference kernels.
void check(const Json& e, bool reference) {
  ops::set_reference_mode(reference);
  [&] {
    const std::string dir = fixture("heads/" + e["dir"].get<std::string>());
    SCOPED_TRACE(dir);
    auto model = auto_model_from_pretrained(e["auto_class"].get<std::string>(), dir);
    EXPECT_EQ(model->class_name(), e["class"].get<std::string>());
    EXPECT_TRUE(model->loading_info().missing_keys.empty()) << model->loading_info().missing_keys.front();
    EXPECT_TRUE(model->loading_info().unexpected_keys.empty()) << model->loading_info().unexpected_keys.front();
    SafeTensorsFile in = SafeTensorsFile::open(dir + "/inputs.safetensors");
    ModelInputs inputs;
    for (const auto& t : in.tensors()) inputs[t.name] = in.get(t.name);
    ModelOutput out = model->forward(inputs);
    SafeTensorsFile ref = SafeTensorsFile::open(dir + "/outputs.safetensors");
    EXPECT_EQ(out.fields.size(), ref.tensors().size());
    for (const auto& t : ref.tensors()) {
      ASSERT_TRUE(out.has(t.name)) << "missing output " << t.name;
      EXPECT_TRUE(testutil::allclose(out[t.name], ref.get(t.name))) << t.name;
    }
  }();  // (a lambda, so a failed ASSERT still restores the fast kernels)
  ops::set_reference_mode(false);
}
}  // namespace

// One instance per folder of fixtures/heads/index.json, named after it
// (Fixtures/Heads.ReferenceKernelsToo/bert_BertForMultipleChoice).
namespace {
class Heads : public ::testing::TestWithParam<testutil::FixtureCase> {};
INSTANTIATE_TEST_SUITE_P(Fixtures, Heads, ::testing::ValuesIn(testutil::index_cases(fixture("heads/index.json"))), testutil::CaseName());

TEST_P(Heads, EveryFamilyAndTaskMatchesPython) { check(GetParam().entry, false); }
TEST_P(Heads, ReferenceKernelsToo) { check(GetParam().entry, true); }
}  // namespace

TEST(Heads, IndexCoversTheEncoderFamilies) { EXPECT_GT(parse_json_file(fixture("heads/index.json")).size(), 20u); }

TEST(Heads, MultipleChoiceNeedsThreeDimensions) {
  auto m = AutoModelForMultipleChoice::from_pretrained(fixture("heads/bert-BertForMultipleChoice"));
  ModelInputs in{{"input_ids", Tensor::from_ints({1, 2, 3}, {1, 3})}};
  EXPECT_THROW(m->forward(in), ShapeMismatch);
}

TEST(Heads, QuestionAnsweringNeedsTwoLabels) {
  testutil::TempDir d;
  std::filesystem::copy(fixture("heads/bert-BertForQuestionAnswering"), d.path, std::filesystem::copy_options::recursive);
  FromPretrainedOptions o;
  o.config_overrides["id2label"] = R"({"0": "a", "1": "b", "2": "c"})";
  EXPECT_THROW(AutoModelForQuestionAnswering::from_pretrained(d.path.string(), o), ConfigError);
}
