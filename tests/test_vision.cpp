// Vision models against Python (fixtures/vision, made by scripts/make_vision_fixtures.py).
#include "io/json.hpp"
#include "ops/ops.hpp"
#include "test_util.hpp"

using namespace transformers;

namespace {
const std::string kDir = testutil::fixture("vision");
}

// One instance per case of fixtures/vision/cases.json, named after its folder.
namespace {
class Vision : public ::testing::TestWithParam<testutil::FixtureCase> {};
INSTANTIATE_TEST_SUITE_P(Fixtures, Vision, ::testing::ValuesIn(testutil::index_cases(kDir + "/cases.json")), testutil::CaseName());

TEST_P(Vision, EveryArchitectureAndAutoClassMatchesPython) {
  const Json& c = GetParam().entry;
  const ModelInputs all = testutil::read_inputs(kDir);
  const std::string dir = c["dir"];
  SCOPED_TRACE(dir);
  for (const bool reference : {false, true}) {
    ops::set_reference_mode(reference);
    const auto model = auto_model_from_pretrained(c["auto_class"], kDir + "/" + dir);
    ModelInputs in;
    if (c.value("square", false)) {
      in["pixel_values"] = all.at("square.pixel_values");
      if (c["auto_class"] == "AutoModelForMaskedImageModeling") in["bool_masked_pos"] = all.at(c.value("mask", std::string("square.bool_masked_pos")));
    } else {
      in["pixel_values"] = all.at("pixel_values");
    }
    const ModelOutput out = model->forward(in);
    const SafeTensorsFile gold = SafeTensorsFile::open(kDir + "/" + c.value("goldens_from", dir) + "/goldens.safetensors");
    for (const auto& name : c["outputs"]) EXPECT_TRUE(testutil::allclose(out[name.get<std::string>()], gold.get(name.get<std::string>()))) << name;
  }
  ops::set_reference_mode(false);
}
}  // namespace

// interpolate_pos_encoding: ViT, DeiT (two prefix tokens), CLIP and SigLIP vision towers on images
// of a size they were not configured for, positions resized bicubically as Python does; BEiT
// (relative position biases resized bilinearly, absolute positions bicubically) at any size.
namespace {
class VisionInterpolate : public ::testing::TestWithParam<testutil::FixtureCase> {};
INSTANTIATE_TEST_SUITE_P(Fixtures, VisionInterpolate, ::testing::ValuesIn(testutil::index_cases(kDir + "/interpolate/cases.json")),
                         testutil::CaseName());

TEST_P(VisionInterpolate, InterpolatePosEncodingMatchesPython) {
  const Json& c = GetParam().entry;
  const std::string dir = kDir + "/interpolate";
  const SafeTensorsFile gold = SafeTensorsFile::open(dir + "/goldens.safetensors");
  const Tensor pixels = gold.get("pixel_values");
  const std::string folder = c["dir"];
  SCOPED_TRACE(folder);
  const std::string cls = c["class"];
  const auto model = auto_model_from_pretrained(cls.find("ImageClassification") != std::string::npos ? "AutoModelForImageClassification" : "AutoModel",
                                                testutil::fixture(folder));
  const bool beit = cls.rfind("Beit", 0) == 0;  // BEiT takes any size, flag or not
  if (!beit) {
    EXPECT_THROW(model->forward({{"pixel_values", pixels}}), ValueError);  // another size needs interpolate_pos_encoding
  }
  EXPECT_THROW(model->forward({{"pixel_values", pixels}, {"interpolate_pos_encoding", Tensor::full({2}, 1.0)}}), ValueError);  // one value
  for (const bool flag : {true, false}) {
    if (!flag && !beit) continue;
    ModelInputs in{{"pixel_values", pixels}};
    if (flag) in["interpolate_pos_encoding"] = Tensor::full({1}, 1.0);
    const ModelOutput out = model->forward(in);
    for (const auto& name : c["outputs"])
      EXPECT_TRUE(testutil::allclose(out[name.get<std::string>()], gold.get(folder + "." + name.get<std::string>()))) << name;
  }
}
}  // namespace

TEST(Vision, ImageClassificationPipelineMatchesPython) {
  const Json want = parse_json_file(kDir + "/pipeline.json");
  const auto pipe = ImageClassificationPipeline::from_pretrained(kDir + "/vit-pipeline");
  std::vector<std::string> paths;
  for (const auto& n : want["images"]) paths.push_back(testutil::fixture("images/" + n.get<std::string>()));
  for (const auto& [key, k] : {std::pair{"top_k_default", std::optional<int64_t>(5)}, std::pair{"top_k_2", std::optional<int64_t>(2)}}) {
    const auto got = pipe->classify_files(paths, k);
    ASSERT_EQ(got.size(), want[key].size());
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_EQ(got[i].size(), want[key][i].size()) << key;
      for (size_t j = 0; j < got[i].size(); ++j) {
        EXPECT_EQ(got[i][j].label, want[key][i][j]["label"].get<std::string>());
        EXPECT_NEAR(got[i][j].score, want[key][i][j]["score"].get<double>(), 1e-5);
      }
    }
  }
}

