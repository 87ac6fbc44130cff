// CUDA device memory through the runtime API. Kernels arrive with the CUDA backend issue; this
// file gives tensors a real device to live on and copies to and from it.
#include <cuda_runtime.h>

#include <string>

#include "core/backend.hpp"
#include "transformers/errors.hpp"

namespace transformers {
namespace {

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw Error(std::string("cuda: ") + what + ": " + cudaGetErrorString(e));
}

struct CudaBackend final : DeviceBackend {
  void* alloc(size_t n) override {
    void* p = nullptr;
    check(cudaMalloc(&p, n ? n : 1), "cudaMalloc");
    return p;
  }
  void free(void* p) override { cudaFree(p); }
  void copy_to_device(void* d, const void* h, size_t n) override {
    check(cudaMemcpy(d, h, n, cudaMemcpyHostToDevice), "cudaMemcpy H2D");
  }
  void copy_to_host(void* h, const void* d, size_t n) override {
    check(cudaMemcpy(h, d, n, cudaMemcpyDeviceToHost), "cudaMemcpy D2H");
  }
};

}  // namespace

DeviceBackend& cuda_backend() {
  static CudaBackend b;
  return b;
}
bool cuda_compiled() { return true; }
int cuda_device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) return 0;
  return n;
}

}  // namespace transformers
