#include "serve/sampler.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

#include "generation/logits_process.hpp"

namespace transformers::serve {

namespace {
constexpr float kNegInf = -std::numeric_limits<float>::infinity();
}  // namespace

void validate(const SamplingParams& p, int64_t V) {
  const auto bad = [](const std::string& what) { throw ValueError(what); };
  if (p.max_tokens < 1) bad("max_tokens must be at least 1, got " + std::to_string(p.max_tokens));
  if (p.min_tokens < 0 || p.min_tokens > p.max_tokens)
    bad("min_tokens must be in [0, max_tokens = " + std::to_string(p.max_tokens) + "], got " + std::to_string(p.min_tokens));
  if (!(p.temperature >= 0) || !std::isfinite(p.temperature)) bad("temperature must be a finite number >= 0");
  if (!(p.top_p > 0 && p.top_p <= 1)) bad("top_p must be in (0, 1]");
  if (!(p.min_p >= 0 && p.min_p <= 1)) bad("min_p must be in [0, 1]");
  if (p.top_k < 0) bad("top_k must be >= 0 (0 disables it), got " + std::to_string(p.top_k));
  if (!(p.repetition_penalty > 0) || !std::isfinite(p.repetition_penalty)) bad("repetition_penalty must be a finite number > 0");
  if (!std::isfinite(p.presence_penalty) || !std::isfinite(p.frequency_penalty)) bad("presence_penalty and frequency_penalty must be finite");
  if (p.logprobs < -1 || p.logprobs > V) bad("logprobs must be in [0, " + std::to_string(V) + "] when given");
  for (const auto& [id, b] : p.logit_bias) {
    if (id < 0 || id >= V) bad("logit_bias: token id " + std::to_string(id) + " is outside the vocabulary [0, " + std::to_string(V) + ")");
    if (!std::isfinite(b)) bad("logit_bias: the bias of token " + std::to_string(id) + " must be finite");
  }
  for (int64_t id : p.stop_token_ids)
    if (id < 0 || id >= V) bad("stop_token_ids: token id " + std::to_string(id) + " is outside the vocabulary [0, " + std::to_string(V) + ")");
}

Sampled sample(const SamplingParams& p, const std::vector<int64_t>& tokens, int64_t prompt_len, const std::vector<int64_t>& eos,
               float* s, int64_t V, std::mt19937_64& rng) {
  for (const auto& [id, b] : p.logit_bias) s[id] += b;
  if (p.repetition_penalty != 1.0) {
    generation::Resolved r;
    r.top_k = 0, r.do_sample = false, r.repetition_penalty = p.repetition_penalty;
    generation::process(r, generation::RowContext{tokens, prompt_len, 0}, s, V);
  }
  const int64_t generated = static_cast<int64_t>(tokens.size()) - prompt_len;
  if (p.presence_penalty != 0.0 || p.frequency_penalty != 0.0) {
    std::map<int64_t, int64_t> counts;
    for (size_t i = static_cast<size_t>(prompt_len); i < tokens.size(); ++i) ++counts[tokens[i]];
    for (const auto& [id, n] : counts)
      if (id >= 0 && id < V) s[id] -= static_cast<float>(p.frequency_penalty * static_cast<double>(n) + p.presence_penalty);
  }
  if (generated < p.min_tokens) {
    if (!p.ignore_eos)
      for (int64_t e : eos)
        if (e >= 0 && e < V) s[e] = kNegInf;
    for (int64_t e : p.stop_token_ids) s[e] = kNegInf;
  }
  if (p.constrain) p.constrain(std::vector<int64_t>(tokens.begin() + prompt_len, tokens.end()), s, V);
  const bool sampling = p.temperature > 0;
  if (sampling) {
    generation::Resolved r;
    r.do_sample = true, r.temperature = p.temperature, r.top_k = p.top_k, r.top_p = p.top_p;
    if (p.min_p > 0) r.min_p = p.min_p;
    generation::process(r, generation::RowContext{tokens, prompt_len, 0}, s, V);
  }
  double mx = -INFINITY;
  for (int64_t i = 0; i < V; ++i) mx = std::max(mx, static_cast<double>(s[i]));
  if (!(mx > -INFINITY)) throw ValueError("every token was filtered out (constraints, biases or penalties); no token can be sampled");
  Sampled out;
  out.token = sampling ? generation::sample_categorical(s, V, rng) : static_cast<int64_t>(std::max_element(s, s + V) - s);
  if (p.logprobs >= 0) {
    double z = 0;
    for (int64_t i = 0; i < V; ++i) z += std::exp(static_cast<double>(s[i]) - mx);
    const double lz = mx + std::log(z);
    const auto lp = [&](int64_t i) { return static_cast<float>(static_cast<double>(s[i]) - lz); };
    out.logprob = lp(out.token);
    if (p.logprobs > 0) {
      std::vector<int64_t> idx(static_cast<size_t>(V));
      std::iota(idx.begin(), idx.end(), 0);
      const auto k = static_cast<std::ptrdiff_t>(p.logprobs);
      std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), [&](int64_t a, int64_t b) { return s[a] > s[b] || (s[a] == s[b] && a < b); });
      for (std::ptrdiff_t i = 0; i < k; ++i) out.top.push_back({idx[static_cast<size_t>(i)], lp(idx[static_cast<size_t>(i)])});
    }
  }
  return out;
}

}  // namespace transformers::serve
