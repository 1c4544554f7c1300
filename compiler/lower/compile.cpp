// The front end's pipeline from source to a verified module (see compile.h).
#include "lower/compile.h"

#include "bytecode/module_codec.h"
#include "bytecode/verifier.h"
#include "lower/lower.h"

namespace wf {

namespace {
void finish(CompileResult& r) {
  if (r.compilation->diagnostics().error_count() > 0) return;
  r.module = lower_program(*r.compilation, r.lowering);
  if (!r.module) return;
  for (uint32_t f = 0; f < r.module->sources.size() && f < r.compilation->files().size(); ++f)
    r.module->sources[f].sha256 = bytecode::sha256_hex(r.compilation->file(f).text());
  if (auto problem = bytecode::verify_module(*r.module)) {
    r.error = "internal error: the compiled module does not verify: " + *problem;
    r.module.reset();
  }
}
}  // namespace

CompileResult compile_file(const std::string& path) {
  CompileResult r;
  r.compilation = std::make_unique<Compilation>();
  if (!r.compilation->check_file(path)) {
    r.error = "cannot read " + path + ": " + r.compilation->load_error().value_or("unknown error");
    return r;
  }
  finish(r);
  return r;
}

CompileResult compile_text(const std::string& path, std::string text) {
  CompileResult r;
  r.compilation = std::make_unique<Compilation>();
  r.compilation->check_text(path, std::move(text));
  finish(r);
  return r;
}

}  // namespace wf
