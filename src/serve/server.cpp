#include "serve/server.hpp"

#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "io/json.hpp"
#include "models/generative.hpp"
#include "serve/engine.hpp"
#include "serve/openai.hpp"
#include "transformers/hub.hpp"
#include "transformers/pipelines.hpp"
#include "transformers/tokenizer.hpp"

namespace transformers::serve {

using nlohmann::json;

int64_t parse_memory_size(const std::string& text) {
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    throw ValueError("not a memory size: '" + text + "' (e.g. 2GiB, 512MiB, 1GB, 1048576)");
  }
  std::string unit = text.substr(used);
  for (char& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const std::map<std::string, double> kUnits = {
      {"", 1},        {"b", 1},          {"k", 1e3},  {"kb", 1e3},          {"kib", 1024.0},          {"m", 1e6},
      {"mb", 1e6},    {"mib", 1048576.0}, {"g", 1e9}, {"gb", 1e9},          {"gib", 1073741824.0},    {"t", 1e12},
      {"tb", 1e12},   {"tib", 1099511627776.0}};
  auto it = kUnits.find(unit);
  if (it == kUnits.end() || !(v > 0) || v * it->second > 9.0e18)
    throw ValueError("not a memory size: '" + text + "' (e.g. 2GiB, 512MiB, 1GB, 1048576)");
  return static_cast<int64_t>(v * it->second);
}

namespace {

std::string random_id(const char* prefix) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(rng()), static_cast<unsigned long long>(rng()));
  return std::string(prefix) + buf;
}

int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(dump_json(body), "application/json");
}

// One choice of a generation request as the HTTP side sees it: the ids so far, their text, what
// has been sent, and how it ended.
struct Choice {
  size_t index = 0;
  uint64_t rid = 0;
  bool submitted = false;
  std::vector<int64_t> prompt;
  std::vector<int64_t> ids;
  std::vector<float> logprobs;
  std::vector<std::vector<TokenLogprob>> top;
  std::unique_ptr<StopMatcher> stop;
  std::string text;    // the output text so far (final once finished)
  size_t sendable = 0; // bytes of `text` that no stop string can still take back
  size_t sent = 0;     // bytes of `text` already streamed
  bool finished = false;
  std::string finish_reason, error;
  int64_t prompt_tokens = 0, completion_tokens = 0;
  size_t logprobs_sent = 0;  // tokens whose logprobs were streamed
};

// The events of every choice of one request, queued by the engine thread for the HTTP thread.
struct Channel {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::pair<size_t, Event>> events;
  std::atomic<bool> cancelled{false};      // the client went away
  std::unique_ptr<std::atomic<bool>[]> stopped;  // per choice: a stop string matched
};

}  // namespace

struct Server::Impl {
  ServerOptions o;
  Kind kind = Kind::kGenerate;
  std::string name;
  httplib::Server http;
  int port = 0;
  bool bound = false;
  std::atomic<bool> draining{false};
  std::once_flag shutdown_once;

  // generative
  std::shared_ptr<GenerativeModel> model;
  std::unique_ptr<PreTrainedTokenizer> tokenizer;
  std::unique_ptr<Engine> engine;
  std::set<int64_t> eos_ids;
  // The tokens' bytes for constrained decoding (response_format), built on the first such request.
  std::mutex vocabulary_mu;
  std::shared_ptr<const TokenVocabulary> vocabulary_bytes;
  std::shared_ptr<const TokenVocabulary> vocabulary() {
    std::lock_guard<std::mutex> lock(vocabulary_mu);
    if (!vocabulary_bytes) vocabulary_bytes = token_vocabulary(*tokenizer);
    return vocabulary_bytes;
  }
  std::function<void(const std::vector<int64_t>&, float*, int64_t)> constraint(const json& body) {
    return json_constraint_for(body.contains("response_format") ? body["response_format"] : json(), [this] { return vocabulary(); },
                               std::vector<int64_t>(eos_ids.begin(), eos_ids.end()));
  }
  ToolFormat tool_format = ToolFormat::kNone;
  int64_t vocab = 0;
  // embeddings / rerank
  std::unique_ptr<SentenceTransformer> embedder;
  std::unique_ptr<CrossEncoder> reranker;
  std::mutex encoder_mu;  // the encoders run one request at a time

  // metrics the server keeps itself
  std::mutex metrics_mu;
  std::map<int, int64_t> requests_by_status;
  int listen_fd = -1;
  SamplingDefaults defaults;  // from the model's generation_config.json  // the listening socket, set by httplib's socket-options hook
  std::atomic<int64_t> encoder_prompt_tokens{0};

  explicit Impl(ServerOptions opts) : o(std::move(opts)) {}

  void load();
  void routes();

  // --- helpers
  const PreTrainedTokenizer& tok() const { return *tokenizer; }
  void check_model(const json& body) const {
    if (auto m = get_string(body, "model"); m && *m != name)
      throw ApiError(404, "The model `" + *m + "` does not exist.", "invalid_request_error", "model", "model_not_found");
  }
  std::string token_text(int64_t id) const { return tokenizer->decode({id}); }

  void chat(const httplib::Request& req, httplib::Response& res);
  void completions(const httplib::Request& req, httplib::Response& res);
  void embeddings(const httplib::Request& req, httplib::Response& res);
  void rerank(const httplib::Request& req, httplib::Response& res, bool tei);
  std::string metrics_text();

