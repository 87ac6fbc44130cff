// The serving engine (src/serve/engine.hpp) on the tiny decoder fixtures: its greedy ids equal
// generate()'s (which test_decoders.cpp proves against Python), and every request's ids and
// log-probabilities are bitwise the same alone, beside 31 others, chunked, from the prefix
// cache, or after preemption.
#include <algorithm>
#include <condition_variable>
#include <atomic>
#include <cstring>
#include <future>
#include <mutex>
#include <thread>

#include "models/generative.hpp"
#include "serve/chat_session.hpp"
#include "serve/engine.hpp"
#include "transformers/pipelines.hpp"
#include "test_util.hpp"

using namespace transformers;
using namespace transformers::serve;
using testutil::fixture;
using Json = nlohmann::json;

namespace {

std::shared_ptr<GenerativeModel> load(const std::string& arch) {
  auto m = AutoModelForCausalLM::from_pretrained(fixture("decoders/" + arch));
  auto* g = dynamic_cast<GenerativeModel*>(m.get());
  if (!g) throw std::runtime_error(arch + " is not a GenerativeModel");
  m.release();
  return std::shared_ptr<GenerativeModel>(g);
}

// What a request produced, gathered from its events.
struct Result {
  std::vector<int64_t> ids;
  std::vector<float> logprobs;
  std::vector<std::vector<TokenLogprob>> top;
  FinishReason finish = FinishReason::kNone;
  std::string error;
  int64_t cached_prompt_tokens = 0;
  bool operator==(const Result& o) const {
    if (ids != o.ids || finish != o.finish || top.size() != o.top.size()) return false;
    // Bitwise: compare the float bits, not values.
    if (logprobs.size() != o.logprobs.size() || std::memcmp(logprobs.data(), o.logprobs.data(), logprobs.size() * sizeof(float)) != 0) return false;
    for (size_t i = 0; i < top.size(); ++i) {
      if (top[i].size() != o.top[i].size()) return false;
      for (size_t j = 0; j < top[i].size(); ++j)
        if (top[i][j].id != o.top[i][j].id || std::memcmp(&top[i][j].logprob, &o.top[i][j].logprob, sizeof(float)) != 0) return false;
    }
    return true;
  }
};

// Collects events of many requests; wait() blocks until each has finished.
class Collector {
 public:
  EventCallback callback(size_t slot) {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (results_.size() <= slot) results_.resize(slot + 1), done_.resize(slot + 1, false);
    }
    return [this, slot](const Event& e) {
      std::lock_guard<std::mutex> l(mu_);
      Result& r = results_[slot];
      r.ids.insert(r.ids.end(), e.tokens.begin(), e.tokens.end());
      r.logprobs.insert(r.logprobs.end(), e.logprobs.begin(), e.logprobs.end());
      r.top.insert(r.top.end(), e.top_logprobs.begin(), e.top_logprobs.end());
      r.cached_prompt_tokens = e.cached_prompt_tokens;
      if (e.finish != FinishReason::kNone) {
        r.finish = e.finish, r.error = e.error;
        done_[slot] = true;
        cv_.notify_all();
      }
      return true;
    };
  }
  std::vector<Result> wait() {
    std::unique_lock<std::mutex> l(mu_);
    const bool ok = cv_.wait_for(l, std::chrono::seconds(120), [&] { return std::all_of(done_.begin(), done_.end(), [](bool d) { return d; }); });
    EXPECT_TRUE(ok) << "requests did not finish";
    return results_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Result> results_;
  std::vector<bool> done_;
};

Result run_one(Engine& e, const std::vector<int64_t>& prompt, const SamplingParams& p) {
  Collector c;
  e.submit(prompt, p, c.callback(0));
  return c.wait()[0];
}

SamplingParams greedy(int64_t n) {
  SamplingParams p;
  p.temperature = 0, p.max_tokens = n;
  return p;
}

std::vector<int64_t> generate_greedy(GenerativeModel& m, const std::vector<int64_t>& prompt, int64_t n) {
  GenerationConfig g;
  g.do_sample = false, g.max_new_tokens = n;
  const auto seq = static_cast<PreTrainedModel&>(m).generate(Tensor::from_ints(prompt, {1, static_cast<int64_t>(prompt.size())}), g).sequences.to_ints();
  return std::vector<int64_t>(seq.begin() + static_cast<std::ptrdiff_t>(prompt.size()), seq.end());
}

std::vector<int64_t> prompt_of(int64_t len, uint64_t seed, int64_t vocab) {
  std::mt19937_64 rng(seed);
  std::vector<int64_t> p;
  for (int64_t i = 0; i < len; ++i) p.push_back(static_cast<int64_t>(3 + rng() % static_cast<uint64_t>(vocab - 3)));
  return p;
}

EngineOptions small_options() {
  EngineOptions o;
  o.kv_cache_bytes = int64_t{4} << 20;
  o.block_size = 4;
  return o;
}

}  // namespace

