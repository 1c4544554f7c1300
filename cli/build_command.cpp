// `wf build FILE -o OUT.wfb` (compile to a module) and `wf disasm FILE|OUT.wfb` (readable
// bytecode), SPEC §6.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <memory>

#include "bytecode/disassembler.h"
#include "bytecode/module_codec.h"
#include "exit_codes.h"
#include "module_loading.h"

namespace wf::cli {

void register_build_commands(CLI::App& app) {
  struct BuildOptions {
    std::string file, output;
  };
  auto build_options = std::make_shared<BuildOptions>();
  CLI::App* build = app.add_subcommand("build", "Compile a .wf file to a bytecode module");
  build->add_option("file", build_options->file, "The .wf file")->required();
  build->add_option("-o,--output", build_options->output, "Where to write the module (default: FILE with .wfb)");
  build->callback([build_options] {
    LoadedModule loaded = load_module(build_options->file);
    if (!loaded.module) throw CLI::RuntimeError(loaded.exit_code);
    std::string out = build_options->output;
    if (out.empty()) {
      out = build_options->file;
      if (out.size() > 3 && out.compare(out.size() - 3, 3, ".wf") == 0) out.resize(out.size() - 3);
      out += ".wfb";
    }
    const std::vector<uint8_t> bytes = bytecode::encode_module(*loaded.module);
    std::ofstream f(out, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!f) {
      fmt::print(stderr, "wf: cannot write {}\n", out);
      throw CLI::RuntimeError(kExitUsage);
    }
    fmt::print("{} ({} bytes, sha256 {})\n", out, bytes.size(), bytecode::module_hash(bytes));
  });

  auto disasm_file = std::make_shared<std::string>();
  CLI::App* disasm = app.add_subcommand("disasm", "Show a module's bytecode");
  disasm->add_option("file", *disasm_file, "A .wf file or a .wfb module")->required();
  disasm->callback([disasm_file] {
    LoadedModule loaded = load_module(*disasm_file);
    if (!loaded.module) throw CLI::RuntimeError(loaded.exit_code);
    fmt::print("{}", bytecode::disassemble(*loaded.module));
  });
}

}  // namespace wf::cli
