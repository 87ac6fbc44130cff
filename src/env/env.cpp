// The environment report (`transformers-cpp env`): the top library layer, since it names what
// every layer below chose (kernels, hub, CUDA).
#include <omp.h>

#include "core/backend.hpp"
#include "ops/dispatch.hpp"
#include "ops/ops.hpp"
#include "transformers/transformers.hpp"

namespace transformers {

const char* version() { return TRANSFORMERS_VERSION; }

EnvInfo env_info() {
  EnvInfo e;
  e.version = version();
  e.cpu_isa = ops::cpu_isa().str();
  e.cache_dir = hf_hub_cache();
  e.endpoint = hf_endpoint();
  e.threads = omp_get_max_threads();
  e.cuda_compiled = cuda_compiled();
  e.cuda_devices = e.cuda_compiled ? cuda_device_count() : 0;
  e.offline = hf_hub_offline();
  e.reference_mode = ops::reference_mode();
  return e;
}

void set_reference_mode(bool on) { ops::set_reference_mode(on); }
void set_num_threads(int n) {
  if (n > 0) omp_set_num_threads(n);
}

}  // namespace transformers
