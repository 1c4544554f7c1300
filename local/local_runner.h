// The local host: runs a workflow in this process, the way `wf run` (SPEC §6) and the REPL do.
// Jobs run on this machine once per target host with WF_HOST set; approvals are answered by
// --approve (or at the terminal); checkouts come from a vault file; sleeps wait for real unless
// `fast`; notifications (shown, or sent by a notifier) and log lines go to the timeline on stderr. A workflow's @timeout ends it
// as the service's engine does: its waits and jobs are stopped and it fails with `timeout`. A
// step's timeout stops the wait and jobs of the effect it bounds, which ends with `timeout`.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "vm/machine.h"

namespace wf::local {

enum class ApproveMode { Yes, No, Ask };

struct VaultIdentity {
  std::string name, username, secret, credential_type, domain;
  bool requires_approval = false, rotate_after_use = false;
  // How the service would rotate it (a local run only says so: it changes no password).
  std::string rotate_host;
  int64_t secret_length = 24;
};

// A `notify` as the run reached it: what a notifier shows or sends (local/notifier.h).
struct LocalNotification {
  std::string workflow, step;  // the step: the innermost one open, "" outside any
  std::string message;
  std::vector<std::string> channels;  // as `notify` renders them: `webhook:NAME`, `email:ADDR`, ...
};

struct LocalOptions {
  ApproveMode approve = ApproveMode::Ask;
  bool fast = false;
  std::vector<VaultIdentity> vault;
  std::map<std::string, std::string> events;  // event name → JSON payload, for `wait event`
  std::ostream* timeline = nullptr;           // null: no timeline
  // Answers an approval at a terminal: returns (approved, note). Used for ApproveMode::Ask.
  std::function<std::pair<bool, std::string>(const std::string& title)> ask;
  // Each time the machine stops to wait for effects, write it to a continuation, destroy it, and
  // go on with a fresh machine restored from those bytes alone (child workflows too). Slower; it
  // exists to prove that a continuation holds everything a run needs.
  bool suspend_at_effects = false;
  // Becomes true when the operator interrupts (the REPL's Ctrl-C): running jobs are cancelled,
  // a wait ends early, and the instance is aborted with `cancelled`. Null: never interrupted.
  const std::atomic<bool>* cancel = nullptr;
  // Called about ten times a second while a sleep or retry delay waits, with the time left, so
  // a terminal can show a countdown; called once with 0 when the wait ends.
  std::function<void(int64_t left_ms)> countdown;
  // Shows or sends what each `notify` would send; returns the lines the timeline prints under the
  // `notify` line. It never fails the run. Null: the timeline shows the channels and message only.
  std::function<std::vector<std::string>(const LocalNotification&)> notify;
};

struct RunOutcome {
  vm::Status status = vm::Status::Failed;
  vm::Value value;  // the return value when Completed
  vm::Value error;  // the Error record when Failed
};

// Reads a vault file (SPEC §6: {"identities": [...]}); false with `error` set when malformed.
bool load_vault(const std::string& path, std::vector<VaultIdentity>& out, std::string& error);
// The same from the file's text; `where` names its origin in `error`.
bool parse_vault(std::string_view text, const std::string& where, std::vector<VaultIdentity>& out, std::string& error);

// A host record for a machine named `name` (SPEC §6: primary_ip 127.0.0.1, this machine's os).
vm::Value local_host_record(const std::string& name);

class LocalRunner : public vm::Host {
 public:
  LocalRunner(std::shared_ptr<const vm::Program> program, LocalOptions options);

  // Runs the workflow's function with its arguments (in parameter order) to its end.
  RunOutcome run(uint32_t workflow_index, std::vector<vm::Value> args);

  // vm::Host
  int64_t now_ms() override;
  vm::Value localhost() override;
  vm::Value env(std::string_view name) override;
  void on_log(uint32_t fiber, const std::string& message) override;
  void on_step(uint32_t fiber, const vm::Value& info, vm::StepEvent event) override;
  void on_condition(uint32_t fiber, const std::string& condition, bool value) override;

 private:
  // Performs an effect within the timeout of the steps around it (effects/step_timeout.h).
  void handle(vm::Machine& m, const vm::EffectRequest& r);
  void perform(vm::Machine& m, const vm::EffectRequest& r);
  // Resumes the effect's fiber with its outcome, or with `timeout` if its step's time ran out.
  void answer(vm::Machine& m, const vm::EffectRequest& r, vm::Value outcome, bool is_error = false);
  void answer_error(vm::Machine& m, const vm::EffectRequest& r, vm::Value error) { answer(m, r, std::move(error), true); }
  void handle_run(vm::Machine& m, const vm::EffectRequest& r);
  void handle_approve(vm::Machine& m, const vm::EffectRequest& r);
  void handle_sleep(vm::Machine& m, const vm::EffectRequest& r);
  void handle_checkout(vm::Machine& m, const vm::EffectRequest& r);
  void handle_child(vm::Machine& m, const vm::EffectRequest& r);
  void wait_ms(int64_t ms, const std::string& why);
  bool cancelled() const { return options_.cancel && options_.cancel->load(); }
  // The earliest @timeout of the runs in progress that has not yet ended its run; 0 for none.
  int64_t earliest_deadline() const;
  // Whether what runs now should stop: an interrupt, or a @timeout of a run in progress expired.
  bool stopping() const;
  template <class... Args>
  void say(const char* format, Args&&... args);

  std::shared_ptr<const vm::Program> program_;
  LocalOptions options_;
  int64_t started_ms_ = 0;
  uint32_t current_workflow_ = 0;
  std::map<std::string, VaultIdentity> sessions_;  // session handle → identity (secret stays here)
  uint64_t next_session_ = 1;
  int depth_ = 0;  // child workflows nest
  // The wall-clock @timeout deadlines of the runs in progress (a child workflow's nested in its
  // parent's), 0 where a run has none or its timeout has already ended it; and, nested likewise,
  // the step deadline of each effect being performed (0 for none).
  std::vector<int64_t> deadlines_;
  // The names of the current run's open steps, outermost first (a child workflow has its own).
  std::vector<std::string> open_steps_;
};

}  // namespace wf::local
