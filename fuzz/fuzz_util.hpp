#pragma once
// Shared by the libFuzzer targets: the public API may reject any input, but only with a typed
// transformers::Error. Everything else (another exception, a crash, a sanitizer report, a hang)
// is a finding: we catch transformers::Error alone and let the rest reach libFuzzer.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "transformers/errors.hpp"

namespace fuzz {

template <class F>
void guarded(F&& f) {
  try {
    f();
  } catch (const transformers::Error&) {
  }
}

inline std::string bytes(const uint8_t* data, size_t size) { return std::string(reinterpret_cast<const char*>(data), size); }

// A file holding the input, for APIs that take a path (one per process: -jobs workers do not clash).
inline std::string to_file(const uint8_t* data, size_t size, const std::string& suffix) {
  const char* tmp = std::getenv("TMPDIR");
  const std::string path = std::string(tmp && *tmp ? tmp : "/tmp") + "/tcpp-fuzz-" + std::to_string(::getpid()) + suffix;
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

// Splits at the first NUL byte: (before, after); no NUL gives (all, "").
inline std::pair<std::string, std::string> split_nul(const std::string& s) {
  const size_t z = s.find('\0');
  if (z == std::string::npos) return {s, ""};
  return {s.substr(0, z), s.substr(z + 1)};
}

}  // namespace fuzz
