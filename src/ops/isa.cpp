#include "ops/dispatch.hpp"

namespace transformers::ops {

const CpuIsa& cpu_isa() {
  static const CpuIsa isa = [] {
    CpuIsa r;
    __builtin_cpu_init();
    r.avx2 = __builtin_cpu_supports("avx2");
    r.avx512f = __builtin_cpu_supports("avx512f");
    r.avx512_bf16 = __builtin_cpu_supports("avx512bf16");
    r.avx512_vnni = __builtin_cpu_supports("avx512vnni");
    return r;
  }();
  return isa;
}

std::string CpuIsa::str() const {
  std::string s;
  auto add = [&](bool on, const char* n) { if (on) s += (s.empty() ? "" : " ") + std::string(n); };
  add(avx2, "avx2");
  add(avx512f, "avx512f");
  add(avx512_vnni, "avx512_vnni");
  add(avx512_bf16, "avx512_bf16");
  return s.empty() ? "baseline" : s;
}

}  // namespace transformers::ops
