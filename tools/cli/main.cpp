// transformers-cpp: the command-line face of the library (see DESIGN.md, "The CLI contract").
// Every command takes a model folder or Hub id first; any error is one line on stderr, exit 1.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "transformers/transformers.hpp"

using namespace transformers;

namespace {

void add_hub_options(CLI::App* c, HubOptions& o) {
  c->add_option("--revision", o.revision, "branch, tag or commit");
  c->add_option("--subfolder", o.subfolder);
  c->add_option("--cache-dir", o.cache_dir);
  c->add_flag("--local-files-only", o.local_files_only);
  c->add_flag("--force-download", o.force_download);
  c->add_option("--token", o.token);
}

int cmd_env() {
  EnvInfo e = env_info();
  nlohmann::ordered_json j;
  j["version"] = e.version;
  j["cpu_isa"] = e.cpu_isa;
  j["threads"] = e.threads;
  j["backends"] = {{"cpu", true}, {"cuda", e.cuda_compiled}};
  j["cuda_devices"] = e.cuda_devices;
  j["cache_dir"] = e.cache_dir;
  j["endpoint"] = e.endpoint;
  j["offline"] = e.offline;
  j["reference_mode"] = e.reference_mode;
  std::cout << j.dump(2) << "\n";
  return 0;
}

int cmd_forward(const std::string& model_id, const std::string& auto_class, const std::string& inputs_path,
                const std::string& out_path, const FromPretrainedOptions& o) {
  auto model = auto_model_from_pretrained(auto_class, model_id, o);
  SafeTensorsFile in = SafeTensorsFile::open(inputs_path);
  ModelInputs inputs;
  for (const auto& t : in.tensors()) inputs[t.name] = in.get(t.name);
  ModelOutput out = model->forward(inputs);
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (const auto& [name, t] : out.fields)
    tensors.emplace_back(name, is_floating(t.dtype()) ? t.to(DType::F32) : t.to(DType::I64));
  save_safetensors(tensors, out_path, {{"format", "pt"}});
  std::fprintf(stderr, "%s: wrote", model->class_name().c_str());
  for (const auto& [name, t] : tensors) std::fprintf(stderr, " %s%s", name.c_str(), shape_str(t.shape()).c_str());
  std::fprintf(stderr, " to %s\n", out_path.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"transformers-cpp: Hugging Face Transformers' Auto classes, natively in C++"};
  app.require_subcommand(1);
  int threads = 0;
  bool reference = false;
  app.add_option("--threads", threads, "worker threads (default: all cores)");
  app.add_flag("--reference", reference, "run every op on the scalar reference kernels");

  app.add_subcommand("env", "environment report");

  auto* fwd = app.add_subcommand("forward", "run a forward pass and write every output tensor");
  std::string model_id, auto_class = "AutoModel", inputs_path, out_path = "out.safetensors";
  FromPretrainedOptions fo;
  fwd->add_option("model", model_id, "model folder or Hub id")->required();
  fwd->add_option("--auto-class", auto_class, "AutoModel, AutoModelForMaskedLM, ...");
  fwd->add_option("--inputs", inputs_path, "safetensors with input_ids, attention_mask, ...")->required();
  fwd->add_option("--out", out_path, "output safetensors");
  fwd->add_option("--dtype", fo.dtype, "auto, float32, bfloat16, float16");
  fwd->add_option("--device", fo.device, "cpu, cuda, cuda:N");
  fwd->add_flag("--ignore-mismatched-sizes", fo.ignore_mismatched_sizes);
  fwd->add_flag("--allow-missing-weights", fo.allow_missing_weights);
  fwd->add_flag("--loading-info", fo.output_loading_info, "print missing / unexpected weights");
  add_hub_options(fwd, fo);

  auto* dl = app.add_subcommand("download", "fetch a model into the shared Hugging Face cache");
  std::string dl_id;
  HubOptions ho;
  dl->add_option("model", dl_id, "Hub id (org/name)")->required();
  dl->add_option("--endpoint", ho.endpoint, "Hub endpoint (default HF_ENDPOINT or https://huggingface.co)");
  add_hub_options(dl, ho);
  fwd->add_option("--endpoint", fo.endpoint, "Hub endpoint");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    set_num_threads(threads);
    if (reference) set_reference_mode(true);
    if (app.got_subcommand("env")) return cmd_env();
    if (app.got_subcommand("forward")) return cmd_forward(model_id, auto_class, inputs_path, out_path, fo);
    if (app.got_subcommand("download")) {
      std::cout << snapshot_download(dl_id, ho) << "\n";
      return 0;
    }
  } catch (const std::exception& e) {
    std::string msg = e.what();
    for (char& c : msg) if (c == '\n') c = ' ';
    std::fprintf(stderr, "error: %s\n", msg.c_str());
    return 1;
  }
  return 0;
}
