#pragma once
// Device memory interface. CPU memory is handled in tensor.cpp; other devices go through a
// DeviceBackend. A build without CUDA links the stub in ops/cuda/stub.cpp, which throws
// BackendNotCompiled("cuda") — model and nn code never test for it.
#include <cstddef>

namespace transformers {

struct DeviceBackend {
  virtual ~DeviceBackend() = default;
  virtual void* alloc(size_t nbytes) = 0;
  virtual void free(void* p) = 0;
  virtual void copy_to_device(void* dst, const void* host_src, size_t nbytes) = 0;
  virtual void copy_to_host(void* host_dst, const void* src, size_t nbytes) = 0;
};

DeviceBackend& cuda_backend();
bool cuda_compiled();
int cuda_device_count();

}  // namespace transformers
