// The task table: pipeline(task, model) by name, alias and inference; each task's JSON call
// against the Python goldens of its typed pipeline; the unknown-task error.
#include "io/json.hpp"
#include "test_util.hpp"

using namespace transformers;
using testutil::fixture;

namespace {
// `want` is a subset of `got`: objects by key, arrays element by element, numbers within 1e-5.
void expect_json(const Json& got, const Json& want, const std::string& at = "$") {
  if (want.is_object()) {
    ASSERT_TRUE(got.is_object()) << at << ": " << got.dump();
    for (const auto& [k, v] : want.items()) {
      ASSERT_TRUE(got.contains(k)) << at << "." << k << " missing in " << got.dump();
      expect_json(got[k], v, at + "." + k);
    }
  } else if (want.is_array()) {
    ASSERT_TRUE(got.is_array()) << at << ": " << got.dump();
    ASSERT_EQ(got.size(), want.size()) << at << ": " << got.dump();
    for (size_t i = 0; i < want.size(); ++i) expect_json(got[i], want[i], at + "[" + std::to_string(i) + "]");
  } else if (want.is_number()) {
    ASSERT_TRUE(got.is_number()) << at << ": " << got.dump();
    EXPECT_NEAR(got.get<double>(), want.get<double>(), 1e-5) << at;
  } else {
    EXPECT_EQ(got, want) << at;
  }
}

Json call(const Pipeline& p, const Json& inputs, const Json& params = Json::object()) {
  return Json::parse(p.call_json(inputs.dump(), params.dump()));
}

// pipeline() by the task's name, by each alias, and (when `inferred`) with no task at all: the
// same task every way.
std::vector<std::unique_ptr<Pipeline>> every_way(const std::string& task, const std::string& dir, bool inferred = true,
                                                 const PipelineOptions& o = {}) {
  std::vector<std::unique_ptr<Pipeline>> out;
  out.push_back(pipeline(task, dir, o));
  for (const auto& alias : check_task(task).aliases) out.push_back(pipeline(alias, dir, o));
  if (inferred) out.push_back(pipeline("", dir, o));
  for (const auto& p : out) EXPECT_EQ(p->task(), task) << dir;
  return out;
}
std::string image(const Json& name) { return fixture("images/" + name.get<std::string>()); }
}  // namespace

TEST(Tasks, TableNamesAliasesAndUnknownTask) {
  const auto names = get_supported_tasks();
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  for (const char* t : {"text-classification", "sentiment-analysis", "token-classification", "ner", "fill-mask", "question-answering",
                        "zero-shot-classification", "text-generation", "text2text-generation", "summarization", "translation",
                        "automatic-speech-recognition", "audio-classification", "image-classification", "zero-shot-image-classification",
                        "image-segmentation", "depth-estimation", "object-detection", "image-to-text", "image-text-to-text",
                        "feature-extraction", "sentence-similarity", "rerank"})
    EXPECT_NE(std::find(names.begin(), names.end(), t), names.end()) << t;
  EXPECT_EQ(check_task("sentiment-analysis").name, "text-classification");
  EXPECT_EQ(check_task("ner").name, "token-classification");
  EXPECT_EQ(check_task("translation_en_to_de").name, "translation");
  EXPECT_EQ(check_task("text-classification").auto_classes.at(0), "AutoModelForSequenceClassification");
  EXPECT_EQ(check_task("rerank").input, InputKind::QueryDocuments);
  for (const auto& t : supported_tasks()) EXPECT_FALSE(t.auto_classes.empty()) << t.name;
  // Python's KeyError: the task, then every name and alias it knows.
  try {
    pipeline("text-clasification", fixture("pipelines/text-classification"));
    FAIL() << "no error";
  } catch (const UnknownTaskError& e) {
    const std::string m = e.what();
    EXPECT_EQ(m.rfind("Unknown task text-clasification, available tasks are ['audio-classification', ", 0), 0u) << m;
    EXPECT_NE(m.find("'sentiment-analysis'"), std::string::npos) << m;
  }
  EXPECT_THROW(check_task(""), ValueError);
}

