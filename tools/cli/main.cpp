// transformers-cpp: the command-line face of the library (see DESIGN.md, "The CLI contract").
// Every command takes a model folder or Hub id first; any error is one line on stderr, exit 1.
#include <CLI/CLI.hpp>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <fstream>
#include <cstdio>
#include <iostream>
#include "io/json.hpp"

#include "transformers/transformers.hpp"

using namespace transformers;

namespace {

// config.architectures[0] of a model ("" when absent): what Python's pipeline(model=...) and our
// defaults pick the task or Auto class from.
std::string first_architecture(const std::string& model_id, const HubOptions& o) {
  const auto arch = AutoConfig::from_pretrained(model_id, ConfigOptions{o, {}}).architectures();
  return arch.empty() ? "" : arch[0];
}
bool is_seq2seq_lm(const std::string& arch) {
  return arch.find("ConditionalGeneration") != std::string::npos || arch.find("MTModel") != std::string::npos;
}

void add_hub_options(CLI::App* c, HubOptions& o) {
  c->add_option("--revision", o.revision, "branch, tag or commit");
  c->add_option("--subfolder", o.subfolder);
  c->add_option("--cache-dir", o.cache_dir);
  c->add_flag("--local-files-only", o.local_files_only);
  c->add_flag("--force-download", o.force_download);
  c->add_option("--token", o.token);
}

// Model-loading options on top of the Hub's.
void add_model_options(CLI::App* c, FromPretrainedOptions& o) {
  add_hub_options(c, o);
  c->add_flag("--mmap", o.mmap, "weights stay in a memory map of the files (no copy, instant load; decode streams them slower)");
}

int cmd_env() {
  EnvInfo e = env_info();
  nlohmann::ordered_json j;
  j["version"] = e.version;
  j["cpu_isa"] = e.cpu_isa;
  j["threads"] = e.threads;
  j["backends"] = {{"cpu", true}, {"cuda", e.cuda_compiled}};
  j["cuda_devices"] = e.cuda_devices;
  j["cache_dir"] = e.cache_dir;
  j["endpoint"] = e.endpoint;
  j["offline"] = e.offline;
  j["reference_mode"] = e.reference_mode;
  std::cout << j.dump(2) << "\n";
  return 0;
}

int cmd_forward(const std::string& model_id, const std::string& auto_class, const std::string& inputs_path,
                const std::string& out_path, const FromPretrainedOptions& o, const ForwardOptions& fwd) {
  auto model = auto_model_from_pretrained(auto_class, model_id, o);
  SafeTensorsFile in = SafeTensorsFile::open(inputs_path);
  ModelInputs inputs;
  for (const auto& t : in.tensors()) inputs[t.name] = in.get(t.name);
  ModelOutput out = model->forward(inputs, fwd);
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (const auto& [name, t] : out.fields)
    tensors.emplace_back(name, is_floating(t.dtype()) ? t.to(DType::F32) : t.to(DType::I64));
  save_safetensors(tensors, out_path, {{"format", "pt"}});
  std::fprintf(stderr, "%s: wrote", model->class_name().c_str());
  for (const auto& [name, t] : tensors) std::fprintf(stderr, " %s%s", name.c_str(), shape_str(t.shape()).c_str());
  std::fprintf(stderr, " to %s\n", out_path.c_str());
  return 0;
}

// One JSON line per input: ids, tokens, offsets, masks and both decodes (DESIGN.md tokenize contract).
int cmd_tokenize(const std::string& model_id, const std::string& jsonl, bool batch, const TokenizerCallOptions& base,
                 const TokenizerOptions& to) {
  auto tok = AutoTokenizer::from_pretrained(model_id, to);
  std::ifstream in(jsonl);
  if (!in) throw OSError("cannot open '" + jsonl + "'");
  std::vector<std::string> texts, pairs, targets;
  std::vector<bool> has_pair, add_special;
  std::string line;
  size_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      throw ValueError(jsonl + ":" + std::to_string(lineno) + ": malformed JSON: " + e.what());
    }
    if (!j.is_object() || !j.contains("text") || !j["text"].is_string())
      throw ValueError(jsonl + ":" + std::to_string(lineno) + ": each line needs a string \"text\"");
    texts.push_back(j["text"].get<std::string>());
    has_pair.push_back(j.contains("pair") && j["pair"].is_string());
    pairs.push_back(has_pair.back() ? j["pair"].get<std::string>() : "");
    add_special.push_back(json_value<ValueError>(j, "add_special_tokens", true, jsonl + ":" + std::to_string(lineno)));
    if (j.contains("text_target") && !j["text_target"].is_string())
      throw ValueError(jsonl + ":" + std::to_string(lineno) + ": \"text_target\" must be a string");
    if (j.contains("text_target")) targets.push_back(j["text_target"].get<std::string>());
    if (!targets.empty() && targets.size() != texts.size())
      throw ValueError(jsonl + ":" + std::to_string(lineno) + ": give a \"text_target\" on every line or on none");
  }
  // tokenizer(text, text_target=...): the targets' ids as "labels" on each line.
  std::vector<std::vector<int64_t>> labels;
  if (!targets.empty()) {
    if (batch) {
      labels = tok->encode_with_targets(texts, targets, base).labels;
    } else {
      for (size_t i = 0; i < texts.size(); ++i) {
        TokenizerCallOptions o = base;
        o.add_special_tokens = add_special[i];
        labels.push_back(tok->encode_with_targets({texts[i]}, {targets[i]}, o).labels.at(0));
      }
    }
  }
  size_t printed = 0;
  auto print = [&](const Encoding& e, bool full) {
    nlohmann::ordered_json o;
    o["ids"] = e.ids;
    if (full) {
      o["tokens"] = e.tokens;
      nlohmann::json offs = nlohmann::json::array();
      for (auto [a, b] : e.offsets) offs.push_back({a, b});
      o["offsets"] = offs;
    }
    o["attention_mask"] = e.attention_mask;
    if (full || std::find(tok->model_input_names().begin(), tok->model_input_names().end(), "token_type_ids") !=
                    tok->model_input_names().end())
      o["type_ids"] = e.type_ids;
    if (full) {
      o["decode"] = tok->decode(e.ids, false);
      o["decode_skip"] = tok->decode(e.ids, true);
    }
    if (!labels.empty()) o["labels"] = labels.at(printed);
    ++printed;
    std::cout << o.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  };
  if (batch) {
    const bool any_pair = std::any_of(has_pair.begin(), has_pair.end(), [](bool b) { return b; });
    if (any_pair && !std::all_of(has_pair.begin(), has_pair.end(), [](bool b) { return b; }))
      throw ValueError("--batch needs a pair on every line or on none");
    BatchEncoding be = (*tok)(texts, any_pair ? &pairs : nullptr, base);
    for (const auto& e : be.encodings) print(e, false);
    return 0;
  }
  for (size_t i = 0; i < texts.size(); ++i) {
    TokenizerCallOptions o = base;
    o.add_special_tokens = add_special[i];
    print(tok->encode(texts[i], has_pair[i] ? &pairs[i] : nullptr, o), true);
  }
  return 0;
}

