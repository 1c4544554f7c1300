// Where a client command's server and token come from (SPEC §6): its flags, else WF_SERVER and
// WF_TOKEN, else what `wf login` stored in $XDG_CONFIG_HOME/wf/config.json (~/.config/wf/config.json
// without it), else http://127.0.0.1:7878 and no token. The stored file is written privately (its
// directory 0700, the file 0600, through a temporary file renamed into place) and refused when
// others may read it, since it holds a token.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace wf::cli {

struct StoredCredentials {
  std::string server;
  std::string token;  // empty: logged out
};

// The stored file's path; empty when neither XDG_CONFIG_HOME nor HOME is set.
std::filesystem::path credentials_path();

// The stored credentials: nullopt with `error` empty when there is no file, nullopt with `error`
// set (a message ready to print after "wf: ") when the file cannot be read, is not the expected
// JSON, is not the caller's own, or may be read by others.
std::optional<StoredCredentials> read_credentials(const std::filesystem::path& path, std::string& error);

// Writes `credentials` to `path` in full, privately; false with `error` set when it could not.
bool write_credentials(const std::filesystem::path& path, const StoredCredentials& credentials, std::string& error);

// "http://h:1/" and "http://h:1" name one server.
std::string normalized_server(std::string_view url);

// Where a resolved token came from, for messages about a refused one.
enum class TokenSource { None, Flag, Environment, StoredFile };

struct ResolvedCredentials {
  std::string server, token;
  TokenSource token_source = TokenSource::None;
  std::filesystem::path file;  // the stored file, when its token is used
};

// The server and token of a client command given its --server and --token (empty: not given).
// The stored file is read only when a flag or variable leaves something to find, and its token
// is used only for the server it was stored for, so a token never travels to another server.
// Fails the command (exit 2) when the file is needed but refused.
ResolvedCredentials resolve_credentials(const std::string& server_flag, const std::string& token_flag);

}  // namespace wf::cli