TEST(Tasks, InferTaskFromArchitectures) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"pipelines/text-classification", "text-classification"},
      {"pipelines/fill-mask", "fill-mask"},
      {"pipelines/token-classification", "token-classification"},
      {"question_answering", "question-answering"},
      {"decoders/textgen", "text-generation"},
      {"seq2seq/text2text", "text2text-generation"},
      {"speech/pipelines/ctc", "automatic-speech-recognition"},
      {"speech/pipelines/whisper", "automatic-speech-recognition"},
      {"speech/pipelines/classifier", "audio-classification"},
      {"vision/vit-pipeline", "image-classification"},
      {"vision/segformer-pipeline", "image-segmentation"},
      {"vision/depth-pipeline", "depth-estimation"},
      {"image_to_text/trocr-vit", "image-to-text"},
      {"multimodal/llava", "image-text-to-text"},
      {"sentence_transformers/bert-mean", "feature-extraction"},
  };
  for (const auto& [dir, task] : cases) EXPECT_EQ(infer_task(AutoConfig::from_pretrained(fixture(dir))), task) << dir;
}

TEST(Tasks, TextClassificationJson) {
  const Json g = parse_json_file(fixture("pipelines/text-classification/golden.json"));
  const std::vector<std::string> texts = {"I love this movie, it was great!", "The plot was boring and far too long.", "Paris is in France.",
                                          "John Smith works at Google in London.", "ok"};
  for (const auto& p : every_way("text-classification", fixture("pipelines/text-classification"))) {
    expect_json(call(*p, texts), g["top1"]);
    expect_json(call(*p, texts[0]), g["top1"][0]);
    expect_json(call(*p, texts, {{"top_k", nullptr}}), g["all"]);
    expect_json(call(*p, g["pairs"], {{"top_k", nullptr}}), g["pairs_all"]);
  }
  auto p = pipeline("sentiment-analysis", fixture("pipelines/text-classification"));
  EXPECT_THROW(p->call_json("[1, 2]"), ValueError);
  EXPECT_THROW(p->call_json("{\"text\": \"x\"}"), ValueError);  // no text_pair
  EXPECT_THROW(p->call_json("\"x\"", "{\"top_k\": 0}"), ValueError);
  EXPECT_THROW(p->call_json("[\"x\"", "{}"), ValueError);
  EXPECT_THROW(p->call_json("\"x\"", "[]"), ValueError);
}

TEST(Tasks, FillMaskTokenClassificationZeroShotJson) {
  const Json fm = parse_json_file(fixture("pipelines/fill-mask/golden.json"));
  for (const auto& p : every_way("fill-mask", fixture("pipelines/fill-mask"))) expect_json(call(*p, fm["inputs"], {{"top_k", 5}}), fm["top5"]);

  const Json tc = parse_json_file(fixture("pipelines/token-classification/golden.json"));
  for (const auto& p : every_way("token-classification", fixture("pipelines/token-classification")))
    for (const char* agg : {"none", "simple", "first", "average", "max"}) {
      SCOPED_TRACE(agg);
      expect_json(call(*p, tc["inputs"], {{"aggregation_strategy", agg}}), tc[agg]);
    }

  const Json zs = parse_json_file(fixture("pipelines/zero-shot-classification/golden.json"));
  for (const auto& p : every_way("zero-shot-classification", fixture("pipelines/zero-shot-classification"), false)) {
    expect_json(call(*p, zs["inputs"], {{"candidate_labels", zs["labels"]}}), zs["single"]);
    expect_json(call(*p, zs["inputs"], {{"candidate_labels", zs["labels"]}, {"multi_label", true}}), zs["multi"]);
    EXPECT_THROW(call(*p, "x"), ValueError);  // no candidate_labels
  }
}

TEST(Tasks, QuestionAnsweringJson) {
  const Json g = parse_json_file(fixture("question_answering/golden.json"));
  for (const auto& p : every_way("question-answering", fixture("question_answering")))
    for (size_t i = 0; i < g["cases"].size(); ++i) {
      const Json& c = g["cases"][i];
      const Json got = call(*p, {{"question", c["question"]}, {"context", c["context"]}}, c["kwargs"]);
      expect_json(got, g["results"][i].size() == 1 && c["kwargs"].value("top_k", 1) == 1 ? g["results"][i][0] : g["results"][i]);
    }
}