// The pipelines for humans: labels, fillers, entities, similarities.
// Generation flags shared by generate, run --task text-generation and chat; only the ones given
// override the model's generation_config.
struct GenFlags {
  int64_t max_new_tokens = -1, num_beams = -1, top_k = -1, seed = -1, num_return = -1;
  double temperature = -1, top_p = -1, min_p = -1, repetition_penalty = -1;
  bool do_sample = false;
  // Whisper's long-form heuristics
  std::vector<double> temperature_fallback;
  double compression_ratio_threshold = -1, logprob_threshold = NAN, no_speech_threshold = -1;
  bool condition_on_prev_tokens = false;
  // The command the flags were added to: a flag counts when given, whatever its value (-1 is a
  // value generate() judges as Python does, not "unset").
  const CLI::App* app = nullptr;
  bool owns_top_k = false;
  bool given(const char* name) const {
    try {
      return app && app->get_option(name)->count() > 0;
    } catch (const CLI::OptionNotFound&) {
      return false;
    }
  }
  void add(CLI::App* c) {
    add_whisper(c);
    c->add_option("--max-new-tokens", max_new_tokens);
    c->add_option("--num-beams", num_beams);
    c->add_option("--num-return-sequences", num_return);
    c->add_flag("--do-sample", do_sample);
    c->add_option("--temperature", temperature);
    c->add_option("--top-k", top_k);
    owns_top_k = true;
    c->add_option("--top-p", top_p);
    c->add_option("--min-p", min_p);
    c->add_option("--repetition-penalty", repetition_penalty);
    c->add_option("--seed", seed);
  }
  void add_whisper(CLI::App* c) {
    app = c;
    c->add_option("--temperature-fallback", temperature_fallback, "Whisper: temperatures tried in turn, e.g. 0,0.2,0.4,0.6,0.8,1")->delimiter(',');
    c->add_option("--compression-ratio-threshold", compression_ratio_threshold, "Whisper: fall back above this zlib ratio (e.g. 1.35)");
    c->add_option("--logprob-threshold", logprob_threshold, "Whisper: fall back under this mean log-probability (e.g. -1)");
    c->add_option("--no-speech-threshold", no_speech_threshold, "Whisper: skip a window as silence above this <|nospeech|> probability (e.g. 0.6)");
    c->add_flag("--condition-on-prev-tokens", condition_on_prev_tokens, "Whisper: decode each window after the previous windows' text");
  }
  GenerationConfig config() const {
    GenerationConfig g;
    if (given("--max-new-tokens")) g.max_new_tokens = max_new_tokens;
    if (given("--num-beams")) g.num_beams = num_beams;
    if (given("--num-return-sequences")) g.num_return_sequences = num_return;
    if (do_sample) g.do_sample = true;
    if (given("--temperature")) g.temperature = temperature;
    // run's --top-k counts labels to print; it is set here (as top_k) only with --do-sample
    if (owns_top_k ? given("--top-k") : top_k != -1) g.top_k = top_k;
    if (given("--top-p")) g.top_p = top_p;
    if (given("--min-p")) g.min_p = min_p;
    if (given("--repetition-penalty")) g.repetition_penalty = repetition_penalty;
    if (given("--seed")) g.seed = static_cast<uint64_t>(seed);
    if (!temperature_fallback.empty()) g.temperature_fallback = temperature_fallback;
    if (given("--compression-ratio-threshold")) g.compression_ratio_threshold = compression_ratio_threshold;
    if (!std::isnan(logprob_threshold)) g.logprob_threshold = logprob_threshold;
    if (given("--no-speech-threshold")) g.no_speech_threshold = no_speech_threshold;
    if (condition_on_prev_tokens) g.condition_on_prev_tokens = true;
    return g;
  }
};

