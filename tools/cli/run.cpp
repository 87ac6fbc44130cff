// transformers-cpp run: a task's pipeline through the library's task table (pipeline(), the task's
// JSON call). The command line turns its words into the task's inputs by the task's InputKind and
// its flags into the call's parameters; the results print for a person (files written next to
// image inputs for masks, depth and boxes), or as the library's JSON with --json.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>

#include "cli.hpp"
#include "io/json.hpp"

namespace transformers::cli {

namespace {
struct RunCmd {
  std::string model, task, aggregation = "simple", labels, language, speech_task, prompt;
  std::vector<std::string> inputs;
  int64_t top_k = 0;
  double threshold = 0.5;
  bool json = false;
  GenFlags flags;
  AsrOptions asr;
  EncodeOptions encode;
  PipelineOptions load;
  const CLI::App* app = nullptr;
  bool given(const char* name) const { return app->get_option(name)->count() > 0; }
};

// The words of the command line as the task's inputs.
Json inputs_of(const TaskInfo& t, const std::vector<std::string>& words) {
  auto rest = [&] { return std::vector<std::string>(words.begin() + 1, words.end()); };
  switch (t.input) {
    case InputKind::QuestionContext:
      if (words.size() != 2) throw ValueError(t.name + ": give a question and a context");
      return {{"question", words[0]}, {"context", words[1]}};
    case InputKind::ImageText: {
      if (words.size() < 2) throw ValueError(t.name + ": give an image file and a prompt");
      std::string prompt;
      for (size_t i = 1; i < words.size(); ++i) prompt += (i > 1 ? " " : "") + words[i];
      return Json::array({{{"images", words[0]}, {"text", prompt}}});
    }
    case InputKind::SourceSentences:
      return {{"source_sentence", words[0]}, {"sentences", rest()}};
    case InputKind::QueryDocuments:
      if (words.size() < 2) throw ValueError("run --task " + t.name + ": give the query, then the documents");
      return {{"query", words[0]}, {"documents", rest()}};
    default:  // texts, prompts, image or sound files: one input per word
      return Json(words);
  }
}

// The flags as the call's parameters (Python's keyword names); only the ones given, so each
// task keeps its own defaults.
Json params_of(const RunCmd& o, const TaskInfo& t) {
  Json p = Json::object();
  const bool generates = t.input == InputKind::Chat || t.auto_classes[0] == "AutoModelForSeq2SeqLM" ||
                         t.auto_classes[0] == "AutoModelForImageTextToText";
  GenerationConfig g = o.flags.config();
  if (o.flags.do_sample && o.top_k > 0) g.top_k = o.top_k;  // --top-k is sampling's top_k when sampling
  if (t.input == InputKind::Audio) {
    if (!o.language.empty()) g.language = o.language;
    if (!o.speech_task.empty()) g.task = o.speech_task;
  }
  Json gk = Json::parse(g.to_json_string());
  if (!gk.empty()) p["generate_kwargs"] = gk;
  if (o.top_k > 0 && !generates) p["top_k"] = o.top_k;
  if (t.name == "text-classification" && o.top_k <= 0) p["top_k"] = nullptr;  // every label
  p["aggregation_strategy"] = o.aggregation;
  if (!o.labels.empty()) p["candidate_labels"] = o.labels;
  p["threshold"] = o.threshold;
  if (!o.asr.return_timestamps.empty()) p["return_timestamps"] = o.asr.return_timestamps;
  if (o.asr.chunk_length_s > 0) p["chunk_length_s"] = o.asr.chunk_length_s;
  if (o.asr.stride_length_s) p["stride_length_s"] = *o.asr.stride_length_s;
  if (o.asr.return_language) p["return_language"] = true;
  if (!o.prompt.empty()) p["prompt"] = o.prompt;
  if (o.encode.prompt_name) p["prompt_name"] = *o.encode.prompt_name;
  if (o.encode.truncate_dim > 0) p["truncate_dim"] = o.encode.truncate_dim;
  if (o.encode.normalize_embeddings) p["normalize_embeddings"] = true;
  return p;
}

std::string base64_decode(const std::string& in) {
  static const std::string abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char ch : in) {
    const auto at = abc.find(ch);
    if (at == std::string::npos) continue;  // '=' padding
    acc = (acc << 6) | static_cast<uint32_t>(at);
    if ((bits += 6) >= 8) out.push_back(static_cast<char>((acc >> (bits -= 8)) & 0xFF));
  }
  return out;
}
// A base64 PNG of the results written to `path`, and read back.
Image write_png(const std::string& b64, const std::string& path) {
  const std::string bytes = base64_decode(b64);
  std::ofstream(path, std::ios::binary) << bytes;
  return decode_image(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), path);
}

