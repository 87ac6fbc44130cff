// pipeline("text-generation"), following transformers/pipelines/text_generation.py (v5).
#include "pipelines/pipeline_utils.hpp"
#include "transformers/errors.hpp"

namespace transformers {

std::unique_ptr<TextGenerationPipeline> TextGenerationPipeline::from_pretrained(const std::string& name, const FromPretrainedOptions& o) {
  auto p = std::unique_ptr<TextGenerationPipeline>(new TextGenerationPipeline());
  p->model_ = AutoModelForCausalLM::from_pretrained(name, o);
  p->tok_ = load_tokenizer(name, o);
  return p;
}

std::string TextGenerationPipeline::continue_ids(const std::vector<int64_t>& ids, const GenerationConfig& g,
                                                 const TextCallback& on_text) const {
  if (ids.empty()) throw ValueError("text-generation: the prompt encodes to no tokens");
  GenerateHooks hooks;
  hooks.tokenizer = tok_.get();
  DecodeStream stream(tok_->backend(), true);
  if (on_text)
    hooks.on_tokens = [&](const std::vector<int64_t>& next) {
      if (auto piece = stream.step(next.at(0))) on_text(*piece);
    };
  GenerateOutput out = model_->generate(Tensor::from_ints(ids, {1, static_cast<int64_t>(ids.size())}), g, {}, hooks);
  const auto seq = out.sequences.to_ints();
  return tok_->decode(std::vector<int64_t>(seq.begin() + static_cast<std::ptrdiff_t>(ids.size()), seq.begin() + out.sequences.size(1)), true);
}

std::vector<std::string> TextGenerationPipeline::operator()(const std::vector<std::string>& prompts, const GenerationConfig& g,
                                                             const TextCallback& on_text) const {
  std::vector<std::string> out;
  for (const auto& p : prompts) out.push_back(p + continue_ids(tok_->encode(p).ids, g, on_text));
  return out;
}

std::string TextGenerationPipeline::chat(const std::string& messages_json, const GenerationConfig& g, const TextCallback& on_text,
                                         const ChatTemplateOptions& o) const {
  ChatTemplateOptions co = o;
  if (!co.continue_final_message) co.add_generation_prompt = true;
  return continue_ids(tok_->apply_chat_template_ids(messages_json, co), g, on_text);
}

}  // namespace transformers
