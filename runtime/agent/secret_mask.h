// Masking of the secrets an agent handed to a job in that job's output (SPEC §1.8): every
// occurrence of a secret, of its base64 and of its URL-encoded forms becomes `***` before the
// output leaves the host, also when an occurrence is split between two reads of a pipe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jobs/job.h"

namespace wf::agent {

// What stands in for a secret in the output.
inline constexpr std::string_view kSecretMask = "***";

// Secrets shorter than this are not masked: a 1–3 byte secret ("ab", "42") would turn ordinary
// output into asterisks while protecting next to nothing. The same floor applies to each encoded
// form.
inline constexpr size_t kShortestMaskedSecret = 4;

// The byte strings that betray `secret` in output: the secret itself; the form `set -x` prints it
// in when it holds a single quote; its base64 (standard and URL-safe alphabets, with and without
// padding, and the part that does not depend on its neighbours when it starts at each of the three
// byte offsets of a longer encoded text); its percent-encoding (upper- and lower-case hex, and the
// form encoding with `+` for a space). None for a secret shorter than kShortestMaskedSecret.
std::vector<std::string> secret_patterns(std::string_view secret);

// The patterns of a job's secrets, and where they occur in a text.
class SecretMask {
 public:
  explicit SecretMask(const std::vector<std::string>& secrets);

  bool empty() const { return patterns_.empty(); }
  // The longest pattern: a stream holds back one byte less than this between reads.
  size_t longest() const { return longest_; }
  const std::vector<std::string>& patterns() const { return patterns_; }

  // The byte ranges [begin, end) of `text` covered by an occurrence of any pattern, overlapping
  // and adjacent occurrences merged, in order.
  std::vector<std::pair<size_t, size_t>> covered(std::string_view text) const;

  // `text` with every covered range replaced by one kSecretMask.
  std::string apply(std::string_view text) const;

 private:
  std::vector<std::string> patterns_;
  size_t longest_ = 0;
};

// One output stream of a job seen through a SecretMask, fed in pieces as they are read. What it
// passes on is exactly what SecretMask::apply makes of the whole stream; to get there it holds
// back at most `longest() - 1` bytes of a piece until the next one (or the end) shows whether
// they start a secret.
class MaskedStream {
 public:
  explicit MaskedStream(const SecretMask& mask) : mask_(mask) {}

  // The output that may leave now (possibly empty) for `data` read next.
  std::string add(std::string_view data);
  // The rest, at the end of the stream.
  std::string finish();

 private:
  std::string pass(std::string text, size_t keep);

  const SecretMask& mask_;
  std::string held_;        // read, not yet passed on
  size_t held_masked_ = 0;  // leading bytes of held_ inside an occurrence already passed on as ***
  bool after_mask_ = false;  // the last byte passed on was inside an occurrence
};

// Masks the output and the error of a finished job's report.
void mask_report(jobs::JobReport& report, const SecretMask& mask);

}  // namespace wf::agent
