// Jinja2 for chat templates: lexer (with Jinja's whitespace rules), recursive-descent parser to
// an AST, and a tree-walking evaluator. Written for the constructs real chat templates use.
#include "tokenizers/jinja.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <sstream>

#include "tokenizers/unicode.hpp"
#include "transformers/errors.hpp"

namespace transformers::jinja {

Value Value::from_json(const nlohmann::ordered_json& j) {
  if (j.is_null()) return Value::none();
  if (j.is_boolean()) return Value(j.get<bool>());
  if (j.is_number_integer()) return Value(j.get<int64_t>());
  if (j.is_number()) return Value(j.get<double>());
  if (j.is_string()) return Value(j.get<std::string>());
  if (j.is_array()) {
    List l;
    for (const auto& e : j) l.push_back(from_json(e));
    return Value(std::move(l));
  }
  Dict d;
  for (auto it = j.begin(); it != j.end(); ++it) d.emplace_back(it.key(), from_json(it.value()));
  return Value(std::move(d));
}

namespace {

[[noreturn]] void fail(const std::string& m) { throw TemplateError("chat template: " + m); }

// ------------------------------------------------------------------ rendering helpers

std::string py_repr_str(const std::string& s) {
  const bool has_single = s.find('\'') != std::string::npos, has_double = s.find('"') != std::string::npos;
  const char q = has_single && !has_double ? '"' : '\'';
  std::string r(1, q);
  for (char c : s) {
    if (c == q || c == '\\') r += '\\', r += c;
    else if (c == '\n') r += "\\n";
    else if (c == '\t') r += "\\t";
    else if (c == '\r') r += "\\r";
    else r += c;
  }
  return r + q;
}

std::string fmt_float(double f) {
  if (std::isnan(f)) return "nan";
  if (std::isinf(f)) return f > 0 ? "inf" : "-inf";
  char buf[64];
  for (int p = 1; p <= 17; ++p) {  // shortest round-tripping form, like Python's repr
    std::snprintf(buf, sizeof buf, "%.*g", p, f);
    if (std::strtod(buf, nullptr) == f) break;
  }
  std::string s = buf;
  if (s.find_first_of(".e") == std::string::npos && s.find("inf") == std::string::npos) s += ".0";
  return s;
}

std::string str(const Value& v, bool repr = false);

std::string str(const Value& v, bool repr) {
  switch (v.kind) {
    case Value::Undefined: return "";
    case Value::None: return "None";
    case Value::Bool: return v.b ? "True" : "False";
    case Value::Int: return std::to_string(v.i);
    case Value::Float: return fmt_float(v.f);
    case Value::Str: return repr ? py_repr_str(v.s) : v.s;
    case Value::ListV: {
      std::string r = "[";
      for (size_t k = 0; k < v.list->size(); ++k) r += (k ? ", " : "") + str((*v.list)[k], true);
      return r + "]";
    }
    case Value::DictV: {
      std::string r = "{";
      for (size_t k = 0; k < v.dict->size(); ++k) r += (k ? ", " : "") + py_repr_str((*v.dict)[k].first) + ": " + str((*v.dict)[k].second, true);
      return r + "}";
    }
    case Value::FuncV: return "<function>";
  }
  return "";
}

void json_str(std::string& out, const std::string& s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);  // ensure_ascii=False
        }
    }
  }
  out += '"';
}

// Python json.dumps(x, ensure_ascii=False, indent=indent), default separators.
// json.dumps as transformers' tojson calls it: indent, separators (item, key), sort_keys.
struct JsonStyle {
  int indent = -1;
  std::string item, key = ": ";
  bool sort_keys = false;
};

void to_json(std::string& out, const Value& v, const JsonStyle& st, int depth) {
  if (v.kind == Value::ListV && v.generator) fail("Object of type generator is not JSON serializable");
  auto nl = [&](int d) {
    if (st.indent < 0) return;
    out += '\n';
    out.append(static_cast<size_t>(st.indent * d), ' ');
  };
  switch (v.kind) {
    case Value::Undefined: case Value::None: out += "null"; return;
    case Value::Bool: out += v.b ? "true" : "false"; return;
    case Value::Int: out += std::to_string(v.i); return;
    case Value::Float: out += std::isfinite(v.f) ? fmt_float(v.f) : (std::isnan(v.f) ? "NaN" : (v.f > 0 ? "Infinity" : "-Infinity")); return;
    case Value::Str: json_str(out, v.s); return;
    case Value::ListV:
      if (v.list->empty()) { out += "[]"; return; }
      out += '[';
      for (size_t k = 0; k < v.list->size(); ++k) {
        if (k) out += st.item;
        nl(depth + 1);
        to_json(out, (*v.list)[k], st, depth + 1);
      }
      nl(depth);
      out += ']';
      return;
    case Value::DictV: {
      if (v.dict->empty()) { out += "{}"; return; }
      std::vector<const std::pair<std::string, Value>*> items;
      for (const auto& kv : *v.dict) items.push_back(&kv);
      if (st.sort_keys) std::stable_sort(items.begin(), items.end(), [](auto* x, auto* y) { return x->first < y->first; });
      out += '{';
      for (size_t k = 0; k < items.size(); ++k) {
        if (k) out += st.item;
        nl(depth + 1);
        json_str(out, items[k]->first);
        out += st.key;
        to_json(out, items[k]->second, st, depth + 1);
      }
      nl(depth);
      out += '}';
      return;
    }
    case Value::FuncV: fail("cannot serialize a function to JSON");
  }
}

bool truthy(const Value& v) {
  switch (v.kind) {
    case Value::Undefined: case Value::None: return false;
    case Value::Bool: return v.b;
    case Value::Int: return v.i != 0;
    case Value::Float: return v.f != 0;
    case Value::Str: return !v.s.empty();
    case Value::ListV: return v.generator || !v.list->empty();
    case Value::DictV: return !v.dict->empty() || v.is_namespace;
    case Value::FuncV: return true;
  }
  return false;
}

bool equal(const Value& a, const Value& b) {
  const bool an = a.kind == Value::Int || a.kind == Value::Float || a.kind == Value::Bool;
  const bool bn = b.kind == Value::Int || b.kind == Value::Float || b.kind == Value::Bool;
  if (an && bn) {
    auto num = [](const Value& v) { return v.kind == Value::Float ? v.f : v.kind == Value::Int ? double(v.i) : double(v.b); };
    return num(a) == num(b);
  }
  if ((a.kind == Value::Undefined || a.kind == Value::None) && (b.kind == Value::Undefined || b.kind == Value::None))
    return a.kind == b.kind;  // Jinja: undefined == none is false
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case Value::Str: return a.s == b.s;
    case Value::ListV:
      if (a.list->size() != b.list->size()) return false;
      for (size_t k = 0; k < a.list->size(); ++k)
        if (!equal((*a.list)[k], (*b.list)[k])) return false;
      return true;
    case Value::DictV:
      if (a.dict->size() != b.dict->size()) return false;
      for (const auto& kv : *a.dict) {  // no structured binding: clang 14 cannot capture one in a lambda
        auto it = std::find_if(b.dict->begin(), b.dict->end(), [&](const auto& e) { return e.first == kv.first; });
        if (it == b.dict->end() || !equal(kv.second, it->second)) return false;
      }
      return true;
    default: return a.fn == b.fn;
  }
}

const Value* dict_get(const Value& d, const std::string& k) {
  if (d.kind != Value::DictV) return nullptr;
  for (const auto& e : *d.dict)
    if (e.first == k) return &e.second;
  return nullptr;
}

// ------------------------------------------------------------------ lexer

struct Tok {
  enum T { Text, Expr, Stmt } t;
  std::string s;  // text, or the tag's inner source
  size_t line;
  size_t col = 0;  // 1-based column of the tag's opening brace
};

// Errors carry where they happened: "... (line L, column C)", added once, by the innermost tag.
[[noreturn]] void rethrow_at(const TemplateError& e, size_t line, size_t col) {
  const std::string w = e.what();
  if (w.find(" (line ") != std::string::npos || line == 0) throw e;
  throw TemplateError(w + " (line " + std::to_string(line) + ", column " + std::to_string(col) + ")");
}