class ServeEngineFamilies : public ::testing::TestWithParam<std::string> {};
INSTANTIATE_TEST_SUITE_P(Fixtures, ServeEngineFamilies,
                         ::testing::Values("llama", "qwen3", "mistral", "gemma2", "gemma3_text", "gpt2", "gpt_neox", "opt", "falcon",
                                           "phi", "qwen2_moe", "starcoder2", "olmo2", "cohere"),
                         [](const auto& info) { return info.param; });

// Greedy ids equal generate()'s, for one request and for several prompts at once; the
// sliding-window fixtures (window 4) generate past their window.
TEST_P(ServeEngineFamilies, GreedyEqualsGenerate) {
  auto m = load(GetParam());
  Engine e(m, small_options());
  const int64_t V = m->output_vocab_size();
  std::vector<std::vector<int64_t>> prompts{{1, 17, 42, 33}, prompt_of(11, 1, V), prompt_of(19, 2, V), {5}};
  Collector c;
  for (size_t i = 0; i < prompts.size(); ++i) e.submit(prompts[i], greedy(12), c.callback(i));
  const auto got = c.wait();
  for (size_t i = 0; i < prompts.size(); ++i) {
    SCOPED_TRACE("prompt " + std::to_string(i));
    EXPECT_EQ(got[i].ids, generate_greedy(*m, prompts[i], 12));
    EXPECT_TRUE(got[i].finish == FinishReason::kStop || got[i].finish == FinishReason::kLength);
  }
}

namespace {

// 32 requests with mixed prompt lengths and sampling parameters (seeded), logprobs on.
std::vector<std::pair<std::vector<int64_t>, SamplingParams>> mixed_requests(int64_t V, int n = 32) {
  std::vector<std::pair<std::vector<int64_t>, SamplingParams>> out;
  for (int i = 0; i < n; ++i) {
    SamplingParams p;
    p.max_tokens = 4 + i % 9;
    p.seed = 1000 + static_cast<uint64_t>(i);
    p.logprobs = i % 3;
    switch (i % 6) {
      case 0: p.temperature = 0; break;
      case 1: p.temperature = 0.8, p.top_k = 5; break;
      case 2: p.temperature = 1.3, p.top_p = 0.9, p.presence_penalty = 0.5; break;
      case 3: p.temperature = 1.0, p.min_p = 0.05, p.frequency_penalty = 0.7, p.logit_bias = {{7, 2.5f}}; break;
      case 4: p.temperature = 0.7, p.repetition_penalty = 1.3, p.min_tokens = 2; break;
      default: p.temperature = 0, p.repetition_penalty = 0.9, p.stop_token_ids = {9}; break;
    }
    out.push_back({prompt_of(1 + (i * 7) % 40, 50 + static_cast<uint64_t>(i), V), p});
  }
  return out;
}

std::vector<Result> run_all(Engine& e, const std::vector<std::pair<std::vector<int64_t>, SamplingParams>>& reqs) {
  Collector c;
  for (size_t i = 0; i < reqs.size(); ++i) e.submit(reqs[i].first, reqs[i].second, c.callback(i));
  return c.wait();
}

std::vector<Result> run_solo(Engine& e, const std::vector<std::pair<std::vector<int64_t>, SamplingParams>>& reqs) {
  std::vector<Result> out;
  for (const auto& [prompt, p] : reqs) out.push_back(run_one(e, prompt, p));
  return out;
}

void expect_same(const std::vector<Result>& a, const std::vector<Result>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE("request " + std::to_string(i));
    EXPECT_EQ(a[i].ids, b[i].ids);
    EXPECT_TRUE(a[i] == b[i]) << "ids, logprobs or top logprobs differ bitwise";
    EXPECT_TRUE(a[i].error.empty()) << a[i].error;
  }
}

}  // namespace

class ServeEngineInvariance : public ::testing::TestWithParam<std::string> {};
INSTANTIATE_TEST_SUITE_P(Fixtures, ServeEngineInvariance, ::testing::Values("llama", "gemma2", "gpt2"), [](const auto& info) { return info.param; });

