// pytorch_model.bin: checkpoints written by torch.save (fixtures/torch_bin, scripts/
// make_torch_bin_fixtures.py) load through the Auto classes to Python's outputs, and hostile
// pickles / archives, built here byte by byte, are each a TorchPickleError: never code execution,
// a crash, a hang or a huge allocation.
#include <fstream>

#include "io/torch_pickle.hpp"
#include "test_util.hpp"

using namespace transformers;
namespace fs = std::filesystem;
using testutil::fixture;
using testutil::TempDir;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

::testing::AssertionResult same_bytes(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape())
    return ::testing::AssertionFailure() << dtype_name(a.dtype()) << shape_str(a.shape()) << " vs " << dtype_name(b.dtype()) << shape_str(b.shape());
  const Tensor x = a.contiguous(), y = b.contiguous();
  if (std::memcmp(x.data_ptr(), y.data_ptr(), x.nbytes()) != 0) return ::testing::AssertionFailure() << "values differ";
  return ::testing::AssertionSuccess();
}

// ---- byte builders for hand-made archives and pickles
std::string le(uint64_t v, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
  return s;
}

// A zip of stored records, laid out as torch.save lays them out (local headers, directory, end).
std::string zip(const std::vector<std::pair<std::string, std::string>>& files) {
  std::string out, cd;
  for (const auto& [name, data] : files) {
    const uint64_t off = out.size();
    out += le(0x04034b50, 4) + le(20, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(0, 4) + le(data.size(), 4) + le(data.size(), 4) +
           le(name.size(), 2) + le(0, 2) + name + data;
    cd += le(0x02014b50, 4) + le(20, 2) + le(20, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(0, 4) + le(data.size(), 4) +
          le(data.size(), 4) + le(name.size(), 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(off, 4) + name;
  }
  const uint64_t cd_off = out.size();
  out += cd;
  out += le(0x06054b50, 4) + le(0, 2) + le(0, 2) + le(files.size(), 2) + le(files.size(), 2) + le(cd.size(), 4) + le(cd_off, 4) + le(0, 2);
  return out;
}

// Pickle pieces (protocol 2, as torch.save writes).
std::string U(const std::string& s) { return "X" + le(s.size(), 4) + s; }  // BINUNICODE
std::string G(const std::string& module, const std::string& name) { return "c" + module + "\n" + name + "\n"; }
std::string I(int v) { return "J" + le(static_cast<uint32_t>(v), 4); }  // BININT
std::string tuple(const std::vector<std::string>& items) {
  std::string s = "(";
  for (const auto& i : items) s += i;
  return s + "t";
}
// ('storage', torch.<type>, key, 'cpu', numel) loaded by BINPERSID.
std::string storage(const std::string& key, int numel, const std::string& type = "FloatStorage") {
  return tuple({U("storage"), G("torch", type), U(key), U("cpu"), I(numel)}) + "Q";
}
// torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())
std::string tensor(const std::string& storage_pickle, int offset, const std::vector<int>& size, const std::vector<int>& stride) {
  std::vector<std::string> sz, st;
  for (int v : size) sz.push_back(I(v));
  for (int v : stride) st.push_back(I(v));
  return G("torch._utils", "_rebuild_tensor_v2") +
         tuple({storage_pickle, I(offset), tuple(sz), tuple(st), "\x89", G("collections", "OrderedDict") + ")R"}) + "R";
}
// {name: value} as torch pickles a state dict: OrderedDict() then SETITEMS.
std::string state_dict(const std::vector<std::pair<std::string, std::string>>& items) {
  std::string s = "\x80\x02" + G("collections", "OrderedDict") + ")R(";
  for (const auto& [k, v] : items) s += U(k) + v;
  return s + "u.";
}
std::string floats(const std::vector<float>& v) { return std::string(reinterpret_cast<const char*>(v.data()), v.size() * 4); }
std::string archive(const std::string& pkl, const std::vector<std::pair<std::string, std::string>>& records = {}) {
  std::vector<std::pair<std::string, std::string>> files{{"archive/data.pkl", pkl}, {"archive/byteorder", "little"}};
  for (const auto& [k, v] : records) files.emplace_back("archive/data/" + k, v);
  return zip(files);
}

StateDict load(const std::string& bytes) { return load_torch_state_dict_from_bytes(bytes, "hostile.bin"); }

// The message of the TorchPickleError `bytes` raise; a failure if they load or raise anything else.
std::string refused(const std::string& bytes) {
  try {
    load(bytes);
  } catch (const TorchPickleError& e) {
    return e.what();
  }
  ADD_FAILURE() << "loaded without a TorchPickleError";
  return "";
}

const std::string kW = floats({1, 2, 3, 4, 5, 6});

}  // namespace

TEST(TorchBin, BertMatchesPython) {
  const std::string dir = fixture("torch_bin/bert");
  const SafeTensorsFile gold = SafeTensorsFile::open(dir + "/goldens.safetensors");
  const ModelInputs in{{"input_ids", gold.get("input_ids")}, {"attention_mask", gold.get("attention_mask")}};
  auto base = AutoModel::from_pretrained(dir);  // "bert." prefix stripped, as for safetensors
  EXPECT_TRUE(testutil::allclose(base->forward(in)["last_hidden_state"], gold.get("last_hidden_state")));
  auto mlm = AutoModelForMaskedLM::from_pretrained(dir);
  EXPECT_TRUE(testutil::allclose(mlm->forward(in)["logits"], gold.get("logits")));
}

TEST(TorchBin, ShardedIndexMatchesPython) {
  const std::string dir = fixture("torch_bin/bert-sharded");
  const SafeTensorsFile gold = SafeTensorsFile::open(dir + "/goldens.safetensors");
  auto m = AutoModel::from_pretrained(dir);
  EXPECT_TRUE(testutil::allclose(
      m->forward({{"input_ids", gold.get("input_ids")}, {"attention_mask", gold.get("attention_mask")}})["last_hidden_state"],
      gold.get("last_hidden_state")));
}

TEST(TorchBin, Gpt2TiedWeightsZipAndLegacyFormats) {
  for (const std::string name : {"gpt2", "gpt2-legacy"}) {
    SCOPED_TRACE(name);
    const std::string dir = fixture("torch_bin/" + name);
    const SafeTensorsFile gold = SafeTensorsFile::open(dir + "/goldens.safetensors");
    auto m = AutoModelForCausalLM::from_pretrained(dir);
    EXPECT_TRUE(testutil::allclose(m->forward({{"input_ids", gold.get("input_ids")}})["logits"], gold.get("logits")));
  }
  // Both names of the shared storage come out, equal.
  const StateDict sd = load_torch_state_dict(fixture("torch_bin/gpt2/pytorch_model.bin"));
  const Tensor* wte = nullptr;
  const Tensor* head = nullptr;
  for (const auto& [k, t] : sd) {
    if (k == "transformer.wte.weight") wte = &t;
    if (k == "lm_head.weight") head = &t;
  }
  ASSERT_TRUE(wte && head);
  EXPECT_TRUE(same_bytes(*wte, *head));
}

TEST(TorchBin, Bf16CheckpointMatchesPython) {
  const std::string dir = fixture("torch_bin/llama-bf16");
  const SafeTensorsFile gold = SafeTensorsFile::open(dir + "/goldens.safetensors");
  FromPretrainedOptions o;
  o.dtype = "float32";
  auto m = AutoModelForCausalLM::from_pretrained(dir, o);
  EXPECT_TRUE(testutil::allclose(m->forward({{"input_ids", gold.get("input_ids")}})["logits"], gold.get("logits")));
  EXPECT_EQ(AutoModelForCausalLM::from_pretrained(dir)->get_parameter("model.layers.0.mlp.up_proj.weight").dtype(), DType::BF16);
}

TEST(TorchBin, EveryDtypeViewsAndByteOrder) {
  const SafeTensorsFile expected = SafeTensorsFile::open(fixture("torch_bin/tensors/expected.safetensors"));
  for (const std::string file : {"tensors.bin", "big_endian.bin"}) {
    SCOPED_TRACE(file);
    const StateDict sd = load_torch_state_dict(fixture("torch_bin/tensors/" + file));
    EXPECT_EQ(sd.size(), file == "tensors.bin" ? expected.tensors().size() : 8u);
    for (const auto& [k, t] : sd) {
      SCOPED_TRACE(k);
      EXPECT_TRUE(same_bytes(t, expected.get(k)));
    }
  }
}

TEST(TorchBin, SafetensorsPreferredAndMissingFiles) {
  // As in Python: model.safetensors wins; the .bin is not even opened.
  TempDir d;
  for (const char* f : {"config.json", "model.safetensors"}) fs::copy_file(fixture(std::string("bert/base/") + f), d / f);
  std::ofstream(d / "pytorch_model.bin") << "not a checkpoint";
  EXPECT_NO_THROW(AutoModel::from_pretrained(d.path.string()));
  // Only a hostile .bin: the typed error, through from_pretrained.
  TempDir e;
  fs::copy_file(fixture("bert/base/config.json"), e / "config.json");
  std::ofstream(e / "pytorch_model.bin", std::ios::binary) << archive(state_dict({{"w", G("os", "system")}}));
  EXPECT_THROW(AutoModel::from_pretrained(e.path.string()), TorchPickleError);
  // An index naming a shard outside the folder.
  TempDir f;
  fs::copy_file(fixture("bert/base/config.json"), f / "config.json");
  std::ofstream(f / "pytorch_model.bin.index.json") << R"({"weight_map": {"w": "../evil.bin"}})";
  EXPECT_THROW(AutoModel::from_pretrained(f.path.string()), Error);
}

TEST(TorchBin, HandBuiltArchiveLoads) {
  // The builders above make a valid file; the hostile ones below each break one thing.
  const std::string pkl = state_dict({{"w", tensor(storage("0", 6), 0, {2, 3}, {3, 1})}, {"v", tensor(storage("0", 6), 1, {2}, {3})}});
  const StateDict sd = load(archive(pkl, {{"0", kW}}));
  ASSERT_EQ(sd.size(), 2u);
  EXPECT_EQ(sd[0].first, "w");
  EXPECT_EQ(sd[0].second.to_floats(), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(sd[1].second.to_floats(), (std::vector<float>{2, 5}));
  // A stride-0 view (torch's expand) within its storage is legal and comes out materialized.
  EXPECT_EQ(load(archive(state_dict({{"e", tensor(storage("0", 6), 2, {2, 2}, {0, 1})}}), {{"0", kW}}))[0].second.to_floats(),
            (std::vector<float>{3, 4, 3, 4}));
}

TEST(TorchBin, ForbiddenGlobalsAndCallsAreRefused) {
  for (const auto& [module, name] : std::vector<std::pair<std::string, std::string>>{
           {"os", "system"}, {"posix", "system"}, {"nt", "system"}, {"builtins", "eval"}, {"builtins", "exec"},
           {"__builtin__", "eval"}, {"subprocess", "Popen"}, {"builtins", "getattr"}, {"torch", "load"},
           {"torch.serialization", "load"}, {"numpy.core.multiarray", "_reconstruct"}, {"sys", "exit"}}) {
    SCOPED_TRACE(module + "." + name);
    // The call torch's own malicious-file examples make: GLOBAL, args, REDUCE.
    const std::string msg = refused(archive("\x80\x02" + G(module, name) + tuple({U("touch /tmp/pwned")}) + "R."));
    EXPECT_NE(msg.find(module + "." + name), std::string::npos) << msg;
  }
  EXPECT_FALSE(fs::exists("/tmp/pwned"));
  // Allowed by torch, but not a function here / not interpreted.
  EXPECT_NE(refused(archive("\x80\x02" + G("torch", "FloatStorage") + ")R.")).find("not a function"), std::string::npos);
  refused(archive("\x80\x02" + G("torch._utils", "_rebuild_qtensor") + ")R."));
  refused(archive("\x80\x02" + G("torch", "float32") + "."));
  // REDUCE of something that is not a global at all, and with non-tuple arguments.
  refused(archive("\x80\x02" + U("os.system") + ")R."));
  refused(archive("\x80\x02" + G("collections", "OrderedDict") + "NR."));
  refused(archive("\x80\x02" + G("collections", "OrderedDict") + tuple({I(1)}) + "R."));
  // NEWOBJ / BUILD on classes that may not be instantiated or built.
  refused(archive("\x80\x02" + G("torch", "FloatStorage") + ")\x81."));
  refused(archive("\x80\x02]" + G("collections", "OrderedDict") + "b."));  // BUILD on a list
  refused(archive("\x80\x02}}b."));                                         // BUILD on a plain dict
  refused(archive(state_dict({{"w", tensor(storage("0", 6), 0, {6}, {1}) + "}" + U("x") + I(1) + "sb"}}), {{"0", kW}}));
  // Parameter state and rebuilds with wrong arity.
  refused(archive("\x80\x02" + G("torch._utils", "_rebuild_tensor_v2") + tuple({I(1)}) + "R."));
}

TEST(TorchBin, OpcodesOutsideTheWeightsOnlySetAreRefused) {
  const std::vector<std::string> bodies = {
      "(" + G("os", "system") + U("x") + "o.",  // OBJ
      "(" + U("x") + "ios\nsystem\n.",        // INST
      U("os") + U("system") + "\x93.",         // STACK_GLOBAL (protocol 4)
      "\x82\x01.",                             // EXT1
      "Pfoo\n.",                               // PERSID (text)
      U("x") + "2.",                           // DUP
      U("x") + "0N.",                          // POP
      "\x95" + le(1, 8) + "N.",                // FRAME
      "N\x94.",                                // MEMOIZE
      "I1\n.",                                 // INT (text)
      "S'x'\n.",                               // STRING
      "(l.",                                   // LIST
      "(d.",                                   // DICT
      "\x92.",                                 // NEWOBJ_EX
      "\x8c\x01x.",                            // SHORT_BINUNICODE (protocol 4)
      "\x8b" + le(1, 4) + "x.",                // LONG4
      "\x8e" + le(1, 8) + "x.",                // BINBYTES8
      "B" + le(1, 4) + "x.",                   // BINBYTES (protocol 3)
      "C\x01x.",                               // SHORT_BINBYTES
      "\x8d" + le(1, 8) + "x.",                // BINUNICODE8
      "\x90.",                                 // ADDITEMS
      "\x91.",                                 // FROZENSET
      "\x96.",                                 // BYTEARRAY8
      "\x97.",                                 // NEXT_BUFFER
      "\xff.",
  };
  for (const auto& b : bodies) {
    SCOPED_TRACE(testing::PrintToString(b));
    refused(archive("\x80\x02" + b));
  }
}

TEST(TorchBin, MalformedPicklesAreRefused) {
  const std::vector<std::string> pickles = {
      "",                                            // empty
      "\x80\x02",                                    // no STOP
      "\x80\x02.",                                   // STOP with nothing to return
      "\x80\x02(a.",                                 // APPEND below the MARK
      "\x80\x02]N(a.",                               // the same, with a list under the mark
      "\x80\x02t.",                                  // TUPLE without MARK
      "\x80\x02h\x07.",                              // BINGET of a key never stored
      "\x80\x02j\xff\xff\xff\xff.",                  // LONG_BINGET likewise
      "\x80\x02" + U("x").substr(0, 3),              // truncated length
      "\x80\x02X\xff\xff\xff\x7f" "abc.",             // string longer than the data
      "\x80\x02\x8a\x09" + std::string(9, '\x01') + ".",  // 72-bit int used as the result
      "\x80\x02N]N.",                                 // a list as the "state dict"
      "\x80\x02}" + U("w") + I(1) + "s.",             // a non-tensor value
      "\x80\x02}" + I(1) + U("w") + "s.",             // a non-str key
      "\x80\x02" + tuple({U("storage")}) + "Q.",      // a persistent id of the wrong arity
      "\x80\x02" + tuple({U("module"), G("torch", "FloatStorage"), U("0"), U("cpu"), I(1)}) + "Q.",  // not a storage
      "\x80\x02" + I(3) + "Q.",                       // an int persistent id
      "\x80\x05N.",                                   // protocol 5, still only None
  };
  for (const auto& p : pickles) {
    SCOPED_TRACE(testing::PrintToString(p));
    refused(archive(p));
  }
  // Deep nesting and memo abuse cost linear work and nothing more (and no recursion).
  std::string deep = "\x80\x02";
  for (int i = 0; i < 200000; ++i) deep += "]";
  for (int i = 0; i < 199999; ++i) deep += "a";
  refused(archive(deep + "."));
  std::string cyc = "\x80\x02]q\x00";
  for (int i = 0; i < 100000; ++i) cyc += "h\x00" "a";  // l.append(l), repeatedly
  refused(archive(cyc + "."));
  std::string memo = "\x80\x02N";
  for (uint32_t i = 0; i < 100000; ++i) memo += "r" + le(i * 40503u, 4);
  refused(archive(memo + "."));
  std::string marks = "\x80\x02";
  for (int i = 0; i < 100000; ++i) marks += "(";
  refused(archive(marks + "N."));
}

TEST(TorchBin, TensorsOutsideTheirStoragesAreRefused) {
  auto one = [&](const std::string& t, const std::string& record = kW) { return refused(archive(state_dict({{"w", t}}), {{"0", record}})); };
  EXPECT_NE(one(tensor(storage("0", 6), 0, {7}, {1})).find("reaches element"), std::string::npos);  // shape past the storage
  one(tensor(storage("0", 6), 4, {3}, {1}));                                                       // offset past it
  one(tensor(storage("0", 6), 0, {2, 3}, {4, 1}));                                                 // strides past it
  one(tensor(storage("0", 6), 0, {1 << 30, 1 << 30}, {1, 1}));                                     // huge, overlapping
  one(tensor(storage("0", 6), 0, {1 << 30, 1 << 30, 1 << 30}, {1 << 30, 1 << 30, 1}));              // overflows
  one(tensor(storage("0", 6), 0, {-1}, {1}));                                                      // negative dim
  one(tensor(storage("0", 6), 0, {2}, {-1}));                                                      // negative stride
  one(tensor(storage("0", 6), -1, {2}, {1}));                                                      // negative offset
  one(tensor(storage("0", 6), 0, {2, 3}, {1}));                                                    // size / stride lengths differ
  EXPECT_NE(one(tensor(storage("0", 7), 0, {6}, {1})).find("needs 7 x 4 bytes"), std::string::npos);  // record too small
  one(tensor(storage("0", 0x7fffffff), 0, {6}, {1}));                                              // storage numel huge
  one(tensor(storage("1", 6), 0, {6}, {1}));                                                       // record missing
  one(tensor(storage("0", 6, "ComplexFloatStorage"), 0, {6}, {1}));                                // dtype we lack
  one(tensor(storage("0", 6, "cuda.FloatStorage"), 0, {6}, {1}));                                  // not a pickled storage type
  // One storage referenced as two types.
  refused(archive(state_dict({{"a", tensor(storage("0", 6), 0, {6}, {1})}, {"b", tensor(storage("0", 6, "IntStorage"), 0, {6}, {1})}}),
                  {{"0", kW}}));
  // Many views of one large storage cannot multiply memory without bound.
  const std::string big(4 << 20, '\0');
  std::vector<std::pair<std::string, std::string>> views;
  for (int i = 0; i < 64; ++i) views.emplace_back("v" + std::to_string(i), tensor(storage("0", 1 << 20), 0, {1 << 20}, {1}));
  EXPECT_NE(refused(archive(state_dict(views), {{"0", big}})).find("more memory"), std::string::npos);
}

TEST(TorchBin, MalformedArchivesAreRefused) {
  const std::string good = archive(state_dict({{"w", tensor(storage("0", 6), 0, {6}, {1})}}), {{"0", kW}});
  ASSERT_EQ(load(good).size(), 1u);
  // Every truncation of a valid archive, and of a real torch.save file.
  for (size_t cut = 0; cut < good.size(); ++cut) {
    try {
      load(good.substr(0, cut));
      ADD_FAILURE() << "cut at " << cut << " loaded";
    } catch (const TorchPickleError&) {
    }
  }
  const std::string real = slurp(fixture("torch_bin/gpt2/pytorch_model.bin"));
  for (size_t cut = 0; cut < real.size(); cut += 997) EXPECT_THROW(load(real.substr(0, cut)), TorchPickleError) << cut;
  // Bit flips anywhere in a real archive: an error or a (possibly different) state dict, never a crash.
  for (size_t i = 0; i < real.size(); i += 61) {
    std::string flipped = real;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x5A);
    try {
      load(flipped);
    } catch (const TorchPickleError&) {
    }
  }
  const size_t eocd = good.size() - 22;
  auto patched = [&](size_t at, uint64_t v, int n) {
    std::string s = good;
    s.replace(at, n, le(v, n));
    return s;
  };
  refused(patched(eocd + 16, 0xFFFFFFF0, 4));            // central directory offset past the end
  refused(patched(eocd + 12, good.size(), 4));           // central directory size past the end
  refused(patched(eocd + 10, 0xFFFE, 2));                // more entries than the directory holds
  refused(patched(eocd + 16, 3, 4));                     // directory offset pointing into data
  refused(patched(eocd + 10, 0xFFFF, 2));                // zip64 marker without a zip64 record
  const size_t cd = static_cast<size_t>(good[eocd + 16] & 0xFF) | (static_cast<size_t>(good[eocd + 17] & 0xFF) << 8);
  refused(patched(cd + 42, 0x7FFFFFFF, 4));              // local header offset out of range
  refused(patched(cd + 24, 0x7FFFFFFF, 4));              // stored size past the file
  refused(patched(cd + 20, 0x7FFFFFFF, 4));              // compressed size differs
  refused(patched(cd + 10, 8, 2));                       // deflated record
  refused(patched(cd + 8, 1, 2));                        // encrypted record
  refused(patched(cd + 28, 0xFFFF, 2));                  // name runs past the directory
  // Archive layout: no data.pkl, two of them, unknown byte order, not a zip at all.
  refused(zip({{"archive/byteorder", "little"}}));
  refused(zip({{"a/data.pkl", "\x80\x02}."}, {"b/data.pkl", "\x80\x02}."}}));
  refused(zip({{"a/data.pkl", "\x80\x02}."}, {"a/data.pkl", "\x80\x02}."}}));
  refused(zip({{"a/data.pkl", "\x80\x02}."}, {"a/byteorder", "middle"}}));
  refused("plain text, not a checkpoint");
  refused(std::string(1 << 16, '\0'));
  // Legacy stream: wrong magic, wrong protocol version, truncated storages.
  refused("\x80\x02\x8a\x0a" + std::string(10, '\x01') + ".");
  const std::string legacy = slurp(fixture("torch_bin/gpt2-legacy/pytorch_model.bin"));
  for (size_t cut = 0; cut < legacy.size(); cut += 1009) EXPECT_THROW(load(legacy.substr(0, cut)), TorchPickleError) << cut;
  EXPECT_FALSE(load(legacy).empty());
}

TEST(TorchBin, SentenceTransformerDenseFromPickledWeights) {
  // bert-modes with its 3_Dense weights only as pytorch_model.bin (the same values, torch.save'd):
  // the same embeddings as the safetensors folder, which test_pipelines matches to Python.
  TempDir d;
  fs::copy(fixture("sentence_transformers/bert-modes"), d.path, fs::copy_options::recursive);
  fs::remove(d / "3_Dense/model.safetensors");
  fs::copy_file(fixture("torch_bin/st-3_Dense.bin"), d / "3_Dense/pytorch_model.bin");
  const std::vector<std::string> texts{"a short one", "and a somewhat longer sentence to embed"};
  const Tensor want = SentenceTransformer::from_pretrained(fixture("sentence_transformers/bert-modes"))->encode(texts);
  EXPECT_TRUE(same_bytes(SentenceTransformer::from_pretrained(d.path.string())->encode(texts), want));
}