  // Generation shared by chat and completions.
  struct GenSpec {
    std::vector<std::vector<int64_t>> prompts;  // one per prompt (completions may batch several)
    RequestSampling sampling;
    bool stream = false, include_usage = false, chat = false, tools = false, return_token_ids = false;
    bool echo = false;
    std::vector<std::string> echo_text;  // per prompt, with echo
    int64_t logprobs = -1;               // engine logprobs: -1 none, else the top k
    std::string id, model;
    int64_t created = 0;
  };
  void generate(GenSpec spec, httplib::Response& res);
  void submit_all(const std::shared_ptr<Channel>& ch, std::vector<Choice>& choices, const GenSpec& spec);
  void cancel_all(const std::shared_ptr<Channel>& ch, std::vector<Choice>& choices);
  // Takes the queued events into the choices; on_delta(choice, text delta) for new sendable text.
  void absorb(const std::shared_ptr<Channel>& ch, std::vector<Choice>& choices, const GenSpec& spec,
              std::deque<std::pair<size_t, Event>>& batch);
  void process(Choice& c, const Event& e, const GenSpec& spec, Channel& ch);
  json logprobs_json(const Choice& c, size_t from, size_t to, bool chat) const;
  json usage_json(const std::vector<Choice>& choices, const GenSpec& spec) const;
  json final_choice_json(const Choice& c, const GenSpec& spec) const;
};

// ------------------------------------------------------------------------------------- loading

void Server::Impl::load() {
  name = o.served_model_name.empty() ? o.model : o.served_model_name;
  if (o.api_key.empty())
    if (const char* k = std::getenv("TRANSFORMERS_CPP_API_KEY")) o.api_key = k;
  // The kind from the folder: a sequence classifier is a cross-encoder, a sentence-transformers
  // folder (modules.json) an embedder, anything else a causal LM.
  const HubOptions& hub = o.load;
  const json config = parse_json_file(*cached_file(o.model, "config.json", hub));
  std::string arch;
  if (config.contains("architectures") && config["architectures"].is_array() && !config["architectures"].empty() &&
      config["architectures"][0].is_string())
    arch = config["architectures"][0].get<std::string>();
  const bool st_folder = cached_file(o.model, "modules.json", hub, /*required=*/false).has_value();
  auto ends_with = [](const std::string& s, const std::string& t) {
    return s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
  };
  if (ends_with(arch, "ForSequenceClassification")) {
    kind = Kind::kRerank;
    reranker = CrossEncoder::from_pretrained(o.model, o.load);
  } else if (st_folder) {
    kind = Kind::kEmbed;
    embedder = SentenceTransformer::from_pretrained(o.model, o.load);
  } else {
    kind = Kind::kGenerate;
    std::unique_ptr<PreTrainedModel> m = AutoModelForCausalLM::from_pretrained(o.model, o.load);
    auto* g = dynamic_cast<GenerativeModel*>(m.get());
    if (!g) throw ValueError(m->class_name() + " cannot be served for generation");
    m.release();
    model.reset(g);
    TokenizerOptions topt;
    static_cast<HubOptions&>(topt) = hub;
    tokenizer = AutoTokenizer::from_pretrained(o.model, topt);
    if (const auto& e = model->generation_config().eos_token_id) eos_ids.insert(e->begin(), e->end());
    if (auto e = tokenizer->eos_token_id()) eos_ids.insert(*e);
    tool_format = detect_tool_format(tokenizer->chat_template());
    defaults = sampling_defaults(model->generation_config());
    vocab = std::max<int64_t>(model->output_vocab_size(), static_cast<int64_t>(tokenizer->vocab_size()));
    EngineOptions eo;
    eo.max_num_seqs = o.max_num_seqs;
    eo.max_model_len = o.max_model_len;
    eo.kv_cache_bytes = o.kv_cache_bytes;
    eo.max_waiting = o.max_waiting;
    engine = std::make_unique<Engine>(model, eo);
  }
}

// ------------------------------------------------------------------------------------ generation

void Server::Impl::submit_all(const std::shared_ptr<Channel>& ch, std::vector<Choice>& choices, const GenSpec& spec) {
  try {
    for (auto& c : choices) {
      SamplingParams p = spec.sampling.params;
      // n > 1 with a seed: each choice its own stream, reproducibly (seed + index).
      if (p.seed && spec.sampling.n > 1) p.seed = *p.seed + (c.index % static_cast<size_t>(spec.sampling.n));
      // The default (the model's max_new_tokens, else the whole context) never exceeds what the
      // context leaves; a max_tokens the request names still must fit (submit() says so).
      const int64_t room = engine->max_model_len() - static_cast<int64_t>(c.prompt.size());
      if (p.max_tokens < 0) p.max_tokens = room;
      else if (!spec.sampling.max_tokens_given) p.max_tokens = std::max<int64_t>(1, std::min(p.max_tokens, room));
      p.logprobs = spec.logprobs;
      const size_t i = c.index;
      std::weak_ptr<Channel> weak = ch;
      c.rid = engine->submit(c.prompt, std::move(p), [weak, i](const Event& e) {
        auto chan = weak.lock();
        if (!chan) return false;
        {
          std::lock_guard<std::mutex> lk(chan->mu);
          chan->events.emplace_back(i, e);
        }
        chan->cv.notify_all();
        return !chan->cancelled.load() && !chan->stopped[i].load();
      });
      c.submitted = true;
    }
  } catch (...) {
    cancel_all(ch, choices);
    throw;
  }
}

void Server::Impl::cancel_all(const std::shared_ptr<Channel>& ch, std::vector<Choice>& choices) {
  ch->cancelled = true;
  for (auto& c : choices)
    if (c.submitted && !c.finished) engine->cancel(c.rid);
}

