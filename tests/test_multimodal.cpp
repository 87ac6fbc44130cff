// CLIP and SigLIP against Python (fixtures/multimodal, made by scripts/make_multimodal_fixtures.py).
#include "io/json.hpp"
#include "ops/ops.hpp"
#include "test_util.hpp"

using namespace transformers;

namespace {
const std::string kDir = testutil::fixture("multimodal");

ModelInputs pick(const ModelInputs& all, const std::string& which) {
  ModelInputs in;
  if (which != "image") in["input_ids"] = all.at("input_ids"), in["attention_mask"] = all.at("attention_mask");
  if (which != "text") in["pixel_values"] = all.at("pixel_values");
  return in;
}
}  // namespace

// One instance per case of fixtures/multimodal/cases.json, named after its folder: CLIP / SigLIP
// below, LLaVA in MultimodalLlava.
namespace {
class Multimodal : public ::testing::TestWithParam<testutil::FixtureCase> {};
INSTANTIATE_TEST_SUITE_P(Fixtures, Multimodal,
                         ::testing::ValuesIn(testutil::index_cases(kDir + "/cases.json", [](const Json& c) { return !c.value("llava", false); })),
                         testutil::CaseName());

TEST_P(Multimodal, ClipAndSiglipMatchPython) {
  const Json& c = GetParam().entry;
  const ModelInputs all = testutil::read_inputs(kDir);
  const std::string dir = c["dir"];
  for (const bool reference : {false, true}) {
    SCOPED_TRACE(dir + (reference ? " (reference kernels)" : ""));
    ops::set_reference_mode(reference);
    const auto model = auto_model_from_pretrained(c["auto_class"], kDir + "/" + dir);
    const ModelOutput out = model->forward(pick(all, c["inputs"]));
    const SafeTensorsFile gold = SafeTensorsFile::open(kDir + "/" + dir + "/goldens.safetensors");
    for (const auto& name : c["outputs"]) EXPECT_TRUE(testutil::allclose(out[name.get<std::string>()], gold.get(name.get<std::string>()))) << name;
  }
  ops::set_reference_mode(false);
}
}  // namespace

TEST(Multimodal, DualTowerEmbedsEitherModalityAlone) {
  const ModelInputs all = testutil::read_inputs(kDir);
  for (const std::string dir : {"CLIPModel", "SiglipModel"}) {
    SCOPED_TRACE(dir);
    const auto model = AutoModel::from_pretrained(kDir + "/" + dir);
    const SafeTensorsFile gold = SafeTensorsFile::open(kDir + "/" + dir + "/goldens.safetensors");
    const ModelOutput text = model->forward(pick(all, "text")), image = model->forward(pick(all, "image"));
    EXPECT_TRUE(testutil::allclose(text["text_embeds"], gold.get("text_embeds")));
    EXPECT_TRUE(testutil::allclose(image["image_embeds"], gold.get("image_embeds")));
    EXPECT_FALSE(text.has("logits_per_image"));
    EXPECT_THROW(model->forward({}), ValueError);
  }
}

TEST(Multimodal, ZeroShotImageClassificationPipelineMatchesPython) {
  const Json want = parse_json_file(kDir + "/pipeline.json");
  std::vector<std::string> labels = want["labels"];
  std::vector<Image> images;
  for (const auto& n : want["images"]) images.push_back(load_image(testutil::fixture("images/" + n.get<std::string>())));
  for (const auto& [name, results] : want["results"].items()) {
    SCOPED_TRACE(name);
    const auto pipe = ZeroShotImageClassificationPipeline::from_pretrained(kDir + "/" + name);
    for (size_t i = 0; i < results.size(); ++i) {
      const bool custom = i == images.size();  // the last case: two labels and another template
      const auto got = custom ? (*pipe)(images[0], {labels[0], labels[1]}, "an image of {}") : (*pipe)(images[i], labels);
      ASSERT_EQ(got.size(), results[i].size());
      for (size_t j = 0; j < got.size(); ++j) {
        EXPECT_EQ(got[j].label, results[i][j]["label"].get<std::string>()) << i;
        EXPECT_NEAR(got[j].score, results[i][j]["score"].get<double>(), 1e-5) << i;
      }
    }
    EXPECT_THROW((*pipe)(images[0], {}), ValueError);
    EXPECT_THROW((*pipe)(images[0], labels, "no placeholder"), ValueError);
  }
}

