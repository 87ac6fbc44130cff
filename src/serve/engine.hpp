#pragma once
// The serving engine behind `transformers-cpp serve` (and the CLI's `chat`): continuous batching
// of decoder-only generation over a paged KV cache, as vLLM's scheduler does it.
//
// One engine thread owns the model. Each step it (1) admits waiting requests while free KV blocks
// allow, (2) builds one flat batch: one token for every running sequence in decode plus prefill
// chunks of waiting prompts up to max_num_batched_tokens (long prompts are prefilled in chunks
// interleaved with decode steps), (3) runs the model once over that flat batch (linear layers see
// every token together; attention runs per sequence against its own block table), (4) samples one
// token per sequence that finished its prompt, with that sequence's own parameters and seeded
// generator, and (5) reports events to each request's callback.
//
// Batch invariance (default): a request's ids and logprobs are bitwise identical whether it runs
// alone or beside others, at any arrival order and any prefill chunking. The engine turns on the
// ops' batch-invariant mode, in which every reduction (GEMM rows, attention rows, norms, softmax)
// runs in an order that depends on neither the number of rows nor a row's place in the batch.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "transformers/errors.hpp"

namespace transformers {
class GenerativeModel;
}

namespace transformers::serve {

// The queue is full: HTTP 503 with Retry-After.
class QueueFullError : public Error { using Error::Error; };

struct EngineOptions {
  int64_t max_num_seqs = 64;              // running sequences at once
  int64_t max_model_len = 0;              // prompt + generated; 0: the model's max_position_embeddings (else 32768)
  int64_t kv_cache_bytes = int64_t{2} << 30;  // the paged pool's size (--kv-cache-memory)
  int64_t block_size = 16;                // tokens per KV block
  int64_t max_num_batched_tokens = 256;   // tokens per step (decode tokens + prefill chunks)
  int64_t max_waiting = 1024;             // queued requests before submit() throws QueueFullError
  bool batch_invariant = true;
  bool enable_prefix_caching = true;
};

// Per-request sampling, OpenAI's fields with vLLM's meanings. temperature 0 is greedy.
struct SamplingParams {
  int64_t max_tokens = 16;  // new tokens
  int64_t min_tokens = 0;   // eos / stop ids masked before this many
  double temperature = 1.0, top_p = 1.0, min_p = 0.0;
  int64_t top_k = 0;        // 0: off
  double presence_penalty = 0.0, frequency_penalty = 0.0, repetition_penalty = 1.0;
  std::map<int64_t, float> logit_bias;  // added to the logits before anything else
  std::optional<uint64_t> seed;         // none: a seed drawn per request
  std::vector<int64_t> stop_token_ids;  // besides the model's eos ids (unless ignore_eos)
  bool ignore_eos = false;
  int64_t logprobs = -1;  // -1: none; k >= 0: the sampled token's log-probability and the top k
  // Constrained decoding (response_format json_schema): called before sampling with the tokens
  // generated so far and the processed logits [V]; it sets the logits of disallowed tokens to -inf.
  std::function<void(const std::vector<int64_t>& generated, float* logits, int64_t V)> constrain;
};

struct TokenLogprob {
  int64_t id;
  float logprob;
};

enum class FinishReason { kNone, kStop, kLength, kAbort };

// What a request's callback receives: new tokens (one per step today), and at the end a finish
// reason. Log-probabilities are of the distribution the token was sampled from (after penalties
// and temperature), as vLLM reports by default.
struct Event {
  uint64_t request_id = 0;
  std::vector<int64_t> tokens;
  std::vector<float> logprobs;                         // one per token when requested
  std::vector<std::vector<TokenLogprob>> top_logprobs;  // one list per token when logprobs > 0
  FinishReason finish = FinishReason::kNone;
  std::string error;                // set with kAbort when the engine failed the request
  int64_t prompt_tokens = 0, cached_prompt_tokens = 0, completion_tokens = 0;
};

// Called on the engine thread; it must be quick. Returning false stops the sequence (the caller
// matched a stop string, or its client went away) and frees its blocks; no further events follow.
using EventCallback = std::function<bool(const Event&)>;

struct EngineMetrics {
  int64_t running = 0, waiting = 0;
  int64_t kv_blocks_total = 0, kv_blocks_used = 0;
  int64_t prompt_tokens_total = 0, generation_tokens_total = 0;
  int64_t prefix_cache_queries = 0, prefix_cache_hits = 0;  // in tokens
  int64_t preemptions_total = 0;
  // Histograms in seconds: bucket upper bounds and cumulative counts (Prometheus style).
  struct Histogram {
    std::vector<double> bounds;
    std::vector<int64_t> counts;  // bounds.size() + 1, the last is +Inf
    double sum = 0;
    int64_t count = 0;
  };
  Histogram time_to_first_token, inter_token_latency;
};

class Engine {
 public:
  // The engine shares the model; nothing else may run it while the engine lives.
  Engine(std::shared_ptr<GenerativeModel> model, EngineOptions options = {});
  ~Engine();  // stops the engine thread; unfinished requests end with kAbort
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Queues a request and returns its id. Throws ValueError when the prompt is empty or
  // prompt + max_tokens exceeds max_model_len (the message names both lengths), QueueFullError
  // when max_waiting requests are queued.
  uint64_t submit(std::vector<int64_t> prompt, SamplingParams params, EventCallback on_event);
  void cancel(uint64_t request_id);  // as if its callback returned false
  // Stops admitting (submit throws QueueFullError), waits up to `grace` for running and queued
  // requests to finish, then aborts the rest. Returns true when everything finished in time.
  bool drain(std::chrono::milliseconds grace);

  EngineMetrics metrics() const;
  const EngineOptions& options() const;
  int64_t max_model_len() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace transformers::serve
