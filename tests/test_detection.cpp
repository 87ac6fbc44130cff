// DETR, DetrImageProcessor and the object-detection pipeline against Python (fixtures/detection,
// made by scripts/make_detection_fixtures.py).
#include "io/json.hpp"
#include "models/resnet/modeling_resnet.hpp"
#include "ops/ops.hpp"
#include "test_util.hpp"

using namespace transformers;

namespace {
const std::string kDir = testutil::fixture("detection");

std::vector<Image> fixture_images(const Json& names) {
  std::vector<Image> images;
  for (const auto& n : names) images.push_back(load_image(testutil::fixture("images/" + n.get<std::string>())));
  return images;
}
}  // namespace

TEST(Detection, DetrImageProcessorMatchesPython) {
  const Json want = parse_json_file(kDir + "/processors.json");
  const std::vector<Image> images = fixture_images(want["images"]);
  for (const auto& c : want["cases"])
    for (const std::string backend : {"torchvision", "pil"}) {
      const std::string name = c["name"];
      SCOPED_TRACE(name + " " + backend);
      const auto proc = AutoImageProcessor::from_json_string(c["config"].dump(), {backend});
      EXPECT_EQ(proc->class_name(), "DetrImageProcessor");
      const BatchFeature got = (*proc)(images);
      const SafeTensorsFile gold = SafeTensorsFile::open(kDir + "/proc_" + name + "_" + backend + ".safetensors");
      EXPECT_TRUE(testutil::allclose(got.at("pixel_values"), gold.get("pixel_values"), 1e-5, 1e-5));
      const bool padded = name != "no_pad";
      EXPECT_EQ(got.count("pixel_mask") == 1, padded);
      if (padded) {
        EXPECT_EQ(got.at("pixel_mask").to_ints(), gold.get("pixel_mask").to_ints());
      }
    }
  // pad_size smaller than an image, an unusable size.
  EXPECT_THROW((*AutoImageProcessor::from_json_string(R"({"image_processor_type": "DetrImageProcessor", "size": {"height": 30, "width": 44},
                                                          "pad_size": {"height": 20, "width": 20}})"))(images), ValueError);
  EXPECT_THROW(AutoImageProcessor::from_json_string(R"({"image_processor_type": "DetrImageProcessor", "size": {"shortest_edge": 30}})"), ConfigError);
}

// One instance per case of fixtures/detection/cases.json, named after its folder.
namespace {
class Detection : public ::testing::TestWithParam<testutil::FixtureCase> {};
INSTANTIATE_TEST_SUITE_P(Fixtures, Detection, ::testing::ValuesIn(testutil::index_cases(kDir + "/cases.json")), testutil::CaseName());

TEST_P(Detection, DetrMatchesPythonOnAPaddedBatch) {
  const Json& c = GetParam().entry;
  const ModelInputs in = testutil::read_inputs(kDir);
  const std::string dir = c["dir"];
  const SafeTensorsFile gold = SafeTensorsFile::open(kDir + "/" + dir + "/goldens.safetensors");
  testutil::with_each_kernel_mode(dir, [&] {
    const auto model = auto_model_from_pretrained(c["auto_class"], kDir + "/" + dir);
    const ModelOutput out = model->forward(in);
    for (const auto& name : c["outputs"]) EXPECT_TRUE(testutil::allclose(out[name.get<std::string>()], gold.get(name.get<std::string>()))) << name;
  });
}
}  // namespace

TEST(Detection, DetrPixelMaskIsOptionalAndChecked) {
  const ModelInputs in = testutil::read_inputs(kDir);
  // Without pixel_mask every pixel counts; a mask of the wrong shape is refused.
  const auto model = AutoModelForObjectDetection::from_pretrained(kDir + "/DetrForObjectDetection");
  EXPECT_NO_THROW(model->forward({{"pixel_values", in.at("pixel_values")}}));
  EXPECT_THROW(model->forward({{"pixel_values", in.at("pixel_values")}, {"pixel_mask", in.at("pixel_mask").slice(0, 0, 1).contiguous()}}), ShapeMismatch);
  EXPECT_THROW(model->forward({}), ValueError);
}

TEST(Detection, ObjectDetectionPipelineMatchesPython) {
  const Json want = parse_json_file(kDir + "/pipeline.json");
  const std::vector<Image> images = fixture_images(want["images"]);
  const auto pipe = ObjectDetectionPipeline::from_pretrained(kDir + "/" + want["dir"].get<std::string>());
  size_t total = 0;
  for (size_t i = 0; i < images.size(); ++i) {
    SCOPED_TRACE(want["images"][i].get<std::string>());
    const auto got = (*pipe)(images[i], want["threshold"].get<double>());
    const Json& expected = want["results"][i];
    ASSERT_EQ(got.size(), expected.size());
    for (size_t j = 0; j < got.size(); ++j) {
      EXPECT_NEAR(got[j].score, expected[j]["score"].get<double>(), 1e-5);
      EXPECT_EQ(got[j].label, expected[j]["label"].get<std::string>());
      // Identical boxes in whole pixels (truncated, as Python does).
      const Json& b = expected[j]["box"];
      EXPECT_EQ(got[j].xmin, b["xmin"].get<int64_t>());
      EXPECT_EQ(got[j].ymin, b["ymin"].get<int64_t>());
      EXPECT_EQ(got[j].xmax, b["xmax"].get<int64_t>());
      EXPECT_EQ(got[j].ymax, b["ymax"].get<int64_t>());
    }
    total += got.size();
    // The drawn copy changes pixels on box edges only.
    const Image drawn = draw_detections(images[i], got);
    EXPECT_EQ(drawn.pixels.size(), images[i].pixels.size());
    EXPECT_EQ(drawn.pixels != images[i].pixels, !got.empty());
  }
  EXPECT_GT(total, 0u);
  EXPECT_TRUE((*pipe)(images[0], 1.0).empty());  // no softmax score exceeds 1
}

TEST(Detection, TimmResNetNamesAndBackbones) {
  // The Hub's DETR checkpoints name their timm ResNet as torchvision does.
  EXPECT_EQ(resnet::rename_timm("conv1.weight"), "embedder.embedder.convolution.weight");
  EXPECT_EQ(resnet::rename_timm("bn1.running_var"), "embedder.embedder.normalization.running_var");
  EXPECT_EQ(resnet::rename_timm("layer1.0.conv3.weight"), "encoder.stages.0.layers.0.layer.2.convolution.weight");
  EXPECT_EQ(resnet::rename_timm("layer4.2.bn2.bias"), "encoder.stages.3.layers.2.layer.1.normalization.bias");
  EXPECT_EQ(resnet::rename_timm("layer2.0.downsample.0.weight"), "encoder.stages.1.layers.0.shortcut.convolution.weight");
  EXPECT_EQ(resnet::rename_timm("layer2.0.downsample.1.running_mean"), "encoder.stages.1.layers.0.shortcut.normalization.running_mean");
  EXPECT_EQ(resnet::rename_timm("fc.weight"), "fc.weight");
  // facebook/detr-resnet-50's config.json: a timm resnet50 backbone, no backbone_config. The model
  // builds with ResNet-50's shapes and names.
  Json cfg = parse_json_file(kDir + "/DetrForObjectDetection/config.json");
  cfg.erase("backbone_config");
  cfg["use_timm_backbone"] = true;
  cfg["backbone"] = "resnet50";
  const auto model = AutoModelForObjectDetection::from_config(AutoConfig::from_json_string(cfg.dump()));
  const auto names = model->parameter_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "model.backbone.conv_encoder.model.encoder.stages.2.layers.5.layer.2.convolution.weight"), names.end());
  EXPECT_EQ(model->get_parameter("model.input_projection.weight").shape(), (Shape{32, 2048, 1, 1}));
  // v5 re-saves that config with a timm_backbone sub-config.
  cfg["backbone_config"] = Json{{"model_type", "timm_backbone"}, {"backbone", "resnet18"}};
  EXPECT_EQ(AutoModelForObjectDetection::from_config(AutoConfig::from_json_string(cfg.dump()))->get_parameter("model.input_projection.weight").shape(),
            (Shape{32, 512, 1, 1}));
  cfg["backbone_config"]["backbone"] = "efficientnet_b0";
  EXPECT_THROW(AutoModelForObjectDetection::from_config(AutoConfig::from_json_string(cfg.dump())), ConfigError);
  cfg.erase("backbone_config");
  cfg["dilation"] = true;
  EXPECT_THROW(AutoModelForObjectDetection::from_config(AutoConfig::from_json_string(cfg.dump())), ConfigError);
}

