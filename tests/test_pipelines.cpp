// Pipelines against transformers.pipeline(...) on the same tiny models and inputs.
#include <cmath>
#include <filesystem>
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
  // Several batch sizes: inputs run longest first in batches and come back in the caller's order.
  for (const int64_t bs : {32, 2, 1}) {
  SCOPED_TRACE("batch_size " + std::to_string(bs));
  p->batch_size = bs;
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
  p->batch_size = 0;
  EXPECT_THROW((*p)(kTexts), ValueError);
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
    p->batch_size = std::string(agg) == "first" ? 1 : 2;
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
        if (e.contains("index")) {
          EXPECT_EQ(*r[i][k].index, e["index"].get<int64_t>());
        }
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

namespace {
// Compares an [N, D] tensor with golden rows (fp32 tolerance).
void expect_rows(const Tensor& t, const Json& rows, const std::string& what) {
  ASSERT_EQ(t.dim(), 2) << what;
  ASSERT_EQ(t.size(0), static_cast<int64_t>(rows.size())) << what;
  for (int64_t i = 0; i < t.size(0); ++i) {
    ASSERT_EQ(t.size(1), static_cast<int64_t>(rows[i].size())) << what;
    for (int64_t d = 0; d < t.size(1); ++d) {
      const double want = rows[i][d].get<double>();
      EXPECT_NEAR(t.item({i, d}), want, 1e-4 + 1e-3 * std::fabs(want)) << what << " row " << i << " dim " << d;
    }
  }
}

// Every encode() call sentence-transformers made on the folder, with the same keyword arguments.
void check_sentence_transformer(const std::string& name) {
  const std::string dir = fixture("sentence_transformers/" + name);
  const Json g = parse_json_file(dir + "/golden.json");
  auto st = SentenceTransformer::from_pretrained(dir);
  EXPECT_EQ(st->similarity_fn_name(), g["similarity_fn_name"].get<std::string>());
  for (const Json& call : g["calls"]) {
    const Json& kw = call["kwargs"];
    EncodeOptions o;
    o.batch_size = kw.value("batch_size", 32);
    if (kw.contains("prompt")) o.prompt = kw["prompt"].get<std::string>();
    if (kw.contains("prompt_name")) o.prompt_name = kw["prompt_name"].get<std::string>();
    o.truncate_dim = kw.value("truncate_dim", 0);
    o.normalize_embeddings = kw.value("normalize_embeddings", false);
    const std::string what = name + " " + kw.dump();
    const Tensor e = st->encode(call["texts"].get<std::vector<std::string>>(), o);
    expect_rows(e, call["embeddings"], what);
    expect_rows(st->similarity(e.slice(0, 0, 3), e), call["similarity"], what + " similarity");
  }
}
}  // namespace

// all-MiniLM's layout: mean pooling + Normalize; truncate_dim; normalize_embeddings.
TEST(SentenceTransformers, MeanPoolingNormalize) {
  check_sentence_transformer("bert-mean");
  auto st = SentenceTransformer::from_pretrained(fixture("sentence_transformers/bert-mean"));
  EXPECT_EQ(st->pooling_mode(), "mean");
  EXPECT_TRUE(st->normalize());
  EXPECT_EQ(st->max_seq_length(), 48);  // the tokenizer's model_max_length, as the folder was saved
}

// cls + max + mean_sqrt_len_tokens + weightedmean + lasttoken concatenated, prompt tokens excluded
// (include_prompt false), three Dense layers (tanh, identity + residual, GELU + projected
// residual), default / named / empty / literal prompts, dot-product similarity.
TEST(SentenceTransformers, EveryPoolingModeDensePrompts) {
  check_sentence_transformer("bert-modes");
  auto st = SentenceTransformer::from_pretrained(fixture("sentence_transformers/bert-modes"));
  EXPECT_EQ(st->pooling_mode(), "cls+max+mean_sqrt_len_tokens+weightedmean+lasttoken");
  EXPECT_FALSE(st->include_prompt());
  EXPECT_EQ(st->default_prompt_name().value_or(""), "query");
  EncodeOptions o;
  o.prompt_name = "no-such-prompt";
  EXPECT_THROW(st->encode({"x"}, o), ValueError);
}

// The legacy pooling_mode_* booleans (cls and mean at once), euclidean similarity.
TEST(SentenceTransformers, LegacyPoolingKeys) {
  check_sentence_transformer("bert-legacy");
  EXPECT_EQ(SentenceTransformer::from_pretrained(fixture("sentence_transformers/bert-legacy"))->pooling_mode(), "cls+mean");
}

// Qwen3-Embedding's layout: a decoder, left padding, EOS appended, last-token pooling, an instruction prompt.
TEST(SentenceTransformers, DecoderLastTokenLeftPadding) { check_sentence_transformer("qwen3-lasttoken"); }

TEST(SentenceTransformers, BadFoldersAreTypedErrors) {
  namespace fs = std::filesystem;
  const fs::path src = fixture("sentence_transformers/bert-modes");
  const fs::path d = fs::temp_directory_path() / "tcpp-st-bad";
  auto fresh = [&] {
    fs::remove_all(d);
    fs::copy(src, d, fs::copy_options::recursive);
  };
  auto write = [&](const std::string& rel, const std::string& text) { std::ofstream(d / rel) << text; };
  auto load = [&] { return SentenceTransformer::from_pretrained(d.string()); };
  fresh();
  write("1_Pooling/config.json", R"({"embedding_dimension": 32, "pooling_mode": "median"})");
  EXPECT_THROW(load(), ConfigError);
  fresh();
  write("1_Pooling/config.json", R"({"embedding_dimension": 32, "pooling_mode": 3})");
  EXPECT_THROW(load(), ConfigError);
  fresh();
  write("2_Dense/config.json", R"({"in_features": 160, "out_features": 24, "activation_function": "torch.nn.modules.activation.Softsign"})");
  EXPECT_THROW(load(), ConfigError);
  fresh();
  write("2_Dense/config.json", R"({"in_features": 160, "out_features": 25})");
  EXPECT_THROW(load(), ShapeMismatch);
  fresh();
  fs::remove(d / "3_Dense/model.safetensors");
  EXPECT_THROW(load(), OSError);
  fresh();
  write("config_sentence_transformers.json", R"({"prompts": {"query": "q: "}, "default_prompt_name": "passage"})");
  EXPECT_THROW(load(), ConfigError);
  fresh();
  write("config_sentence_transformers.json", R"({"similarity_fn_name": "jaccard"})");
  EXPECT_THROW(load(), ConfigError);
  fresh();
  write("modules.json", R"([{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                           {"idx": 1, "name": "1", "path": "1_LSTM", "type": "sentence_transformers.models.LSTM"}])");
  EXPECT_THROW(load(), ConfigError);
  fresh();
  write("modules.json", "[{");
  EXPECT_THROW(load(), JsonError);
  fresh();  // Pooling's declared width against the model's hidden size
  write("1_Pooling/config.json", R"({"embedding_dimension": 48, "pooling_mode": "mean"})");
  EXPECT_THROW(load()->encode({"x"}), ShapeMismatch);
  fresh();  // Normalize without a config.json, as older folders (all-MiniLM-L6-v2) ship it
  fs::copy(fixture("sentence_transformers/bert-mean"), d, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  fs::remove(d / "2_Normalize/config.json");
  fs::remove_all(d / "2_Dense");
  EXPECT_TRUE(load()->normalize());
  fs::remove_all(d);
}

// sentence-t5's layout: the encoder of a T5 checkpoint alone, mean, Dense without bias, Normalize.
TEST(SentenceTransformers, EncoderOfEncoderDecoder) { check_sentence_transformer("t5-encoder"); }

namespace {
std::vector<std::pair<std::string, std::string>> golden_pairs(const Json& g) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const Json& p : g["pairs"]) pairs.emplace_back(p[0].get<std::string>(), p[1].get<std::string>());
  return pairs;
}
}  // namespace

