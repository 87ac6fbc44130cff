// The serving engine (see engine.hpp): one thread owns the model and runs steps of a vLLM-style
// scheduler over a paged KV cache.
#include "serve/engine.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "generation/logits_process.hpp"
#include "models/generative.hpp"
#include "ops/ops.hpp"
#include "serve/block_pool.hpp"
#include "serve/sampler.hpp"

namespace transformers::serve {

namespace {

using Clock = std::chrono::steady_clock;

struct Histogram {
  std::vector<double> bounds;
  std::vector<int64_t> per_bucket;  // bounds.size() + 1
  double sum = 0;
  int64_t count = 0;
  explicit Histogram(std::vector<double> b) : bounds(std::move(b)), per_bucket(bounds.size() + 1, 0) {}
  void observe(double v) {
    const auto i = static_cast<size_t>(std::lower_bound(bounds.begin(), bounds.end(), v) - bounds.begin());
    ++per_bucket[i], sum += v, ++count;
  }
  EngineMetrics::Histogram cumulative() const {
    EngineMetrics::Histogram h;
    h.bounds = bounds, h.sum = sum, h.count = count;
    int64_t c = 0;
    for (int64_t n : per_bucket) h.counts.push_back(c += n);
    return h;
  }
};

struct Sequence {
  uint64_t id = 0;
  int64_t prompt_len = 0;
  std::vector<int64_t> tokens;  // prompt + output
  SamplingParams params;
  EventCallback on_event;
  std::mt19937_64 rng;
  int64_t computed = 0;               // tokens whose k/v are in the blocks
  std::vector<int32_t> blocks;        // the block table
  std::vector<uint64_t> block_keys;   // prefix keys of the leading full blocks registered so far
  std::vector<int64_t> slots;         // slot of every token position the blocks cover
  int64_t cached_prompt_tokens = 0;
  bool admitted_once = false;
  Clock::time_point arrival, last_token;
  bool has_token = false;
  int64_t generated() const { return static_cast<int64_t>(tokens.size()) - prompt_len; }
};

}  // namespace

struct Engine::Impl {
  std::shared_ptr<GenerativeModel> model;
  EngineOptions opt;
  int64_t max_len = 0, vocab = 0;
  std::vector<int64_t> eos;
  std::unique_ptr<BlockPool> pool;
  nn::PagedBatch batch;
  nn::KVCache cache;

  mutable std::mutex mu;
  std::condition_variable wake, idle;
  std::deque<std::unique_ptr<Sequence>> incoming;  // submitted, not yet seen by the engine thread
  std::set<uint64_t> cancelled;
  uint64_t next_id = 1;
  bool stopping = false, draining = false, abort_now = false;
  int64_t in_flight = 0;  // submitted and not finished
  int64_t engine_waiting = 0;  // the engine thread's queue, as of its last publish()
  EngineMetrics stats;    // counters (histograms below)
  Histogram ttft{{0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80}};
  Histogram itl{{0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80}};

  // Engine thread only.
  std::deque<std::unique_ptr<Sequence>> waiting;
  std::vector<std::unique_ptr<Sequence>> running;  // in admission order
  std::thread worker;

  Impl(std::shared_ptr<GenerativeModel> m, EngineOptions o) : model(std::move(m)), opt(o) {
    if (!model) throw ValueError("Engine: no model");
    if (model->config().get_bool("is_encoder_decoder", false))
      throw ValueError("the serving engine runs decoder-only models; " + model->config().model_type() + " is an encoder-decoder");
    if (opt.max_num_seqs < 1 || opt.block_size < 1 || opt.max_num_batched_tokens < 1 || opt.max_waiting < 0 || opt.kv_cache_bytes <= 0)
      throw ValueError("Engine: max_num_seqs, block_size, max_num_batched_tokens and kv_cache_bytes must be positive");
    vocab = model->output_vocab_size();
    const int64_t positions = model->max_positions();
    max_len = opt.max_model_len > 0 ? opt.max_model_len : positions > 0 ? positions : 32768;
    if (positions > 0 && max_len > positions)
      throw ValueError("max_model_len " + std::to_string(max_len) + " exceeds the model's max_position_embeddings " + std::to_string(positions));
    if (model->cache_recompute_length() > 0)
      throw ValueError("the serving engine does not run models that recompute their cache at a length (Phi-3 long-rope switching)");
    try {
      eos = generation::resolve(model->generation_config(), 1, vocab).eos;
    } catch (const Error&) {
      eos.clear();
    }
    size_pool();
    worker = std::thread([this] { loop(); });
  }