TEST(Tasks, GenerationJson) {
  const std::string tg = fixture("decoders/textgen");
  const Json g = parse_json_file(tg + "/golden.json");
  for (const auto& p : every_way("text-generation", tg)) {
    const Json& c = g["prompts"][0];
    std::string streamed;
    const Json got = Json::parse(p->call_json(Json(c["prompt"]).dump(), "{\"max_new_tokens\": 8}", [&](const std::string& t) { streamed += t; }));
    expect_json(got, Json::array({{{"generated_text", c["generated_text"]}}}));
    EXPECT_EQ(streamed, c["generated_text"].get<std::string>());
  }
  // A chat comes back with the assistant's reply appended.
  Json chat = g["chat"][0]["messages"];
  const Json got = call(*pipeline("text-generation", tg), chat, {{"max_new_tokens", 8}});
  chat.push_back({{"role", "assistant"}, {"content", g["chat"][0]["reply"]}});
  expect_json(got, Json::array({{{"generated_text", chat}}}));

  const std::string tt = fixture("seq2seq/text2text");
  const Json t2 = parse_json_file(tt + "/golden.json");
  for (const auto& [task, key] : {std::pair{"summarization", "summary_text"}, std::pair{"text2text-generation", "generated_text"}}) {
    const auto p = pipeline(task, tt);
    Json want = Json::array();
    for (const auto& s : t2["outputs"][task]) want.push_back(Json::array({{{key, s}}}));
    // The golden's budget: 8 new tokens for text2text-generation, task_specific_params' for summarization.
    expect_json(call(*p, t2["texts"], std::string(task) == "text2text-generation" ? Json{{"max_new_tokens", 8}} : Json::object()), want);
  }
  EXPECT_EQ(pipeline("", tt)->task(), "text2text-generation");
  const auto tr = pipeline("translation_en_to_de", tt);
  EXPECT_EQ(tr->task(), "translation_en_to_de");
  expect_json(call(*tr, t2["texts"][0]), Json::array({{{"translation_text", t2["outputs"]["translation_en_to_de"][0]}}}));
  EXPECT_THROW(call(*tr, "x", {{"src_lang", "fr"}}), ValueError);
}

TEST(Tasks, SentenceTransformersJson) {
  const std::string dir = fixture("sentence_transformers/bert-mean");
  const Json g = parse_json_file(dir + "/golden.json");
  const Json& c = g["calls"][0];
  for (const auto& p : every_way("feature-extraction", dir)) expect_json(call(*p, c["texts"], c["kwargs"]), c["embeddings"]);
  const auto sim = pipeline("sentence-similarity", dir);
  std::vector<std::string> rest(c["texts"].begin() + 1, c["texts"].end());
  Json want(std::vector<Json>(c["similarity"][0].begin() + 1, c["similarity"][0].end()));
  expect_json(call(*sim, {{"source_sentence", c["texts"][0]}, {"sentences", rest}}, c["kwargs"]), want);
  EXPECT_THROW(call(*sim, c["texts"]), ValueError);

  const std::string ce = fixture("sentence_transformers/cross-encoder");
  const Json cg = parse_json_file(ce + "/golden.json");
  const std::vector<std::string> texts = {"I love this movie, it was great!", "The plot was boring and far too long.", "Paris is in France.", "ok",
                                          "John Smith works at Google in London since 2020, and he likes it there a lot.", "",
                                          "A long one that is truncated: " + [] { std::string r; for (int i = 0; i < 12; ++i) r += "the plot was great and Paris is far "; return r; }()};
  for (const auto& p : every_way("rerank", ce, false))
    expect_json(call(*p, {{"query", "Paris is in France."}, {"documents", texts}}, {{"top_k", 4}}), cg["rank"]);
}

TEST(Tasks, AudioJson) {
  const std::string dir = fixture("speech/pipelines");
  const Json g = parse_json_file(dir + "/goldens.json");
  for (const auto& p : every_way("automatic-speech-recognition", dir + "/ctc")) {
    expect_json(call(*p, dir + "/a.wav"), {{"text", g["ctc"]["a"]}});
    expect_json(call(*p, Json::array({dir + "/a.wav", dir + "/c.wav"})), Json::array({{{"text", g["ctc"]["a"]}}, {{"text", g["ctc"]["c"]}}}));
  }
  expect_json(call(*pipeline("", dir + "/whisper"), dir + "/a.wav"), {{"text", g["whisper"]["a"]}});
  expect_json(call(*pipeline("", dir + "/whisper"), dir + "/a.wav", {{"generate_kwargs", {{"language", "fr"}}}}), {{"text", g["whisper-fr"]["a"]}});
  for (const auto& p : every_way("audio-classification", dir + "/classifier"))
    expect_json(call(*p, dir + "/b.wav", {{"top_k", 1}}), g["classifier-top1"]["b"]);
  // Raw samples at the model's rate; another rate is refused.
  const auto ctc = pipeline("automatic-speech-recognition", dir + "/ctc");
  const auto wave = load_audio(dir + "/a.wav", 16000);
  expect_json(call(*ctc, {{"raw", wave}, {"sampling_rate", 16000}}), {{"text", g["ctc"]["a"]}});
  EXPECT_THROW(call(*ctc, {{"raw", wave}, {"sampling_rate", 8000}}), ValueError);
  EXPECT_THROW(call(*ctc, 3), ValueError);
}