void Server::Impl::process(Choice& c, const Event& e, const GenSpec& spec, Channel& ch) {
  if (c.finished) return;  // after a stop string matched: the engine's last steps are dropped
  for (size_t t = 0; t < e.tokens.size(); ++t) {
    c.ids.push_back(e.tokens[t]);
    if (t < e.logprobs.size()) c.logprobs.push_back(e.logprobs[t]);
    if (t < e.top_logprobs.size()) c.top.push_back(e.top_logprobs[t]);
  }
  if (e.prompt_tokens) c.prompt_tokens = e.prompt_tokens;
  if (e.finish == FinishReason::kAbort) {
    c.finished = true;
    c.finish_reason = "abort";
    c.error = e.error.empty() ? "the request was aborted" : e.error;
    return;
  }
  // The text of the ids; a final eos / stop id is not part of it (nor counted twice in usage).
  std::vector<int64_t> visible = c.ids;
  const bool engine_done = e.finish != FinishReason::kNone;
  if (e.finish == FinishReason::kStop && !visible.empty()) {
    const int64_t last = visible.back();
    const auto& sids = spec.sampling.params.stop_token_ids;
    if (eos_ids.count(last) || std::find(sids.begin(), sids.end(), last) != sids.end()) visible.pop_back();
  }
  // With tools the special tokens carry the calls' markers (Mistral's [TOOL_CALLS], gpt-oss's
  // channels), so the text keeps them for the parser.
  std::string text = tokenizer->decode(visible, /*skip_special_tokens=*/!spec.tools);
  const size_t stable = engine_done ? text.size() : utf8_complete_prefix(text);
  size_t upto = c.stop->feed(text.substr(0, stable));
  if (c.stop->stopped()) {
    c.finished = true;
    c.finish_reason = "stop";
    c.completion_tokens = static_cast<int64_t>(c.ids.size());
    text.resize(c.stop->stop_at());
    upto = text.size();
    ch.stopped[c.index] = true;
    engine->cancel(c.rid);
  } else if (engine_done) {
    c.finished = true;
    c.finish_reason = e.finish == FinishReason::kStop ? "stop" : "length";
    c.completion_tokens = e.completion_tokens ? e.completion_tokens : static_cast<int64_t>(c.ids.size());
    upto = text.size();
  }
  c.text = std::move(text);
  c.sendable = c.finished ? c.text.size() : std::min(upto, c.text.size());
  if (!c.finished) c.completion_tokens = static_cast<int64_t>(c.ids.size());
}

void Server::Impl::absorb(const std::shared_ptr<Channel>& ch, std::vector<Choice>& choices, const GenSpec& spec,
                          std::deque<std::pair<size_t, Event>>& batch) {
  for (auto& [i, e] : batch) process(choices[i], e, spec, *ch);
  batch.clear();
}

json Server::Impl::logprobs_json(const Choice& c, size_t from, size_t to, bool chat_format) const {
  to = std::min(to, c.logprobs.size());
  if (chat_format) {
    json content = json::array();
    for (size_t t = from; t < to; ++t) {
      auto entry = [&](int64_t id, float lp) {
        const std::string s = token_text(id);
        json bytes = json::array();
        for (unsigned char b : s) bytes.push_back(b);
        return json{{"token", s}, {"logprob", lp}, {"bytes", bytes}};
      };
      json item = entry(c.ids[t], c.logprobs[t]);
      json top = json::array();
      if (t < c.top.size())
        for (const auto& tl : c.top[t]) top.push_back(entry(tl.id, tl.logprob));
      item["top_logprobs"] = top;
      content.push_back(item);
    }
    return json{{"content", content}};
  }
  json tokens = json::array(), lps = json::array(), tops = json::array(), offsets = json::array();
  size_t offset = 0;
  for (size_t t = 0; t < from; ++t) offset += token_text(c.ids[t]).size();
  for (size_t t = from; t < to; ++t) {
    const std::string s = token_text(c.ids[t]);
    tokens.push_back(s);
    lps.push_back(c.logprobs[t]);
    json top = json::object();
    if (t < c.top.size())
      for (const auto& tl : c.top[t]) top[token_text(tl.id)] = tl.logprob;
    tops.push_back(top);
    offsets.push_back(offset);
    offset += s.size();
  }
  return json{{"tokens", tokens}, {"token_logprobs", lps}, {"top_logprobs", tops}, {"text_offset", offsets}};
}

json Server::Impl::usage_json(const std::vector<Choice>& choices, const GenSpec& spec) const {
  int64_t prompt = 0, completion = 0;
  const size_t n = static_cast<size_t>(spec.sampling.n);
  for (const auto& c : choices) {
    if (c.index % n == 0) prompt += static_cast<int64_t>(c.prompt.size());  // each prompt once
    completion += c.completion_tokens;
  }
  return json{{"prompt_tokens", prompt}, {"completion_tokens", completion}, {"total_tokens", prompt + completion}};
}

json Server::Impl::final_choice_json(const Choice& c, const GenSpec& spec) const {
  json j = {{"index", c.index}, {"finish_reason", c.finish_reason}, {"logprobs", nullptr}};
  if (spec.logprobs >= 0) j["logprobs"] = logprobs_json(c, 0, c.ids.size(), spec.chat);
  if (spec.return_token_ids) {
    j["token_ids"] = c.ids;
  }
  if (spec.chat) {
    json msg = {{"role", "assistant"}, {"content", c.text}};
    if (spec.tools) {
      ParsedToolOutput p = parse_tool_calls(c.text, tool_format);
      if (!p.calls.empty()) {
        json calls = json::array();
        for (const auto& call : p.calls)
          calls.push_back({{"id", call.id}, {"type", "function"}, {"function", {{"name", call.name}, {"arguments", call.arguments}}}});
        msg["tool_calls"] = calls;
        msg["content"] = p.content.empty() ? json(nullptr) : json(p.content);
        j["finish_reason"] = "tool_calls";
      } else {
        msg["content"] = p.content;
      }
    }
    j["message"] = msg;
  } else {
    j["text"] = spec.echo ? spec.echo_text[c.index / static_cast<size_t>(spec.sampling.n)] + c.text : c.text;
  }
  return j;
}

