// safetensors files: header parsing, offsets and every tensor read (mapped and in memory).
#include "fuzz_util.hpp"
#include "transformers/safetensors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = fuzz::to_file(data, size, ".safetensors");
  for (const bool in_memory : {false, true})
    fuzz::guarded([&] {
      transformers::SafeTensorsFile f = transformers::SafeTensorsFile::open(path, in_memory);
      for (const auto& t : f.tensors()) (void)f.get(t.name);
    });
  return 0;
}