TEST(Tasks, VisionJson) {
  const Json ic = parse_json_file(fixture("vision/pipeline.json"));
  Json paths = Json::array();
  for (const auto& n : ic["images"]) paths.push_back(image(n));
  for (const auto& p : every_way("image-classification", fixture("vision/vit-pipeline"))) {
    expect_json(call(*p, paths), ic["top_k_default"]);
    expect_json(call(*p, paths, {{"top_k", 2}}), ic["top_k_2"]);
  }

  const Json zs = parse_json_file(fixture("multimodal/pipeline.json"));
  for (const auto& [name, results] : zs["results"].items()) {
    for (const auto& p : every_way("zero-shot-image-classification", fixture("multimodal/" + name)))
      expect_json(call(*p, image(zs["images"][0]), {{"candidate_labels", zs["labels"]}}), results[0]);
  }

  const Json det = parse_json_file(fixture("detection/pipeline.json"));
  for (const auto& p : every_way("object-detection", fixture("detection/" + det["dir"].get<std::string>())))
    for (size_t i = 0; i < det["images"].size(); ++i)
      expect_json(call(*p, image(det["images"][i]), {{"threshold", det["threshold"]}}), det["results"][i]);

  // Segmentation masks and depth pictures travel as base64 PNGs of the typed pipeline's images.
  const Json seg = ic["segmentation"];
  for (const auto& p : every_way("image-segmentation", fixture("vision/segformer-pipeline")))
    for (const auto& [name, labels] : seg.items()) {
      const Json got = call(*p, fixture("images/" + name));
      ASSERT_EQ(got.size(), labels.size());
      const auto typed = (*ImageSegmentationPipeline::from_pretrained(fixture("vision/segformer-pipeline")))(load_image(fixture("images/" + name)));
      for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i]["label"], labels[i]);
        EXPECT_TRUE(got[i]["score"].is_null());
        const std::string png = got[i]["mask"].get<std::string>();
        EXPECT_EQ(png.rfind("iVBORw0KGgo", 0), 0u);  // base64 of the PNG signature
      }
      EXPECT_EQ(typed.size(), got.size());
    }
  const auto depth = every_way("depth-estimation", fixture("vision/depth-pipeline"));
  const std::string d0 = image(ic["depth"][0]);
  const DepthResult typed = (*DepthEstimationPipeline::from_pretrained(fixture("vision/depth-pipeline")))(load_image(d0));
  for (const auto& p : depth) {
    const Json got = call(*p, d0);
    ASSERT_EQ(got["predicted_depth"].size(), static_cast<size_t>(typed.predicted_depth.size(0)));
    EXPECT_EQ(got["predicted_depth"][0].size(), static_cast<size_t>(typed.predicted_depth.size(1)));
    EXPECT_NEAR(got["predicted_depth"][0][0].get<double>(), typed.predicted_depth.item({0, 0}), 1e-5);
    EXPECT_EQ(got["depth"].get<std::string>().rfind("iVBORw0KGgo", 0), 0u);
  }
}

TEST(Tasks, ImageToTextJson) {
  const Json want = parse_json_file(fixture("image_to_text/pipeline.json"));
  for (const auto& p : every_way("image-to-text", fixture("image_to_text/trocr-vit")))
    expect_json(call(*p, image(want["images"][0]), {{"max_new_tokens", 8}, {"do_sample", false}}), want["results"][0]);

  const std::string llava = fixture("multimodal/llava");
  const Json lw = parse_json_file(llava + "/processor_goldens.json");
  for (const auto& p : every_way("image-text-to-text", llava)) {
    const Json got = call(*p, {{"images", image(lw["images"][0])}, {"text", lw["prompts"][0]}}, {{"max_new_tokens", 6}, {"do_sample", false}});
    expect_json(got, Json::array({{{"generated_text", lw["pipeline_new_text"][0]}}}));
    const Json chat = call(*p, {{"images", image(lw["images"][0])}, {"text", lw["messages"]}}, {{"max_new_tokens", 6}, {"do_sample", false}});
    expect_json(chat, Json::array({{{"generated_text", lw["pipeline_new_text"][0]}}}));
    EXPECT_THROW(call(*p, image(lw["images"][0])), ValueError);  // no text
  }
}