  // A one-token probe forward records each layer's k/v shapes (and proves the family runs on the
  // paged path); the pool gets as many blocks as kv_cache_bytes holds.
  void size_pool() {
    ops::set_batch_invariant(opt.batch_invariant);
    cache = model->new_cache(0, 1);
    batch = nn::PagedBatch{};
    batch.probe = true;
    cache.paged = &batch;
    std::vector<int64_t> slot0{0};
    batch.seqs = {ops::PagedSequence{0, 1, 0, slot0.data()}};
    batch.write_slots = {0};
    model->forward_cached_rows(Tensor::from_ints({0}, {1, 1}), Tensor::from_ints({0}, {1, 1}), Tensor(), cache, {0});
    ops::set_batch_invariant(false);
    const int64_t layers = static_cast<int64_t>(batch.shapes.size());
    if (layers == 0 || layers != model->num_cache_layers())
      throw ValueError("the serving engine cannot run " + model->config().model_type() + ": its layers do not all use the shared cached attention");
    int64_t per_token = 0;
    for (const auto& s : batch.shapes) {
      if (s.size() != 3) throw ValueError("the serving engine cannot run " + model->config().model_type() + ": a layer skipped the cache");
      per_token += s[0] * (s[1] + s[2]) * 4;
    }
    const int64_t blocks = opt.kv_cache_bytes / (per_token * opt.block_size);
    if (blocks < 1)
      throw ValueError("kv_cache_bytes " + std::to_string(opt.kv_cache_bytes) + " holds no block of " + std::to_string(opt.block_size) +
                       " tokens (" + std::to_string(per_token * opt.block_size) + " bytes)");
    pool = std::make_unique<BlockPool>(blocks, opt.block_size);
    batch.probe = false;
    for (const auto& s : batch.shapes) {
      batch.k.push_back(Tensor::zeros({blocks * opt.block_size, s[0], s[1]}));
      batch.v.push_back(Tensor::zeros({blocks * opt.block_size, s[0], s[2]}));
    }
    stats.kv_blocks_total = blocks;
  }

  ~Impl() {
    {
      std::lock_guard<std::mutex> l(mu);
      stopping = true;
    }
    wake.notify_all();
    if (worker.joinable()) worker.join();
  }

  // ---- events --------------------------------------------------------------------------------

  bool emit(Sequence& s, Event e) {
    e.request_id = s.id;
    e.prompt_tokens = s.prompt_len;
    e.cached_prompt_tokens = s.cached_prompt_tokens;
    e.completion_tokens = s.generated();
    try {
      return s.on_event ? s.on_event(e) : true;
    } catch (...) {
      return false;  // a throwing callback stops its own sequence only
    }
  }

  void free_blocks(Sequence& s) {
    for (int32_t b : s.blocks) pool->release(b);
    s.blocks.clear(), s.block_keys.clear(), s.slots.clear();
    s.computed = 0;
  }

  void finish(Sequence& s, FinishReason why, const std::string& error = {}, bool notify = true) {
    free_blocks(s);
    {
      std::lock_guard<std::mutex> l(mu);
      stats.kv_blocks_used = pool->num_used();
    }
    if (notify) {
      Event e;
      e.finish = why;
      e.error = error;
      emit(s, std::move(e));
    }
    std::lock_guard<std::mutex> l(mu);
    --in_flight;
    stats.kv_blocks_used = pool->num_used();  // drain() may return before the next publish()
    idle.notify_all();
  }

  // ---- scheduling ----------------------------------------------------------------------------

  bool grow(Sequence& s, int64_t upto) {  // blocks for positions [0, upto)
    while (static_cast<int64_t>(s.blocks.size()) * opt.block_size < upto) {
      const auto b = pool->allocate();
      if (!b) return false;
      s.blocks.push_back(*b);
      for (int64_t i = 0; i < opt.block_size; ++i) s.slots.push_back(*b * opt.block_size + i);
    }
    return true;
  }

  void preempt(std::unique_ptr<Sequence> s) {
    free_blocks(*s);
    {
      std::lock_guard<std::mutex> l(mu);
      ++stats.preemptions_total;
    }
    waiting.push_front(std::move(s));
  }