void Server::Impl::generate(GenSpec spec, httplib::Response& res) {
  auto ch = std::make_shared<Channel>();
  const size_t n = static_cast<size_t>(spec.sampling.n);
  auto choices = std::make_shared<std::vector<Choice>>(spec.prompts.size() * n);
  ch->stopped.reset(new std::atomic<bool>[choices->size()]);
  for (size_t i = 0; i < choices->size(); ++i) {
    Choice& c = (*choices)[i];
    c.index = i;
    c.prompt = spec.prompts[i / n];
    c.stop = std::make_unique<StopMatcher>(spec.sampling.stop);
    ch->stopped[i] = false;
  }
  // The context: prompt + max_tokens must fit, and the message names both lengths.
  const int64_t ctx = engine->max_model_len();
  for (const auto& p : spec.prompts) {
    const int64_t plen = static_cast<int64_t>(p.size());
    // A default max_tokens shrinks to what is left; only one the request names must fit whole.
    const int64_t want = spec.sampling.max_tokens_given ? spec.sampling.params.max_tokens : 1;
    if (plen + want > ctx)
      throw ApiError(400,
                     "This model's maximum context length is " + std::to_string(ctx) + " tokens. However, you requested " +
                         std::to_string(plen + want) + " tokens (" + std::to_string(plen) + " in the prompt, " + std::to_string(want) +
                         " in the completion). Please reduce the length of the prompt or the completion.",
                     "invalid_request_error", spec.chat ? "messages" : "prompt", "context_length_exceeded");
  }
  submit_all(ch, *choices, spec);

  if (!spec.stream) {
    std::deque<std::pair<size_t, Event>> batch;
    while (true) {
      {
        std::unique_lock<std::mutex> lk(ch->mu);
        ch->cv.wait(lk, [&] { return !ch->events.empty(); });
        batch.swap(ch->events);
      }
      absorb(ch, *choices, spec, batch);
      if (std::all_of(choices->begin(), choices->end(), [](const Choice& c) { return c.finished; })) break;
    }
    for (const auto& c : *choices)
      if (c.finish_reason == "abort") throw ApiError(draining ? 503 : 500, c.error, draining ? "service_unavailable" : "internal_server_error");
    json out = {{"id", spec.id}, {"object", spec.chat ? "chat.completion" : "text_completion"}, {"created", spec.created}, {"model", spec.model}};
    json cj = json::array();
    for (const auto& c : *choices) cj.push_back(final_choice_json(c, spec));
    out["choices"] = cj;
    out["usage"] = usage_json(*choices, spec);
    send_json(res, 200, out);
    return;
  }

  // Streaming: server-sent events written from this connection's thread as the engine's events
  // arrive; a failed write is a client that went away, which cancels every choice.
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(
      "text/event-stream",
      [this, ch, choices, spec](size_t, httplib::DataSink& sink) {
        auto write = [&](const json& j) {
          const std::string s = "data: " + dump_json(j) + "\n\n";
          return sink.write(s.data(), s.size());
        };
        auto chunk = [&](json choice_list) {
          json j = {{"id", spec.id},
                    {"object", spec.chat ? "chat.completion.chunk" : "text_completion"},
                    {"created", spec.created},
                    {"model", spec.model},
                    {"choices", std::move(choice_list)}};
          if (spec.include_usage) j["usage"] = nullptr;
          return j;
        };
        bool ok = true;
        if (spec.chat) {  // the role first, as OpenAI sends it
          json list = json::array();
          for (const auto& c : *choices)
            list.push_back({{"index", c.index}, {"delta", {{"role", "assistant"}, {"content", ""}}}, {"logprobs", nullptr}, {"finish_reason", nullptr}});
          ok = write(chunk(list));
        }
        std::deque<std::pair<size_t, Event>> batch;
        while (ok) {
          {
            std::unique_lock<std::mutex> lk(ch->mu);
            // A keep-alive comment every second while nothing comes: it finds a client that left
            // while its request waited in the queue.
            if (!ch->cv.wait_for(lk, std::chrono::seconds(1), [&] { return !ch->events.empty(); })) {
              lk.unlock();
              ok = sink.write(": keep-alive\n\n", 14);
              continue;
            }
            batch.swap(ch->events);
          }
          std::vector<bool> was_finished(choices->size());
          for (size_t i = 0; i < choices->size(); ++i) was_finished[i] = (*choices)[i].finished;
          absorb(ch, *choices, spec, batch);
          for (auto& c : *choices) {
            if (was_finished[c.index]) continue;
            if (c.finish_reason == "abort") {
              ok = write(json{{"error", error_json(500, c.error, "internal_server_error")["error"]}});
              continue;
            }
            json choice = {{"index", c.index}, {"logprobs", nullptr}, {"finish_reason", nullptr}};
            const bool buffer = spec.tools && !c.finished;  // tool calls are parsed from the whole text
            std::string delta;
            if (!buffer && c.sendable > c.sent) {
              delta = c.text.substr(c.sent, c.sendable - c.sent);
              c.sent = c.sendable;
            }
            if (spec.logprobs >= 0 && c.logprobs.size() > c.logprobs_sent) {
              choice["logprobs"] = logprobs_json(c, c.logprobs_sent, c.logprobs.size(), spec.chat);
              c.logprobs_sent = c.logprobs.size();
            }
            if (c.finished) {
              json fin = final_choice_json(c, spec);
              choice["finish_reason"] = fin["finish_reason"];
              if (spec.chat && spec.tools && fin["message"].contains("tool_calls")) {
                json calls = fin["message"]["tool_calls"];
                for (size_t k = 0; k < calls.size(); ++k) calls[k]["index"] = k;
                choice["delta"] = {{"tool_calls", calls}};
                if (fin["message"]["content"].is_string()) choice["delta"]["content"] = fin["message"]["content"];
              } else if (spec.chat) {
                choice["delta"] = {{"content", spec.tools ? fin["message"]["content"].get<std::string>() : delta}};
              } else {
                choice["text"] = delta;
              }
              if (spec.return_token_ids) choice["token_ids"] = c.ids;
            } else if (delta.empty() && choice["logprobs"].is_null()) {
              continue;
            } else if (spec.chat) {
              choice["delta"] = {{"content", delta}};
            } else {
              choice["text"] = delta;
            }
            ok = write(chunk(json::array({choice})));
          }
          if (std::all_of(choices->begin(), choices->end(), [](const Choice& c) { return c.finished; })) break;
        }
        if (!ok) {
          cancel_all(ch, *choices);
          return false;
        }
        if (spec.include_usage) {
          json j = chunk(json::array());
          j["usage"] = usage_json(*choices, spec);
          ok = write(j);
        }
        if (ok) ok = sink.write("data: [DONE]\n\n", 14);
        if (ok) sink.done();
        else cancel_all(ch, *choices);
        return ok;
      },
      [this, ch, choices](bool success) {
        if (!success) cancel_all(ch, *choices);
      });
}