int cmd_run(const std::string& model_id, std::string task, const std::vector<std::string>& inputs, const std::string& agg,
            int64_t top_k, const std::string& labels, double threshold, const GenFlags& gf, const AsrOptions& asr,
            const std::pair<std::string, std::string>& langs, EncodeOptions enc, const FromPretrainedOptions& o) {
  if (inputs.empty()) throw ValueError("run: give at least one input (text, or a sound file for audio tasks)");
  if (task.empty()) {  // pick from config.architectures, like Python's pipeline(model=...)
    const std::string a = first_architecture(model_id, o);
    const bool audio = a.rfind("Wav2Vec2", 0) == 0 || a.rfind("Hubert", 0) == 0 || a.rfind("Whisper", 0) == 0;
    if (audio && (a.find("ForCTC") != std::string::npos || a.find("ConditionalGeneration") != std::string::npos)) task = "automatic-speech-recognition";
    else if (audio && a.find("SequenceClassification") != std::string::npos) task = "audio-classification";
    else if (a.find("ForImageClassification") != std::string::npos) task = "image-classification";
    else if (a == "CLIPModel" || a == "SiglipModel") task = "zero-shot-image-classification";
    else if (a == "LlavaForConditionalGeneration") task = "image-text-to-text";
    else if (a == "VisionEncoderDecoderModel") task = "image-to-text";
    else if (a.find("ForObjectDetection") != std::string::npos) task = "object-detection";
    else if (a.find("ForSemanticSegmentation") != std::string::npos) task = "image-segmentation";
    else if (a.find("ForDepthEstimation") != std::string::npos) task = "depth-estimation";
    else if (a.find("CausalLM") != std::string::npos || a.find("LMHeadModel") != std::string::npos) task = "text-generation";
    else if (is_seq2seq_lm(a)) task = "text2text-generation";
    else if (a.find("SequenceClassification") != std::string::npos) task = "text-classification";
    else if (a.find("TokenClassification") != std::string::npos) task = "token-classification";
    else if (a.find("ForQuestionAnswering") != std::string::npos) task = "question-answering";
    else if (a.find("MaskedLM") != std::string::npos) task = "fill-mask";
    else task = "feature-extraction";
  }
  if (task == "text-generation") {
    auto p = TextGenerationPipeline::from_pretrained(model_id, o);
    GenerationConfig g = gf.config();
    if (!g.max_new_tokens && !p->model().generation_config().max_new_tokens) g.max_new_tokens = 64;
    for (const auto& text : inputs) {
      std::cout << text << std::flush;  // then the continuation as it is produced
      (*p)({text}, g, [](const std::string& t) { std::cout << t << std::flush; });
      std::cout << "\n";
    }
  } else if (task == "automatic-speech-recognition") {  // inputs are sound files
    auto p = AutomaticSpeechRecognitionPipeline::from_pretrained(model_id, o);
    AsrOptions ao = asr;
    ao.generation = gf.config().merged_over(asr.generation);
    for (const auto& path : inputs) {
      const AsrResult r = p->transcribe({load_audio(path, p->sampling_rate())}, ao).at(0);
      std::cout << path << "\n  text: " << r.text << "\n";
      auto secs = [](const std::optional<double>& t) { return t ? std::to_string(*t).substr(0, std::to_string(*t).find('.') + 3) : std::string("?"); };
      for (const auto& c : r.chunks) {
        if (c.start || c.end) std::cout << "  [" << secs(c.start) << " -> " << secs(c.end) << "]";
        else std::cout << "  -";
        std::cout << (c.language.empty() ? "" : " (" + c.language + ")") << " " << c.text << "\n";
      }
    }
  } else if (task == "audio-classification") {
    auto p = AudioClassificationPipeline::from_pretrained(model_id, o);
    const auto r = p->classify_files(inputs, top_k > 0 ? std::optional<int64_t>(top_k) : std::optional<int64_t>(5));
    for (size_t i = 0; i < r.size(); ++i) {
      std::cout << inputs[i] << "\n";
      for (const auto& l : r[i]) std::printf("  %-20s %.4f\n", l.label.c_str(), l.score);
    }
  } else if (task == "image-classification") {  // inputs are image files
    auto p = ImageClassificationPipeline::from_pretrained(model_id, o);
    const auto r = p->classify_files(inputs, top_k > 0 ? std::optional<int64_t>(top_k) : std::optional<int64_t>(5));
    for (size_t i = 0; i < r.size(); ++i) {
      std::cout << inputs[i] << "\n";
      for (const auto& l : r[i]) std::printf("  %-20s %.4f\n", l.label.c_str(), l.score);
    }
  } else if (task == "image-segmentation") {  // image files; one mask PNG per class next to each
    auto p = ImageSegmentationPipeline::from_pretrained(model_id, o);
    for (const auto& path : inputs) {
      const Image image = load_image(path);
      std::cout << path << "\n";
      const auto masks = (*p)(image);
      for (size_t i = 0; i < masks.size(); ++i) {
        int64_t on = 0;
        for (uint8_t v : masks[i].mask.pixels) on += v != 0;
        const std::string out = path + ".mask" + std::to_string(i) + ".png";
        save_png(masks[i].mask, out);
        std::printf("  %-20s %5.1f%%  %s\n", masks[i].label.c_str(), 100.0 * static_cast<double>(on) / static_cast<double>(masks[i].mask.pixels.size()), out.c_str());
      }
    }
  } else if (task == "depth-estimation") {  // image files; the depth picture next to each
    auto p = DepthEstimationPipeline::from_pretrained(model_id, o);
    for (const auto& path : inputs) {
      const DepthResult r = (*p)(load_image(path));
      const auto d = r.predicted_depth.to_floats();
      const auto [lo, hi] = std::minmax_element(d.begin(), d.end());
      const std::string out = path + ".depth.png";
      save_png(r.depth, out);
      std::printf("%s\n  depth %ldx%ld, min %.4g, max %.4g  %s\n", path.c_str(), static_cast<long>(r.depth.height), static_cast<long>(r.depth.width), *lo, *hi,
                  out.c_str());
    }
  } else if (task == "object-detection") {  // image files; boxes drawn on a copy next to each
    auto p = ObjectDetectionPipeline::from_pretrained(model_id, o);
    for (const auto& path : inputs) {
      const Image image = load_image(path);
      const auto found = (*p)(image, threshold);
      const std::string out = path + ".boxes.png";
      save_png(draw_detections(image, found), out);
      std::cout << path << "  (" << found.size() << " objects, " << out << ")\n";
      for (const auto& d : found)
        std::printf("  %-20s %.4f  [%ld, %ld, %ld, %ld]\n", d.label.c_str(), d.score, static_cast<long>(d.xmin), static_cast<long>(d.ymin),
                    static_cast<long>(d.xmax), static_cast<long>(d.ymax));
    }
  } else if (task == "image-to-text") {  // image files: one caption / transcription each
    auto p = ImageTextToTextPipeline::from_pretrained(model_id, o);
    GenerationConfig g = gf.config();
    for (const auto& path : inputs) std::cout << path << "\n  " << (*p)(load_image(path), g) << "\n";
  } else if (task == "image-text-to-text") {  // an image file, then the prompt
    if (inputs.size() < 2) throw ValueError("image-text-to-text: give an image file and a prompt");
    auto p = ImageTextToTextPipeline::from_pretrained(model_id, o);
    GenerationConfig g = gf.config();
    if (!g.max_new_tokens && !p->processor().tokenizer().chat_template().empty()) g.max_new_tokens = 64;
    std::string prompt;
    for (size_t i = 1; i < inputs.size(); ++i) prompt += (i > 1 ? " " : "") + inputs[i];
    const Image image = load_image(inputs[0]);
    // A plain question goes through the chat template (the image first), a prompt that places the
    // image itself is used as written.
    const bool templated = prompt.find("<image>") == std::string::npos && !p->processor().tokenizer().chat_template().empty();
    const nlohmann::json messages = {{{"role", "user"}, {"content", {{{"type", "image"}}, {{"type", "text"}, {"text", prompt}}}}}};
    std::cout << inputs[0] << "\n  " << prompt << "\n  -> " << (templated ? p->chat(image, messages.dump(), g) : (*p)(image, prompt, g)) << "\n";
  } else if (task == "text2text-generation" || task == "summarization" || task.rfind("translation", 0) == 0) {
    auto p = Text2TextGenerationPipeline::from_pretrained(model_id, task, o);
    if (!langs.first.empty() || !langs.second.empty()) p->set_languages(langs.first, langs.second);
    const auto out = (*p)(inputs, gf.config());
    const size_t per = out.size() / inputs.size();
    for (size_t i = 0; i < out.size(); ++i) {
      if (i % per == 0) std::cout << inputs[i / per] << "\n";
      std::cout << "  " << p->output_key() << ": " << out[i] << "\n";
    }
  } else if (task == "text-classification" || task == "sentiment-analysis") {
    auto p = TextClassificationPipeline::from_pretrained(model_id, o);
    auto r = (*p)(inputs, top_k > 0 ? std::optional<int64_t>(top_k) : std::nullopt);
    for (size_t i = 0; i < r.size(); ++i) {
      std::cout << inputs[i] << "\n";
      for (const auto& l : r[i]) std::printf("  %-20s %.4f\n", l.label.c_str(), l.score);
    }
  } else if (task == "fill-mask") {
    auto p = FillMaskPipeline::from_pretrained(model_id, o);
    auto r = (*p)(inputs, top_k > 0 ? top_k : 5);
    for (size_t i = 0; i < r.size(); ++i) {
      std::cout << inputs[i] << "\n";
      for (const auto& f : r[i]) std::printf("  %.4f  %-15s %s\n", f.score, f.token_str.c_str(), f.sequence.c_str());
    }
  } else if (task == "question-answering") {  // a question, then its context
    if (inputs.size() != 2) throw ValueError("question-answering: give a question and a context");
    auto p = QuestionAnsweringPipeline::from_pretrained(model_id, o);
    QaOptions qo;
    qo.top_k = top_k > 0 ? top_k : 1;
    for (const auto& a : (*p)(inputs[0], inputs[1], qo))
      std::printf("%.4f  [%ld, %ld) %s\n", a.score, static_cast<long>(a.start), static_cast<long>(a.end), a.answer.c_str());
  } else if (task == "token-classification" || task == "ner") {
    auto p = TokenClassificationPipeline::from_pretrained(model_id, o);
    auto r = (*p)(inputs, agg);
    for (size_t i = 0; i < r.size(); ++i) {
      std::cout << inputs[i] << "\n";
      for (const auto& e : r[i])
        std::printf("  %-8s %.4f  [%ld, %ld) %s\n", e.entity.c_str(), e.score, static_cast<long>(e.start), static_cast<long>(e.end), e.word.c_str());
    }
  } else if (task == "zero-shot-classification" || task == "zero-shot-image-classification") {
    std::vector<std::string> cands;
    for (size_t b = 0, e; b <= labels.size(); b = e + 1) {
      e = labels.find(',', b);
      if (e == std::string::npos) e = labels.size();
      if (e > b) cands.push_back(labels.substr(b, e - b));
    }
    if (task == "zero-shot-image-classification") {  // inputs are image files
      auto p = ZeroShotImageClassificationPipeline::from_pretrained(model_id, o);
      for (const auto& path : inputs) {
        std::cout << path << "\n";
        for (const auto& l : (*p)(load_image(path), cands)) std::printf("  %-20s %.4f\n", l.label.c_str(), l.score);
      }
      return 0;
    }
    auto p = ZeroShotClassificationPipeline::from_pretrained(model_id, o);
    for (const auto& text : inputs) {
      ZeroShotResult r = (*p)(text, cands);
      std::cout << text << "\n";
      for (size_t k = 0; k < r.labels.size(); ++k) std::printf("  %-20s %.4f\n", r.labels[k].c_str(), r.scores[k]);
    }
  } else if (task == "rerank") {  // sentence-transformers' CrossEncoder.rank: the first input is the query
    if (inputs.size() < 2) throw ValueError("run --task rerank: give the query, then the documents");
    auto ce = CrossEncoder::from_pretrained(model_id, o);
    const std::vector<std::string> docs(inputs.begin() + 1, inputs.end());
    CrossEncoderOptions co;
    co.batch_size = enc.batch_size;
    co.prompt_name = enc.prompt_name;
    if (!asr.prompt.empty()) co.prompt = asr.prompt;
    std::printf("%s scores against \"%s\"\n", ce->activation_fn().c_str(), inputs[0].c_str());
    for (const auto& r : ce->rank(inputs[0], docs, top_k > 0 ? top_k : 0, co))
      std::printf("  %8.4f  [%ld] %s\n", r.score, static_cast<long>(r.corpus_id), docs[static_cast<size_t>(r.corpus_id)].c_str());
  } else if (task == "feature-extraction" || task == "sentence-similarity") {
    auto st = SentenceTransformer::from_pretrained(model_id, o);
    if (!asr.prompt.empty()) enc.prompt = asr.prompt;
    Tensor e = st->encode(inputs, enc);
    if (task == "feature-extraction") {
      for (size_t i = 0; i < inputs.size(); ++i) {
        std::printf("%s\n  [", inputs[i].c_str());
        for (int64_t d = 0; d < std::min<int64_t>(8, e.size(1)); ++d) std::printf("%s%.4f", d ? ", " : "", e.item({static_cast<int64_t>(i), d}));
        std::printf(", ...] (%ld dims)\n", static_cast<long>(e.size(1)));
      }
    } else {
      Tensor sim = st->similarity(e.slice(0, 0, 1), e);
      std::printf("%s similarity to \"%s\"\n", st->similarity_fn_name().c_str(), inputs[0].c_str());
      for (size_t i = 1; i < inputs.size(); ++i) std::printf("  %.4f  %s\n", sim.item({0, static_cast<int64_t>(i)}), inputs[i].c_str());
    }
  } else {
    throw ValueError("unknown task '" + task + "' (text-generation, text2text-generation, summarization, translation_xx_to_yy, text-classification, fill-mask, token-classification, question-answering, feature-extraction, sentence-similarity, rerank, automatic-speech-recognition, audio-classification, image-classification, image-segmentation, depth-estimation, zero-shot-image-classification, image-to-text, image-text-to-text, object-detection)");
  }
  return 0;
}

