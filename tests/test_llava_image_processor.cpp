// LlavaImageProcessor (pad to a square in the image_mean colour, then CLIP's resize / crop /
// normalize) against Python on fixtures/images' pictures, both backends
// (fixtures/auto_rows/image_processors, made by scripts/make_auto_rows_fixtures.py).
#include "io/json.hpp"
#include "test_util.hpp"

using namespace transformers;

namespace {
const std::string kDir = testutil::fixture("auto_rows/image_processors");
}

TEST(LlavaImageProcessor, MatchesPython) {
  const Json c = parse_json_file(kDir + "/cases.json");
  const SafeTensorsFile gold = SafeTensorsFile::open(kDir + "/goldens.safetensors");
  std::vector<Image> inputs;
  for (const auto& n : c["inputs"]) inputs.push_back(load_image(testutil::fixture("images/" + n.get<std::string>())));
  ASSERT_EQ(c["processors"].size(), 3u);
  for (const auto& [name, cls] : c["processors"].items()) {
    for (const std::string backend : {"torchvision", "pil"}) {
      SCOPED_TRACE(name + " " + backend);
      const auto proc = AutoImageProcessor::from_pretrained(kDir + "/" + name, {}, {backend});
      EXPECT_EQ(proc->class_name(), cls.get<std::string>());
      EXPECT_EQ(proc->backend(), backend);
      EXPECT_TRUE(testutil::allclose((*proc)(inputs).at("pixel_values"), gold.get(name + "." + backend), 1e-5, 1e-5));
    }
  }
}

TEST(LlavaImageProcessor, BadDoPadIsATypedError) {
  EXPECT_THROW(AutoImageProcessor::from_json_string(R"({"image_processor_type": "LlavaImageProcessor", "do_pad": "yes"})", {}, "test"),
               ConfigError);
}
