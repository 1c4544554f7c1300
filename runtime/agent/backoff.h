// The agent's retry delays while the service cannot be reached: 200 ms, doubling, at most 5 s.
#pragma once

#include <algorithm>
#include <chrono>

namespace wf::agent {

class Backoff {
 public:
  static constexpr std::chrono::milliseconds kFirst{200};
  static constexpr std::chrono::milliseconds kMost{5000};

  // The delay before the next attempt; each call doubles the one after it.
  std::chrono::milliseconds next() {
    const std::chrono::milliseconds now = delay_;
    delay_ = std::min(delay_ * 2, kMost);
    return now;
  }
  // After a success the next failure starts again from the first delay.
  void reset() { delay_ = kFirst; }

 private:
  std::chrono::milliseconds delay_ = kFirst;
};

}  // namespace wf::agent