// A one-label reranker: Sigmoid scores, rank() with top_k and over every document (ties keep order).
TEST(SentenceTransformers, CrossEncoderPredictRank) {
  const std::string dir = fixture("sentence_transformers/cross-encoder");
  const Json g = parse_json_file(dir + "/golden.json");
  auto ce = CrossEncoder::from_pretrained(dir);
  EXPECT_EQ(ce->num_labels(), 1);
  EXPECT_EQ(ce->activation_fn(), g["activation_fn"].get<std::string>());
  CrossEncoderOptions o;
  o.batch_size = 2;
  const Tensor s = ce->predict(golden_pairs(g), o);
  ASSERT_EQ(s.shape(), Shape({static_cast<int64_t>(g["scores"].size())}));
  for (int64_t i = 0; i < s.size(0); ++i) EXPECT_NEAR(s.item({i}), g["scores"][i].get<double>(), 1e-5) << i;
  const std::vector<std::string> texts = {"I love this movie, it was great!", "The plot was boring and far too long.", "Paris is in France.", "ok",
                                          "John Smith works at Google in London since 2020, and he likes it there a lot.", "",
                                          "A long one that is truncated: " + [] { std::string r; for (int i = 0; i < 12; ++i) r += "the plot was great and Paris is far "; return r; }()};
  for (const auto& [key, query, k] : {std::tuple{"rank", "Paris is in France.", 4}, std::tuple{"rank_all", "ok", 0}}) {
    const auto r = ce->rank(query, texts, k);
    ASSERT_EQ(r.size(), g[key].size()) << key;
    for (size_t i = 0; i < r.size(); ++i) {
      EXPECT_EQ(r[i].corpus_id, g[key][i]["corpus_id"].get<int64_t>()) << key << " " << i;
      EXPECT_NEAR(r[i].score, g[key][i]["score"].get<double>(), 1e-5) << key << " " << i;
    }
  }
}