int cmd_generate(const std::string& model_id, const std::string& auto_class, const std::string& inputs_path,
                 const std::string& out_path, const GenFlags& gf, const FromPretrainedOptions& o) {
  std::string cls = auto_class;
  if (cls.empty()) {  // by the architecture: Whisper, image-text models, other encoder-decoders, else a decoder-only LM
    const PretrainedConfig c = AutoConfig::from_pretrained(model_id, ConfigOptions{o, {}});
    const std::string a = c.architectures().empty() ? "" : c.architectures()[0];
    cls = a.rfind("Whisper", 0) == 0                                   ? "AutoModelForSpeechSeq2Seq"
          : a == "VisionEncoderDecoderModel" || c.has("vision_config") ? "AutoModelForImageTextToText"
          : is_seq2seq_lm(a)                                           ? "AutoModelForSeq2SeqLM"
                                                                       : "AutoModelForCausalLM";
  }
  auto model = auto_model_from_pretrained(cls, model_id, o);
  // Every tensor of the file goes to generate(**inputs), as to forward: the model takes its main
  // input (input_ids, pixel_values, input_features), the mask and what it reads with the prompt
  // (pixel_values, decoder_input_ids, ...), and refuses the rest.
  SafeTensorsFile in = SafeTensorsFile::open(inputs_path);
  ModelInputs inputs;
  for (const auto& t : in.tensors()) inputs[t.name] = in.get(t.name);
  GenerateOutput out = model->generate(inputs, gf.config());
  std::vector<std::pair<std::string, Tensor>> tensors{{"sequences", out.sequences}};
  if (out.sequences_scores.defined()) tensors.emplace_back("sequences_scores", out.sequences_scores);
  save_safetensors(tensors, out_path, {{"format", "pt"}});
  std::fprintf(stderr, "%s: wrote sequences%s to %s\n", model->class_name().c_str(), shape_str(out.sequences.shape()).c_str(), out_path.c_str());
  return 0;
}

