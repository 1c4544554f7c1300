// Rotation of vault secrets (SPEC §1.8, §4.7): a new secret from libsodium's randomness, shaped by
// the identity's policy, is sealed into the identity's `pending_secret`, and the identity's
// `rotate_script` runs as a job on its `rotate_host`; the job's agent fetches the new secret for
// the script's environment (never its argv). Only when that job succeeds does the new secret
// replace the old; a failed job keeps the old one, marks the identity `rotation_failed` and
// notifies its channel. It hears committed units: a checkin of an identity with
// `rotate_after_use` starts a rotation, a rotation job's end finishes one. Every rotation is
// audited.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "runtime/engine/engine.h"
#include "runtime/service/api_support.h"

namespace wf::service {

// A new secret of `length` characters drawn uniformly from `alphabet` (letters and digits when
// empty), with libsodium's randomness.
std::string new_secret_text(int64_t length, const std::string& alphabet);

class Rotations final : public engine::PostCommit {
 public:
  explicit Rotations(Context& c) : c_(c) {}
  // Starts rotating `identity` of `org` for `actor` (a user, or "instance:N" after a checkin);
  // `started` hears the job's id, or why there is none (the HTTP status and message).
  using Started = std::function<void(std::optional<int64_t> job, int status, const std::string& error)>;
  void start(int64_t org, const std::string& identity, store::ActorKind kind, const std::string& actor, const std::string& why,
             Started started);
  void released(const store::Changes& committed) override;

 private:
  void finish(const store::JobRow& job, const std::string& identity);
  Context& c_;
};

}  // namespace wf::service
