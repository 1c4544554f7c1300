// The logic of one `approve` effect (SPEC §1.6): responses accumulate until the quorum decides.
// `singular`, `one_of_many` and `all` are decided by any explicit reject; `two_of_many` and
// `majority` reject once approval has become impossible. Approvers named with `user(..)` are
// counted; when any is a role, their number is open and only approvals or a timeout decide.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "vm/value.h"

namespace wf::effects {

class ApprovalState {
 public:
  explicit ApprovalState(const vm::Value& args);

  const std::string& title() const { return title_; }
  const std::string& quorum() const { return quorum_; }
  int64_t timeout_ms() const { return timeout_ms_; }  // 0: wait indefinitely
  bool statement() const { return statement_; }

  // A response; returns whether the request is now decided. A second response by the same person
  // replaces nothing and is ignored.
  bool respond(const std::string& who, bool approve, const std::string& note, const std::string& via);
  // Whether `who` has responded already (their one vote is counted).
  bool responded(const std::string& who) const;
  // Settles the request whatever the quorum, as an operator with authority over it may (SPEC
  // §1.6: admins may respond to any approval; a local run's operator is one).
  void decide(bool approved);
  // The timeout fired (or the instance was cancelled: decision "cancelled").
  void expire(const std::string& decision = "expired");

  bool decided() const { return decided_; }
  // The Approval record (SPEC §1.6).
  vm::Value approval() const;
  // For the statement form: the `rejected` Error when not approved, else none.
  vm::Value rejection() const;

 private:
  std::string title_, quorum_;
  int64_t timeout_ms_ = 0;
  bool statement_ = false;
  size_t named_users_ = 0;
  bool open_ended_ = true;  // some approver is a role: their number is unknown
  std::vector<std::string> approvers_, rejecters_;
  std::string note_, via_;
  bool decided_ = false, approved_ = false, timed_out_ = false;
  std::string decision_;
};

}  // namespace wf::effects