void Server::Impl::chat(const httplib::Request& req, httplib::Response& res) {
  const json body = parse_body(req.body);
  check_model(body);
  if (!body.contains("messages")) throw ApiError(400, "'messages' is required", "invalid_request_error", "messages");
  GenSpec spec;
  spec.chat = true;
  spec.sampling = parse_sampling(body, vocab, defaults);
  spec.stream = get_bool(body, "stream").value_or(false);
  if (body.contains("stream_options") && body["stream_options"].is_object())
    spec.include_usage = get_bool(body["stream_options"], "include_usage").value_or(false);
  spec.return_token_ids = get_bool(body, "return_token_ids").value_or(false);
  if (get_bool(body, "logprobs").value_or(false)) spec.logprobs = get_int(body, "top_logprobs", 0, 20).value_or(0);
  else if (body.contains("top_logprobs") && !body["top_logprobs"].is_null())
    throw ApiError(400, "'top_logprobs' needs 'logprobs': true", "invalid_request_error", "top_logprobs");
  spec.sampling.params.constrain = constraint(body);

  ChatTemplateOptions co;
  co.add_generation_prompt = get_bool(body, "add_generation_prompt").value_or(true);
  co.continue_final_message = get_bool(body, "continue_final_message").value_or(false);
  if (co.add_generation_prompt && co.continue_final_message)
    throw ApiError(400, "'add_generation_prompt' and 'continue_final_message' cannot both be true");
  if (body.contains("chat_template_kwargs") && !body["chat_template_kwargs"].is_null()) {
    if (!body["chat_template_kwargs"].is_object())
      throw ApiError(400, "'chat_template_kwargs' must be an object", "invalid_request_error", "chat_template_kwargs");
    for (const auto& [k, v] : body["chat_template_kwargs"].items()) co.kwargs[k] = dump_json(v);
  }
  // Tools: rendered by the template; tool_choice "none" leaves them out, a named function keeps
  // only that one.
  if (body.contains("tools") && !body["tools"].is_null()) {
    const json& tools = body["tools"];
    if (!tools.is_array()) throw ApiError(400, "'tools' must be a list", "invalid_request_error", "tools");
    json chosen = tools;
    std::string choice = "auto";
    if (body.contains("tool_choice") && !body["tool_choice"].is_null()) {
      const json& tc = body["tool_choice"];
      if (tc.is_string()) {
        choice = tc.get<std::string>();
        if (choice != "none" && choice != "auto" && choice != "required")
          throw ApiError(400, "'tool_choice' must be none, auto, required or a function", "invalid_request_error", "tool_choice");
      } else if (tc.is_object() && tc.contains("function") && tc["function"].is_object() && tc["function"].contains("name") &&
                 tc["function"]["name"].is_string()) {
        const std::string fname = tc["function"]["name"].get<std::string>();
        chosen = json::array();
        for (const auto& t : tools)
          if (t.is_object() && t.contains("function") && t["function"].is_object() && t["function"].value("name", "") == fname)
            chosen.push_back(t);
        if (chosen.empty()) throw ApiError(400, "'tool_choice' names a function not in 'tools': " + fname, "invalid_request_error", "tool_choice");
      } else {
        throw ApiError(400, "'tool_choice' must be none, auto, required or a function", "invalid_request_error", "tool_choice");
      }
    }
    if (choice != "none" && !chosen.empty()) {
      co.tools_json = dump_json(chosen);
      spec.tools = tool_format != ToolFormat::kNone;
    }
  }
  const json messages = messages_for_template(body["messages"]);
  spec.prompts.push_back(tokenizer->apply_chat_template_ids(dump_json(messages), co));
  spec.id = random_id("chatcmpl-");
  spec.model = name;
  spec.created = now_s();
  generate(std::move(spec), res);
}

void Server::Impl::completions(const httplib::Request& req, httplib::Response& res) {
  const json body = parse_body(req.body);
  check_model(body);
  if (!body.contains("prompt") || body["prompt"].is_null()) throw ApiError(400, "'prompt' is required", "invalid_request_error", "prompt");
  GenSpec spec;
  spec.sampling = parse_sampling(body, vocab, defaults);
  spec.stream = get_bool(body, "stream").value_or(false);
  if (body.contains("stream_options") && body["stream_options"].is_object())
    spec.include_usage = get_bool(body["stream_options"], "include_usage").value_or(false);
  spec.return_token_ids = get_bool(body, "return_token_ids").value_or(false);
  spec.echo = get_bool(body, "echo").value_or(false);
  spec.logprobs = get_int(body, "logprobs", 0, 20).value_or(-1);
  if (spec.echo && spec.logprobs >= 0)
    throw ApiError(400, "'echo' with 'logprobs' needs prompt log-probabilities, which this server does not compute", "invalid_request_error", "echo");
  if (spec.echo && spec.stream) throw ApiError(400, "'echo' is not supported with 'stream'", "invalid_request_error", "echo");
  spec.sampling.params.constrain = constraint(body);
  // prompt: a string, a list of strings, a list of token ids, or a list of such lists.
  const json& p = body["prompt"];
  auto ids_of = [&](const json& list) {
    std::vector<int64_t> ids;
    for (const auto& v : list) {
      if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() >= vocab)
        throw ApiError(400, "'prompt' token ids must be integers in [0, " + std::to_string(vocab) + ")", "invalid_request_error", "prompt");
      ids.push_back(v.get<int64_t>());
    }
    return ids;
  };
  auto add_text = [&](const std::string& s) {
    spec.prompts.push_back(tokenizer->encode(s).ids);
    spec.echo_text.push_back(s);
  };
  auto add_ids = [&](const json& list) {
    spec.prompts.push_back(ids_of(list));
    spec.echo_text.push_back(tokenizer->decode(spec.prompts.back()));
  };
  if (p.is_string()) {
    add_text(p.get<std::string>());
  } else if (p.is_array() && !p.empty() && p[0].is_number_integer()) {
    add_ids(p);
  } else if (p.is_array() && !p.empty()) {
    for (const auto& e : p) {
      if (e.is_string()) add_text(e.get<std::string>());
      else if (e.is_array()) add_ids(e);
      else throw ApiError(400, "'prompt' must be a string, a list of strings or token ids", "invalid_request_error", "prompt");
    }
  } else {
    throw ApiError(400, "'prompt' must be a string, a list of strings or token ids", "invalid_request_error", "prompt");
  }
  if (spec.prompts.size() > 64) throw ApiError(400, "'prompt' may hold at most 64 prompts", "invalid_request_error", "prompt");
  for (const auto& ids : spec.prompts)
    if (ids.empty()) throw ApiError(400, "'prompt' must not be empty", "invalid_request_error", "prompt");
  spec.id = random_id("cmpl-");
  spec.model = name;
  spec.created = now_s();
  generate(std::move(spec), res);
}

