// The vault's key and its sealing (see vault.h).
#include "runtime/service/vault.h"

#include <sodium.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

namespace wf::service {

namespace {

bool key_from_hex(std::string_view hex, std::array<unsigned char, 32>& key) {
  size_t length = 0;
  return hex.size() == 64 &&
         sodium_hex2bin(key.data(), key.size(), hex.data(), hex.size(), nullptr, &length, nullptr) == 0 && length == key.size();
}

}  // namespace

std::optional<Vault> Vault::open(const std::string& key_file, std::string& error) {
  if (sodium_init() < 0) {
    error = "libsodium cannot be initialised";
    return std::nullopt;
  }
  Vault v;
  if (const char* env = std::getenv("WF_VAULT_KEY"); env && *env) {
    if (!key_from_hex(env, v.key_)) {
      error = "WF_VAULT_KEY must be 64 hex digits (32 bytes)";
      return std::nullopt;
    }
    return v;
  }
  std::ifstream in(key_file);
  std::string hex;
  if (in && std::getline(in, hex)) {
    if (!key_from_hex(hex, v.key_)) {
      error = key_file + " does not hold a vault key (64 hex digits)";
      return std::nullopt;
    }
    return v;
  }
  randombytes_buf(v.key_.data(), v.key_.size());
  std::string text(v.key_.size() * 2 + 1, '\0');
  sodium_bin2hex(text.data(), text.size(), v.key_.data(), v.key_.size());
  text.pop_back();
  {
    std::ofstream out(key_file, std::ios::trunc);
    if (!out) {
      error = "cannot write " + key_file;
      return std::nullopt;
    }
    out << text << "\n";
  }
  ::chmod(key_file.c_str(), 0600);
  return v;
}

std::vector<uint8_t> Vault::seal(std::string_view secret) const {
  std::vector<uint8_t> out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + secret.size());
  randombytes_buf(out.data(), crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(out.data() + crypto_secretbox_NONCEBYTES, reinterpret_cast<const unsigned char*>(secret.data()),
                        secret.size(), out.data(), key_.data());
  return out;
}

std::optional<std::string> Vault::unseal(std::string_view sealed) const {
  if (sealed.size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) return std::nullopt;
  const auto* bytes = reinterpret_cast<const unsigned char*>(sealed.data());
  std::string out(sealed.size() - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(out.data()), bytes + crypto_secretbox_NONCEBYTES,
                                 sealed.size() - crypto_secretbox_NONCEBYTES, bytes, key_.data()) != 0)
    return std::nullopt;
  return out;
}

}  // namespace wf::service
