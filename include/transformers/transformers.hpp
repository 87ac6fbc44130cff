#pragma once
// transformers-cpp: Hugging Face Transformers' Auto classes in C++.
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
const char* version();
}

namespace transformers {
struct EnvInfo {
  std::string version, cpu_isa, cache_dir, endpoint;
  int threads = 1;
  bool cuda_compiled = false;
  int cuda_devices = 0;
  bool offline = false;
  bool reference_mode = false;
};
EnvInfo env_info();
// Runs every op on the scalar reference kernels (TRANSFORMERS_CPP_REFERENCE=1 does the same).
void set_reference_mode(bool on);
void set_num_threads(int n);
}  // namespace transformers
