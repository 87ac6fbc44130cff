#include "io/gguf.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "transformers/errors.hpp"

namespace transformers::gguf {

struct File::Storage {
  void* map = nullptr;
  size_t map_size = 0;
  std::string bytes;  // from_bytes
  const uint8_t* data = nullptr;
  uint64_t size = 0;
  ~Storage() {
    if (map && map_size) munmap(map, map_size);
  }
};

namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" little-endian

const GgmlType kTypes[] = {
    {0, "F32", 1, 4},        {1, "F16", 1, 2},        {2, "Q4_0", 32, 18},    {3, "Q4_1", 32, 20},   {6, "Q5_0", 32, 22},
    {7, "Q5_1", 32, 24},     {8, "Q8_0", 32, 34},     {9, "Q8_1", 32, 40},    {10, "Q2_K", 256, 84}, {11, "Q3_K", 256, 110},
    {12, "Q4_K", 256, 144},  {13, "Q5_K", 256, 176},  {14, "Q6_K", 256, 210}, {15, "Q8_K", 256, 292},
    {16, "IQ2_XXS", 256, 66}, {17, "IQ2_XS", 256, 74}, {18, "IQ3_XXS", 256, 98}, {19, "IQ1_S", 256, 50},
    {20, "IQ4_NL", 32, 18},  {21, "IQ3_S", 256, 110}, {22, "IQ2_S", 256, 82},  {23, "IQ4_XS", 256, 136},
    {24, "I8", 1, 1},        {25, "I16", 1, 2},       {26, "I32", 1, 4},      {27, "I64", 1, 8},     {28, "F64", 1, 8},
    {29, "IQ1_M", 256, 56},  {30, "BF16", 1, 2},      {34, "TQ1_0", 256, 54}, {35, "TQ2_0", 256, 66}, {39, "MXFP4", 32, 17},
};

// Strict UTF-8 (no overlong forms, surrogates or code points past U+10FFFF): the format says strings
// are UTF-8, gguf-py decodes them strictly, and the config / tokenizer JSON built from them needs it.
bool valid_utf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) { ++i; continue; }
    size_t n;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) n = 1, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0) n = 2, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0) n = 3, cp = c & 0x07;
    else return false;
    if (i + n >= s.size()) return false;  // the continuation bytes i+1 .. i+n must exist
    for (size_t k = 1; k <= n; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n + 1;
  }
  return true;
}

// A bounds-checked little-endian cursor over the file; every read that would pass the end throws.
class Cursor {
 public:
  Cursor(const uint8_t* p, uint64_t n, const std::string& src) : p_(p), n_(n), src_(src) {}
  uint64_t pos() const { return pos_; }
  uint64_t left() const { return n_ - pos_; }
  [[noreturn]] void fail(const std::string& msg) const { throw GgufError(src_ + ": " + msg); }
  void need(uint64_t k, const char* what) const {
    if (k > left())
      fail(std::string("truncated: ") + what + " needs " + std::to_string(k) + " bytes at offset " + std::to_string(pos_) +
           " but only " + std::to_string(left()) + " remain");
  }
  template <typename T>
  T read(const char* what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, p_ + pos_, sizeof(T));  // the format is little-endian, as every host we build for
    pos_ += sizeof(T);
    return v;
  }
  std::string str(const char* what) {
    const uint64_t len = read<uint64_t>(what);
    if (len > left())
      fail(std::string(what) + ": string length " + std::to_string(len) + " at offset " + std::to_string(pos_ - 8) +
           " runs past the end of the file (" + std::to_string(left()) + " bytes remain)");
    std::string s(reinterpret_cast<const char*>(p_ + pos_), static_cast<size_t>(len));
    if (!valid_utf8(s)) fail(std::string(what) + " at offset " + std::to_string(pos_) + " is not valid UTF-8");
    pos_ += len;
    return s;
  }

 private:
  const uint8_t* p_;
  uint64_t n_, pos_ = 0;
  const std::string& src_;
};

