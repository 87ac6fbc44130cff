// Image decoding, resampling and AutoImageProcessor against Python (fixtures/images, made by
// scripts/make_image_fixtures.py with transformers 5.24.0, torchvision 0.29.2, Pillow 12.0.0).
#include <fstream>

#include "io/json.hpp"
#include "test_util.hpp"

using namespace transformers;

namespace {

const std::string kDir = testutil::fixture("images");

SafeTensorsFile& goldens() {
  static SafeTensorsFile f = SafeTensorsFile::open(kDir + "/goldens.safetensors");
  return f;
}

Json cases() { return parse_json_file(kDir + "/cases.json"); }

// Number of bytes that differ, and the first one.
::testing::AssertionResult same_pixels(const Image& im, const Tensor& want) {
  const Tensor w = want.contiguous();
  if (w.dim() != 3 || w.size(0) != im.height || w.size(1) != im.width || w.size(2) != im.channels)
    return ::testing::AssertionFailure() << "size " << im.height << "x" << im.width << "x" << im.channels << " vs " << shape_str(w.shape());
  const uint8_t* p = w.data<uint8_t>();
  size_t diff = 0, first = 0;
  for (size_t i = 0; i < im.pixels.size(); ++i)
    if (im.pixels[i] != p[i] && diff++ == 0) first = i;
  if (diff)
    return ::testing::AssertionFailure() << diff << " of " << im.pixels.size() << " bytes differ; first at " << first << ": "
                                         << int(im.pixels[first]) << " vs " << int(p[first]);
  return ::testing::AssertionSuccess();
}

Resample resample_named(const std::string& s) {
  if (s == "nearest") return Resample::Nearest;
  if (s == "bilinear") return Resample::Bilinear;
  if (s == "bicubic") return Resample::Bicubic;
  if (s == "lanczos") return Resample::Lanczos;
  if (s == "box") return Resample::Box;
  return Resample::Hamming;
}

}  // namespace

TEST(Images, DecodeEveryFormatLikePil) {
  const Json c = cases();
  for (const auto& name : c["files"]) {
    SCOPED_TRACE(name.get<std::string>());
    EXPECT_TRUE(same_pixels(load_image(kDir + "/" + name.get<std::string>()), goldens().get("decode." + name.get<std::string>())));
  }
}

TEST(Images, ExifOrientationTransposes) {
  const Image a = load_image(kDir + "/exif6.jpg"), b = load_image(kDir + "/exif3.jpg");
  EXPECT_EQ(a.height, 45);  // stored 45 wide, 30 high; orientation 6 stands it up
  EXPECT_EQ(a.width, 30);
  EXPECT_EQ(b.height, 30);
}

TEST(Images, ResizeBothBackendsEveryFilter) {
  const Image src = load_image(kDir + "/photo.jpg");
  int checked = 0;
  for (const auto& t : goldens().tensors()) {
    if (t.name.rfind("resize.", 0) != 0) continue;
    // resize.<backend>.<filter>.<h>x<w>
    const auto a = t.name.find('.', 7), b = t.name.find('.', a + 1), x = t.name.find('x', b);
    const std::string backend = t.name.substr(7, a - 7), filter = t.name.substr(a + 1, b - a - 1);
    const int64_t h = std::stoll(t.name.substr(b + 1, x - b - 1)), w = std::stoll(t.name.substr(x + 1));
    SCOPED_TRACE(t.name);
    EXPECT_TRUE(same_pixels(resize_image(src, h, w, resample_named(filter), backend), goldens().get(t.name)));
    ++checked;
  }
  EXPECT_EQ(checked, 50);
}

TEST(Images, AutoImageProcessorMatchesPython) {
  const Json c = cases();
  std::vector<Image> inputs;
  for (const auto& n : c["inputs"]) inputs.push_back(load_image(kDir + "/" + n.get<std::string>()));
  for (const auto& [name, cls] : c["processors"].items()) {
    for (const std::string backend : {"torchvision", "pil"}) {
      SCOPED_TRACE(name + " " + backend);
      const auto proc = AutoImageProcessor::from_pretrained(kDir + "/processors/" + name, {}, {backend});
      EXPECT_EQ(proc->class_name(), cls.get<std::string>());
      EXPECT_EQ(proc->backend(), backend);
      const BatchFeature out = (*proc)(inputs);
      EXPECT_TRUE(testutil::allclose(out.at("pixel_values"), goldens().get("processor." + name + "." + backend), 1e-5, 1e-5));
      if (out.count("image_grid_thw")) {
        EXPECT_EQ(testutil::rows(out.at("image_grid_thw")), testutil::rows(goldens().get("processor." + name + "." + backend + ".image_grid_thw")));
      }
    }
  }
}