// ------------------------------------------------------------------------------ embeddings, rerank

void Server::Impl::embeddings(const httplib::Request& req, httplib::Response& res) {
  const json body = parse_body(req.body);
  check_model(body);
  if (!body.contains("input") || body["input"].is_null()) throw ApiError(400, "'input' is required", "invalid_request_error", "input");
  const json& in = body["input"];
  const PreTrainedTokenizer& t = embedder->tokenizer();
  std::vector<std::string> texts;
  // Token ids reach the model as the text they decode to; ids that text would not encode back to
  // are refused rather than silently embedded as something else.
  auto from_ids = [&](const json& list) {
    std::vector<int64_t> ids;
    for (const auto& v : list) {
      if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() >= static_cast<int64_t>(t.vocab_size()))
        throw ApiError(400, "'input' token ids must be integers in the vocabulary", "invalid_request_error", "input");
      ids.push_back(v.get<int64_t>());
    }
    std::string s = t.decode(ids);
    TokenizerCallOptions co;
    co.add_special_tokens = false;
    if (t.encode(s, nullptr, co).ids != ids)
      throw ApiError(400, "'input' token ids do not round-trip through the tokenizer; send the text instead", "invalid_request_error", "input");
    return s;
  };
  if (in.is_string()) {
    texts.push_back(in.get<std::string>());
  } else if (in.is_array() && !in.empty() && in[0].is_number_integer()) {
    texts.push_back(from_ids(in));
  } else if (in.is_array() && !in.empty()) {
    for (const auto& e : in) {
      if (e.is_string()) texts.push_back(e.get<std::string>());
      else if (e.is_array()) texts.push_back(from_ids(e));
      else throw ApiError(400, "'input' must be a string, a list of strings or token ids", "invalid_request_error", "input");
    }
  } else {
    throw ApiError(400, "'input' must be a string, a list of strings or token ids", "invalid_request_error", "input");
  }
  if (texts.size() > 2048) throw ApiError(400, "'input' may hold at most 2048 items", "invalid_request_error", "input");
  const std::string format = get_string(body, "encoding_format").value_or("float");
  if (format != "float" && format != "base64")
    throw ApiError(400, "'encoding_format' must be float or base64", "invalid_request_error", "encoding_format");
  EncodeOptions eo;
  eo.truncate_dim = get_int(body, "dimensions", 1, int64_t{1} << 30).value_or(0);
  if (draining) throw QueueFullError("the server is shutting down");
  Tensor emb;
  int64_t tokens = 0;
  {
    std::lock_guard<std::mutex> lk(encoder_mu);
    emb = embedder->encode(texts, eo);
    TokenizerCallOptions co;
    co.truncation = "longest_first";
    co.max_length = embedder->max_seq_length();
    for (const auto& s : texts) tokens += static_cast<int64_t>(t.encode(s, nullptr, co).ids.size());
  }
  const int64_t rows = emb.shape()[0], dim = emb.shape()[1];
  if (eo.truncate_dim > 0 && eo.truncate_dim > dim)
    throw ApiError(400, "'dimensions' is larger than the model's " + std::to_string(dim), "invalid_request_error", "dimensions");
  const float* d = emb.data<float>();
  json data = json::array();
  for (int64_t r = 0; r < rows; ++r) {
    json item = {{"object", "embedding"}, {"index", r}};
    if (format == "base64") item["embedding"] = base64_encode(d + r * dim, static_cast<size_t>(dim) * sizeof(float));
    else item["embedding"] = std::vector<float>(d + r * dim, d + (r + 1) * dim);
    data.push_back(item);
  }
  encoder_prompt_tokens += tokens;
  send_json(res, 200, {{"object", "list"}, {"data", data}, {"model", name}, {"usage", {{"prompt_tokens", tokens}, {"total_tokens", tokens}}}});
}

