// Preparing a verified module for execution (see program.h).
#include "vm/program.h"

#include "bytecode/module_codec.h"
#include "stdlib/builtin_records.h"

namespace wf::vm {

std::shared_ptr<const Program> load_program(bytecode::Module module, std::string& error) {
  auto p = std::make_shared<Program>();
  for (const bytecode::Constant& k : module.constants) {
    switch (k.kind) {
      case bytecode::ConstKind::None: p->constants.push_back(Value()); break;
      case bytecode::ConstKind::Bool: p->constants.push_back(Value::boolean(k.i != 0)); break;
      case bytecode::ConstKind::Int: p->constants.push_back(Value::integer(k.i)); break;
      case bytecode::ConstKind::Float: p->constants.push_back(Value::real(k.f)); break;
      case bytecode::ConstKind::Duration: p->constants.push_back(Value::duration(k.i)); break;
      case bytecode::ConstKind::String: p->constants.push_back(make_string(k.s)); break;
    }
  }
  for (const auto& names : module.shapes) p->shapes.push_back(Shape::intern(names));
  for (const std::string& key : module.builtins) {
    stdlib::Native native = stdlib::find_native(key);
    if (!native) {
      error = "the module calls `" + key + "`, which this version of wf does not have";
      return nullptr;
    }
    p->natives.push_back(native);
  }
  std::vector<std::string> error_fields;
  for (const auto& f : stdlib::builtin_record("Error")->fields) error_fields.emplace_back(f.name);
  p->error_shape = Shape::intern(std::move(error_fields));
  p->module_hash = bytecode::module_hash(bytecode::encode_module(module));
  p->module = std::move(module);
  for (const auto& f : p->module.functions) p->code.push_back({f.code.data(), f.num_registers, f.scalar_registers});
  return p;
}

}  // namespace wf::vm
