// The host-restart check of a starting agent (see boot_marker.h).
#include "runtime/agent/boot_marker.h"

#include "runtime/agent/durable_file.h"

namespace wf::agent {

namespace {

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

BootCheck check_boot(const std::string& state_dir, bool had_journal, const std::string& boot_id_path) {
  BootCheck check;
  std::string current, error;
  if (!read_whole_file(boot_id_path, current, error)) {
    // No boot id (not Linux, or /proc not mounted): a restart cannot be told from a crash of the
    // agent, and the safe guess is that the host restarted.
    check.host_restarted = had_journal;
    check.error = "cannot read the host's boot id: " + error;
    return check;
  }
  current = trimmed(current);
  const std::string kept_path = state_dir + "/boot_id";
  std::string kept;
  bool missing = false;
  if (!read_whole_file(kept_path, kept, error, &missing) && !missing) check.error = "cannot read " + kept_path + ": " + error;
  check.host_restarted = missing ? had_journal : trimmed(kept) != current;
  if (missing || trimmed(kept) != current) {
    if (std::string failure = write_file_durably(kept_path, current + "\n", 0600); !failure.empty()) check.error = failure;
  }
  return check;
}

}  // namespace wf::agent
