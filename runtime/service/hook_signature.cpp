// Signing and verifying inbound webhooks (see hook_signature.h).
#include "runtime/service/hook_signature.h"

#include <fmt/format.h>
#include <sodium.h>

#include <array>
#include <charconv>
#include <optional>

#include "runtime/notify/messages.h"

namespace wf::service::hook_signature {

namespace {

using Mac = notify::WebhookMac;

// HMAC-SHA256 of the parts, concatenated with '.' between them.
Mac hmac(std::string_view key, std::initializer_list<std::string_view> parts) {
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  bool first = true;
  for (std::string_view p : parts) {
    if (!first) crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>("."), 1);
    first = false;
    crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(p.data()), p.size());
  }
  Mac out{};
  crypto_auth_hmacsha256_final(&state, out.data());
  return out;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

// A Unix time of digits only (no sign, no spaces, at most 12 digits).
std::optional<int64_t> unix_seconds(std::string_view s) {
  if (s.empty() || s.size() > 12) return std::nullopt;
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.front() == '-' || s.front() == '+') return std::nullopt;
  return v;
}

// Bytes of a hex or base64 text; nullopt when it is not exactly a MAC's length.
std::optional<Mac> mac_from_hex(std::string_view hex) {
  Mac out{};
  size_t len = 0;
  const char* end = nullptr;
  if (hex.size() != 2 * out.size()) return std::nullopt;
  if (sodium_hex2bin(out.data(), out.size(), hex.data(), hex.size(), nullptr, &len, &end) != 0 || len != out.size() ||
      end != hex.data() + hex.size())
    return std::nullopt;
  return out;
}

std::optional<std::string> from_base64(std::string_view text) {
  std::string out(text.size(), '\0');
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr, &len, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size())
    return std::nullopt;
  out.resize(len);
  return out;
}

std::optional<Mac> mac_from_base64(std::string_view text) {
  auto bytes = from_base64(text);
  if (!bytes || bytes->size() != Mac().size()) return std::nullopt;
  Mac out{};
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

std::string to_hex(const Mac& mac) {
  std::string out(mac.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), mac.data(), mac.size());
  out.resize(mac.size() * 2);
  return out;
}