void print_labels(const Json& labels) {
  for (const auto& l : labels.is_array() ? labels : Json::array({labels}))
    std::printf("  %-20s %.4f\n", l["label"].get<std::string>().c_str(), l["score"].get<double>());
}
std::string seconds(const Json& t) {
  if (t.is_null()) return "?";
  const std::string s = std::to_string(t.get<double>());
  return s.substr(0, s.find('.') + 3);
}

// How each task's results read for a person: (pipeline, inputs as typed, one input's result).
using Printer = std::function<void(const Pipeline&, const std::string& input, const Json& result)>;
const std::map<std::string, Printer>& printers() {
  static const std::map<std::string, Printer> table = {
      {"text-classification", [](const Pipeline&, const std::string& in, const Json& r) { std::cout << in << "\n" << std::flush, print_labels(r); }},
      {"audio-classification", [](const Pipeline&, const std::string& in, const Json& r) { std::cout << in << "\n" << std::flush, print_labels(r); }},
      {"image-classification", [](const Pipeline&, const std::string& in, const Json& r) { std::cout << in << "\n" << std::flush, print_labels(r); }},
      {"zero-shot-image-classification",
       [](const Pipeline&, const std::string& in, const Json& r) { std::cout << in << "\n" << std::flush, print_labels(r); }},
      {"zero-shot-classification",
       [](const Pipeline&, const std::string& in, const Json& r) {
         std::cout << in << "\n" << std::flush;
         for (size_t k = 0; k < r["labels"].size(); ++k)
           std::printf("  %-20s %.4f\n", r["labels"][k].get<std::string>().c_str(), r["scores"][k].get<double>());
       }},
      {"fill-mask",
       [](const Pipeline&, const std::string& in, const Json& r) {
         std::cout << in << "\n" << std::flush;
         for (const auto& f : r)
           std::printf("  %.4f  %-15s %s\n", f["score"].get<double>(), f["token_str"].get<std::string>().c_str(), f["sequence"].get<std::string>().c_str());
       }},
      {"token-classification",
       [](const Pipeline&, const std::string& in, const Json& r) {
         std::cout << in << "\n" << std::flush;
         for (const auto& e : r)
           std::printf("  %-8s %.4f  [%ld, %ld) %s\n", (e.contains("entity") ? e["entity"] : e["entity_group"]).get<std::string>().c_str(),
                       e["score"].get<double>(), static_cast<long>(e["start"].get<int64_t>()), static_cast<long>(e["end"].get<int64_t>()),
                       e["word"].get<std::string>().c_str());
       }},
      {"question-answering",
       [](const Pipeline&, const std::string&, const Json& r) {
         for (const auto& a : r.is_array() ? r : Json::array({r}))
           std::printf("%.4f  [%ld, %ld) %s\n", a["score"].get<double>(), static_cast<long>(a["start"].get<int64_t>()),
                       static_cast<long>(a["end"].get<int64_t>()), a["answer"].get<std::string>().c_str());
       }},
      {"text-generation", [](const Pipeline&, const std::string&, const Json&) { std::cout << "\n"; }},  // streamed
      {"text2text-generation",
       [](const Pipeline&, const std::string& in, const Json& r) {
         std::cout << in << "\n";
         for (const auto& one : r)
           for (const auto& [key, text] : one.items()) std::cout << "  " << key << ": " << text.get<std::string>() << "\n";
       }},
      {"automatic-speech-recognition",
       [](const Pipeline&, const std::string& in, const Json& r) {
         std::cout << in << "\n  text: " << r["text"].get<std::string>() << "\n";
         for (const auto& c : r.value("chunks", Json::array())) {
           const Json& ts = c["timestamp"];
           if (!ts[0].is_null() || !ts[1].is_null()) std::cout << "  [" << seconds(ts[0]) << " -> " << seconds(ts[1]) << "]";
           else std::cout << "  -";
           const std::string lang = c.contains("language") && c["language"].is_string() ? c["language"].get<std::string>() : "";
           std::cout << (lang.empty() ? "" : " (" + lang + ")") << " " << c["text"].get<std::string>() << "\n";
         }
       }},
      {"image-segmentation",  // one mask PNG per class next to the image
       [](const Pipeline&, const std::string& in, const Json& r) {
         std::cout << in << "\n" << std::flush;
         for (size_t i = 0; i < r.size(); ++i) {
           const std::string out = in + ".mask" + std::to_string(i) + ".png";
           const Image mask = write_png(r[i]["mask"].get<std::string>(), out);
           int64_t on = 0;
           for (uint8_t v : mask.pixels) on += v != 0;
           std::printf("  %-20s %5.1f%%  %s\n", r[i]["label"].get<std::string>().c_str(),
                       100.0 * static_cast<double>(on) / static_cast<double>(mask.pixels.size()), out.c_str());
         }
       }},
      {"depth-estimation",  // the depth picture next to the image
       [](const Pipeline&, const std::string& in, const Json& r) {
         const std::string out = in + ".depth.png";
         const Image depth = write_png(r["depth"].get<std::string>(), out);
         double lo = 0, hi = 0;
         bool first = true;
         for (const auto& row : r["predicted_depth"])
           for (const auto& v : row) {
             const double d = v.get<double>();
             lo = first || d < lo ? d : lo, hi = first || d > hi ? d : hi, first = false;
           }
         std::printf("%s\n  depth %ldx%ld, min %.4g, max %.4g  %s\n", in.c_str(), static_cast<long>(depth.height), static_cast<long>(depth.width), lo, hi,
                     out.c_str());
       }},
      {"object-detection",  // the boxes drawn on a copy next to the image
       [](const Pipeline&, const std::string& in, const Json& r) {
         std::vector<ObjectDetection> found;
         for (const auto& d : r)
           found.push_back({d["score"].get<double>(), d["label"].get<std::string>(), d["box"]["xmin"].get<int64_t>(), d["box"]["ymin"].get<int64_t>(),
                            d["box"]["xmax"].get<int64_t>(), d["box"]["ymax"].get<int64_t>()});
         const std::string out = in + ".boxes.png";
         save_png(draw_detections(load_image(in), found), out);
         std::cout << in << "  (" << found.size() << " objects, " << out << ")\n";
         for (const auto& d : found)
           std::printf("  %-20s %.4f  [%ld, %ld, %ld, %ld]\n", d.label.c_str(), d.score, static_cast<long>(d.xmin), static_cast<long>(d.ymin),
                       static_cast<long>(d.xmax), static_cast<long>(d.ymax));
       }},
      {"image-to-text",
       [](const Pipeline&, const std::string& in, const Json& r) { std::cout << in << "\n  " << r[0]["generated_text"].get<std::string>() << "\n"; }},
      {"image-text-to-text",
       [](const Pipeline&, const std::string& in, const Json& r) {
         std::cout << in << "\n  " << r[0]["input_text"].get<std::string>() << "\n  -> " << r[0]["generated_text"].get<std::string>() << "\n";
       }},
      {"feature-extraction",
       [](const Pipeline&, const std::string& in, const Json& r) {
         std::printf("%s\n  [", in.c_str());
         for (size_t d = 0; d < std::min<size_t>(8, r.size()); ++d) std::printf("%s%.4f", d ? ", " : "", r[d].get<double>());
         std::printf(", ...] (%ld dims)\n", static_cast<long>(r.size()));
       }},
      {"sentence-similarity",
       [](const Pipeline& p, const std::string& in, const Json& r) {
         std::printf("%s similarity to \"%s\"\n", dynamic_cast<const SentenceTransformer&>(p).similarity_fn_name().c_str(), in.c_str());
         (void)r;
       }},
      {"rerank",
       [](const Pipeline& p, const std::string& in, const Json&) {
         std::printf("%s scores against \"%s\"\n", dynamic_cast<const CrossEncoder&>(p).activation_fn().c_str(), in.c_str());
       }},
  };
  return table;
}

