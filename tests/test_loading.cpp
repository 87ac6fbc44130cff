// The weight-loading machinery: missing / unexpected / mismatched weights, dtype policy,
// missing files, and user registrations.
#include <fstream>

#include "models/modeling_utils.hpp"
#include "nn/layers.hpp"
#include "test_util.hpp"

using namespace transformers;
namespace fs = std::filesystem;
using testutil::fixture;
using testutil::TempDir;

namespace {
// Copies the base fixture, with the weights rewritten by `edit`.
std::string edited_copy(const TempDir& d, const std::function<void(std::vector<std::pair<std::string, Tensor>>&)>& edit) {
  fs::copy_file(fixture("bert/base/config.json"), d / "config.json");
  SafeTensorsFile f = SafeTensorsFile::open(fixture("bert/base/model.safetensors"));
  std::vector<std::pair<std::string, Tensor>> ts;
  for (const auto& t : f.tensors()) ts.emplace_back(t.name, f.get(t.name).clone());
  edit(ts);
  save_safetensors(ts, d / "model.safetensors");
  return d.path.string();
}
}  // namespace

TEST(Loading, MissingBackboneWeightIsWeightNotFound) {
  TempDir d;
  auto p = edited_copy(d, [](auto& ts) {
    ts.erase(std::remove_if(ts.begin(), ts.end(), [](auto& t) { return t.first == "encoder.layer.1.attention.self.key.weight"; }), ts.end());
  });
  try {
    AutoModel::from_pretrained(p);
    FAIL();
  } catch (const WeightNotFound& e) {
    EXPECT_EQ(e.key, "encoder.layer.1.attention.self.key.weight");
    EXPECT_EQ(e.nearest, "encoder.layer.0.attention.self.key.weight");  // smallest edit distance
  }
  FromPretrainedOptions o;
  o.allow_missing_weights = true;  // Python's behaviour: initialize and report
  auto m = AutoModel::from_pretrained(p, o);
  EXPECT_EQ(m->loading_info().missing_keys, (std::vector<std::string>{"encoder.layer.1.attention.self.key.weight"}));
}

TEST(Loading, ShapeMismatchAndIgnore) {
  TempDir d;
  auto p = edited_copy(d, [](auto& ts) {
    for (auto& [n, t] : ts)
      if (n == "pooler.dense.weight") t = Tensor::zeros({16, 32});
  });
  EXPECT_THROW(AutoModel::from_pretrained(p), ShapeMismatch);
  FromPretrainedOptions o;
  o.ignore_mismatched_sizes = true;
  auto m = AutoModel::from_pretrained(p, o);
  ASSERT_EQ(m->loading_info().mismatched_keys.size(), 1u);
  EXPECT_EQ(m->get_parameter("pooler.dense.weight").shape(), (Shape{32, 32}));
}

TEST(Loading, LegacyGammaBetaAndUnexpected) {
  TempDir d;
  auto p = edited_copy(d, [](auto& ts) {
    for (auto& [n, t] : ts) {
      if (n == "embeddings.LayerNorm.weight") n = "embeddings.LayerNorm.gamma";
      if (n == "embeddings.LayerNorm.bias") n = "embeddings.LayerNorm.beta";
    }
    ts.emplace_back("extra.thing", Tensor::zeros({2}));
  });
  auto m = AutoModel::from_pretrained(p);
  EXPECT_TRUE(m->loading_info().missing_keys.empty());
  EXPECT_EQ(m->loading_info().unexpected_keys, (std::vector<std::string>{"extra.thing"}));
  EXPECT_EQ(m->get_parameter("embeddings.LayerNorm.weight").to_floats(),
            SafeTensorsFile::open(fixture("bert/base/model.safetensors")).get("embeddings.LayerNorm.weight").to_floats());
}

