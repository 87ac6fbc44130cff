// Placeholder definitions of the Engine (serve/engine.hpp) so the server links before the engine
// lands from wip-engine; constructing one says so. Deleted when wip-engine is merged.
#include "serve/engine.hpp"

namespace transformers::serve {

struct Engine::Impl {
  EngineOptions options;
};

Engine::Engine(std::shared_ptr<GenerativeModel>, EngineOptions) {
  throw Error("the serving engine is not in this build yet (wip-engine)");
}
Engine::~Engine() = default;
uint64_t Engine::submit(std::vector<int64_t>, SamplingParams, EventCallback) { return 0; }
void Engine::cancel(uint64_t) {}
bool Engine::drain(std::chrono::milliseconds) { return true; }
EngineMetrics Engine::metrics() const { return {}; }
const EngineOptions& Engine::options() const { return impl_->options; }
int64_t Engine::max_model_len() const { return 0; }

}  // namespace transformers::serve
