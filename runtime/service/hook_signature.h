// The signatures of inbound webhooks (docs/operations.md "Hooks"): `X-WF-Signature: t=<unix>,
// v1=<hex HMAC-SHA256 of "t.rawbody">[,v1=...]` and the Standard Webhooks headers (`webhook-id`,
// `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, several
// separated by spaces). Pure functions over the raw bytes: any header, however malformed, gives a
// verdict, never a crash. Signatures are compared in constant time (libsodium).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wf::service::hook_signature {

// How far a signature's time may be from now, either way.
constexpr int64_t kToleranceSeconds = 300;

// The headers a delivery came with ("" when absent).
struct Headers {
  std::string_view wf_signature;                                   // X-WF-Signature
  std::string_view webhook_id, webhook_timestamp, webhook_signature;  // Standard Webhooks
};

enum class Verdict {
  Valid,
  Unsigned,      // neither form of signature
  Malformed,     // a header that does not parse
  Stale,         // a time more than the tolerance from now, in the past or the future
  BadSignature,  // no signature matches any of the secrets
};

struct Check {
  Verdict verdict = Verdict::Unsigned;
  std::string reason;      // for the 401's message and the delivery's record
  // When valid: what identifies the delivery for the replay memory: "v1=<hex>" (the matching
  // X-WF-Signature) or "id=<webhook-id>".
  std::string replay_key;
};

// Verifies `body` against the headers with each of `secrets` (as the hook stores them) at
// `now_seconds` (Unix time). X-WF-Signature is used when present, the Standard Webhooks headers
// otherwise.
Check verify(const Headers& headers, std::string_view body, const std::vector<std::string>& secrets, int64_t now_seconds);

// The X-WF-Signature value for `body` at `t`: the HMAC key is the secret's text as shown, so
// `openssl dgst -sha256 -hmac "$SECRET"` computes the same.
std::string sign(std::string_view secret, int64_t t, std::string_view body);
// The `webhook-signature` value ("v1,<base64>") for `id`, `timestamp` and `body`: the key is the
// bytes of a `whsec_<base64>` secret's base64 part (the secret's text when it has no such form).
std::string sign_standard(std::string_view secret, std::string_view id, std::string_view timestamp, std::string_view body);
// A new secret: `whsec_` and the base64 of 32 random bytes.
std::string new_secret();

}  // namespace wf::service::hook_signature
