// Throughput of the serving engine: N concurrent greedy requests (prompt P tokens, G new tokens
// each) through serve::Engine, batch-invariant mode on or off. Prints output tokens/s.
// Usage: bench_serve_engine MODEL_DIR [N=1] [P=32] [G=32] [invariant=1]
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>

#include "models/generative.hpp"
#include "serve/engine.hpp"
#include "transformers/transformers.hpp"

using namespace transformers;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MODEL_DIR [N] [P] [G] [invariant]\n", argv[0]);
    return 2;
  }
  const int n = argc > 2 ? std::atoi(argv[2]) : 1, P = argc > 3 ? std::atoi(argv[3]) : 32, G = argc > 4 ? std::atoi(argv[4]) : 32;
  const bool invariant = argc > 5 ? std::atoi(argv[5]) != 0 : true;
  auto m = AutoModelForCausalLM::from_pretrained(argv[1]);
  std::shared_ptr<GenerativeModel> g(dynamic_cast<GenerativeModel*>(m.release()));
  serve::EngineOptions o;
  o.batch_invariant = invariant;
  o.kv_cache_bytes = int64_t{1} << 30;
  o.enable_prefix_caching = false;
  o.max_num_batched_tokens = 512;
  serve::Engine e(g, o);
  std::mutex mu;
  std::condition_variable cv;
  int done = 0;
  int64_t tokens = 0;
  std::mt19937_64 rng(1);
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    std::vector<int64_t> prompt;
    for (int j = 0; j < P; ++j) prompt.push_back(static_cast<int64_t>(rng() % 150000));
    serve::SamplingParams p;
    p.temperature = 0, p.max_tokens = G, p.ignore_eos = true;
    e.submit(prompt, p, [&](const serve::Event& ev) {
      std::lock_guard<std::mutex> l(mu);
      tokens += static_cast<int64_t>(ev.tokens.size());
      if (ev.finish != serve::FinishReason::kNone) ++done, cv.notify_all();
      return true;
    });
  }
  std::unique_lock<std::mutex> l(mu);
  cv.wait(l, [&] { return done == n; });
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto mt = e.metrics();
  std::printf("seqs=%d prompt=%d new=%d invariant=%d: %lld tokens in %.2f s = %.2f tokens/s (mean TTFT %.3f s)\n", n, P, G, invariant ? 1 : 0,
              static_cast<long long>(tokens), s, static_cast<double>(tokens) / s, mt.time_to_first_token.sum / std::max<int64_t>(1, mt.time_to_first_token.count));
  return 0;
}