// Batch invariance: each of 32 concurrent requests equals its solo run bitwise (ids and
// logprobs), in submission order and reversed.
TEST_P(ServeEngineInvariance, ConcurrentEqualsSolo) {
  auto m = load(GetParam());
  Engine e(m, small_options());
  auto reqs = mixed_requests(m->output_vocab_size());
  const auto solo = run_solo(e, reqs);
  expect_same(run_all(e, reqs), solo);
  auto rev = reqs;
  std::reverse(rev.begin(), rev.end());
  auto back = run_all(e, rev);
  std::reverse(back.begin(), back.end());
  expect_same(back, solo);
  for (const Result& r : solo) EXPECT_TRUE(r.finish == FinishReason::kStop || r.finish == FinishReason::kLength);
}

// Chunked prefill (3 tokens a step) and no prefix cache give the same results as the default.
TEST_P(ServeEngineInvariance, ChunkedPrefillEqualsUnchunked) {
  auto m = load(GetParam());
  auto reqs = mixed_requests(m->output_vocab_size(), 12);
  std::vector<Result> whole;
  {
    EngineOptions o = small_options();
    o.enable_prefix_caching = false;
    Engine e(m, o);
    whole = run_all(e, reqs);
  }
  EngineOptions o = small_options();
  o.max_num_batched_tokens = 3;
  Engine e(m, o);
  expect_same(run_all(e, reqs), whole);
}

// A pool of a few blocks: sequences are preempted and recomputed, and still finish with the
// same ids and logprobs.
TEST_P(ServeEngineInvariance, PreemptionRecomputesSameResults) {
  auto m = load(GetParam());
  auto reqs = mixed_requests(m->output_vocab_size(), 16);
  std::vector<Result> roomy;
  {
    Engine e(m, small_options());
    roomy = run_all(e, reqs);
  }
  // Room for 14 blocks of 4 tokens: every request alone fits (at most 40 + 12 tokens), not all at once.
  auto probe = std::make_unique<Engine>(m, small_options());
  const int64_t per_block = small_options().kv_cache_bytes / probe->metrics().kv_blocks_total;
  probe.reset();
  EngineOptions o = small_options();
  o.kv_cache_bytes = per_block * 14;
  Engine e(m, o);
  ASSERT_GE(e.metrics().kv_blocks_total, 14);
  ASSERT_LE(e.metrics().kv_blocks_total, 15);
  expect_same(run_all(e, reqs), roomy);
  EXPECT_GT(e.metrics().preemptions_total, 0);
  EXPECT_EQ(e.metrics().kv_blocks_used, 0);
}

// Prompts sharing a prefix hit the prefix cache (metrics and cached_prompt_tokens) without
// changing any output.
TEST(ServeEngine, PrefixCacheHitsKeepOutputs) {
  auto m = load("llama");
  const int64_t V = m->output_vocab_size();
  const std::vector<int64_t> system = prompt_of(13, 7, V);
  std::vector<std::pair<std::vector<int64_t>, SamplingParams>> reqs;
  for (int i = 0; i < 6; ++i) {
    auto p = system;
    for (int64_t t : prompt_of(1 + i, 90 + static_cast<uint64_t>(i), V)) p.push_back(t);
    SamplingParams sp = greedy(6);
    sp.logprobs = 2;
    reqs.push_back({p, sp});
  }
  std::vector<Result> fresh;
  {
    EngineOptions o = small_options();
    o.enable_prefix_caching = false;
    Engine e(m, o);
    fresh = run_solo(e, reqs);
    EXPECT_EQ(e.metrics().prefix_cache_hits, 0);
  }
  Engine e(m, small_options());
  const auto cached = run_solo(e, reqs);
  expect_same(cached, fresh);
  const EngineMetrics mt = e.metrics();
  EXPECT_GE(mt.prefix_cache_hits, 5 * 12);  // the 3 full blocks of the 13-token prefix, from the 2nd request on
  EXPECT_GT(mt.prefix_cache_queries, mt.prefix_cache_hits);
  EXPECT_EQ(cached[0].cached_prompt_tokens, 0);
  EXPECT_EQ(cached[3].cached_prompt_tokens, 12);
  // A repeated request reuses its whole prompt but the last token.
  const Result again = run_one(e, reqs[5].first, reqs[5].second);
  EXPECT_TRUE(again == cached[5]);
  EXPECT_EQ(again.cached_prompt_tokens, (static_cast<int64_t>(reqs[5].first.size()) - 1) / 4 * 4);
}