// DetrForSegmentation under both Auto classes Python maps it to; configurations its mask head
// cannot take are refused up front.
TEST(Detection, DetrForSegmentationAutoClassesAndChecks) {
  const std::string dir = kDir + "/DetrForSegmentation";
  EXPECT_EQ(AutoModelForImageSegmentation::from_pretrained(dir)->class_name(), "DetrForSegmentation");
  const auto universal = AutoModelForUniversalSegmentation::from_pretrained(dir);
  EXPECT_EQ(universal->class_name(), "DetrForSegmentation");
  EXPECT_TRUE(universal->loading_info().missing_keys.empty());
  const ModelInputs in = testutil::read_inputs(kDir);
  const SafeTensorsFile gold = SafeTensorsFile::open(dir + "/goldens.safetensors");
  EXPECT_TRUE(testutil::allclose(universal->forward(in)["pred_masks"], gold.get("pred_masks")));
  Json cfg = parse_json_file(dir + "/config.json");
  Json two_maps = cfg;
  two_maps["backbone_config"]["out_features"] = Json::array({"stage3", "stage4"});
  EXPECT_THROW(AutoModelForImageSegmentation::from_config(AutoConfig::from_json_string(two_maps.dump())), ConfigError);
  Json heads = cfg;
  heads["encoder_attention_heads"] = 4;  // d_model 32 + 4 heads is not a multiple of 8
  EXPECT_THROW(AutoModelForImageSegmentation::from_config(AutoConfig::from_json_string(heads.dump())), ConfigError);
  Json unordered = cfg;
  unordered["backbone_config"]["out_features"] = Json::array({"stage2", "stage1", "stage4"});
  EXPECT_THROW(AutoModelForImageSegmentation::from_config(AutoConfig::from_json_string(unordered.dump())), ConfigError);
  EXPECT_THROW(universal->forward({{"pixel_values", in.at("pixel_values")}, {"pixel_mask", in.at("pixel_mask").slice(0, 0, 1).contiguous()}}),
               ShapeMismatch);
}

