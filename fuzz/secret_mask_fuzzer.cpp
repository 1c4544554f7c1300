// libFuzzer entry for the masking of a job's secrets in its output (runtime/agent/secret_mask.h):
// a secret and an output taken from the input, the output streamed in pieces of a size the input
// chooses, must give exactly what masking the whole output gives, and that must hold no
// occurrence of the secret.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/agent/secret_mask.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  // Byte 0: the secret's length (0–31); byte 1: the size of each read (1–64); then the secret,
  // then the output.
  const size_t secret_size = data[0] % 32, piece = data[1] % 64 + 1;
  const std::string_view rest(reinterpret_cast<const char*>(data + 2), size - 2);
  if (rest.size() < secret_size) return 0;
  const std::string secret(rest.substr(0, secret_size));
  const std::string_view output = rest.substr(secret_size);

  const wf::agent::SecretMask mask({secret});
  const std::string whole = mask.apply(output);
  wf::agent::MaskedStream stream(mask);
  std::string streamed;
  for (size_t at = 0; at < output.size(); at += piece) streamed += stream.add(output.substr(at, piece));
  streamed += stream.finish();
  if (streamed != whole) __builtin_trap();
  if (!mask.empty()) {
    // Every pattern is gone, unless `***` itself (or text next to it) spells it anew.
    for (const std::string& p : mask.patterns())
      if (p.find('*') == std::string::npos && whole.find(p) != std::string::npos) __builtin_trap();
  } else if (whole != output) {
    __builtin_trap();
  }
  return 0;
}