// The fewest bytes one value of `t` takes, so a count can be checked before anything is reserved.
uint64_t min_size(ValueType t) {
  switch (t) {
    case ValueType::UINT8: case ValueType::INT8: case ValueType::BOOL: return 1;
    case ValueType::UINT16: case ValueType::INT16: return 2;
    case ValueType::UINT32: case ValueType::INT32: case ValueType::FLOAT32: return 4;
    case ValueType::UINT64: case ValueType::INT64: case ValueType::FLOAT64: case ValueType::STRING: return 8;
    case ValueType::ARRAY: return 12;
  }
  return 1;
}

bool valid_type(uint32_t t) { return t <= 12; }

Value read_value(Cursor& c, ValueType t, const std::string& key, uint64_t depth, uint64_t& budget) {
  Value v;
  v.type = t;
  auto set_int = [&](int64_t x) { v.i = x, v.u = static_cast<uint64_t>(x); };
  switch (t) {
    case ValueType::UINT8: v.u = c.read<uint8_t>("value"), v.i = static_cast<int64_t>(v.u); break;
    case ValueType::INT8: set_int(c.read<int8_t>("value")); break;
    case ValueType::UINT16: v.u = c.read<uint16_t>("value"), v.i = static_cast<int64_t>(v.u); break;
    case ValueType::INT16: set_int(c.read<int16_t>("value")); break;
    case ValueType::UINT32: v.u = c.read<uint32_t>("value"), v.i = static_cast<int64_t>(v.u); break;
    case ValueType::INT32: set_int(c.read<int32_t>("value")); break;
    case ValueType::UINT64: v.u = c.read<uint64_t>("value"), v.i = static_cast<int64_t>(v.u); break;
    case ValueType::INT64: set_int(c.read<int64_t>("value")); break;
    case ValueType::FLOAT32: v.f = static_cast<double>(c.read<float>("value")); break;
    case ValueType::FLOAT64: v.f = c.read<double>("value"); break;
    case ValueType::BOOL: {
      const uint8_t b = c.read<uint8_t>("value");
      if (b > 1) c.fail("metadata '" + key + "': bool value " + std::to_string(b) + " is neither 0 nor 1");
      v.b = b != 0;
      break;
    }
    case ValueType::STRING: v.s = c.str("string value"); break;
    case ValueType::ARRAY: {
      if (depth >= File::kMaxDepth) c.fail("metadata '" + key + "': arrays nested deeper than " + std::to_string(File::kMaxDepth));
      const uint32_t et = c.read<uint32_t>("array element type");
      if (!valid_type(et)) c.fail("metadata '" + key + "': unknown array element type " + std::to_string(et));
      v.elem = static_cast<ValueType>(et);
      const uint64_t n = c.read<uint64_t>("array length");
      // Each element takes at least min_size bytes: a count the file cannot hold is refused before reserving.
      if (n > c.left() / min_size(v.elem))
        c.fail("metadata '" + key + "': array of " + std::to_string(n) + " " + value_type_name(v.elem) +
               " values cannot fit in the " + std::to_string(c.left()) + " bytes left in the file");
      // Each element is held as a Value (~100 bytes): a total cap keeps a byte array from growing
      // a hundredfold in memory. Real files hold well under a million (vocabulary, merges, types).
      if (n > budget)
        c.fail("metadata '" + key + "': more than " + std::to_string(File::kMaxArrayElements) + " array elements in the metadata");
      budget -= n;
      v.array.reserve(static_cast<size_t>(n));
      for (uint64_t k = 0; k < n; ++k) v.array.push_back(read_value(c, v.elem, key, depth + 1, budget));
      break;
    }
  }
  return v;
}

}  // namespace

std::string value_type_name(ValueType t) {
  static const char* names[] = {"uint8", "int8", "uint16", "int16", "uint32", "int32", "float32",
                                "bool", "string", "array", "uint64", "int64", "float64"};
  const auto i = static_cast<uint32_t>(t);
  return i <= 12 ? names[i] : "type " + std::to_string(i);
}

bool Value::is_integer() const {
  switch (type) {
    case ValueType::UINT8: case ValueType::INT8: case ValueType::UINT16: case ValueType::INT16: case ValueType::UINT32:
    case ValueType::INT32: case ValueType::UINT64: case ValueType::INT64: return true;
    default: return false;
  }
}

