// The meta-commands (see meta_commands.h).
#include "repl/meta_commands.h"

#include <fmt/format.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>

#include "bytecode/disassembler.h"
#include "local/channels_file.h"
#include "local/notifier.h"
#include "parse/parse.h"
#include "repl/synthetic.h"

namespace wf::repl {

namespace {

constexpr const char* kHelp = R"(Type wf statements, expressions and declarations; an input runs when its brackets close.
  let x = 5                 bind a variable (`var` for one that can be reassigned)
  x * 2                     evaluate an expression: prints `type = value`
  fn f(a: int) -> int {...} declare (fn, type, const, script, library, workflow, import)
  run command "uptime" on [localhost()]   effects run for real on this machine
Meta-commands:
  :help                     this text
  :type EXPR                the type of an expression
  :disasm EXPR|NAME         the bytecode of an expression, or of a fn or workflow
  :load FILE                the declarations of FILE join the session
  :vars                     the session's variables
  :reset                    forget every declaration, loaded file and variable
  :simulate on|off          simulate effects instead of running them
  :notify FILE|off          send each `notify` through the channels of FILE, or only show it
  :quit                     leave (Ctrl-D too)
Ctrl-C cancels the input being typed or the effect running. Values print as `wf run` prints
its result: JSON, with durations and times as strings.
)";

std::string trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  const size_t e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

bool is_identifier(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

// The part of a disassembly listing for the function named `name`, from its header line to the
// next function's.
std::optional<std::string> function_listing(const std::string& listing, const std::string& name) {
  const std::string needle = "`" + name + "` (";
  size_t pos = 0;
  while ((pos = listing.find("\nfunction ", pos)) != std::string::npos) {
    const size_t start = pos + 1;
    const size_t eol = listing.find('\n', start);
    if (listing.substr(start, eol - start).find(needle) != std::string::npos) {
      const size_t next = listing.find("\nfunction ", start);
      std::string out = listing.substr(start, next == std::string::npos ? std::string::npos : next - start);
      while (out.ends_with("\n\n")) out.pop_back();
      if (!out.ends_with('\n')) out += '\n';
      return out;
    }
    pos = start;
  }
  return std::nullopt;
}

void disasm(const Session& session, const std::string& arg, const Io& io) {
  if (arg.empty()) {
    *io.out << "usage: :disasm EXPR|NAME\n";
    return;
  }
  if (is_identifier(arg)) {
    // A fn or workflow of the session (or of a loaded file) is shown as it was compiled.
    std::optional<bytecode::Module> module = compile_for_listing(session, "", io);
    if (!module) return;
    if (auto listing = function_listing(bytecode::disassemble(*module), arg)) {
      *io.out << *listing;
      return;
    }
  }
  std::optional<bytecode::Module> module = compile_for_listing(session, arg, io);
  if (!module) return;
  if (auto listing = function_listing(bytecode::disassemble(*module), kWorkflowName)) *io.out << *listing;
}

void load(Session& session, const std::string& arg, const Io& io) {
  if (arg.empty()) {
    *io.out << "usage: :load FILE\n";
    return;
  }
  std::error_code ec;
  const std::filesystem::path path = std::filesystem::absolute(arg, ec).lexically_normal();
  std::ifstream in(path);
  if (ec || !in || std::filesystem::is_directory(path)) {
    *io.out << fmt::format("error: cannot read {}\n", arg);
    return;
  }
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The file joins as an import, so its own imports resolve from where it is and its diagnostics
  // name it; it is kept only if the session still compiles with it.
  Session trial = session;
  trial.load(path.string());
  if (!compile_for_listing(trial, "", io)) return;
  session = std::move(trial);
  const SourceFile source(path.string(), text);
  DiagnosticSink sink;
  const std::unique_ptr<Module> parsed = parse_module(source, 0, sink);
  std::string names;
  for (const auto& d : parsed->decls)
    if (!d->name.empty()) names += (names.empty() ? "" : ", ") + d->name.text;
  *io.out << fmt::format("loaded {}{}{}\n", arg, names.empty() ? "" : ": ", names);
}

void vars(const Session& session, const Io& io) {
  if (session.variables().empty()) {
    *io.out << "no variables\n";
    return;
  }
  for (const Variable& v : session.variables())
    *io.out << fmt::format("{} {}: {} = {}\n", v.is_var ? "var" : "let", v.name, v.type, value_text(v.value));
}

// `:notify FILE|off`: a file that cannot be used changes nothing. The notifications stay numbered
// across the session.
void notify(Session& session, const std::string& arg, const Io& io) {
  const local::Notifier* current = session.options().notifier.get();
  const int64_t next_id = current ? current->next_id() : 1;
  if (arg == "off") {
    session.set_notifier(std::make_shared<local::Notifier>(std::nullopt, next_id), "");
  } else if (!arg.empty()) {
    std::string error;
    std::optional<local::ChannelsFile> channels = local::load_channels_file(arg, error);
    if (!channels) {
      *io.out << "error: " << error << "\n";
      return;
    }
    session.set_notifier(std::make_shared<local::Notifier>(std::move(channels), next_id), arg);
  }
  const std::string& file = session.options().notify_file;
  *io.out << (file.empty() ? std::string("notify shows what it would send\n") : fmt::format("notify sends through {}\n", file));
}

}  // namespace

MetaResult run_meta_command(Session& session, const std::string& line, const Io& io) {
  const std::string text = trim(line);
  const size_t space = text.find_first_of(" \t");
  const std::string command = text.substr(0, space);
  const std::string arg = space == std::string::npos ? std::string() : trim(text.substr(space));

  if (command == ":help" || command == ":h") {
    *io.out << kHelp;
  } else if (command == ":quit" || command == ":q") {
    return MetaResult::Quit;
  } else if (command == ":type" || command == ":t") {
    if (arg.empty()) *io.out << "usage: :type EXPR\n";
    else if (auto type = type_of(session, arg, io)) *io.out << *type << "\n";
  } else if (command == ":disasm") {
    disasm(session, arg, io);
  } else if (command == ":load") {
    load(session, arg, io);
  } else if (command == ":vars") {
    vars(session, io);
  } else if (command == ":reset") {
    session.reset();
    *io.out << "session reset\n";
  } else if (command == ":simulate") {
    if (arg == "on") session.set_simulate(true);
    else if (arg == "off") session.set_simulate(false);
    else if (!arg.empty()) {
      *io.out << "usage: :simulate on|off\n";
      return MetaResult::Continue;
    }
    *io.out << (session.simulate() ? "effects are simulated\n" : "effects run on this machine\n");
  } else if (command == ":notify") {
    notify(session, arg, io);
  } else {
    *io.out << fmt::format("unknown command `{}`; :help lists the commands\n", command);
  }
  return MetaResult::Continue;
}

}  // namespace wf::repl