// cancel() and a callback returning false stop the sequence and free its blocks.
TEST(ServeEngine, CancelFreesBlocks) {
  auto m = load("llama");
  Engine e(m, small_options());
  // The first event holds the engine thread until cancel() has been called, so the cancel
  // lands while the sequence runs.
  std::promise<void> first, cancelled;
  std::shared_future<void> after_cancel = cancelled.get_future().share();
  std::atomic<int> events{0};
  const uint64_t id = e.submit(prompt_of(20, 3, 256), greedy(40), [&](const Event&) {
    if (events++ == 0) first.set_value(), after_cancel.wait();
    return true;
  });
  first.get_future().wait();
  EXPECT_GT(e.metrics().kv_blocks_used, 0);
  e.cancel(id);
  cancelled.set_value();
  for (int i = 0; i < 200 && (e.metrics().kv_blocks_used != 0 || e.metrics().running != 0); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(e.metrics().kv_blocks_used, 0);
  EXPECT_EQ(e.metrics().running, 0);
  EXPECT_EQ(events.load(), 1);
  // A callback that says stop after 2 tokens.
  std::atomic<int> n{0};
  e.submit(prompt_of(9, 4, 256), greedy(30), [&](const Event&) { return ++n < 2; });
  for (int i = 0; i < 200 && (e.metrics().kv_blocks_used != 0 || e.metrics().running != 0 || n < 2); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(n.load(), 2);
  EXPECT_EQ(e.metrics().kv_blocks_used, 0);
}

TEST(ServeEngine, RejectsBadRequests) {
  auto m = load("llama");  // max_position_embeddings 64
  EngineOptions o = small_options();
  o.max_waiting = 2;
  Engine e(m, o);
  EXPECT_EQ(e.max_model_len(), 64);
  EXPECT_THROW(e.submit({}, greedy(4), nullptr), ValueError);
  EXPECT_THROW(e.submit({1, 999}, greedy(4), nullptr), ValueError);
  try {
    e.submit(prompt_of(60, 1, 256), greedy(5), nullptr);
    ADD_FAILURE() << "a prompt past the context was accepted";
  } catch (const ValueError& err) {
    EXPECT_NE(std::string(err.what()).find("64"), std::string::npos) << err.what();
    EXPECT_NE(std::string(err.what()).find("60"), std::string::npos) << err.what();
  }
  SamplingParams bad = greedy(4);
  bad.top_p = 0;
  EXPECT_THROW(e.submit({1, 2}, bad, nullptr), ValueError);
  bad = greedy(4);
  bad.logit_bias = {{300, 1.0f}};
  EXPECT_THROW(e.submit({1, 2}, bad, nullptr), ValueError);
  // Queue full: hold the engine thread inside a callback while more requests arrive.
  std::promise<void> entered, release;
  std::shared_future<void> go = release.get_future().share();
  bool once = false;
  Collector c;
  auto cb0 = c.callback(0);
  e.submit({1, 2, 3}, greedy(2), [&](const Event& ev) {
    if (!once) once = true, entered.set_value(), go.wait();
    return cb0(ev);
  });
  entered.get_future().wait();
  e.submit({4, 5}, greedy(2), c.callback(1));
  e.submit({6, 7}, greedy(2), c.callback(2));
  EXPECT_THROW(e.submit({8, 9}, greedy(2), nullptr), QueueFullError);
  release.set_value();
  const auto r = c.wait();
  for (const Result& x : r) EXPECT_FALSE(x.ids.empty());
}

TEST(ServeEngine, DrainFinishesThenRefuses) {
  auto m = load("llama");
  Engine e(m, small_options());
  Collector c;
  for (size_t i = 0; i < 4; ++i) e.submit(prompt_of(5 + static_cast<int64_t>(i), i, 256), greedy(8), c.callback(i));
  EXPECT_TRUE(e.drain(std::chrono::seconds(60)));
  for (const Result& r : c.wait()) EXPECT_NE(r.finish, FinishReason::kAbort);
  EXPECT_THROW(e.submit({1, 2}, greedy(2), nullptr), QueueFullError);
  EXPECT_EQ(e.metrics().kv_blocks_used, 0);
}

TEST(ServeEngine, MetricsCountTokensAndLatencies) {
  auto m = load("llama");
  Engine e(m, small_options());
  Collector c;
  e.submit({1, 2, 3, 4, 5}, greedy(6), c.callback(0));
  e.submit({6, 7, 8}, greedy(3), c.callback(1));
  const auto r = c.wait();
  for (int i = 0; i < 100 && e.metrics().running != 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const EngineMetrics mt = e.metrics();
  EXPECT_EQ(mt.prompt_tokens_total, 8);
  EXPECT_EQ(mt.generation_tokens_total, static_cast<int64_t>(r[0].ids.size() + r[1].ids.size()));
  EXPECT_EQ(mt.time_to_first_token.count, 2);
  EXPECT_EQ(mt.time_to_first_token.counts.back(), 2);
  EXPECT_EQ(mt.inter_token_latency.count, mt.generation_tokens_total - 2);
  EXPECT_EQ(mt.kv_blocks_used, 0);
  EXPECT_EQ(mt.running + mt.waiting, 0);
}

// Families whose attention the paged cache cannot run are refused when the engine is built.
TEST(ServeEngine, RefusesUnsupportedFamilies) {
  EXPECT_THROW(Engine(load("falcon-alibi"), small_options()), ValueError);
  EXPECT_THROW(Engine(load("deepseek_v3"), small_options()), ValueError);
}

// The paged attention kernel equals the reference kernel on scattered slots, with a window,
// soft-cap and sinks.
TEST(ServeEngine, PagedAttentionMatchesReference) {
  std::mt19937 rng(5);
  std::normal_distribution<float> nd;
  const int64_t H = 4, Hkv = 2, D = 8, slots = 40;
  auto rnd = [&](Shape s) {
    Tensor t = Tensor::empty(s);
    for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = nd(rng);
    return t;
  };
  const Tensor kp = rnd({slots, Hkv, D}), vp = rnd({slots, Hkv, D}), q = rnd({7, H, D});
  std::vector<int64_t> s0{3, 9, 1, 30, 31, 12, 5}, s1{20, 21, 22, 23, 0, 2};
  std::vector<ops::PagedSequence> seqs{{0, 3, 4, s0.data()}, {3, 4, 2, s1.data()}};
  for (const bool fancy : {false, true}) {
    ops::AttentionOptions o;
    o.scaling = 0.35f;
    if (fancy) o.softcap = 2.0f, o.sliding_window = 3, o.sinks = rnd({H});
    ops::set_reference_mode(true);
    const Tensor ref = ops::paged_attention(q, kp, vp, seqs, o);
    ops::set_reference_mode(false);
    const Tensor fast = ops::paged_attention(q, kp, vp, seqs, o);
    for (int64_t i = 0; i < ref.numel(); ++i) EXPECT_NEAR(fast.data<float>()[i], ref.data<float>()[i], 1e-5) << i;
  }
}

// The CLI's chat on the engine: every turn's reply equals TextGenerationPipeline::chat on the same
// history (greedy and seeded sampling), the streamed pieces add up to the reply, and from the second
// turn on the earlier turns come from the prefix cache. Modes the engine lacks (beam search) run
// through generate() and still equal the pipeline.
TEST(ServeChat, TurnsEqualThePipelineAndReuseThePrefix) {
  const std::string dir = fixture("decoders/textgen");
  auto pipe = TextGenerationPipeline::from_pretrained(dir);
  std::shared_ptr<PreTrainedTokenizer> tok = AutoTokenizer::from_pretrained(dir);
  GenerationConfig greedy;
  greedy.max_new_tokens = 8;
  GenerationConfig sampled = greedy;
  sampled.do_sample = true, sampled.temperature = 0.9, sampled.top_k = 30, sampled.seed = 3;
  GenerationConfig beams = greedy;
  beams.num_beams = 2;
  for (const GenerationConfig* g : {&greedy, &sampled, &beams}) {
    EngineOptions eo;
    eo.max_num_seqs = 1;
    eo.kv_cache_bytes = int64_t{8} << 20;
    ChatSession chat(load("textgen"), tok, *g, "Be brief.", eo);
    EXPECT_EQ(chat.uses_engine(), g != &beams);
    Json history = Json::array({{{"role", "system"}, {"content", "Be brief."}}});
    for (const char* user : {"What is a fox?", "And a dog?", "Thanks!"}) {
      history.push_back({{"role", "user"}, {"content", user}});
      std::string streamed;
      const std::string reply = chat.reply(user, [&](const std::string& t) { streamed += t; });
      EXPECT_EQ(reply, pipe->chat(history.dump(), *g)) << user;
      EXPECT_EQ(streamed, reply);
      history.push_back({{"role", "assistant"}, {"content", reply}});
    }
    EXPECT_EQ(chat.history(), history);
    if (chat.uses_engine()) {
      EXPECT_GT(chat.metrics().prefix_cache_hits, 0);
    }
    chat.reset();
    EXPECT_EQ(chat.history().size(), 1u);
  }
}