  // Takes cached prefix blocks for a sequence about to (re)start its prefill.
  void attach_prefix(Sequence& s) {
    if (!opt.enable_prefix_caching) return;
    // At least one token is computed: the last token's logits are what the step samples from.
    const int64_t max_blocks = (static_cast<int64_t>(s.tokens.size()) - 1) / opt.block_size;
    std::vector<uint64_t> keys;
    const std::vector<int32_t> hit = pool->match_prefix(s.tokens, max_blocks, keys);
    for (int32_t b : hit) {
      s.blocks.push_back(b);
      for (int64_t i = 0; i < opt.block_size; ++i) s.slots.push_back(b * opt.block_size + i);
    }
    s.block_keys = keys;
    s.computed = static_cast<int64_t>(hit.size()) * opt.block_size;
  }

  struct Work {
    Sequence* seq;
    int64_t n;  // tokens this step
  };

  std::vector<Work> schedule() {
    int64_t budget = opt.max_num_batched_tokens;
    std::vector<Work> work;
    // Running sequences first (decode, then the rest of their prompts), in admission order; when
    // blocks run out the latest admitted sequence is preempted and recomputed later.
    for (size_t i = 0; i < running.size() && budget > 0;) {
      Sequence& s = *running[i];
      const int64_t n = std::min(budget, static_cast<int64_t>(s.tokens.size()) - s.computed);
      if (n <= 0) {
        ++i;
        continue;
      }
      if (!grow(s, s.computed + n)) {
        preempt(std::move(running.back()));
        running.pop_back();
        continue;  // retry (or, when s itself was preempted, the loop ends at the same i)
      }
      work.push_back({&s, n});
      budget -= n;
      ++i;
    }
    // Then waiting requests, first come first served, while sequences, budget and blocks allow.
    while (!waiting.empty() && budget > 0 && static_cast<int64_t>(running.size()) < opt.max_num_seqs) {
      Sequence& s = *waiting.front();
      attach_prefix(s);
      const int64_t n = std::min(budget, static_cast<int64_t>(s.tokens.size()) - s.computed);
      if (!grow(s, s.computed + n)) {
        free_blocks(s);
        break;
      }
      if (opt.enable_prefix_caching) {
        std::lock_guard<std::mutex> l(mu);
        stats.prefix_cache_queries += static_cast<int64_t>(s.tokens.size());
        stats.prefix_cache_hits += s.computed;
      }
      if (!s.admitted_once) s.cached_prompt_tokens = std::min(s.computed, s.prompt_len);
      s.admitted_once = true;
      running.push_back(std::move(waiting.front()));
      waiting.pop_front();
      work.push_back({&s, n});
      budget -= n;
    }
    return work;
  }

  // ---- the step ------------------------------------------------------------------------------

  void step(std::vector<Work>& work) {
    int64_t N = 0;
    for (const Work& w : work) N += w.n;
    std::vector<int64_t> ids, pos, rows;
    ids.reserve(static_cast<size_t>(N)), pos.reserve(static_cast<size_t>(N));
    batch.write_slots.clear();
    batch.seqs.clear();
    std::vector<Sequence*> sampled;
    for (const Work& w : work) {
      Sequence& s = *w.seq;
      batch.seqs.push_back(ops::PagedSequence{static_cast<int64_t>(ids.size()), w.n, s.computed, s.slots.data()});
      for (int64_t i = 0; i < w.n; ++i) {
        ids.push_back(s.tokens[static_cast<size_t>(s.computed + i)]);
        pos.push_back(s.computed + i);
        batch.write_slots.push_back(s.slots[static_cast<size_t>(s.computed + i)]);
      }
      if (s.computed + w.n == static_cast<int64_t>(s.tokens.size())) {
        rows.push_back(static_cast<int64_t>(ids.size()) - 1);
        sampled.push_back(&s);
      }
    }
    Tensor logits;
    if (rows.empty()) rows.push_back(0);  // the forward still fills the cache; row 0 is discarded
    logits = model->forward_cached_rows(Tensor::from_ints(ids, {1, N}), Tensor::from_ints(pos, {1, N}), Tensor(), cache, rows)
                 .to(DType::F32)
                 .contiguous();
    for (const Work& w : work) {
      Sequence& s = *w.seq;
      s.computed += w.n;
      register_blocks(s);
    }
    const Clock::time_point now = Clock::now();
    std::vector<float> row(static_cast<size_t>(vocab));
    for (size_t r = 0; r < sampled.size(); ++r) {
      Sequence& s = *sampled[r];
      std::copy_n(logits.data<float>() + static_cast<int64_t>(r) * vocab, vocab, row.data());
      Event e;
      try {
        const Sampled t = sample(s.params, s.tokens, s.prompt_len, eos, row.data(), vocab, s.rng);
        s.tokens.push_back(t.token);
        e.tokens = {t.token};
        if (s.params.logprobs >= 0) e.logprobs = {t.logprob};
        if (s.params.logprobs > 0) e.top_logprobs = {t.top};
      } catch (const std::exception& err) {  // e.g. every token filtered out: this request fails alone
        remove(s, FinishReason::kAbort, err.what());
        continue;
      }
      {
        std::lock_guard<std::mutex> l(mu);
        ++stats.generation_tokens_total;
        if (!s.has_token) ttft.observe(std::chrono::duration<double>(now - s.arrival).count());
        else itl.observe(std::chrono::duration<double>(now - s.last_token).count());
      }
      s.has_token = true, s.last_token = now;
      const int64_t t = s.tokens.back();
      const bool stop_id = std::find(s.params.stop_token_ids.begin(), s.params.stop_token_ids.end(), t) != s.params.stop_token_ids.end();
      const bool is_eos = !s.params.ignore_eos && std::find(eos.begin(), eos.end(), t) != eos.end();
      if ((stop_id || is_eos) && s.generated() >= s.params.min_tokens) e.finish = FinishReason::kStop;
      else if (s.generated() >= s.params.max_tokens || static_cast<int64_t>(s.tokens.size()) >= max_len) e.finish = FinishReason::kLength;
      const FinishReason why = e.finish;
      if (why != FinishReason::kNone) {
        // Blocks go back before the final event, so a caller that sees it also sees them free.
        free_blocks(s);
        std::lock_guard<std::mutex> l(mu);
        stats.kv_blocks_used = pool->num_used();
      }
      const bool go_on = emit(s, std::move(e));
      if (why != FinishReason::kNone) remove(s, why, {}, false);
      else if (!go_on) remove(s, FinishReason::kAbort, {}, false);
    }
  }

