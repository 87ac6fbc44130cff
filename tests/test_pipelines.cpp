// Pipelines against transformers.pipeline(...) on the same tiny models and inputs.
#include <fstream>

#include "io/json.hpp"
#include "test_util.hpp"

using namespace transformers;
using testutil::fixture;

namespace {
Json golden(const std::string& task) { return parse_json_file(fixture("pipelines/" + task + "/golden.json")); }
const std::vector<std::string> kTexts = {"I love this movie, it was great!", "The plot was boring and far too long.",
                                         "Paris is in France.", "John Smith works at Google in London.", "ok"};
}  // namespace

TEST(Pipelines, TextClassification) {
  auto p = TextClassificationPipeline::from_pretrained(fixture("pipelines/text-classification"));
  const Json g = golden("text-classification");
  auto top1 = (*p)(kTexts);
  auto all = (*p)(kTexts, std::nullopt);
  for (size_t i = 0; i < kTexts.size(); ++i) {
    ASSERT_EQ(top1[i].size(), 1u);
    EXPECT_EQ(top1[i][0].label, g["top1"][i]["label"].get<std::string>());
    EXPECT_NEAR(top1[i][0].score, g["top1"][i]["score"].get<double>(), 1e-5);
    ASSERT_EQ(all[i].size(), g["all"][i].size());
    for (size_t k = 0; k < all[i].size(); ++k) {
      EXPECT_EQ(all[i][k].label, g["all"][i][k]["label"].get<std::string>());
      EXPECT_NEAR(all[i][k].score, g["all"][i][k]["score"].get<double>(), 1e-5);
    }
  }
}

TEST(Pipelines, FillMask) {
  auto p = FillMaskPipeline::from_pretrained(fixture("pipelines/fill-mask"));
  const Json g = golden("fill-mask");
  auto r = (*p)(g["inputs"].get<std::vector<std::string>>(), 5);
  for (size_t i = 0; i < r.size(); ++i)
    for (size_t k = 0; k < 5; ++k) {
      const Json& e = g["top5"][i][k];
      EXPECT_EQ(r[i][k].token, e["token"].get<int64_t>());
      EXPECT_EQ(r[i][k].token_str, e["token_str"].get<std::string>());
      EXPECT_EQ(r[i][k].sequence, e["sequence"].get<std::string>());
      EXPECT_NEAR(r[i][k].score, e["score"].get<double>(), 1e-5);
    }
  EXPECT_THROW((*p)({"no mask here"}), ValueError);
}

TEST(Pipelines, TokenClassificationAllAggregations) {
  auto p = TokenClassificationPipeline::from_pretrained(fixture("pipelines/token-classification"));
  const Json g = golden("token-classification");
  const auto inputs = g["inputs"].get<std::vector<std::string>>();
  for (const char* agg : {"none", "simple", "first", "average", "max"}) {
    SCOPED_TRACE(agg);
    auto r = (*p)(inputs, agg);
    for (size_t i = 0; i < r.size(); ++i) {
      ASSERT_EQ(r[i].size(), g[agg][i].size());
      for (size_t k = 0; k < r[i].size(); ++k) {
        const Json& e = g[agg][i][k];
        EXPECT_EQ(r[i][k].entity, e.contains("entity") ? e["entity"].get<std::string>() : e["entity_group"].get<std::string>());
        EXPECT_EQ(r[i][k].word, e["word"].get<std::string>());
        EXPECT_EQ(r[i][k].start, e["start"].get<int64_t>());
        EXPECT_EQ(r[i][k].end, e["end"].get<int64_t>());
        EXPECT_NEAR(r[i][k].score, e["score"].get<double>(), 1e-5);
        if (e.contains("index")) EXPECT_EQ(*r[i][k].index, e["index"].get<int64_t>());
      }
    }
  }
  EXPECT_THROW((*p)(inputs, "longest"), ValueError);
}

TEST(Pipelines, ZeroShotClassification) {
  auto p = ZeroShotClassificationPipeline::from_pretrained(fixture("pipelines/zero-shot-classification"));
  const Json g = golden("zero-shot-classification");
  const auto labels = g["labels"].get<std::vector<std::string>>();
  auto check = [&](const ZeroShotResult& r, const Json& e) {
    EXPECT_EQ(r.sequence, e["sequence"].get<std::string>());
    EXPECT_EQ(Json(r.labels), e["labels"]);
    for (size_t k = 0; k < r.scores.size(); ++k) EXPECT_NEAR(r.scores[k], e["scores"][k].get<double>(), 1e-5);
  };
  for (size_t i = 0; i < g["inputs"].size(); ++i) {
    const std::string text = g["inputs"][i];
    check((*p)(text, labels), g["single"][i]);
    check((*p)(text, labels, "This example is {}.", true), g["multi"][i]);
    if (i < g["template"].size()) check((*p)(text, labels, "The topic is {}"), g["template"][i]);
  }
  EXPECT_THROW((*p)("x", {}), ValueError);
  EXPECT_THROW((*p)("x", labels, "no placeholder"), ValueError);
}

TEST(Pipelines, TextPairClassification) {
  auto p = TextClassificationPipeline::from_pretrained(fixture("pipelines/text-classification"));
  const Json g = golden("text-classification");
  std::vector<std::string> a, b;
  for (const auto& x : g["pairs"]) {
    a.push_back(x["text"]);
    b.push_back(x["text_pair"]);
  }
  auto r = (*p)(a, b, std::nullopt);
  for (size_t i = 0; i < r.size(); ++i)
    for (size_t k = 0; k < r[i].size(); ++k) {
      EXPECT_EQ(r[i][k].label, g["pairs_all"][i][k]["label"].get<std::string>());
      EXPECT_NEAR(r[i][k].score, g["pairs_all"][i][k]["score"].get<double>(), 1e-5);
    }
  EXPECT_THROW((*p)(a, std::vector<std::string>{"one"}, 1), ValueError);
}
