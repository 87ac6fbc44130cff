#include <fstream>

#include "test_util.hpp"

using namespace transformers;
using testutil::fixture;
using testutil::TempDir;

namespace {
std::string write_config(const TempDir& d, const std::string& sub, const std::string& json) {
  std::filesystem::create_directories(d.path / sub);
  std::ofstream(d / (sub + "/config.json")) << json;
  return d / sub;
}
ConfigSpec gpt_like() {
  ConfigSpec s;
  s.model_type = "my-gpt";
  s.class_name = "MyGPTConfig";
  s.defaults_json = R"({"n_embd": 768, "n_layer": 12, "n_head": 12, "layer_norm_epsilon": 1e-5})";
  s.attribute_map = {{"hidden_size", "n_embd"}, {"num_hidden_layers", "n_layer"}, {"num_attention_heads", "n_head"}};
  return s;
}
}  // namespace

TEST(Config, BertFromFixture) {
  PretrainedConfig c = AutoConfig::from_pretrained(fixture("bert/base"));
  EXPECT_EQ(c.model_type(), "bert");
  EXPECT_EQ(c.class_name(), "BertConfig");
  EXPECT_EQ(c.get_int("hidden_size"), 32);
  EXPECT_EQ(c.get_string("hidden_act"), "gelu");
  EXPECT_DOUBLE_EQ(c.get_float("layer_norm_eps"), 1e-12);
  EXPECT_EQ(c.architectures(), (std::vector<std::string>{"BertModel"}));
  EXPECT_EQ(c.dtype(), DType::F32);
  // Labels default to num_labels = 2.
  EXPECT_EQ(c.num_labels(), 2);
  EXPECT_EQ(c.id2label().at(1), "LABEL_1");
  EXPECT_EQ(c.label2id().at("LABEL_0"), 0);
  EXPECT_NE(c.to_diff_json_string().find("\"hidden_size\": 32"), std::string::npos);
  EXPECT_EQ(c.to_diff_json_string().find("\"hidden_dropout_prob\""), std::string::npos);  // equals the default
}

TEST(Config, DefaultsLabelsAndOverrides) {
  TempDir d;
  auto p = write_config(d, "a", R"({"model_type":"bert","torch_dtype":"bfloat16","id2label":{"0":"NEG","1":"POS","2":"MIX"},
                                   "x_custom": [1, 2]})");
  PretrainedConfig c = AutoConfig::from_pretrained(p);
  EXPECT_EQ(c.get_int("vocab_size"), 30522);  // class default
  EXPECT_EQ(c.dtype(), DType::BF16);           // legacy torch_dtype read into dtype
  EXPECT_EQ(c.num_labels(), 3);
  EXPECT_EQ(c.label2id().at("MIX"), 2);
  EXPECT_EQ(c.get_int_list("x_custom"), (std::vector<int64_t>{1, 2}));  // unknown keys are kept
  ConfigOptions o;
  o.overrides["num_hidden_layers"] = "3";
  EXPECT_EQ(AutoConfig::from_pretrained(p, o).get_int("num_hidden_layers"), 3);
  auto p2 = write_config(d, "b", R"({"model_type":"bert","num_labels":5})");
  EXPECT_EQ(AutoConfig::from_pretrained(p2).num_labels(), 5);
  auto p3 = write_config(d, "c", R"({"model_type":"bert","layer_norm_eps":{"__float__":"Infinity"}})");
  EXPECT_TRUE(std::isinf(AutoConfig::from_pretrained(p3).get_float("layer_norm_eps")));
}

