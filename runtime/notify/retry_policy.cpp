// What an attempt's answer means and when the next one is (see retry_policy.h).
#include "runtime/notify/retry_policy.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

namespace wf::notify {

Verdict classify(const Answer& a, bool smtp) {
  if (smtp) {
    if (a.error.empty() && (a.code == 0 || (a.code >= 200 && a.code < 400))) return Verdict::Delivered;
    if (a.code >= 500 && a.code < 600) return Verdict::Permanent;
    return Verdict::Transient;  // a 4xx reply, a connection that failed, a timeout
  }
  if (!a.error.empty() && a.code == 0) return Verdict::Transient;
  if (a.code >= 200 && a.code < 300) return Verdict::Delivered;
  if (a.code == 408 || a.code == 425 || a.code == 429 || a.code >= 500 || a.code == 0) return Verdict::Transient;
  return Verdict::Permanent;
}

const std::vector<int64_t>& default_schedule() {
  static const std::vector<int64_t> schedule = {0, 5'000, 30'000, 120'000, 600'000, 1'800'000, 3'600'000, 10'800'000, 21'600'000};
  return schedule;
}

std::optional<int64_t> next_delay_ms(const std::vector<int64_t>& schedule, int64_t attempts_made, const Answer& a, double random) {
  if (attempts_made < 0 || attempts_made >= static_cast<int64_t>(schedule.size())) return std::nullopt;
  int64_t delay = schedule[static_cast<size_t>(attempts_made)];
  // Jitter spreads the retries of many notifications that failed together (a receiver that was down).
  delay += static_cast<int64_t>(std::floor(static_cast<double>(delay) * 0.1 * random));
  if ((a.code == 429 || a.code == 503) && a.retry_after_ms > 0) delay = std::max(delay, a.retry_after_ms);
  return delay;
}

std::optional<std::vector<int64_t>> parse_schedule(const std::string& text, std::string& error) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  constexpr int64_t kWeek = 7LL * 24 * 3600 * 1000;
  if (!j.is_array() || j.empty() || j.size() > 50) return error = "a retry schedule is an array of 1 to 50 delays in milliseconds", std::nullopt;
  std::vector<int64_t> out;
  for (const auto& v : j) {
    if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > kWeek)
      return error = "each delay of a retry schedule is an integer from 0 to 604800000 (7 days)", std::nullopt;
    out.push_back(v.get<int64_t>());
  }
  return out;
}

}  // namespace wf::notify