std::vector<Tok> lex(std::string src) {
  if (!src.empty() && src.back() == '\n') {  // keep_trailing_newline=False
    src.pop_back();
    if (!src.empty() && src.back() == '\r') src.pop_back();
  }
  std::vector<Tok> out;
  size_t pos = 0, line = 1;
  bool strip_next = false, trim_newline = false;
  while (pos <= src.size()) {
    size_t open = src.find('{', pos);
    while (open != std::string::npos && open + 1 < src.size() && src[open + 1] != '{' && src[open + 1] != '%' && src[open + 1] != '#')
      open = src.find('{', open + 1);
    if (open + 1 >= src.size()) open = std::string::npos;
    std::string text = src.substr(pos, open == std::string::npos ? std::string::npos : open - pos);
    // Jinja's line_starting: the previous tag's match (with the whitespace it swallowed) ended a line.
    bool line_starting = pos == 0;
    if (strip_next) {
      const size_t k = text.find_first_not_of(" \t\r\n") == std::string::npos ? text.size() : text.find_first_not_of(" \t\r\n");
      line_starting = k > 0 && text[k - 1] == '\n';
      text.erase(0, k);
    } else if (trim_newline && !text.empty() && text[0] == '\n') {
      text.erase(0, 1);
      line_starting = true;
    } else if (trim_newline && text.size() > 1 && text[0] == '\r' && text[1] == '\n') {
      text.erase(0, 2);
      line_starting = true;
    }
    strip_next = trim_newline = false;
    if (open == std::string::npos) {
      if (!text.empty()) out.push_back({Tok::Text, text, line});
      break;
    }
    const char kind = src[open + 1];
    const bool minus = open + 2 < src.size() && src[open + 2] == '-';
    const bool plus = open + 2 < src.size() && src[open + 2] == '+';
    if (minus) {
      const size_t e = text.find_last_not_of(" \t\r\n");
      text = e == std::string::npos ? "" : text.substr(0, e + 1);
    } else if (!plus && (kind == '%' || kind == '#')) {  // lstrip_blocks
      const size_t nlp = text.find_last_of('\n');
      const std::string tail = text.substr(nlp == std::string::npos ? 0 : nlp + 1);
      const bool line_start = nlp != std::string::npos || line_starting;
      if (line_start && tail.find_first_not_of(" \t") == std::string::npos) text.erase(text.size() - tail.size());
    }
    if (!text.empty()) out.push_back({Tok::Text, text, line});
    for (char c : src.substr(pos, open - pos)) line += c == '\n';
    const size_t tag_line = line, nl_before = src.rfind('\n', open == 0 ? 0 : open - 1),
                 tag_col = open + 1 - (nl_before == std::string::npos || (open == 0) ? 0 : nl_before + 1);
    const std::string close = kind == '{' ? "}}" : kind == '%' ? "%}" : "#}";
    const size_t body = open + 2 + (minus || plus ? 1 : 0);
    size_t end = body;
    if (kind == '#') {
      end = src.find(close, body);
    } else {  // skip string literals when looking for the close
      char q = 0;
      for (; end + 1 < src.size(); ++end) {
        const char c = src[end];
        if (q) {
          if (c == '\\') ++end;
          else if (c == q) q = 0;
        } else if (c == '\'' || c == '"') {
          q = c;
        } else if (src.compare(end, 2, close) == 0) {
          break;
        }
      }
      if (end + 1 >= src.size()) end = std::string::npos;
    }
    if (end == std::string::npos) fail("unclosed tag (line " + std::to_string(tag_line) + ", column " + std::to_string(tag_col) + ")");
    std::string inner = src.substr(body, end - body);
    const bool rminus = !inner.empty() && inner.back() == '-';
    if (rminus || (!inner.empty() && inner.back() == '+')) inner.pop_back();
    for (char c : src.substr(open, end + 2 - open)) line += c == '\n';
    if (kind != '#') out.push_back({kind == '{' ? Tok::Expr : Tok::Stmt, inner, tag_line, tag_col});
    pos = end + 2;
    strip_next = rminus;
    trim_newline = !rminus && kind != '{';
    // {% raw %} ... {% endraw %}: copy verbatim.
    if (kind == '%') {
      std::string t = inner;
      t.erase(0, t.find_first_not_of(" \t\r\n"));
      t.erase(t.find_last_not_of(" \t\r\n") + 1);
      if (t == "raw") {
        out.pop_back();
        const size_t e = src.find("endraw", pos);
        if (e == std::string::npos) fail("unclosed raw block");
        const size_t tag = src.rfind("{%", e);
        std::string raw = src.substr(pos, tag - pos);
        if (tag + 2 < src.size() && src[tag + 2] == '-') raw.erase(raw.find_last_not_of(" \t\r\n") + 1);
        out.push_back({Tok::Text, raw, line});
        pos = src.find("%}", e) + 2;
      }
    }
  }
  return out;
}

// ------------------------------------------------------------------ expressions

struct Expr;
using ExprP = std::shared_ptr<Expr>;
struct Expr {
  enum K { Lit, Name, Attr, Index, Slice, Call, Filter, Test, Unary, Binary, ListE, DictE, Cond } k;
  Value lit;
  std::string name, op;
  ExprP a, b, c;  // operands (Slice: a=obj, b=start, c=stop, args[0]=step)
  std::vector<ExprP> args;
  std::vector<std::pair<std::string, ExprP>> kwargs;
  bool negate = false;
  int depth = 1;  // of the tree below, bounded at parse time (evaluation and destruction recurse)
};

// How deep templates may nest: expressions (their trees, and the parser's recursion into them) and
// statement blocks. Real templates stay far below; a hostile one must fail as a TemplateError, not
// overflow the stack while parsing, evaluating or freeing it.
constexpr int kMaxNesting = 100;

struct Lexer {
  std::string s;
  size_t p = 0;
  struct T { enum K { End, Name, Num, Str, Op } k; std::string v; };
  T cur;
  explicit Lexer(std::string src) : s(std::move(src)) { next(); }
  void next() {
    while (p < s.size() && std::isspace(static_cast<unsigned char>(s[p]))) ++p;
    if (p >= s.size()) { cur = {T::End, ""}; return; }
    const char c = s[p];
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t e = p;
      while (e < s.size() && (std::isalnum(static_cast<unsigned char>(s[e])) || s[e] == '_')) ++e;
      cur = {T::Name, s.substr(p, e - p)};
      p = e;
      return;
    }
    if (std::isdigit(static_cast<unsigned char>(c))) {
      size_t e = p;
      while (e < s.size() && (std::isdigit(static_cast<unsigned char>(s[e])) || s[e] == '.' || s[e] == '_')) {
        if (s[e] == '.' && (e + 1 >= s.size() || !std::isdigit(static_cast<unsigned char>(s[e + 1])))) break;
        ++e;
      }
      cur = {T::Num, s.substr(p, e - p)};
      p = e;
      return;
    }
    if (c == '\'' || c == '"') {
      std::string v;
      size_t e = p + 1;
      for (; e < s.size() && s[e] != c; ++e) {
        if (s[e] == '\\' && e + 1 < s.size()) {
          const char n = s[++e];
          v += n == 'n' ? '\n' : n == 't' ? '\t' : n == 'r' ? '\r' : n;
        } else {
          v += s[e];
        }
      }
      if (e >= s.size()) fail("unterminated string in '" + s + "'");
      cur = {T::Str, v};
      p = e + 1;
      return;
    }
    static const char* ops[] = {"**", "//", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "<", ">", "(", ")", "[", "]",
                                "{", "}", ",", ".", ":", "|", "~", "="};
    for (const char* o : ops)
      if (s.compare(p, std::strlen(o), o) == 0) {
        cur = {T::Op, o};
        p += std::strlen(o);
        return;
      }
    fail(std::string("unexpected character '") + c + "' in '" + s + "'");
  }
  bool is(const char* v) const { return (cur.k == T::Op || cur.k == T::Name) && cur.v == v; }
  bool accept(const char* v) {
    if (!is(v)) return false;
    next();
    return true;
  }
  void expect(const char* v) {
    if (!accept(v)) fail(std::string("expected '") + v + "' near '" + cur.v + "' in '" + s + "'");
  }
  std::string name() {
    if (cur.k != T::Name) fail("expected a name near '" + cur.v + "' in '" + s + "'");
    std::string n = cur.v;
    next();
    return n;
  }
};

ExprP mk(Expr::K k) { auto e = std::make_shared<Expr>(); e->k = k; return e; }

