// Loads a model through an Auto class, runs it on saved inputs and checks every output against
// the reference outputs Python transformers wrote for the same inputs.
//   forward_demo MODEL_DIR AUTO_CLASS
// MODEL_DIR holds config.json, model.safetensors, inputs.safetensors and outputs.safetensors.
#include <transformers/transformers.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>

using namespace transformers;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s MODEL_DIR AUTO_CLASS\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1], auto_class = argv[2];
  try {
    auto t0 = std::chrono::steady_clock::now();
    auto model = auto_model_from_pretrained(auto_class, dir);
    auto t1 = std::chrono::steady_clock::now();
    SafeTensorsFile in = SafeTensorsFile::open(dir + "/inputs.safetensors");
    ModelInputs inputs;
    for (const auto& t : in.tensors()) inputs[t.name] = in.get(t.name);
    ModelOutput out = model->forward(inputs);
    auto t2 = std::chrono::steady_clock::now();
    std::printf("%s (%s, %s) loaded in %.1f ms, forward in %.1f ms\n", model->class_name().c_str(),
                model->config().model_type().c_str(), dir.c_str(),
                std::chrono::duration<double, std::milli>(t1 - t0).count(),
                std::chrono::duration<double, std::milli>(t2 - t1).count());
    SafeTensorsFile ref = SafeTensorsFile::open(dir + "/outputs.safetensors");
    bool ok = true;
    for (const auto& [name, t] : out.fields) {
      if (!ref.contains(name)) continue;
      auto a = t.to_floats(), b = ref.get(name).to_floats();
      double worst = 0;
      for (size_t i = 0; i < a.size() && i < b.size(); ++i) worst = std::max(worst, std::fabs(double(a[i]) - b[i]));
      const bool good = a.size() == b.size() && worst < 1e-4;
      ok = ok && good;
      std::printf("  %-18s %-14s max |C++ - Python| = %.2e  %s\n", name.c_str(), shape_str(t.shape()).c_str(), worst,
                  good ? "OK" : "MISMATCH");
    }
    if (out.has("logits")) {  // the top token per position of the first sequence
      Tensor logits = out["logits"].select(0, 0);
      std::printf("  top token per position:");
      for (int64_t s = 0; s < logits.size(0); ++s) {
        auto row = logits.select(0, s).to_floats();
        std::printf(" %ld", static_cast<long>(std::max_element(row.begin(), row.end()) - row.begin()));
      }
      std::printf("\n");
    }
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
