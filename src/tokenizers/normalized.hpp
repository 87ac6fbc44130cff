#pragma once
// A piece of text under normalization, remembering for every normalized byte the byte range of
// the original text it came from, so token offsets always point into the user's input.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace transformers::tok {

using Range = std::pair<uint32_t, uint32_t>;

struct Ch {
  char32_t c;
  Range a;  // original byte range (relative to NormalizedString::original)
};

struct NormalizedString {
  std::string original;
  std::string normalized;
  std::vector<Range> align;  // one per normalized byte
  size_t shift = 0;          // where `original` starts in the full input

  NormalizedString() = default;
  NormalizedString(const std::string& s, size_t shift);

  std::vector<Ch> chars() const;
  void set(const std::vector<Ch>& cs);
  // Sub-piece by normalized byte range; its original is cut to the covered range.
  NormalizedString slice(size_t nb, size_t ne) const;
  // Absolute original byte range of normalized bytes [nb, ne).
  Range to_original(size_t nb, size_t ne) const;
  bool empty() const { return normalized.empty(); }
};

}  // namespace transformers::tok
