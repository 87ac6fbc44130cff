#include "serve/json_constraint.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include "tokenizers/components.hpp"
#include "tokenizers/unicode.hpp"
#include "transformers/tokenizer.hpp"

namespace transformers::serve {

// ---------------------------------------------------------------------------------------------
// The schema as nodes. Unions are alternatives tried in parallel by the matcher.
struct Node {
  enum class K { Object, Array, String, Number, Integer, Literal, Union } k = K::Union;
  // Object: declared properties (names JSON-escaped as they appear between the quotes), the
  // required ones as a bit mask, and the schema of other keys (-1: none allowed).
  std::vector<std::string> keys;
  std::vector<int> props;
  uint64_t required = 0;
  int additional = -1;
  // Array
  int items = -1;
  int64_t min_items = 0, max_items = -1;
  // String (lengths in code points)
  int64_t min_len = 0, max_len = -1;
  // Literal: the exact JSON text (const, enum values, true / false / null)
  std::string text;
  // Union
  std::vector<int> alts;
};

struct CompiledSchema {
  std::vector<Node> nodes;
  int root = -1;
  int any = -1;
  int key_string = -1;  // a plain string node: object keys are read with it
};

namespace {

constexpr size_t kMaxDepth = 32;
constexpr int kMaxWhitespace = 4;
constexpr int kMaxDigits = 16;
constexpr size_t kMaxAlternatives = 256;
constexpr size_t kMaxProperties = 64;

class Compiler {
 public:
  explicit Compiler(const Json* root) : root_(root) {}

  std::shared_ptr<CompiledSchema> run() {
    auto cs = std::make_shared<CompiledSchema>();
    cs_ = cs.get();
    cs_->any = any_node();
    if (!root_) {
      Node obj;
      obj.k = Node::K::Object;
      obj.additional = cs_->any;
      cs_->root = add(std::move(obj));
    } else {
      cs_->root = compile(*root_, "#");
    }
    return cs;
  }

 private:
  const Json* root_;
  CompiledSchema* cs_ = nullptr;
  std::map<std::string, int> refs_;
  int depth_ = 0;

  int add(Node n) {
    cs_->nodes.push_back(std::move(n));
    return static_cast<int>(cs_->nodes.size()) - 1;
  }
  int literal(const std::string& text) {
    Node n;
    n.k = Node::K::Literal;
    n.text = text;
    return add(std::move(n));
  }
  // Any JSON value: an object or array of anything, a string, a number, true, false, null.
  int any_node() {
    const int u = add(Node{});
    Node obj, arr, str, num;
    obj.k = Node::K::Object, obj.additional = u;
    arr.k = Node::K::Array, arr.items = u;
    str.k = Node::K::String;
    num.k = Node::K::Number;
    cs_->key_string = add(std::move(str));
    std::vector<int> alts = {add(std::move(obj)), add(std::move(arr)), cs_->key_string, add(std::move(num)),
                             literal("true"), literal("false"), literal("null")};
    cs_->nodes[static_cast<size_t>(u)].alts = std::move(alts);
    return u;
  }

  [[noreturn]] static void fail(const std::string& where, const std::string& what) {
    throw JsonSchemaError("response_format json_schema at " + where + ": " + what);
  }

  static int64_t count(const Json& s, const char* key, const std::string& where) {
    const Json& v = s.at(key);
    if (!v.is_number_integer() || v.get<int64_t>() < 0) fail(where, std::string("'") + key + "' must be a non-negative integer");
    return v.get<int64_t>();
  }

  int ref(const std::string& r, const std::string& where) {
    if (auto it = refs_.find(r); it != refs_.end()) return it->second;
    const Json* target = nullptr;
    for (const char* prefix : {"#/$defs/", "#/definitions/"}) {
      const std::string p = prefix;
      if (r.rfind(p, 0) != 0) continue;
      const std::string section = p.substr(2, p.size() - 3), name = r.substr(p.size());
      if (root_ && root_->is_object() && root_->contains(section) && (*root_)[section].is_object() && (*root_)[section].contains(name))
        target = &(*root_)[section][name];
    }
    if (r == "#") target = root_;
    if (!target) fail(where, "$ref '" + r + "' is not a local definition (#/$defs/NAME or #/definitions/NAME)");
    // A placeholder union first, so a recursive schema refers to itself.
    const int u = add(Node{});
    refs_[r] = u;
    const int body = compile(*target, r);
    cs_->nodes[static_cast<size_t>(u)].alts = {body};
    return u;
  }