// Three labels with config.json's activation_fn (Tanh), and apply_softmax; rank() refuses.
TEST(SentenceTransformers, CrossEncoderLabelsActivation) {
  const std::string dir = fixture("sentence_transformers/cross-encoder-3");
  const Json g = parse_json_file(dir + "/golden.json");
  auto ce = CrossEncoder::from_pretrained(dir);
  EXPECT_EQ(ce->num_labels(), 3);
  EXPECT_EQ(ce->activation_fn(), g["activation_fn"].get<std::string>());
  CrossEncoderOptions o;
  o.batch_size = 2;
  expect_rows(ce->predict(golden_pairs(g), o), g["scores"], "scores");
  o.batch_size = 4;
  o.apply_softmax = true;
  expect_rows(ce->predict(golden_pairs(g), o), g["softmax"], "softmax");
  EXPECT_THROW(ce->rank("q", {"a", "b"}), ValueError);
}

// The activation's other homes: config.json's sentence_transformers.activation_fn and the legacy
// sbert_ce_default_activation_function (Tanh reproduces the golden scores), none (Identity for three
// labels), a path outside torch (the default), and a malformed entry (typed error).
TEST(SentenceTransformers, CrossEncoderActivationSources) {
  namespace fs = std::filesystem;
  const fs::path src = fixture("sentence_transformers/cross-encoder-3");
  const Json g = parse_json_file((src / "golden.json").string());
  const fs::path d = fs::temp_directory_path() / "tcpp-ce-activation";
  auto with = [&](const std::string& config_extra) {
    fs::remove_all(d);
    fs::copy(src, d, fs::copy_options::recursive);
    Json st = parse_json_file((d / "config_sentence_transformers.json").string());
    st.erase("activation_fn");
    std::ofstream(d / "config_sentence_transformers.json") << st.dump();
    Json cfg = parse_json_file((d / "config.json").string());
    if (!config_extra.empty()) cfg.update(Json::parse(config_extra));
    std::ofstream(d / "config.json") << cfg.dump();
    return CrossEncoder::from_pretrained(d.string());
  };
  CrossEncoderOptions o;
  o.batch_size = 2;
  for (const char* extra : {R"({"sentence_transformers": {"activation_fn": "torch.nn.modules.activation.Tanh"}})",
                            R"({"sbert_ce_default_activation_function": "torch.nn.modules.activation.Tanh"})"}) {
    auto ce = with(extra);
    EXPECT_EQ(ce->activation_fn(), "Tanh") << extra;
    expect_rows(ce->predict(golden_pairs(g), o), g["scores"], extra);
  }
  EXPECT_EQ(with("")->activation_fn(), "Identity");
  EXPECT_EQ(with(R"({"sbert_ce_default_activation_function": "my_package.Custom"})")->activation_fn(), "Identity");
  EXPECT_THROW(with(R"({"sentence_transformers": {"activation_fn": 3}})"), ConfigError);
  EXPECT_THROW(with(R"({"sentence_transformers": {"activation_fn": "torch.nn.modules.activation.Softsign"}})"), ConfigError);
  fs::remove_all(d);
}