TEST(Images, BadInputIsATypedError) {
  const std::string junk = "not an image at all";
  EXPECT_THROW(decode_image(reinterpret_cast<const uint8_t*>(junk.data()), junk.size()), ValueError);
  EXPECT_THROW(load_image(kDir + "/missing.png"), OSError);
  // A JPEG cut short and one with a corrupt header.
  std::ifstream f(kDir + "/photo.jpg", std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_THROW(decode_image(bytes.data(), 200), ValueError);
  std::vector<uint8_t> bad = bytes;
  for (size_t i = 2; i < 40; ++i) bad[i] = 0x00;
  EXPECT_THROW(decode_image(bad.data(), bad.size()), ValueError);
  // Truncated PNG.
  std::ifstream g(kDir + "/rgb.png", std::ios::binary);
  std::vector<uint8_t> png((std::istreambuf_iterator<char>(g)), std::istreambuf_iterator<char>());
  EXPECT_THROW(decode_image(png.data(), png.size() / 2), ValueError);
  EXPECT_THROW(AutoImageProcessor::from_json_string(R"({"image_processor_type": "NopeImageProcessor"})"), ValueError);
  EXPECT_THROW(AutoImageProcessor::from_json_string(R"({"image_processor_type": "ViTImageProcessor", "size": "big"})"), ConfigError);
  EXPECT_THROW(AutoImageProcessor::from_json_string(R"({"image_processor_type": "ViTImageProcessor", "resample": "x"})"), ConfigError);
  EXPECT_THROW(AutoImageProcessor::from_json_string(R"({"image_processor_type": "ViTImageProcessor"})", {"opencv"}), ValueError);
  EXPECT_THROW(resize_image(load_image(kDir + "/rgb.png"), 0, 5, Resample::Bilinear), ValueError);
  // A decompression bomb: a PNG header claiming 16384 x 16400 pixels (past our 2^28 limit) is refused
  // before anything is decoded.
  std::vector<uint8_t> bomb = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
                               0, 0, 0x40, 0x00, 0, 0, 0x40, 0x10, 8, 2, 0, 0, 0, 0, 0, 0, 0};
  try {
    decode_image(bomb.data(), bomb.size(), "bomb.png");
    ADD_FAILURE() << "no error";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("pixel limit"), std::string::npos) << e.what();
  }
  // Processor-specific refusals: Qwen2-VL's aspect-ratio limit, DPT padding, ConvNeXt without shortest_edge.
  const auto qwen = AutoImageProcessor::from_json_string(R"({"image_processor_type": "Qwen2VLImageProcessor"})");
  Image strip;
  strip.height = 2, strip.width = 500;
  strip.pixels.assign(2 * 500 * 3, 7);
  EXPECT_THROW((*qwen)({strip}), ValueError);
  EXPECT_THROW(AutoImageProcessor::from_json_string(R"({"image_processor_type": "DPTImageProcessor", "do_pad": true})"), ConfigError);
  EXPECT_THROW(AutoImageProcessor::from_json_string(R"({"image_processor_type": "ConvNextImageProcessor", "size": {"height": 4, "width": 4}})"),
               ConfigError);
  Image broken;
  broken.height = 4, broken.width = 4;  // no pixels behind the size
  EXPECT_THROW((*qwen)({broken}), ValueError);
  EXPECT_THROW(resize_image(broken, 2, 2, Resample::Bilinear), ValueError);
  // A folder without preprocessor_config.json (or processor_config.json).
  EXPECT_THROW(AutoImageProcessor::from_pretrained(testutil::fixture("minilm")), OSError);
}

// Mangled GIF and CMYK JPEG bytes (the two paths with our own parsing around the decoders): a
// picture or a ValueError, never anything else.
TEST(Images, MangledGifAndCmykJpegFailCleanly) {
  std::mt19937 rng(11);
  for (const char* name : {"transparent.gif", "cmyk.jpg"}) {
    std::ifstream f(kDir + "/" + name, std::ios::binary);
    const std::string good((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    for (int trial = 0; trial < 150; ++trial) {
      std::string bad = good;
      if (trial % 2) bad.resize(std::uniform_int_distribution<size_t>(8, good.size() - 1)(rng));
      for (int k = 0; k < 1 + trial % 4; ++k) bad[std::uniform_int_distribution<size_t>(6, bad.size() - 1)(rng)] = static_cast<char>(rng());  // past the magic
      try {
        const Image im = decode_image(reinterpret_cast<const uint8_t*>(bad.data()), bad.size());
        EXPECT_EQ(im.pixels.size(), static_cast<size_t>(im.width * im.height * 3));
      } catch (const ValueError&) {
      }
    }
  }
}
