#include "nn/module.hpp"

namespace transformers::nn {

Tensor& Module::param(const std::string& name, Shape shape, ParamKind kind) {
  auto p = std::make_unique<Parameter>();
  p->shape = std::move(shape);
  p->kind = kind;
  Tensor& ref = p->value;
  params_.emplace_back(name, std::move(p));
  return ref;
}

void Module::visit(const Visitor& f, const std::string& prefix) {
  // An empty parameter name is the module itself (BareParameter): drop the trailing dot.
  for (auto& [name, p] : params_) f(name.empty() ? prefix.substr(0, prefix.empty() ? 0 : prefix.size() - 1) : prefix + name, *p);
  for (auto& [name, m] : children_) m->visit(f, name.empty() ? prefix : prefix + name + ".");
}

void Module::visit_modules(const std::function<void(const std::string&, Module&)>& f, const std::string& path) {
  f(path, *this);
  for (auto& [name, m] : children_) m->visit_modules(f, name.empty() ? path : path.empty() ? name : path + "." + name);
}

}  // namespace transformers::nn

