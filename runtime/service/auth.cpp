// Tokens and the principals behind them (see auth.h).
#include "runtime/service/auth.h"

#include <sodium.h>

#include "runtime/store/agents.h"

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

store::Result<std::optional<Principal>> authenticate(store::Database& reader, std::string_view bearer) {
  if (bearer.empty() || bearer.size() > 256) return std::optional<Principal>();
  auto token = store::tokens::find(reader, token_hash(bearer));
  if (!token.ok()) return store::Result<std::optional<Principal>>::failure(token.error());
  if (!*token) return std::optional<Principal>();
  Principal p;
  p.kind = (*token)->kind == "agent" ? Principal::Kind::Agent : Principal::Kind::Admin;
  p.org_id = (*token)->org_id;
  p.agent_id = (*token)->agent_id;
  p.agent_host = (*token)->agent_host;
  return std::optional<Principal>(p);
}

bool same_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace wf::service