struct Parser {
  Lexer& L;
  int nesting = 0;
  // The parser's own recursion (parentheses, brackets, `not`, signs), bounded.
  struct Nest {
    int& n;
    explicit Nest(int& d) : n(d) {
      if (++n > kMaxNesting) fail("expression nests more than " + std::to_string(kMaxNesting) + " levels deep");
    }
    ~Nest() { --n; }
  };
  // A node built over its operands: its depth, bounded (left-deep chains such as a+a+a+... or
  // x[0][0][0]... are built by loops, not recursion).
  static ExprP deep(ExprP e) {
    int d = 0;
    for (const ExprP* c : {&e->a, &e->b, &e->c})
      if (*c) d = std::max(d, (*c)->depth);
    for (const ExprP& c : e->args)
      if (c) d = std::max(d, c->depth);
    for (const auto& kv : e->kwargs)
      if (kv.second) d = std::max(d, kv.second->depth);
    e->depth = d + 1;
    if (e->depth > kMaxNesting) fail("expression nests more than " + std::to_string(kMaxNesting) + " levels deep");
    return e;
  }
  ExprP expr() {
    Nest guard(nesting);
    return cond();
  }
  ExprP cond() {
    ExprP x = or_();
    if (L.accept("if")) {
      auto e = mk(Expr::Cond);
      e->b = x;
      e->a = or_();
      if (L.accept("else")) e->c = cond();
      return deep(e);
    }
    return x;
  }
  ExprP bin(const std::string& op, ExprP a, ExprP b) {
    auto e = mk(Expr::Binary);
    e->op = op;
    e->a = a;
    e->b = b;
    return deep(e);
  }
  ExprP or_() {
    ExprP x = and_();
    while (L.accept("or")) x = bin("or", x, and_());
    return x;
  }
  ExprP and_() {
    ExprP x = not_();
    while (L.accept("and")) x = bin("and", x, not_());
    return x;
  }
  ExprP not_() {
    if (L.accept("not")) {
      Nest guard(nesting);
      auto e = mk(Expr::Unary);
      e->op = "not";
      e->a = not_();
      return deep(e);
    }
    return compare();
  }
  ExprP compare() {
    ExprP x = concat();
    while (true) {
      if (L.cur.k == Lexer::T::Op && (L.is("==") || L.is("!=") || L.is("<") || L.is(">") || L.is("<=") || L.is(">="))) {
        std::string op = L.cur.v;
        L.next();
        x = bin(op, x, concat());
      } else if (L.accept("in")) {
        x = bin("in", x, concat());
      } else if (L.is("not")) {
        L.next();
        L.expect("in");
        x = bin("not in", x, concat());
      } else if (L.accept("is")) {
        auto e = mk(Expr::Test);
        e->negate = L.accept("not");
        e->name = L.name();
        e->a = x;
        if (L.accept("(")) {
          if (!L.is(")")) do e->args.push_back(expr()); while (L.accept(","));
          L.expect(")");
        } else if (L.cur.k == Lexer::T::Num || L.cur.k == Lexer::T::Str || (L.cur.k == Lexer::T::Name && !L.is("and") && !L.is("or") && !L.is("else") && !L.is("if"))) {
          e->args.push_back(concat());
        }
        x = deep(e);
      } else {
        return x;
      }
    }
  }
  ExprP concat() {
    ExprP x = add();
    while (L.accept("~")) x = bin("~", x, add());
    return x;
  }
  ExprP add() {
    ExprP x = mul();
    while (L.is("+") || L.is("-")) {
      std::string op = L.cur.v;
      L.next();
      x = bin(op, x, mul());
    }
    return x;
  }
  ExprP mul() {
    ExprP x = pow();
    while (L.is("*") || L.is("/") || L.is("//") || L.is("%")) {
      std::string op = L.cur.v;
      L.next();
      x = bin(op, x, pow());
    }
    return x;
  }
  // Jinja's `**`: left-associative and binding looser than unary minus (-2 ** 2 is 4), unlike Python.
  ExprP pow() {
    ExprP x = unary();
    while (L.accept("**")) x = bin("**", x, unary());
    return x;
  }
  // As Jinja's parse_unary: the operand of a sign takes no filters, the signed value does
  // (-5 | abs is abs(-5)).
  ExprP unary(bool with_filter = true) {
    if (L.is("-") || L.is("+")) {
      Nest guard(nesting);
      std::string op = L.cur.v;
      L.next();
      auto e = mk(Expr::Unary);
      e->op = op;
      e->a = unary(false);
      deep(e);
      return with_filter ? postfix(e) : e;
    }
    return postfix(primary(), with_filter);
  }
  void call_args(Expr& e) {
    if (!L.is(")")) do {
        if (L.cur.k == Lexer::T::Name) {
          const size_t save = L.p;
          const auto save_cur = L.cur;
          std::string n = L.name();
          if (L.accept("=")) {
            e.kwargs.emplace_back(n, expr());
            continue;
          }
          L.p = save;
          L.cur = save_cur;
        }
        e.args.push_back(expr());
      } while (L.accept(","));
    L.expect(")");
  }
  static Value number_literal(std::string v) {
    v.erase(std::remove(v.begin(), v.end(), '_'), v.end());
    try {
      return v.find('.') != std::string::npos ? Value(std::stod(v)) : Value(static_cast<int64_t>(std::stoll(v)));
    } catch (const std::exception&) {
      fail("number literal out of range: " + v);
    }
  }
  ExprP postfix(ExprP x, bool with_filter = true) {
    while (true) {
      if (L.accept(".")) {
        if (L.cur.k == Lexer::T::Num) {  // x.0 is Jinja's x[0]: an item by integer
          auto e = mk(Expr::Index);
          e->a = x;
          e->b = mk(Expr::Lit);
          e->b->lit = number_literal(L.cur.v);
          L.next();
          x = deep(e);
          continue;
        }
        auto e = mk(Expr::Attr);
        e->a = x;
        e->name = L.name();
        x = deep(e);
      } else if (L.accept("[")) {
        ExprP start, stop, step;
        bool slice = false;
        if (!L.is(":")) start = expr();
        if (L.accept(":")) {
          slice = true;
          if (!L.is("]") && !L.is(":")) stop = expr();
          if (L.accept(":") && !L.is("]")) step = expr();
        }
        L.expect("]");
        auto e = mk(slice ? Expr::Slice : Expr::Index);
        e->a = x;
        e->b = start;
        e->c = stop;
        if (slice) e->args.push_back(step);
        x = deep(e);
      } else if (L.accept("(")) {
        auto e = mk(Expr::Call);
        e->a = x;
        call_args(*e);
        x = deep(e);
      } else if (with_filter && L.accept("|")) {
        auto e = mk(Expr::Filter);
        e->a = x;
        e->name = L.name();
        if (L.accept("(")) call_args(*e);
        x = deep(e);
      } else {
        return x;
      }
    }
  }
  ExprP primary() {
    if (L.cur.k == Lexer::T::Str) {
      std::string v = L.cur.v;
      L.next();
      while (L.cur.k == Lexer::T::Str) {  // adjacent literals concatenate
        v += L.cur.v;
        L.next();
      }
      auto e = mk(Expr::Lit);
      e->lit = Value(v);
      return e;
    }
    if (L.cur.k == Lexer::T::Num) {
      auto e = mk(Expr::Lit);
      e->lit = number_literal(L.cur.v);
      L.next();
      return e;
    }
    if (L.accept("(")) {
      ExprP first = L.is(")") ? nullptr : expr();
      if (L.accept(",") || !first) {  // tuple -> list
        auto e = mk(Expr::ListE);
        if (first) e->args.push_back(first);
        while (!L.is(")")) {
          e->args.push_back(expr());
          if (!L.accept(",")) break;
        }
        L.expect(")");
        return deep(e);
      }
      L.expect(")");
      return first;
    }
    if (L.accept("[")) {
      auto e = mk(Expr::ListE);
      while (!L.is("]")) {
        e->args.push_back(expr());
        if (!L.accept(",")) break;
      }
      L.expect("]");
      return deep(e);
    }
    if (L.accept("{")) {
      auto e = mk(Expr::DictE);
      while (!L.is("}")) {
        ExprP k = expr();
        L.expect(":");
        e->args.push_back(k);
        e->args.push_back(expr());
        if (!L.accept(",")) break;
      }
      L.expect("}");
      return deep(e);
    }
    const std::string n = L.name();
    auto e = mk(Expr::Lit);
    if (n == "true" || n == "True") e->lit = Value(true);
    else if (n == "false" || n == "False") e->lit = Value(false);
    else if (n == "none" || n == "None") e->lit = Value::none();
    else {
      e = mk(Expr::Name);
      e->name = n;
    }
    return e;
  }
};

ExprP parse_expr(const std::string& src) {
  Lexer L(src);
  Parser P{L};
  ExprP e = P.expr();
  if (L.cur.k != Lexer::T::End) fail("unexpected '" + L.cur.v + "' in expression '" + src + "'");
  return e;
}

// ------------------------------------------------------------------ statements

