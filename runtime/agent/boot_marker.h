// Whether the agent's host restarted since the agent last ran on its state directory: the kernel's
// boot id (/proc/sys/kernel/random/boot_id) against the one kept in STATE/boot_id. A restart of the
// host may take with it what the agent had written and not yet flushed (the journal line of a job
// it had just started), so the service is told, and judges the jobs it handed out accordingly.
#pragma once

#include <string>

namespace wf::agent {

struct BootCheck {
  bool host_restarted = false;
  std::string error;  // why the boot id could not be read or kept; empty when all went well
};

// Compares and then keeps the current boot id. A state directory without a kept one counts as a
// restart only when it holds a journal (`had_journal`): a new agent has nothing to lose.
BootCheck check_boot(const std::string& state_dir, bool had_journal, const std::string& boot_id_path = "/proc/sys/kernel/random/boot_id");

}  // namespace wf::agent