Json Value::to_json() const {
  if (type == ValueType::UINT64) return Json(u);
  if (is_integer()) return Json(i);
  if (is_float()) return Json(f);
  if (type == ValueType::BOOL) return Json(b);
  if (type == ValueType::STRING) return Json(s);
  Json a = Json::array();
  for (const auto& e : array) a.push_back(e.to_json());
  return a;
}

const GgmlType* ggml_type(uint32_t id) {
  for (const auto& t : kTypes)
    if (t.id == id) return &t;
  return nullptr;
}

std::string ggml_type_name(uint32_t id) {
  const GgmlType* t = ggml_type(id);
  return t ? t->name : "type " + std::to_string(id);
}

File File::open(const std::string& path) {
  File f;
  f.path_ = path;
  f.store_ = std::make_shared<Storage>();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw OSError("cannot open GGUF file '" + path + "': " + std::strerror(errno));
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw OSError("'" + path + "' is not a regular file");
  }
  const auto size = static_cast<uint64_t>(st.st_size);
  if (size > 0) {
    void* p = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      ::close(fd);
      throw OSError("cannot mmap '" + path + "': " + std::strerror(errno));
    }
    f.store_->map = p, f.store_->map_size = size;
    f.store_->data = static_cast<const uint8_t*>(p);
  }
  ::close(fd);
  f.store_->size = size;
  f.parse();
  return f;
}

File File::from_bytes(std::string bytes, const std::string& source) {
  File f;
  f.path_ = source;
  f.store_ = std::make_shared<Storage>();
  f.store_->bytes = std::move(bytes);
  f.store_->data = reinterpret_cast<const uint8_t*>(f.store_->bytes.data());
  f.store_->size = f.store_->bytes.size();
  f.parse();
  return f;
}