struct Node;
using NodeP = std::shared_ptr<Node>;
struct Node {
  enum K { Text, Out, If, For, Set, SetBlock, Macro, Break, Continue, Block } k;
  std::string text;
  ExprP e;                                        // Out / Set value / For iterable
  std::vector<std::pair<ExprP, std::vector<NodeP>>> branches;  // If: (cond or null for else, body)
  std::vector<std::string> targets;               // For / Set targets ("ns.attr" allowed for set)
  ExprP filter;                                   // for ... if cond
  std::vector<NodeP> body, else_body;
  std::vector<std::pair<std::string, ExprP>> params;  // Macro
  size_t line = 0, col = 0;                       // where its tag starts
};

struct StmtParser {
  const std::vector<Tok>& toks;
  size_t i = 0;
  int nesting = 0;

  static std::string head(const std::string& s, std::string* rest) {
    std::string t = s;
    t.erase(0, t.find_first_not_of(" \t\r\n"));
    t.erase(t.find_last_not_of(" \t\r\n") + 1);
    size_t e = 0;
    while (e < t.size() && (std::isalnum(static_cast<unsigned char>(t[e])) || t[e] == '_')) ++e;
    if (rest) *rest = t.substr(e);
    return t.substr(0, e);
  }

  // A loop or assignment target: a name, or (for `set` only) namespace.attr. Checked here so the
  // interpreter never sees an empty or malformed target list.
  static std::string target(const std::string& part, bool allow_attr, const std::string& stmt) {
    std::string t = part;
    t.erase(0, t.find_first_not_of(" \t\r\n"));
    t.erase(t.find_last_not_of(" \t\r\n") + 1);
    auto is_name = [](const std::string& x) {
      if (x.empty() || std::isdigit(static_cast<unsigned char>(x[0]))) return false;
      return std::all_of(x.begin(), x.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
    };
    const size_t dot = t.find('.');
    const bool ok = dot == std::string::npos ? is_name(t) : allow_attr && is_name(t.substr(0, dot)) && is_name(t.substr(dot + 1));
    if (!ok) fail("invalid target '" + t + "' in '" + stmt + "'");
    return t;
  }

  // Parses until a statement whose head is in `stops`; returns that head (or "" at end).
  std::string parse(std::vector<NodeP>& out, const std::vector<std::string>& stops, std::string* stop_rest = nullptr) {
    // Each nested block ({% if %} in {% for %} ...) is one more level of this recursion.
    struct Nest {
      int& n;
      explicit Nest(int& d) : n(d) {
        if (++n > kMaxNesting) fail("blocks nest more than " + std::to_string(kMaxNesting) + " levels deep");
      }
      ~Nest() { --n; }
    } guard(nesting);
    while (i < toks.size()) {
      const Tok& t = toks[i++];
      const size_t before = out.size();
      try {
        if (t.t == Tok::Text) {
          auto n = std::make_shared<Node>();
          n->k = Node::Text;
          n->text = t.s;
          out.push_back(n);
          continue;
        }
        if (t.t == Tok::Expr) {
          auto n = std::make_shared<Node>();
          n->k = Node::Out;
          n->line = t.line, n->col = t.col;
          n->e = parse_expr(t.s);
          out.push_back(n);
          continue;
        }
        std::string rest;
        const std::string h = head(t.s, &rest);
        if (std::find(stops.begin(), stops.end(), h) != stops.end()) {
          if (stop_rest) *stop_rest = rest;
          return h;
        }
        auto n = std::make_shared<Node>();
        if (h == "if") {
          n->k = Node::If;
          std::string cond = rest;
          if (cond.find_first_not_of(" \t\r\n") == std::string::npos) fail("if without a condition");
          while (true) {
            std::vector<NodeP> body;
            std::string r;
            const std::string stop = parse(body, {"elif", "else", "endif"}, &r);
            n->branches.emplace_back(cond.empty() ? nullptr : parse_expr(cond), std::move(body));
            if (stop == "endif") break;
            if (stop.empty()) fail("missing endif");
            cond = stop == "elif" ? r : "";
            if (stop == "elif" && cond.find_first_not_of(" \t\r\n") == std::string::npos) fail("elif without a condition");
            if (stop == "else") {
              std::vector<NodeP> eb;
              if (parse(eb, {"endif"}) != "endif") fail("missing endif");
              n->branches.emplace_back(nullptr, std::move(eb));
              break;
            }
          }
        } else if (h == "for") {
          n->k = Node::For;
          const size_t in = rest.find(" in ");
          if (in == std::string::npos) fail("malformed for: '" + t.s + "'");
          std::string tg = rest.substr(0, in);
          std::stringstream ss(tg);
          for (std::string part; std::getline(ss, part, ',');) {
            part.erase(0, part.find_first_not_of(" \t()"));
            part.erase(part.find_last_not_of(" \t()") + 1);
            n->targets.push_back(target(part, false, t.s));
          }
          if (n->targets.empty()) fail("for without a target: '" + t.s + "'");
          std::string iter = rest.substr(in + 4);
          // "for x in xs if cond" / "recursive" are split off the iterable.
          Lexer L(iter);
          Parser P{L};
          n->e = P.or_();
          if (L.accept("if")) n->filter = P.or_();
          const std::string stop = parse(n->body, {"else", "endfor"});
          if (stop.empty()) fail("missing endfor");
          if (stop == "else" && parse(n->else_body, {"endfor"}) != "endfor") fail("missing endfor");
        } else if (h == "set") {
          const size_t eq = rest.find('=');
          auto strip = [](std::string x) {
            x.erase(0, x.find_first_not_of(" \t"));
            x.erase(x.find_last_not_of(" \t") + 1);
            return x;
          };
          if (eq == std::string::npos || (eq + 1 < rest.size() && rest[eq + 1] == '=')) {
            n->k = Node::SetBlock;
            n->targets.push_back(target(strip(rest), true, t.s));
            if (parse(n->body, {"endset"}) != "endset") fail("missing endset");
          } else {
            n->k = Node::Set;
            std::stringstream ss(rest.substr(0, eq));
            for (std::string part; std::getline(ss, part, ',');) n->targets.push_back(target(strip(part), true, t.s));
            if (n->targets.empty()) fail("set without a target: '" + t.s + "'");
            n->e = parse_expr(rest.substr(eq + 1));
          }
        } else if (h == "macro") {
          n->k = Node::Macro;
          Lexer L(rest);
          n->text = L.name();
          L.expect("(");
          Parser P{L};
          while (!L.is(")")) {
            std::string pn = L.name();
            ExprP def;
            if (L.accept("=")) def = P.expr();
            n->params.emplace_back(pn, def);
            if (!L.accept(",")) break;
          }
          L.expect(")");
          if (parse(n->body, {"endmacro"}) != "endmacro") fail("missing endmacro");
        } else if (h == "break" || h == "continue") {
          if (rest.find_first_not_of(" \t\r\n") != std::string::npos) fail("unexpected '" + rest + "' after " + h);
          n->k = h == "break" ? Node::Break : Node::Continue;
        } else if (h == "generation") {  // assistant-mask marker: renders its body
          n->k = Node::Block;
          if (parse(n->body, {"endgeneration"}) != "endgeneration") fail("missing endgeneration");
        } else if (h == "filter" || h == "call" || h == "include" || h == "import" || h == "extends" || h == "block") {
          fail("'" + h + "' statements are not supported in chat templates");
        } else {
          fail("unknown statement '" + h + "'");
        }
        out.push_back(n);

      } catch (const TemplateError& e) {
        rethrow_at(e, t.line, t.col);
      }
      if (out.size() > before) out.back()->line = t.line, out.back()->col = t.col;
    }
    return "";
  }
};

// ------------------------------------------------------------------ evaluation

struct Scope {
  std::vector<std::map<std::string, Value>> frames;
  const Value* find(const std::string& n) const {
    for (auto it = frames.rbegin(); it != frames.rend(); ++it) {
      auto f = it->find(n);
      if (f != it->end()) return &f->second;
    }
    return nullptr;
  }
  void set(const std::string& n, Value v) { frames.back()[n] = std::move(v); }
};

struct LoopCtl { enum { None, Break, Continue } s = None; };

struct Interp {
  Scope scope;
  std::string out;
  LoopCtl ctl;
  int depth = 0;

  Value eval(const ExprP& e);
  void exec(const std::vector<NodeP>& body);

