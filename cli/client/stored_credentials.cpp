// The stored credentials of `wf login` and the resolution of a command's server and token (see
// stored_credentials.h).
#include "cli/client/stored_credentials.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "cli/client/json_fields.h"
#include "cli/client/service_connection.h"
#include "cli/exit_codes.h"
#include "runtime/agent/durable_file.h"

namespace wf::cli {

namespace {

constexpr const char* kDefaultServer = "http://127.0.0.1:7878";

// A token is a few dozen bytes; a file much larger than this is not ours.
constexpr off_t kLargestFile = 64 * 1024;

std::string environment(const char* variable) {
  const char* value = std::getenv(variable);
  return value != nullptr ? std::string(value) : std::string();
}

std::string system_error(std::string_view what, const std::filesystem::path& path) {
  return fmt::format("cannot {} {}: {}", what, path.string(), std::strerror(errno));
}

// Creates `dir` and its missing parents; `dir` itself is made (or narrowed to) 0700.
bool make_private_directory(const std::filesystem::path& dir, std::string& error) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return error = fmt::format("cannot create {}: {}", dir.string(), ec.message()), false;
  if (::chmod(dir.c_str(), 0700) != 0) return error = system_error("restrict", dir), false;
  return true;
}

}  // namespace

std::filesystem::path credentials_path() {
  const std::string xdg = environment("XDG_CONFIG_HOME");
  // The XDG specification ignores a relative XDG_CONFIG_HOME.
  if (!xdg.empty() && xdg.front() == '/') return std::filesystem::path(xdg) / "wf" / "config.json";
  const std::string home = environment("HOME");
  if (home.empty()) return {};
  return std::filesystem::path(home) / ".config" / "wf" / "config.json";
}

std::optional<StoredCredentials> read_credentials(const std::filesystem::path& path, std::string& error) {
  error.clear();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    // A symbolic link could point the token's readers anywhere; `wf login` writes a plain file.
    error = errno == ELOOP ? fmt::format("{} is a symbolic link, not the file `wf login` writes; run `wf login` again", path.string())
                           : system_error("read", path);
    return std::nullopt;
  }
  struct stat st {};
  std::string text;
  if (::fstat(fd, &st) != 0) {
    error = system_error("inspect", path);
  } else if (!S_ISREG(st.st_mode) || st.st_size > kLargestFile) {
    error = fmt::format("{} is not a credentials file written by `wf login`", path.string());
  } else if (st.st_uid != ::geteuid()) {
    error = fmt::format("{} belongs to another user; it holds a token, so it is not used", path.string());
  } else if ((st.st_mode & 077) != 0) {
    error = fmt::format("{} may be read by others (mode {:04o}); it holds a token, so it is not used: run `chmod 600 {}` "
                        "or `wf login` again",
                        path.string(), st.st_mode & 07777, path.string());
  } else {
    char buffer[4096];
    for (;;) {
      const ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) error = system_error("read", path);
      if (n <= 0) break;
      text.append(buffer, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  if (!error.empty()) return std::nullopt;

  const Json parsed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  const Json* server = field(parsed, "server");
  const Json* token = field(parsed, "token");
  if (parsed.is_discarded() || !parsed.is_object() || (server != nullptr && !server->is_string()) ||
      (token != nullptr && !token->is_string())) {
    error = fmt::format("{} is not the JSON `wf login` writes ({{\"server\": ..., \"token\": ...}}); run `wf login` again",
                        path.string());
    return std::nullopt;
  }
  return StoredCredentials{text_field(parsed, "server"), text_field(parsed, "token")};
}

bool write_credentials(const std::filesystem::path& path, const StoredCredentials& credentials, std::string& error) {
  if (!make_private_directory(path.parent_path(), error)) return false;
  Json content = Json::object();
  content["server"] = credentials.server;
  if (!credentials.token.empty()) content["token"] = credentials.token;
  const std::string text = pretty(content) + "\n";

  // The temporary is created 0600, so the token is never readable by others, not even briefly.
  if (std::string why = agent::write_file_durably(path.string(), text, 0600); !why.empty()) return error = why, false;
  return true;
}

std::string normalized_server(std::string_view url) {
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  return std::string(url);
}

ResolvedCredentials resolve_credentials(const std::string& server_flag, const std::string& token_flag) {
  ResolvedCredentials out;
  out.server = !server_flag.empty() ? server_flag : environment("WF_SERVER");
  out.token = token_flag;
  out.token_source = TokenSource::Flag;
  if (out.token.empty()) {
    out.token = environment("WF_TOKEN");
    out.token_source = TokenSource::Environment;
  }
  if (out.token.empty()) out.token_source = TokenSource::None;
  if (!out.server.empty() && !out.token.empty()) return out;

  const std::filesystem::path path = credentials_path();
  std::optional<StoredCredentials> stored;
  if (!path.empty()) {
    std::string error;
    stored = read_credentials(path, error);
    if (!error.empty()) fail(kExitUsage, error);
  }
  if (out.server.empty()) out.server = stored && !stored->server.empty() ? stored->server : kDefaultServer;
  if (out.token.empty() && stored && !stored->token.empty() &&
      normalized_server(stored->server) == normalized_server(out.server)) {
    out.token = stored->token;
    out.token_source = TokenSource::StoredFile;
    out.file = path;
  }
  return out;
}

}  // namespace wf::cli