TEST(Loading, MissingFilesAndBadDtype) {
  TempDir d;
  fs::copy_file(fixture("bert/base/config.json"), d / "config.json");
  try {
    AutoModel::from_pretrained(d.path.string());
    FAIL();
  } catch (const OSError& e) {
    EXPECT_NE(std::string(e.what()).find("no file named model.safetensors"), std::string::npos);
  }
  // pickled weights are read (tests/test_torch_bin.cpp); garbage in that file is a typed error.
  std::ofstream(d / "pytorch_model.bin") << "pickle";
  EXPECT_THROW(AutoModel::from_pretrained(d.path.string()), TorchPickleError);
  FromPretrainedOptions o;
  o.dtype = "float7";
  EXPECT_THROW(AutoModel::from_pretrained(fixture("bert/base"), o), ValueError);
  o.dtype = "auto";
  o.device = "gpu";
  EXPECT_THROW(AutoModel::from_pretrained(fixture("bert/base"), o), ValueError);
  // Truncated weights: a typed error naming the file, never a crash.
  TempDir t;
  fs::copy_file(fixture("bert/base/config.json"), t / "config.json");
  {
    std::ifstream in(fixture("bert/base/model.safetensors"), std::ios::binary);
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream(t / "model.safetensors", std::ios::binary) << all.substr(0, all.size() / 2);
  }
  EXPECT_THROW(AutoModel::from_pretrained(t.path.string()), SafetensorsError);
}

TEST(Loading, DtypeOptionConvertsAtLoad) {
  FromPretrainedOptions o;
  o.dtype = "bfloat16";
  auto m = AutoModel::from_pretrained(fixture("bert/base"), o);
  EXPECT_EQ(m->get_parameter("encoder.layer.0.intermediate.dense.weight").dtype(), DType::BF16);
  EXPECT_EQ(m->get_parameter("encoder.layer.0.intermediate.dense.bias").dtype(), DType::F32);  // small params stay fp32
  EXPECT_GT(m->loading_info().converted_tensors, 0u);
}

namespace {
// A user architecture: one Linear over embeddings, registered like Python's AutoModel.register.
class TinyModel : public Model {
 public:
  explicit TinyModel(const PretrainedConfig& c)
      : Model(c),
        emb_(child("emb", std::make_unique<nn::Embedding>(c.get_int("vocab_size"), c.get_int("dim")))),
        proj_(child("proj", std::make_unique<nn::Linear>(c.get_int("dim"), 2))) {}
  std::string base_model_prefix() const override { return "tiny"; }
  ModelOutput forward(const ModelInputs& in) override {
    ModelOutput o;
    o.set("logits", proj_(emb_(require_input(in, "input_ids", "TinyModel"))));
    return o;
  }

 private:
  nn::Embedding& emb_;
  nn::Linear& proj_;
};
}  // namespace

TEST(Loading, RegisterUserModel) {
  ConfigSpec s;
  s.model_type = "tiny-test";
  s.class_name = "TinyConfig";
  s.defaults_json = R"({"vocab_size": 5, "dim": 3})";
  AutoConfig::register_("tiny-test", s, true);
  auto factory = [](const PretrainedConfig& c) -> std::unique_ptr<PreTrainedModel> { return std::make_unique<TinyModel>(c); };
  AutoModelForSequenceClassification::register_("tiny-test", "TinyModel", factory);
  EXPECT_THROW(AutoModelForSequenceClassification::register_("tiny-test", "TinyModel", factory), ValueError);
  EXPECT_THROW(AutoModel::register_("bert", "MyBert", factory), ValueError);  // built-in, no exist_ok
  EXPECT_THROW(AutoModel::register_("never-configured", "X", factory), ValueError);
  TempDir d;
  std::ofstream(d / "config.json") << R"({"model_type": "tiny-test"})";
  save_safetensors({{"tiny.emb.weight", Tensor::from_floats({0, 0, 0, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0}, {5, 3})},
                    {"tiny.proj.weight", Tensor::from_floats({1, 0, 0, 0, 1, 1}, {2, 3})},
                    {"tiny.proj.bias", Tensor::from_floats({0.5, 0}, {2})}},
                   d / "model.safetensors");
  auto m = AutoModelForSequenceClassification::from_pretrained(d.path.string());  // prefix stripped
  EXPECT_EQ(m->class_name(), "TinyModel");
  ModelInputs in{{"input_ids", Tensor::from_ints({1}, {1, 1})}};
  EXPECT_EQ(m->forward(in)["logits"].to_floats(), (std::vector<float>{1.5, 5}));
  auto r = AutoModelForSequenceClassification::from_config(m->config());  // random init
  EXPECT_EQ(r->get_parameter("proj.bias").to_floats(), (std::vector<float>{0, 0}));
}
