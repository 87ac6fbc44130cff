// transformers-cpp serve MODEL: the OpenAI-compatible HTTP server (src/serve/server.hpp). SIGTERM
// or SIGINT stops accepting, lets in-flight requests finish within --drain-timeout, and exits 0.
#include <unistd.h>

#include <cerrno>
#include <csignal>

#include <thread>

#include "cli.hpp"
#include "serve/server.hpp"

namespace transformers::cli {

namespace {
struct ServeCmd {
  serve::ServerOptions server;
  std::string kv_cache_memory = "2GiB", max_body = "32MiB";
  double drain_timeout_s = 30;
};

// SIGTERM / SIGINT write one byte to this pipe (all a handler may safely do); the watcher thread
// reads it and shuts the server down. A handler rather than a blocked mask: threads the runtime
// started before us (OpenMP's pool) would otherwise take the signal with its default action.
int g_signal_pipe[2] = {-1, -1};
void on_signal(int) {
  const char b = 1;
  (void)!write(g_signal_pipe[1], &b, 1);
}

int run_serve(ServeCmd& o) {
  o.server.kv_cache_bytes = serve::parse_memory_size(o.kv_cache_memory);
  o.server.max_body_bytes = static_cast<size_t>(serve::parse_memory_size(o.max_body));
  o.server.drain_grace = std::chrono::milliseconds(static_cast<int64_t>(o.drain_timeout_s * 1000));
  if (pipe(g_signal_pipe) != 0) throw OSError("cannot create the signal pipe");
  serve::Server server(o.server);
  server.bind();
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  std::thread watcher([&] {
    char b = 0;
    while (read(g_signal_pipe[0], &b, 1) < 0 && errno == EINTR) {
    }
    server.shutdown();
  });
  server.run();
  // run() returned: a signal stopped it (the watcher drained), or listening failed (wake the watcher).
  on_signal(0);
  watcher.join();
  return 0;
}
}  // namespace

Runner register_serve(CLI::App* c) {
  auto o = std::make_shared<ServeCmd>();
  auto& s = o->server;
  c->add_option("model", s.model, "model folder or Hub id (generative, sentence-transformers or cross-encoder)")->required();
  c->add_option("--served-model-name", s.served_model_name, "the model's name in the API (default: MODEL)");
  c->add_option("--host", s.host, "address to bind (default 127.0.0.1)");
  c->add_option("--port", s.port, "port (default 8080; 0: a free one)");
  c->add_option("--api-key", s.api_key, "require Authorization: Bearer KEY (also TRANSFORMERS_CPP_API_KEY)");
  c->add_option("--max-num-seqs", s.max_num_seqs, "sequences decoded together (default 64)");
  c->add_option("--max-model-len", s.max_model_len, "prompt + generated tokens per sequence (default: the model's)");
  c->add_option("--kv-cache-memory", o->kv_cache_memory, "the paged KV cache's size (default 2GiB)");
  c->add_option("--max-waiting", s.max_waiting, "queued requests before 503 (default 1024)");
  c->add_option("--dtype", s.load.dtype);
  c->add_option("--quantization", s.load.quantization, "int8: weight-only int8 at load");
  c->add_option("--cors-origin", s.cors_origin, "allow this origin (CORS is off without it)");
  c->add_option("--max-body", o->max_body, "largest request body (default 32MiB)");
  c->add_option("--drain-timeout", o->drain_timeout_s, "seconds in-flight requests get on SIGTERM (default 30)");
  add_model_options(c, s.load);
  return [o] { return run_serve(*o); };
}

}  // namespace transformers::cli