  // Full blocks whose tokens are all computed join the prefix cache.
  void register_blocks(Sequence& s) {
    if (!opt.enable_prefix_caching) return;
    while (static_cast<int64_t>(s.block_keys.size() + 1) * opt.block_size <= s.computed) {
      const size_t b = s.block_keys.size();
      const uint64_t parent = b == 0 ? 0 : s.block_keys[b - 1];
      s.block_keys.push_back(pool->register_full(s.blocks[b], parent, s.tokens.data() + static_cast<int64_t>(b) * opt.block_size));
    }
  }

  void remove(Sequence& s, FinishReason why, const std::string& error, bool notify = true) {
    auto it = std::find_if(running.begin(), running.end(), [&](const auto& p) { return p.get() == &s; });
    finish(s, why, error, notify);
    if (it != running.end()) running.erase(it);
  }

  void take_incoming(bool& stop) {
    std::deque<std::unique_ptr<Sequence>> fresh;
    std::set<uint64_t> cancel;
    {
      std::unique_lock<std::mutex> l(mu);
      wake.wait(l, [&] { return stopping || abort_now || !incoming.empty() || !cancelled.empty() || !running.empty() || !waiting.empty(); });
      stop = stopping;
      fresh.swap(incoming);
      cancel.swap(cancelled);
    }
    for (auto& s : fresh) waiting.push_back(std::move(s));
    bool abort = false;
    {
      std::lock_guard<std::mutex> l(mu);
      std::swap(abort, abort_now);
    }
    if (abort) abort_all("the server shut down before the request finished");
    for (uint64_t id : cancel) {
      auto r = std::find_if(running.begin(), running.end(), [&](const auto& p) { return p->id == id; });
      if (r != running.end()) {
        remove(**r, FinishReason::kAbort, {}, false);
        continue;
      }
      auto w = std::find_if(waiting.begin(), waiting.end(), [&](const auto& p) { return p->id == id; });
      if (w != waiting.end()) {
        finish(**w, FinishReason::kAbort, {}, false);
        waiting.erase(w);
      }
    }
  }

  void abort_all(const std::string& why) {
    while (!running.empty()) remove(*running.back(), FinishReason::kAbort, why);
    while (!waiting.empty()) {
      finish(*waiting.front(), FinishReason::kAbort, why);
      waiting.pop_front();
    }
  }

