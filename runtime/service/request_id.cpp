// Request ids (see request_id.h).
#include "runtime/service/request_id.h"

#include <atomic>
#include <cstdint>
#include <random>

#include <fmt/format.h>

namespace wf::service {

bool sane_request_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char ch : id) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
                    ch == '_' || ch == '-';
    if (!ok) return false;
  }
  return true;
}

std::string request_id(const http::Request& r) {
  const std::string_view given = r.header("x-request-id");
  if (sane_request_id(given)) return std::string(given);
  // The random half keeps two starts of the service (whose counters both begin at 0) apart.
  static const uint32_t process = std::random_device{}();
  static std::atomic<uint32_t> count{0};
  return fmt::format("{:08x}{:08x}", process, count.fetch_add(1, std::memory_order_relaxed));
}

}  // namespace wf::service
