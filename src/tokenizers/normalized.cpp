#include "tokenizers/normalized.hpp"

#include "tokenizers/unicode.hpp"

namespace transformers::tok {

NormalizedString::NormalizedString(const std::string& s, size_t sh) : original(s), normalized(s), shift(sh) {
  align.resize(s.size());
  for (size_t i = 0; i < s.size();) {
    const size_t k = utf8_seq_len(static_cast<unsigned char>(s[i]));
    for (size_t j = 0; j < k && i + j < s.size(); ++j) align[i + j] = {static_cast<uint32_t>(i), static_cast<uint32_t>(i + k)};
    i += k;
  }
}

std::vector<Ch> NormalizedString::chars() const {
  std::vector<Ch> r;
  const std::u32string cs = utf8_decode(normalized);
  r.reserve(cs.size());
  size_t b = 0;
  for (char32_t c : cs) {
    r.push_back({c, align[b]});
    b += utf8_len(c);
  }
  return r;
}

void NormalizedString::set(const std::vector<Ch>& cs) {
  normalized.clear();
  align.clear();
  for (const Ch& ch : cs) {
    const size_t before = normalized.size();
    utf8_append(normalized, ch.c);
    align.insert(align.end(), normalized.size() - before, ch.a);
  }
}

NormalizedString NormalizedString::slice(size_t nb, size_t ne) const {
  NormalizedString r;
  if (ne <= nb) {
    r.shift = shift + (nb < align.size() ? align[nb].first : original.size());
    return r;
  }
  const uint32_t os = align[nb].first, oe = align[ne - 1].second;
  uint32_t lo = os, hi = oe;
  for (size_t i = nb; i < ne; ++i) {
    lo = std::min(lo, align[i].first);
    hi = std::max(hi, align[i].second);
  }
  r.original = original.substr(lo, hi - lo);
  r.normalized = normalized.substr(nb, ne - nb);
  r.align.reserve(ne - nb);
  for (size_t i = nb; i < ne; ++i) r.align.push_back({align[i].first - lo, align[i].second - lo});
  r.shift = shift + lo;
  return r;
}

Range NormalizedString::to_original(size_t nb, size_t ne) const {
  if (ne <= nb || nb >= align.size()) {
    const uint32_t p = static_cast<uint32_t>(shift + (nb < align.size() ? align[nb].first : original.size()));
    return {p, p};
  }
  return {static_cast<uint32_t>(shift + align[nb].first), static_cast<uint32_t>(shift + align[ne - 1].second)};
}

}  // namespace transformers::tok
