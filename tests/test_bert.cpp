// BERT parity with Python transformers on the tiny fixtures (scripts/make_fixtures.py).
#include "models/modeling_utils.hpp"
#include "ops/ops.hpp"
#include "test_util.hpp"

using namespace transformers;
using testutil::allclose;
using testutil::fixture;

namespace {
ModelInputs inputs_of(const std::string& dir) {
  SafeTensorsFile f = SafeTensorsFile::open(dir + "/inputs.safetensors");
  ModelInputs in;
  for (const auto& t : f.tensors()) in[t.name] = f.get(t.name);
  return in;
}
Tensor expected(const std::string& dir, const std::string& name, const std::string& file = "outputs.safetensors") {
  return SafeTensorsFile::open(dir + "/" + file).get(name);
}
}  // namespace

TEST(Bert, BaseModelMatchesPython) {
  const std::string dir = fixture("bert/base");
  auto model = AutoModel::from_pretrained(dir);
  EXPECT_EQ(model->class_name(), "BertModel");
  EXPECT_TRUE(model->loading_info().missing_keys.empty());
  EXPECT_TRUE(model->loading_info().unexpected_keys.empty());
  ModelOutput out = model->forward(inputs_of(dir));
  ASSERT_EQ(out.fields.size(), 2u);
  EXPECT_EQ(out.fields[0].first, "last_hidden_state");
  EXPECT_TRUE(allclose(out["last_hidden_state"], expected(dir, "last_hidden_state")));
  EXPECT_TRUE(allclose(out["pooler_output"], expected(dir, "pooler_output")));
}

TEST(Bert, ReferenceKernelsGiveTheSameAnswer) {
  const std::string dir = fixture("bert/base");
  auto model = AutoModel::from_pretrained(dir);
  ops::set_reference_mode(true);
  ModelOutput out = model->forward(inputs_of(dir));
  ops::set_reference_mode(false);
  EXPECT_TRUE(allclose(out["last_hidden_state"], expected(dir, "last_hidden_state")));
  EXPECT_TRUE(allclose(out["pooler_output"], expected(dir, "pooler_output")));
}

TEST(Bert, MaskedLMWithTiedDecoder) {
  const std::string dir = fixture("bert/mlm");
  auto model = AutoModelForMaskedLM::from_pretrained(dir);
  EXPECT_EQ(model->class_name(), "BertForMaskedLM");
  const auto& info = model->loading_info();
  EXPECT_TRUE(info.missing_keys.empty());
  EXPECT_TRUE(info.unexpected_keys.empty());
  // The decoder is tied to the word embeddings: the same storage, not a copy.
  EXPECT_EQ(model->get_parameter("cls.predictions.decoder.weight").data_ptr(),
            model->get_parameter("bert.embeddings.word_embeddings.weight").data_ptr());
  ModelOutput out = model->forward(inputs_of(dir));
  EXPECT_TRUE(allclose(out["logits"], expected(dir, "logits")));
}

TEST(Bert, BaseModelFromHeadCheckpointStripsPrefix) {
  const std::string dir = fixture("bert/mlm");
  auto model = AutoModel::from_pretrained(dir);
  const auto& info = model->loading_info();
  // Python: the MLM checkpoint has no pooler (newly initialized) and its cls.* weights are unused.
  EXPECT_EQ(info.missing_keys, (std::vector<std::string>{"pooler.dense.bias", "pooler.dense.weight"}));
  EXPECT_FALSE(info.unexpected_keys.empty());
  ModelOutput out = model->forward(inputs_of(dir));
  EXPECT_TRUE(allclose(out["last_hidden_state"], expected(dir, "last_hidden_state", "outputs_automodel.safetensors")));
}

TEST(Bert, HeadModelFromBaseCheckpointAddsPrefix) {
  auto model = AutoModelForMaskedLM::from_pretrained(fixture("bert/base"));
  const auto& info = model->loading_info();
  // Every bert.* weight found under the added prefix; only the MLM transform is new.
  for (const auto& k : info.missing_keys) EXPECT_EQ(k.rfind("cls.predictions.", 0), 0u) << k;
  EXPECT_EQ(info.unexpected_keys, (std::vector<std::string>{"pooler.dense.bias", "pooler.dense.weight"}));
  EXPECT_EQ(model->get_parameter("bert.encoder.layer.1.output.dense.weight").to_floats(),
            SafeTensorsFile::open(fixture("bert/base/model.safetensors")).get("encoder.layer.1.output.dense.weight").to_floats());
}

