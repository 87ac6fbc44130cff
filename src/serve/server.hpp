#pragma once
// `transformers-cpp serve`: an OpenAI-compatible HTTP server over one model. The model decides the
// endpoints: a generative model (AutoModelForCausalLM + its tokenizer's chat template) serves
// /v1/chat/completions and /v1/completions through the continuous-batching Engine; a
// sentence-transformers folder serves /v1/embeddings (SentenceTransformer); a cross-encoder serves
// /v1/rerank and text-embeddings-inference's /rerank (CrossEncoder). Every kind serves /health,
// /v1/models and /metrics.
//
// Security: binds 127.0.0.1 unless told otherwise; an API key (the option or
// TRANSFORMERS_CPP_API_KEY) is required as "Authorization: Bearer KEY" on every route but /health,
// compared in constant time; bodies over max_body_bytes get 413; CORS headers only with
// cors_origin; no request field names a file or another model.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "transformers/modeling.hpp"

namespace transformers::serve {

struct ServerOptions {
  std::string model;                // folder or Hub id
  std::string host = "127.0.0.1";
  int port = 8080;                  // 0: any free port (port() tells which)
  std::string api_key;              // empty: TRANSFORMERS_CPP_API_KEY, else no key required
  std::string served_model_name;    // empty: `model`
  int64_t max_num_seqs = 64;
  int64_t max_model_len = 0;        // 0: the model's
  int64_t kv_cache_bytes = int64_t{2} << 30;
  int64_t max_waiting = 1024;       // queued requests before 503
  std::string cors_origin;          // empty: no CORS headers
  size_t max_body_bytes = size_t{32} << 20;
  std::chrono::milliseconds drain_grace{30000};  // SIGTERM: how long in-flight requests may finish
  FromPretrainedOptions load;       // dtype, quantization, Hub options
  bool print_listening = true;      // the "listening on http://HOST:PORT" line on stdout
};

// Parses a memory size: "2GiB", "512MiB", "1.5GB", "1048576" (bytes). ValueError otherwise.
int64_t parse_memory_size(const std::string& text);

class Server {
 public:
  enum class Kind { kGenerate, kEmbed, kRerank };
  // Loads the model; binds nothing yet.
  explicit Server(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds host:port (port 0: a free one) and returns the port. OSError when it cannot bind.
  int bind();
  // Serves until shutdown(); binds first if bind() was not called. Prints the listening line when
  // the socket accepts.
  void run();
  // Stops accepting, lets in-flight requests finish within the grace period (Engine::drain), then
  // stops run(). Safe to call from another thread (the SIGTERM watcher) and more than once.
  void shutdown();
  int port() const;
  Kind kind() const;
  const std::string& served_model_name() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace transformers::serve