void File::parse() {
  Cursor c(store_->data, store_->size, path_);
  if (store_->size < 4) c.fail("file is " + std::to_string(store_->size) + " bytes, too small for a GGUF header");
  const uint32_t magic = c.read<uint32_t>("magic");
  if (magic != kMagic) c.fail("not a GGUF file (bad magic; the first 4 bytes must be \"GGUF\")");
  version_ = c.read<uint32_t>("version");
  if (version_ == 1) c.fail("GGUF version 1 (32-bit counts) is not supported; re-convert the file with a current llama.cpp");
  if (version_ != 2 && version_ != 3)
    c.fail("unsupported GGUF version " + std::to_string(version_) + " (2 and 3 are supported; a big-endian file reads as a huge version)");
  const uint64_t n_tensors = c.read<uint64_t>("tensor count");
  const uint64_t n_kv = c.read<uint64_t>("metadata count");
  // A key-value pair takes at least 13 bytes (key length, type, a one-byte value), a tensor info 24.
  if (n_kv > c.left() / 13)
    c.fail("metadata count " + std::to_string(n_kv) + " cannot fit in the " + std::to_string(c.left()) + " bytes of the file");
  uint64_t budget = kMaxArrayElements;
  for (uint64_t k = 0; k < n_kv; ++k) {
    std::string key = c.str("metadata key");
    if (key.empty()) c.fail("metadata entry " + std::to_string(k) + " has an empty key");
    const uint32_t t = c.read<uint32_t>("metadata value type");
    if (!valid_type(t)) c.fail("metadata '" + key + "': unknown value type " + std::to_string(t));
    Value v = read_value(c, static_cast<ValueType>(t), key, 0, budget);
    if (kv_index_.count(key)) c.fail("metadata key '" + key + "' appears twice");
    kv_index_[key] = kv_.size();
    kv_.emplace_back(std::move(key), std::move(v));
  }
  if (const Value* a = find("general.alignment")) {
    if (a->type != ValueType::UINT32) c.fail("general.alignment must be a uint32, got " + value_type_name(a->type));
    if (a->u == 0 || (a->u & (a->u - 1)) != 0) c.fail("general.alignment " + std::to_string(a->u) + " is not a power of two");
    alignment_ = a->u;
  }
  if (n_tensors > c.left() / 24)
    c.fail("tensor count " + std::to_string(n_tensors) + " cannot fit in the " + std::to_string(c.left()) + " bytes of the file");
  tensors_.reserve(static_cast<size_t>(n_tensors));
  for (uint64_t k = 0; k < n_tensors; ++k) {
    TensorInfo ti;
    ti.name = c.str("tensor name");
    const std::string where = "tensor '" + ti.name + "'";
    if (tensor_index_.count(ti.name)) c.fail(where + " appears twice");
    const uint32_t nd = c.read<uint32_t>("tensor dimension count");
    if (nd == 0 || nd > 4) c.fail(where + ": " + std::to_string(nd) + " dimensions (ggml allows 1 to 4)");
    uint64_t numel = 1;
    for (uint32_t d = 0; d < nd; ++d) {
      const uint64_t ne = c.read<uint64_t>("tensor dimension");
      if (ne > static_cast<uint64_t>(INT64_MAX)) c.fail(where + ": dimension " + std::to_string(ne) + " is too large");
      if (__builtin_mul_overflow(numel, ne, &numel)) c.fail(where + ": element count overflows");
      ti.ne.push_back(static_cast<int64_t>(ne));
    }
    ti.shape.assign(ti.ne.rbegin(), ti.ne.rend());
    ti.type = c.read<uint32_t>("tensor type");
    const GgmlType* gt = ggml_type(ti.type);
    if (!gt) c.fail(where + ": unknown ggml type " + std::to_string(ti.type));
    if (ti.ne[0] % gt->block_size != 0)
      c.fail(where + ": " + gt->name + " rows of " + std::to_string(ti.ne[0]) + " elements are not a whole number of " +
             std::to_string(gt->block_size) + "-element blocks");
    uint64_t bytes = static_cast<uint64_t>(ti.ne[0] / gt->block_size);
    if (__builtin_mul_overflow(bytes, static_cast<uint64_t>(gt->type_size), &bytes)) c.fail(where + ": data size overflows");
    for (uint32_t d = 1; d < nd; ++d)
      if (__builtin_mul_overflow(bytes, static_cast<uint64_t>(ti.ne[d]), &bytes)) c.fail(where + ": data size overflows");
    ti.nbytes = bytes;
    ti.offset = c.read<uint64_t>("tensor offset");
    if (ti.offset % alignment_ != 0)
      c.fail(where + ": data offset " + std::to_string(ti.offset) + " is not a multiple of the alignment " + std::to_string(alignment_));
    tensor_index_[ti.name] = tensors_.size();
    tensors_.push_back(std::move(ti));
  }
  // The data section starts at the next multiple of the alignment after the tensor infos.
  const uint64_t pos = c.pos();
  data_offset_ = pos + (alignment_ - pos % alignment_) % alignment_;
  if (data_offset_ < pos || (data_offset_ > store_->size && !tensors_.empty()))
    c.fail("the data section (at offset " + std::to_string(data_offset_) + ") starts past the end of the file (" +
           std::to_string(store_->size) + " bytes)");
  const uint64_t data_bytes = store_->size >= data_offset_ ? store_->size - data_offset_ : 0;
  std::vector<const TensorInfo*> by_off;
  for (auto& t : tensors_) {
    if (t.offset > data_bytes || t.nbytes > data_bytes - t.offset)
      c.fail("tensor '" + t.name + "': " + std::to_string(t.nbytes) + " bytes at data offset " + std::to_string(t.offset) +
             " run past the end of the file (the data section holds " + std::to_string(data_bytes) + " bytes; truncated?)");
    t.data = store_->data + data_offset_ + t.offset;
    by_off.push_back(&t);
  }
  std::sort(by_off.begin(), by_off.end(), [](auto* a, auto* b) { return a->offset < b->offset; });
  for (size_t k = 1; k < by_off.size(); ++k)
    if (by_off[k - 1]->offset + by_off[k - 1]->nbytes > by_off[k]->offset)
      c.fail("tensors '" + by_off[k - 1]->name + "' and '" + by_off[k]->name + "' overlap in the data section");
}

const Value* File::find(const std::string& key) const {
  auto it = kv_index_.find(key);
  return it == kv_index_.end() ? nullptr : &kv_[it->second].second;
}

const Value& File::get(const std::string& key) const {
  const Value* v = find(key);
  if (!v) throw GgufError(path_ + ": metadata key '" + key + "' is missing");
  return *v;
}

