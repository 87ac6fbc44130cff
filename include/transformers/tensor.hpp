#pragma once
// Tensor: shape, strides (in elements), dtype, device, and a shared storage that may own its
// bytes or borrow them from a memory-mapped file (zero-copy weights).
#include <initializer_list>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "transformers/export.hpp"
#include "transformers/dtype.hpp"

namespace transformers {

using Shape = std::vector<int64_t>;
TRANSFORMERS_API std::string shape_str(const Shape& s);
TRANSFORMERS_API int64_t shape_numel(const Shape& s);

namespace detail {
// Whether a T* may address elements of dtype dt: the C++ type of the dtype; uint16_t for the
// bits of bf16 / f16, uint8_t for the bytes of u8, bool and float8.
template <typename T>
constexpr bool holds(DType dt) {
  using U = std::remove_const_t<T>;
  if constexpr (std::is_same_v<U, float>) return dt == DType::F32;
  else if constexpr (std::is_same_v<U, double>) return dt == DType::F64;
  else if constexpr (std::is_same_v<U, int64_t>) return dt == DType::I64;
  else if constexpr (std::is_same_v<U, int32_t>) return dt == DType::I32;
  else if constexpr (std::is_same_v<U, int16_t>) return dt == DType::I16;
  else if constexpr (std::is_same_v<U, int8_t>) return dt == DType::I8;
  else if constexpr (std::is_same_v<U, uint16_t>) return dt == DType::BF16 || dt == DType::F16;
  else if constexpr (std::is_same_v<U, uint8_t>) return dt == DType::U8 || dt == DType::Bool || dt == DType::F8_E4M3 || dt == DType::F8_E5M2;
  else if constexpr (std::is_same_v<U, bool>) return dt == DType::Bool;
  else static_assert(!sizeof(U), "Tensor::data<T>: T names no dtype");
}
}  // namespace detail

struct TRANSFORMERS_API Device {
  enum Kind : uint8_t { CPU, CUDA } kind = CPU;
  int index = 0;
  static Device cpu() { return {}; }
  static Device cuda(int i = 0) { return {CUDA, i}; }
  static Device parse(const std::string& s);  // "cpu", "cuda", "cuda:1"
  std::string str() const;
  bool operator==(const Device& o) const { return kind == o.kind && index == o.index; }
};

struct TRANSFORMERS_API Storage {
  void* data = nullptr;
  size_t nbytes = 0;
  Device device;
  std::shared_ptr<void> owner;  // frees or keeps alive whatever `data` points into
};

class TRANSFORMERS_API Tensor {
 public:
  Tensor() = default;

  static Tensor empty(const Shape& shape, DType dtype = DType::F32, Device device = Device::cpu());
  static Tensor zeros(const Shape& shape, DType dtype = DType::F32, Device device = Device::cpu());
  static Tensor full(const Shape& shape, double value, DType dtype = DType::F32);
  static Tensor arange(int64_t n, DType dtype = DType::I64);
  // Borrows `data`; `owner` keeps it alive (e.g. the mmap of a safetensors file).
  static Tensor from_blob(void* data, const Shape& shape, DType dtype, std::shared_ptr<void> owner,
                          Device device = Device::cpu());
  static Tensor from_floats(const std::vector<float>& v, const Shape& shape);
  static Tensor from_ints(const std::vector<int64_t>& v, const Shape& shape);

  bool defined() const { return storage_ != nullptr; }
  const Shape& shape() const { return shape_; }
  const Shape& strides() const { return strides_; }
  int64_t dim() const { return static_cast<int64_t>(shape_.size()); }
  int64_t size(int64_t d) const;
  int64_t numel() const { return shape_numel(shape_); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype_); }
  DType dtype() const { return dtype_; }
  Device device() const { return storage_ ? storage_->device : Device::cpu(); }
  bool is_contiguous() const;
  // True when this tensor's bytes live inside the given [begin, end) range (zero-copy checks).
  bool shares_memory_with(const void* begin, size_t len) const;

  void* data_ptr() const;
  // Typed element access, for CPU tensors only: T must match the dtype (see detail::holds), else
  // UnsupportedDType; a device tensor is a DeviceError (device kernels take data_ptr()). One
  // predictable branch on the hot paths.
  template <typename T>
  T* data() const {
    if (storage_ && (!detail::holds<T>(dtype_) || storage_->device.kind != Device::CPU)) [[unlikely]]
      data_access_error(sizeof(T), !detail::holds<T>(dtype_));
    return static_cast<T*>(data_ptr());
  }

  // Views (no copy).
  Tensor view(const Shape& shape) const;      // requires contiguous; one dim may be -1
  Tensor reshape(const Shape& shape) const;   // copies when not contiguous
  Tensor transpose(int64_t d0, int64_t d1) const;
  Tensor permute(const std::vector<int64_t>& dims) const;
  Tensor slice(int64_t dim, int64_t start, int64_t end, int64_t step = 1) const;
  Tensor select(int64_t dim, int64_t index) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor squeeze(int64_t dim) const;

  // Copies.
  Tensor contiguous() const;
  Tensor clone() const;
  Tensor to(DType dtype) const;  // exact casts; returns *this when the dtype already matches
  Tensor to(Device device) const;

  // Element access for tests and small host-side work (any dtype, read as double).
  double item(const std::vector<int64_t>& index = {}) const;
  std::vector<float> to_floats() const;
  std::vector<int64_t> to_ints() const;

 private:
  std::shared_ptr<Storage> storage_;
  int64_t offset_ = 0;  // in elements
  Shape shape_, strides_;
  DType dtype_ = DType::F32;
  friend Tensor make_view(const Tensor&, Shape, Shape, int64_t);
  [[noreturn]] void data_access_error(size_t element_size, bool wrong_dtype) const;
};

TRANSFORMERS_API Shape contiguous_strides(const Shape& shape);
TRANSFORMERS_API int64_t normalize_dim(int64_t dim, int64_t ndim, const char* op);

}  // namespace transformers
