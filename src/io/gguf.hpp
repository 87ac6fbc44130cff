#pragma once
// GGUF (llama.cpp's single-file checkpoint format), versions 2 and 3, little-endian:
//   magic "GGUF", version u32, tensor_count u64, kv_count u64,
//   kv_count x (key string, value type u32, value),
//   tensor_count x (name string, n_dims u32, ne u64 x n_dims, ggml type u32, offset u64),
//   padding to general.alignment (default 32), then the tensor data (offsets relative to it).
// A GGUF file is untrusted input: every count, length, dimension, type, offset and size is checked
// against the bytes actually present (overflow-safe) before anything is allocated or read, and every
// violation is a GgufError naming the file and what is wrong.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "io/json.hpp"
#include "transformers/tensor.hpp"

namespace transformers::gguf {

enum class ValueType : uint32_t {
  UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6, BOOL = 7,
  STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12,
};
std::string value_type_name(ValueType t);

// One metadata value. Integers keep their exact value (u64 in `u`, signed in `i`; both set when the
// value fits both), floats as double (a FLOAT32 widened exactly, as Python's float(np.float32)).
struct Value {
  ValueType type = ValueType::UINT8;
  int64_t i = 0;
  uint64_t u = 0;
  double f = 0;
  bool b = false;
  std::string s;
  ValueType elem = ValueType::UINT8;  // ARRAY: the element type
  std::vector<Value> array;           // ARRAY: the elements (nested arrays allowed)

  bool is_integer() const;
  bool is_float() const { return type == ValueType::FLOAT32 || type == ValueType::FLOAT64; }
  // The value as JSON (arrays recursively), as transformers' _gguf_parse_value reads it.
  Json to_json() const;
};

// ggml's tensor types: block size (elements) and bytes per block, for every id gguf-py knows.
struct GgmlType {
  uint32_t id;
  const char* name;
  int64_t block_size, type_size;
};
const GgmlType* ggml_type(uint32_t id);  // nullptr for an unknown id
std::string ggml_type_name(uint32_t id);  // "Q4_0", or "type 99" when unknown

struct TensorInfo {
  std::string name;
  Shape ne;          // ggml order: ne[0] is the contiguous (innermost) dimension
  Shape shape;       // torch order: ne reversed
  uint32_t type = 0;  // ggml type id
  uint64_t offset = 0;  // relative to the data section
  uint64_t nbytes = 0;
  const uint8_t* data = nullptr;  // into the mapping
};

class File {
 public:
  static constexpr uint64_t kMaxDepth = 16;  // array nesting
  static constexpr uint64_t kMaxArrayElements = uint64_t{1} << 22;  // all metadata arrays together
  static File open(const std::string& path);
  // Parses bytes already in memory (tests, fuzzing); `source` names them in messages.
  static File from_bytes(std::string bytes, const std::string& source = "<memory>");

  const std::string& path() const { return path_; }
  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }

  const std::vector<std::pair<std::string, Value>>& metadata() const { return kv_; }
  const Value* find(const std::string& key) const;
  bool has(const std::string& key) const { return find(key) != nullptr; }
  // Typed getters: GgufError when absent or of another type.
  const Value& get(const std::string& key) const;
  int64_t get_int(const std::string& key) const;
  std::optional<int64_t> get_int_opt(const std::string& key) const;
  double get_float(const std::string& key) const;
  bool get_bool(const std::string& key, bool def) const;
  std::string get_string(const std::string& key) const;
  std::vector<std::string> get_strings(const std::string& key) const;
  std::vector<double> get_floats(const std::string& key) const;
  std::vector<int64_t> get_ints(const std::string& key) const;

  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* find_tensor(const std::string& name) const;
  // A float tensor (F32 / F16 / BF16 / F64 / I8..I64) in torch order: a view of the mapping when
  // aligned, else a copy. Block-quantized types are a GgufError here (see raw_rows).
  Tensor tensor(const TensorInfo& t) const;
  // The raw bytes as U8 [rows, row_bytes] (rows = product of the outer dims): quantized weights.
  Tensor raw_rows(const TensorInfo& t) const;

 private:
  struct Storage;
  void parse();
  std::string path_;
  std::shared_ptr<Storage> store_;
  uint32_t version_ = 0;
  uint64_t alignment_ = 32, data_offset_ = 0;
  std::vector<std::pair<std::string, Value>> kv_;
  std::map<std::string, size_t> kv_index_;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, size_t> tensor_index_;
};

}  // namespace transformers::gguf
