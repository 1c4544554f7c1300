// Compiling or decoding a module for a command (see module_loading.h).
#include "module_loading.h"

#include <fmt/format.h>

#include <fstream>
#include <iterator>
#include <vector>

#include "bytecode/module_codec.h"
#include "bytecode/verifier.h"
#include "diagnostics/render_text.h"
#include "exit_codes.h"
#include "local/params.h"
#include "lower/compile.h"

namespace wf::cli {

namespace {
bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
}  // namespace

LoadedModule load_module(const std::string& path) {
  LoadedModule out;
  if (ends_with(path, ".wfb")) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      fmt::print(stderr, "wf: cannot read {}\n", path);
      out.exit_code = kExitUsage;
      return out;
    }
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    bytecode::DecodeResult decoded = bytecode::decode_module(bytes);
    if (!decoded.ok()) {
      fmt::print(stderr, "wf: {}: {}\n", path, decoded.error());
      out.exit_code = kExitUsage;
      return out;
    }
    if (auto problem = bytecode::verify_module(decoded.module())) {
      fmt::print(stderr, "wf: {}: the module does not verify: {}\n", path, *problem);
      out.exit_code = kExitUsage;
      return out;
    }
    out.module = std::move(decoded).module();
    return out;
  }
  CompileResult r = compile_file(path);
  if (!r.error.empty() && !r.compilation->load_error()) {
    fmt::print(stderr, "wf: {}\n", r.error);
    out.exit_code = kExitUsage;
    return out;
  }
  if (r.compilation->load_error()) {
    fmt::print(stderr, "wf: cannot read {}: {}\n", path, *r.compilation->load_error());
    out.exit_code = kExitUsage;
    return out;
  }
  DiagnosticSink all = r.compilation->diagnostics();
  for (const Diagnostic& d : r.lowering.all()) all.all().push_back(d);
  all.sort();
  for (const Diagnostic& d : all.all())
    if (d.severity == Severity::Error) fmt::print(stderr, "{}\n", render_text(r.compilation->files(), d, false));
  if (!r.module) {
    out.exit_code = kExitFailed;
    return out;
  }
  out.module = std::move(r.module);
  return out;
}

std::shared_ptr<const vm::Program> program_or_report(const bytecode::Module& module) {
  std::string error;
  auto program = vm::load_program(module, error);
  if (!program) fmt::print(stderr, "wf: {}\n", error);
  return program;
}

std::optional<int> bind_or_report(const std::shared_ptr<const vm::Program>& program, const bytecode::Workflow& w,
                                  const std::map<std::string, std::string>& given, const std::string& hosts,
                                  vm::Host& host, std::vector<vm::Value>& args) {
  local::HostTargets targets;
  targets.unnamed = local::split_commas(hosts);
  auto error = local::bind_arguments(program, w, given, targets, host, args);
  if (!error) return std::nullopt;
  fmt::print(stderr, "wf: {}\n", error->message);
  return error->kind == local::BindError::Kind::Failed ? kExitFailed : kExitUsage;
}

}  // namespace wf::cli
