// PATH lookup for executables, done before fork so the child stays async-signal-safe.
#include "jobs/path_search.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

namespace wf::jobs {

std::optional<std::string> find_program(std::string_view name, std::string_view path_list) {
  if (name.empty()) return std::nullopt;
  if (name.find('/') != std::string_view::npos) return std::string(name);

  std::string_view rest = path_list;
  while (true) {
    std::size_t colon = rest.find(':');
    std::string_view dir = rest.substr(0, colon);
    if (!dir.empty()) {
      std::string candidate(dir);
      if (candidate.back() != '/') candidate += '/';
      candidate += name;
      struct stat info {};
      if (stat(candidate.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
          access(candidate.c_str(), X_OK) == 0) {
        return candidate;
      }
    }
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  return std::nullopt;
}

std::string process_path() {
  const char* path = std::getenv("PATH");
  return path != nullptr ? std::string(path) : std::string(kDefaultPath);
}

}  // namespace wf::jobs
