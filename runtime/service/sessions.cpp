// The console's sessions (see sessions.h).
#include "runtime/service/sessions.h"

#include <iterator>

#include "runtime/service/auth.h"

namespace wf::service {

const Session& Sessions::open(std::string bearer, int64_t now, std::string& id) {
  // Bounded: past this many, the expired ones are dropped, and if all are live, the whole table
  // (each browser signs in again) rather than memory growing without end.
  constexpr size_t kMostSessions = 10'000;
  if (by_id_hash_.size() >= kMostSessions) {
    std::erase_if(by_id_hash_, [now](const auto& kv) { return kv.second.expires_at <= now; });
    if (by_id_hash_.size() >= kMostSessions) by_id_hash_.clear();
  }
  id = new_token("");
  Session s{std::move(bearer), new_token(""), now + lifetime_ms_};
  return by_id_hash_.insert_or_assign(token_hash(id), std::move(s)).first->second;
}

const Session* Sessions::find(std::string_view id, int64_t now) {
  if (id.empty() || id.size() > 128) return nullptr;
  auto it = by_id_hash_.find(token_hash(id));
  if (it == by_id_hash_.end()) return nullptr;
  if (it->second.expires_at <= now) {
    by_id_hash_.erase(it);
    return nullptr;
  }
  return &it->second;
}

void Sessions::close(std::string_view id) { by_id_hash_.erase(token_hash(id)); }

std::string_view cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const size_t end = header.find(';');
    std::string_view pair = header.substr(0, end);
    header = end == std::string_view::npos ? std::string_view() : header.substr(end + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
  }
  return {};
}

}  // namespace wf::service