int run_task(RunCmd& o) {
  if (o.inputs.empty()) throw ValueError("run: give at least one input (text, or a sound file for audio tasks)");
  std::string task = o.task;
  if (task.empty()) task = infer_task(AutoConfig::from_pretrained(o.model, ConfigOptions{o.load, {}}));
  const TaskInfo& info = check_task(task);
  const auto p = pipeline(task, o.model, o.load);
  const Json inputs = inputs_of(info, o.inputs), params = params_of(o, info);
  if (o.json) {  // the library's JSON, as a server would send it
    std::cout << p->call_json(inputs.dump(), params.dump()) << "\n";
    return 0;
  }
  // A task without a printer of its own prints each result's JSON.
  static const Printer json_lines = [](const Pipeline&, const std::string& in, const Json& r) { std::cout << in << "\n  " << r.dump() << "\n"; };
  const std::string row = info.name == "summarization" || info.name == "translation" ? "text2text-generation" : info.name;
  const auto it = printers().find(row);
  const Printer& print = it == printers().end() ? json_lines : it->second;
  if (info.input == InputKind::Chat) {  // one prompt at a time, streamed as it is produced
    for (const auto& text : inputs) {
      p->call_json(text.dump(), params.dump(), [](const std::string& t) { std::cout << t << std::flush; });
      print(*p, text, Json());
    }
    return 0;
  }
  const Json r = Json::parse(p->call_json(inputs.dump(), params.dump()));
  switch (info.input) {
    case InputKind::QuestionContext: print(*p, o.inputs[0], r); break;
    case InputKind::ImageText: print(*p, o.inputs[0], r[0]); break;
    case InputKind::SourceSentences:
      print(*p, o.inputs[0], r);
      for (size_t i = 0; i < r.size(); ++i) std::printf("  %.4f  %s\n", r[i].get<double>(), o.inputs[i + 1].c_str());
      break;
    case InputKind::QueryDocuments:
      print(*p, o.inputs[0], r);
      for (const auto& d : r)
        std::printf("  %8.4f  [%ld] %s\n", d["score"].get<double>(), static_cast<long>(d["corpus_id"].get<int64_t>()),
                    o.inputs[static_cast<size_t>(d["corpus_id"].get<int64_t>()) + 1].c_str());
      break;
    default:
      for (size_t i = 0; i < o.inputs.size(); ++i) print(*p, o.inputs[i], r[i]);
  }
  return 0;
}
}  // namespace

