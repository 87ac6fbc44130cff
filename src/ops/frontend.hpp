#pragma once
// Helpers shared by the op front-ends (ops.cpp, spatial.cpp, indexing.cpp).
#include <string>

#include "transformers/errors.hpp"
#include "transformers/tensor.hpp"

namespace transformers::ops {

// Activations enter kernels as contiguous fp32.
inline Tensor f32c(const Tensor& t) { return t.to(DType::F32).contiguous(); }

inline void require_defined(const Tensor& t, const char* op, const char* what) {
  if (!t.defined()) throw ValueError(std::string(op) + ": " + what + " is undefined");
}

}  // namespace transformers::ops