  void loop() {
    ops::set_batch_invariant(opt.batch_invariant);
    for (;;) {
      bool stop = false;
      take_incoming(stop);
      if (stop) {
        {
          std::lock_guard<std::mutex> l(mu);
          for (auto& s : incoming) waiting.push_back(std::move(s));
          incoming.clear();
        }
        abort_all("the engine stopped");
        return;
      }
      std::vector<Work> work = schedule();
      publish();
      if (work.empty()) {
        if (!running.empty() || waiting.empty()) {
          publish();
          continue;
        }
        // Nothing runs and the head of the queue cannot get blocks: it never will.
        finish(*waiting.front(), FinishReason::kAbort, "the KV cache cannot hold this request");
        waiting.pop_front();
        continue;
      }
      try {
        step(work);
      } catch (const std::exception& e) {
        // The model failed on this batch: fail its sequences rather than the engine.
        std::vector<Sequence*> failed;
        for (const Work& w : work) failed.push_back(w.seq);
        for (Sequence* s : failed) remove(*s, FinishReason::kAbort, e.what());
      }
      publish();
    }
  }

  void publish() {
    std::lock_guard<std::mutex> l(mu);
    stats.running = static_cast<int64_t>(running.size());
    engine_waiting = static_cast<int64_t>(waiting.size());
    stats.kv_blocks_used = pool->num_used();
    idle.notify_all();
  }
};

Engine::Engine(std::shared_ptr<GenerativeModel> model, EngineOptions options) : impl_(std::make_unique<Impl>(std::move(model), options)) {}
Engine::~Engine() = default;

uint64_t Engine::submit(std::vector<int64_t> prompt, SamplingParams params, EventCallback on_event) {
  Impl& I = *impl_;
  const int64_t P = static_cast<int64_t>(prompt.size());
  if (P == 0) throw ValueError("the prompt is empty");
  for (int64_t t : prompt)
    if (t < 0 || t >= I.vocab) throw ValueError("prompt token id " + std::to_string(t) + " is outside the vocabulary [0, " + std::to_string(I.vocab) + ")");
  validate(params, I.vocab);
  if (P + params.max_tokens > I.max_len)
    throw ValueError("This model's maximum context length is " + std::to_string(I.max_len) + " tokens. However, you requested " +
                     std::to_string(P + params.max_tokens) + " tokens (" + std::to_string(P) + " in the prompt, " +
                     std::to_string(params.max_tokens) + " for the completion).");
  const int64_t need = (P + params.max_tokens + I.opt.block_size - 1) / I.opt.block_size;
  if (need > I.pool->num_blocks())
    throw ValueError("the request needs " + std::to_string(need) + " KV blocks (" + std::to_string(P) + " prompt + " +
                     std::to_string(params.max_tokens) + " new tokens) but the cache holds " + std::to_string(I.pool->num_blocks()));
  auto s = std::make_unique<Sequence>();
  s->prompt_len = P;
  s->tokens = std::move(prompt);
  s->on_event = std::move(on_event);
  s->rng.seed(params.seed ? *params.seed : std::random_device{}());
  s->params = std::move(params);
  s->arrival = Clock::now();
  uint64_t id;
  {
    std::lock_guard<std::mutex> l(I.mu);
    if (I.draining || I.stopping) throw QueueFullError("the server is shutting down");
    if (I.engine_waiting + static_cast<int64_t>(I.incoming.size()) >= I.opt.max_waiting)
      throw QueueFullError("the request queue is full (" + std::to_string(I.opt.max_waiting) + " waiting)");
    id = s->id = I.next_id++;
    I.stats.prompt_tokens_total += P;
    ++I.in_flight;
    I.incoming.push_back(std::move(s));
  }
  I.wake.notify_all();
  return id;
}

void Engine::cancel(uint64_t request_id) {
  {
    std::lock_guard<std::mutex> l(impl_->mu);
    impl_->cancelled.insert(request_id);
  }
  impl_->wake.notify_all();
}

bool Engine::drain(std::chrono::milliseconds grace) {
  Impl& I = *impl_;
  std::unique_lock<std::mutex> l(I.mu);
  I.draining = true;
  const bool done = I.idle.wait_for(l, grace, [&] { return I.in_flight == 0; });
  if (done) return true;
  // Abort what is left (each gets a kAbort event) on the engine thread.
  I.abort_now = true;
  I.wake.notify_all();
  I.idle.wait(l, [&] { return I.in_flight == 0; });
  return false;
}

EngineMetrics Engine::metrics() const {
  std::lock_guard<std::mutex> l(impl_->mu);
  EngineMetrics m = impl_->stats;
  m.waiting = impl_->engine_waiting + static_cast<int64_t>(impl_->incoming.size());
  m.time_to_first_token = impl_->ttft.cumulative();
  m.inter_token_latency = impl_->itl.cumulative();
  return m;
}

const EngineOptions& Engine::options() const { return impl_->opt; }
int64_t Engine::max_model_len() const { return impl_->max_len; }

}  // namespace transformers::serve
