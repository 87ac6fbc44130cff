// Image bytes (JPEG, PNG, WebP, BMP, GIF, ...) through decode_image.
#include "fuzz_util.hpp"
#include "transformers/image_processing.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::guarded([&] { (void)transformers::decode_image(data, size); });
  return 0;
}
