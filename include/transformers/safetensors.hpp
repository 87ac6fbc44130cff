#pragma once
// safetensors: memory-mapped reading (zero-copy views), sharded checkpoints, and writing.
// Validation follows the format exactly; every violation is a SafetensorsError naming file and tensor.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "transformers/export.hpp"
#include "transformers/tensor.hpp"

namespace transformers {

struct TRANSFORMERS_API TensorInfo {
  std::string name;
  DType dtype;
  Shape shape;
  uint64_t begin = 0, end = 0;  // relative to the byte buffer
};

class TRANSFORMERS_API SafeTensorsFile {
 public:
  static constexpr uint64_t kMaxHeaderSize = 100'000'000;
  // in_memory: the file is read into anonymous memory with transparent huge pages asked for
  // (tensors streamed at memory bandwidth, as decode does, need few TLB misses); otherwise tensors
  // point into a read-only memory map of the file (no copy, instant).
  static SafeTensorsFile open(const std::string& path, bool in_memory = false);
  // Tensors already in memory (a pickled pytorch_model.bin, read by our restricted reader) served
  // through the same interface; `path` names their source in messages.
  static SafeTensorsFile from_tensors(const std::string& path, std::vector<std::pair<std::string, Tensor>> tensors);
  // A .safetensors file, or a pickled PyTorch checkpoint (.bin / .pt / .pth / .ckpt) read without
  // executing anything.
  static SafeTensorsFile open_any(const std::string& path, bool in_memory = false);

  const std::string& path() const { return path_; }
  const std::vector<TensorInfo>& tensors() const { return tensors_; }  // in file order
  bool contains(const std::string& name) const { return index_.count(name) != 0; }
  const TensorInfo& info(const std::string& name) const;
  // A view over the mapping (no copy) when the data is aligned for its dtype, else an aligned copy.
  Tensor get(const std::string& name) const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  // The mapped file, for zero-copy checks.
  const void* mapping_data() const;
  size_t mapping_size() const;

 private:
  struct Mapping;
  std::string path_;
  std::shared_ptr<Mapping> map_;
  uint64_t data_start_ = 0;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, size_t> index_;
  std::map<std::string, std::string> metadata_;
  std::vector<Tensor> owned_;  // from_tensors: the tensors themselves, in tensors_ order
};

// Writes tensors (any CPU dtype except float8) the way the Python writer does: sorted by dtype
// alignment then name, header padded with spaces to 8 bytes. Atomic: written to a temp file, renamed.
TRANSFORMERS_API void save_safetensors(const std::vector<std::pair<std::string, Tensor>>& tensors, const std::string& path,
                      const std::map<std::string, std::string>& metadata = {});

// The distinct shard file names listed by a model.safetensors.index.json, in first-seen order.
TRANSFORMERS_API std::vector<std::string> list_shards(const std::string& index_path);

// A whole checkpoint: one file, or the shards listed in model.safetensors.index.json (or
// pytorch_model.bin / pytorch_model.bin.index.json: pickled PyTorch weights).
class TRANSFORMERS_API Checkpoint {
 public:
  // `path` is a .safetensors or pytorch_model.bin file, or an .index.json listing shards of either.
  static Checkpoint open(const std::string& path, bool in_memory = false);
  // Tensors already in memory (a GGUF file's, renamed to HF keys) as one checkpoint; `description` names them in messages.
  static Checkpoint from_tensors(const std::string& description, std::vector<std::pair<std::string, Tensor>> tensors);
  std::vector<std::string> keys() const;  // sorted
  bool contains(const std::string& key) const { return where_.count(key) != 0; }
  Tensor get(const std::string& key) const;
  const TensorInfo& info(const std::string& key) const;
  const std::vector<SafeTensorsFile>& files() const { return files_; }
  std::string description() const { return path_; }

 private:
  std::string path_;
  std::vector<SafeTensorsFile> files_;
  std::map<std::string, size_t> where_;
};

}  // namespace transformers
