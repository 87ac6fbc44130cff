#pragma once
// transformers-cpp: Hugging Face Transformers' Auto classes in C++.
#include "transformers/export.hpp"
#include "transformers/config.hpp"
#include "transformers/dtype.hpp"
#include "transformers/errors.hpp"
#include "transformers/feature_extraction.hpp"
#include "transformers/hub.hpp"
#include "transformers/image_processing.hpp"
#include "transformers/modeling.hpp"
#include "transformers/pipelines.hpp"
#include "transformers/safetensors.hpp"
#include "transformers/tensor.hpp"
#include "transformers/tokenizer.hpp"

namespace transformers {
TRANSFORMERS_API const char* version();
}

namespace transformers {
struct TRANSFORMERS_API EnvInfo {
  std::string version, cpu_isa, cache_dir, endpoint;
  int threads = 1;
  bool cuda_compiled = false;
  int cuda_devices = 0;
  bool offline = false;
  bool reference_mode = false;
};
TRANSFORMERS_API EnvInfo env_info();
// Runs every op on the scalar reference kernels (TRANSFORMERS_CPP_REFERENCE=1 does the same).
TRANSFORMERS_API void set_reference_mode(bool on);
TRANSFORMERS_API void set_num_threads(int n);
}  // namespace transformers