  // Python's ordering of two values: numbers with numbers, strings by code point; else an error.
  static int order(const Value& a, const Value& b) {
    auto numeric = [](const Value& v) { return v.kind == Value::Int || v.kind == Value::Float || v.kind == Value::Bool; };
    if (numeric(a) && numeric(b)) {
      auto d = [](const Value& v) { return v.kind == Value::Float ? v.f : v.kind == Value::Bool ? double(v.b) : double(v.i); };
      return d(a) < d(b) ? -1 : d(a) > d(b) ? 1 : 0;
    }
    if (a.kind == Value::Str && b.kind == Value::Str) return a.s.compare(b.s) < 0 ? -1 : a.s == b.s ? 0 : 1;
    fail("cannot compare " + str(a, true) + " and " + str(b, true));
  }
  // The items a filter iterates: a list's, a dict's keys, a string's characters; undefined is empty.
  static List items_of(const Value& v, const std::string& what) {
    List l;
    if (v.kind == Value::ListV) return *v.list;
    if (v.kind == Value::DictV) for (const auto& [k, x] : *v.dict) l.emplace_back(k);
    else if (v.kind == Value::Str) for (char32_t c : tok::utf8_decode(v.s)) l.emplace_back(tok::utf8_encode(c));
    else if (v.kind != Value::Undefined) fail(what + " of a value that is not iterable");
    return l;
  }
  static int64_t as_int(const Value& v, const char* what) {
    if (v.kind == Value::Int) return v.i;
    if (v.kind == Value::Bool) return v.b;
    if (v.kind == Value::Float) return float_to_int(v.f);
    fail(std::string(what) + " must be an integer, got " + str(v, true));
  }
  // Python's ints are unbounded; ours are 64-bit, so leaving that range is a TemplateError (never
  // an overflowing cast or signed overflow).
  static int64_t float_to_int(double f) {
    if (!(std::fabs(f) < 9.2e18)) fail("cannot convert " + std::to_string(f) + " to a 64-bit integer");
    return static_cast<int64_t>(f);
  }
  // `r` by reference: read after the __builtin_*_overflow argument has written it (argument
  // evaluation order is unspecified; GCC evaluates right to left).
  static int64_t checked(bool overflow, const int64_t& r) {
    if (overflow) fail("integer overflow (beyond 64 bits)");
    return r;
  }

  Value attr(const Value& obj, const std::string& name) {
    if (obj.kind == Value::DictV) {
      if (const Value* v = dict_get(obj, name)) return *v;
      if (!obj.is_namespace) return method(obj, name);
      return Value();
    }
    if (obj.kind == Value::Undefined) fail("'" + name + "' accessed on an undefined value");
    return method(obj, name);
  }

  Value index(const Value& obj, const Value& key) {
    if (obj.kind == Value::ListV && obj.generator) fail("'generator' object is not subscriptable");
    if (obj.kind == Value::ListV || obj.kind == Value::Str) {  // strings by character
      const std::u32string u = obj.kind == Value::Str ? tok::utf8_decode(obj.s) : std::u32string();
      const int64_t n = obj.kind == Value::ListV ? static_cast<int64_t>(obj.list->size()) : static_cast<int64_t>(u.size());
      int64_t k = as_int(key, "index");
      if (k < 0) k += n;
      if (k < 0 || k >= n) return Value();
      return obj.kind == Value::ListV ? (*obj.list)[static_cast<size_t>(k)] : Value(tok::utf8_encode(u[static_cast<size_t>(k)]));
    }
    if (obj.kind == Value::DictV) {
      if (key.kind != Value::Str) return Value();
      if (const Value* v = dict_get(obj, key.s)) return *v;
      return Value();
    }
    if (obj.kind == Value::Undefined) fail("subscript of an undefined value");
    return Value();
  }

