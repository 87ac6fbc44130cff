// safetensors: round trips and every way a hostile or broken file must be refused.
#include <fstream>

#include "io/json.hpp"
#include "test_util.hpp"

using namespace transformers;
using testutil::TempDir;

namespace {
void write_raw(const std::string& path, uint64_t header_len, const std::string& header, const std::string& data) {
  std::ofstream f(path, std::ios::binary);
  for (int i = 0; i < 8; ++i) f.put(static_cast<char>(header_len >> (8 * i)));
  f << header << data;
}
void write_file(const std::string& path, const std::string& header, size_t data_bytes) {
  write_raw(path, header.size(), header, std::string(data_bytes, '\0'));
}
// Expects SafetensorsError mentioning every fragment.
void expect_error(const std::string& path, std::initializer_list<const char*> fragments) {
  try {
    SafeTensorsFile::open(path);
    ADD_FAILURE() << "no error for " << path;
  } catch (const SafetensorsError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find(path), std::string::npos) << m;
    for (const char* f : fragments) EXPECT_NE(m.find(f), std::string::npos) << "'" << f << "' not in: " << m;
  }
}
}  // namespace

TEST(Safetensors, RoundTripAllDtypes) {
  TempDir d;
  std::vector<std::pair<std::string, Tensor>> ts;
  int i = 0;
  for (DType dt : {DType::F32, DType::F16, DType::BF16, DType::F64, DType::I64, DType::I32, DType::I16, DType::I8, DType::U8,
                   DType::Bool}) {
    ts.emplace_back("t" + std::to_string(i++), Tensor::from_floats({1, 0, 3, 4, 5, 6}, {2, 3}).to(dt));
  }
  ts.emplace_back("scalar", Tensor::from_floats({7}, {}));
  ts.emplace_back("empty", Tensor::empty({0, 4}));
  save_safetensors(ts, d / "x.safetensors", {{"format", "pt"}});
  SafeTensorsFile f = SafeTensorsFile::open(d / "x.safetensors");
  EXPECT_EQ(f.metadata().at("format"), "pt");
  ASSERT_EQ(f.tensors().size(), ts.size());
  for (const auto& [name, t] : ts) {
    Tensor r = f.get(name);
    EXPECT_EQ(r.dtype(), t.dtype()) << name;
    EXPECT_EQ(r.shape(), t.shape()) << name;
    EXPECT_EQ(r.to_floats(), t.to_floats()) << name;
  }
  // Data starts 8-byte aligned, so every tensor is a view into the mapping.
  Tensor v = f.get("t0");
  EXPECT_TRUE(v.shares_memory_with(f.mapping_data(), f.mapping_size()));
  // Python's order: larger dtypes first, then by name.
  EXPECT_EQ(f.tensors().front().dtype, DType::F64);
}

TEST(Safetensors, Float8ReadAndCast) {
  TempDir d;
  const std::string h = R"({"a":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"F8_E5M2","shape":[1],"data_offsets":[2,3]}})";
  write_raw(d / "f8.safetensors", h.size(), h, std::string("\x38\x7e\x3c", 3));
  SafeTensorsFile f = SafeTensorsFile::open(d / "f8.safetensors");
  EXPECT_EQ(f.get("a").to_floats(), (std::vector<float>{1.0f, 448.0f}));
  EXPECT_EQ(f.get("b").to(DType::F32).to_floats(), (std::vector<float>{1.0f}));
}

TEST(Safetensors, MisalignedDataIsCopiedNotMisread) {
  TempDir d;
  std::string h = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  while ((8 + h.size()) % 4 != 1) h += ' ';  // trailing spaces are legal; data lands off a 4-byte boundary
  float v[2] = {1.5f, -2.0f};
  write_raw(d / "m.safetensors", h.size(), h, std::string(reinterpret_cast<char*>(v), 8));
  SafeTensorsFile f = SafeTensorsFile::open(d / "m.safetensors");
  Tensor a = f.get("a");
  EXPECT_EQ(a.to_floats(), (std::vector<float>{1.5f, -2.0f}));
  EXPECT_FALSE(a.shares_memory_with(f.mapping_data(), f.mapping_size()));
}

