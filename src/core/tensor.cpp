#include <sys/mman.h>
#include "transformers/tensor.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdlib>
#include <map>
#include <mutex>
#include <numeric>

#include "core/backend.hpp"
#include "core/elementwise.hpp"
#include "transformers/errors.hpp"

namespace transformers {

std::string shape_str(const Shape& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "]";
}

int64_t shape_numel(const Shape& s) {
  int64_t n = 1;
  for (auto d : s) n *= d;
  return n;
}

Shape contiguous_strides(const Shape& shape) {
  Shape st(shape.size());
  int64_t acc = 1;
  for (int64_t i = static_cast<int64_t>(shape.size()) - 1; i >= 0; --i) {
    st[i] = acc;
    acc *= shape[i];
  }
  return st;
}

int64_t normalize_dim(int64_t dim, int64_t ndim, const char* op) {
  int64_t d = dim < 0 ? dim + ndim : dim;
  if (d < 0 || d >= ndim)
    throw ShapeMismatch(std::string(op) + ": dim " + std::to_string(dim) + " out of range for rank " +
                        std::to_string(ndim));
  return d;
}

Device Device::parse(const std::string& s) {
  if (s == "cpu") return cpu();
  if (s == "cuda") return cuda(0);
  if (s.rfind("cuda:", 0) == 0) {
    char* end = nullptr;
    long i = std::strtol(s.c_str() + 5, &end, 10);
    if (end && *end == '\0' && i >= 0 && s.size() > 5) return cuda(static_cast<int>(i));
  }
  throw ValueError("unknown device '" + s + "' (expected cpu, cuda or cuda:N)");
}

std::string Device::str() const { return kind == CPU ? "cpu" : "cuda:" + std::to_string(index); }

namespace {

// Large CPU blocks are kept for reuse: glibc serves them with mmap and returns them on free, so
// every big activation would otherwise be page-faulted in afresh (a quarter of an encoder's time).
// Sizes are rounded up to 1/8 steps of a power of two; at most kCacheLimit bytes wait for reuse.
class LargeBlockCache {
 public:
  static constexpr size_t kMinBlock = size_t{1} << 16, kCacheLimit = size_t{1} << 30;
  static size_t round(size_t n) {
    if (n < kMinBlock) return (n + 63) / 64 * 64;
    size_t p = size_t{1} << (63 - __builtin_clzll(n));
    const size_t step = p / 8;
    return (n + step - 1) / step * step;
  }
  void* get(size_t n) {
    if (n >= kMinBlock && enabled()) {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = free_.find(n);
      if (it != free_.end()) {
        void* p = it->second;
        free_.erase(it);
        cached_ -= n;
        return p;
      }
    }
    if (n >= kHugeMin) {
      // Big blocks (weights, KV caches) on 2 MB boundaries with transparent huge pages asked for:
      // streaming them at memory bandwidth needs few TLB misses.
      const size_t size = (n + kHuge - 1) / kHuge * kHuge;
      void* p = std::aligned_alloc(kHuge, size);
      if (p) madvise(p, size, MADV_HUGEPAGE);
      return p;
    }
    return std::aligned_alloc(64, n ? n : 64);
  }
  static constexpr size_t kHuge = size_t{1} << 21, kHugeMin = size_t{4} << 20;
  void put(void* p, size_t n) {
    if (n >= kMinBlock && enabled()) {
      std::lock_guard<std::mutex> lock(mu_);
      if (cached_ + n <= kCacheLimit) {
        free_.emplace(n, p);
        cached_ += n;
        return;
      }
    }
    std::free(p);
  }
  ~LargeBlockCache() {
    for (auto& [n, p] : free_) std::free(p);
  }

 private:
  // Under AddressSanitizer reuse would hide use-after-free of big tensors: off there.
  static bool enabled() {
#if defined(__SANITIZE_ADDRESS__)
    return false;
#else
    return true;
#endif
  }
  std::mutex mu_;
  std::multimap<size_t, void*> free_;
  size_t cached_ = 0;
};

LargeBlockCache& block_cache() {
  static auto* c = new LargeBlockCache();  // never destroyed: tensors may outlive static destruction
  return *c;
}

}  // namespace

static std::shared_ptr<Storage> allocate(size_t nbytes, Device device) {
  auto st = std::make_shared<Storage>();
  st->nbytes = nbytes;
  st->device = device;
  if (device.kind == Device::CPU) {
    // 64-byte alignment for AVX-512 loads; aligned_alloc wants a multiple of the alignment.
    const size_t n = LargeBlockCache::round(nbytes);
    void* p = block_cache().get(n);
    if (!p) throw Error("out of memory allocating " + std::to_string(nbytes) + " bytes");
    st->data = p;
    st->owner = std::shared_ptr<void>(p, [n](void* q) { block_cache().put(q, n); });
  } else {
    DeviceBackend& be = cuda_backend();
    void* p = be.alloc(nbytes);
    st->data = p;
    st->owner = std::shared_ptr<void>(p, [&be](void* q) { be.free(q); });
  }
  return st;
}

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  for (auto d : shape)
    if (d < 0) throw ShapeMismatch("Tensor::empty: negative dimension in " + shape_str(shape));
  Tensor t;
  t.storage_ = allocate(static_cast<size_t>(shape_numel(shape)) * dtype_size(dtype), device);
  t.shape_ = shape;
  t.strides_ = contiguous_strides(shape);
  t.dtype_ = dtype;
  return t;
}

