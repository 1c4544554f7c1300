// Tokens and the principals behind them (see auth.h).
#include "runtime/service/auth.h"

#include <sodium.h>

namespace wf::service {

namespace {

std::string hex(const unsigned char* data, size_t n) {
  std::string out(n * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), data, n);
  out.pop_back();
  return out;
}

}  // namespace

std::string new_token(std::string_view prefix) {
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  return std::string(prefix) + hex(bytes, sizeof bytes);
}

std::string token_hash(std::string_view token) {
  unsigned char out[32];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(token.data()), token.size(), nullptr, 0);
  return hex(out, sizeof out);
}

std::optional<Principal> authenticate(store::Database& reader, std::string_view bearer) {
  if (bearer.empty() || bearer.size() > 256) return std::nullopt;
  auto& q = reader.prepare(
      "SELECT t.kind, t.org_id, COALESCE(t.agent_id, 0), COALESCE(a.hostname, '') FROM tokens t "
      "LEFT JOIN agents a ON a.id = t.agent_id WHERE t.hash = ?1");
  q.bind(1, std::string_view(token_hash(bearer)));
  if (!q.step()) {
    q.reset();
    return std::nullopt;
  }
  Principal p;
  p.kind = q.column_text(0) == "agent" ? Principal::Kind::Agent : Principal::Kind::Admin;
  p.org_id = q.column_int64(1);
  p.agent_id = q.column_int64(2);
  p.agent_host = q.column_text(3);
  q.reset();
  return p;
}

bool same_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace wf::service
