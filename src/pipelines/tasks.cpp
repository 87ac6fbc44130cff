// The task table (Python's SUPPORTED_TASKS + TASK_ALIASES), pipeline(), infer_task and each
// task's JSON call: inputs as the task's InputKind reads them, results shaped as Python's
// pipeline returns them. Adding a task: its pipeline file and one row below.
#include "pipelines/tasks.hpp"
#include "pipelines/pipeline_utils.hpp"

#include <stb/stb_image_write.h>

#include <algorithm>

#include "models/registry.hpp"
#include "tokenizers/sentencepiece.hpp"

namespace transformers {

namespace {

template <class T>
const T& as(const Pipeline& p) {
  const T* t = dynamic_cast<const T*>(&p);
  if (!t) throw ValueError("task '" + p.task() + "': the pipeline is not the task's pipeline class");
  return *t;
}

// One input or a list of them: `single` tells which, so the result is shaped the same way.
// `is_one` says whether a JSON array is itself one input (a chat's message list).
std::vector<Json> items(const Json& inputs, bool& single, const std::function<bool(const Json&)>& is_one = {}) {
  if (inputs.is_array() && !(is_one && is_one(inputs))) {
    if (inputs.empty()) throw ValueError("give at least one input");
    single = false;
    return std::vector<Json>(inputs.begin(), inputs.end());
  }
  single = true;
  return {inputs};
}
Json shaped(std::vector<Json> results, bool single) { return single ? results.at(0) : Json(std::move(results)); }

std::string str(const Json& j, const std::string& what) { return json_string<ValueError>(j, what); }
std::string member(const Json& j, const char* key, const std::string& task) {
  if (!j.is_object() || !j.contains(key)) throw ValueError(task + ": each input needs a \"" + key + "\"");
  return str(j[key], task + ": \"" + key + "\"");
}
std::vector<std::string> strings(const Json& j, const std::string& what) {
  if (j.is_string()) return {j.get<std::string>()};
  if (!j.is_array()) throw ValueError(what + " must be a string or a list of strings");
  std::vector<std::string> v;
  for (const auto& x : j) v.push_back(str(x, what));
  return v;
}
// A label list as a JSON list or one comma-separated string (Python's candidate_labels takes both).
std::vector<std::string> labels_of(const Json& params, const std::string& task) {
  if (!params.contains("candidate_labels")) throw ValueError(task + ": give candidate_labels");
  const Json& l = params["candidate_labels"];
  if (!l.is_string()) return strings(l, task + ": candidate_labels");
  std::vector<std::string> out;
  const std::string s = l.get<std::string>();
  for (size_t b = 0, e; b <= s.size(); b = e + 1) {
    e = s.find(',', b);
    if (e == std::string::npos) e = s.size();
    if (e > b) out.push_back(s.substr(b, e - b));
  }
  return out;
}
// top_k: absent -> def, null -> every label.
std::optional<int64_t> top_k_of(const Json& params, std::optional<int64_t> def) {
  if (!params.contains("top_k")) return def;
  if (params["top_k"].is_null()) return std::nullopt;
  return json_int<ValueError>(params["top_k"], "top_k", 1);
}

// Generation settings: the call's keyword arguments that GenerationConfig knows, generate_kwargs
// winning (unknown keys are ignored as generation_config.json's are).
GenerationConfig generation_of(const Json& params) {
  Json g = Json::object();
  for (const auto& [k, v] : params.items())
    if (k != "generate_kwargs") g[k] = v;
  if (params.contains("generate_kwargs")) {
    if (!params["generate_kwargs"].is_object()) throw ValueError("generate_kwargs must be an object");
    for (const auto& [k, v] : params["generate_kwargs"].items()) g[k] = v;
  }
  return GenerationConfig::from_json_string(g.dump(), "pipeline parameters");
}

Json label_scores_json(const std::vector<LabelScore>& v) {
  Json out = Json::array();
  for (const auto& l : v) out.push_back({{"label", l.label}, {"score", l.score}});
  return out;
}

std::string png_base64(const Image& im) {
  std::string bytes;
  auto sink = [](void* ctx, void* data, int size) { static_cast<std::string*>(ctx)->append(static_cast<const char*>(data), static_cast<size_t>(size)); };
  if (!stbi_write_png_to_func(sink, &bytes, static_cast<int>(im.width), static_cast<int>(im.height), static_cast<int>(im.channels),
                              im.pixels.data(), static_cast<int>(im.width * im.channels)))
    throw ValueError("cannot encode a PNG of " + std::to_string(im.width) + "x" + std::to_string(im.height));
  return tok::base64(bytes);
}

std::vector<float> audio_of(const Json& j, int64_t rate, const std::string& task) {
  if (j.is_string()) return load_audio(j.get<std::string>(), rate);
  if (j.is_object()) {
    const char* key = j.contains("raw") ? "raw" : "array";
    if (!j.contains(key) || !j[key].is_array()) throw ValueError(task + ": an audio object needs \"raw\": [samples]");
    const int64_t sr = json_int_or<ValueError>(j, "sampling_rate", rate, task, 1);
    if (sr != rate) throw ValueError(task + ": audio at " + std::to_string(sr) + " Hz; the model reads " + std::to_string(rate) + " Hz");
    std::vector<float> v;
    for (const auto& x : j[key]) v.push_back(static_cast<float>(json_number<ValueError>(x, task + ": a sample")));
    return v;
  }
  throw ValueError(task + ": audio is a file path or {\"raw\": [samples], \"sampling_rate\": n}");
}

Image image_of(const Json& j, const std::string& task) { return load_image(str(j, task + ": an image (file path)")); }

bool is_chat(const Json& j) { return j.is_array() && !j.empty() && j[0].is_object() && j[0].contains("role"); }

// ---- the JSON writers, one per task ----

Json run_text_classification(const Pipeline& p, const Json& inputs, const Json& params, const Pipeline::TextCallback&) {
  const auto& pipe = as<TextClassificationPipeline>(p);
  bool single;
  const auto xs = items(inputs, single);
  std::vector<std::string> texts, pairs;
  for (const auto& x : xs) {
    const bool pair = x.is_object();
    texts.push_back(pair ? member(x, "text", p.task()) : str(x, p.task() + ": a text"));
    if (pair) pairs.push_back(member(x, "text_pair", p.task()));
  }
  if (!pairs.empty() && pairs.size() != texts.size()) throw ValueError(p.task() + ": give a text_pair with every input or with none");
  const auto top_k = top_k_of(params, 1);
  const auto r = pairs.empty() ? pipe(texts, top_k) : pipe(texts, pairs, top_k);
  std::vector<Json> out;
  for (const auto& one : r) out.push_back(top_k == std::optional<int64_t>(1) ? label_scores_json(one).at(0) : label_scores_json(one));
  return shaped(out, single);
}

Json run_fill_mask(const Pipeline& p, const Json& inputs, const Json& params, const Pipeline::TextCallback&) {
  bool single;
  std::vector<std::string> texts;
  for (const auto& x : items(inputs, single)) texts.push_back(str(x, "fill-mask: a text"));
  std::vector<Json> out;
  for (const auto& one : as<FillMaskPipeline>(p)(texts, json_int_or<ValueError>(params, "top_k", 5, "fill-mask", 1))) {
    Json r = Json::array();
    for (const auto& f : one) r.push_back({{"score", f.score}, {"token", f.token}, {"token_str", f.token_str}, {"sequence", f.sequence}});
    out.push_back(r);
  }
  return shaped(out, single);
}

Json run_token_classification(const Pipeline& p, const Json& inputs, const Json& params, const Pipeline::TextCallback&) {
  bool single;
  std::vector<std::string> texts;
  for (const auto& x : items(inputs, single)) texts.push_back(str(x, "token-classification: a text"));
  const std::string agg = json_value<ValueError>(params, "aggregation_strategy", "none", "token-classification");
  std::vector<Json> out;
  for (const auto& one : as<TokenClassificationPipeline>(p)(texts, agg)) {
    Json r = Json::array();
    for (const auto& e : one) {
      Json j = Json::object();
      j[agg == "none" ? "entity" : "entity_group"] = e.entity;
      j["score"] = e.score;
      if (e.index) j["index"] = *e.index;
      j["word"] = e.word, j["start"] = e.start, j["end"] = e.end;
      r.push_back(j);
    }
    out.push_back(r);
  }
  return shaped(out, single);
}

Json run_question_answering(const Pipeline& p, const Json& inputs, const Json& params, const Pipeline::TextCallback&) {
  QaOptions o;
  const std::string w = "question-answering";
  o.top_k = json_int_or<ValueError>(params, "top_k", 1, w, 1);
  if (params.contains("doc_stride")) o.doc_stride = json_int<ValueError>(params["doc_stride"], "doc_stride", 0);
  if (params.contains("max_seq_len")) o.max_seq_len = json_int<ValueError>(params["max_seq_len"], "max_seq_len", 1);
  o.max_answer_len = json_int_or<ValueError>(params, "max_answer_len", 15, w, 1);
  o.handle_impossible_answer = json_value<ValueError>(params, "handle_impossible_answer", false, w);
  o.align_to_words = json_value<ValueError>(params, "align_to_words", true, w);
  bool single;
  std::vector<Json> out;
  for (const auto& x : items(inputs, single)) {
    Json r = Json::array();
    for (const auto& a : as<QuestionAnsweringPipeline>(p)(member(x, "question", w), member(x, "context", w), o))
      r.push_back({{"score", a.score}, {"start", a.start}, {"end", a.end}, {"answer", a.answer}});
    out.push_back(o.top_k == 1 && r.size() == 1 ? r[0] : r);
  }
  return shaped(out, single);
}

Json run_zero_shot_classification(const Pipeline& p, const Json& inputs, const Json& params, const Pipeline::TextCallback&) {
  const std::string w = "zero-shot-classification";
  const auto labels = labels_of(params, w);
  const std::string tmpl = json_value<ValueError>(params, "hypothesis_template", "This example is {}.", w);
  const bool multi = json_value<ValueError>(params, "multi_label", false, w);
  bool single;
  std::vector<Json> out;
  for (const auto& x : items(inputs, single)) {
    const ZeroShotResult r = as<ZeroShotClassificationPipeline>(p)(str(x, w + ": a text"), labels, tmpl, multi);
    out.push_back({{"sequence", r.sequence}, {"labels", r.labels}, {"scores", r.scores}});
  }
  return shaped(out, single);
}

// Our CLI's default budget when neither the call nor the checkpoint's generation_config sets one
// (generation_config's max_length 20 would cut most answers short).
void default_budget(GenerationConfig& g, const PreTrainedModel& m, int64_t n) {
  if (!g.max_new_tokens && !g.max_length && !m.generation_config().max_new_tokens) g.max_new_tokens = n;
}

Json run_text_generation(const Pipeline& p, const Json& inputs, const Json& params, const Pipeline::TextCallback& on_text) {
  const auto& pipe = as<TextGenerationPipeline>(p);
  GenerationConfig g = generation_of(params);
  default_budget(g, pipe.model(), 64);
  bool single;
  std::vector<Json> out;
  for (const auto& x : items(inputs, single, is_chat)) {
    if (is_chat(x)) {  // the chat with the assistant's reply appended, as Python returns it
      Json chat = x;
      chat.push_back({{"role", "assistant"}, {"content", pipe.chat(x.dump(), g, on_text)}});
      out.push_back(Json::array({{{"generated_text", chat}}}));
    } else {
      const std::string prompt = str(x, "text-generation: a prompt");
      if (on_text) on_text(prompt);  // the streamed text reads as the full text
      Json r = Json::array();
      for (const auto& t : pipe({prompt}, g, on_text)) r.push_back({{"generated_text", t}});
      out.push_back(r);
    }
  }
  return shaped(out, single);
}

Json run_text2text(const Pipeline& p, const Json& inputs, const Json& params, const Pipeline::TextCallback&) {
  const auto& pipe = as<Text2TextGenerationPipeline>(p);
  bool single;
  std::vector<std::string> texts;
  for (const auto& x : items(inputs, single)) texts.push_back(str(x, p.task() + ": a text"));
  // The languages belong to the pipeline (set_languages): a call cannot change them.
  if (params.contains("src_lang") || params.contains("tgt_lang"))
    throw ValueError(p.task() + ": give src_lang / tgt_lang when building the pipeline (PipelineOptions, or task translation_xx_to_yy)");
  const auto r = pipe(texts, generation_of(params));
  const size_t per = r.size() / texts.size();
  std::vector<Json> out(texts.size(), Json::array());
  for (size_t i = 0; i < r.size(); ++i) out[i / per].push_back({{pipe.output_key(), r[i]}});
  return shaped(out, single);
}

Json run_asr(const Pipeline& p, const Json& inputs, const Json& params, const Pipeline::TextCallback&) {
  const auto& pipe = as<AutomaticSpeechRecognitionPipeline>(p);
  const std::string w = "automatic-speech-recognition";
  AsrOptions o;
  if (params.contains("generate_kwargs")) {
    if (!params["generate_kwargs"].is_object()) throw ValueError("generate_kwargs must be an object");
    o.generation = GenerationConfig::from_json_string(params["generate_kwargs"].dump(), "generate_kwargs");
  }
  if (params.contains("max_new_tokens")) o.generation.max_new_tokens = json_int<ValueError>(params["max_new_tokens"], "max_new_tokens", 1);
  if (params.contains("return_timestamps")) {
    const Json& t = params["return_timestamps"];
    o.return_timestamps = t.is_boolean() ? (t.get<bool>() ? "true" : "") : str(t, w + ": return_timestamps");
  }
  o.chunk_length_s = json_number_or<ValueError>(params, "chunk_length_s", 0, w);
  if (params.contains("stride_length_s")) o.stride_length_s = json_number<ValueError>(params["stride_length_s"], "stride_length_s");
  o.prompt = json_value<ValueError>(params, "prompt", "", w);
  o.return_language = json_value<ValueError>(params, "return_language", false, w);
  bool single;
  std::vector<Json> out;
  for (const auto& x : items(inputs, single)) {
    const AsrResult r = pipe.transcribe({audio_of(x, pipe.sampling_rate(), w)}, o).at(0);
    Json j = {{"text", r.text}};
    if (!o.return_timestamps.empty() || o.return_language) {
      j["chunks"] = Json::array();
      for (const auto& c : r.chunks) {
        Json cj = {{"timestamp", {c.start ? Json(*c.start) : Json(), c.end ? Json(*c.end) : Json()}}, {"text", c.text}};
        if (o.return_language) cj["language"] = c.language.empty() ? Json() : Json(c.language);
        j["chunks"].push_back(cj);
      }
    }
    out.push_back(j);
  }
  return shaped(out, single);
}

Json run_audio_classification(const Pipeline& p, const Json& inputs, const Json& params, const Pipeline::TextCallback&) {
  const auto& pipe = as<AudioClassificationPipeline>(p);
  bool single;
  std::vector<std::vector<float>> clips;
  for (const auto& x : items(inputs, single)) clips.push_back(audio_of(x, pipe.sampling_rate(), "audio-classification"));
  std::vector<Json> out;
  for (const auto& one : pipe(clips, top_k_of(params, 5))) out.push_back(label_scores_json(one));
  return shaped(out, single);
}

Json run_image_classification(const Pipeline& p, const Json& inputs, const Json& params, const Pipeline::TextCallback&) {
  bool single;
  std::vector<Image> images;
  for (const auto& x : items(inputs, single)) images.push_back(image_of(x, "image-classification"));
  std::vector<Json> out;
  for (const auto& one : as<ImageClassificationPipeline>(p)(images, top_k_of(params, 5))) out.push_back(label_scores_json(one));
  return shaped(out, single);
}

Json run_zero_shot_image_classification(const Pipeline& p, const Json& inputs, const Json& params, const Pipeline::TextCallback&) {
  const std::string w = "zero-shot-image-classification";
  const auto labels = labels_of(params, w);
  const std::string tmpl = json_value<ValueError>(params, "hypothesis_template", "This is a photo of {}.", w);
  bool single;
  std::vector<Json> out;
  for (const auto& x : items(inputs, single)) {
    Json r = Json::array();
    for (const auto& l : as<ZeroShotImageClassificationPipeline>(p)(image_of(x, w), labels, tmpl)) r.push_back({{"score", l.score}, {"label", l.label}});
    out.push_back(r);
  }
  return shaped(out, single);
}

Json run_image_segmentation(const Pipeline& p, const Json& inputs, const Json& params, const Pipeline::TextCallback&) {
  ImageSegmentationPipeline::Options o;
  o.threshold = json_number_or<ValueError>(params, "threshold", o.threshold, "image-segmentation");
  o.mask_threshold = json_number_or<ValueError>(params, "mask_threshold", o.mask_threshold, "image-segmentation");
  o.overlap_mask_area_threshold = json_number_or<ValueError>(params, "overlap_mask_area_threshold", o.overlap_mask_area_threshold, "image-segmentation");
  if (params.contains("subtask")) {
    if (!params["subtask"].is_string()) throw ValueError("image-segmentation: subtask must be a string");
    o.subtask = params["subtask"].get<std::string>();
  }
  bool single;
  std::vector<Json> out;
  for (const auto& x : items(inputs, single)) {
    Json r = Json::array();
    for (const auto& m : as<ImageSegmentationPipeline>(p)(image_of(x, "image-segmentation"), o))
      r.push_back({{"score", m.score ? Json(*m.score) : Json()}, {"label", m.label}, {"mask", png_base64(m.mask)}});
    out.push_back(r);
  }
  return shaped(out, single);
}

Json run_depth_estimation(const Pipeline& p, const Json& inputs, const Json&, const Pipeline::TextCallback&) {
  bool single;
  std::vector<Json> out;
  for (const auto& x : items(inputs, single)) {
    const DepthResult r = as<DepthEstimationPipeline>(p)(image_of(x, "depth-estimation"));
    const auto d = r.predicted_depth.to_floats();
    const int64_t h = r.predicted_depth.size(0), w = r.predicted_depth.size(1);
    Json rows = Json::array();
    for (int64_t y = 0; y < h; ++y) rows.push_back(std::vector<float>(d.begin() + y * w, d.begin() + (y + 1) * w));
    out.push_back({{"predicted_depth", rows}, {"depth", png_base64(r.depth)}});
  }
  return shaped(out, single);
}

Json run_object_detection(const Pipeline& p, const Json& inputs, const Json& params, const Pipeline::TextCallback&) {
  const double threshold = json_number_or<ValueError>(params, "threshold", 0.5, "object-detection");
  bool single;
  std::vector<Json> out;
  for (const auto& x : items(inputs, single)) {
    Json r = Json::array();
    for (const auto& d : as<ObjectDetectionPipeline>(p)(image_of(x, "object-detection"), threshold))
      r.push_back({{"score", d.score}, {"label", d.label}, {"box", {{"xmin", d.xmin}, {"ymin", d.ymin}, {"xmax", d.xmax}, {"ymax", d.ymax}}}});
    out.push_back(r);
  }
  return shaped(out, single);
}

Json run_image_to_text(const Pipeline& p, const Json& inputs, const Json& params, const Pipeline::TextCallback&) {
  const GenerationConfig g = generation_of(params);
  bool single;
  std::vector<Json> out;
  for (const auto& x : items(inputs, single))
    out.push_back(Json::array({{{"generated_text", as<ImageTextToTextPipeline>(p)(image_of(x, "image-to-text"), g)}}}));
  return shaped(out, single);
}

Json run_image_text_to_text(const Pipeline& p, const Json& inputs, const Json& params, const Pipeline::TextCallback&) {
  const auto& pipe = as<ImageTextToTextPipeline>(p);
  const std::string w = "image-text-to-text";
  GenerationConfig g = generation_of(params);
  const bool has_template = !pipe.processor().tokenizer().chat_template().empty();
  if (!g.max_new_tokens && has_template) g.max_new_tokens = 64;
  bool single;
  std::vector<Json> out;
  for (const auto& x : items(inputs, single)) {
    if (!x.is_object() || !(x.contains("images") || x.contains("image")) || !x.contains("text"))
      throw ValueError(w + ": each input is {\"images\": image file, \"text\": prompt or chat messages}");
    const Image image = image_of(x.contains("images") ? x["images"] : x["image"], w);
    const Json& text = x["text"];
    std::string reply;
    if (is_chat(text)) {
      reply = pipe.chat(image, text.dump(), g);
    } else {
      // A plain question goes through the chat template (the image first); a prompt that places
      // the image itself is used as written.
      const std::string prompt = str(text, w + ": text");
      const bool templated = prompt.find("<image>") == std::string::npos && has_template;
      const Json messages = {{{"role", "user"}, {"content", {{{"type", "image"}}, {{"type", "text"}, {"text", prompt}}}}}};
      reply = templated ? pipe.chat(image, messages.dump(), g) : pipe(image, prompt, g);
    }
    out.push_back(Json::array({{{"input_text", text}, {"generated_text", reply}}}));
  }
  return shaped(out, single);
}

EncodeOptions encode_options(const Json& params, const std::string& w) {
  EncodeOptions o;
  o.batch_size = json_int_or<ValueError>(params, "batch_size", 32, w, 1);
  if (params.contains("prompt")) o.prompt = str(params["prompt"], w + ": prompt");
  if (params.contains("prompt_name")) o.prompt_name = str(params["prompt_name"], w + ": prompt_name");
  o.truncate_dim = json_int_or<ValueError>(params, "truncate_dim", 0, w, 0);
  o.normalize_embeddings = json_value<ValueError>(params, "normalize_embeddings", false, w);
  return o;
}

Json run_feature_extraction(const Pipeline& p, const Json& inputs, const Json& params, const Pipeline::TextCallback&) {
  bool single;
  std::vector<std::string> texts;
  for (const auto& x : items(inputs, single)) texts.push_back(str(x, "feature-extraction: a text"));
  const Tensor e = as<SentenceTransformer>(p).encode(texts, encode_options(params, "feature-extraction"));
  const auto v = e.to_floats();
  const int64_t d = e.size(1);
  std::vector<Json> out;
  for (size_t i = 0; i < texts.size(); ++i) out.emplace_back(std::vector<float>(v.begin() + static_cast<int64_t>(i) * d, v.begin() + static_cast<int64_t>(i + 1) * d));
  return shaped(out, single);
}

// The Inference API's sentence-similarity: the source sentence's score against each sentence.
Json run_sentence_similarity(const Pipeline& p, const Json& inputs, const Json& params, const Pipeline::TextCallback&) {
  const auto& st = as<SentenceTransformer>(p);
  const std::string w = "sentence-similarity";
  if (!inputs.is_object() || !inputs.contains("sentences")) throw ValueError(w + ": inputs are {\"source_sentence\", \"sentences\"}");
  std::vector<std::string> texts{member(inputs, "source_sentence", w)};
  for (const auto& s : strings(inputs["sentences"], w + ": sentences")) texts.push_back(s);
  const Tensor e = st.encode(texts, encode_options(params, w));
  const auto sim = st.similarity(e.slice(0, 0, 1), e.slice(0, 1, e.size(0))).to_floats();
  return Json(std::vector<double>(sim.begin(), sim.end()));
}

// sentence-transformers' CrossEncoder.rank: documents by descending score.
Json run_rerank(const Pipeline& p, const Json& inputs, const Json& params, const Pipeline::TextCallback&) {
  const std::string w = "rerank";
  if (!inputs.is_object() || !inputs.contains("documents")) throw ValueError(w + ": inputs are {\"query\", \"documents\"}");
  const std::string query = member(inputs, "query", w);
  const auto docs = strings(inputs["documents"], w + ": documents");
  CrossEncoderOptions o;
  o.batch_size = json_int_or<ValueError>(params, "batch_size", 32, w, 1);
  if (params.contains("prompt")) o.prompt = str(params["prompt"], w + ": prompt");
  if (params.contains("prompt_name")) o.prompt_name = str(params["prompt_name"], w + ": prompt_name");
  o.apply_softmax = json_value<ValueError>(params, "apply_softmax", false, w);
  const bool return_documents = json_value<ValueError>(params, "return_documents", false, w);
  Json out = Json::array();
  for (const auto& r : as<CrossEncoder>(p).rank(query, docs, json_int_or<ValueError>(params, "top_k", 0, w, 0), o)) {
    Json j = {{"corpus_id", r.corpus_id}, {"score", r.score}};
    if (return_documents) j["text"] = docs[static_cast<size_t>(r.corpus_id)];
    out.push_back(j);
  }
  return out;
}

template <class T>
TaskRow::Factory plain() {
  return [](const std::string& model, const std::string&, const PipelineOptions& o) -> std::unique_ptr<Pipeline> { return T::from_pretrained(model, o); };
}
template <class T>
TaskRow::Factory with_images() {
  return [](const std::string& model, const std::string&, const PipelineOptions& o) -> std::unique_ptr<Pipeline> {
    return T::from_pretrained(model, o, o.image_processor);
  };
}
std::unique_ptr<Pipeline> text2text(const std::string& model, const std::string& task, const PipelineOptions& o) {
  auto p = Text2TextGenerationPipeline::from_pretrained(model, task, o);
  if (!o.src_lang.empty() || !o.tgt_lang.empty()) p->set_languages(o.src_lang, o.tgt_lang);
  return p;
}
std::unique_ptr<Pipeline> sentence_transformer(const std::string& model, const std::string&, const PipelineOptions& o) {
  return SentenceTransformer::from_pretrained(model, o);
}

// Encoder-decoders that read the image alone (VisionEncoderDecoder captioners, TrOCR).
bool reads_image_alone(const PretrainedConfig& c) { return c.get_bool("is_encoder_decoder", false); }

using K = InputKind;
const std::vector<TaskRow> kRows = [] {
  std::vector<TaskRow> r;
  auto add = [&](TaskInfo info, TaskRow::Factory f, decltype(TaskRow::run) run) {
    TaskRow row;
    row.info = std::move(info), row.factory = std::move(f), row.run = std::move(run);
    r.push_back(std::move(row));
  };
  // Audio and vision first: their Auto classes are specific, and the text rows' generic ones
  // (AutoModel) must not catch them.
  add({"automatic-speech-recognition", {}, {"AutoModelForCTC", "AutoModelForSpeechSeq2Seq"}, K::Audio, "multimodal", "speech to text (CTC, Whisper)"},
      plain<AutomaticSpeechRecognitionPipeline>(), run_asr);
  add({"audio-classification", {}, {"AutoModelForAudioClassification"}, K::Audio, "audio", "labels of a clip"},
      plain<AudioClassificationPipeline>(), run_audio_classification);
  add({"image-classification", {}, {"AutoModelForImageClassification"}, K::Image, "image", "labels of an image"},
      with_images<ImageClassificationPipeline>(), run_image_classification);
  add({"zero-shot-image-classification", {}, {"AutoModelForZeroShotImageClassification"}, K::Image, "multimodal", "an image against candidate labels"},
      with_images<ZeroShotImageClassificationPipeline>(), run_zero_shot_image_classification);
  add({"image-to-text", {}, {"AutoModelForImageTextToText"}, K::Image, "multimodal", "a caption / transcription of an image (v4's task)"},
      with_images<ImageTextToTextPipeline>(), run_image_to_text);
  r.back().infer_if = reads_image_alone;
  add({"image-text-to-text", {}, {"AutoModelForImageTextToText"}, K::ImageText, "multimodal", "an image and a prompt or chat to text"},
      with_images<ImageTextToTextPipeline>(), run_image_text_to_text);
  add({"object-detection", {}, {"AutoModelForObjectDetection"}, K::Image, "multimodal", "labelled boxes"},
      with_images<ObjectDetectionPipeline>(), run_object_detection);
  add({"image-segmentation", {}, {"AutoModelForImageSegmentation", "AutoModelForSemanticSegmentation"}, K::Image, "multimodal", "one mask per class"},
      with_images<ImageSegmentationPipeline>(), run_image_segmentation);
  add({"depth-estimation", {}, {"AutoModelForDepthEstimation"}, K::Image, "image", "a depth map"},
      with_images<DepthEstimationPipeline>(), run_depth_estimation);
  add({"text-generation", {}, {"AutoModelForCausalLM"}, K::Chat, "text", "continue a prompt or answer a chat"},
      plain<TextGenerationPipeline>(), run_text_generation);
  add({"text2text-generation", {}, {"AutoModelForSeq2SeqLM"}, K::Text, "text", "encoder-decoder generation (v4's task)"}, text2text, run_text2text);
  add({"summarization", {}, {"AutoModelForSeq2SeqLM"}, K::Text, "text", "summaries (v4's task)"}, text2text, run_text2text);
  r.back().inferred = false;
  add({"translation", {}, {"AutoModelForSeq2SeqLM"}, K::Text, "text", "translation; translation_xx_to_yy names the languages (v4's task)"},
      text2text, run_text2text);
  r.back().inferred = false;
  add({"text-classification", {"sentiment-analysis"}, {"AutoModelForSequenceClassification"}, K::TextPair, "text", "labels of a text or text pair"},
      plain<TextClassificationPipeline>(), run_text_classification);
  add({"token-classification", {"ner"}, {"AutoModelForTokenClassification"}, K::Text, "text", "entities"},
      plain<TokenClassificationPipeline>(), run_token_classification);
  add({"question-answering", {}, {"AutoModelForQuestionAnswering"}, K::QuestionContext, "text", "extractive answers (v4's task)"},
      plain<QuestionAnsweringPipeline>(), run_question_answering);
  add({"fill-mask", {}, {"AutoModelForMaskedLM"}, K::Text, "text", "fillers of the mask token"}, plain<FillMaskPipeline>(), run_fill_mask);
  add({"zero-shot-classification", {}, {"AutoModelForSequenceClassification"}, K::Text, "text", "a text against candidate labels (NLI)"},
      plain<ZeroShotClassificationPipeline>(), run_zero_shot_classification);
  r.back().inferred = false;
  add({"feature-extraction", {}, {"AutoModel"}, K::Text, "multimodal", "sentence embeddings (sentence-transformers)"}, sentence_transformer,
      run_feature_extraction);
  add({"sentence-similarity", {}, {"AutoModel"}, K::SourceSentences, "text", "a sentence's similarity to others (sentence-transformers)"},
      sentence_transformer, run_sentence_similarity);
  r.back().inferred = false;
  add({"rerank", {}, {"AutoModelForSequenceClassification"}, K::QueryDocuments, "text", "documents ranked against a query (CrossEncoder)"},
      plain<CrossEncoder>(), run_rerank);
  r.back().inferred = false;
  return r;
}();

std::string known_tasks() {
  std::string s;
  for (const auto& t : get_supported_tasks()) s += (s.empty() ? "'" : ", '") + t + "'";
  return "[" + s + "]";
}

}  // namespace

const char* input_kind_name(InputKind k) {
  switch (k) {
    case K::Text: return "text";
    case K::TextPair: return "text-pair";
    case K::QuestionContext: return "question-context";
    case K::Chat: return "chat";
    case K::Image: return "image";
    case K::ImageText: return "image-text";
    case K::Audio: return "audio";
    case K::SourceSentences: return "source-sentences";
    case K::QueryDocuments: return "query-documents";
  }
  return "?";
}

const std::vector<TaskRow>& task_rows() { return kRows; }

bool auto_class_maps(const std::string& auto_class, const PretrainedConfig& config) {
  for (const auto& e : registry::builtin_models())
    if (auto_class == e.auto_class && config.model_type() == e.model_type) return true;
  return false;
}

const std::vector<TaskInfo>& supported_tasks() {
  static const std::vector<TaskInfo> infos = [] {
    std::vector<TaskInfo> v;
    for (const auto& r : kRows) v.push_back(r.info);
    return v;
  }();
  return infos;
}

std::vector<std::string> get_supported_tasks() {
  std::vector<std::string> v;
  for (const auto& r : kRows) {
    v.push_back(r.info.name);
    v.insert(v.end(), r.info.aliases.begin(), r.info.aliases.end());
  }
  std::sort(v.begin(), v.end());
  return v;
}

const TaskRow& task_row(const std::string& task) {
  // translation_xx_to_yy is the translation row with its languages (v4's parametrized task).
  const std::string name = task.rfind("translation_", 0) == 0 ? "translation" : task;
  for (const auto& r : kRows)
    if (r.info.name == name || std::find(r.info.aliases.begin(), r.info.aliases.end(), name) != r.info.aliases.end()) return r;
  throw UnknownTaskError("Unknown task " + task + ", available tasks are " + known_tasks());
}

const TaskInfo& check_task(const std::string& task) { return task_row(task).info; }

std::string infer_task(const PretrainedConfig& config) {
  const auto& archs = config.architectures();
  if (archs.empty()) return "feature-extraction";
  const std::string& arch = archs[0];
  for (const auto& r : kRows) {
    if (!r.inferred || (r.infer_if && !r.infer_if(config))) continue;
    for (const auto& e : registry::builtin_models())
      if (arch == e.class_name && std::find(r.info.auto_classes.begin(), r.info.auto_classes.end(), e.auto_class) != r.info.auto_classes.end())
        return r.info.name;
  }
  return "feature-extraction";  // a base model (or one we do not map): its embeddings
}

Pipeline::~Pipeline() = default;

Json run_pipeline(const Pipeline& p, const Json& inputs, const Json& params, const Pipeline::TextCallback& on_text) {
  if (!params.is_object()) throw ValueError(p.task() + ": the parameters must be a JSON object");
  return task_row(p.task()).run(p, inputs, params, on_text);
}

std::string Pipeline::call_json(const std::string& inputs_json, const std::string& params_json, const TextCallback& on_text) const {
  Json inputs, params;
  try {
    inputs = Json::parse(inputs_json);
    params = Json::parse(params_json);
  } catch (const nlohmann::json::exception& e) {
    throw ValueError(task_ + ": malformed JSON: " + e.what());
  }
  return run_pipeline(*this, inputs, params, on_text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::unique_ptr<Pipeline> pipeline(const std::string& task, const std::string& model, const PipelineOptions& o) {
  std::string name = task;
  if (name.empty()) {
    ConfigOptions co;
    static_cast<HubOptions&>(co) = o;
    name = infer_task(AutoConfig::from_pretrained(model, co));
  }
  const TaskRow& row = task_row(name);
  if (name.rfind("translation_", 0) != 0) name = row.info.name;  // aliases resolved; translation_xx_to_yy kept
  std::unique_ptr<Pipeline> p = row.factory(model, name, o);
  p->task_ = name;
  return p;
}

}  // namespace transformers