Tensor Tensor::zeros(const Shape& shape, DType dtype, Device device) {
  Tensor t = empty(shape, dtype, Device::cpu());
  std::memset(t.data_ptr(), 0, t.nbytes());
  return device.kind == Device::CPU ? t : t.to(device);
}

Tensor Tensor::full(const Shape& shape, double value, DType dtype) {
  Tensor t = empty(shape, dtype);
  detail::fill(t.data_ptr(), dtype, t.numel(), value);
  return t;
}

Tensor Tensor::arange(int64_t n, DType dtype) {
  Tensor t = empty({n}, dtype);
  for (int64_t i = 0; i < n; ++i) detail::store(t.data_ptr(), dtype, i, static_cast<double>(i));
  return t;
}

Tensor Tensor::from_blob(void* data, const Shape& shape, DType dtype, std::shared_ptr<void> owner, Device device) {
  Tensor t;
  t.storage_ = std::make_shared<Storage>();
  t.storage_->data = data;
  t.storage_->nbytes = static_cast<size_t>(shape_numel(shape)) * dtype_size(dtype);
  t.storage_->device = device;
  t.storage_->owner = std::move(owner);
  t.shape_ = shape;
  t.strides_ = contiguous_strides(shape);
  t.dtype_ = dtype;
  return t;
}

Tensor Tensor::from_floats(const std::vector<float>& v, const Shape& shape) {
  if (shape_numel(shape) != static_cast<int64_t>(v.size()))
    throw ShapeMismatch("from_floats: " + std::to_string(v.size()) + " values for shape " + shape_str(shape));
  Tensor t = empty(shape, DType::F32);
  if (!v.empty()) std::memcpy(t.data_ptr(), v.data(), v.size() * 4);  // memcpy from an empty vector's null data is UB
  return t;
}

Tensor Tensor::from_ints(const std::vector<int64_t>& v, const Shape& shape) {
  if (shape_numel(shape) != static_cast<int64_t>(v.size()))
    throw ShapeMismatch("from_ints: " + std::to_string(v.size()) + " values for shape " + shape_str(shape));
  Tensor t = empty(shape, DType::I64);
  if (!v.empty()) std::memcpy(t.data_ptr(), v.data(), v.size() * 8);
  return t;
}

int64_t Tensor::size(int64_t d) const { return shape_[normalize_dim(d, dim(), "size")]; }

bool Tensor::is_contiguous() const {
  int64_t acc = 1;
  for (int64_t i = dim() - 1; i >= 0; --i) {
    if (shape_[i] != 1 && strides_[i] != acc) return false;
    acc *= shape_[i];
  }
  return true;
}

bool Tensor::shares_memory_with(const void* begin, size_t len) const {
  auto* p = static_cast<const char*>(data_ptr());
  auto* b = static_cast<const char*>(begin);
  return storage_ && p >= b && p + nbytes() <= b + len;
}

void Tensor::data_access_error(size_t element_size, bool wrong_dtype) const {
  if (wrong_dtype)
    throw UnsupportedDType("Tensor::data: a " + std::to_string(element_size) + "-byte element type cannot address a tensor of dtype " +
                           dtype_name(dtype_));
  throw DeviceError("Tensor::data: the tensor lives on " + device().str() + "; host code reads it through to(Device::cpu()) or an op");
}

void* Tensor::data_ptr() const {
  if (!storage_) return nullptr;
  return static_cast<char*>(storage_->data) + offset_ * static_cast<int64_t>(dtype_size(dtype_));
}

Tensor make_view(const Tensor& base, Shape shape, Shape strides, int64_t offset) {
  Tensor t = base;
  t.shape_ = std::move(shape);
  t.strides_ = std::move(strides);
  t.offset_ = offset;
  return t;
}

Tensor Tensor::view(const Shape& shape) const {
  if (!is_contiguous()) throw ShapeMismatch("view: tensor is not contiguous; use reshape");
  Shape s = shape;
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == -1) {
      if (infer >= 0) throw ShapeMismatch("view: only one dimension can be -1");
      infer = static_cast<int64_t>(i);
    } else {
      known *= s[i];
    }
  }
  if (infer >= 0) {
    if (known == 0 || numel() % known) throw ShapeMismatch("view: cannot infer " + shape_str(shape) + " from " + shape_str(shape_));
    s[infer] = numel() / known;
  }
  if (shape_numel(s) != numel())
    throw ShapeMismatch("view: shape " + shape_str(shape) + " is invalid for " + std::to_string(numel()) + " elements");
  return make_view(*this, s, contiguous_strides(s), offset_);
}

Tensor Tensor::reshape(const Shape& shape) const { return is_contiguous() ? view(shape) : contiguous().view(shape); }

