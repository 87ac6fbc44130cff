#pragma once
// Oniguruma (Ruby syntax, UTF-8): the engine tokenizers itself uses, so patterns from
// tokenizer.json mean exactly what they mean in Python.
#include <memory>
#include <string>
#include <vector>

namespace transformers::tok {

class Regex {
 public:
  explicit Regex(const std::string& pattern);
  static Regex literal(const std::string& s);  // escaped
  ~Regex();
  Regex(Regex&&) noexcept;
  Regex& operator=(Regex&&) noexcept;
  // Non-overlapping leftmost matches as byte ranges (empty matches included).
  std::vector<std::pair<size_t, size_t>> find_all(const std::string& s) const;
  const std::string& pattern() const { return pattern_; }

 private:
  std::string pattern_;
  void* re_ = nullptr;
};

}  // namespace transformers::tok