  int compile(const Json& s, const std::string& where) {
    if (++depth_ > 64) fail(where, "the schema nests too deeply");
    struct Leave {
      int& d;
      ~Leave() { --d; }
    } leave{depth_};
    if (s.is_boolean()) {
      if (!s.get<bool>()) fail(where, "the schema 'false' accepts nothing");
      return cs_->any;
    }
    if (!s.is_object()) fail(where, "a schema must be an object or a boolean");
    static const std::set<std::string> known = {
        "type", "properties", "required", "additionalProperties", "items", "minItems", "maxItems", "enum", "const", "anyOf",
        "$ref", "$defs", "definitions", "title", "description", "default", "examples", "format", "minLength", "maxLength",
        "$schema", "$id", "$comment", "nullable", "strict"};
    for (const auto& [k, v] : s.items()) {
      (void)v;
      if (!known.count(k)) fail(where, "the keyword '" + k + "' is not supported by constrained decoding");
    }
    if (s.contains("$ref")) {
      if (!s["$ref"].is_string()) fail(where, "'$ref' must be a string");
      return ref(s["$ref"].get<std::string>(), where);
    }
    if (s.contains("const")) return literal(s["const"].dump());
    if (s.contains("enum")) {
      const Json& e = s["enum"];
      if (!e.is_array() || e.empty()) fail(where, "'enum' must be a non-empty array");
      Node u;
      for (const Json& v : e) u.alts.push_back(literal(v.dump()));
      return add(std::move(u));
    }
    if (s.contains("anyOf")) {
      const Json& a = s["anyOf"];
      if (!a.is_array() || a.empty()) fail(where, "'anyOf' must be a non-empty array");
      Node u;
      for (size_t i = 0; i < a.size(); ++i) u.alts.push_back(compile(a[i], where + "/anyOf/" + std::to_string(i)));
      return add(std::move(u));
    }
    std::vector<std::string> types;
    if (s.contains("type")) {
      const Json& t = s["type"];
      if (t.is_string()) types.push_back(t.get<std::string>());
      else if (t.is_array())
        for (const Json& x : t) {
          if (!x.is_string()) fail(where, "'type' entries must be strings");
          types.push_back(x.get<std::string>());
        }
      else fail(where, "'type' must be a string or an array of strings");
    } else if (s.contains("properties") || s.contains("required") || s.contains("additionalProperties")) {
      types.push_back("object");
    } else if (s.contains("items")) {
      types.push_back("array");
    } else if (s.contains("minLength") || s.contains("maxLength")) {
      types.push_back("string");
    } else {
      return cs_->any;
    }
    if (s.contains("nullable")) {
      if (!s["nullable"].is_boolean()) fail(where, "'nullable' must be a boolean");  // value() would throw nlohmann's own error
      if (s["nullable"].get<bool>()) types.push_back("null");
    }
    Node u;
    for (const std::string& t : types) u.alts.push_back(typed(s, t, where));
    return u.alts.size() == 1 ? u.alts[0] : add(std::move(u));
  }