Tensor Tensor::transpose(int64_t d0, int64_t d1) const {
  std::vector<int64_t> p(dim());
  std::iota(p.begin(), p.end(), 0);
  std::swap(p[normalize_dim(d0, dim(), "transpose")], p[normalize_dim(d1, dim(), "transpose")]);
  return permute(p);
}

Tensor Tensor::permute(const std::vector<int64_t>& dims) const {
  if (static_cast<int64_t>(dims.size()) != dim()) throw ShapeMismatch("permute: wrong number of dims");
  Shape s(dim()), st(dim());
  std::vector<bool> seen(dim(), false);
  for (int64_t i = 0; i < dim(); ++i) {
    int64_t d = normalize_dim(dims[i], dim(), "permute");
    if (seen[d]) throw ShapeMismatch("permute: repeated dim");
    seen[d] = true;
    s[i] = shape_[d];
    st[i] = strides_[d];
  }
  return make_view(*this, s, st, offset_);
}

Tensor Tensor::slice(int64_t d, int64_t start, int64_t end, int64_t step) const {
  d = normalize_dim(d, dim(), "slice");
  const int64_t n = shape_[d];
  if (step <= 0) throw ShapeMismatch("slice: step must be positive");
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::clamp<int64_t>(start, 0, n);
  end = std::clamp<int64_t>(end, start, n);
  Shape s = shape_, st = strides_;
  s[d] = (end - start + step - 1) / step;
  st[d] *= step;
  return make_view(*this, s, st, offset_ + start * strides_[d]);
}

Tensor Tensor::select(int64_t d, int64_t index) const {
  d = normalize_dim(d, dim(), "select");
  if (index < 0) index += shape_[d];
  if (index < 0 || index >= shape_[d])
    throw ShapeMismatch("select: index " + std::to_string(index) + " out of range for size " + std::to_string(shape_[d]));
  Shape s = shape_, st = strides_;
  s.erase(s.begin() + d);
  st.erase(st.begin() + d);
  return make_view(*this, s, st, offset_ + index * strides_[d]);
}

Tensor Tensor::unsqueeze(int64_t d) const {
  d = normalize_dim(d, dim() + 1, "unsqueeze");
  Shape s = shape_, st = strides_;
  int64_t stride = d < dim() ? shape_[d] * strides_[d] : 1;
  s.insert(s.begin() + d, 1);
  st.insert(st.begin() + d, stride);
  return make_view(*this, s, st, offset_);
}

Tensor Tensor::squeeze(int64_t d) const {
  d = normalize_dim(d, dim(), "squeeze");
  if (shape_[d] != 1) return *this;
  Shape s = shape_, st = strides_;
  s.erase(s.begin() + d);
  st.erase(st.begin() + d);
  return make_view(*this, s, st, offset_);
}

Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  return clone();
}

Tensor Tensor::clone() const {
  if (device().kind != Device::CPU) return to(Device::cpu()).clone().to(device());
  Tensor out = empty(shape_, dtype_);
  detail::strided_copy(*this, out);
  return out;
}

Tensor Tensor::to(DType dt) const {
  if (dt == dtype_) return *this;
  if (device().kind != Device::CPU) throw UnsupportedDType("dtype cast on " + device().str() + " is not implemented");
  Tensor src = contiguous();
  Tensor out = empty(shape_, dt);
  detail::cast(src.data_ptr(), dtype_, out.data_ptr(), dt, numel());
  return out;
}

Tensor Tensor::to(Device dev) const {
  if (dev == device()) return *this;
  Tensor src = contiguous();
  Tensor out = empty(shape_, dtype_, dev);
  if (dev.kind == Device::CUDA && src.device().kind == Device::CPU)
    cuda_backend().copy_to_device(out.data_ptr(), src.data_ptr(), nbytes());
  else if (dev.kind == Device::CPU && src.device().kind == Device::CUDA)
    cuda_backend().copy_to_host(out.data_ptr(), src.data_ptr(), nbytes());
  else
    return src.to(Device::cpu()).to(dev);
  return out;
}

double Tensor::item(const std::vector<int64_t>& index) const {
  if (device().kind != Device::CPU) return to(Device::cpu()).item(index);
  if (index.empty() && numel() != 1) throw ShapeMismatch("item: tensor has " + std::to_string(numel()) + " elements");
  if (!index.empty() && static_cast<int64_t>(index.size()) != dim()) throw ShapeMismatch("item: wrong index rank");
  int64_t off = offset_;
  for (size_t i = 0; i < index.size(); ++i) {
    if (index[i] < 0 || index[i] >= shape_[i]) throw ShapeMismatch("item: index out of range");
    off += index[i] * strides_[i];
  }
  return detail::load(storage_->data, dtype_, off);
}

std::vector<float> Tensor::to_floats() const {
  Tensor t = to(Device::cpu()).to(DType::F32).contiguous();
  const float* p = t.data<float>();
  return std::vector<float>(p, p + t.numel());
}

std::vector<int64_t> Tensor::to_ints() const {
  Tensor t = to(Device::cpu()).to(DType::I64).contiguous();
  const int64_t* p = t.data<int64_t>();
  return std::vector<int64_t>(p, p + t.numel());
}

}  // namespace transformers
