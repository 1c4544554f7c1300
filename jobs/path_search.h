// Finding a program along a PATH list, as execvp would, but in the parent: the forked child then
// only has to call execve, and "not found" is known before any process is started.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace wf::jobs {

// The PATH used when none is set: the usual system directories.
inline constexpr std::string_view kDefaultPath = "/usr/local/bin:/usr/bin:/bin";

// The absolute (or as given) path of the executable `name`. A name containing `/` is returned as
// is, since execve will resolve it itself and report what is wrong with it. Otherwise each
// directory of `path_list` (colon-separated) is tried in order for a regular file we may execute.
// Empty elements, which POSIX reads as the current directory, are skipped: a job must not pick up
// whatever binary happens to sit in its working directory.
std::optional<std::string> find_program(std::string_view name, std::string_view path_list);

// The calling process's PATH, or kDefaultPath when it has none.
std::string process_path();

}  // namespace wf::jobs