// DetrImageProcessor's semantic / instance / panoptic post-processing against Python's on the
// same DetrForSegmentation-shaped outputs (segmentation.json / .safetensors; random queries that
// differ, which a tiny random model's do not).
TEST(Detection, DetrSegmentationPostProcessingMatchesPython) {
  const Json want = parse_json_file(kDir + "/segmentation.json");
  const SafeTensorsFile maps = SafeTensorsFile::open(kDir + "/segmentation.safetensors");
  ModelOutput outputs;
  outputs.set("logits", maps.get("outputs.logits"));
  outputs.set("pred_masks", maps.get("outputs.pred_masks"));
  size_t segments = 0;
  for (const Json& call : want["calls"]) {
    const std::string name = call["name"], kind = call["kind"];
    SCOPED_TRACE(name);
    const Json& kw = call["kwargs"];
    std::vector<std::pair<int64_t, int64_t>> sizes;
    for (const Json& s : kw.value("target_sizes", Json::array())) sizes.emplace_back(s[0].get<int64_t>(), s[1].get<int64_t>());
    if (kind == "semantic") {
      std::vector<Tensor> scores;
      const std::vector<Tensor> got = post_process_semantic_segmentation(outputs, sizes, &scores);
      ASSERT_EQ(got.size(), call["results"].size());
      for (size_t i = 0; i < got.size(); ++i) {
        const std::string key = name + "." + std::to_string(i);
        EXPECT_EQ(got[i].shape(), maps.get(key + ".segmentation").shape());
        EXPECT_EQ(got[i].to_ints(), maps.get(key + ".segmentation").to_ints());
        EXPECT_TRUE(testutil::allclose(scores[i], maps.get(key + ".segmentation_scores")));
      }
      continue;
    }
    SegmentationPostProcessOptions o;
    o.threshold = kw.value("threshold", 0.5);
    o.mask_threshold = kw.value("mask_threshold", 0.5);
    o.overlap_mask_area_threshold = kw.value("overlap_mask_area_threshold", 0.8);
    o.target_sizes = sizes;
    o.return_coco_annotation = kw.value("return_coco_annotation", false);
    for (const Json& l : kw.value("label_ids_to_fuse", Json::array())) o.label_ids_to_fuse.push_back(l.get<int64_t>());
    const auto got = kind == "instance" ? post_process_instance_segmentation(outputs, o) : post_process_panoptic_segmentation(outputs, o);
    ASSERT_EQ(got.size(), call["results"].size());
    for (size_t i = 0; i < got.size(); ++i) {
      const std::string key = name + "." + std::to_string(i) + ".segmentation";
      if (call["results"][i].contains("rle")) {
        // Python hands the run-length encoding over instead of the map.
        EXPECT_EQ(got[i].rle, call["results"][i]["rle"].get<std::vector<std::vector<int64_t>>>());
        EXPECT_FALSE(got[i].rle.empty());
      } else {
        EXPECT_TRUE(got[i].rle.empty());
        EXPECT_EQ(got[i].segmentation.shape(), maps.get(key).shape());
        EXPECT_EQ(got[i].segmentation.to_ints(), maps.get(key).to_ints());
      }
      const Json& info = call["results"][i]["segments_info"];
      ASSERT_EQ(got[i].segments_info.size(), info.size());
      for (size_t j = 0; j < info.size(); ++j) {
        EXPECT_EQ(got[i].segments_info[j].id, info[j]["id"].get<int64_t>());
        EXPECT_EQ(got[i].segments_info[j].label_id, info[j]["label_id"].get<int64_t>());
        EXPECT_EQ(got[i].segments_info[j].was_fused, info[j]["was_fused"].get<bool>());
        EXPECT_NEAR(got[i].segments_info[j].score, info[j]["score"].get<double>(), 2e-6);
      }
      segments += info.size();
    }
  }
  EXPECT_GT(segments, 0u);
  // Target sizes must cover the batch; outputs without masks are refused.
  SegmentationPostProcessOptions one;
  one.target_sizes = {{10, 10}};
  EXPECT_THROW(post_process_panoptic_segmentation(outputs, one), ValueError);
  ModelOutput boxes_only;
  boxes_only.set("logits", maps.get("outputs.logits"));
  EXPECT_THROW(post_process_semantic_segmentation(boxes_only), ValueError);
}

