#include "transformers/safetensors.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "io/json.hpp"
#include "io/torch_pickle.hpp"
#include "transformers/errors.hpp"

namespace transformers {

struct SafeTensorsFile::Mapping {
  void* data = nullptr;
  size_t size = 0;
  ~Mapping() {
    if (data && size) munmap(data, size);
  }
};

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& msg) {
  throw SafetensorsError(path + ": " + msg);
}

uint64_t read_u64_le(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

SafeTensorsFile SafeTensorsFile::open(const std::string& path, bool in_memory) {
  SafeTensorsFile f;
  f.path_ = path;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw OSError("cannot open safetensors file '" + path + "': " + std::strerror(errno));
  struct stat st{};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw OSError("'" + path + "' is not a regular file");
  }
  const auto fsize = static_cast<uint64_t>(st.st_size);
  f.map_ = std::make_shared<Mapping>();
  if (fsize > 0 && in_memory) {
    void* p = mmap(nullptr, fsize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
      ::close(fd);
      throw OSError("cannot allocate " + std::to_string(fsize) + " bytes for '" + path + "': " + std::strerror(errno));
    }
    f.map_->data = p;
    f.map_->size = fsize;
    madvise(p, fsize, MADV_HUGEPAGE);
    // Read in chunks over the threads; a short read (the file shrank under us) is an error.
    constexpr uint64_t kChunk = uint64_t{64} << 20;
    const int64_t chunks = static_cast<int64_t>((fsize + kChunk - 1) / kChunk);
    bool ok = true;
#pragma omp parallel for schedule(dynamic) reduction(&& : ok)
    for (int64_t c = 0; c < chunks; ++c) {
      const uint64_t off = static_cast<uint64_t>(c) * kChunk, len = std::min(kChunk, fsize - off);
      for (uint64_t done = 0; done < len;) {
        const ssize_t r = ::pread(fd, static_cast<char*>(p) + off + done, len - done, static_cast<off_t>(off + done));
        if (r <= 0) {
          if (r < 0 && errno == EINTR) continue;
          ok = false;
          break;
        }
        done += static_cast<uint64_t>(r);
      }
    }
    if (!ok) {
      ::close(fd);
      throw OSError("error reading '" + path + "'");
    }
  } else if (fsize > 0) {
    void* p = mmap(nullptr, fsize, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      ::close(fd);
      throw OSError("cannot mmap '" + path + "': " + std::strerror(errno));
    }
    f.map_->data = p;
    f.map_->size = fsize;
  }
  ::close(fd);
  if (fsize < 8) fail(path, "file is " + std::to_string(fsize) + " bytes, too small for the 8-byte header length");
  const auto* bytes = static_cast<const unsigned char*>(f.map_->data);
  const uint64_t n = read_u64_le(bytes);
  if (n > kMaxHeaderSize) fail(path, "header length " + std::to_string(n) + " exceeds the 100000000-byte limit");
  if (n > fsize - 8) fail(path, "header length " + std::to_string(n) + " runs past the end of the file (" + std::to_string(fsize) + " bytes)");
  std::string header(reinterpret_cast<const char*>(bytes + 8), n);
  if (header.empty() || header[0] != '{') fail(path, "header does not start with '{'");

  // nlohmann keeps the last of duplicate keys; the format forbids duplicates, so watch for them.
  std::set<std::string> seen;
  std::string dup;
  Json j;
  try {
    j = Json::parse(header, [&](int depth, Json::parse_event_t ev, Json& parsed) {
      if (depth == 1 && ev == Json::parse_event_t::key) {
        const auto& k = parsed.get_ref<const std::string&>();
        if (!seen.insert(k).second && dup.empty()) dup = k;
      }
      return true;
    });
  } catch (const Json::exception& e) {  // parse_error, or out_of_range for a number beyond a double
    fail(path, std::string("header is not valid JSON: ") + e.what());
  }
  if (!dup.empty()) fail(path, "tensor '" + dup + "' appears twice in the header");
  if (!j.is_object()) fail(path, "header is not a JSON object");

  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& name = it.key();
    const Json& v = it.value();
    if (name == "__metadata__") {
      if (!v.is_object()) fail(path, "__metadata__ must be an object of strings");
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (!m.value().is_string()) fail(path, "__metadata__ value for '" + m.key() + "' is not a string");
        f.metadata_[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    const std::string where = "tensor '" + name + "'";
    if (!v.is_object()) fail(path, where + ": entry is not an object");
    if (!v.contains("dtype") || !v["dtype"].is_string()) fail(path, where + ": missing or non-string 'dtype'");
    if (!v.contains("shape") || !v["shape"].is_array()) fail(path, where + ": missing or non-array 'shape'");
    if (!v.contains("data_offsets") || !v["data_offsets"].is_array() || v["data_offsets"].size() != 2)
      fail(path, where + ": 'data_offsets' must be [begin, end]");
    TensorInfo ti;
    ti.name = name;
    try {
      ti.dtype = dtype_from_safetensors(v["dtype"].get<std::string>());
    } catch (const UnsupportedDType& e) {
      fail(path, where + ": " + e.what());
    }
    uint64_t bytes_needed = dtype_size(ti.dtype);
    for (const auto& d : v["shape"]) {
      if (!d.is_number_unsigned()) fail(path, where + ": shape entries must be non-negative integers");
      const auto dim = d.get<uint64_t>();
      if (dim > static_cast<uint64_t>(INT64_MAX)) fail(path, where + ": shape entry " + d.dump() + " is too large");
      if (__builtin_mul_overflow(bytes_needed, dim, &bytes_needed)) fail(path, where + ": shape overflows");
      ti.shape.push_back(static_cast<int64_t>(dim));
    }
    for (const auto& o : v["data_offsets"])
      if (!o.is_number_unsigned()) fail(path, where + ": data_offsets must be non-negative integers");
    ti.begin = v["data_offsets"][0].get<uint64_t>();
    ti.end = v["data_offsets"][1].get<uint64_t>();
    if (ti.end < ti.begin) fail(path, where + ": data_offsets end " + std::to_string(ti.end) + " < begin " + std::to_string(ti.begin));
    if (ti.end - ti.begin != bytes_needed)
      fail(path, where + ": shape " + shape_str(ti.shape) + " x " + dtype_safetensors_name(ti.dtype) + " needs " +
                     std::to_string(bytes_needed) + " bytes but data_offsets span " + std::to_string(ti.end - ti.begin));
    f.tensors_.push_back(std::move(ti));
  }
  // The buffer must be covered exactly: sorted by offset, no holes, no overlaps, no tail.
  std::vector<const TensorInfo*> by_off;
  for (const auto& t : f.tensors_) by_off.push_back(&t);
  std::stable_sort(by_off.begin(), by_off.end(), [](auto* a, auto* b) { return a->begin < b->begin || (a->begin == b->begin && a->end < b->end); });
  uint64_t expect = 0;
  for (const TensorInfo* t : by_off) {
    if (t->begin != expect)
      fail(path, "tensor '" + t->name + "': data_offsets begin at " + std::to_string(t->begin) + " but the previous tensor ends at " +
                     std::to_string(expect) + (t->begin < expect ? " (overlap)" : " (hole)"));
    expect = t->end;
  }
  const uint64_t buffer = fsize - 8 - n;
  if (expect != buffer)
    fail(path, "byte buffer is " + std::to_string(buffer) + " bytes but the tensors cover " + std::to_string(expect) +
                   (expect > buffer ? " (file truncated or offsets out of range)" : " (trailing bytes)"));
  f.data_start_ = 8 + n;
  std::stable_sort(f.tensors_.begin(), f.tensors_.end(), [](const TensorInfo& a, const TensorInfo& b) { return a.begin < b.begin; });
  for (size_t i = 0; i < f.tensors_.size(); ++i) f.index_[f.tensors_[i].name] = i;
  return f;
}

SafeTensorsFile SafeTensorsFile::from_tensors(const std::string& path, std::vector<std::pair<std::string, Tensor>> tensors) {
  SafeTensorsFile f;
  f.path_ = path;
  f.map_ = std::make_shared<Mapping>();
  uint64_t off = 0;
  for (auto& [name, t] : tensors) {
    if (f.index_.count(name)) fail(path, "tensor '" + name + "' appears twice");
    TensorInfo ti;
    ti.name = name, ti.dtype = t.dtype(), ti.shape = t.shape(), ti.begin = off, ti.end = off + t.nbytes();
    off = ti.end;
    f.index_[name] = f.tensors_.size();
    f.tensors_.push_back(std::move(ti));
    f.owned_.push_back(t.contiguous());
  }
  return f;
}

SafeTensorsFile SafeTensorsFile::open_any(const std::string& path, bool in_memory) {
  if (is_torch_checkpoint_path(path)) return from_tensors(path, load_torch_state_dict(path));
  return open(path, in_memory);
}

const TensorInfo& SafeTensorsFile::info(const std::string& name) const {
  auto it = index_.find(name);
  if (it == index_.end()) throw WeightNotFound(name, "", "'" + path_ + "'");
  return tensors_[it->second];
}

Tensor SafeTensorsFile::get(const std::string& name) const {
  const TensorInfo& ti = info(name);
  if (!owned_.empty()) return owned_[index_.at(name)];
  char* p = static_cast<char*>(map_->data) + data_start_ + ti.begin;
  Tensor view = Tensor::from_blob(p, ti.shape, ti.dtype, map_);
  // Misaligned data (a header length that is not a multiple of 8) would make typed loads UB.
  if (reinterpret_cast<uintptr_t>(p) % dtype_size(ti.dtype) != 0) {
    Tensor copy = Tensor::empty(ti.shape, ti.dtype);
    std::memcpy(copy.data_ptr(), p, ti.end - ti.begin);
    return copy;
  }
  return view;
}

const void* SafeTensorsFile::mapping_data() const { return map_->data; }
size_t SafeTensorsFile::mapping_size() const { return map_->size; }

void save_safetensors(const std::vector<std::pair<std::string, Tensor>>& tensors, const std::string& path,
                      const std::map<std::string, std::string>& metadata) {
  std::vector<std::pair<std::string, Tensor>> sorted;
  std::set<std::string> names;
  for (const auto& [name, t] : tensors) {
    if (!t.defined()) throw ValueError("save_safetensors: tensor '" + name + "' is undefined");
    if (name == "__metadata__") throw ValueError("save_safetensors: '__metadata__' is reserved");
    if (!names.insert(name).second) throw ValueError("save_safetensors: duplicate tensor name '" + name + "'");
    sorted.emplace_back(name, t.to(Device::cpu()).contiguous());
  }
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    const size_t sa = dtype_size(a.second.dtype()), sb = dtype_size(b.second.dtype());
    return sa != sb ? sa > sb : a.first < b.first;
  });
  Json header = Json::object();
  if (!metadata.empty()) {
    Json m = Json::object();
    for (const auto& [k, v] : metadata) m[k] = v;
    header["__metadata__"] = m;
  }
  uint64_t off = 0;
  for (const auto& [name, t] : sorted) {
    Json e;
    e["dtype"] = dtype_safetensors_name(t.dtype());
    e["shape"] = t.shape();
    e["data_offsets"] = {off, off + t.nbytes()};
    header[name] = e;
    off += t.nbytes();
  }
  std::string h = header.dump();
  h.append((8 - h.size() % 8) % 8, ' ');
  const std::string tmp = path + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw OSError("cannot write '" + tmp + "'");
    unsigned char len[8];
    uint64_t n = h.size();
    for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(n >> (8 * i));
    out.write(reinterpret_cast<const char*>(len), 8);
    out.write(h.data(), static_cast<std::streamsize>(h.size()));
    for (const auto& [name, t] : sorted) out.write(static_cast<const char*>(t.data_ptr()), static_cast<std::streamsize>(t.nbytes()));
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      throw OSError("error writing '" + tmp + "'");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw OSError("cannot rename '" + tmp + "' to '" + path + "'");
  }
}