void Server::Impl::rerank(const httplib::Request& req, httplib::Response& res, bool tei) {
  const json body = parse_body(req.body);
  check_model(body);
  const auto query = get_string(body, "query");
  if (!query) throw ApiError(400, "'query' is required", "invalid_request_error", "query");
  const char* docs_field = body.contains("documents") ? "documents" : "texts";
  if (!body.contains(docs_field) || !body[docs_field].is_array() || body[docs_field].empty())
    throw ApiError(400, "'documents' (or 'texts') must be a non-empty list of strings", "invalid_request_error", docs_field);
  std::vector<std::string> docs;
  for (const auto& d : body[docs_field]) {
    if (d.is_string()) docs.push_back(d.get<std::string>());
    else if (d.is_object() && d.contains("text") && d["text"].is_string()) docs.push_back(d["text"].get<std::string>());
    else throw ApiError(400, "'documents' must be a list of strings", "invalid_request_error", docs_field);
  }
  if (docs.size() > 4096) throw ApiError(400, "at most 4096 documents", "invalid_request_error", docs_field);
  const int64_t top_n = get_int(body, "top_n", 1, int64_t{1} << 30).value_or(0);
  bool return_docs = get_bool(body, "return_documents").value_or(!tei);
  if (tei) return_docs = get_bool(body, "return_text").value_or(return_docs);
  if (draining) throw QueueFullError("the server is shutting down");
  std::vector<CrossEncoder::Ranked> ranked;
  int64_t tokens = 0;
  {
    std::lock_guard<std::mutex> lk(encoder_mu);
    ranked = reranker->rank(*query, docs, top_n);
    TokenizerCallOptions co;
    co.truncation = "longest_first";
    co.max_length = reranker->max_seq_length();
    for (const auto& d : docs) tokens += static_cast<int64_t>(reranker->tokenizer().encode(*query, &d, co).ids.size());
  }
  encoder_prompt_tokens += tokens;
  json results = json::array();
  for (const auto& r : ranked) {
    json item = {{"index", r.corpus_id}};
    item[tei ? "score" : "relevance_score"] = r.score;
    if (return_docs) {
      if (tei) item["text"] = docs[static_cast<size_t>(r.corpus_id)];
      else item["document"] = {{"text", docs[static_cast<size_t>(r.corpus_id)]}};
    }
    results.push_back(item);
  }
  if (tei) {
    send_json(res, 200, results);
  } else {
    send_json(res, 200, {{"id", random_id("rerank-")}, {"model", name}, {"usage", {{"total_tokens", tokens}}}, {"results", results}});
  }
}

// ----------------------------------------------------------------------------------------- metrics

std::string Server::Impl::metrics_text() {
  std::ostringstream out;
  out.precision(10);
  auto metric = [&](const char* n, const char* type, const char* help, auto value) {
    out << "# HELP transformers_cpp_" << n << " " << help << "\n# TYPE transformers_cpp_" << n << " " << type << "\n"
        << "transformers_cpp_" << n << " " << value << "\n";
  };
  out << "# HELP transformers_cpp_requests_total HTTP requests answered, by status code\n"
         "# TYPE transformers_cpp_requests_total counter\n";
  {
    std::lock_guard<std::mutex> lk(metrics_mu);
    for (const auto& [status, count] : requests_by_status)
      out << "transformers_cpp_requests_total{status=\"" << status << "\"} " << count << "\n";
  }
  EngineMetrics m;
  if (engine) m = engine->metrics();
  metric("prompt_tokens_total", "counter", "prompt tokens processed", m.prompt_tokens_total + encoder_prompt_tokens.load());
  metric("generation_tokens_total", "counter", "tokens generated", m.generation_tokens_total);
  metric("num_requests_running", "gauge", "sequences in the running batch", m.running);
  metric("num_requests_waiting", "gauge", "requests queued for admission", m.waiting);
  metric("kv_cache_blocks_total", "gauge", "KV cache blocks in the paged pool", m.kv_blocks_total);
  metric("kv_cache_blocks_used", "gauge", "KV cache blocks held by sequences", m.kv_blocks_used);
  metric("kv_cache_blocks_free", "gauge", "KV cache blocks free", m.kv_blocks_total - m.kv_blocks_used);
  metric("prefix_cache_queries_total", "counter", "prompt tokens looked up in the prefix cache", m.prefix_cache_queries);
  metric("prefix_cache_hits_total", "counter", "prompt tokens found in the prefix cache", m.prefix_cache_hits);
  metric("prefix_cache_hit_rate", "gauge", "prefix cache hits / queries (tokens)",
         m.prefix_cache_queries ? static_cast<double>(m.prefix_cache_hits) / static_cast<double>(m.prefix_cache_queries) : 0.0);
  metric("num_preemptions_total", "counter", "sequences preempted for KV blocks", m.preemptions_total);
  auto histogram = [&](const char* n, const char* help, const EngineMetrics::Histogram& h) {
    out << "# HELP transformers_cpp_" << n << " " << help << "\n# TYPE transformers_cpp_" << n << " histogram\n";
    for (size_t b = 0; b < h.bounds.size(); ++b)
      out << "transformers_cpp_" << n << "_bucket{le=\"" << h.bounds[b] << "\"} " << (b < h.counts.size() ? h.counts[b] : 0) << "\n";
    out << "transformers_cpp_" << n << "_bucket{le=\"+Inf\"} " << h.count << "\n";
    out << "transformers_cpp_" << n << "_sum " << h.sum << "\n";
    out << "transformers_cpp_" << n << "_count " << h.count << "\n";
  };
  histogram("time_to_first_token_seconds", "time from arrival to the first generated token", m.time_to_first_token);
  histogram("inter_token_latency_seconds", "time between consecutive generated tokens", m.inter_token_latency);
  return out.str();
}

// ------------------------------------------------------------------------------------------ routes

