#pragma once
// Module tree with HF parameter names: each module registers its parameters and children under
// the attribute names of the PyTorch module, so full names rebuild checkpoint keys
// ("bert.encoder.layer.3.attention.self.query.weight").
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "transformers/tensor.hpp"

namespace transformers::nn {

// Matrix weights follow the load dtype policy (zero-copy when the checkpoint matches); small
// parameters (biases, norms) are always held in fp32.
enum class ParamKind { Weight, Float32 };

struct Parameter {
  Tensor value;
  Shape shape;
  ParamKind kind = ParamKind::Float32;
  bool loaded = false;
};

class Module {
 public:
  Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  virtual ~Module() = default;

  using Visitor = std::function<void(const std::string& name, Parameter& p)>;
  void visit(const Visitor& f, const std::string& prefix = "");
  // Every module of the tree (this one first) with its HF path.
  void visit_modules(const std::function<void(const std::string& path, Module& m)>& f, const std::string& path = "");

 protected:
  Tensor& param(const std::string& name, Shape shape, ParamKind kind);
  // An empty name adopts the child's parameters without a prefix level.
  template <typename M>
  M& child(const std::string& name, std::unique_ptr<M> m) {
    M& ref = *m;
    children_.emplace_back(name, std::move(m));
    return ref;
  }

 private:
  std::vector<std::pair<std::string, std::unique_ptr<Parameter>>> params_;
  std::vector<std::pair<std::string, std::unique_ptr<Module>>> children_;
};

// A module that only groups children (nn.ModuleList, or an HF module with no forward of its own).
class Container : public Module {
 public:
  template <typename M>
  M& add(const std::string& name, std::unique_ptr<M> m) { return child(name, std::move(m)); }
};

// A bare nn.Parameter that HF registers directly on a module (e.g. the MLM heads' `bias`): as a
// child named after the attribute, it owns one fp32 parameter with an empty name.
class BareParameter : public Module {
 public:
  explicit BareParameter(int64_t n) : value(param("", {n}, ParamKind::Float32)) {}
  explicit BareParameter(Shape shape) : value(param("", std::move(shape), ParamKind::Float32)) {}
  Tensor& value;
};

}  // namespace transformers::nn