TEST(Bert, ShardedCheckpoint) {
  const std::string dir = fixture("bert/sharded");
  auto model = AutoModel::from_pretrained(dir);
  ModelOutput out = model->forward(inputs_of(dir));
  EXPECT_TRUE(allclose(out["last_hidden_state"], expected(dir, "last_hidden_state")));
  EXPECT_TRUE(allclose(out["pooler_output"], expected(dir, "pooler_output")));
}

TEST(Bert, Bf16CheckpointZeroCopyAndUpcast) {
  const std::string dir = fixture("bert/bf16");
  // dtype auto: the config says bfloat16, so matrices stay bf16 and are views of the mmap.
  auto model = AutoModel::from_pretrained(dir);
  EXPECT_EQ(model->get_parameter("encoder.layer.0.attention.self.query.weight").dtype(), DType::BF16);
  EXPECT_GT(model->loading_info().zero_copy_tensors, 0u);
  ModelOutput out = model->forward(inputs_of(dir));
  // Python computes this in bf16 end to end; we keep fp32 activations, so compare loosely.
  EXPECT_TRUE(allclose(out["last_hidden_state"], expected(dir, "last_hidden_state", "outputs_bf16.safetensors"), 0.1, 0.05));
  // dtype float32: the same bf16 weights widened exactly; fp32 parity with Python's fp32 run.
  FromPretrainedOptions o;
  o.dtype = "float32";
  auto m32 = AutoModel::from_pretrained(dir, o);
  EXPECT_EQ(m32->get_parameter("encoder.layer.0.attention.self.query.weight").dtype(), DType::F32);
  ModelOutput o32 = m32->forward(inputs_of(dir));
  EXPECT_TRUE(allclose(o32["last_hidden_state"], expected(dir, "last_hidden_state")));
  EXPECT_TRUE(allclose(o32["pooler_output"], expected(dir, "pooler_output")));
  EXPECT_TRUE(allclose(out["last_hidden_state"], o32["last_hidden_state"], 1e-4, 1e-3));
}

TEST(Bert, WeightsAreZeroCopyWhenDtypeMatches) {
  const std::string dir = fixture("bert/base");
  auto model = AutoModel::from_pretrained(dir);
  SafeTensorsFile f = SafeTensorsFile::open(dir + "/model.safetensors");
  // A different mapping of the same file; compare content, and check the model's tensors are
  // inside *some* mapping by their count (every fp32 tensor was taken without conversion).
  EXPECT_EQ(model->loading_info().converted_tensors, 0u);
  EXPECT_EQ(model->loading_info().zero_copy_tensors, f.tensors().size());
}

TEST(Bert, BadInputsAreTypedErrors) {
  auto model = AutoModel::from_pretrained(fixture("bert/base"));
  ModelInputs in;
  EXPECT_THROW(model->forward(in), ValueError);  // no input_ids
  in["input_ids"] = Tensor::from_ints({1, 2, 3}, {3});
  EXPECT_THROW(model->forward(in), ShapeMismatch);  // not [batch, seq]
  in["input_ids"] = Tensor::from_ints({1, 2000}, {1, 2});
  EXPECT_THROW(model->forward(in), ValueError);  // id beyond the vocabulary
  in["input_ids"] = Tensor::from_ints({1, 2}, {1, 2});
  in["attention_mask"] = Tensor::from_ints({1, 1, 1}, {1, 3});
  EXPECT_THROW(model->forward(in), ShapeMismatch);
  in.erase("attention_mask");
  in["input_ids"] = Tensor::zeros({1, 65}, DType::I64);
  EXPECT_THROW(model->forward(in), ValueError);  // longer than max_position_embeddings
}

TEST(Bert, UnknownAutoClassMappingIsHfError) {
  try {
    AutoModelForSeq2SeqLM::from_pretrained(fixture("bert/base"));  // Python maps no BERT class there
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("Unrecognized configuration class BertConfig for this kind of AutoModel: AutoModelForSeq2SeqLM"),
              std::string::npos);
  }
  EXPECT_THROW(auto_model_from_pretrained("AutoModelForNothing", fixture("bert/base")), ValueError);
}