std::vector<std::string> list_shards(const std::string& index_path) {
  Json idx = parse_json_file(index_path);
  if (!idx.is_object() || !idx.contains("weight_map") || !idx["weight_map"].is_object())
    throw SafetensorsError(index_path + ": index has no 'weight_map' object");
  std::vector<std::string> shards;
  for (auto it = idx["weight_map"].begin(); it != idx["weight_map"].end(); ++it) {
    if (!it.value().is_string()) throw SafetensorsError(index_path + ": weight_map entry for '" + it.key() + "' is not a string");
    const std::string s = it.value().get<std::string>();
    if (std::find(shards.begin(), shards.end(), s) == shards.end()) shards.push_back(s);
  }
  return shards;
}

Checkpoint Checkpoint::open(const std::string& path, bool in_memory) {
  Checkpoint c;
  c.path_ = path;
  const std::string suffix = ".index.json";
  if (path.size() > suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0) {
    Json idx = parse_json_file(path);
    if (!idx.is_object() || !idx.contains("weight_map") || !idx["weight_map"].is_object())
      throw SafetensorsError(path + ": index has no 'weight_map' object");
    const auto dir = std::filesystem::path(path).parent_path();
    std::map<std::string, size_t> shard_ids;
    for (auto it = idx["weight_map"].begin(); it != idx["weight_map"].end(); ++it) {
      if (!it.value().is_string()) throw SafetensorsError(path + ": weight_map entry for '" + it.key() + "' is not a string");
      const std::string shard = it.value().get<std::string>();
      if (shard.find("..") != std::string::npos || (!shard.empty() && shard[0] == '/'))
        throw SafetensorsError(path + ": shard name '" + shard + "' escapes the checkpoint folder");
      if (!shard_ids.count(shard)) {
        shard_ids[shard] = c.files_.size();
        c.files_.push_back(SafeTensorsFile::open_any((dir / shard).string(), in_memory));
      }
      const size_t fi = shard_ids[shard];
      if (!c.files_[fi].contains(it.key()))
        throw WeightNotFound(it.key(), "", "shard '" + c.files_[fi].path() + "' (listed in " + path + ")");
      c.where_[it.key()] = fi;
    }
  } else {
    c.files_.push_back(SafeTensorsFile::open_any(path, in_memory));
    for (const auto& t : c.files_[0].tensors()) c.where_[t.name] = 0;
  }
  return c;
}

Checkpoint Checkpoint::from_tensors(const std::string& description, std::vector<std::pair<std::string, Tensor>> tensors) {
  Checkpoint c;
  c.path_ = description;
  c.files_.push_back(SafeTensorsFile::from_tensors(description, std::move(tensors)));
  for (const auto& t : c.files_[0].tensors()) c.where_[t.name] = 0;
  return c;
}

std::vector<std::string> Checkpoint::keys() const {
  std::vector<std::string> k;
  for (const auto& [name, _] : where_) k.push_back(name);
  return k;
}

Tensor Checkpoint::get(const std::string& key) const {
  auto it = where_.find(key);
  if (it == where_.end()) throw WeightNotFound(key, "", path_);
  return files_[it->second].get(key);
}

const TensorInfo& Checkpoint::info(const std::string& key) const {
  auto it = where_.find(key);
  if (it == where_.end()) throw WeightNotFound(key, "", path_);
  return files_[it->second].info(key);
}

}  // namespace transformers