void Server::Impl::routes() {
  const size_t pool = static_cast<size_t>(std::max<int64_t>(16, 2 * o.max_num_seqs + 8));
  http.new_task_queue = [pool] { return new httplib::ThreadPool(pool); };
  http.set_payload_max_length(o.max_body_bytes);
  http.set_read_timeout(30, 0);
  http.set_write_timeout(30, 0);
  // httplib 0.11 listens with a backlog of 5: a burst of connections overflows the accept queue,
  // and the kernel then drops the clients' handshakes, so they time out on a request the server
  // never saw. Keep the listening socket to raise its backlog after bind (see Server::bind).
  http.set_socket_options([this](int fd) {
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_fd = fd;
  });
  if (!o.cors_origin.empty())
    http.set_default_headers({{"Access-Control-Allow-Origin", o.cors_origin}, {"Vary", "Origin"}});

  // Authentication (and CORS preflight, which browsers send without credentials) before routing.
  http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (req.method == "OPTIONS" && !o.cors_origin.empty()) {
      res.status = 204;
      res.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
      res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type");
      res.set_header("Access-Control-Max-Age", "600");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (o.api_key.empty() || req.path == "/health") return httplib::Server::HandlerResponse::Unhandled;
    const std::string auth = req.get_header_value("Authorization");
    static const std::string kBearer = "Bearer ";
    const bool ok = auth.size() > kBearer.size() && auth.compare(0, kBearer.size(), kBearer) == 0 &&
                    constant_time_equal(auth.substr(kBearer.size()), o.api_key);
    if (ok) return httplib::Server::HandlerResponse::Unhandled;
    res.set_header("WWW-Authenticate", "Bearer");
    send_json(res, 401, error_json(401, "a valid API key is required (Authorization: Bearer KEY)", "authentication_error", "", "invalid_api_key"));
    return httplib::Server::HandlerResponse::Handled;
  });
  // Statuses httplib sets itself (unknown route, body over the limit, bad request line) get the
  // OpenAI error body too.
  http.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    std::string msg = "error", type = "invalid_request_error", code;
    switch (res.status) {
      case 404: msg = "not found"; code = "not_found"; break;
      case 405: msg = "method not allowed"; break;
      case 413: msg = "the request body is larger than the server's limit"; code = "request_too_large"; break;
      case 414: msg = "the request URI is too long"; break;
      case 400: msg = "bad request"; break;
      default: if (res.status >= 500) type = "internal_server_error"; break;
    }
    send_json(res, res.status, error_json(res.status, msg, type, "", code));
    return httplib::Server::HandlerResponse::Handled;
  }));
  http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      auto [status, body] = error_for(e);
      send_json(res, status, body);
    } catch (...) {
      send_json(res, 500, error_json(500, "unknown error", "internal_server_error"));
    }
  });
  // Counted just before the status line is written (httplib's post-routing hook runs after the
  // error handler), not in the logger, which runs after the body is sent: a client that has its
  // answer must find it in /metrics.
  http.set_post_routing_handler([this](const httplib::Request&, httplib::Response& res) {
    std::lock_guard<std::mutex> lk(metrics_mu);
    ++requests_by_status[res.status];
  });

  // Every handler: errors become OpenAI-shaped bodies with their status (and Retry-After on 503).
  auto guarded = [](auto fn) {
    return [fn](const httplib::Request& req, httplib::Response& res) {
      try {
        fn(req, res);
      } catch (const std::exception& e) {
        auto [status, body] = error_for(e);
        if (status == 503) res.set_header("Retry-After", "1");
        send_json(res, status, body);
      }
    };
  };
  http.Get("/health", [](const httplib::Request&, httplib::Response& res) { send_json(res, 200, {{"status", "ok"}}); });
  http.Get("/v1/models", guarded([this](const httplib::Request&, httplib::Response& res) {
             json m = {{"id", name}, {"object", "model"}, {"created", now_s()}, {"owned_by", "transformers-cpp"}};
             if (engine) m["max_model_len"] = engine->max_model_len();
             send_json(res, 200, {{"object", "list"}, {"data", json::array({m})}});
           }));
  http.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_text(), "text/plain; version=0.0.4");
  });
  auto unavailable = [this](const char* what) {
    return [this, what](const httplib::Request&, httplib::Response& res) {
      send_json(res, 404, error_json(404, std::string(what) + " is not served for this model (" + name + ")", "invalid_request_error", "", "not_found"));
    };
  };
  if (kind == Kind::kGenerate) {
    http.Post("/v1/chat/completions", guarded([this](const httplib::Request& q, httplib::Response& r) { chat(q, r); }));
    http.Post("/v1/completions", guarded([this](const httplib::Request& q, httplib::Response& r) { completions(q, r); }));
  } else {
    http.Post("/v1/chat/completions", unavailable("/v1/chat/completions"));
    http.Post("/v1/completions", unavailable("/v1/completions"));
  }
  if (kind == Kind::kEmbed) http.Post("/v1/embeddings", guarded([this](const httplib::Request& q, httplib::Response& r) { embeddings(q, r); }));
  else http.Post("/v1/embeddings", unavailable("/v1/embeddings"));
  if (kind == Kind::kRerank) {
    http.Post("/v1/rerank", guarded([this](const httplib::Request& q, httplib::Response& r) { rerank(q, r, false); }));
    http.Post("/rerank", guarded([this](const httplib::Request& q, httplib::Response& r) { rerank(q, r, true); }));
  } else {
    http.Post("/v1/rerank", unavailable("/v1/rerank"));
    http.Post("/rerank", unavailable("/rerank"));
  }
}

// ------------------------------------------------------------------------------------------ Server

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  impl_->load();
  impl_->routes();
}

Server::~Server() {
  shutdown();
}

int Server::bind() {
  if (impl_->bound) return impl_->port;
  if (impl_->o.port == 0) {
    impl_->port = impl_->http.bind_to_any_port(impl_->o.host);
    if (impl_->port < 0) throw OSError("cannot bind " + impl_->o.host + " to a free port");
  } else {
    if (!impl_->http.bind_to_port(impl_->o.host, impl_->o.port))
      throw OSError("cannot bind " + impl_->o.host + ":" + std::to_string(impl_->o.port));
    impl_->port = impl_->o.port;
  }
  // Calling listen() again on a listening socket only changes its backlog (the kernel caps it
  // at net.core.somaxconn).
  if (impl_->listen_fd >= 0 && ::listen(impl_->listen_fd, SOMAXCONN) != 0)
    throw OSError("cannot set the listen backlog of " + impl_->o.host + ":" + std::to_string(impl_->port));
  impl_->bound = true;
  return impl_->port;
}

void Server::run() {
  bind();
  if (impl_->o.print_listening) {
    std::printf("listening on http://%s:%d\n", impl_->o.host.c_str(), impl_->port);
    std::fflush(stdout);
  }
  impl_->http.listen_after_bind();
}

void Server::shutdown() {
  std::call_once(impl_->shutdown_once, [this] {
    // Stop accepting first; the requests already in handlers finish while the engine drains
    // (or are aborted when the grace period ends), and run() returns once they are answered.
    impl_->draining = true;
    impl_->http.stop();
    if (impl_->engine) impl_->engine->drain(impl_->o.drain_grace);
  });
}

int Server::port() const { return impl_->port; }
Server::Kind Server::kind() const { return impl_->kind; }
const std::string& Server::served_model_name() const { return impl_->name; }

}  // namespace transformers::serve
