// pipeline("text2text-generation"), "summarization" and "translation", following
// transformers v4's pipelines/text2text_generation.py and the task_specific_params handling of
// its Pipeline base class.
#include "io/json.hpp"
#include "pipelines/pipeline_utils.hpp"
#include "transformers/errors.hpp"

namespace transformers {

std::unique_ptr<Text2TextGenerationPipeline> Text2TextGenerationPipeline::from_pretrained(const std::string& name, const std::string& task,
                                                                                        const FromPretrainedOptions& o) {
  auto p = std::unique_ptr<Text2TextGenerationPipeline>(new Text2TextGenerationPipeline());
  p->task_ = task;
  if (task == "text2text-generation") p->key_ = "generated_text";
  else if (task == "summarization") p->key_ = "summary_text";
  else if (task == "translation" || task.rfind("translation_", 0) == 0) p->key_ = "translation_text";
  else throw ValueError("Text2TextGenerationPipeline: unknown task '" + task + "' (text2text-generation, summarization, translation_xx_to_yy)");
  if (task.rfind("translation_", 0) == 0) {  // translation_xx_to_yy
    const size_t to = task.find("_to_");
    if (to == std::string::npos || to <= 12) throw ValueError("Text2TextGenerationPipeline: a translation task reads translation_xx_to_yy, not '" + task + "'");
    p->src_lang_ = task.substr(12, to - 12), p->tgt_lang_ = task.substr(to + 4);
  }
  p->model_ = AutoModelForSeq2SeqLM::from_pretrained(name, o);
  p->tok_ = load_tokenizer(name, o);
  const PretrainedConfig& c = p->model_->config();
  if (c.has("prefix")) p->prefix_ = c.get_string("prefix");
  if (c.has("task_specific_params")) {
    const Json all = parse_json(c.to_json_string(), "config.json")["task_specific_params"];
    if (!all.is_object()) throw ConfigError("config.json: task_specific_params must be an object");
    if (auto it = all.find(task); it != all.end()) {
      Json params = *it;
      if (!params.is_object()) throw ConfigError("config.json: task_specific_params." + task + " must be an object");
      if (params.contains("prefix")) {
        if (!params["prefix"].is_string()) throw ConfigError("config.json: task_specific_params." + task + ".prefix must be a string");
        p->prefix_ = params["prefix"].get<std::string>();
      }
      p->task_params_ = GenerationConfig::from_json_string(params.dump(), "config.json task_specific_params." + task);
    }
  }
  return p;
}

void Text2TextGenerationPipeline::set_languages(const std::string& src_lang, const std::string& tgt_lang) {
  src_lang_ = src_lang, tgt_lang_ = tgt_lang;
}

std::vector<std::string> Text2TextGenerationPipeline::operator()(const std::vector<std::string>& texts, const GenerationConfig& g) const {
  GenerationConfig merged = g.merged_over(task_params_);
  if (key_ == "translation_text" && tok_->has_language_codes()) {
    if (src_lang_.empty() || tgt_lang_.empty()) throw ValueError("Translation requires a `src_lang` and a `tgt_lang` for this model");
    tok_->set_src_lang(src_lang_);
    if (!g.forced_bos_token_id) merged.forced_bos_token_id = tok_->lang_id(tgt_lang_);
  }
  std::vector<std::string> out;
  for (const auto& text : texts) {
    const auto ids = tok_->encode(prefix_ + text).ids;
    if (ids.empty()) throw ValueError(key_ + ": the input encodes to no tokens");
    const GenerateOutput r = model_->generate(Tensor::from_ints(ids, {1, static_cast<int64_t>(ids.size())}), merged);
    const auto seq = r.sequences.to_ints();
    const int64_t L = r.sequences.size(1);
    for (int64_t i = 0; i < r.sequences.size(0); ++i)
      out.push_back(tok_->decode(std::vector<int64_t>(seq.begin() + i * L, seq.begin() + (i + 1) * L), true, false));
  }
  return out;
}

}  // namespace transformers
