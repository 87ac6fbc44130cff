// Post-processors (tokenizers/src/processors/*). Encodings here still carry byte offsets.
#include "tokenizers/components.hpp"
#include "tokenizers/unicode.hpp"
#include "transformers/errors.hpp"

namespace transformers::tok {
namespace {

void set_type(Encoding& e, int64_t t) { std::fill(e.type_ids.begin(), e.type_ids.end(), t); }

void push_special(Encoding& out, int64_t id, const std::string& tok, int64_t type) {
  out.ids.push_back(id);
  out.tokens.push_back(tok);
  out.type_ids.push_back(type);
  out.offsets.push_back({0, 0});
  out.word_ids.push_back(std::nullopt);
  out.sequence_ids.push_back(std::nullopt);
  out.special_tokens_mask.push_back(1);
  out.attention_mask.push_back(1);
}

void append(Encoding& out, const Encoding& e) {
  out.ids.insert(out.ids.end(), e.ids.begin(), e.ids.end());
  out.tokens.insert(out.tokens.end(), e.tokens.begin(), e.tokens.end());
  out.type_ids.insert(out.type_ids.end(), e.type_ids.begin(), e.type_ids.end());
  out.offsets.insert(out.offsets.end(), e.offsets.begin(), e.offsets.end());
  out.word_ids.insert(out.word_ids.end(), e.word_ids.begin(), e.word_ids.end());
  out.sequence_ids.insert(out.sequence_ids.end(), e.sequence_ids.begin(), e.sequence_ids.end());
  out.special_tokens_mask.insert(out.special_tokens_mask.end(), e.special_tokens_mask.begin(), e.special_tokens_mask.end());
  out.attention_mask.insert(out.attention_mask.end(), e.attention_mask.begin(), e.attention_mask.end());
}

// Overflows of a and b are processed the same way (pair overflows as a cartesian product).
template <typename F>
Encoding with_overflows(Encoding a, std::optional<Encoding> b, F f) {
  std::vector<Encoding> ao = std::move(a.overflowing), bo;
  a.overflowing.clear();
  if (b) {
    bo = std::move(b->overflowing);
    b->overflowing.clear();
  }
  Encoding out = f(a, b);
  std::vector<Encoding> as{a};
  as.insert(as.end(), ao.begin(), ao.end());
  std::vector<std::optional<Encoding>> bs{b};
  for (auto& x : bo) bs.emplace_back(x);
  for (size_t i = 0; i < as.size(); ++i)
    for (size_t k = 0; k < bs.size(); ++k)
      if (i || k) out.overflowing.push_back(f(as[i], bs[k]));
  return out;
}

struct Template : PostProcessor {
  struct Piece { bool is_seq; std::string id; int64_t type; };
  std::vector<Piece> single, pair;
  std::map<std::string, std::pair<std::vector<int64_t>, std::vector<std::string>>> specials;
  static std::vector<Piece> parse(const Json& arr) {
    std::vector<Piece> r;
    for (const auto& p : arr) {
      // type_id read through json_value: nlohmann's value() would cast a float such as 1e300 to int (undefined).
      if (p.contains("Sequence"))
        r.push_back({true, jstring(p["Sequence"], "id", "A"), json_value<TokenizerError>(p["Sequence"], "type_id", 0, "TemplateProcessing Sequence")});
      else if (p.contains("SpecialToken"))
        r.push_back({false, jstring(p["SpecialToken"], "id", ""), json_value<TokenizerError>(p["SpecialToken"], "type_id", 0, "TemplateProcessing SpecialToken")});
      else throw TokenizerError("TemplateProcessing: invalid piece " + p.dump());
    }
    return r;
  }
  size_t added_tokens(bool is_pair) const override {
    size_t n = 0;
    for (const auto& p : is_pair ? pair : single)
      if (!p.is_seq) n += specials.at(p.id).first.size();
    return n;
  }
  std::vector<Encoding> process_encodings(std::vector<Encoding> encs, bool add_special) const override {
    std::optional<Encoding> b;
    if (encs.size() > 1) b = std::move(encs[1]);
    return {with_overflows(std::move(encs[0]), std::move(b), [&](const Encoding& x, const std::optional<Encoding>& y) {
      Encoding out;
      for (const auto& p : y ? pair : single) {
        if (p.is_seq) {
          Encoding s = p.id == "A" ? x : *y;
          set_type(s, p.type);
          append(out, s);
        } else if (add_special) {
          const auto& sp = specials.at(p.id);
          for (size_t i = 0; i < sp.first.size(); ++i) push_special(out, sp.first[i], sp.second[i], p.type);
        }
      }
      return out;
    })};
  }
};

// Trims whitespace/Ġ from token offsets (ByteLevel post-processor, and the first step of RobertaProcessing).
void trim_offsets(Encoding& e, bool add_prefix_space) {
  for (size_t i = 0; i < e.tokens.size(); ++i) {
    if (e.special_tokens_mask[i] && e.offsets[i].first == e.offsets[i].second) continue;
    const std::u32string t = utf8_decode(e.tokens[i]);
    auto space = [](char32_t c) { return c == 0x120 || is_whitespace(c); };
    size_t lead = 0, trail = 0;
    while (lead < t.size() && space(t[lead])) ++lead;
    while (trail < t.size() && space(t[t.size() - 1 - trail])) ++trail;
    auto& [s, en] = e.offsets[i];
    if (lead > 0) {
      if (add_prefix_space && lead == 1 && (i == 0 || s == 0)) lead = 0;  // the synthesized prefix space
      s = std::min(s + static_cast<int64_t>(lead), en);
    }
    if (trail > 0 && en >= static_cast<int64_t>(trail)) en = std::max(en - static_cast<int64_t>(trail), s);
  }
  for (auto& o : e.overflowing) trim_offsets(o, add_prefix_space);
}

struct ByteLevelPost : PostProcessor {
  bool trim, add_prefix_space;
  size_t added_tokens(bool) const override { return 0; }
  std::vector<Encoding> process_encodings(std::vector<Encoding> encs, bool) const override {
    if (trim)
      for (auto& e : encs) trim_offsets(e, add_prefix_space);
    return encs;
  }
};

struct BertLike : PostProcessor {
  std::pair<std::string, int64_t> cls, sep;
  bool roberta = false, trim = true, add_prefix_space = true;
  size_t added_tokens(bool pair) const override { return roberta ? (pair ? 4 : 2) : (pair ? 3 : 2); }
  std::vector<Encoding> process_encodings(std::vector<Encoding> encs, bool add_special) const override {
    if (roberta && trim)
      for (auto& e : encs) trim_offsets(e, add_prefix_space);
    if (!add_special) {
      if (roberta)
        for (auto& e : encs) set_type(e, 0);
      return encs;
    }
    Encoding a = std::move(encs[0]);
    std::optional<Encoding> b;
    if (encs.size() > 1) b = std::move(encs[1]);
    return {with_overflows(std::move(a), std::move(b), [&](const Encoding& x, const std::optional<Encoding>& y) {
      Encoding out;
      push_special(out, cls.second, cls.first, 0);
      Encoding xs = x;
      set_type(xs, 0);
      append(out, xs);
      push_special(out, sep.second, sep.first, 0);
      if (y) {
        const int64_t t = roberta ? 0 : 1;
        if (roberta) push_special(out, sep.second, sep.first, 0);
        Encoding ys = *y;
        set_type(ys, t);
        append(out, ys);
        push_special(out, sep.second, sep.first, t);
      }
      return out;
    })};
  }
};

struct SequencePost : PostProcessor {
  std::vector<std::unique_ptr<PostProcessor>> items;
  size_t added_tokens(bool pair) const override {
    size_t n = 0;
    for (const auto& p : items) n += p->added_tokens(pair);
    return n;
  }
  std::vector<Encoding> process_encodings(std::vector<Encoding> encs, bool add_special) const override {
    for (const auto& p : items) encs = p->process_encodings(std::move(encs), add_special);
    return encs;
  }
};

std::pair<std::string, int64_t> tok_id(const Json& j, const char* where) {
  if (!j.is_array() || j.size() != 2 || !j[0].is_string() || !j[1].is_number_integer())
    throw TokenizerError(std::string(where) + ": expected [token, id]");
  return {j[0].get<std::string>(), json_int<TokenizerError>(j[1], std::string(where) + " id", 0)};
}

}  // namespace

Encoding post_process(const PostProcessor* p, Encoding a, std::optional<Encoding> b, bool add_special) {
  std::vector<Encoding> encs{std::move(a)};
  if (b) encs.push_back(std::move(*b));
  if (p) encs = p->process_encodings(std::move(encs), add_special);
  if (encs.size() == 1) return std::move(encs[0]);
  return with_overflows(std::move(encs[0]), std::move(encs[1]), [](const Encoding& x, const std::optional<Encoding>& y) {
    Encoding out = x;
    if (y) append(out, *y);
    return out;
  });
}

Json template_processing(const std::vector<std::string>& single, const std::vector<std::string>& pair,
                         const std::map<std::string, int64_t>& special_ids) {
  auto items = [](const std::vector<std::string>& seq) {
    Json a = Json::array();
    for (const std::string& s : seq) {
      const auto colon = s.rfind(':');
      const std::string name = s.substr(0, colon);
      const int type = std::stoi(s.substr(colon + 1));
      if (name == "$A" || name == "$B") a.push_back({{"Sequence", {{"id", name.substr(1)}, {"type_id", type}}}});
      else a.push_back({{"SpecialToken", {{"id", name}, {"type_id", type}}}});
    }
    return a;
  };
  Json specials = Json::object();
  for (const auto& [name, id] : special_ids) specials[name] = {{"id", name}, {"ids", {id}}, {"tokens", {name}}};
  return {{"type", "TemplateProcessing"}, {"single", items(single)}, {"pair", items(pair)}, {"special_tokens", specials}};
}

Json bos_eos_template(bool add_bos, const std::string& bos, int64_t bos_id, bool add_eos, const std::string& eos, int64_t eos_id) {
  add_bos = add_bos && !bos.empty(), add_eos = add_eos && !eos.empty();
  std::vector<std::string> single, pair;
  std::map<std::string, int64_t> ids;
  if (add_bos) single.push_back(bos + ":0"), ids[bos] = bos_id;
  single.push_back("$A:0");
  if (add_eos) single.push_back(eos + ":0"), ids[eos] = eos_id;
  pair = single;
  if (add_bos) pair.push_back(bos + ":1");
  pair.push_back("$B:1");
  if (add_eos) pair.push_back(eos + ":1");
  return template_processing(single, pair, ids);
}

std::unique_ptr<PostProcessor> make_post_processor(const Json& j) {
  if (j.is_null()) return nullptr;
  const std::string type = jstring(j, "type", "");
  if (type == "TemplateProcessing") {
    auto t = std::make_unique<Template>();
    t->single = Template::parse(jfield(j, "single", "TemplateProcessing"));
    t->pair = Template::parse(jfield(j, "pair", "TemplateProcessing"));
    // special_tokens may be absent (then every SpecialToken piece is reported missing below).
    const Json& specials = j.contains("special_tokens") ? j.at("special_tokens") : Json::object();
    if (!specials.is_object()) throw TokenizerError("TemplateProcessing: 'special_tokens' must be an object");
    for (auto it = specials.begin(); it != specials.end(); ++it) {
      const std::string where = "TemplateProcessing: special_tokens['" + it.key() + "']";
      const Json& ids_j = jfield(it.value(), "ids", where.c_str());
      const Json& toks_j = jfield(it.value(), "tokens", where.c_str());
      if (!ids_j.is_array() || !toks_j.is_array()) throw TokenizerError(where + ": 'ids' and 'tokens' must be lists");
      std::vector<int64_t> ids;
      std::vector<std::string> toks;
      for (const Json& v : ids_j) ids.push_back(json_int<TokenizerError>(v, where + ".ids[]", 0));
      for (const Json& v : toks_j) toks.push_back(json_string<TokenizerError>(v, where + ".tokens[]"));
      if (ids.size() != toks.size()) throw TokenizerError("TemplateProcessing: ids/tokens length differ for " + it.key());
      t->specials[it.key()] = {ids, toks};
    }
    for (const auto* v : {&t->single, &t->pair})
      for (const auto& p : *v)
        if (!p.is_seq && !t->specials.count(p.id)) throw TokenizerError("TemplateProcessing: missing special token '" + p.id + "'");
    return t;
  }
  if (type == "BertProcessing" || type == "RobertaProcessing") {
    auto b = std::make_unique<BertLike>();
    b->cls = tok_id(jfield(j, "cls", type.c_str()), "cls");
    b->sep = tok_id(jfield(j, "sep", type.c_str()), "sep");
    b->roberta = type == "RobertaProcessing";
    b->trim = jbool(j, "trim_offsets", true);
    b->add_prefix_space = jbool(j, "add_prefix_space", true);
    return b;
  }
  if (type == "ByteLevel") {
    auto b = std::make_unique<ByteLevelPost>();
    b->trim = jbool(j, "trim_offsets", true);
    b->add_prefix_space = jbool(j, "add_prefix_space", true);
    return b;
  }
  if (type == "Sequence") {
    auto s = std::make_unique<SequencePost>();
    for (const auto& p : jfield(j, "processors", "Sequence post-processor"))
      if (auto q = make_post_processor(p)) s->items.push_back(std::move(q));
    return s;
  }
  throw TokenizerError("post-processor type '" + type + "' is not supported");
}

}  // namespace transformers::tok
