// A script body on disk for the length of one job: in a directory only we can enter, removed when
// the job is over.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

namespace wf::jobs {

// Owns a private temporary directory (mode 0700, under $TMPDIR or /tmp) holding one file,
// `script<extension>` (mode 0600). A directory rather than a bare mkstemp file so the name can
// carry the extension interpreters insist on and no other user can even see it. Removed by the
// destructor. Not copyable: exactly one owner deletes it.
class ScriptFile {
 public:
  ScriptFile() = default;
  ~ScriptFile();
  ScriptFile(const ScriptFile&) = delete;
  ScriptFile& operator=(const ScriptFile&) = delete;

  // Writes `text`. Returns an empty string on success, else what failed (with errno's text);
  // on failure nothing is left behind.
  std::string create(std::string_view text, std::string_view extension);

  // Hands the directory and the file to another account (a job run as it must read its script).
  // An empty string on success, else what failed.
  std::string give_to(uid_t uid, gid_t gid);

  // The file's path; empty until create() succeeds.
  const std::string& path() const { return path_; }

 private:
  void remove();

  std::string dir_;
  std::string path_;
};

}  // namespace wf::jobs