// The Auto image processor on an image file, or the Auto feature extractor on a sound file (read,
// mixed to mono, resampled to its rate).
int cmd_preprocess(const std::string& model_id, const std::string& audio, const std::string& image, const std::string& backend,
                   const std::string& out_path, const HubOptions& o) {
  if (audio.empty() == image.empty()) throw ValueError("preprocess: give one of --audio FILE or --image FILE");
  if (!image.empty()) {
    auto ip = AutoImageProcessor::from_pretrained(model_id, o, ImageProcessorOptions{backend});
    const BatchFeature f = (*ip)({load_image(image)});
    std::vector<std::pair<std::string, Tensor>> tensors(f.begin(), f.end());
    save_safetensors(tensors, out_path, {{"format", "pt"}});
    for (const auto& [k, v] : f) std::fprintf(stderr, "%s (%s): %s %s\n", ip->class_name().c_str(), ip->backend().c_str(), k.c_str(), shape_str(v.shape()).c_str());
    return 0;
  }
  auto fe = AutoFeatureExtractor::from_pretrained(model_id, o);
  FeatureExtractorCallOptions co;
  co.sampling_rate = fe->sampling_rate();
  const BatchFeature f = (*fe)({load_audio(audio, fe->sampling_rate())}, co);
  std::vector<std::pair<std::string, Tensor>> tensors(f.begin(), f.end());
  save_safetensors(tensors, out_path, {{"format", "pt"}});
  for (const auto& [k, v] : f) std::fprintf(stderr, "%s: %s %s\n", fe->class_name().c_str(), k.c_str(), shape_str(v.shape()).c_str());
  return 0;
}

// Interactive chat on stdin: the model's chat template, streamed replies, /reset, /exit.
int cmd_chat(const std::string& model_id, const std::string& system, const GenFlags& gf, const FromPretrainedOptions& o) {
  auto pipe = TextGenerationPipeline::from_pretrained(model_id, o);
  nlohmann::json history = nlohmann::json::array();
  auto reset = [&] {
    history = nlohmann::json::array();
    if (!system.empty()) history.push_back({{"role", "system"}, {"content", system}});
  };
  reset();
  GenerationConfig g = gf.config();
  if (!g.max_new_tokens && !pipe->model().generation_config().max_new_tokens) g.max_new_tokens = 256;
  const bool tty = isatty(0);
  std::string line;
  while (true) {
    if (tty) std::cout << "> " << std::flush;
    if (!std::getline(std::cin, line)) break;
    if (line == "/exit" || line == "/quit") break;
    if (line == "/reset") {
      reset();
      std::cout << "(history cleared)\n";
      continue;
    }
    if (line.empty()) continue;
    history.push_back({{"role", "user"}, {"content", line}});
    const std::string reply = pipe->chat(history.dump(), g, [](const std::string& t) { std::cout << t << std::flush; });
    std::cout << "\n";
    history.push_back({{"role", "assistant"}, {"content", reply}});
  }
  return 0;
}

long peak_rss_kb() {
  struct rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

// Deterministic noise in [-0.5, 0.5) for audio benchmarks.
Tensor bench_noise(const Shape& shape) {
  std::vector<float> v(static_cast<size_t>(shape_numel(shape)));
  uint64_t state = 7;
  for (auto& x : v) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    x = static_cast<float>((state >> 40) % 65536) / 65536.0f - 0.5f;
  }
  return Tensor::from_floats(v, shape);
}

// The feature extractor on `batch` clips of `samples` samples each: median ms per call.
int bench_feature_extractor(const std::string& model_id, int64_t batch, int64_t samples, int iters, const FromPretrainedOptions& o) {
  auto fe = AutoFeatureExtractor::from_pretrained(model_id, o);
  const auto noise = bench_noise({batch, samples}).to_floats();
  std::vector<std::vector<float>> clips;
  for (int64_t b = 0; b < batch; ++b) clips.emplace_back(noise.begin() + b * samples, noise.begin() + (b + 1) * samples);
  (*fe)(clips);
  std::vector<double> times;
  for (int i = 0; i < iters; ++i) {
    auto a = std::chrono::steady_clock::now();
    (*fe)(clips);
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count());
  }
  std::sort(times.begin(), times.end());
  nlohmann::ordered_json j;
  j["impl"] = std::string("transformers-cpp ") + version();
  j["extractor"] = fe->class_name();
  j["batch"] = batch;
  j["samples"] = samples;
  j["threads"] = env_info().threads;
  j["median_ms"] = times[times.size() / 2] * 1e3;
  std::cout << j.dump() << "\n";
  return 0;
}

