// tokenizer.json loading (Tokenizer::from_str), then one encode / decode round with what loaded.
#include "fuzz_util.hpp"
#include "transformers/tokenizer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::guarded([&] {
    const transformers::Tokenizer t = transformers::Tokenizer::from_str(fuzz::bytes(data, size));
    const std::string pair = "b c";
    const transformers::Encoding e = t.encode("Hello world, a test: 123 \xc3\xa9\xe4\xb8\xad!", &pair);
    (void)t.decode(e.ids, false);
    (void)t.decode(e.ids, true);
  });
  return 0;
}
