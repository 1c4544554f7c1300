// Loading a root file and its imports, then parsing and checking them (see compilation.h).
#include "driver/compilation.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "check/checker.h"
#include "check/types.h"
#include "parse/parse.h"

namespace wf {

namespace {
std::optional<std::string> read_file(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = std::filesystem::exists(path) ? "permission denied or not a regular file" : "no such file";
    return std::nullopt;
  }
  if (std::filesystem::is_directory(path)) {
    error = "is a directory";
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}
}  // namespace

// Follows `import` declarations depth-first, parsing each file once. A cycle or an unreadable
// module is reported on the `import` that leads to it.
class ImportLoader {
 public:
  explicit ImportLoader(Compilation& c) : c_(c) {}

  void load_imports(uint32_t file) {
    // Copy what we need: loading more files grows the vectors we read from.
    struct Pending { std::string path; SourceRange range; uint32_t decl_index; };
    std::vector<Pending> pending;
    const Module& m = *c_.modules_[file];
    for (uint32_t i = 0; i < m.decls.size(); ++i)
      if (m.decls[i]->kind == DeclKind::Import) {
        const auto& imp = static_cast<const ImportDecl&>(*m.decls[i]);
        pending.push_back({imp.path, imp.path_range, i});
      }
    const std::filesystem::path base = std::filesystem::path(c_.files_[file]->path()).parent_path();
    for (const Pending& p : pending) {
      if (p.path.empty()) continue;
      const std::string resolved = (base / p.path).lexically_normal().string();
      const Location at{file, p.range};
      path_.push_back({file, at});
      auto known = index_.find(resolved);
      if (known != index_.end()) {
        report_cycle_if_any(known->second);
        c_.import_targets_[file].push_back({p.decl_index, known->second});
      } else if (std::string error; auto text = read_file(resolved, error)) {
        const uint32_t loaded = c_.add_file(resolved, std::move(*text));
        index_[resolved] = loaded;
        c_.import_targets_[file].push_back({p.decl_index, loaded});
        load_imports(loaded);
      } else {
        c_.sink_.report(DiagCode::BadImport, at, "cannot import `" + p.path + "`: " + error);
      }
      path_.pop_back();
    }
  }

  // `target` is imported again while the imports leading here are followed: if it is one of
  // them, the chain is a cycle, reported on the import where the cycle starts.
  void report_cycle_if_any(uint32_t target) {
    for (size_t k = 0; k < path_.size(); ++k) {
      if (path_[k].file != target) continue;
      std::string chain;
      for (size_t j = k; j < path_.size(); ++j)
        chain += std::filesystem::path(c_.files_[path_[j].file]->path()).filename().string() + " → ";
      chain += std::filesystem::path(c_.files_[target]->path()).filename().string();
      c_.sink_.report(DiagCode::BadImport, path_[k].import, "import cycle: " + chain);
      return;
    }
  }

  void remember(uint32_t file) {
    index_[std::filesystem::path(c_.files_[file]->path()).lexically_normal().string()] = file;
  }

 private:
  Compilation& c_;
  std::map<std::string, uint32_t> index_;
  struct Followed { uint32_t file; Location import; };
  std::vector<Followed> path_;  // the imports being followed, outermost first
};

Compilation::Compilation() : types_(std::make_unique<TypeContext>()) {}
Compilation::~Compilation() = default;

uint32_t Compilation::add_file(std::string path, std::string text) {
  const uint32_t index = static_cast<uint32_t>(files_.size());
  files_.push_back(std::make_unique<SourceFile>(std::move(path), std::move(text)));
  modules_.push_back(parse_module(*files_.back(), index, sink_));
  import_targets_.emplace_back();
  return index;
}

bool Compilation::check_file(const std::string& path) {
  std::string error;
  auto text = read_file(path, error);
  if (!text) {
    load_error_ = error;
    return false;
  }
  check_text(path, std::move(*text));
  return true;
}

void Compilation::check_text(const std::string& path, std::string text) {
  add_file(path, std::move(text));
  ImportLoader loader(*this);
  loader.remember(0);
  loader.load_imports(0);
  CheckInput input;
  for (auto& m : modules_) input.modules.push_back(m.get());
  input.imports = import_targets_;
  for (auto& f : files_) input.sources.push_back(f.get());
  check_modules(input, *types_, bindings_, sink_);
  sink_.sort();
}

}  // namespace wf
