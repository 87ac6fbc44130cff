// pytorch_model.bin without Python and without code execution. See torch_pickle.hpp.
//
// The pickle machine implements exactly the opcode set of torch/_weights_only_unpickler.py and
// interprets the few globals a state dict needs itself; every object lives in an arena owned by the
// machine (values hold plain pointers), so cycles and deep nesting cost nothing on destruction and
// nothing here recurses. Work is linear in the pickle's size and every read is bounds-checked.
#include "io/torch_pickle.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <optional>
#include <memory>
#include <set>
#include <unordered_map>

#include "transformers/errors.hpp"

namespace transformers {
namespace {

uint64_t rd(const uint8_t* p, int n) {  // little-endian unsigned of n bytes
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// ---------------------------------------------------------------- zip (torch.save's container)

struct Record {
  uint64_t offset = 0, size = 0;
};

std::map<std::string, Record> read_zip(const uint8_t* d, uint64_t n, const std::string& where) {
  auto fail = [&](const std::string& msg) -> void { throw TorchPickleError(where + ": " + msg); };
  if (n < 22) fail("not a zip archive (" + std::to_string(n) + " bytes)");
  uint64_t eocd = UINT64_MAX;
  const uint64_t lo = n >= 22 + 65535 ? n - 22 - 65535 : 0;
  for (uint64_t i = n - 22 + 1; i-- > lo;)
    if (rd(d + i, 4) == 0x06054b50) {
      eocd = i;
      break;
    }
  if (eocd == UINT64_MAX) fail("no zip end-of-central-directory record (truncated or not a torch.save archive)");
  uint64_t count = rd(d + eocd + 10, 2), cd_size = rd(d + eocd + 12, 4), cd_off = rd(d + eocd + 16, 4);
  if (count == 0xFFFF || cd_size == 0xFFFFFFFF || cd_off == 0xFFFFFFFF) {  // ZIP64 (archives over 4 GiB)
    if (eocd < 20 || rd(d + eocd - 20, 4) != 0x07064b50) fail("zip64 end-of-central-directory locator missing");
    const uint64_t e64 = rd(d + eocd - 20 + 8, 8);
    if (e64 > n || n - e64 < 56 || rd(d + e64, 4) != 0x06064b50) fail("zip64 end-of-central-directory record not at its offset");
    count = rd(d + e64 + 32, 8), cd_size = rd(d + e64 + 40, 8), cd_off = rd(d + e64 + 48, 8);
  }
  if (cd_off > n || cd_size > n - cd_off)
    fail("central directory (offset " + std::to_string(cd_off) + ", " + std::to_string(cd_size) + " bytes) lies outside the " +
         std::to_string(n) + "-byte file");
  if (count > cd_size / 46) fail("central directory claims " + std::to_string(count) + " entries in " + std::to_string(cd_size) + " bytes");
  std::map<std::string, Record> out;
  uint64_t pos = cd_off;
  const uint64_t end = cd_off + cd_size;
  for (uint64_t e = 0; e < count; ++e) {
    if (end - pos < 46 || rd(d + pos, 4) != 0x02014b50) fail("central directory entry " + std::to_string(e) + " is malformed");
    const uint64_t flags = rd(d + pos + 8, 2), method = rd(d + pos + 10, 2);
    uint64_t csize = rd(d + pos + 20, 4), usize = rd(d + pos + 24, 4), loff = rd(d + pos + 42, 4);
    const uint64_t nlen = rd(d + pos + 28, 2), xlen = rd(d + pos + 30, 2), clen = rd(d + pos + 32, 2);
    if (end - pos - 46 < nlen + xlen + clen) fail("central directory entry " + std::to_string(e) + " runs past the directory");
    const std::string name(reinterpret_cast<const char*>(d + pos + 46), nlen);
    const uint8_t* x = d + pos + 46 + nlen;
    for (uint64_t xi = 0; xlen - xi >= 4;) {
      const uint64_t id = rd(x + xi, 2), sz = rd(x + xi + 2, 2);
      if (xlen - xi - 4 < sz) fail("extra field of '" + name + "' runs past its entry");
      if (id == 1) {  // zip64 sizes / offset, present for the fields saturated above, in this order
        uint64_t f = 0;
        for (uint64_t* field : {&usize, &csize, &loff})
          if (*field == 0xFFFFFFFF) {
            if (sz - f < 8) fail("zip64 extra field of '" + name + "' is too short");
            *field = rd(x + xi + 4 + f, 8);
            f += 8;
          }
      }
      xi += 4 + sz;
    }
    pos += 46 + nlen + xlen + clen;
    if (flags & 1) fail("record '" + name + "' is encrypted");
    if (method != 0 || csize != usize)
      fail("record '" + name + "' is compressed (method " + std::to_string(method) + "); torch.save stores records uncompressed");
    if (loff > n || n - loff < 30 || rd(d + loff, 4) != 0x04034b50)
      fail("local header of record '" + name + "' is not at offset " + std::to_string(loff));
    const uint64_t data = loff + 30 + rd(d + loff + 26, 2) + rd(d + loff + 28, 2);
    if (data > n || usize > n - data)
      fail("record '" + name + "' (" + std::to_string(usize) + " bytes at offset " + std::to_string(data) + ") runs past the end of the " +
           std::to_string(n) + "-byte file");
    if (!out.emplace(name, Record{data, usize}).second) fail("record '" + name + "' appears twice");
  }
  return out;
}

// ---------------------------------------------------------------- the pickle machine

// BigInt: an int wider than 64 bits (only the legacy format's magic number), its bytes kept as read.
enum class K : uint8_t { None, Bool, Int, Float, Str, Bytes, Tuple, List, Dict, Set, Global, Storage, Tensor, BigInt };

const char* kind_name(K k) {
  static const char* const names[] = {"None", "bool", "int", "float", "str", "bytes", "tuple", "list", "dict", "set", "global", "storage", "tensor", "int"};
  return names[static_cast<int>(k)];
}

struct Obj;
struct Value {
  K k = K::None;
  int64_t i = 0;
  double f = 0;
  Obj* o = nullptr;
};

struct Obj {
  std::string s;                                  // str / bytes payload, a global's "module.name", a storage's key
  std::vector<Value> items;                       // tuple / list / set
  std::vector<std::pair<Value, Value>> entries;   // dict, in insertion order
  bool ordered = false;                           // dict: a collections.OrderedDict (BUILD may set its attributes)
  DType dtype = DType::U8;                        // storage, tensor
  int64_t numel = 0;                              // storage: elements
  Obj* storage = nullptr;                         // tensor
  int64_t offset = 0;                             // tensor: storage offset in elements
  Shape shape, stride;                            // tensor
};

// Storage classes as torch pickles them (torch.<Name>Storage; UntypedStorage holds bytes).
std::optional<DType> storage_dtype(const std::string& g) {
  static const std::map<std::string, DType> m = {
      {"torch.DoubleStorage", DType::F64}, {"torch.FloatStorage", DType::F32}, {"torch.HalfStorage", DType::F16},
      {"torch.BFloat16Storage", DType::BF16}, {"torch.LongStorage", DType::I64}, {"torch.IntStorage", DType::I32},
      {"torch.ShortStorage", DType::I16}, {"torch.CharStorage", DType::I8}, {"torch.ByteStorage", DType::U8},
      {"torch.BoolStorage", DType::Bool}, {"torch.storage.UntypedStorage", DType::U8}, {"torch.UntypedStorage", DType::U8}};
  auto it = m.find(g);
  if (it == m.end()) return std::nullopt;
  return it->second;
}

// Globals torch.load(weights_only=True) allows that a weights file has no use for here (quantized,
// sparse, nested and subclass tensors, complex numbers, ...): refused by name, as unsupported.
bool torch_allows_but_unsupported(const std::string& g) {
  static const std::set<std::string> s = {
      "collections.Counter", "torch.serialization._get_layout", "torch.Tensor", "torch.device", "builtins.bytearray",
      "builtins.set", "builtins.complex", "torch._utils._rebuild_qtensor", "torch._utils._rebuild_tensor_v3",
      "torch._utils._rebuild_sparse_tensor", "torch._utils._rebuild_meta_tensor_no_storage",
      "torch._utils._rebuild_wrapper_subclass", "torch._utils._rebuild_device_tensor_from_numpy",
      "torch._utils._rebuild_device_tensor_from_cpu_tensor", "torch._tensor._rebuild_from_type_v2",
      "torch.per_tensor_affine", "torch.per_tensor_symmetric", "torch.per_channel_affine", "torch.per_channel_symmetric",
      "torch.per_channel_affine_float_qparams"};
  if (s.count(g)) return true;
  // dtypes (torch.float32, ...) and the storage classes of dtypes without a DType here.
  return g.rfind("torch.", 0) == 0 && g.find('.', 6) == std::string::npos &&
         (g.find("Storage") != std::string::npos || g.find("float") != std::string::npos || g.find("int") != std::string::npos ||
          g.find("complex") != std::string::npos || g == "torch.bool" || g == "torch.half" || g == "torch.double" ||
          g == "torch.long" || g == "torch.short" || g == "torch.cfloat" || g == "torch.cdouble");
}

class Machine {
 public:
  Machine(const uint8_t* data, size_t size, std::string where) : d_(data), n_(size), where_(std::move(where)) {}

  // Runs one pickle from `pos` to its STOP; `pos` is left after it.
  Value run(size_t& pos) {
    p_ = pos;
    stack_.clear(), marks_.clear(), memo_.clear();
    for (;;) {
      const size_t at = p_;
      const uint8_t op = byte();
      switch (op) {
        case 0x80: byte(); break;  // PROTO: torch warns about protocols other than 2 and goes on
        case '.': {                // STOP
          Value r = pop(at);
          pos = p_;
          return r;
        }
        case 'c': global(at); break;
        case 0x81: {  // NEWOBJ
          const Value args = pop(at), cls = pop(at);
          push(newobj(cls, args, at));
          break;
        }
        case 'R': {  // REDUCE
          const Value args = pop(at), fn = pop(at);
          push(reduce(fn, args, at));
          break;
        }
        case 'b': {  // BUILD
          const Value state = pop(at);
          build(top(at), state, at);
          break;
        }
        case 'a': {  // APPEND
          const Value item = pop(at);
          list_target(at, "APPEND")->items.push_back(item);
          break;
        }
        case 'e': {  // APPENDS
          std::vector<Value> items = pop_mark(at);
          auto& dst = list_target(at, "APPENDS")->items;
          dst.insert(dst.end(), items.begin(), items.end());
          break;
        }
        case 's': {  // SETITEM
          const Value v = pop(at), k = pop(at);
          dict_target(at, "SETITEM")->entries.emplace_back(k, v);
          break;
        }
        case 'u': {  // SETITEMS
          std::vector<Value> items = pop_mark(at);
          if (items.size() % 2) fail(at, "SETITEMS with an odd number of items");
          Obj* dst = dict_target(at, "SETITEMS");
          for (size_t i = 0; i < items.size(); i += 2) dst->entries.emplace_back(items[i], items[i + 1]);
          break;
        }
        case '(': marks_.push_back(stack_.size()); break;  // MARK
        case 't': push(seq(K::Tuple, pop_mark(at))); break;  // TUPLE
        case 0x85: push(seq(K::Tuple, {pop(at)})); break;    // TUPLE1
        case 0x86: {                                         // TUPLE2
          const Value b = pop(at), a = pop(at);
          push(seq(K::Tuple, {a, b}));
          break;
        }
        case 0x87: {  // TUPLE3
          const Value c = pop(at), b = pop(at), a = pop(at);
          push(seq(K::Tuple, {a, b, c}));
          break;
        }
        case 'N': push({}); break;
        case 0x88: push({K::Bool, 1}); break;  // NEWTRUE
        case 0x89: push({K::Bool, 0}); break;  // NEWFALSE
        case ')': push(seq(K::Tuple, {})); break;
        case ']': push(seq(K::List, {})); break;
        case '}': push(seq(K::Dict, {})); break;
        case 0x8f: push(seq(K::Set, {})); break;  // EMPTY_SET
        case 'J': push({K::Int, static_cast<int32_t>(static_cast<uint32_t>(rd(take(4), 4)))}); break;  // BININT
        case 'K': push({K::Int, byte()}); break;                                                  // BININT1
        case 'M': push({K::Int, static_cast<int64_t>(rd(take(2), 2))}); break;                     // BININT2
        case 'G': {                                                                               // BINFLOAT, big-endian
          const uint8_t* b = take(8);
          uint64_t u = 0;
          for (int i = 0; i < 8; ++i) u = (u << 8) | b[i];
          Value v{K::Float};
          std::memcpy(&v.f, &u, 8);
          push(v);
          break;
        }
        case 'X': push(str(K::Str, rd(take(4), 4))); break;                 // BINUNICODE
        case 'U': push(str(K::Str, byte())); break;                         // SHORT_BINSTRING, decoded as text
        case 'Q': push(persistent(pop(at), at)); break;                     // BINPERSID
        case 'h': push(get(byte(), at)); break;                             // BINGET
        case 'j': push(get(static_cast<uint32_t>(rd(take(4), 4)), at)); break;  // LONG_BINGET
        case 'q': memo_[byte()] = top(at); break;                           // BINPUT
        case 'r': memo_[static_cast<uint32_t>(rd(take(4), 4))] = top(at); break;  // LONG_BINPUT
        case 0x8a: {                                                        // LONG1
          const size_t len = byte();
          if (len > 8) {
            push(str(K::BigInt, len));
            break;
          }
          const uint8_t* b = take(len);
          uint64_t u = len ? rd(b, static_cast<int>(len)) : 0;
          if (len && len < 8 && (b[len - 1] & 0x80)) u |= ~uint64_t{0} << (8 * len);  // sign-extend
          push({K::Int, static_cast<int64_t>(u)});
          break;
        }
        default: {
          char hex[8];
          std::snprintf(hex, sizeof hex, "0x%02x", op);
          fail(at, std::string("pickle opcode ") + hex + " ('" + (op >= 32 && op < 127 ? std::string(1, static_cast<char>(op)) : "?") +
                       "') is not allowed (torch.load(weights_only=True) refuses it too)");
        }
      }
    }
  }

  // Storages met through persistent ids, by key.
  const std::map<std::string, Obj*>& storages() const { return storages_; }
  // Storage views of the legacy format, refused; the zip format has none.
  bool legacy = false;

  [[noreturn]] void fail(size_t at, const std::string& msg) const {
    throw TorchPickleError(where_ + ": " + msg + " (pickle offset " + std::to_string(at) + ")");
  }

 private:
  const uint8_t* d_;
  size_t n_, p_ = 0;
  std::string where_;
  std::vector<std::unique_ptr<Obj>> arena_;
  std::vector<Value> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint32_t, Value> memo_;
  std::map<std::string, Obj*> storages_;

  uint8_t byte() { return *take(1); }
  const uint8_t* take(uint64_t len) {
    if (len > n_ - p_) throw TorchPickleError(where_ + ": pickle data ends inside an instruction (truncated at offset " + std::to_string(p_) + ")");
    const uint8_t* r = d_ + p_;
    p_ += len;
    return r;
  }
  Obj* make() {
    arena_.push_back(std::make_unique<Obj>());
    return arena_.back().get();
  }
  Value seq(K k, std::vector<Value> items) {
    Value v{k};
    v.o = make();
    v.o->items = std::move(items);
    return v;
  }
  Value str(K k, uint64_t len) {
    const uint8_t* b = take(len);
    Value v{k};
    v.o = make();
    v.o->s.assign(reinterpret_cast<const char*>(b), len);
    return v;
  }
  void push(const Value& v) { stack_.push_back(v); }
  // The stack above the innermost MARK, as Python's unpickler keeps it (a fresh list per mark).
  size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
  Value pop(size_t at) {
    if (stack_.size() <= floor()) fail(at, "pickle stack underflow");
    Value v = stack_.back();
    stack_.pop_back();
    return v;
  }
  Value& top(size_t at) {
    if (stack_.size() <= floor()) fail(at, "pickle stack underflow");
    return stack_.back();
  }
  std::vector<Value> pop_mark(size_t at) {
    if (marks_.empty()) fail(at, "pickle instruction needs a MARK and there is none");
    const size_t m = marks_.back();
    marks_.pop_back();
    std::vector<Value> items(stack_.begin() + static_cast<std::ptrdiff_t>(m), stack_.end());
    stack_.resize(m);
    return items;
  }
  Value get(uint32_t idx, size_t at) {
    auto it = memo_.find(idx);
    if (it == memo_.end()) fail(at, "memo key " + std::to_string(idx) + " was never stored");
    return it->second;
  }
  Obj* list_target(size_t at, const char* op) {
    Value& t = top(at);
    if (t.k != K::List) fail(at, std::string(op) + " to a " + kind_name(t.k) + ": can only append to lists");
    return t.o;
  }
  Obj* dict_target(size_t at, const char* op) {
    Value& t = top(at);
    if (t.k != K::Dict) fail(at, std::string(op) + " on a " + kind_name(t.k) + ": can only set items of dicts");
    return t.o;
  }

  void global(size_t at) {
    auto line = [&]() {
      std::string s;
      for (;;) {
        const char c = static_cast<char>(byte());
        if (c == '\n') return s;
        if (s.size() > 256) fail(at, "GLOBAL name is too long");
        s += c;
      }
    };
    const std::string module = line(), name = line();
    const std::string full = module + "." + name;
    for (const char* blocked : {"sys", "os", "posix", "nt"})
      if (module == blocked) fail(at, "global '" + full + "' is not allowed: module '" + module + "' is blocked");
    static const std::set<std::string> interpreted = {
        "collections.OrderedDict", "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state", "torch.nn.parameter.Parameter",
        "torch.Size", "_codecs.encode"};
    if (!interpreted.count(full) && !storage_dtype(full)) {
      if (torch_allows_but_unsupported(full))
        fail(at, "global '" + full + "' is allowed by torch.load(weights_only=True) but is not supported in weights files by transformers-cpp");
      fail(at, "global '" + full + "' is not allowed (only what torch.load(weights_only=True) accepts: tensors, storages, OrderedDict)");
    }
    Value v{K::Global};
    v.o = make();
    v.o->s = full;
    push(v);
  }

  const std::vector<Value>& tuple_args(const Value& args, size_t at, const std::string& fn) {
    if (args.k != K::Tuple) fail(at, fn + " called with " + kind_name(args.k) + " arguments instead of a tuple");
    return args.o->items;
  }

  static bool empty_state(const Value& s) {
    return s.k == K::None || ((s.k == K::Dict) && s.o->entries.empty()) || (s.k == K::Tuple && s.o->items.empty());
  }

  Value newobj(const Value& cls, const Value& args, size_t at) {
    if (cls.k != K::Global) fail(at, std::string("NEWOBJ of a ") + kind_name(cls.k) + " (only classes can be instantiated)");
    const auto& a = tuple_args(args, at, cls.o->s);
    if (cls.o->s == "collections.OrderedDict" && a.empty()) {
      Value v = seq(K::Dict, {});
      v.o->ordered = true;
      return v;
    }
    if (cls.o->s == "torch.nn.parameter.Parameter" && !a.empty() && a.size() <= 2 && a[0].k == K::Tensor) return a[0];
    fail(at, "NEWOBJ of '" + cls.o->s + "' with " + std::to_string(a.size()) + " arguments is not supported");
  }

  Value reduce(const Value& fn, const Value& args, size_t at) {
    if (fn.k != K::Global) fail(at, std::string("REDUCE calls a ") + kind_name(fn.k) + ", not an allowed function");
    const std::string& f = fn.o->s;
    const auto& a = tuple_args(args, at, f);
    if (f == "collections.OrderedDict") {
      if (!a.empty()) fail(at, "collections.OrderedDict called with arguments");
      Value v = seq(K::Dict, {});
      v.o->ordered = true;
      return v;
    }
    if (f == "torch._utils._rebuild_tensor_v2" || f == "torch._utils._rebuild_tensor") {
      const bool v2 = f.back() == '2';
      if (v2 ? (a.size() != 6 && a.size() != 7) : a.size() != 4)
        fail(at, f + " called with " + std::to_string(a.size()) + " arguments");
      return tensor(a, at);
    }
    if (f == "torch._utils._rebuild_parameter" || f == "torch._utils._rebuild_parameter_with_state") {
      if (a.size() != (f.back() == 'r' ? 3u : 4u) || a[0].k != K::Tensor) fail(at, f + " called with unexpected arguments");
      if (a.size() == 4 && !empty_state(a[3])) fail(at, "a Parameter with Python attributes (state) is not supported");
      return a[0];
    }
    if (f == "torch.Size") {
      if (a.size() != 1 || a[0].k != K::Tuple) fail(at, "torch.Size called with unexpected arguments");
      return a[0];
    }
    if (f == "_codecs.encode") {  // protocol 2's bytes: encode(text, 'latin1')
      if (a.size() != 2 || a[0].k != K::Str || a[1].k != K::Str || a[1].o->s != "latin1")
        fail(at, "_codecs.encode called with unexpected arguments");
      Value v{K::Bytes};
      v.o = make();
      const std::string& s = a[0].o->s;
      for (size_t i = 0; i < s.size(); ++i) {  // UTF-8 of code points below 256
        const auto c = static_cast<uint8_t>(s[i]);
        if (c < 0x80) v.o->s += static_cast<char>(c);
        else if ((c == 0xC2 || c == 0xC3) && i + 1 < s.size()) v.o->s += static_cast<char>(((c & 0x03) << 6) | (static_cast<uint8_t>(s[++i]) & 0x3F));
        else fail(at, "_codecs.encode: text is not latin1");
      }
      return v;
    }
    fail(at, "REDUCE calls '" + f + "', which is not a function (only tensor rebuilds and OrderedDict can be called)");
  }

  void build(Value& inst, const Value& state, size_t at) {
    if (inst.k == K::Dict && inst.o->ordered) {  // OrderedDict attributes (state_dict's _metadata): not weights
      if (state.k != K::Dict && state.k != K::None) fail(at, "BUILD of an OrderedDict with a " + std::string(kind_name(state.k)) + " state");
      return;
    }
    if (inst.k == K::Tensor) {
      if (!empty_state(state)) fail(at, "BUILD that sets a tensor's contents or attributes is not supported");
      return;
    }
    fail(at, std::string("BUILD of a ") + kind_name(inst.k) + ": only tensors and OrderedDicts can be built");
  }

  static bool to_ints(const Value& v, Shape& out) {
    if (v.k != K::Tuple && v.k != K::List) return false;
    for (const Value& e : v.o->items) {
      if (e.k != K::Int) return false;
      out.push_back(e.i);
    }
    return true;
  }

  Value tensor(const std::vector<Value>& a, size_t at) {
    if (a[0].k != K::Storage) fail(at, std::string("tensor rebuilt from a ") + kind_name(a[0].k) + " instead of a storage");
    if (a[1].k != K::Int || a[1].i < 0) fail(at, "tensor storage offset must be a non-negative int");
    Value v{K::Tensor};
    v.o = make();
    Obj& t = *v.o;
    t.storage = a[0].o, t.dtype = a[0].o->dtype, t.offset = a[1].i;
    if (!to_ints(a[2], t.shape) || !to_ints(a[3], t.stride) || t.shape.size() != t.stride.size())
      fail(at, "tensor size and stride must be tuples of ints of the same length");
    if (t.shape.size() > 64) fail(at, "tensor has " + std::to_string(t.shape.size()) + " dimensions");
    for (size_t i = 0; i < t.shape.size(); ++i)
      if (t.shape[i] < 0 || t.stride[i] < 0) fail(at, "tensor size " + shape_str(t.shape) + " / stride " + shape_str(t.stride) + " has a negative entry");
    return v;
  }

  Value persistent(const Value& pid, size_t at) {
    if (pid.k != K::Tuple || pid.o->items.empty() || pid.o->items[0].k != K::Str || pid.o->items[0].o->s != "storage")
      fail(at, "persistent id is not a ('storage', ...) tuple: only storages can be loaded by reference");
    const auto& a = pid.o->items;
    if (a.size() != (legacy ? 6u : 5u)) fail(at, "storage persistent id has " + std::to_string(a.size()) + " fields");
    if (a[1].k != K::Global || !storage_dtype(a[1].o->s)) fail(at, "storage persistent id does not name a storage class");
    if (a[2].k != K::Str || a[3].k != K::Str || a[4].k != K::Int || a[4].i < 0)
      fail(at, "storage persistent id must be (type, key: str, location: str, numel: int >= 0)");
    if (legacy && a[5].k != K::None) fail(at, "storage views of the legacy format are not supported");
    const std::string& key = a[2].o->s;
    const DType dt = *storage_dtype(a[1].o->s);
    auto it = storages_.find(key);
    if (it != storages_.end()) {
      if (it->second->dtype != dt || it->second->numel != a[4].i) fail(at, "storage '" + key + "' is referenced with two different types or sizes");
      return {K::Storage, 0, 0, it->second};
    }
    Obj* s = make();
    s->s = key, s->dtype = dt, s->numel = a[4].i;
    storages_[key] = s;
    return {K::Storage, 0, 0, s};
  }

};

// The result of the main pickle as a state dict, with storages resolved by `bytes_of`
// (key -> record) and every tensor copied out contiguous.
template <typename BytesOf>
StateDict materialize(Machine& m, const Value& root, const std::string& where, bool big_endian, uint64_t file_size, BytesOf bytes_of) {
  auto fail = [&](const std::string& msg) -> void { throw TorchPickleError(where + ": " + msg); };
  if (root.k != K::Dict) fail(std::string("the pickled object is a ") + kind_name(root.k) + ", not a state dict");
  // Output budget: shared storages (tied weights) may be copied out more than once, but a file
  // cannot make us allocate far more than it holds.
  const uint64_t budget = 8 * file_size + (uint64_t{1} << 20);
  uint64_t spent = 0;
  StateDict out;
  std::set<std::string> seen;
  for (const auto& [k, v] : root.o->entries) {
    if (k.k != K::Str) fail(std::string("state dict key is a ") + kind_name(k.k) + ", not a str");
    const std::string& name = k.o->s;
    if (v.k != K::Tensor) fail("state dict entry '" + name + "' is a " + kind_name(v.k) + ", not a tensor");
    if (!seen.insert(name).second) fail("state dict key '" + name + "' appears twice");
    const Obj& t = *v.o;
    const Obj& s = *t.storage;
    const uint64_t es = dtype_size(t.dtype);
    const auto [data, avail] = bytes_of(s);
    uint64_t storage_bytes = 0;
    if (__builtin_mul_overflow(static_cast<uint64_t>(s.numel), es, &storage_bytes) || storage_bytes > avail)
      fail("storage '" + s.s + "' of '" + name + "' needs " + std::to_string(s.numel) + " x " + std::to_string(es) + " bytes but its record has " +
           std::to_string(avail));
    uint64_t numel = 1, last = static_cast<uint64_t>(t.offset);
    bool empty = false;
    for (size_t i = 0; i < t.shape.size(); ++i) {
      if (t.shape[i] == 0) empty = true;
      uint64_t span = 0;
      if (__builtin_mul_overflow(numel, static_cast<uint64_t>(t.shape[i]), &numel) ||
          (t.shape[i] > 0 && (__builtin_mul_overflow(static_cast<uint64_t>(t.shape[i] - 1), static_cast<uint64_t>(t.stride[i]), &span) ||
                              __builtin_add_overflow(last, span, &last))))
        fail("tensor '" + name + "' of size " + shape_str(t.shape) + " overflows");
    }
    if (!empty && last >= static_cast<uint64_t>(s.numel))
      fail("tensor '" + name + "' (size " + shape_str(t.shape) + ", stride " + shape_str(t.stride) + ", offset " + std::to_string(t.offset) +
           ") reaches element " + std::to_string(last) + " of a storage of " + std::to_string(s.numel));
    if (!empty && numel > static_cast<uint64_t>(s.numel))
      fail("tensor '" + name + "' (size " + shape_str(t.shape) + ") has more elements than its storage (overlapping strides)");
    if (__builtin_add_overflow(spent, numel * es, &spent) || spent > budget)
      fail("the tensors need more memory than " + std::to_string(budget) + " bytes for a " + std::to_string(file_size) + "-byte file");
    Tensor out_t = Tensor::empty(t.shape, t.dtype);
    auto* dst = static_cast<uint8_t*>(out_t.data_ptr());
    if (!empty) {
      // Row-major copy; a contiguous view is one memcpy.
      bool contiguous = true;
      int64_t expect = 1;
      for (size_t i = t.shape.size(); i-- > 0;) {
        if (t.shape[i] != 1 && t.stride[i] != expect) contiguous = false;
        expect *= t.shape[i];
      }
      if (contiguous) {
        std::memcpy(dst, data + t.offset * es, numel * es);
      } else {
        const size_t nd = t.shape.size();
        std::vector<int64_t> idx(nd, 0);
        for (uint64_t e = 0; e < numel; ++e) {
          int64_t src = t.offset;
          for (size_t i = 0; i < nd; ++i) src += idx[i] * t.stride[i];
          std::memcpy(dst + e * es, data + src * es, es);
          for (size_t i = nd; i-- > 0;) {
            if (++idx[i] < t.shape[i]) break;
            idx[i] = 0;
          }
        }
      }
      if (big_endian && es > 1)
        for (uint64_t e = 0; e < numel; ++e) std::reverse(dst + e * es, dst + (e + 1) * es);
    }
    out.emplace_back(name, std::move(out_t));
  }
  (void)m;
  return out;
}

// torch.save's zip archive: <prefix>/data.pkl and <prefix>/data/<key> storage records.
StateDict load_zip(const uint8_t* d, uint64_t n, const std::string& where) {
  const auto records = read_zip(d, n, where);
  std::string prefix;
  int found = 0;
  for (const auto& [name, _] : records) {
    const size_t slash = name.find('/');
    if (slash != std::string::npos && name.substr(slash) == "/data.pkl") {
      prefix = name.substr(0, slash + 1);
      ++found;
    }
  }
  if (found != 1) throw TorchPickleError(where + ": the archive has " + std::to_string(found) + " '<name>/data.pkl' records (a torch.save archive has one)");
  bool big = false;
  if (auto it = records.find(prefix + "byteorder"); it != records.end()) {
    const std::string order(reinterpret_cast<const char*>(d + it->second.offset), it->second.size);
    if (order != "little" && order != "big") throw TorchPickleError(where + ": unknown byteorder '" + order.substr(0, 16) + "'");
    big = order == "big";
  }
  const Record& pkl = records.at(prefix + "data.pkl");
  Machine m(d + pkl.offset, pkl.size, where + " (" + prefix + "data.pkl)");
  size_t pos = 0;
  const Value root = m.run(pos);
  return materialize(m, root, where, big, n, [&](const Obj& s) -> std::pair<const uint8_t*, uint64_t> {
    auto it = records.find(prefix + "data/" + s.s);
    if (it == records.end()) throw TorchPickleError(where + ": storage record '" + prefix + "data/" + s.s + "' is missing");
    return {d + it->second.offset, it->second.size};
  });
}

// The legacy stream (torch.save(..., _use_new_zipfile_serialization=False)): pickles of the magic
// number, the protocol version, sys_info and the object, then the sorted storage keys, then each
// storage as a little-endian int64 element count and its elements (little-endian whatever the
// machine that saved it).
StateDict load_legacy(const uint8_t* d, uint64_t n, const std::string& where) {
  Machine m(d, n, where);
  m.legacy = true;
  size_t pos = 0;
  static const std::string kMagic("\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19", 10);  // 0x1950a86a20f9469cfc6c
  const Value magic = m.run(pos);
  if (magic.k != K::BigInt || magic.o->s != kMagic) throw TorchPickleError(where + ": not a torch.save file (bad magic number)");
  const Value version = m.run(pos);
  if (version.k != K::Int || version.i != 1001)
    throw TorchPickleError(where + ": legacy torch.save protocol version " + (version.k == K::Int ? std::to_string(version.i) : "?") + " (expected 1001)");
  if (m.run(pos).k != K::Dict) throw TorchPickleError(where + ": legacy torch.save sys_info is not a dict");
  const Value root = m.run(pos);
  const auto storages = m.storages();  // the main pickle's; the key list below adds none
  const Value keys = m.run(pos);
  if (keys.k != K::List) throw TorchPickleError(where + ": legacy storage key list is missing");
  std::map<std::string, std::pair<const uint8_t*, uint64_t>> where_is;
  for (const Value& k : keys.o->items) {
    if (k.k != K::Str) throw TorchPickleError(where + ": legacy storage key is not a str");
    auto it = storages.find(k.o->s);
    if (it == storages.end()) throw TorchPickleError(where + ": storage '" + k.o->s + "' is listed but never referenced");
    if (n - pos < 8) throw TorchPickleError(where + ": truncated before storage '" + k.o->s + "'");
    const uint64_t count = rd(d + pos, 8);
    pos += 8;
    uint64_t bytes = 0;
    if (count != static_cast<uint64_t>(it->second->numel) || __builtin_mul_overflow(count, dtype_size(it->second->dtype), &bytes) ||
        bytes > n - pos)
      throw TorchPickleError(where + ": storage '" + k.o->s + "' claims " + std::to_string(count) + " elements (" +
                             std::to_string(it->second->numel) + " expected) with " + std::to_string(n - pos) + " bytes left");
    if (!where_is.emplace(k.o->s, std::make_pair(d + pos, bytes)).second)
      throw TorchPickleError(where + ": storage '" + k.o->s + "' is listed twice");
    pos += bytes;
  }
  return materialize(m, root, where, false, n, [&](const Obj& s) -> std::pair<const uint8_t*, uint64_t> {
    auto it = where_is.find(s.s);
    if (it == where_is.end()) throw TorchPickleError(where + ": storage '" + s.s + "' has no data");
    return it->second;
  });
}

struct FileMap {
  const uint8_t* data = nullptr;
  size_t size = 0;
  ~FileMap() {
    if (data && size) munmap(const_cast<uint8_t*>(data), size);
  }
};

}  // namespace

bool is_torch_checkpoint_path(const std::string& path) {
  for (const char* ext : {".bin", ".pt", ".pth", ".ckpt"}) {
    const size_t n = std::strlen(ext);
    if (path.size() > n && path.compare(path.size() - n, n, ext) == 0) return true;
  }
  return false;
}

StateDict load_torch_state_dict_from_bytes(const std::string& bytes, const std::string& name) {
  const auto* d = reinterpret_cast<const uint8_t*>(bytes.data());
  if (bytes.size() >= 4 && rd(d, 4) == 0x04034b50) return load_zip(d, bytes.size(), name);
  if (bytes.size() >= 2 && d[0] == 0x80) return load_legacy(d, bytes.size(), name);
  // An end-of-central-directory record alone still makes a (broken) zip worth diagnosing as one.
  return load_zip(d, bytes.size(), name);
}

StateDict load_torch_state_dict(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw OSError("cannot open PyTorch checkpoint '" + path + "': " + std::strerror(errno));
  struct stat st{};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw OSError("'" + path + "' is not a regular file");
  }
  FileMap f;
  f.size = static_cast<size_t>(st.st_size);
  if (f.size > 0) {
    void* p = mmap(nullptr, f.size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      ::close(fd);
      throw OSError("cannot mmap '" + path + "': " + std::strerror(errno));
    }
    f.data = static_cast<const uint8_t*>(p);
  }
  ::close(fd);
  if (f.size >= 4 && rd(f.data, 4) == 0x04034b50) return load_zip(f.data, f.size, path);
  if (f.size >= 2 && f.data[0] == 0x80) return load_legacy(f.data, f.size, path);
  return load_zip(f.data, f.size, path);
}

}  // namespace transformers