  int typed(const Json& s, const std::string& t, const std::string& where) {
    Node n;
    if (t == "object") {
      n.k = Node::K::Object;
      std::vector<std::pair<std::string, const Json*>> props;
      if (s.contains("properties")) {
        if (!s["properties"].is_object()) fail(where, "'properties' must be an object");
        for (const auto& [k, v] : s["properties"].items()) props.emplace_back(k, &v);
      }
      // Extra keys only when the schema allows them explicitly (or declares no properties): the
      // output then stays on the declared ones, which validates either way.
      bool allow_extra = props.empty();
      const Json* extra = nullptr;
      if (s.contains("additionalProperties")) {
        const Json& a = s["additionalProperties"];
        if (a.is_boolean()) allow_extra = a.get<bool>();
        else if (a.is_object()) allow_extra = true, extra = &a;
        else fail(where, "'additionalProperties' must be a boolean or a schema");
      }
      std::vector<std::string> required;
      if (s.contains("required")) {
        if (!s["required"].is_array()) fail(where, "'required' must be an array");
        for (const Json& r : s["required"]) {
          if (!r.is_string()) fail(where, "'required' entries must be strings");
          required.push_back(r.get<std::string>());
        }
      }
      for (const std::string& r : required)
        if (std::none_of(props.begin(), props.end(), [&](const auto& p) { return p.first == r; })) {
          if (!allow_extra) fail(where, "required property '" + r + "' is neither declared nor allowed as an additional property");
          props.emplace_back(r, extra);  // null: any value
        }
      if (props.size() > kMaxProperties) fail(where, "more than 64 properties in one object");
      for (size_t i = 0; i < props.size(); ++i) {
        n.keys.push_back(Json(props[i].first).dump());
        n.keys.back() = n.keys.back().substr(1, n.keys.back().size() - 2);
        n.props.push_back(props[i].second ? compile(*props[i].second, where + "/properties/" + props[i].first) : cs_->any);
        if (std::find(required.begin(), required.end(), props[i].first) != required.end()) n.required |= uint64_t{1} << i;
      }
      if (allow_extra) n.additional = extra ? compile(*extra, where + "/additionalProperties") : cs_->any;
      return add(std::move(n));
    }
    if (t == "array") {
      n.k = Node::K::Array;
      n.items = s.contains("items") ? compile(s["items"], where + "/items") : cs_->any;
      if (s.contains("minItems")) n.min_items = count(s, "minItems", where);
      if (s.contains("maxItems")) n.max_items = count(s, "maxItems", where);
      if (n.max_items >= 0 && n.max_items < n.min_items) fail(where, "maxItems is below minItems");
      return add(std::move(n));
    }
    if (t == "string") {
      n.k = Node::K::String;
      if (s.contains("minLength")) n.min_len = count(s, "minLength", where);
      if (s.contains("maxLength")) n.max_len = count(s, "maxLength", where);
      if (n.max_len >= 0 && n.max_len < n.min_len) fail(where, "maxLength is below minLength");
      return add(std::move(n));
    }
    if (t == "number" || t == "integer") {
      n.k = t == "number" ? Node::K::Number : Node::K::Integer;
      return add(std::move(n));
    }
    if (t == "boolean") {
      n.alts = {literal("true"), literal("false")};
      return add(std::move(n));
    }
    if (t == "null") return literal("null");
    fail(where, "unknown type '" + t + "'");
  }
};

// ---------------------------------------------------------------------------------------------
// The matcher: a set of parse stacks (alternatives of unions run side by side).
struct Frame {
  enum K : uint8_t { Value, Obj, Arr, Str, Num, Lit } k = Value;
  int node = -1;
  uint8_t phase = 0;
  uint8_t ws = 0;
  uint8_t u8_need = 0, u8_lo = 0x80, u8_hi = 0xBF;  // Str: continuation bytes still due, and the next one's range
  bool is_key = false;                                // Str: an object key
  uint16_t hex = 0;                                   // Str: the digits of a \uXXXX escape so far
  int key = -2;                                       // Obj: the property being written (-1: an additional one)
  int64_t n = 0;       // Arr: items; Str: code points; Lit: bytes matched; Num: digits in this part
  uint64_t seen = 0;   // Obj: declared properties written
  std::string buf;     // Str key: the raw bytes between the quotes
};
using Stack = std::vector<Frame>;

bool is_ws(uint8_t c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }
bool is_digit(uint8_t c) { return c >= '0' && c <= '9'; }
bool is_hex(uint8_t c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

class Machine {
 public:
  explicit Machine(const CompiledSchema& cs) : cs_(cs) {}

  void feed(Stack s, uint8_t c, std::vector<Stack>& out) const {
    if (s.empty()) return;  // a complete document: nothing may follow
    Frame& f = s.back();
    switch (f.k) {
      case Frame::Value: return value(std::move(s), c, out);
      case Frame::Lit: {
        const std::string& text = node(f.node).text;
        if (static_cast<uint8_t>(text[static_cast<size_t>(f.n)]) != c) return;
        if (++f.n == static_cast<int64_t>(text.size())) finish(s);
        out.push_back(std::move(s));
        return;
      }
      case Frame::Num: return number(std::move(s), c, out);
      case Frame::Str: return string(std::move(s), c, out);
      case Frame::Obj: return object(std::move(s), c, out);
      case Frame::Arr: return array(std::move(s), c, out);
    }
  }

  // The stack is a finished document (a number at the top level ends with the text).
  static bool can_finish(const Stack& s) {
    if (s.empty()) return true;
    return s.size() == 1 && s[0].k == Frame::Num && num_accepting(s[0]);
  }

  Stack start() const {
    Frame f;
    f.k = Frame::Value;
    f.node = cs_.root;
    return {f};
  }

 private:
  const CompiledSchema& cs_;

  const Node& node(int i) const { return cs_.nodes[static_cast<size_t>(i)]; }

  void flatten(int i, std::vector<int>& out, int guard = 0) const {
    const Node& n = node(i);
    if (n.k != Node::K::Union) return out.push_back(i);
    if (guard > 64) return;  // a union that only refers to itself accepts nothing more
    for (int a : n.alts) flatten(a, out, guard + 1);
  }

  // A child frame is complete: pop it and advance its parent.
  static void finish(Stack& s) {
    s.pop_back();
    if (s.empty()) return;
    Frame& p = s.back();
    if (p.k == Frame::Obj) {
      if (p.phase == 4) {
        if (p.key >= 0) p.seen |= uint64_t{1} << p.key;
        p.phase = 5, p.ws = 0;
      }
    } else if (p.k == Frame::Arr) {
      ++p.n;
      p.phase = 2, p.ws = 0;
    }
  }

  static void push_value(Stack& s, int n) {
    Frame v;
    v.k = Frame::Value;
    v.node = n;
    s.push_back(std::move(v));
  }

  void value(Stack s, uint8_t c, std::vector<Stack>& out) const {
    Frame& f = s.back();
    if (is_ws(c)) {
      if (f.ws >= kMaxWhitespace) return;
      ++f.ws;
      out.push_back(std::move(s));
      return;
    }
    std::vector<int> alts;
    flatten(f.node, alts);
    for (int a : alts) {
      const Node& n = node(a);
      Frame g;
      g.node = a;
      bool starts = false;
      switch (n.k) {
        // Objects and arrays open only below the depth limit (other values still can there).
        case Node::K::Object: g.k = Frame::Obj, starts = c == '{' && s.size() < kMaxDepth; break;
        case Node::K::Array: g.k = Frame::Arr, starts = c == '[' && s.size() < kMaxDepth; break;
        case Node::K::String: g.k = Frame::Str, starts = c == '"'; break;
        case Node::K::Number:
        case Node::K::Integer: g.k = Frame::Num, starts = c == '-' || is_digit(c); break;
        case Node::K::Literal: g.k = Frame::Lit, starts = !n.text.empty() && static_cast<uint8_t>(n.text[0]) == c; break;
        case Node::K::Union: break;
      }
      if (!starts) continue;
      Stack t = s;
      t.back() = std::move(g);
      feed(std::move(t), c, out);
    }
  }

  // Number phases: 0 start, 1 after '-', 2 after a leading 0, 3 integer digits, 4 after '.',
  // 5 fraction digits, 6 after 'e', 7 after the exponent's sign, 8 exponent digits.
  static bool num_accepting(const Frame& f) { return f.phase == 2 || f.phase == 3 || f.phase == 5 || f.phase == 8; }

  void number(Stack s, uint8_t c, std::vector<Stack>& out) const {
    Frame& f = s.back();
    const bool integer = node(f.node).k == Node::K::Integer;
    auto digit = [&](uint8_t next_phase) {
      if (f.phase == next_phase && f.n >= kMaxDigits) return false;
      f.n = f.phase == next_phase ? f.n + 1 : 1;
      f.phase = next_phase;
      return true;
    };
    bool ok = false;
    switch (f.phase) {
      case 0:
        if (c == '-') f.phase = 1, ok = true;
        else if (c == '0') f.phase = 2, ok = true;
        else if (is_digit(c)) ok = digit(3);
        break;
      case 1:
        if (c == '0') f.phase = 2, ok = true;
        else if (is_digit(c)) ok = digit(3);
        break;
      case 2:
      case 3:
        if (f.phase == 3 && is_digit(c)) ok = digit(3);
        else if (!integer && c == '.') f.phase = 4, ok = true;
        else if (!integer && (c == 'e' || c == 'E')) f.phase = 6, ok = true;
        break;
      case 4:
      case 5:
        if (is_digit(c)) ok = digit(5);
        else if (f.phase == 5 && (c == 'e' || c == 'E')) f.phase = 6, ok = true;
        break;
      case 6:
        if (c == '+' || c == '-') f.phase = 7, ok = true;
        else if (is_digit(c)) ok = digit(8);
        break;
      case 7:
      case 8:
        if (is_digit(c)) ok = digit(8);
        break;
      default: break;
    }
    if (ok) return out.push_back(std::move(s));
    // A byte that does not continue the number ends it, when it may end here, and goes on to
    // the parent (a ',' or a closing bracket).
    if (!num_accepting(s.back()) || is_digit(c)) return;
    finish(s);
    feed(std::move(s), c, out);
  }

  // The key names still open to an object's frame `o` (declared, not written yet).
  static bool key_prefix_ok(const Node& on, const Frame& o, const std::string& buf) {
    for (size_t i = 0; i < on.keys.size(); ++i)
      if (!(o.seen >> i & 1) && on.keys[i].compare(0, buf.size(), buf) == 0 && on.keys[i].size() >= buf.size()) return true;
    return false;
  }

  void string(Stack s, uint8_t c, std::vector<Stack>& out) const {
    Frame& f = s.back();
    if (f.phase == 0) {
      if (c != '"') return;
      f.phase = 1;
      return out.push_back(std::move(s));
    }
    const Frame* owner = f.is_key ? &s[s.size() - 2] : nullptr;
    const Node* on = owner ? &node(owner->node) : nullptr;
    const Node& sn = node(f.node);
    if (f.phase == 1 && f.u8_need == 0 && c == '"') {
      if (f.is_key) {
        int key = -2;
        for (size_t i = 0; i < on->keys.size(); ++i)
          if (on->keys[i] == f.buf) key = (owner->seen >> i & 1) ? -3 : static_cast<int>(i);
        if (key == -3) return;                      // a declared property written twice
        if (key == -2 && on->additional < 0) return;  // not a property this object takes
        Frame& o = s[s.size() - 2];
        o.key = key == -2 ? -1 : key;
        s.pop_back();
        o.phase = 3, o.ws = 0;
        return out.push_back(std::move(s));
      }
      if (f.n < sn.min_len) return;
      finish(s);
      return out.push_back(std::move(s));
    }
    bool counts = false;  // this byte completes a code point
    // A new code point only while the length bound leaves room for it: a lead byte accepted at
    // the bound would be a dead end.
    if (f.phase == 1 && f.u8_need == 0 && sn.max_len >= 0 && f.n >= sn.max_len) return;
    if (f.phase == 1) {
      if (f.u8_need > 0) {
        if (c < f.u8_lo || c > f.u8_hi) return;
        f.u8_lo = 0x80, f.u8_hi = 0xBF;
        counts = --f.u8_need == 0;
      } else if (c < 0x20) {
        return;  // control characters must be escaped
      } else if (c == '\\') {
        f.phase = 2;
      } else if (c < 0x80) {
        counts = true;
      } else if (c >= 0xC2 && c <= 0xDF) {
        f.u8_need = 1;
      } else if (c >= 0xE0 && c <= 0xEF) {
        f.u8_need = 2;
        if (c == 0xE0) f.u8_lo = 0xA0;  // no overlong forms
        if (c == 0xED) f.u8_hi = 0x9F;  // no surrogates
      } else if (c >= 0xF0 && c <= 0xF4) {
        f.u8_need = 3;
        if (c == 0xF0) f.u8_lo = 0x90;
        if (c == 0xF4) f.u8_hi = 0x8F;
      } else {
        return;
      }
    } else if (f.phase == 2) {
      if (c == 'u') f.phase = 3;
      else if (c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' || c == 'r' || c == 't') f.phase = 1, counts = true;
      else return;
    } else {  // phases 3..6: the four hex digits of \uXXXX
      if (!is_hex(c)) return;
      const int d = is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
      f.hex = static_cast<uint16_t>(f.hex * 16 + d);
      // No surrogate escapes (D800-DFFF), refused at their second digit: a lone one is not
      // Unicode text, and a pair is more than a length bound can count simply.
      if (f.phase == 4 && f.hex >= 0xD8 && f.hex <= 0xDF) return;
      if (f.phase == 6) f.phase = 1, f.hex = 0, counts = true;
      else ++f.phase;
    }
    if (counts) ++f.n;
    if (f.is_key) {
      f.buf.push_back(static_cast<char>(c));
      if (on->additional < 0 && !key_prefix_ok(*on, *owner, f.buf)) return;
    }
    out.push_back(std::move(s));
  }

  bool key_available(const Node& on, const Frame& o) const {
    if (on.additional >= 0) return true;
    for (size_t i = 0; i < on.keys.size(); ++i)
      if (!(o.seen >> i & 1)) return true;
    return false;
  }

  void object(Stack s, uint8_t c, std::vector<Stack>& out) const {
    Frame& f = s.back();
    const Node& on = node(f.node);
    if (f.phase == 0) {
      if (c != '{') return;
      f.phase = 1, f.ws = 0;
      return out.push_back(std::move(s));
    }
    if (is_ws(c) && f.phase != 4) {
      if (f.ws >= kMaxWhitespace) return;
      ++f.ws;
      return out.push_back(std::move(s));
    }
    const bool complete = (f.seen & on.required) == on.required;
    switch (f.phase) {
      case 1:
      case 6:
        if (c == '"' && key_available(on, f)) {
          f.phase = 2;
          Frame k;
          k.k = Frame::Str;
          k.node = cs_.key_string;
          k.is_key = true;
          k.phase = 1;
          s.push_back(std::move(k));
          return out.push_back(std::move(s));
        }
        if (c == '}' && f.phase == 1 && complete) {
          finish(s);
          return out.push_back(std::move(s));
        }
        return;
      case 3:
        if (c != ':') return;
        f.phase = 4;
        push_value(s, f.key >= 0 ? on.props[static_cast<size_t>(f.key)] : on.additional);
        return out.push_back(std::move(s));
      case 5:
        if (c == ',' && key_available(on, f)) {
          f.phase = 6, f.ws = 0;
          return out.push_back(std::move(s));
        }
        if (c == '}' && complete) {
          finish(s);
          return out.push_back(std::move(s));
        }
        return;
      default: return;
    }
  }

  void array(Stack s, uint8_t c, std::vector<Stack>& out) const {
    Frame& f = s.back();
    const Node& an = node(f.node);
    if (f.phase == 0) {
      if (c != '[') return;
      f.phase = 1, f.ws = 0;
      return out.push_back(std::move(s));
    }
    if (is_ws(c)) {
      if (f.ws >= kMaxWhitespace) return;
      ++f.ws;
      return out.push_back(std::move(s));
    }
    switch (f.phase) {
      case 1:
        if (c == ']') {
          if (an.min_items > 0) return;
          finish(s);
          return out.push_back(std::move(s));
        }
        [[fallthrough]];
      case 3:
        if (an.max_items >= 0 && f.n >= an.max_items) return;
        f.phase = 4;
        push_value(s, an.items);
        return feed(std::move(s), c, out);
      case 2:
        if (c == ',' && (an.max_items < 0 || f.n < an.max_items)) {
          f.phase = 3, f.ws = 0;
          return out.push_back(std::move(s));
        }
        if (c == ']' && f.n >= an.min_items) {
          finish(s);
          return out.push_back(std::move(s));
        }
        return;
      default: return;
    }
  }
};

}  // namespace

std::shared_ptr<const CompiledSchema> compile_json_schema(const Json* schema) { return Compiler(schema).run(); }

// ---------------------------------------------------------------------------------------------
struct JsonMatcher::State {
  std::vector<Stack> alts;
};

namespace {
// Every alternative fed one byte; false when none survives (then `next` is left empty).
bool step(const Machine& m, const std::vector<Stack>& alts, uint8_t c, std::vector<Stack>& next) {
  next.clear();
  for (const Stack& s : alts) {
    m.feed(s, c, next);
    if (next.size() > kMaxAlternatives) next.resize(kMaxAlternatives);  // fewer paths stay sound
  }
  return !next.empty();
}
}  // namespace

JsonMatcher::JsonMatcher(std::shared_ptr<const CompiledSchema> schema) : schema_(std::move(schema)), state_(std::make_unique<State>()) {
  if (!schema_) throw ValueError("JsonMatcher: no schema");
  state_->alts.push_back(Machine(*schema_).start());
}
JsonMatcher::~JsonMatcher() = default;
JsonMatcher::JsonMatcher(const JsonMatcher& o) : schema_(o.schema_), state_(std::make_unique<State>(*o.state_)) {}
JsonMatcher& JsonMatcher::operator=(const JsonMatcher& o) {
  if (this != &o) schema_ = o.schema_, state_ = std::make_unique<State>(*o.state_);
  return *this;
}

bool JsonMatcher::feed(std::string_view bytes) {
  const Machine m(*schema_);
  std::vector<Stack> cur = state_->alts, next;
  for (char ch : bytes) {
    if (!step(m, cur, static_cast<uint8_t>(ch), next)) return false;
    cur.swap(next);
  }
  state_->alts = std::move(cur);
  return true;
}

bool JsonMatcher::can_finish() const {
  return std::any_of(state_->alts.begin(), state_->alts.end(), [](const Stack& s) { return Machine::can_finish(s); });
}

bool JsonMatcher::done() const {
  return std::all_of(state_->alts.begin(), state_->alts.end(), [](const Stack& s) { return s.empty(); });
}

// ---------------------------------------------------------------------------------------------
struct TokenVocabulary {
  std::vector<std::string> bytes;  // per id; empty: never allowed
  struct TrieNode {
    std::vector<std::pair<uint8_t, int>> kids;
    std::vector<int64_t> ids;
  };
  // All tokens, and only those that are not plain string content (for the fast path inside an
  // unbounded string, where every plain token is allowed as a whole).
  std::vector<TrieNode> all, special_chars;
  std::vector<int64_t> plain;        // whole UTF-8 characters, none of them '"', '\\' or a control character
  std::vector<int64_t> plain_chars;  // per id: its code points when plain

  static void insert(std::vector<TrieNode>& trie, const std::string& b, int64_t id) {
    if (trie.empty()) trie.emplace_back();
    int at = 0;
    for (char ch : b) {
      const uint8_t c = static_cast<uint8_t>(ch);
      auto& kids = trie[static_cast<size_t>(at)].kids;
      auto it = std::find_if(kids.begin(), kids.end(), [&](const auto& k) { return k.first == c; });
      if (it != kids.end()) {
        at = it->second;
      } else {
        const int child = static_cast<int>(trie.size());
        kids.emplace_back(c, child);  // `kids` is not used after the emplace below
        trie.emplace_back();
        at = child;
      }
    }
    trie[static_cast<size_t>(at)].ids.push_back(id);
  }

  void build() {
    all.clear(), special_chars.clear(), plain.clear();
    all.emplace_back(), special_chars.emplace_back();
    plain_chars.assign(bytes.size(), 0);
    for (size_t id = 0; id < bytes.size(); ++id) {
      const std::string& b = bytes[id];
      if (b.empty()) continue;
      insert(all, b, static_cast<int64_t>(id));
      int64_t chars = 0;
      bool is_plain = tok::utf8_valid(b);
      for (char ch : b) {
        const auto c = static_cast<uint8_t>(ch);
        if (c < 0x20 || c == 0x7F || c == '"' || c == '\\') is_plain = false;
        chars += (c & 0xC0) != 0x80;
      }
      if (is_plain) {
        plain.push_back(static_cast<int64_t>(id));
        plain_chars[id] = chars;
      } else {
        insert(special_chars, b, static_cast<int64_t>(id));
      }
    }
  }
};

std::shared_ptr<const TokenVocabulary> token_vocabulary(std::vector<std::string> token_bytes) {
  auto v = std::make_shared<TokenVocabulary>();
  v->bytes = std::move(token_bytes);
  v->build();
  return v;
}

std::string_view token_bytes(const TokenVocabulary& vocab, int64_t id) {
  if (id < 0 || static_cast<size_t>(id) >= vocab.bytes.size()) return {};
  return vocab.bytes[static_cast<size_t>(id)];
}

std::shared_ptr<const TokenVocabulary> token_vocabulary(const PreTrainedTokenizer& tokenizer) {
  const Tokenizer& backend = tokenizer.backend();
  const std::map<std::string, int64_t> base = backend.get_vocab(false);
  const auto& to_byte = tok::unicode_to_bytes();
  // Byte-level BPE (GPT-2's alphabet) when nearly every piece maps back to bytes; otherwise
  // SentencePiece-style pieces ("▁" for a space, <0xNN> byte fallback).
  size_t mappable = 0;
  for (const auto& [piece, id] : base) {
    (void)id;
    const std::u32string cs = tok::utf8_decode(piece);
    if (std::all_of(cs.begin(), cs.end(), [&](char32_t c) { return to_byte.count(c) > 0; })) ++mappable;
  }
  const bool byte_level = !base.empty() && mappable * 10 >= base.size() * 9;
  std::vector<std::string> bytes(tokenizer.vocab_size());
  for (const auto& [piece, id] : base) {
    if (id < 0 || static_cast<size_t>(id) >= bytes.size() || backend.is_special(piece)) continue;
    std::string b;
    if (byte_level) {
      bool ok = true;
      for (char32_t c : tok::utf8_decode(piece)) {
        auto it = to_byte.find(c);
        if (it == to_byte.end()) { ok = false; break; }
        b.push_back(static_cast<char>(it->second));
      }
      if (!ok) continue;
    } else if (piece.size() == 6 && piece.rfind("<0x", 0) == 0 && piece[5] == '>' && is_hex(static_cast<uint8_t>(piece[3])) &&
               is_hex(static_cast<uint8_t>(piece[4]))) {
      b.push_back(static_cast<char>(std::stoi(piece.substr(3, 2), nullptr, 16)));
    } else {
      if (piece.size() > 2 && piece.front() == '<' && piece.back() == '>') continue;  // <unk>, <s>, </s>, <pad>
      static const std::string kSpace = "\xE2\x96\x81";  // ▁
      for (size_t i = 0; i < piece.size();) {
        if (piece.compare(i, kSpace.size(), kSpace) == 0) b.push_back(' '), i += kSpace.size();
        else b.push_back(piece[i++]);
      }
    }
    bytes[static_cast<size_t>(id)] = std::move(b);
  }
  return token_vocabulary(std::move(bytes));
}

// ---------------------------------------------------------------------------------------------
class TokenConstraint {
 public:
  TokenConstraint(std::shared_ptr<const CompiledSchema> schema, std::shared_ptr<const TokenVocabulary> vocab, std::vector<int64_t> eos)
      : vocab_(std::move(vocab)), eos_(std::move(eos)), matcher_(std::move(schema)) {
    if (!vocab_) throw ValueError("json_constraint: no vocabulary");
  }

  void operator()(const std::vector<int64_t>& generated, float* logits, int64_t V) {
    for (; consumed_ < generated.size(); ++consumed_) {
      const int64_t id = generated[consumed_];
      if (id < 0 || static_cast<size_t>(id) >= vocab_->bytes.size()) continue;
      // A token the mask did not allow (only an end-of-sequence id) leaves the state alone.
      matcher_.feed(vocab_->bytes[static_cast<size_t>(id)]);
    }
    std::vector<char> allowed(static_cast<size_t>(std::max<int64_t>(V, 0)), 0);
    const bool finished = matcher_.can_finish();
    if (!matcher_.done()) mark(allowed);
    bool any = std::any_of(allowed.begin(), allowed.end(), [](char a) { return a != 0; });
    // End of sequence once the document is complete; also when nothing else can follow (a
    // vocabulary that cannot spell what the schema needs): stopping beats looping.
    if (finished || !any)
      for (int64_t e : eos_)
        if (e >= 0 && e < V) allowed[static_cast<size_t>(e)] = 1;
    for (int64_t i = 0; i < V; ++i)
      if (!allowed[static_cast<size_t>(i)]) logits[i] = -std::numeric_limits<float>::infinity();
  }

 private:
  std::shared_ptr<const TokenVocabulary> vocab_;
  std::vector<int64_t> eos_;
  JsonMatcher matcher_;
  size_t consumed_ = 0;

  void walk(const Machine& m, const std::vector<TokenVocabulary::TrieNode>& trie, int at, const std::vector<Stack>& alts,
            std::vector<char>& allowed) const {
    std::vector<Stack> next;
    for (const auto& [c, child] : trie[static_cast<size_t>(at)].kids) {
      if (!step(m, alts, c, next)) continue;
      for (int64_t id : trie[static_cast<size_t>(child)].ids)
        if (static_cast<size_t>(id) < allowed.size()) allowed[static_cast<size_t>(id)] = 1;
      walk(m, trie, child, next, allowed);
    }
  }

  // Inside a string's content (between characters) every alternative takes any whole character
  // but '"', '\\' and control characters and stays a string: plain tokens whose characters fit the
  // length bound pass as a whole, and only the others need the walk. The room left, or nothing when the state is
  // not that.
  std::optional<int64_t> string_room(const std::vector<Stack>& alts) const {
    int64_t room = std::numeric_limits<int64_t>::max();
    for (const Stack& s : alts) {
      if (s.empty()) return std::nullopt;
      const Frame& f = s.back();
      if (f.k != Frame::Str || f.phase != 1 || f.u8_need != 0) return std::nullopt;
      // A key is free text only where the object takes other keys than its declared ones.
      if (f.is_key && matcher_.schema_->nodes[static_cast<size_t>(s[s.size() - 2].node)].additional < 0) return std::nullopt;
      const int64_t max_len = matcher_.schema_->nodes[static_cast<size_t>(f.node)].max_len;
      if (max_len >= 0) room = std::min(room, max_len - f.n);
    }
    return room;
  }

  void mark(std::vector<char>& allowed) const {
    const Machine m(*matcher_.schema_);
    const auto& alts = matcher_.state_->alts;
    if (const std::optional<int64_t> room = string_room(alts)) {
      for (int64_t id : vocab_->plain)
        if (static_cast<size_t>(id) < allowed.size() && vocab_->plain_chars[static_cast<size_t>(id)] <= *room)
          allowed[static_cast<size_t>(id)] = 1;
      walk(m, vocab_->special_chars, 0, alts, allowed);
    } else {
      walk(m, vocab_->all, 0, alts, allowed);
    }
  }
};

std::function<void(const std::vector<int64_t>&, float*, int64_t)> json_constraint(std::shared_ptr<const CompiledSchema> schema,
                                                                                  std::shared_ptr<const TokenVocabulary> vocab,
                                                                                  std::vector<int64_t> eos_ids) {
  auto c = std::make_shared<TokenConstraint>(std::move(schema), std::move(vocab), std::move(eos_ids));
  return [c](const std::vector<int64_t>& generated, float* logits, int64_t V) { (*c)(generated, logits, V); };
}

}  // namespace transformers::serve
