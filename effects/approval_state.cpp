// Quorum rules of the approve effect (see approval_state.h).
#include "effects/approval_state.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "effects/records.h"
#include "vm/render.h"

namespace wf::effects {

using stdlib::ErrorKind;
using vm::Value;

ApprovalState::ApprovalState(const Value& args) {
  title_ = field_string(args, "title");
  quorum_ = field_string(args, "quorum");
  if (quorum_.empty()) quorum_ = "one_of_many";
  timeout_ms_ = field_int(args, "timeout");
  statement_ = field_bool(args, "statement");
  const Value& by = field(args, "by");
  if (by.tag == vm::Tag::List && !vm::as_list(by).empty()) {
    open_ended_ = false;
    for (const Value& a : vm::as_list(by)) {
      if (field_string(a, "kind") == "user") ++named_users_;
      else open_ended_ = true;
    }
  }
}

bool ApprovalState::responded(const std::string& who) const {
  return std::find(approvers_.begin(), approvers_.end(), who) != approvers_.end() ||
         std::find(rejecters_.begin(), rejecters_.end(), who) != rejecters_.end();
}

bool ApprovalState::respond(const std::string& who, bool approve, const std::string& note, const std::string& via) {
  if (decided_) return true;
  if (responded(who)) return false;
  (approve ? approvers_ : rejecters_).push_back(who);
  if (!note.empty()) note_ = note;
  via_ = via;
  const size_t yes = approvers_.size(), no = rejecters_.size();
  const size_t n = named_users_;
  auto decide = [&](bool approved) {
    decided_ = true;
    approved_ = approved;
    decision_ = approved ? "approved" : "rejected";
  };
  if (quorum_ == "singular" || quorum_ == "one_of_many") {
    decide(approve);
  } else if (quorum_ == "all") {
    if (no > 0) decide(false);
    else if (!open_ended_ && yes >= n) decide(true);
    else if (open_ended_ && n == 0) decide(true);  // `all` of an open group: the first approval
  } else if (quorum_ == "two_of_many") {
    if (yes >= 2) decide(true);
    else if (!open_ended_ && n - std::min(n, no) < 2) decide(false);
  } else if (quorum_ == "majority") {
    if (!open_ended_ && n > 0) {
      if (yes * 2 > n) decide(true);
      else if ((n - no) * 2 <= n) decide(false);
    } else if (yes >= 1 && no == 0) {
      decide(true);  // an open group: the responses so far are the group
    } else if (no > yes) {
      decide(false);
    }
  }
  return decided_;
}

void ApprovalState::decide(bool approved) {
  if (decided_) return;
  decided_ = true;
  approved_ = approved;
  decision_ = approved ? "approved" : "rejected";
}

void ApprovalState::expire(const std::string& decision) {
  if (decided_) return;
  decided_ = true;
  approved_ = false;
  timed_out_ = decision == "expired";
  decision_ = decision;
}

Value ApprovalState::approval() const {
  std::vector<Value> who;
  for (const auto& a : approvers_) who.push_back(vm::make_string(a));
  for (const auto& r : rejecters_) who.push_back(vm::make_string(r));
  return make_builtin("Approval", {{"approved", Value::boolean(approved_)},
                                   {"decision", vm::make_string(decision_)},
                                   {"responded_by", vm::make_list(std::move(who))},
                                   {"note", vm::make_string(note_)},
                                   {"via", vm::make_string(via_)},
                                   {"timed_out", Value::boolean(timed_out_)}});
}

Value ApprovalState::rejection() const {
  if (approved_) return Value();
  const std::string why = timed_out_ ? "timed out" : decision_;
  return make_error(ErrorKind::Rejected, "approval \"" + title_ + "\" was " + why, vm::from_json(vm::to_json(approval())));
}

}  // namespace wf::effects
