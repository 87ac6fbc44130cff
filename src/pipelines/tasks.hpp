#pragma once
// The task table inside the library: each row is a public TaskInfo plus how to build the task's
// pipeline and how to run it on JSON (the JSON result writer the CLI and a server share).
#include <functional>

#include "io/json.hpp"
#include "transformers/pipelines.hpp"

namespace transformers {

struct TaskRow {
  TaskInfo info;
  // `task` is what the caller named, after aliases ("translation_en_to_fr" stays as given).
  using Factory = std::function<std::unique_ptr<Pipeline>(const std::string& model, const std::string& task, const PipelineOptions& o)>;
  Factory factory;
  // The pipeline's call on parsed JSON inputs and params, results as Python returns them.
  std::function<Json(const Pipeline& p, const Json& inputs, const Json& params, const Pipeline::TextCallback& on_text)> run;
  // An extra condition for infer_task beyond the Auto classes (image-to-text vs image-text-to-text).
  bool (*infer_if)(const PretrainedConfig& config) = nullptr;
  bool inferred = true;  // false: never picked by infer_task (another row reads the same models)
};

const std::vector<TaskRow>& task_rows();
// The row of a task name or alias; UnknownTaskError otherwise.
const TaskRow& task_row(const std::string& task);
// Pipeline::call_json without the text round trip (a server that already holds parsed JSON).
Json run_pipeline(const Pipeline& p, const Json& inputs, const Json& params, const Pipeline::TextCallback& on_text = {});

}  // namespace transformers