// The image processor on `batch` noise images of 640x480: median ms per call.
int bench_image_processor(const std::string& model_id, int64_t batch, int iters, const FromPretrainedOptions& o) {
  auto ip = AutoImageProcessor::from_pretrained(model_id, o);
  Image im;
  im.height = 480, im.width = 640;
  const auto noise = bench_noise({480 * 640 * 3}).to_floats();
  for (float v : noise) im.pixels.push_back(static_cast<uint8_t>((v + 0.5f) * 255.0f));
  const std::vector<Image> images(static_cast<size_t>(batch), im);
  (*ip)(images);
  std::vector<double> times;
  for (int i = 0; i < iters; ++i) {
    auto a = std::chrono::steady_clock::now();
    (*ip)(images);
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count());
  }
  std::sort(times.begin(), times.end());
  nlohmann::ordered_json j;
  j["impl"] = std::string("transformers-cpp ") + version();
  j["processor"] = ip->class_name();
  j["batch"] = batch;
  j["threads"] = env_info().threads;
  j["median_ms"] = times[times.size() / 2] * 1e3;
  std::cout << j.dump() << "\n";
  return 0;
}

int cmd_bench(const std::string& model_id, const std::string& auto_class, int64_t batch, int64_t seq, int iters,
              int64_t new_tokens, const FromPretrainedOptions& o) {
  if (batch <= 0 || seq <= 0 || iters <= 0) throw ValueError("--batch, --seq-len and --iters must be positive");
  if (auto_class == "AutoFeatureExtractor") return bench_feature_extractor(model_id, batch, seq, iters, o);
  if (auto_class == "AutoImageProcessor") return bench_image_processor(model_id, batch, iters, o);
  auto t0 = std::chrono::steady_clock::now();
  auto model = auto_model_from_pretrained(auto_class, model_id, o);
  const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const bool pixels = !model->config().has("vocab_size");  // vision models read pixel_values
  const int64_t vocab = pixels ? 1 : model->config().get_int("vocab_size");
  std::vector<int64_t> ids(static_cast<size_t>(batch * seq));
  uint64_t state = 42;  // fixed LCG: the same ids every run
  for (auto& v : ids) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    v = static_cast<int64_t>((state >> 33) % static_cast<uint64_t>(vocab));
  }
  ModelInputs in{{"input_ids", Tensor::from_ints(ids, {batch, seq})},
                 {"attention_mask", Tensor::full({batch, seq}, 1.0, DType::I64)}};
  if (model->config().get_bool("is_encoder_decoder", false)) in["decoder_input_ids"] = in["input_ids"];
  const std::string mt = model->config().model_type();
  if (mt == "whisper") {  // a 30 s window of log-mel features; generate() reads them as its input
    const int64_t frames = 2 * model->config().get_int("max_source_positions");
    in = {{"input_features", bench_noise({batch, model->config().get_int("num_mel_bins"), frames})},
          {"decoder_input_ids", Tensor::full({batch, 1}, static_cast<double>(model->config().get_int("decoder_start_token_id")), DType::I64)}};
  } else if (mt == "wav2vec2" || mt == "hubert") {  // --seq-len samples of waveform
    in = {{"input_values", bench_noise({batch, seq})}};
  } else if (pixels) {  // one image_size x image_size picture per row (224 when the config has none)
    const int64_t side = model->config().has("image_size") ? model->config().get_int("image_size") : 224;
    in = {{"pixel_values", bench_noise({batch, model->config().get_int("num_channels", 3), side, side})}};
  }
  // generate() takes the forward inputs but decoder_input_ids (which would become a decoder prompt)
  ModelInputs gen_input = in;
  gen_input.erase("decoder_input_ids");
  if (new_tokens > 0) {  // prefill + greedy decode through generate(): prefill and per-token times
    GenerationConfig g;
    g.max_new_tokens = new_tokens, g.min_new_tokens = new_tokens, g.do_sample = false;
    GenerationConfig one = g;
    one.max_new_tokens = 1, one.min_new_tokens = 1;
    model->generate(gen_input, one);  // warm-up
    std::vector<double> pre, dec;
    for (int i = 0; i < iters; ++i) {
      auto a = std::chrono::steady_clock::now();
      model->generate(gen_input, one);
      auto b = std::chrono::steady_clock::now();
      model->generate(gen_input, g);
      auto c = std::chrono::steady_clock::now();
      const double p = std::chrono::duration<double>(b - a).count(), all = std::chrono::duration<double>(c - b).count();
      pre.push_back(p);
      dec.push_back((all - p) / static_cast<double>(new_tokens - 1 > 0 ? new_tokens - 1 : 1));
    }
    std::sort(pre.begin(), pre.end());
    std::sort(dec.begin(), dec.end());
    nlohmann::ordered_json j;
    j["impl"] = std::string("transformers-cpp ") + version();
    j["model"] = model->class_name();
    j["batch"] = batch;
    j["prompt_len"] = seq;
    j["new_tokens"] = new_tokens;
    j["threads"] = env_info().threads;
    j["load_s"] = load_s;
    j["prefill_ms"] = pre[pre.size() / 2] * 1e3;
    j["prefill_tokens_per_s"] = static_cast<double>(batch * seq) / pre[pre.size() / 2];
    j["decode_ms_per_token"] = dec[dec.size() / 2] * 1e3;
    j["decode_tokens_per_s"] = static_cast<double>(batch) / dec[dec.size() / 2];
    j["peak_rss_mb"] = peak_rss_kb() / 1024.0;
    std::cout << j.dump() << "\n";
    return 0;
  }
  for (int i = 0; i < 2; ++i) model->forward(in);
  std::vector<double> times;
  for (int i = 0; i < iters; ++i) {
    auto a = std::chrono::steady_clock::now();
    model->forward(in);
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count());
  }
  std::sort(times.begin(), times.end());
  const double med = times[times.size() / 2];
  nlohmann::ordered_json j;
  j["impl"] = std::string("transformers-cpp ") + version();
  j["model"] = model->class_name();
  j["batch"] = batch;
  j["seq_len"] = seq;
  j["threads"] = env_info().threads;
  j["load_s"] = load_s;
  j["median_ms"] = med * 1e3;
  j["sequences_per_s"] = batch / med;
  j["peak_rss_mb"] = peak_rss_kb() / 1024.0;
  std::cout << j.dump() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"transformers-cpp: Hugging Face Transformers' Auto classes, natively in C++"};
  app.require_subcommand(1);
  int threads = 0;
  bool reference = false;
  app.add_option("--threads", threads, "worker threads (default: all cores)");
  app.add_flag("--reference", reference, "run every op on the scalar reference kernels");

  app.add_subcommand("env", "environment report");

  auto* fwd = app.add_subcommand("forward", "run a forward pass and write every output tensor");
  std::string model_id, auto_class = "AutoModel", inputs_path, out_path = "out.safetensors";
  FromPretrainedOptions fo;
  ForwardOptions fwd_opts;
  fwd->add_option("model", model_id, "model folder or Hub id")->required();
  fwd->add_option("--auto-class", auto_class, "AutoModel, AutoModelForMaskedLM, ...");
  fwd->add_option("--inputs", inputs_path, "safetensors with input_ids, attention_mask, ...")->required();
  fwd->add_option("--out", out_path, "output safetensors");
  fwd->add_option("--dtype", fo.dtype, "auto, float32, bfloat16, float16");
  fwd->add_option("--device", fo.device, "cpu, cuda, cuda:N");
  fwd->add_flag("--ignore-mismatched-sizes", fo.ignore_mismatched_sizes);
  fwd->add_flag("--allow-missing-weights", fo.allow_missing_weights);
  fwd->add_flag("--loading-info", fo.output_loading_info, "print missing / unexpected weights");
  fwd->add_flag("--output-hidden-states", fwd_opts.output_hidden_states, "also write hidden_states.0..N (Python's output_hidden_states)");
  fwd->add_flag("--output-attentions", fwd_opts.output_attentions, "also write attentions.0..N-1 (Python's output_attentions, eager softmax)");
  add_model_options(fwd, fo);

  auto* dl = app.add_subcommand("download", "fetch a model into the shared Hugging Face cache");
  std::string dl_id;
  HubOptions ho;
  dl->add_option("model", dl_id, "Hub id (org/name)")->required();
  dl->add_option("--endpoint", ho.endpoint, "Hub endpoint (default HF_ENDPOINT or https://huggingface.co)");
  add_hub_options(dl, ho);
  fwd->add_option("--endpoint", fo.endpoint, "Hub endpoint");

  auto* tk = app.add_subcommand("tokenize", "tokenize JSON lines with the model's tokenizer");
  std::string tk_id, tk_jsonl, tk_max_length;
  bool tk_batch = false;
  TokenizerCallOptions tko;
  TokenizerOptions tkh;
  int64_t tk_max = -1;
  tk->add_option("model", tk_id, "model folder or Hub id")->required();
  tk->add_option("--jsonl", tk_jsonl, "input lines {text, pair?, add_special_tokens?}")->required();
  tk->add_flag("--batch", tk_batch, "encode all lines as one padded batch");
  tk->add_option("--padding", tko.padding, "longest | max_length");
  tk->add_option("--truncation", tko.truncation, "longest_first | only_first | only_second");
  tk->add_option("--max-length", tk_max);
  tk->add_option("--stride", tko.stride);
  add_hub_options(tk, tkh);

  auto* ct = app.add_subcommand("chat-template", "print the rendered chat template, byte for byte");
  std::string ct_id, ct_messages, ct_tools;
  std::vector<std::string> ct_vars;
  ChatTemplateOptions cto;
  TokenizerOptions cth;
  ct->add_option("model", ct_id, "model folder or Hub id")->required();
  ct->add_option("--messages", ct_messages, "JSON file with the message list")->required();
  ct->add_option("--tools", ct_tools, "JSON file with tool schemas");
  ct->add_option("--var", ct_vars, "extra template variable NAME=JSON (e.g. enable_thinking=false)");
  ct->add_flag("--add-generation-prompt", cto.add_generation_prompt);
  ct->add_flag("--continue-final-message", cto.continue_final_message);
  add_hub_options(ct, cth);

  auto* runc = app.add_subcommand("run", "run a pipeline and print the result");
  std::string run_id, run_task, run_agg = "simple", run_labels;
  std::vector<std::string> run_inputs;
  int64_t run_top_k = 0;
  FromPretrainedOptions ro;
  runc->add_option("model", run_id, "model folder or Hub id")->required();
  runc->add_option("inputs", run_inputs, "input texts");
  runc->add_option("--task", run_task, "text-classification | fill-mask | token-classification | feature-extraction | sentence-similarity | automatic-speech-recognition | audio-classification | ... (default: from the model)");
  runc->add_option("--aggregation-strategy", run_agg, "token-classification: none | simple | first | average | max");
  runc->add_option("--top-k", run_top_k, "labels / fillers to print (text-generation: sampling top-k)");
  GenFlags run_flags;
  runc->add_option("--max-new-tokens", run_flags.max_new_tokens);
  runc->add_flag("--do-sample", run_flags.do_sample);
  runc->add_option("--temperature", run_flags.temperature);
  runc->add_option("--top-p", run_flags.top_p);
  runc->add_option("--seed", run_flags.seed);
  run_flags.add_whisper(runc);
  double run_threshold = 0.5;
  runc->add_option("--threshold", run_threshold, "object-detection: the score a box must exceed (default 0.5)");
  runc->add_option("--candidate-labels", run_labels, "zero-shot-classification / zero-shot-image-classification: comma-separated labels");
  AsrOptions run_asr;
  std::string run_language, run_speech_task;
  runc->add_option("--timestamps", run_asr.return_timestamps, "automatic-speech-recognition: true (Whisper segments) | word (Whisper: alignment heads + DTW; CTC) | char (CTC)");
  runc->add_option("--chunk-length-s", run_asr.chunk_length_s, "automatic-speech-recognition: transcribe in overlapping chunks of this many seconds");
  runc->add_flag("--return-language", run_asr.return_language, "automatic-speech-recognition (Whisper): each chunk with its language");
  runc->add_option("--stride-length-s", run_asr.stride_length_s, "automatic-speech-recognition: the chunks' overlap on each side (default chunk / 6)");
  runc->add_option("--language", run_language, "automatic-speech-recognition (Whisper): language code or name, e.g. fr");
  runc->add_option("--speech-task", run_speech_task, "automatic-speech-recognition (Whisper): transcribe | translate");
  runc->add_option("--prompt", run_asr.prompt, "automatic-speech-recognition (Whisper): text the transcription follows (prompt_ids); "
                   "feature-extraction / sentence-similarity: text prepended to every input");
  EncodeOptions run_encode;
  runc->add_option("--prompt-name", run_encode.prompt_name, "feature-extraction / sentence-similarity: one of the model's prompts (config_sentence_transformers.json)");
  runc->add_option("--truncate-dim", run_encode.truncate_dim, "feature-extraction / sentence-similarity: keep the first N embedding dimensions");
  runc->add_flag("--normalize-embeddings", run_encode.normalize_embeddings, "feature-extraction / sentence-similarity: L2-normalize the embeddings");
  std::pair<std::string, std::string> run_langs;
  runc->add_option("--src-lang", run_langs.first, "translation (M2M100, mBART, NLLB): the input's language code, e.g. fr / fr_XX");
  runc->add_option("--tgt-lang", run_langs.second, "translation (M2M100, mBART, NLLB): the language to translate into");
  add_model_options(runc, ro);

  auto* gen = app.add_subcommand("generate", "generate() on the inputs of a safetensors file (as forward takes them); writes sequences");
  std::string gen_id, gen_class, gen_inputs, gen_out = "out.safetensors";
  GenFlags gen_flags;
  FromPretrainedOptions go;
  gen->add_option("model", gen_id, "model folder or Hub id")->required();
  gen->add_option("--auto-class", gen_class, "default: AutoModelForSeq2SeqLM for encoder-decoders, else AutoModelForCausalLM");
  gen->add_option("--inputs", gen_inputs, "safetensors with the model's inputs (input_ids, attention_mask, pixel_values, input_features, ...)")->required();
  gen->add_option("--out", gen_out);
  gen->add_option("--dtype", go.dtype);
  gen->add_option("--quantization", go.quantization, "int8: weight-only int8 at load");
  gen_flags.add(gen);
  add_model_options(gen, go);

  auto* pre = app.add_subcommand("preprocess", "the Auto image processor on an image or feature extractor on a sound file; writes its tensors");
  std::string pre_id, pre_audio, pre_image, pre_out = "out.safetensors", pre_backend = "torchvision";
  HubOptions pho;
  pre->add_option("model", pre_id, "model folder or Hub id")->required();
  pre->add_option("--audio", pre_audio, "WAV / FLAC / OGG / MP3 file");
  pre->add_option("--image", pre_image, "JPEG / PNG / WebP / BMP / GIF file");
  pre->add_option("--backend", pre_backend, "image processor backend: torchvision (Python v5's default) or pil");
  pre->add_option("--out", pre_out);
  add_hub_options(pre, pho);

  auto* chat = app.add_subcommand("chat", "interactive chat with the model's chat template (/reset, /exit)");
  std::string chat_id, chat_system;
  GenFlags chat_flags;
  FromPretrainedOptions cho;
  chat->add_option("model", chat_id, "model folder or Hub id")->required();
  chat->add_option("--system", chat_system, "system prompt");
  chat->add_option("--dtype", cho.dtype);
  chat->add_option("--quantization", cho.quantization, "int8: weight-only int8 at load");
  chat_flags.add(chat);
  add_model_options(chat, cho);

  auto* bench = app.add_subcommand("bench", "time repeated forward passes (one JSON object)");
  std::string bench_id, bench_class = "AutoModel";
  int64_t bench_batch = 1, bench_seq = 128;
  int bench_iters = 10;
  FromPretrainedOptions bo;
  bench->add_option("model", bench_id, "model folder or Hub id")->required();
  bench->add_option("--auto-class", bench_class);
  bench->add_option("--batch", bench_batch);
  bench->add_option("--seq-len", bench_seq);
  bench->add_option("--iters", bench_iters);
  int64_t bench_new = 0;
  bench->add_option("--new-tokens", bench_new, "also time greedy decode of N tokens after a seq-len prompt");
  bench->add_option("--dtype", bo.dtype);
  bench->add_option("--device", bo.device);
  bench->add_option("--quantization", bo.quantization, "int8: weight-only int8 at load");
  add_model_options(bench, bo);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    set_num_threads(threads);
    if (reference) set_reference_mode(true);
    if (app.got_subcommand("env")) return cmd_env();
    if (app.got_subcommand("forward")) return cmd_forward(model_id, auto_class, inputs_path, out_path, fo, fwd_opts);
    if (app.got_subcommand("tokenize")) {
      if (tk_max >= 0) tko.max_length = tk_max;
      return cmd_tokenize(tk_id, tk_jsonl, tk_batch, tko, tkh);
    }
    if (app.got_subcommand("chat-template")) {
      auto read_all = [](const std::string& p) {
        std::ifstream f(p, std::ios::binary);
        if (!f) throw OSError("cannot open '" + p + "'");
        return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      };
      if (!ct_tools.empty()) cto.tools_json = read_all(ct_tools);
      for (const auto& v : ct_vars) {
        const auto eq = v.find('=');
        if (eq == std::string::npos) throw ValueError("--var needs NAME=JSON, got '" + v + "'");
        cto.kwargs[v.substr(0, eq)] = v.substr(eq + 1);
      }
      auto tok = AutoTokenizer::from_pretrained(ct_id, cth);
      std::cout << tok->apply_chat_template(read_all(ct_messages), cto);
      return 0;
    }
    if (app.got_subcommand("run")) {
      if (run_flags.do_sample && run_top_k > 0) run_flags.top_k = run_top_k;
      if (!run_language.empty()) run_asr.generation.language = run_language;
      if (!run_speech_task.empty()) run_asr.generation.task = run_speech_task;
      return cmd_run(run_id, run_task, run_inputs, run_agg, run_top_k, run_labels, run_threshold, run_flags, run_asr, run_langs, run_encode, ro);
    }
    if (app.got_subcommand("preprocess")) return cmd_preprocess(pre_id, pre_audio, pre_image, pre_backend, pre_out, pho);
    if (app.got_subcommand("generate")) return cmd_generate(gen_id, gen_class, gen_inputs, gen_out, gen_flags, go);
    if (app.got_subcommand("chat")) return cmd_chat(chat_id, chat_system, chat_flags, cho);
    if (app.got_subcommand("bench")) return cmd_bench(bench_id, bench_class, bench_batch, bench_seq, bench_iters, bench_new, bo);
    if (app.got_subcommand("download")) {
      std::cout << snapshot_download(dl_id, ho) << "\n";
      return 0;
    }
  } catch (const std::exception& e) {
    std::string msg = e.what();
    for (char& c : msg) if (c == '\n') c = ' ';
    std::fprintf(stderr, "error: %s\n", msg.c_str());
    return 1;
  }
  return 0;
}