std::string to_base64(const unsigned char* data, size_t size) {
  std::string out(sodium_base64_ENCODED_LEN(size, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), data, size, sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

bool same(const Mac& a, const Mac& b) { return sodium_memcmp(a.data(), b.data(), a.size()) == 0; }

Check refused(Verdict v, std::string reason) { return Check{v, std::move(reason), ""}; }

Check stale_or_not(int64_t t, int64_t now) {
  if (t > now + kToleranceSeconds) return refused(Verdict::Stale, "the signature's time is more than 300 s in the future");
  if (t < now - kToleranceSeconds) return refused(Verdict::Stale, "the signature's time is more than 300 s old");
  return Check{Verdict::Valid, "", ""};
}

Check verify_wf(std::string_view header, std::string_view body, const std::vector<std::string>& secrets, int64_t now) {
  std::optional<int64_t> t;
  std::vector<Mac> given;
  size_t i = 0;
  while (i <= header.size()) {
    const size_t j = std::min(header.find(',', i), header.size());
    const std::string item = trim(header.substr(i, j - i));
    i = j + 1;
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string::npos) return refused(Verdict::Malformed, "X-WF-Signature: an item without `=`");
    const std::string_view name = std::string_view(item).substr(0, eq), value = std::string_view(item).substr(eq + 1);
    if (name == "t") {
      if (t) return refused(Verdict::Malformed, "X-WF-Signature: `t` given twice");
      t = unix_seconds(value);
      if (!t) return refused(Verdict::Malformed, "X-WF-Signature: `t` is not a Unix time");
    } else if (name == "v1") {
      auto mac = mac_from_hex(value);
      if (!mac) return refused(Verdict::Malformed, "X-WF-Signature: `v1` is not 64 hex digits");
      if (given.size() < 16) given.push_back(*mac);
    }
    // Other schemes (v0, v2...) are ignored, so a sender can add one ahead of us.
  }
  if (!t) return refused(Verdict::Malformed, "X-WF-Signature: no `t=`");
  if (given.empty()) return refused(Verdict::Malformed, "X-WF-Signature: no `v1=`");
  Check fresh = stale_or_not(*t, now);
  if (fresh.verdict != Verdict::Valid) return fresh;
  const std::string ts = std::to_string(*t);
  for (const std::string& secret : secrets) {
    const Mac want = hmac(secret, {ts, body});
    for (const Mac& g : given)
      if (same(want, g)) return Check{Verdict::Valid, "", "v1=" + to_hex(g)};
  }
  return refused(Verdict::BadSignature, "X-WF-Signature: no signature matches a secret of this hook");
}

Check verify_standard(const Headers& h, std::string_view body, const std::vector<std::string>& secrets, int64_t now) {
  if (h.webhook_id.empty() || h.webhook_timestamp.empty() || h.webhook_signature.empty())
    return refused(Verdict::Malformed, "webhook-id, webhook-timestamp and webhook-signature go together");
  if (h.webhook_id.size() > 256) return refused(Verdict::Malformed, "webhook-id is longer than 256 characters");
  const std::string ts = trim(h.webhook_timestamp);
  const auto t = unix_seconds(ts);
  if (!t) return refused(Verdict::Malformed, "webhook-timestamp is not a Unix time");
  std::vector<Mac> given;
  std::string_view rest = h.webhook_signature;
  while (!rest.empty()) {
    const size_t sp = std::min(rest.find(' '), rest.size());
    const std::string_view item = rest.substr(0, sp);
    rest = rest.substr(std::min(sp + 1, rest.size()));
    if (item.empty()) continue;
    const size_t comma = item.find(',');
    if (comma == std::string_view::npos) return refused(Verdict::Malformed, "webhook-signature: an item without `,`");
    if (item.substr(0, comma) != "v1") continue;  // another version, or an asymmetric `v1a`
    // One that does not decode cannot match: it is passed over, as the others may match.
    auto mac = mac_from_base64(item.substr(comma + 1));
    if (mac && given.size() < 16) given.push_back(*mac);
  }
  if (given.empty()) return refused(Verdict::Malformed, "webhook-signature: no `v1,` signature (the base64 of 32 bytes)");
  Check fresh = stale_or_not(*t, now);
  if (fresh.verdict != Verdict::Valid) return fresh;
  for (const std::string& secret : secrets) {
    const Mac want = notify::webhook_mac(secret, h.webhook_id, ts, body);
    for (const Mac& g : given)
      if (same(want, g)) return Check{Verdict::Valid, "", "id=" + std::string(h.webhook_id)};
  }
  return refused(Verdict::BadSignature, "webhook-signature: no signature matches a secret of this hook");
}

}  // namespace

Check verify(const Headers& headers, std::string_view body, const std::vector<std::string>& secrets, int64_t now_seconds) {
  if (sodium_init() < 0) return refused(Verdict::BadSignature, "libsodium could not start");
  if (!headers.wf_signature.empty()) return verify_wf(headers.wf_signature, body, secrets, now_seconds);
  if (!headers.webhook_id.empty() || !headers.webhook_timestamp.empty() || !headers.webhook_signature.empty())
    return verify_standard(headers, body, secrets, now_seconds);
  return refused(Verdict::Unsigned,
                 "the delivery is not signed: send X-WF-Signature (or the Standard Webhooks headers) with this hook's secret");
}

std::string sign(std::string_view secret, int64_t t, std::string_view body) {
  const std::string ts = std::to_string(t);
  return fmt::format("t={},v1={}", ts, to_hex(hmac(secret, {ts, body})));
}

std::string sign_standard(std::string_view secret, std::string_view id, std::string_view timestamp, std::string_view body) {
  return notify::webhook_signature(secret, id, timestamp, body);
}

std::string new_secret() {
  if (sodium_init() < 0) return "";
  std::array<unsigned char, 32> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  return "whsec_" + to_base64(bytes.data(), bytes.size());
}

}  // namespace wf::service::hook_signature