TEST(Safetensors, HostileFiles) {
  TempDir d;
  const std::string ok = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  write_raw(d / "short", 0, "", "");
  { std::ofstream(d / "short", std::ios::binary | std::ios::trunc) << "abc"; }
  expect_error(d / "short", {"too small"});
  write_raw(d / "huge", 200'000'000, "{", "");
  expect_error(d / "huge", {"exceeds"});
  write_raw(d / "past_end", 4096, ok, std::string(8, '\0'));
  expect_error(d / "past_end", {"past the end"});
  write_file(d / "notjson", "{\"a\": [1, 2", 0);
  expect_error(d / "notjson", {"not valid JSON"});
  write_file(d / "nobrace", "[1,2,3]", 0);
  expect_error(d / "nobrace", {"'{'"});
  write_file(d / "truncated", ok, 4);
  expect_error(d / "truncated", {"truncated"});
  write_file(d / "trailing", ok, 12);
  expect_error(d / "trailing", {"trailing"});
  write_file(d / "overlap",
             R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8);
  expect_error(d / "overlap", {"'b'", "overlap"});
  write_file(d / "hole", R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8);
  expect_error(d / "hole", {"'a'", "hole"});
  write_file(d / "out_of_range", R"({"a":{"dtype":"F32","shape":[1000000],"data_offsets":[0,4000000]}})", 16);
  expect_error(d / "out_of_range", {"truncated"});
  write_file(d / "mismatch", R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8);
  expect_error(d / "mismatch", {"'a'", "needs 12 bytes"});
  write_file(d / "baddtype", R"({"a":{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}})", 8);
  expect_error(d / "baddtype", {"'a'", "Q7"});
  write_file(d / "negshape", R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8);
  expect_error(d / "negshape", {"'a'", "non-negative"});
  write_file(d / "overflow", R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", 8);
  expect_error(d / "overflow", {"'a'", "overflow"});
  write_file(d / "endbegin", R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})", 8);
  expect_error(d / "endbegin", {"'a'"});
  write_file(d / "meta", R"({"__metadata__":{"format":1},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 8);
  expect_error(d / "meta", {"__metadata__", "format"});
  write_file(d / "dup",
             R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8);
  expect_error(d / "dup", {"'a'", "twice"});
  write_file(d / "nooffsets", R"({"a":{"dtype":"F32","shape":[2]}})", 8);
  expect_error(d / "nooffsets", {"'a'", "data_offsets"});
  EXPECT_THROW(SafeTensorsFile::open(d / "does-not-exist"), OSError);
  EXPECT_THROW(SafeTensorsFile::open(d.path.string()), OSError);  // a directory
}

TEST(Safetensors, ShardIndexValidation) {
  TempDir d;
  save_safetensors({{"a", Tensor::from_floats({1}, {1})}}, d / "s1.safetensors");
  { std::ofstream(d / "idx.safetensors.index.json") << R"({"weight_map":{"a":"s1.safetensors","b":"s1.safetensors"}})"; }
  EXPECT_THROW(Checkpoint::open(d / "idx.safetensors.index.json"), WeightNotFound);
  { std::ofstream(d / "esc.safetensors.index.json") << R"({"weight_map":{"a":"../etc/passwd"}})"; }
  EXPECT_THROW(Checkpoint::open(d / "esc.safetensors.index.json"), SafetensorsError);
  { std::ofstream(d / "bad.safetensors.index.json") << R"({"weights":{}})"; }
  EXPECT_THROW(Checkpoint::open(d / "bad.safetensors.index.json"), SafetensorsError);
  { std::ofstream(d / "good.safetensors.index.json") << R"({"metadata":{},"weight_map":{"a":"s1.safetensors"}})"; }
  Checkpoint c = Checkpoint::open(d / "good.safetensors.index.json");
  EXPECT_EQ(c.keys(), (std::vector<std::string>{"a"}));
  EXPECT_EQ(c.get("a").to_floats(), (std::vector<float>{1}));
  EXPECT_THROW(c.get("zz"), WeightNotFound);
}

TEST(Safetensors, WriterRejectsBadInput) {
  TempDir d;
  EXPECT_THROW(save_safetensors({{"a", Tensor()}}, d / "x"), ValueError);
  EXPECT_THROW(save_safetensors({{"a", Tensor::zeros({1})}, {"a", Tensor::zeros({1})}}, d / "x"), ValueError);
  EXPECT_THROW(save_safetensors({{"a", Tensor::zeros({1})}}, "/nonexistent-dir/x.safetensors"), OSError);
  EXPECT_FALSE(std::filesystem::exists(d / "x"));
}
