#pragma once
// A Jinja2 interpreter for chat templates, with the environment transformers uses:
// trim_blocks, lstrip_blocks, loopcontrols, no autoescape, keep_trailing_newline=False,
// tojson as Python json.dumps, raise_exception, strftime_now, and the immutable sandbox
// (no list.append / dict.update). Values render as Python's str() does.
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "io/json.hpp"

namespace transformers::jinja {

struct Value;
using List = std::vector<Value>;
using Dict = std::vector<std::pair<std::string, Value>>;  // insertion-ordered, as Python dicts
using Args = std::vector<Value>;
using Kwargs = std::vector<std::pair<std::string, Value>>;
using Func = std::function<Value(const Args&, const Kwargs&)>;

struct Value {
  enum Kind { Undefined, None, Bool, Int, Float, Str, ListV, DictV, FuncV } kind = Undefined;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::string s;
  std::shared_ptr<List> list;
  std::shared_ptr<Dict> dict;
  std::shared_ptr<Func> fn;
  bool is_namespace = false;
  bool safe = false;  // a markupsafe.Markup string (|safe, |escape): adding plain text to it escapes that text
  bool generator = false;  // a list that is a Python generator (map, select, ...): no len, index or JSON; always true

  Value() = default;
  static Value none() { Value v; v.kind = None; return v; }
  Value(bool x) : kind(Bool), b(x) {}
  Value(int64_t x) : kind(Int), i(x) {}
  Value(int x) : kind(Int), i(x) {}
  Value(double x) : kind(Float), f(x) {}
  Value(std::string x) : kind(Str), s(std::move(x)) {}
  Value(const char* x) : kind(Str), s(x) {}
  Value(List x) : kind(ListV), list(std::make_shared<List>(std::move(x))) {}
  Value(Dict x) : kind(DictV), dict(std::make_shared<Dict>(std::move(x))) {}
  static Value function(Func f) { Value v; v.kind = FuncV; v.fn = std::make_shared<Func>(std::move(f)); return v; }
  static Value from_json(const nlohmann::ordered_json& j);
};

class Template {
 public:
  explicit Template(const std::string& source);  // TemplateError on syntax errors
  ~Template();
  Template(Template&&) noexcept;
  // TemplateError on runtime errors / raise_exception. `now`: the local time strftime_now formats
  // (the system clock when null), so tests and reproducible renders can fix the date.
  std::string render(const Dict& context, const std::tm* now = nullptr) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace transformers::jinja
