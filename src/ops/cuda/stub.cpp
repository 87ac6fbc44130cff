// Built when the CUDA toolkit is absent or TRANSFORMERS_CUDA=OFF.
#include "core/backend.hpp"
#include "transformers/errors.hpp"

namespace transformers {

DeviceBackend& cuda_backend() { throw BackendNotCompiled("cuda"); }
bool cuda_compiled() { return false; }
int cuda_device_count() { return 0; }

}  // namespace transformers