TEST(Vision, WrongImageSizeOrChannelsIsATypedError) {
  const auto model = AutoModelForImageClassification::from_pretrained(kDir + "/ViTForImageClassification");
  EXPECT_THROW(model->forward({{"pixel_values", Tensor::zeros({1, 3, 32, 32})}}), ValueError);
  EXPECT_THROW(model->forward({{"pixel_values", Tensor::zeros({1, 1, 32, 48})}}), ShapeMismatch);
  EXPECT_THROW(model->forward({{"pixel_values", Tensor::zeros({3, 32, 48})}}), ShapeMismatch);
  EXPECT_THROW(model->forward({}), ValueError);
  // DPT-Hybrid and DPT on a separate backbone are refused by name, not run wrongly.
  Json dpt = parse_json_file(kDir + "/DPTForDepthEstimation/config.json");
  for (const auto& [key, value] : {std::pair<std::string, Json>{"is_hybrid", true}, {"backbone_config", Json{{"model_type", "dinov2"}}},
                                   {"add_projection", true}}) {
    Json c = dpt;
    c[key] = value;
    EXPECT_THROW(AutoModelForDepthEstimation::from_config(AutoConfig::from_json_string(c.dump())), ConfigError) << key;
  }
}

TEST(Vision, ImageSegmentationPipelineMatchesPython) {
  const Json want = parse_json_file(kDir + "/pipeline.json")["segmentation"];
  const SafeTensorsFile masks = SafeTensorsFile::open(kDir + "/segmentation_masks.safetensors");
  const auto pipe = ImageSegmentationPipeline::from_pretrained(kDir + "/segformer-pipeline");
  for (const auto& [name, labels] : want.items()) {
    SCOPED_TRACE(name);
    const Image image = load_image(testutil::fixture("images/" + name));
    const auto got = (*pipe)(image);
    ASSERT_EQ(got.size(), labels.size());
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].label, labels[i].get<std::string>());
      EXPECT_FALSE(got[i].score.has_value());
      const Tensor m = masks.get(name + "." + std::to_string(i));
      ASSERT_EQ(m.size(0), image.height);
      ASSERT_EQ(m.size(1), image.width);
      // Pixels whose two best classes tie to float rounding may flip; none do on these inputs.
      const uint8_t* p = m.data<uint8_t>();
      int64_t diff = 0;
      for (size_t k = 0; k < got[i].mask.pixels.size(); ++k) diff += got[i].mask.pixels[k] != p[k];
      EXPECT_EQ(diff, 0) << got[i].label;
    }
  }
}

TEST(Vision, DptProcessorAndDepthEstimationPipelineMatchPython) {
  const SafeTensorsFile gold = SafeTensorsFile::open(kDir + "/depth_goldens.safetensors");
  const auto pipe = DepthEstimationPipeline::from_pretrained(kDir + "/depth-pipeline");
  const Json cases = parse_json_file(kDir + "/pipeline.json");
  ASSERT_EQ(cases["depth"].size(), 3u);
  for (const auto& name : cases["depth"]) {
    const std::string n = name.get<std::string>();
    SCOPED_TRACE(n);
    const Image image = load_image(testutil::fixture("images/" + n));
    // keep_aspect_ratio + ensure_multiple_of: each image its own size, both backends.
    for (const std::string backend : {"torchvision", "pil"}) {
      const auto ip = AutoImageProcessor::from_pretrained(kDir + "/depth-pipeline", {}, {backend});
      EXPECT_TRUE(testutil::allclose((*ip)({image}).at("pixel_values"), gold.get(n + ".pixel_values." + backend), 1e-5, 1e-5)) << backend;
    }
    const DepthResult r = (*pipe)(image);
    EXPECT_TRUE(testutil::allclose(r.predicted_depth, gold.get(n + ".predicted_depth")));
    const Tensor want = gold.get(n + ".depth");
    ASSERT_EQ(want.size(0), r.depth.height);
    ASSERT_EQ(want.size(1), r.depth.width);
    // The 0..255 picture truncates: a value a hair from an integer may land one lower.
    const uint8_t* p = want.data<uint8_t>();
    int64_t off = 0;
    for (size_t i = 0; i < r.depth.pixels.size(); ++i) {
      EXPECT_LE(std::abs(int(r.depth.pixels[i]) - int(p[i])), 1);
      off += r.depth.pixels[i] != p[i];
    }
    EXPECT_LE(off, static_cast<int64_t>(r.depth.pixels.size()) / 100);
  }
}