int64_t File::get_int(const std::string& key) const {
  const Value& v = get(key);
  if (!v.is_integer()) throw GgufError(path_ + ": metadata '" + key + "' must be an integer, got " + value_type_name(v.type));
  if (v.type == ValueType::UINT64 && v.u > static_cast<uint64_t>(INT64_MAX))
    throw GgufError(path_ + ": metadata '" + key + "' value " + std::to_string(v.u) + " is out of range");
  return v.i;
}

std::optional<int64_t> File::get_int_opt(const std::string& key) const {
  if (!has(key)) return std::nullopt;
  return get_int(key);
}

double File::get_float(const std::string& key) const {
  const Value& v = get(key);
  if (v.is_float()) return v.f;
  return static_cast<double>(get_int(key));
}

bool File::get_bool(const std::string& key, bool def) const {
  const Value* v = find(key);
  if (!v) return def;
  if (v->type != ValueType::BOOL) throw GgufError(path_ + ": metadata '" + key + "' must be a bool, got " + value_type_name(v->type));
  return v->b;
}

std::string File::get_string(const std::string& key) const {
  const Value& v = get(key);
  if (v.type != ValueType::STRING) throw GgufError(path_ + ": metadata '" + key + "' must be a string, got " + value_type_name(v.type));
  return v.s;
}

namespace {
const Value& array_of(const File& f, const std::string& key, bool (*ok)(const Value&), const char* what) {
  const Value& v = f.get(key);
  if (v.type != ValueType::ARRAY) throw GgufError(f.path() + ": metadata '" + key + "' must be an array of " + what);
  for (const auto& e : v.array)
    if (!ok(e)) throw GgufError(f.path() + ": metadata '" + key + "' must be an array of " + what + ", found a " + value_type_name(e.type));
  return v;
}
}  // namespace

std::vector<std::string> File::get_strings(const std::string& key) const {
  const Value& v = array_of(*this, key, [](const Value& e) { return e.type == ValueType::STRING; }, "strings");
  std::vector<std::string> r;
  r.reserve(v.array.size());
  for (const auto& e : v.array) r.push_back(e.s);
  return r;
}

std::vector<double> File::get_floats(const std::string& key) const {
  const Value& v = array_of(*this, key, [](const Value& e) { return e.is_float() || e.is_integer(); }, "numbers");
  std::vector<double> r;
  for (const auto& e : v.array) r.push_back(e.is_float() ? e.f : static_cast<double>(e.i));
  return r;
}

std::vector<int64_t> File::get_ints(const std::string& key) const {
  const Value& v = array_of(*this, key, [](const Value& e) { return e.is_integer(); }, "integers");
  std::vector<int64_t> r;
  for (const auto& e : v.array) r.push_back(e.i);
  return r;
}

const TensorInfo* File::find_tensor(const std::string& name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

Tensor File::tensor(const TensorInfo& t) const {
  DType dt;
  switch (t.type) {
    case 0: dt = DType::F32; break;
    case 1: dt = DType::F16; break;
    case 30: dt = DType::BF16; break;
    case 28: dt = DType::F64; break;
    case 24: dt = DType::I8; break;
    case 25: dt = DType::I16; break;
    case 26: dt = DType::I32; break;
    case 27: dt = DType::I64; break;
    default:
      throw GgufError(path_ + ": tensor '" + t.name + "' is " + ggml_type_name(t.type) + ", a block-quantized type, not a plain tensor");
  }
  auto* p = const_cast<uint8_t*>(t.data);
  if (reinterpret_cast<uintptr_t>(p) % dtype_size(dt) != 0) {  // alignment below the element size: copy
    Tensor copy = Tensor::empty(t.shape, dt);
    if (t.nbytes) std::memcpy(copy.data_ptr(), p, t.nbytes);
    return copy;
  }
  return Tensor::from_blob(p, t.shape, dt, store_);
}

Tensor File::raw_rows(const TensorInfo& t) const {
  const GgmlType* gt = ggml_type(t.type);
  const int64_t rb = t.ne[0] / gt->block_size * gt->type_size;
  int64_t rows = 1;
  for (size_t d = 1; d < t.ne.size(); ++d) rows *= t.ne[d];
  return Tensor::from_blob(const_cast<uint8_t*>(t.data), {rows, rb}, DType::U8, store_);
}

}  // namespace transformers::gguf