namespace {
class MultimodalLlava : public ::testing::TestWithParam<testutil::FixtureCase> {};
INSTANTIATE_TEST_SUITE_P(Fixtures, MultimodalLlava,
                         ::testing::ValuesIn(testutil::index_cases(kDir + "/cases.json", [](const Json& c) { return c.value("llava", false); })),
                         testutil::CaseName());

TEST_P(MultimodalLlava, LlavaLogitsAndGenerationMatchPython) {
  const Json& c = GetParam().entry;
  const ModelInputs shared = testutil::read_inputs_file(kDir + "/llava_inputs.safetensors");
  const std::string dir = c["dir"];
  SCOPED_TRACE(dir);
  const SafeTensorsFile gold = SafeTensorsFile::open(kDir + "/" + dir + "/goldens.safetensors");
  ModelInputs in = shared;
  if (c.value("own_inputs", false)) in["input_ids"] = gold.get("input_ids"), in["attention_mask"] = gold.get("attention_mask");
  const auto model = AutoModelForImageTextToText::from_pretrained(kDir + "/" + dir);
  EXPECT_TRUE(testutil::allclose(model->forward(in)["logits"], gold.get("logits")));
  GenerationConfig g;
  g.max_new_tokens = 8, g.do_sample = false;
  EXPECT_EQ(testutil::rows(model->generate(in, g).sequences), testutil::rows(gold.get("greedy")));
  const auto& names = gold.tensors();
  if (std::any_of(names.begin(), names.end(), [](const auto& t) { return t.name == "beam"; })) {
    GenerationConfig b;
    b.max_new_tokens = 6, b.do_sample = false, b.num_beams = 3, b.num_return_sequences = 2;
    EXPECT_EQ(testutil::rows(model->generate(in, b).sequences), testutil::rows(gold.get("beam")));
  }
  // Without pixel_values the image tokens embed as plain tokens; inputs the model does not take are refused.
  ModelInputs no_image = in;
  no_image.erase("pixel_values");
  EXPECT_NO_THROW(model->forward(no_image));
  ModelInputs odd = in;
  odd["pixel_values"] = in.at("pixel_values").slice(0, 0, 1).contiguous();
  EXPECT_THROW(model->forward(odd), ValueError);  // two prompts' image tokens, one image: Python's mismatch error
  ModelInputs bad = in;
  bad["token_type_ids"] = in.at("input_ids");
  EXPECT_THROW(model->generate(bad, g), ValueError);
}
}  // namespace

TEST(Multimodal, LlavaProcessorAndImageTextToTextPipelineMatchPython) {
  const std::string dir = kDir + "/llava";
  const Json want = parse_json_file(dir + "/processor_goldens.json");
  const SafeTensorsFile gold = SafeTensorsFile::open(dir + "/processor_goldens.safetensors");
  std::vector<Image> images;
  for (const auto& n : want["images"]) images.push_back(load_image(testutil::fixture("images/" + n.get<std::string>())));
  const std::vector<std::string> prompts = want["prompts"];
  // The image processor lives inside processor_config.json (v5 writes no preprocessor_config.json).
  const auto proc = ImageTextProcessor::from_pretrained(dir);
  EXPECT_EQ(proc->class_name(), "LlavaProcessor");
  const BatchFeature in = (*proc)(prompts, images);
  EXPECT_EQ(testutil::rows(in.at("input_ids")), testutil::rows(gold.get("input_ids")));
  EXPECT_EQ(testutil::rows(in.at("attention_mask")), testutil::rows(gold.get("attention_mask")));
  EXPECT_TRUE(testutil::allclose(in.at("pixel_values"), gold.get("pixel_values"), 1e-5, 1e-5));
  EXPECT_THROW((*proc)({prompts[0]}, images), ValueError);  // one placeholder, two images
  // generate(**inputs) and the pipeline's new text.
  const auto model = AutoModelForImageTextToText::from_pretrained(dir);
  GenerationConfig g;
  g.max_new_tokens = 6, g.do_sample = false;
  EXPECT_EQ(testutil::rows(model->generate(ModelInputs(in.begin(), in.end()), g).sequences), testutil::rows(gold.get("sequences")));
  const auto pipe = ImageTextToTextPipeline::from_pretrained(dir);
  for (size_t i = 0; i < images.size(); ++i) EXPECT_EQ((*pipe)(images[i], prompts[i], g), want["pipeline_new_text"][i].get<std::string>());
  // The chat template renders the image placeholder where the message has one.
  ChatTemplateOptions co;
  co.add_generation_prompt = true;
  EXPECT_EQ(proc->tokenizer().apply_chat_template(want["messages"].dump(), co), want["chat"].get<std::string>());
  EXPECT_EQ(pipe->chat(images[0], want["messages"].dump(), g), want["pipeline_new_text"][0].get<std::string>());
}
