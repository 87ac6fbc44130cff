#include "serve/chat_session.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include "generation/logits_process.hpp"
#include "models/generative.hpp"

namespace transformers::serve {

namespace {
// generate()'s resolved settings as the engine's per-request sampling parameters. Greedy unless
// do_sample; top_k / top_p / min_p only warp when sampling, as in Python.
SamplingParams sampling_of(const generation::Resolved& r, int64_t prompt_len) {
  SamplingParams p;
  p.max_tokens = r.max_length - prompt_len;
  p.min_tokens = std::max<int64_t>(r.min_new_tokens, r.min_length - prompt_len);
  p.temperature = r.do_sample ? r.temperature : 0.0;
  if (r.do_sample) {
    p.top_k = r.top_k;
    p.top_p = r.top_p;
    p.min_p = r.min_p.value_or(0.0);
  }
  p.repetition_penalty = r.repetition_penalty;
  p.seed = r.seed;
  return p;
}

std::string unsupported(const generation::Resolved& r) {
  if (r.num_beams > 1) return "beam search (num_beams > 1)";
  if (r.num_return_sequences > 1) return "num_return_sequences > 1";
  if (!r.stop_strings.empty()) return "stop_strings";
  if (r.no_repeat_ngram_size > 0) return "no_repeat_ngram_size";
  if (!r.bad_words.empty()) return "bad_words_ids";
  if (!r.suppress.empty() || !r.begin_suppress.empty()) return "suppress_tokens";
  if (r.forced_bos || r.forced_eos) return "forced_bos_token_id / forced_eos_token_id";
  if (r.do_sample && (r.typical_p != 1.0 || r.epsilon_cutoff || r.eta_cutoff || r.top_h)) return "typical / epsilon / eta / top-h sampling";
  return "";
}
}  // namespace

bool ChatSession::supports(const GenerativeModel& model, const GenerationConfig& g, std::string* why) {
  const auto r = generation::resolve(g.merged_over(model.generation_config()), 1, model.output_vocab_size());
  const std::string u = unsupported(r);
  if (why) *why = u;
  return u.empty();
}

ChatSession::ChatSession(std::shared_ptr<GenerativeModel> model, std::shared_ptr<PreTrainedTokenizer> tokenizer,
                         const GenerationConfig& g, std::string system_prompt, EngineOptions engine_options)
    : model_(std::move(model)), tok_(std::move(tokenizer)), system_(std::move(system_prompt)), engine_options_(engine_options) {
  set_generation_config(g);
  reset();
}

void ChatSession::set_generation_config(const GenerationConfig& g) {
  g_ = g;
  if (!supports(*model_, g_)) {
    engine_.reset();
  } else if (!engine_) {
    try {
      engine_ = std::make_unique<Engine>(model_, engine_options_);
    } catch (const ValueError&) {
      // A family whose layers do not all run on the paged cache: the turns use generate().
      engine_.reset();
    }
  }
}

std::unique_ptr<ChatSession> ChatSession::from_pretrained(const std::string& name, const FromPretrainedOptions& o,
                                                          const GenerationConfig& g, std::string system_prompt, int64_t kv_cache_bytes) {
  std::unique_ptr<PreTrainedModel> m = AutoModelForCausalLM::from_pretrained(name, o);
  auto* gm = dynamic_cast<GenerativeModel*>(m.get());
  if (!gm) throw ValueError(m->class_name() + " cannot generate");
  m.release();
  std::shared_ptr<GenerativeModel> model(gm);
  TokenizerOptions topt;
  static_cast<HubOptions&>(topt) = o;
  std::shared_ptr<PreTrainedTokenizer> tok = AutoTokenizer::from_pretrained(name, topt);
  EngineOptions eo;
  eo.max_num_seqs = 1;
  eo.kv_cache_bytes = kv_cache_bytes;
  return std::make_unique<ChatSession>(std::move(model), std::move(tok), g, std::move(system_prompt), eo);
}

ChatSession::~ChatSession() = default;

const GenerationConfig& ChatSession::model_generation_config() const { return model_->generation_config(); }

void ChatSession::reset() {
  history_ = nlohmann::json::array();
  if (!system_.empty()) history_.push_back({{"role", "system"}, {"content", system_}});
}

std::string ChatSession::reply(const std::string& user_message, const TextCallback& on_text) {
  nlohmann::json turn = history_;
  turn.push_back({{"role", "user"}, {"content", user_message}});
  ChatTemplateOptions co;
  co.add_generation_prompt = true;
  const std::vector<int64_t> prompt = tok_->apply_chat_template_ids(turn.dump(), co);
  if (prompt.empty()) throw ValueError("chat: the conversation renders to no tokens");
  std::vector<int64_t> generated;
  DecodeStream stream(tok_->backend(), true);
  std::string streamed;  // what on_text has had so far
  if (!engine_) {  // the pipeline's way: generate() over the whole history
    GenerateHooks hooks;
    hooks.tokenizer = tok_.get();
    if (on_text)
      hooks.on_tokens = [&](const std::vector<int64_t>& next) {
        if (auto piece = stream.step(next.at(0))) streamed += *piece, on_text(*piece);
      };
    const GenerateOutput out = model_->generate(Tensor::from_ints(prompt, {1, static_cast<int64_t>(prompt.size())}), g_, {}, hooks);
    const auto seq = out.sequences.to_ints();
    generated.assign(seq.begin() + static_cast<std::ptrdiff_t>(prompt.size()), seq.begin() + out.sequences.size(1));
    return finish_turn(std::move(turn), generated, streamed, on_text);
  }
  const auto r = generation::resolve(g_.merged_over(model_->generation_config()), static_cast<int64_t>(prompt.size()),
                                     model_->output_vocab_size());
  // The engine thread hands tokens over; this thread decodes and streams them.
  std::mutex mu;
  std::condition_variable cv;
  std::vector<int64_t> pending;
  bool done = false;
  std::string error;
  engine_->submit(prompt, sampling_of(r, static_cast<int64_t>(prompt.size())), [&](const Event& e) {
    std::lock_guard<std::mutex> lk(mu);
    pending.insert(pending.end(), e.tokens.begin(), e.tokens.end());
    if (e.finish != FinishReason::kNone) {
      done = true;
      if (e.finish == FinishReason::kAbort) error = e.error.empty() ? "the request was aborted" : e.error;
    }
    cv.notify_one();
    return true;
  });
  while (true) {
    std::vector<int64_t> got;
    bool finished = false;
    {
      std::unique_lock<std::mutex> lk(mu);
      cv.wait(lk, [&] { return !pending.empty() || done; });
      got.swap(pending);
      finished = done;
    }
    for (int64_t t : got) {
      generated.push_back(t);
      if (on_text)
        if (auto piece = stream.step(t)) streamed += *piece, on_text(*piece);
    }
    if (finished) break;
  }
  if (!error.empty()) throw ValueError("chat: " + error);
  return finish_turn(std::move(turn), generated, streamed, on_text);
}

std::string ChatSession::finish_turn(nlohmann::json turn, const std::vector<int64_t>& generated, const std::string& streamed,
                                     const TextCallback& on_text) {
  const std::string text = tok_->decode(generated, true);
  // The stream holds back a tail that could still grow into a character (or beam search streamed
  // nothing); flush it, as TextStreamer.end() does, so the pieces add up to the reply.
  if (on_text && text.size() > streamed.size() && text.compare(0, streamed.size(), streamed) == 0) on_text(text.substr(streamed.size()));
  history_ = std::move(turn);
  history_.push_back({{"role", "assistant"}, {"content", text}});
  return text;
}

}  // namespace transformers::serve