TEST(Detection, ImageSegmentationPipelineOnDetrMatchesPython) {
  const Json want = parse_json_file(kDir + "/segmentation.json")["pipeline"];
  const SafeTensorsFile maps = SafeTensorsFile::open(kDir + "/segmentation.safetensors");
  const std::vector<Image> images = fixture_images(want["images"]);
  const auto pipe = ImageSegmentationPipeline::from_pretrained(kDir + "/DetrForSegmentation");
  ImageSegmentationPipeline::Options o;
  o.threshold = want["threshold"].get<double>();
  o.mask_threshold = want["mask_threshold"].get<double>();
  o.overlap_mask_area_threshold = want["overlap_mask_area_threshold"].get<double>();
  size_t total = 0;
  for (size_t i = 0; i < images.size(); ++i) {
    const std::string name = want["images"][i];
    SCOPED_TRACE(name);
    const auto got = (*pipe)(images[i], o);
    const Json& expected = want["results"][i];
    ASSERT_EQ(got.size(), expected.size());
    for (size_t j = 0; j < got.size(); ++j) {
      EXPECT_EQ(got[j].label, expected[j]["label"].get<std::string>());
      ASSERT_TRUE(got[j].score.has_value());
      EXPECT_NEAR(*got[j].score, expected[j]["score"].get<double>(), 2e-6);
      const Tensor mask = maps.get("pipeline." + name + "." + std::to_string(j));
      ASSERT_EQ(mask.shape(), (Shape{got[j].mask.height, got[j].mask.width}));
      const auto want_pixels = mask.to_ints();
      EXPECT_EQ(std::vector<int64_t>(got[j].mask.pixels.begin(), got[j].mask.pixels.end()), want_pixels);
    }
    total += got.size();
  }
  EXPECT_GT(total, 0u);
  o.subtask = "depth";
  EXPECT_THROW((*pipe)(images[0], o), ValueError);
}
