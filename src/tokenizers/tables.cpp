// tokenizer.json with its model's vocab and merges read into flat tables: in a large file they are
// nearly all the bytes, and a JSON tree of 250k std::map nodes costs more to build and free than
// everything else loading does.
#include "tokenizers/components.hpp"
#include "transformers/errors.hpp"

namespace transformers::tok {

namespace {

using DomParser = nlohmann::detail::json_sax_dom_parser<Json>;

// Builds the tree through nlohmann's own DOM parser, except for model.vocab and model.merges,
// whose entries go to `t` (the tree keeps them as empty containers of the same kind).
class TableSax {
 public:
  TableSax(Json& root, ModelTables& t) : dom_(root, true), t_(t) {}

  bool null() { return capture_ ? bad("null") : dom_.null(); }
  bool boolean(bool v) { return capture_ ? bad("a boolean") : dom_.boolean(v); }
  bool number_integer(int64_t v) { return capture_ ? number(static_cast<double>(v), v, true) : dom_.number_integer(v); }
  bool number_unsigned(uint64_t v) {
    if (!capture_) return dom_.number_unsigned(v);
    return number(static_cast<double>(v), static_cast<int64_t>(v), v <= static_cast<uint64_t>(INT64_MAX));
  }
  bool number_float(double v, const std::string& s) { return capture_ ? number(v, 0, false) : dom_.number_float(v, s); }
  bool binary(Json::binary_t& b) { return capture_ ? bad("binary") : dom_.binary(b); }
  bool string(std::string& s) {
    if (!capture_) return dom_.string(s);
    if (capture_ == Merges && depth_ == 1) {  // "a b"
      const auto sp = s.find(' ');
      if (s.rfind("#version", 0) == 0) return true;
      if (sp == std::string::npos || s.find(' ', sp + 1) != std::string::npos)
        return fail("merge '" + s + "' must be two tokens separated by one space");
      t_.merges.emplace_back(s.substr(0, sp), s.substr(sp + 1));
      return true;
    }
    if (depth_ == 2 && entry_.size() == 0) {
      entry_.push_back(std::move(s));
      return true;
    }
    if (capture_ == Merges && depth_ == 2 && entry_.size() == 1) {
      entry_.push_back(std::move(s));
      return true;
    }
    return bad("a string");
  }
  bool key(std::string& k) {
    if (capture_) {
      key_ = std::move(k);
      return true;
    }
    if (level_ == 2 && in_model_) pending_ = k == "vocab" ? Vocab : k == "merges" ? Merges : None;
    else pending_ = None;
    if (level_ == 1) model_key_ = k == "model";
    return dom_.key(k);
  }
  bool start_object(std::size_t n) {
    if (capture_) {
      ++depth_;
      return bad("an object");
    }
    ++level_;
    if (level_ == 2) in_model_ = model_key_;
    if (level_ == 3 && pending_ == Vocab) return begin(VocabObject) && dom_.start_object(0);
    return dom_.start_object(n);
  }
  bool end_object() {
    if (capture_) {
      if (--depth_ == 0) return finish() && dom_.end_object();
      return true;
    }
    if (level_-- == 2) in_model_ = false;
    return dom_.end_object();
  }
  bool start_array(std::size_t n) {
    if (capture_) {
      if (depth_ == 0 || (depth_ == 1 && capture_ != VocabObject)) {
        entry_.clear(), score_.reset();
        ++depth_;
        return true;
      }
      ++depth_;
      return bad("a nested array");
    }
    ++level_;
    if (level_ == 3 && pending_ == Vocab) return begin(VocabArray) && dom_.start_array(0);
    if (level_ == 3 && pending_ == Merges) return begin(Merges) && dom_.start_array(0);
    return dom_.start_array(n);
  }
  bool end_array() {
    if (capture_) {
      if (--depth_ == 0) return finish() && dom_.end_array();
      if (depth_ == 1 && capture_ != VocabObject) return entry();  // one [piece, score] or [a, b]
      return true;
    }
    --level_;
    return dom_.end_array();
  }
  // A template so the DOM parser throws the concrete parse_error, not its sliced base.
  template <class E>
  bool parse_error(std::size_t pos, const std::string& tok, const E& e) {
    return dom_.parse_error(pos, tok, e);
  }

 private:
  enum Kind { None, Vocab, Merges, VocabObject, VocabArray };
  DomParser dom_;
  ModelTables& t_;
  int level_ = 0;            // nesting of the tree outside captures (1: root object)
  bool model_key_ = false, in_model_ = false;
  Kind pending_ = None, capture_ = None;
  int depth_ = 0;            // nesting inside the captured container
  std::string key_;
  std::vector<std::string> entry_;
  std::optional<double> score_;

  bool begin(Kind k) {
    capture_ = k;
    depth_ = 1;
    --level_;  // the captured container is not part of the tree's nesting
    if (k == VocabObject) t_.vocab_object = true;
    if (k == VocabArray) t_.vocab_array = true;
    if (k == Merges) t_.has_merges = true;
    return true;
  }
  bool finish() {
    capture_ = None;
    pending_ = None;
    return true;
  }
  bool fail(const std::string& what) {
    if (t_.error.empty()) t_.error = what;
    return true;  // keep parsing: the error is the model's to raise, with its name
  }
  bool bad(const char* what) {
    return fail(std::string(capture_ == Merges ? "invalid merge entry (" : "invalid vocab entry (") + what + ")");
  }
  bool number(double d, int64_t i, bool integral) {
    if (capture_ == VocabObject && depth_ == 1) {
      if (!integral) return fail("vocab id of '" + key_ + "' is not an integer");
      t_.vocab.emplace_back(std::move(key_), i);
      return true;
    }
    if (capture_ == VocabArray && depth_ == 2 && entry_.size() == 1 && !score_) {
      score_ = d;
      return true;
    }
    return bad("a number");
  }
  bool entry() {
    if (capture_ == VocabArray) {
      if (entry_.size() != 1 || !score_) return bad("not [piece, score]");
      t_.scores.emplace_back(std::move(entry_[0]), *score_);
    } else {
      if (entry_.size() != 2) return bad("not [left, right]");
      t_.merges.emplace_back(std::move(entry_[0]), std::move(entry_[1]));
    }
    entry_.clear(), score_.reset();
    return true;
  }
};

}  // namespace

Json parse_tokenizer_json(const std::string& text, const std::string& source, ModelTables& tables) {
  Json root;
  TableSax sax(root, tables);
  try {
    Json::sax_parse(text, &sax);
  } catch (const Json::parse_error& e) {
    throw JsonError(source + ": malformed JSON at byte " + std::to_string(e.byte) + ": " + e.what());
  } catch (const Json::exception& e) {  // out_of_range 406: a number too large for a double
    throw JsonError(source + ": malformed JSON: " + e.what());
  }
  return root;
}

}  // namespace transformers::tok
