#pragma once
// Untyped element access shared by casts, copies and the reference kernels.
#include "transformers/tensor.hpp"

namespace transformers::detail {

double load(const void* base, DType dt, int64_t i);
void store(void* base, DType dt, int64_t i, double v);
void fill(void* base, DType dt, int64_t n, double v);
void cast(const void* src, DType sdt, void* dst, DType ddt, int64_t n);
// Copies any-strided `src` into contiguous `dst` of the same shape and dtype.
void strided_copy(const Tensor& src, Tensor& dst);

// Calls f(linear_index, offset_in_elements) for every element of a strided layout, row-major.
template <typename F>
void for_each_offset(const Shape& shape, const Shape& strides, int64_t base, F&& f) {
  const int64_t nd = static_cast<int64_t>(shape.size());
  int64_t n = shape_numel(shape);
  if (n == 0) return;
  std::vector<int64_t> idx(nd, 0);
  int64_t off = base;
  for (int64_t li = 0; li < n; ++li) {
    f(li, off);
    for (int64_t d = nd - 1; d >= 0; --d) {
      if (++idx[d] < shape[d]) { off += strides[d]; break; }
      off -= strides[d] * (shape[d] - 1);
      idx[d] = 0;
    }
  }
}

}  // namespace transformers::detail
