#include "tokenizers/regex.hpp"

#include <oniguruma.h>

#include <mutex>
#include <optional>

#include "transformers/errors.hpp"

namespace transformers::tok {

static void onig_init_once() {
  static std::once_flag f;
  std::call_once(f, [] {
    OnigEncoding enc[] = {ONIG_ENCODING_UTF8};
    onig_initialize(enc, 1);
  });
}

Regex::Regex(const std::string& pattern) : pattern_(pattern) {
  onig_init_once();
  regex_t* re = nullptr;
  OnigErrorInfo einfo;
  const auto* p = reinterpret_cast<const OnigUChar*>(pattern.data());
  // The onig crate's Regex::new compiles with Syntax::default(), Oniguruma's own syntax: unlike
  // Ruby's it takes the (?imxWDSPy) option letters, \N / \O and variable-length look-behind, so
  // patterns valid for tokenizers parse (and match) the same here.
  const int r = onig_new(&re, p, p + pattern.size(), ONIG_OPTION_NONE, ONIG_ENCODING_UTF8, ONIG_SYNTAX_ONIGURUMA, &einfo);
  if (r != ONIG_NORMAL) {
    OnigUChar msg[ONIG_MAX_ERROR_MESSAGE_LEN];
    onig_error_code_to_str(msg, r, &einfo);
    throw TokenizerError("invalid regex '" + pattern + "': " + reinterpret_cast<char*>(msg));
  }
  re_ = re;
}

Regex Regex::literal(const std::string& s) {
  std::string e;
  for (char c : s) {
    if (std::string("\\^$.|?*+()[]{}-/#&~ \t\n").find(c) != std::string::npos) e += '\\';
    if (c == '\t') e += 't';
    else if (c == '\n') e += 'n';
    else e += c;
  }
  return Regex(e);
}

Regex::~Regex() {
  if (re_) onig_free(static_cast<regex_t*>(re_));
}
Regex::Regex(Regex&& o) noexcept : pattern_(std::move(o.pattern_)), re_(o.re_) { o.re_ = nullptr; }
Regex& Regex::operator=(Regex&& o) noexcept {
  if (this != &o) {
    if (re_) onig_free(static_cast<regex_t*>(re_));
    pattern_ = std::move(o.pattern_);
    re_ = o.re_;
    o.re_ = nullptr;
  }
  return *this;
}

std::vector<std::pair<size_t, size_t>> Regex::find_all(const std::string& s) const {
  std::vector<std::pair<size_t, size_t>> out;
  auto* re = static_cast<regex_t*>(re_);
  OnigRegion* region = onig_region_new();
  const auto* str = reinterpret_cast<const OnigUChar*>(s.data());
  const auto* end = str + s.size();
  // The onig crate's find_iter: search from the end of the last match; an empty match right where
  // the last match ended is refused (the search moves on one character), any other is kept.
  size_t pos = 0;
  std::optional<size_t> last_end;
  const auto step = [&](size_t at) {
    const unsigned char c = static_cast<unsigned char>(s[at]);
    return at + (c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1);
  };
  while (pos <= s.size()) {
    const int r = onig_search(re, str, end, str + pos, end, region, ONIG_OPTION_NONE);
    if (r == ONIG_MISMATCH) break;
    if (r < 0) {
      onig_region_free(region, 1);
      throw TokenizerError("regex search failed for '" + pattern_ + "'");
    }
    const size_t b = static_cast<size_t>(region->beg[0]), e = static_cast<size_t>(region->end[0]);
    if (e == b && last_end == e) {
      if (pos >= s.size()) break;
      pos = step(pos);
      continue;
    }
    out.emplace_back(b, e);
    last_end = e;
    pos = e;
  }
  onig_region_free(region, 1);
  return out;
}

}  // namespace transformers::tok
