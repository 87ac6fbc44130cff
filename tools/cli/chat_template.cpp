// transformers-cpp chat-template: the rendered chat template, byte for byte.
#include <iostream>
#include <memory>

#include "cli.hpp"

namespace transformers::cli {

namespace {
struct ChatTemplateCmd {
  std::string model, messages, tools;
  std::vector<std::string> vars;
  ChatTemplateOptions render;
  TokenizerOptions hub;
};

int run_chat_template(ChatTemplateCmd o) {
  if (!o.tools.empty()) o.render.tools_json = read_all(o.tools);
  for (const auto& v : o.vars) {
    const auto eq = v.find('=');
    if (eq == std::string::npos) throw ValueError("--var needs NAME=JSON, got '" + v + "'");
    o.render.kwargs[v.substr(0, eq)] = v.substr(eq + 1);
  }
  auto tok = AutoTokenizer::from_pretrained(o.model, o.hub);
  std::cout << tok->apply_chat_template(read_all(o.messages), o.render);
  return 0;
}
}  // namespace

Runner register_chat_template(CLI::App* c) {
  auto o = std::make_shared<ChatTemplateCmd>();
  c->add_option("model", o->model, "model folder or Hub id")->required();
  c->add_option("--messages", o->messages, "JSON file with the message list")->required();
  c->add_option("--tools", o->tools, "JSON file with tool schemas");
  c->add_option("--var", o->vars, "extra template variable NAME=JSON (e.g. enable_thinking=false)");
  c->add_flag("--add-generation-prompt", o->render.add_generation_prompt);
  c->add_flag("--continue-final-message", o->render.continue_final_message);
  add_hub_options(c, o->hub);
  return [o] { return run_chat_template(*o); };
}

}  // namespace transformers::cli
