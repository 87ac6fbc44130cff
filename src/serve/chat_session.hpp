#pragma once
// A multi-turn chat on the serving engine (the CLI's `chat`). Each turn renders the whole history
// with the model's chat template, as TextGenerationPipeline::chat does, but the engine's prefix
// cache holds the earlier turns' KV blocks, so a turn prefills only what is new instead of the
// whole conversation.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "io/json.hpp"
#include "serve/engine.hpp"
#include "transformers/generation.hpp"
#include "transformers/modeling.hpp"
#include "transformers/tokenizer.hpp"

namespace transformers::serve {

class ChatSession {
 public:
  using TextCallback = std::function<void(const std::string& text)>;
  // `g` is merged over the model's generation_config as generate() merges it. Generation modes
  // the engine does not run (beam search, stop strings, n-gram and bad-word bans, typical /
  // epsilon / eta sampling, several return sequences) run each turn through generate() over the
  // whole history instead, as the pipeline does; uses_engine() tells which.
  ChatSession(std::shared_ptr<GenerativeModel> model, std::shared_ptr<PreTrainedTokenizer> tokenizer, const GenerationConfig& g,
              std::string system_prompt = "", EngineOptions engine_options = {});
  // A decoder-only model (AutoModelForCausalLM) and its tokenizer from a folder or Hub id; one
  // sequence at a time and a KV pool of kv_cache_bytes (filled at start, so sized for a chat).
  static std::unique_ptr<ChatSession> from_pretrained(const std::string& name, const FromPretrainedOptions& o,
                                                      const GenerationConfig& g, std::string system_prompt = "",
                                                      int64_t kv_cache_bytes = int64_t{256} << 20);
  ~ChatSession();
  // Whether the engine runs `g` (merged over the model's config), and if not, why.
  static bool supports(const GenerativeModel& model, const GenerationConfig& g, std::string* why = nullptr);
  bool uses_engine() const { return engine_ != nullptr; }
  // The generation settings of the turns to come (merged over the model's as above).
  void set_generation_config(const GenerationConfig& g);
  const GenerationConfig& model_generation_config() const;

  // One turn: the user's message in, the assistant's reply out (special tokens skipped, as the
  // pipeline decodes it), streamed piece by piece to on_text. The reply joins the history.
  std::string reply(const std::string& user_message, const TextCallback& on_text = {});
  void reset();  // back to the system prompt alone
  const nlohmann::json& history() const { return history_; }
  EngineMetrics metrics() const { return engine_ ? engine_->metrics() : EngineMetrics{}; }

 private:
  std::string finish_turn(nlohmann::json turn, const std::vector<int64_t>& generated, const std::string& streamed,
                          const TextCallback& on_text);
  std::shared_ptr<GenerativeModel> model_;
  std::shared_ptr<PreTrainedTokenizer> tok_;
  GenerationConfig g_;
  std::string system_;
  nlohmann::json history_;
  EngineOptions engine_options_;
  std::unique_ptr<Engine> engine_;  // null while g_ needs generate()
};

}  // namespace transformers::serve
