// LlavaNextImageProcessor (anyres: the best image_grid_pinpoints resolution, resize + centred
// padding, tiles, the base view; image_sizes) against Python on fixtures/images' pictures, both
// backends (fixtures/llava_next, made by scripts/make_llava_next_fixtures.py).
#include <filesystem>
#include <fstream>

#include "io/json.hpp"
#include "test_util.hpp"

using namespace transformers;

namespace {
const std::string kDir = testutil::fixture("llava_next");

std::vector<Image> inputs(const Json& c) {
  std::vector<Image> v;
  for (const auto& n : c["inputs"]) v.push_back(load_image(testutil::fixture("images/" + n.get<std::string>())));
  return v;
}
}  // namespace

TEST(LlavaNextImageProcessor, BatchMatchesPython) {
  const Json c = parse_json_file(kDir + "/cases.json");
  const SafeTensorsFile gold = SafeTensorsFile::open(kDir + "/goldens.safetensors");
  const std::vector<Image> images = inputs(c);
  ASSERT_EQ(c["processors"].size(), 2u);
  for (const auto& [name, cls] : c["processors"].items()) {
    for (const std::string backend : {"torchvision", "pil"}) {
      SCOPED_TRACE(name + " " + backend);
      const auto proc = AutoImageProcessor::from_pretrained(kDir + "/" + name, {}, {backend});
      EXPECT_EQ(proc->class_name(), cls.get<std::string>());
      EXPECT_EQ(proc->backend(), backend);
      const BatchFeature out = (*proc)(images);
      const std::string key = name + "." + backend;
      EXPECT_TRUE(testutil::allclose(out.at("pixel_values"), gold.get(key + ".pixel_values"), 1e-5, 1e-5));
      const Tensor sizes = out.at("image_sizes"), want = gold.get(key + ".image_sizes");
      ASSERT_EQ(sizes.shape(), want.shape());
      ASSERT_EQ(sizes.dtype(), DType::I64);
      for (int64_t i = 0; i < want.numel(); ++i) EXPECT_EQ(sizes.data<int64_t>()[i], want.data<int64_t>()[i]) << i;
    }
  }
}

// One image alone: its own patch count (no padding), the batch's first rows.
TEST(LlavaNextImageProcessor, SingleImagesGiveTheirOwnPatches) {
  const Json c = parse_json_file(kDir + "/cases.json");
  const SafeTensorsFile gold = SafeTensorsFile::open(kDir + "/goldens.safetensors");
  const std::vector<Image> images = inputs(c);
  for (const auto& [name, counts] : c["patches"].items()) {
    for (const std::string backend : {"torchvision", "pil"}) {
      const auto proc = AutoImageProcessor::from_pretrained(kDir + "/" + name, {}, {backend});
      const Tensor batch = gold.get(name + "." + backend + ".pixel_values");
      for (size_t i = 0; i < images.size(); ++i) {
        SCOPED_TRACE(name + " " + backend + " image " + std::to_string(i));
        const Tensor pv = (*proc)({images[i]}).at("pixel_values");
        const int64_t n = counts[i].get<int64_t>();
        ASSERT_EQ(pv.shape(), (Shape{1, n, batch.size(2), batch.size(3), batch.size(4)}));
        EXPECT_TRUE(testutil::allclose(pv.view({n, batch.size(2), batch.size(3), batch.size(4)}),
                                       batch.select(0, static_cast<int64_t>(i)).slice(0, 0, n).contiguous(), 1e-5, 1e-5));
      }
    }
  }
}

TEST(LlavaNextImageProcessor, BadConfigsAreTypedErrors) {
  for (const char* bad : {R"({"image_processor_type": "LlavaNextImageProcessor", "image_grid_pinpoints": []})",
                          R"({"image_processor_type": "LlavaNextImageProcessor", "image_grid_pinpoints": [[336]]})",
                          R"({"image_processor_type": "LlavaNextImageProcessor", "image_grid_pinpoints": [[336, -672]]})",
                          R"({"image_processor_type": "LlavaNextImageProcessor", "image_grid_pinpoints": "anyres"})",
                          R"({"image_processor_type": "LlavaNextImageProcessor", "image_grid_pinpoints": [[1000000, 1000000]]})",
                          R"({"image_processor_type": "LlavaNextImageProcessor", "do_pad": "yes"})"}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW(AutoImageProcessor::from_json_string(bad, {}, "test"), ConfigError);
  }
}

// A folder whose preprocessor_config.json names no class: config.json's model_type picks it, as
// Python's IMAGE_PROCESSOR_MAPPING_NAMES maps "llava" to LlavaImageProcessor.
TEST(LlavaImageProcessor, ModelTypeLlavaPicksIt) {
  testutil::TempDir d;
  std::filesystem::copy_file(testutil::fixture("multimodal/llava/config.json"), d / "config.json");
  std::ofstream(d / "preprocessor_config.json") << R"({"size": {"shortest_edge": 20}, "crop_size": 16})";
  EXPECT_EQ(AutoImageProcessor::from_pretrained(d.path.string())->class_name(), "LlavaImageProcessor");
}