TEST(Config, MalformedAndWrongTyped) {
  TempDir d;
  EXPECT_THROW(AutoConfig::from_pretrained(write_config(d, "a", R"({"model_type": "bert", )")), JsonError);
  EXPECT_THROW(AutoConfig::from_pretrained(write_config(d, "b", R"([1, 2])")), ConfigError);
  try {
    AutoConfig::from_pretrained(write_config(d, "c", R"({"model_type":"bert","hidden_size":"big"})"));
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("'hidden_size'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(AutoConfig::from_pretrained(write_config(d, "d", R"({"model_type":"bert","hidden_size":32.5})")), ConfigError);
  EXPECT_THROW(AutoConfig::from_pretrained(write_config(d, "e", R"({"model_type":7})")), ConfigError);
  EXPECT_THROW(AutoConfig::from_pretrained(write_config(d, "f", R"({"model_type":"bert","id2label":{"x":"A"}})")), ConfigError);
  EXPECT_THROW(AutoConfig::from_pretrained(write_config(d, "g", R"({"model_type":"bert","problem_type":"ranking"})")), ConfigError);
  EXPECT_THROW(AutoConfig::from_pretrained(write_config(d, "h", R"({"model_type":"bert","dtype":"float7"})")), ConfigError);
  EXPECT_THROW(AutoConfig::from_pretrained(d / "missing"), OSError);
  // A wrong-typed value is caught when read, too.
  PretrainedConfig c = AutoConfig::from_pretrained(write_config(d, "i", R"({"model_type":"bert","foo":"bar"})"));
  EXPECT_THROW(c.get_int("foo"), ConfigError);
  EXPECT_THROW(c.get_int("absent"), ConfigError);
  EXPECT_EQ(c.get_int("absent", 4), 4);
  // Invalid model dimensions are refused when the model is built.
  auto bad = write_config(d, "j", R"({"model_type":"bert","hidden_size":30,"num_attention_heads":4})");
  std::filesystem::copy(fixture("bert/base/model.safetensors"), d / "j/model.safetensors");
  EXPECT_THROW(AutoModel::from_pretrained(bad), ConfigError);
}

TEST(Config, UnknownModelTypeListsKnownTypes) {
  TempDir d;
  try {
    AutoConfig::from_pretrained(write_config(d, "a", R"({"model_type":"flux-capacitor"})"));
    FAIL();
  } catch (const ValueError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("has model type `flux-capacitor` but Transformers does not recognize this architecture"), std::string::npos);
    EXPECT_NE(m.find("bert"), std::string::npos);
  }
  try {
    AutoConfig::from_pretrained(write_config(d, "b", R"({"hidden_size": 3})"));
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("Should have a `model_type` key in its config.json"), std::string::npos);
  }
  EXPECT_THROW(AutoConfig::for_model("nope"), ValueError);
}

TEST(Config, ForModelAndRegister) {
  PretrainedConfig b = AutoConfig::for_model("bert", {{"hidden_size", "64"}});
  EXPECT_EQ(b.get_int("hidden_size"), 64);
  EXPECT_EQ(b.get_int("num_hidden_layers"), 12);
  // Python's consistency rules.
  EXPECT_THROW(AutoConfig::register_("other-name", gpt_like()), ValueError);
  EXPECT_THROW(AutoConfig::register_("bert", AutoConfig::spec_for("bert")), ValueError);
  AutoConfig::register_("my-gpt", gpt_like());
  AutoConfig::register_("my-gpt", gpt_like(), /*exist_ok=*/true);
  auto types = AutoConfig::model_types();
  EXPECT_NE(std::find(types.begin(), types.end(), "my-gpt"), types.end());
  // attribute_map aliases read the real keys, as GPT-2's n_embd <-> hidden_size.
  TempDir d;
  PretrainedConfig g = AutoConfig::from_pretrained(write_config(d, "g", R"({"model_type":"my-gpt","n_embd":48,"num_hidden_layers":3})"));
  EXPECT_EQ(g.get_int("hidden_size"), 48);
  EXPECT_EQ(g.get_int("n_embd"), 48);
  EXPECT_EQ(g.get_int("n_layer"), 3);  // written through the alias
  EXPECT_EQ(g.get_int("num_attention_heads"), 12);
  // Registered type with no model class for an Auto class: the HF error.
  std::filesystem::copy(fixture("bert/base/model.safetensors"), d / "g/model.safetensors");
  EXPECT_THROW(AutoModel::from_pretrained(d / "g"), ValueError);
}

TEST(Config, SubConfigs) {
  TempDir d;
  auto p = write_config(d, "a", R"({"model_type":"bert","text_config":{"model_type":"bert","hidden_size":16}})");
  PretrainedConfig c = AutoConfig::from_pretrained(p);
  auto t = c.sub_config("text_config");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->model_type(), "bert");
  EXPECT_EQ(t->get_int("hidden_size"), 16);
  EXPECT_EQ(t->get_int("num_hidden_layers"), 12);
  EXPECT_FALSE(c.sub_config("vision_config").has_value());
}
