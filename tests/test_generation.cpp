// generate()'s argument checks against Python's (fixtures/generation/errors.json, made by
// scripts/make_generation_fixtures.py): each bad value raises exactly where Python raises, as a
// ValueError with Python's message, and runs where Python only warns.
#include "generation/logits_process.hpp"
#include "io/json.hpp"
#include "test_util.hpp"

using namespace transformers;

namespace {
const Json& golden() {
  static const Json g = parse_json_file(testutil::fixture("generation/errors.json"));
  return g;
}
}  // namespace

TEST(Generation, ArgumentChecksMatchPython) {
  const auto model = AutoModelForCausalLM::from_pretrained(testutil::fixture(golden()["model"].get<std::string>()));
  const ModelInputs in = testutil::read_inputs(testutil::fixture(golden()["model"].get<std::string>()));
  ASSERT_EQ(in.at("input_ids").size(1), golden()["prompt_len"].get<int64_t>());
  int raising = 0;
  for (const auto& c : golden()["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    GenerationConfig g = GenerationConfig::from_json_string(c["kwargs"].dump());
    g.seed = 0;
    if (!c["raises"].get<bool>()) {
      EXPECT_NO_THROW(model->generate(in, g));
      continue;
    }
    ++raising;
    ASSERT_EQ(c["type"], "ValueError");
    try {
      model->generate(in, g);
      ADD_FAILURE() << "no error; Python raises: " << c["message"].get<std::string>();
    } catch (const ValueError& e) {
      EXPECT_EQ(std::string(e.what()), c["message"].get<std::string>());
    }
  }
  EXPECT_GT(raising, 10);  // the golden holds both kinds
  EXPECT_LT(raising, static_cast<int>(golden()["cases"].size()));
}

TEST(Generation, FloatsQuotedAsPythonReprs) {
  for (const auto& r : golden()["float_reprs"]) EXPECT_EQ(generation::py_float(r[0].get<double>()), r[1].get<std::string>());
}

TEST(Generation, EarlyStoppingStringIsCheckedAtGenerate) {
  // generation_config.json may hold any string; validate() refuses all but "never" when generating.
  const GenerationConfig g = GenerationConfig::from_json_string(R"({"early_stopping": "sometimes"})");
  EXPECT_EQ(g.early_stopping.value_or(""), "sometimes");
  EXPECT_EQ(GenerationConfig::from_json_string(g.to_json_string()).early_stopping.value_or(""), "sometimes");
  EXPECT_EQ(GenerationConfig::from_json_string(R"({"early_stopping": true})").to_json_string(), "{\n  \"early_stopping\": true\n}");
  EXPECT_THROW(GenerationConfig::from_json_string(R"({"early_stopping": 3})"), JsonError);
}

// The warpers (temperature, top-h, top-k, top-p, min-p, typical, epsilon, eta) against the scores
// Python's LogitsProcessorList leaves for the sampler (fixtures/generation/warpers.*): the same
// tokens removed, the kept ones with the same values.
TEST(Generation, WarpersMatchPython) {
  const Json cases = parse_json_file(testutil::fixture("generation/warpers.json"));
  const auto t = testutil::read_inputs_file(testutil::fixture("generation/warpers.safetensors"));
  const Tensor& scores = t.at("scores");
  ASSERT_EQ(scores.dtype(), DType::F32);
  const int64_t R = scores.size(0), V = scores.size(1), prompt_len = cases["prompt_len"].get<int64_t>();
  const std::vector<int64_t> prompt(static_cast<size_t>(prompt_len), 0);
  for (const auto& c : cases["cases"]) {
    const std::string name = c["name"].get<std::string>();
    SCOPED_TRACE(name);
    const generation::Resolved r = generation::resolve(GenerationConfig::from_json_string(c["kwargs"].dump()), prompt_len, V);
    const Tensor& want = t.at(name);
    int removed = 0;
    for (int64_t i = 0; i < R; ++i) {
      std::vector<float> row(scores.data<float>() + i * V, scores.data<float>() + (i + 1) * V);
      generation::process(r, {prompt, prompt_len, 0}, row.data(), V);
      for (int64_t j = 0; j < V; ++j) {
        const float w = want.data<float>()[i * V + j];
        ASSERT_EQ(std::isinf(row[j]), std::isinf(w)) << "row " << i << " token " << j << ": " << row[j] << " vs Python " << w;
        if (std::isinf(w)) ++removed;
        else EXPECT_NEAR(row[j], w, 1e-5f * std::max(1.0f, std::abs(w)));
      }
    }
    EXPECT_GT(removed, 0);  // each case filters something (the masked row at least)
  }
}
