#pragma once
// The one dispatch point: every op front-end asks `pick` for its kernel.
#include <string>

#include "core/backend.hpp"
#include "transformers/errors.hpp"
#include "transformers/tensor.hpp"

namespace transformers::ops {

bool reference_mode();
bool batch_invariant();  // see ops.hpp set_batch_invariant

template <typename Fn>
struct OpTable {
  const char* name;
  Fn reference;      // scalar, obviously correct: the oracle
  Fn cpu = nullptr;  // fast CPU kernel (OpenMP / oneDNN); falls back to reference when absent
  Fn cuda = nullptr;
};

template <typename Fn>
Fn pick(const OpTable<Fn>& t, Device dev) {
  if (dev.kind == Device::CUDA) {
    if (!cuda_compiled()) throw BackendNotCompiled("cuda");
    if (!t.cuda) throw Error(std::string("op '") + t.name + "' has no CUDA kernel in this build");
    return t.cuda;
  }
  if (reference_mode() || !t.cpu) return t.reference;
  return t.cpu;
}

// CPU features chosen at run time (reported by `transformers-cpp env`).
struct CpuIsa {
  bool avx2 = false, avx512f = false, avx512_bf16 = false, avx512_vnni = false;
  std::string str() const;
};
const CpuIsa& cpu_isa();

}  // namespace transformers::ops
