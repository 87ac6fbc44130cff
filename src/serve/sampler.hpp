#pragma once
// One sequence's next token from its logits row, with its own parameters and generator.
#include <random>
#include <vector>

#include "serve/engine.hpp"

namespace transformers::serve {

struct Sampled {
  int64_t token = 0;
  float logprob = 0;
  std::vector<TokenLogprob> top;
};

// Checks the parameters against the vocabulary (ValueError naming the field).
void validate(const SamplingParams& p, int64_t vocab_size);

// `logits` [V] is processed in place: logit_bias; repetition_penalty (HF: over prompt and output);
// presence / frequency penalties (OpenAI: over the output); eos and stop ids masked below
// min_tokens; `constrain`; then, when sampling, temperature, top_k, top_p and min_p (HF's
// warpers). temperature 0 takes the argmax (lowest id on ties). The log-probabilities are the
// log_softmax of the final scores. `tokens` is prompt + output, the output starting at prompt_len.
Sampled sample(const SamplingParams& p, const std::vector<int64_t>& tokens, int64_t prompt_len, const std::vector<int64_t>& eos,
               float* logits, int64_t V, std::mt19937_64& rng);

}  // namespace transformers::serve
