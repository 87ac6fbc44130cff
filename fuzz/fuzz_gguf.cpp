// GGUF files (src/io/gguf.*, src/io/gguf_mapping.*): header, metadata, tensor infos, every plain
// tensor read, and the config / tokenizer transformers would build from the metadata. Every
// rejection must be a transformers::Error; nothing may crash, hang or allocate from a hostile count.
#include "fuzz_util.hpp"
#include "io/gguf.hpp"
#include "io/gguf_mapping.hpp"

using namespace transformers;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::guarded([&] {
    const gguf::File f = gguf::File::from_bytes(fuzz::bytes(data, size), "fuzz.gguf");
    for (const auto& t : f.tensors()) {
      const Tensor x = t.type == 0 || t.type == 1 || t.type == 30 ? f.tensor(t) : f.raw_rows(t);
      // Touch every byte, so a span past the buffer shows under ASan.
      const auto* p = static_cast<const uint8_t*>(x.data_ptr());
      volatile uint8_t acc = 0;
      for (size_t i = 0; i < x.nbytes(); ++i) acc = acc ^ p[i];
    }
  });
  fuzz::guarded([&] { (void)gguf::config_dict(gguf::File::from_bytes(fuzz::bytes(data, size), "fuzz.gguf")); });
  fuzz::guarded([&] { (void)gguf::tokenizer_files(gguf::File::from_bytes(fuzz::bytes(data, size), "fuzz.gguf")); });
  return 0;
}
