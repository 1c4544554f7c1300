// The service's vault (SPEC §4.7): identities whose secrets are sealed at rest with a key from
// WF_VAULT_KEY or DATA/vault.key (libsodium's secretbox), and opened only to hand a running job
// its credential.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wf::service {

class Vault {
 public:
  // The key from WF_VAULT_KEY (64 hex digits) or `key_file` (created with a new random key,
  // mode 0600, when missing). Nullopt with `error` set when neither gives a key.
  static std::optional<Vault> open(const std::string& key_file, std::string& error);

  // Nonce followed by the ciphertext.
  std::vector<uint8_t> seal(std::string_view secret) const;
  // The secret, or nullopt when the bytes were not sealed with this key.
  std::optional<std::string> unseal(std::string_view sealed) const;

 private:
  std::array<unsigned char, 32> key_{};
};

}  // namespace wf::service
