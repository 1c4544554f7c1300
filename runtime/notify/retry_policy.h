// When a notification is tried again (SPEC §4.9): what an attempt's answer means — delivered, a
// transient failure worth another attempt, or a permanent one that dead-letters it at once — and
// when the next attempt is, from the organization's schedule with jitter and the receiver's
// Retry-After.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/notify/curl_sender.h"

namespace wf::notify {

enum class Verdict { Delivered, Transient, Permanent };

// HTTP: 2xx delivered; connection errors, timeouts, 408, 425, 429 and 5xx transient; any other
// status permanent. SMTP: a message accepted delivered; a 4xx reply or no reply transient; a 5xx
// reply permanent.
Verdict classify(const Answer& answer, bool smtp);

// The default schedule: the delay before each attempt, the first one included (immediately,
// 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 3 h, 6 h).
const std::vector<int64_t>& default_schedule();

// The delay before the next attempt after `attempts_made` attempts of the round failed, with up
// to 10% jitter and no less than the Retry-After of a 429 or 503; nullopt when the schedule is
// spent. `random` is in [0, 1).
std::optional<int64_t> next_delay_ms(const std::vector<int64_t>& schedule, int64_t attempts_made, const Answer& answer,
                                     double random);

// A schedule from its JSON text (an array of 1 to 50 delays in ms, each 0 to 7 days); nullopt with
// `error` when it is not one.
std::optional<std::vector<int64_t>> parse_schedule(const std::string& text, std::string& error);

}  // namespace wf::notify
