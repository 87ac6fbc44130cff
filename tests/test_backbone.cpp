// AutoBackbone and the segmentation heads beyond what AutoMapping.AddedRowsMatchPython checks
// (fixtures/segmentation, scripts/make_segmentation_fixtures.py): output_hidden_states /
// output_attentions against Python's BackboneOutput / SemanticSegmenterOutput, out_features
// chosen at load time, and the configurations Python rejects.
#include <fstream>

#include "io/json.hpp"
#include "test_util.hpp"
#include "transformers/image_processing.hpp"
#include "transformers/modeling.hpp"
#include "transformers/pipelines.hpp"
#include "transformers/safetensors.hpp"

using namespace transformers;

namespace {
std::string dir_of(const std::string& name) { return testutil::fixture("segmentation/" + name); }

// Every case generated with output_hidden_states (and output_attentions where the model has them).
std::vector<testutil::FixtureCase> hidden_cases() {
  return testutil::index_cases(testutil::fixture("segmentation/index.json"), [](const Json& e) {
    return std::ifstream(testutil::fixture(e["dir"].get<std::string>() + "/outputs_hidden.safetensors")).good();
  });
}

class BackboneHidden : public ::testing::TestWithParam<testutil::FixtureCase> {};
INSTANTIATE_TEST_SUITE_P(Fixtures, BackboneHidden, ::testing::ValuesIn(hidden_cases()), testutil::CaseName());

TEST_P(BackboneHidden, HiddenStatesAndAttentionsMatchPython) {
  const Json& e = GetParam().entry;
  const std::string dir = testutil::fixture(e["dir"].get<std::string>());
  testutil::with_each_kernel_mode(dir, [&] {
    auto model = auto_model_from_pretrained(e["auto_class"].get<std::string>(), dir);
    const SafeTensorsFile ref = SafeTensorsFile::open(dir + "/outputs_hidden.safetensors");
    bool attentions = false;
    for (const auto& t : ref.tensors()) attentions = attentions || t.name.rfind("attentions.", 0) == 0;
    const ModelOutput out = model->forward(testutil::read_inputs_file(dir + "/inputs.safetensors"), {.output_hidden_states = true, .output_attentions = attentions});
    EXPECT_EQ(out.fields.size(), ref.tensors().size());
    for (const auto& t : ref.tensors()) {
      ASSERT_TRUE(out.has(t.name)) << "missing output " << t.name;
      EXPECT_TRUE(testutil::allclose(out[t.name], ref.get(t.name))) << t.name;
    }
    // BackboneOutput's field order: the feature maps first, then the recorded streams.
    if (out.has("feature_maps.0")) {
      size_t maps = 0;
      while (maps < out.fields.size() && out.fields[maps].first.rfind("feature_maps.", 0) == 0) ++maps;
      for (size_t i = maps; i < out.fields.size(); ++i) EXPECT_NE(out.fields[i].first.rfind("feature_maps.", 0), 0u) << out.fields[i].first;
      EXPECT_GT(maps, 0u);
    }
  });
}

// out_features / out_indices given at load (Python's AutoBackbone.from_pretrained(..., out_features=...)):
// each feature map is then that stage's hidden state from Python's output_hidden_states run.
TEST(Backbone, OutFeaturesChosenAtLoadSelectThoseStages) {
  const std::string dir = dir_of("resnet-ResNetBackbone");
  const SafeTensorsFile ref = SafeTensorsFile::open(dir + "/outputs_hidden.safetensors");
  const ModelInputs in = testutil::read_inputs_file(dir + "/inputs.safetensors");
  FromPretrainedOptions o;
  o.config_overrides = {{"out_features", R"(["stage1", "stage3"])"}, {"out_indices", "null"}};
  auto model = AutoBackbone::from_pretrained(dir, o);
  EXPECT_EQ(model->class_name(), "ResNetBackbone");
  ModelOutput out = model->forward(in);
  ASSERT_EQ(out.fields.size(), 2u);
  EXPECT_TRUE(testutil::allclose(out["feature_maps.0"], ref.get("hidden_states.1")));
  EXPECT_TRUE(testutil::allclose(out["feature_maps.1"], ref.get("hidden_states.3")));
  // Negative out_indices count from the end; neither given means the last stage.
  o.config_overrides = {{"out_features", "null"}, {"out_indices", "[0, -1]"}};
  out = AutoBackbone::from_pretrained(dir, o)->forward(in);
  ASSERT_EQ(out.fields.size(), 2u);
  EXPECT_TRUE(testutil::allclose(out["feature_maps.0"], ref.get("hidden_states.0")));
  EXPECT_TRUE(testutil::allclose(out["feature_maps.1"], ref.get("hidden_states.4")));
  o.config_overrides = {{"out_features", "null"}, {"out_indices", "null"}};
  out = AutoBackbone::from_pretrained(dir, o)->forward(in);
  ASSERT_EQ(out.fields.size(), 1u);
  EXPECT_TRUE(testutil::allclose(out["feature_maps.0"], ref.get("hidden_states.4")));
}

TEST(Backbone, BadStageSelectionsAreConfigErrors) {
  const std::string dir = dir_of("resnet-ResNetBackbone");
  // Each as BackboneConfigMixin.verify_out_features_out_indices rejects it.
  for (const auto& [features, indices] : std::vector<std::pair<std::string, std::string>>{
           {R"(["stage9"])", "null"},                 // not a stage
           {R"(["stage2", "stage1"])", "null"},       // out of order
           {R"(["stage1", "stage1"])", "null"},       // duplicated
           {"null", "[5]"},                           // out of range
           {"null", "[2, 1]"},                        // out of order
           {"null", "[1, -4]"},                       // the same stage twice
           {R"(["stage1"])", "[2]"},                  // both given, different stages
           {R"(["stage1", "stage2"])", "[1]"}}) {     // both given, different lengths
    FromPretrainedOptions o;
    o.config_overrides = {{"out_features", features}, {"out_indices", indices}};
    SCOPED_TRACE(features + " " + indices);
    EXPECT_THROW(AutoBackbone::from_pretrained(dir, o), ConfigError);
  }
}

TEST(Backbone, SegmentationAndFpnNeedFourStages) {
  FromPretrainedOptions o;
  o.config_overrides = {{"out_features", "null"}, {"out_indices", "[1, 2, 3]"}};
  EXPECT_THROW(AutoModelForSemanticSegmentation::from_pretrained(dir_of("beit-BeitForSemanticSegmentation"), o), ConfigError);
  EXPECT_THROW(AutoBackbone::from_pretrained(dir_of("beit-BeitBackbone-fpn"), o), ConfigError);
  // A model that is not a backbone class in Python has no AutoBackbone row.
  EXPECT_THROW(AutoBackbone::from_pretrained(dir_of("mobilenet_v2-MobileNetV2ForSemanticSegmentation")), ValueError);
}

// The image-segmentation pipeline over BEiT / MobileNetV2 with their own image processors: Python's
// post_process_semantic_segmentation (bilinear to the image size, argmax) gives the same labels and masks.
TEST(Backbone, SegmentationPipelinesMatchPython) {
  const Json want = parse_json_file(testutil::fixture("segmentation/pipeline.json"));
  const SafeTensorsFile masks = SafeTensorsFile::open(testutil::fixture("segmentation/pipeline_masks.safetensors"));
  ASSERT_EQ(want.size(), 2u);
  for (const auto& [dir, images] : want.items()) {
    const auto pipe = ImageSegmentationPipeline::from_pretrained(dir_of(dir));
    for (const auto& [name, labels] : images.items()) {
      SCOPED_TRACE(dir + " " + name);
      const Image image = load_image(testutil::fixture("images/" + name));
      const auto got = (*pipe)(image);
      ASSERT_EQ(got.size(), labels.size());
      for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].label, labels[i].get<std::string>());
        const Tensor m = masks.get(dir + "/" + name + "." + std::to_string(i));
        ASSERT_EQ(m.numel(), static_cast<int64_t>(got[i].mask.pixels.size()));
        const std::vector<int64_t> p = m.to(DType::I64).to_ints();
        int64_t diff = 0;
        for (size_t k = 0; k < p.size(); ++k) diff += got[i].mask.pixels[k] != p[k];
        EXPECT_EQ(diff, 0) << got[i].label;
      }
    }
  }
}

TEST(Backbone, WrongPixelValuesAreTypedErrors) {
  auto model = AutoBackbone::from_pretrained(dir_of("dinov2-Dinov2Backbone"));
  EXPECT_THROW(model->forward({}), ValueError);
  EXPECT_THROW(model->forward({{"pixel_values", Tensor::zeros({1, 3, 5})}}), Error);
  auto seg = AutoModelForSemanticSegmentation::from_pretrained(dir_of("mobilenet_v2-MobileNetV2ForSemanticSegmentation"));
  EXPECT_THROW(seg->forward({{"pixel_values", Tensor::zeros({1, 2, 33, 29})}}), ShapeMismatch);
}
}  // namespace