Runner register_run(CLI::App* c) {
  auto o = std::make_shared<RunCmd>();
  o->app = c;
  c->add_option("model", o->model, "model folder or Hub id")->required();
  c->add_option("inputs", o->inputs, "input texts (image / sound files for those tasks)");
  std::string tasks;
  for (const auto& t : supported_tasks()) tasks += (tasks.empty() ? "" : " | ") + t.name;
  c->add_option("--task", o->task, tasks + " (or an alias; default: from the model)");
  c->add_flag("--json", o->json, "print the pipeline's results as JSON");
  c->add_option("--aggregation-strategy", o->aggregation, "token-classification: none | simple | first | average | max");
  c->add_option("--top-k", o->top_k, "labels / fillers to print (text-generation: sampling top-k)");
  c->add_option("--max-new-tokens", o->flags.max_new_tokens);
  c->add_flag("--do-sample", o->flags.do_sample);
  c->add_option("--temperature", o->flags.temperature);
  c->add_option("--top-p", o->flags.top_p);
  c->add_option("--seed", o->flags.seed);
  o->flags.add_whisper(c);
  c->add_option("--threshold", o->threshold, "object-detection: the score a box must exceed (default 0.5)");
  c->add_option("--candidate-labels", o->labels, "zero-shot-classification / zero-shot-image-classification: comma-separated labels");
  c->add_option("--timestamps", o->asr.return_timestamps, "automatic-speech-recognition: true (Whisper segments) | word (Whisper: alignment heads + DTW; CTC) | char (CTC)");
  c->add_option("--chunk-length-s", o->asr.chunk_length_s, "automatic-speech-recognition: transcribe in overlapping chunks of this many seconds");
  c->add_flag("--return-language", o->asr.return_language, "automatic-speech-recognition (Whisper): each chunk with its language");
  c->add_option("--stride-length-s", o->asr.stride_length_s, "automatic-speech-recognition: the chunks' overlap on each side (default chunk / 6)");
  c->add_option("--language", o->language, "automatic-speech-recognition (Whisper): language code or name, e.g. fr");
  c->add_option("--speech-task", o->speech_task, "automatic-speech-recognition (Whisper): transcribe | translate");
  c->add_option("--prompt", o->prompt, "automatic-speech-recognition (Whisper): text the transcription follows (prompt_ids); "
                "feature-extraction / sentence-similarity / rerank: text prepended to every input");
  c->add_option("--prompt-name", o->encode.prompt_name, "feature-extraction / sentence-similarity: one of the model's prompts (config_sentence_transformers.json)");
  c->add_option("--truncate-dim", o->encode.truncate_dim, "feature-extraction / sentence-similarity: keep the first N embedding dimensions");
  c->add_flag("--normalize-embeddings", o->encode.normalize_embeddings, "feature-extraction / sentence-similarity: L2-normalize the embeddings");
  c->add_option("--src-lang", o->load.src_lang, "translation (M2M100, mBART, NLLB): the input's language code, e.g. fr / fr_XX");
  c->add_option("--tgt-lang", o->load.tgt_lang, "translation (M2M100, mBART, NLLB): the language to translate into");
  add_model_options(c, o->load);
  return [o] { return run_task(*o); };
}

}  // namespace transformers::cli
