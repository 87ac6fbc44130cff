// VisionEncoderDecoderModel with TrOCR decoders against Python (fixtures/image_to_text, made by
// scripts/make_image_to_text_fixtures.py).
#include "io/json.hpp"
#include "ops/ops.hpp"
#include "test_util.hpp"

using namespace transformers;

namespace {
const std::string kDir = testutil::fixture("image_to_text");
}  // namespace

// One instance per case of fixtures/image_to_text/cases.json, named after its folder.
namespace {
class ImageToText : public ::testing::TestWithParam<testutil::FixtureCase> {};
INSTANTIATE_TEST_SUITE_P(Fixtures, ImageToText, ::testing::ValuesIn(testutil::index_cases(kDir + "/cases.json")), testutil::CaseName());

TEST_P(ImageToText, VisionEncoderDecoderMatchesPython) {
  const Json& c = GetParam().entry;
  const ModelInputs in = testutil::read_inputs(kDir);
  const std::string dir = c["dir"];
  const SafeTensorsFile gold = SafeTensorsFile::open(kDir + "/" + dir + "/goldens.safetensors");
  testutil::with_each_kernel_mode(dir, [&] {
    const auto model = AutoModelForImageTextToText::from_pretrained(kDir + "/" + dir);
    EXPECT_EQ(model->class_name(), "VisionEncoderDecoderModel");
    const ModelOutput out = model->forward(in);
    EXPECT_TRUE(testutil::allclose(out["logits"], gold.get("logits")));
    EXPECT_TRUE(testutil::allclose(out["encoder_last_hidden_state"], gold.get("encoder_last_hidden_state")));
    const ModelInputs image = {{"pixel_values", in.at("pixel_values")}};
    GenerationConfig g;
    g.max_new_tokens = 10, g.do_sample = false;
    EXPECT_EQ(testutil::rows(model->generate(image, g).sequences), testutil::rows(gold.get("greedy")));
    GenerationConfig b;
    b.max_new_tokens = 8, b.do_sample = false, b.num_beams = 3, b.num_return_sequences = 2;
    EXPECT_EQ(testutil::rows(model->generate(image, b).sequences), testutil::rows(gold.get("beam")));
    // generate(pixel_values, decoder_input_ids): the decoder continues the prompt, prepending
    // decoder_start_token_id when no row starts with it; input_ids stand for decoder_input_ids
    // on a model whose encoder reads pixel_values.
    GenerationConfig p;
    p.max_new_tokens = 4, p.do_sample = false;
    EXPECT_EQ(testutil::rows(model->generate(in, p).sequences), testutil::rows(gold.get("prompted")));
    const Tensor& dec = in.at("decoder_input_ids");
    EXPECT_EQ(testutil::rows(model->generate(ModelInputs{{"pixel_values", in.at("pixel_values")}, {"input_ids", dec}}, p).sequences),
              testutil::rows(gold.get("prompted")));
    const ModelInputs nostart = {{"pixel_values", in.at("pixel_values")}, {"decoder_input_ids", dec.slice(1, 1, dec.size(1)).contiguous()}};
    EXPECT_EQ(testutil::rows(model->generate(nostart, p).sequences), testutil::rows(gold.get("prompted_nostart")));
    EXPECT_THROW(model->generate(ModelInputs{{"pixel_values", in.at("pixel_values")}, {"input_ids", dec}, {"decoder_input_ids", dec}}, p), ValueError);
  });
}
}  // namespace

TEST(ImageToText, RefusesWhatPythonRefuses) {
  const ModelInputs in = testutil::read_inputs(kDir);
  const auto model = AutoModelForImageTextToText::from_pretrained(kDir + "/trocr-vit");
  EXPECT_THROW(model->forward({{"pixel_values", in.at("pixel_values")}}), ValueError);  // no decoder_input_ids, no labels
  EXPECT_THROW(model->forward({{"decoder_input_ids", in.at("decoder_input_ids")}}), ValueError);  // no image
  EXPECT_THROW(model->generate(ModelInputs{{"input_ids", in.at("decoder_input_ids")}}), ValueError);  // its main input is pixel_values
  // A config whose decoder is not a cross-attention decoder we build, or whose widths disagree.
  Json cfg = parse_json_file(kDir + "/trocr-vit/config.json");
  cfg["decoder"]["model_type"] = "bert";
  EXPECT_THROW(AutoModelForImageTextToText::from_config(AutoConfig::from_json_string(cfg.dump())), ConfigError);
  Json gpt2 = parse_json_file(kDir + "/vit-gpt2/config.json");
  gpt2["decoder"]["add_cross_attention"] = false;  // a GPT-2 that cannot read the encoder
  EXPECT_THROW(AutoModelForImageTextToText::from_config(AutoConfig::from_json_string(gpt2.dump())), ConfigError);
  cfg = parse_json_file(kDir + "/trocr-vit/config.json");
  cfg["decoder"]["cross_attention_hidden_size"] = 16;
  EXPECT_THROW(AutoModelForImageTextToText::from_config(AutoConfig::from_json_string(cfg.dump())), ConfigError);
  cfg.erase("encoder");
  EXPECT_THROW(AutoModelForImageTextToText::from_config(AutoConfig::from_json_string(cfg.dump())), ConfigError);
}

TEST(ImageToText, ProcessorAndPipelineMatchPython) {
  const std::string dir = kDir + "/trocr-vit";
  const Json want = parse_json_file(kDir + "/pipeline.json");
  const SafeTensorsFile gold = SafeTensorsFile::open(dir + "/processor_goldens.safetensors");
  std::vector<Image> images;
  for (const auto& n : want["images"]) images.push_back(load_image(testutil::fixture("images/" + n.get<std::string>())));
  const auto proc = ImageTextProcessor::from_pretrained(dir);
  EXPECT_EQ(proc->class_name(), "TrOCRProcessor");
  const BatchFeature in = (*proc)({}, images);
  EXPECT_TRUE(testutil::allclose(in.at("pixel_values"), gold.get("pixel_values"), 1e-5, 1e-5));
  const auto model = AutoModelForImageTextToText::from_pretrained(dir);
  GenerationConfig g;
  g.max_new_tokens = 8, g.do_sample = false;
  EXPECT_EQ(testutil::rows(model->generate(ModelInputs(in.begin(), in.end()), g).sequences), testutil::rows(gold.get("sequences")));
  const auto pipe = ImageTextToTextPipeline::from_pretrained(dir);
  EXPECT_TRUE(pipe->captions_images());
  for (size_t i = 0; i < images.size(); ++i)
    EXPECT_EQ((*pipe)(images[i], g), want["results"][i][0]["generated_text"].get<std::string>());
  EXPECT_THROW((*pipe)(images[0], "a prompt", g), ValueError);
}