  Value method(const Value& obj, const std::string& name);
  Value filter(const std::string& name, const Value& v, const Args& args, const Kwargs& kw);
  bool test(const std::string& name, const Value& v, const Args& args);
  Value call_macro(const NodeP& m, const Args& args, const Kwargs& kw);
};

// markupsafe.escape: what Markup does to the plain text added to it.
std::string html_escape(const std::string& s) {
  std::string r;
  for (char c : s) {
    if (c == '&') r += "&amp;";
    else if (c == '<') r += "&lt;";
    else if (c == '>') r += "&gt;";
    else if (c == '\'') r += "&#39;";
    else if (c == '"') r += "&#34;";
    else r += c;
  }
  return r;
}

std::string strip_chars(const std::string& s, const std::string& chars, bool left, bool right) {
  size_t b = 0, e = s.size();
  auto in = [&](char c) { return chars.empty() ? std::isspace(static_cast<unsigned char>(c)) != 0 : chars.find(c) != std::string::npos; };
  if (left) while (b < e && in(s[b])) ++b;
  if (right) while (e > b && in(s[e - 1])) --e;
  return s.substr(b, e - b);
}

Value Interp::method(const Value& obj, const std::string& name) {
  const Value self = obj;
  auto fn = [](Func f) { return Value::function(std::move(f)); };
  if (obj.kind == Value::Str) {
    const std::string s = obj.s;
    auto arg_str = [](const Args& a, size_t k, const std::string& def) { return a.size() > k && a[k].kind == Value::Str ? a[k].s : def; };
    if (name == "strip" || name == "lstrip" || name == "rstrip")
      return fn([s, name, arg_str](const Args& a, const Kwargs&) {
        return Value(strip_chars(s, arg_str(a, 0, ""), name != "rstrip", name != "lstrip"));
      });
    if (name == "startswith" || name == "endswith")
      return fn([s, name](const Args& a, const Kwargs&) {
        std::vector<std::string> cands;
        if (!a.empty() && a[0].kind == Value::ListV) for (const auto& x : *a[0].list) cands.push_back(x.s);
        else if (!a.empty()) cands.push_back(a[0].s);
        for (const auto& p : cands)
          if (name == "startswith" ? s.rfind(p, 0) == 0 : (s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0)) return Value(true);
        return Value(false);
      });
    if (name == "split")
      return fn([s](const Args& a, const Kwargs&) {
        List parts;
        if (a.empty() || a[0].kind != Value::Str) {
          std::stringstream ss(s);
          for (std::string w; ss >> w;) parts.emplace_back(w);
          return Value(parts);
        }
        const std::string sep = a[0].s;
        if (sep.empty()) fail("split: empty separator");
        int64_t maxsplit = a.size() > 1 ? a[1].i : -1;
        size_t pos = 0;
        for (size_t f = s.find(sep); f != std::string::npos && maxsplit != 0; f = s.find(sep, pos), --maxsplit) {
          parts.emplace_back(s.substr(pos, f - pos));
          pos = f + sep.size();
        }
        parts.emplace_back(s.substr(pos));
        return Value(parts);
      });
    if (name == "replace")
      return fn([s](const Args& a, const Kwargs&) {
        if (a.size() < 2) fail("replace needs two arguments");
        const std::string from = a[0].s, to = a[1].s;
        if (from.empty()) return Value(s);
        std::string r;
        size_t pos = 0;
        for (size_t f = s.find(from); f != std::string::npos; f = s.find(from, pos)) {
          r += s.substr(pos, f - pos) + to;
          pos = f + from.size();
        }
        return Value(r + s.substr(pos));
      });
    if (name == "upper" || name == "lower")
      return fn([s, name](const Args&, const Kwargs&) {
        std::string r = s;
        for (auto& c : r) c = static_cast<char>(name == "upper" ? std::toupper(static_cast<unsigned char>(c)) : std::tolower(static_cast<unsigned char>(c)));
        return Value(r);
      });
    if (name == "title" || name == "capitalize")
      return fn([s, name](const Args&, const Kwargs&) {
        std::string r = s;
        bool start = true;
        for (size_t k = 0; k < r.size(); ++k) {
          unsigned char c = static_cast<unsigned char>(r[k]);
          r[k] = static_cast<char>(start ? std::toupper(c) : (name == "capitalize" || std::isalpha(c) ? std::tolower(c) : c));
          start = name == "title" ? !std::isalpha(c) : false;
        }
        return Value(r);
      });
    if (name == "format")
      return fn([s](const Args& a, const Kwargs&) {
        std::string r;
        size_t k = 0;
        for (size_t p = 0; p < s.size(); ++p) {
          if (s[p] == '{' && p + 1 < s.size() && s[p + 1] == '}') {
            r += k < a.size() ? str(a[k++]) : "";
            ++p;
          } else {
            r += s[p];
          }
        }
        return Value(r);
      });
  }
  if (obj.kind == Value::DictV) {
    if (name == "items")
      return fn([self](const Args&, const Kwargs&) {
        List l;
        for (const auto& [k, v] : *self.dict) l.emplace_back(List{Value(k), v});
        return Value(l);
      });
    if (name == "keys" || name == "values")
      return fn([self, name](const Args&, const Kwargs&) {
        List l;
        for (const auto& [k, v] : *self.dict) l.push_back(name == "keys" ? Value(k) : v);
        return Value(l);
      });
    if (name == "get")
      return fn([self](const Args& a, const Kwargs&) {
        if (a.empty()) fail("get needs a key");
        if (const Value* v = dict_get(self, a[0].s)) return *v;
        return a.size() > 1 ? a[1] : Value::none();
      });
  }
  if (name == "append" || name == "update" || name == "pop" || name == "extend" || name == "insert" || name == "clear")
    fail("access to attribute '" + name + "' is unsafe: the immutable sandbox forbids mutating containers");
  return Value();
}

bool Interp::test(const std::string& n, const Value& v, const Args& a) {
  if (n == "defined") return v.kind != Value::Undefined;
  if (n == "undefined") return v.kind == Value::Undefined;
  if (n == "none") return v.kind == Value::None;
  if (n == "string") return v.kind == Value::Str;
  if (n == "number") return v.kind == Value::Int || v.kind == Value::Float;
  if (n == "integer") return v.kind == Value::Int;
  if (n == "float") return v.kind == Value::Float;
  if (n == "boolean") return v.kind == Value::Bool;
  if (n == "true") return v.kind == Value::Bool && v.b;
  if (n == "false") return v.kind == Value::Bool && !v.b;
  if (n == "mapping") return v.kind == Value::DictV;
  if (n == "sequence" || n == "iterable") return v.kind == Value::ListV || v.kind == Value::Str || (n == "iterable" && v.kind == Value::DictV);
  if (n == "callable") return v.kind == Value::FuncV;
  if (n == "even" || n == "odd") return (as_int(v, n.c_str()) % 2 == 0) == (n == "even");
  if (n == "eq" || n == "equalto" || n == "sameas") return !a.empty() && equal(v, a[0]);
  if (n == "ne") return a.empty() || !equal(v, a[0]);
  if (n == "in") return !a.empty() && (a[0].kind == Value::ListV ? std::any_of(a[0].list->begin(), a[0].list->end(), [&](const Value& x) { return equal(x, v); })
                                                                  : a[0].kind == Value::Str && a[0].s.find(v.s) != std::string::npos);
  fail("unknown test '" + n + "'");
}

Value Interp::filter(const std::string& n, const Value& v, const Args& a, const Kwargs& kw) {
  auto kwarg = [&](const std::string& k) -> const Value* {
    for (const auto& [name, val] : kw) if (name == k) return &val;
    return nullptr;
  };
  if (n == "length" || n == "count") {
    if (v.kind == Value::ListV && v.generator) fail("object of type 'generator' has no len()");
    if (v.kind == Value::ListV) return Value(static_cast<int64_t>(v.list->size()));
    if (v.kind == Value::DictV) return Value(static_cast<int64_t>(v.dict->size()));
    if (v.kind == Value::Str) {
      int64_t c = 0;
      for (unsigned char ch : v.s) c += (ch & 0xC0) != 0x80;
      return Value(c);
    }
    if (v.kind == Value::Undefined) return Value(int64_t{0});
    fail("length of a non-sequence");
  }
  if (n == "tojson") {
    JsonStyle st;
    if (const Value* i = kwarg("indent")) if (i->kind == Value::Int) st.indent = static_cast<int>(i->i);
    if (!a.empty() && a[0].kind == Value::Int) st.indent = static_cast<int>(a[0].i);
    st.item = st.indent < 0 ? ", " : ",";
    if (const Value* sep = kwarg("separators"); sep && sep->kind != Value::None) {
      if (sep->kind != Value::ListV || sep->list->size() != 2 || (*sep->list)[0].kind != Value::Str || (*sep->list)[1].kind != Value::Str)
        fail("tojson: separators must be (item_separator, key_separator)");
      st.item = (*sep->list)[0].s, st.key = (*sep->list)[1].s;
    }
    if (const Value* sk = kwarg("sort_keys")) st.sort_keys = truthy(*sk);
    std::string s;
    to_json(s, v, st, 0);
    return Value(s);
  }
  if (n == "trim") return Value(strip_chars(str(v), a.empty() ? "" : a[0].s, true, true));
  if (n == "string") return Value(str(v));
  if (n == "upper" || n == "lower" || n == "title" || n == "capitalize") return (*method(Value(str(v)), n).fn)({}, {});
  if (n == "replace") return (*method(Value(str(v)), "replace").fn)(a, {});
  if (n == "int") {
    if (v.kind == Value::Str) try { return Value(static_cast<int64_t>(std::stoll(v.s))); } catch (...) { return Value(int64_t{0}); }
    return Value(v.kind == Value::Float ? float_to_int(v.f) : as_int(v, "int"));
  }
  if (n == "float") {  // jinja2: 0.0 for what does not convert
    if (v.kind == Value::Int || v.kind == Value::Bool) return Value(double(as_int(v, "float")));
    if (v.kind == Value::Float) return v;
    if (v.kind == Value::Str) {
      char* end = nullptr;
      const std::string t = strip_chars(v.s, "", true, true);
      const double d = std::strtod(t.c_str(), &end);
      if (!t.empty() && end == t.c_str() + t.size()) return Value(d);
    }
    return Value(0.0);
  }
  if (n == "default" || n == "d") {
    const bool boolean = a.size() > 1 && truthy(a[1]);
    if (v.kind == Value::Undefined || (boolean && !truthy(v))) return a.empty() ? Value("") : a[0];
    return v;
  }
  if (n == "first" || n == "last") {
    const List l = items_of(v, n);
    return l.empty() ? Value() : (n == "first" ? l.front() : l.back());
  }
  if (n == "min" || n == "max") {  // case-insensitive unless case_sensitive=true, optionally by attribute
    const Value* by = kwarg("attribute");
    const Value* cs = kwarg("case_sensitive");
    const bool sensitive = (cs && truthy(*cs)) || (!a.empty() && truthy(a[0]));
    const List l = items_of(v, n);
    auto key = [&](const Value& x) {
      Value k = by ? attr(x, by->s) : x;
      if (!sensitive && k.kind == Value::Str) k = Value(tok::lower_str(k.s));
      return k;
    };
    const Value* best = nullptr;
    for (const Value& x : l)
      if (!best || (n == "min" ? order(key(x), key(*best)) < 0 : order(key(x), key(*best)) > 0)) best = &x;
    return best ? *best : Value();
  }
  if (n == "sum") {
    const Value* by = kwarg("attribute");
    Value total = kwarg("start") ? *kwarg("start") : a.size() > 1 ? a[1] : Value(int64_t{0});
    if (!by && !a.empty() && a[0].kind == Value::Str) by = &a[0];
    for (const Value& x : items_of(v, n)) {
      const Value y = by ? attr(x, by->s) : x;
      if (total.kind == Value::Float || y.kind == Value::Float) total = Value((total.kind == Value::Float ? total.f : double(as_int(total, "sum"))) + (y.kind == Value::Float ? y.f : double(as_int(y, "sum"))));
      else total = Value(as_int(total, "sum") + as_int(y, "sum"));
    }
    return total;
  }
  if (n == "list") return Value(items_of(v, n));
  if (n == "join") {
    const std::string sep = a.empty() ? "" : str(a[0]);
    std::string r;
    if (v.kind != Value::ListV && v.kind != Value::DictV && v.kind != Value::Str) fail("join of a value that is not iterable");
    const List l = items_of(v, n);
    for (size_t k = 0; k < l.size(); ++k) r += (k ? sep : "") + str(l[k]);
    return Value(r);
  }
  if (n == "items") {
    if (v.kind == Value::Undefined) return Value(List{});
    if (v.kind != Value::DictV) fail("Can only get item pairs from a mapping.");
    return (*method(v, "items").fn)({}, {});
  }
  if (n == "dictsort") {
    if (v.kind != Value::DictV) fail("dictsort of a non-dict");
    Dict d = *v.dict;
    std::stable_sort(d.begin(), d.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    List l;
    for (const auto& [k, x] : d) l.emplace_back(List{Value(k), x});
    return Value(l);
  }
  if (n == "map" || n == "selectattr" || n == "rejectattr" || n == "select" || n == "reject") {
    List r;
    if (!truthy(v)) {  // jinja2 checks `if seq:` first: none gives nothing
      Value g(r);
      g.generator = true;
      return g;
    }
    for (const Value& x : items_of(v, n)) {
      if (n == "map") {
        if (const Value* at = kwarg("attribute")) r.push_back(attr(x, at->s));
        else if (!a.empty()) r.push_back(filter(a[0].s, x, Args(a.begin() + 1, a.end()), {}));
        continue;
      }
      const bool byattr = n == "selectattr" || n == "rejectattr";
      const Value subject = byattr ? (a.empty() ? Value() : attr(x, a[0].s)) : x;
      const size_t t = byattr ? 1 : 0;
      bool ok = a.size() > t ? test(a[t].s, subject, Args(a.begin() + static_cast<long>(t) + 1, a.end())) : truthy(subject);
      if ((n == "selectattr" || n == "select") == ok) r.push_back(x);
    }
    Value g(r);
    g.generator = true;
    return g;
  }
  if (n == "indent") {
    const int64_t w = a.empty() ? 4 : as_int(a[0], "indent");
    if (w > 65536) fail("indent width " + std::to_string(w) + " is too large");
    const bool first = a.size() > 1 && truthy(a[1]);
    const std::string pad(static_cast<size_t>(std::max<int64_t>(w, 0)), ' ');  // Python: " " * -1 == ""
    std::string s = str(v), r;
    for (size_t k = 0; k < s.size(); ++k) {
      if ((k == 0 && first) || (k > 0 && s[k - 1] == '\n' && s[k] != '\n')) r += pad;
      r += s[k];
    }
    return Value(r);
  }
  if (n == "abs") {
    if (v.kind == Value::Float) return Value(std::fabs(v.f));
    const int64_t x = as_int(v, "abs");
    int64_t r;
    return Value(x >= 0 ? x : checked(__builtin_sub_overflow(int64_t{0}, x, &r), r));
  }
  if (n == "unique") {
    List r;
    for (const Value& x : items_of(v, n))
      if (std::none_of(r.begin(), r.end(), [&](const Value& y) { return equal(x, y); })) r.push_back(x);
    return Value(r);
  }
  if (n == "reverse") {
    List r = items_of(v, n);
    std::reverse(r.begin(), r.end());
    if (v.kind != Value::Str) return Value(r);
    std::string s;
    for (const Value& c : r) s += c.s;
    return Value(s);
  }
  if (n == "safe" || n == "e" || n == "escape") {
    if (v.kind == Value::Str && v.safe) return v;
    Value m(n == "safe" ? str(v) : html_escape(str(v)));
    m.safe = true;
    return m;
  }
  fail("unknown filter '" + n + "'");
}

Value Interp::call_macro(const NodeP& m, const Args& args, const Kwargs& kw) {
  if (++depth > 64) fail("macro recursion too deep");
  scope.frames.emplace_back();
  for (size_t k = 0; k < m->params.size(); ++k) {
    Value v;
    if (k < args.size()) v = args[k];
    else if (m->params[k].second) v = eval(m->params[k].second);
    for (const auto& [n, x] : kw) if (n == m->params[k].first) v = x;
    scope.set(m->params[k].first, v);
  }
  std::string saved;
  std::swap(saved, out);
  exec(m->body);
  std::swap(saved, out);
  scope.frames.pop_back();
  --depth;
  return Value(saved);
}

Value Interp::eval(const ExprP& e) {
  switch (e->k) {
    case Expr::Lit: return e->lit;
    case Expr::Name: {
      const Value* v = scope.find(e->name);
      return v ? *v : Value();
    }
    case Expr::Attr: return attr(eval(e->a), e->name);
    case Expr::Index: return index(eval(e->a), eval(e->b));
    case Expr::Slice: {
      const Value obj = eval(e->a);
      const int64_t n = obj.kind == Value::ListV ? static_cast<int64_t>(obj.list->size()) : static_cast<int64_t>(obj.s.size());
      const int64_t step = e->args[0] ? as_int(eval(e->args[0]), "slice step") : 1;
      if (step == 0) fail("slice step cannot be zero");
      auto clampi = [&](const ExprP& x, int64_t def) {
        if (!x) return def;
        int64_t k = as_int(eval(x), "slice index");
        if (k < 0) k += n;
        return step > 0 ? std::clamp<int64_t>(k, 0, n) : std::clamp<int64_t>(k, -1, n - 1);
      };
      const int64_t start = clampi(e->b, step > 0 ? 0 : n - 1), stop = clampi(e->c, step > 0 ? n : -1);
      List l;
      std::string s;
      for (int64_t k = start; step > 0 ? k < stop : k > stop; k += step) {
        if (obj.kind == Value::ListV) l.push_back((*obj.list)[static_cast<size_t>(k)]);
        else s += obj.s[static_cast<size_t>(k)];
      }
      if (obj.kind == Value::ListV) return Value(l);
      if (obj.kind == Value::Str) return Value(s);
      fail("slicing a non-sequence");
    }
    case Expr::Call: {
      Args args;
      Kwargs kw;
      for (const auto& x : e->args) args.push_back(eval(x));
      for (const auto& [n, x] : e->kwargs) kw.emplace_back(n, eval(x));
      const Value f = eval(e->a);
      if (f.kind != Value::FuncV) fail("calling a value that is not callable");
      return (*f.fn)(args, kw);
    }
    case Expr::Filter: {
      Args args;
      Kwargs kw;
      for (const auto& x : e->args) args.push_back(eval(x));
      for (const auto& [n, x] : e->kwargs) kw.emplace_back(n, eval(x));
      return filter(e->name, eval(e->a), args, kw);
    }
    case Expr::Test: {
      Args args;
      for (const auto& x : e->args) args.push_back(eval(x));
      return Value(test(e->name, eval(e->a), args) != e->negate);
    }
    case Expr::Unary: {
      const Value v = eval(e->a);
      if (e->op == "not") return Value(!truthy(v));
      if (e->op == "-") {
        if (v.kind == Value::Float) return Value(-v.f);
        int64_t r;
        return Value(checked(__builtin_sub_overflow(int64_t{0}, as_int(v, "operand"), &r), r));
      }
      return v;
    }
    case Expr::Cond: return truthy(eval(e->a)) ? eval(e->b) : (e->c ? eval(e->c) : Value());
    case Expr::ListE: {
      List l;
      for (const auto& x : e->args) l.push_back(eval(x));
      return Value(l);
    }
    case Expr::DictE: {
      Dict d;
      for (size_t k = 0; k + 1 < e->args.size(); k += 2) d.emplace_back(str(eval(e->args[k])), eval(e->args[k + 1]));
      return Value(d);
    }
    case Expr::Binary: {
      const std::string& op = e->op;
      if (op == "and") {
        Value a = eval(e->a);
        return truthy(a) ? eval(e->b) : a;
      }
      if (op == "or") {
        Value a = eval(e->a);
        return truthy(a) ? a : eval(e->b);
      }
      const Value a = eval(e->a), b = eval(e->b);
      if (op == "~") return Value(str(a) + str(b));
      if (op == "==") return Value(equal(a, b));
      if (op == "!=") return Value(!equal(a, b));
      if (op == "in" || op == "not in") {
        bool r = false;
        if (b.kind == Value::Str) r = b.s.find(str(a)) != std::string::npos;
        else if (b.kind == Value::ListV) r = std::any_of(b.list->begin(), b.list->end(), [&](const Value& x) { return equal(x, a); });
        else if (b.kind == Value::DictV) r = dict_get(b, str(a)) != nullptr;
        else if (b.kind != Value::Undefined && b.kind != Value::None) fail("'in' on a value that is not a container");
        return Value(op == "in" ? r : !r);
      }
      if (op == "+" && a.kind == Value::Str && b.kind == Value::Str) {
        if (!a.safe && !b.safe) return Value(a.s + b.s);
        Value m((a.safe ? a.s : html_escape(a.s)) + (b.safe ? b.s : html_escape(b.s)));  // Markup.__add__ / __radd__
        m.safe = true;
        return m;
      }
      if (op == "+" && a.kind == Value::ListV && b.kind == Value::ListV) {
        List l = *a.list;
        l.insert(l.end(), b.list->begin(), b.list->end());
        return Value(l);
      }
      if (op == "*" && a.kind == Value::Str && b.kind == Value::Int) {
        if (b.i > 0 && a.s.size() > (size_t{1} << 26) / static_cast<uint64_t>(b.i)) fail("string repetition beyond 64 MiB");
        std::string r;
        for (int64_t k = 0; k < b.i; ++k) r += a.s;
        return Value(r);
      }
      const bool num = (a.kind == Value::Int || a.kind == Value::Float || a.kind == Value::Bool) &&
                       (b.kind == Value::Int || b.kind == Value::Float || b.kind == Value::Bool);
      if (op == "<" || op == ">" || op == "<=" || op == ">=") {
        const int c = order(a, b);
        return Value(op == "<" ? c < 0 : op == ">" ? c > 0 : op == "<=" ? c <= 0 : c >= 0);
      }
      if (!num) fail("unsupported operand types for " + op + ": " + str(a, true) + " and " + str(b, true));
      if (a.kind == Value::Float || b.kind == Value::Float || op == "/") {
        const double x = a.kind == Value::Float ? a.f : double(as_int(a, "")), y = b.kind == Value::Float ? b.f : double(as_int(b, ""));
        if ((op == "/" || op == "//" || op == "%") && y == 0) fail("division by zero");
        if (op == "+") return Value(x + y);
        if (op == "-") return Value(x - y);
        if (op == "*") return Value(x * y);
        if (op == "/") return Value(x / y);
        if (op == "//") return Value(std::floor(x / y));
        if (op == "**") return Value(std::pow(x, y));
        if (op == "%") return Value(x - y * std::floor(x / y));
      }
      const int64_t x = as_int(a, ""), y = as_int(b, "");
      if ((op == "//" || op == "%") && y == 0) fail("division by zero");
      int64_t r;
      if (op == "+") return Value(checked(__builtin_add_overflow(x, y, &r), r));
      if (op == "-") return Value(checked(__builtin_sub_overflow(x, y, &r), r));
      if (op == "*") return Value(checked(__builtin_mul_overflow(x, y, &r), r));
      if (op == "//" || op == "%") {  // Python floors: the remainder takes the divisor's sign
        if (y == -1) return op == "%" ? Value(int64_t{0}) : Value(checked(__builtin_sub_overflow(int64_t{0}, x, &r), r));
        int64_t q = x / y, m = x % y;
        if (m != 0 && ((m < 0) != (y < 0))) --q, m += y;
        return Value(op == "//" ? q : m);
      }
      if (op == "**") {
        if (y < 0) return Value(std::pow(double(x), double(y)));  // Python: a float
        int64_t p = 1, base = x;
        for (int64_t e = y; e > 0; e >>= 1) {
          if (e & 1) checked(__builtin_mul_overflow(p, base, &p), p);
          if (e > 1) checked(__builtin_mul_overflow(base, base, &base), base);
        }
        return Value(p);
      }
      fail("unknown operator " + op);
    }
  }
  return Value();
}

void Interp::exec(const std::vector<NodeP>& body) {
  for (const NodeP& n : body) {
    if (ctl.s != LoopCtl::None) return;
    try {
      switch (n->k) {
        case Node::Text: out += n->text; break;
        case Node::Out: out += str(eval(n->e)); break;
        case Node::Block: exec(n->body); break;
        case Node::If:
          for (const auto& [cond, b] : n->branches)
            if (!cond || truthy(eval(cond))) {
              exec(b);
              break;
            }
          break;
        case Node::Set: {
          Value v = eval(n->e);
          if (n->targets.size() > 1) {
            if (v.kind != Value::ListV || v.list->size() != n->targets.size()) fail("cannot unpack into " + std::to_string(n->targets.size()) + " names");
            for (size_t k = 0; k < n->targets.size(); ++k) scope.set(n->targets[k], (*v.list)[k]);
            break;
          }
          const std::string& t = n->targets[0];
          const size_t dot = t.find('.');
          if (dot == std::string::npos) {
            scope.set(t, v);
            break;
          }
          const Value* ns = scope.find(t.substr(0, dot));
          if (!ns || !ns->is_namespace) fail("cannot assign attribute on '" + t.substr(0, dot) + "': only namespace() objects are mutable");
          Dict& d = *ns->dict;
          const std::string key = t.substr(dot + 1);
          auto it = std::find_if(d.begin(), d.end(), [&](const auto& e) { return e.first == key; });
          if (it == d.end()) d.emplace_back(key, v);
          else it->second = v;
          break;
        }
        case Node::SetBlock: {
          std::string saved;
          std::swap(saved, out);
          exec(n->body);
          std::swap(saved, out);
          scope.set(n->targets[0], Value(saved));
          break;
        }
        case Node::Macro: {
          NodeP m = n;
          scope.set(n->text, Value::function([this, m](const Args& a, const Kwargs& k) { return call_macro(m, a, k); }));
          break;
        }
        case Node::Break: ctl.s = LoopCtl::Break; return;
        case Node::Continue: ctl.s = LoopCtl::Continue; return;
        case Node::For: {
          const Value seq = eval(n->e);
          List items;
          if (seq.kind == Value::ListV) items = *seq.list;
          else if (seq.kind == Value::DictV) for (const auto& [k, v] : *seq.dict) items.emplace_back(k);
          else if (seq.kind == Value::Str) for (char32_t c : tok::utf8_decode(seq.s)) items.emplace_back(tok::utf8_encode(c));  // by character
          else if (seq.kind == Value::None) fail("'NoneType' object is not iterable");  // jinja2's TypeError
          else if (seq.kind != Value::Undefined) fail("for loop over a value that is not iterable");
          scope.frames.emplace_back();
          auto bind = [&](const Value& item) {
            if (n->targets.size() == 1) {
              scope.set(n->targets[0], item);
            } else {
              if (item.kind != Value::ListV || item.list->size() != n->targets.size()) fail("cannot unpack loop item");
              for (size_t k = 0; k < n->targets.size(); ++k) scope.set(n->targets[k], (*item.list)[k]);
            }
          };
          if (n->filter) {
            List kept;
            for (const auto& it : items) {
              bind(it);
              if (truthy(eval(n->filter))) kept.push_back(it);
            }
            items = kept;
          }
          const int64_t len = static_cast<int64_t>(items.size());
          for (int64_t k = 0; k < len; ++k) {
            bind(items[static_cast<size_t>(k)]);
            Dict loop{{"index0", Value(k)}, {"index", Value(k + 1)}, {"revindex", Value(len - k)}, {"revindex0", Value(len - k - 1)},
                      {"first", Value(k == 0)}, {"last", Value(k == len - 1)}, {"length", Value(len)},
                      {"previtem", k > 0 ? items[static_cast<size_t>(k - 1)] : Value()},
                      {"nextitem", k + 1 < len ? items[static_cast<size_t>(k + 1)] : Value()}};
            Value lv(loop);
            lv.is_namespace = true;  // attribute misses are undefined, not methods
            scope.set("loop", lv);
            exec(n->body);
            if (ctl.s == LoopCtl::Break) {
              ctl.s = LoopCtl::None;
              break;
            }
            ctl.s = LoopCtl::None;
          }
          if (items.empty()) exec(n->else_body);
          scope.frames.pop_back();
          break;
        }
      }
    } catch (const TemplateError& e) {
      rethrow_at(e, n->line, n->col);
    }
  }
}

}  // namespace

struct Template::Impl {
  std::vector<NodeP> body;
};

Template::Template(const std::string& source) : impl_(std::make_unique<Impl>()) {
  const std::vector<Tok> toks = lex(source);
  StmtParser p{toks};
  const std::string stop = p.parse(impl_->body, {});
  if (!stop.empty()) fail("unexpected '" + stop + "'");
}
Template::~Template() = default;
Template::Template(Template&&) noexcept = default;

std::string Template::render(const Dict& context, const std::tm* now) const {
  Interp in;
  in.scope.frames.emplace_back();
  in.scope.set("raise_exception", Value::function([](const Args& a, const Kwargs&) -> Value {
    throw TemplateError("chat template raised: " + (a.empty() ? std::string() : str(a[0])));
  }));
  in.scope.set("namespace", Value::function([](const Args& a, const Kwargs& kw) {
    Dict d;
    if (!a.empty() && a[0].kind == Value::DictV) d = *a[0].dict;
    for (const auto& [k, v] : kw) d.emplace_back(k, v);
    Value v(d);
    v.is_namespace = true;
    return v;
  }));
  in.scope.set("strftime_now", Value::function([now](const Args& a, const Kwargs&) {
    std::tm tm{};
    if (now) {
      tm = *now;
    } else {
      const std::time_t t = std::time(nullptr);
      localtime_r(&t, &tm);
    }
    char buf[256];
    std::strftime(buf, sizeof buf, a.empty() ? "%Y-%m-%d" : a[0].s.c_str(), &tm);
    return Value(std::string(buf));
  }));
  in.scope.set("range", Value::function([](const Args& a, const Kwargs&) {
    int64_t start = 0, stop = 0, step = 1;
    if (a.size() == 1) stop = a[0].i;
    else if (a.size() >= 2) { start = a[0].i; stop = a[1].i; if (a.size() > 2) step = a[2].i; }
    if (step == 0) fail("range step cannot be zero");
    // Lists are built eagerly here (Python's range is lazy): refuse sizes no chat template needs.
    const double n = std::ceil((static_cast<double>(stop) - static_cast<double>(start)) / static_cast<double>(step));
    if (n > 1e7) fail("range of " + std::to_string(n) + " items is too large");
    List l;
    for (int64_t k = start; step > 0 ? k < stop : k > stop;) {
      l.emplace_back(k);
      if (__builtin_add_overflow(k, step, &k)) break;
    }
    return Value(l);
  }));
  in.scope.frames.emplace_back();
  for (const auto& [k, v] : context) in.scope.set(k, v);
  in.exec(impl_->body);
  return in.out;
}

}  // namespace transformers::jinja
