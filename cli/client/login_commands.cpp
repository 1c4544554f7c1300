// `wf login [--server URL] [--token T]`, `wf logout` and `wf whoami` (SPEC §6, §4.7): check a token
// with the service and store it with the server's address for the later commands, forget it, and
// show who the token in use acts as.
#include <fmt/format.h>
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/client/commands.h"
#include "cli/client/identity_render.h"
#include "cli/client/service_connection.h"
#include "cli/client/stored_credentials.h"
#include "cli/client/text_render.h"
#include "cli/exit_codes.h"

namespace wf::cli {

namespace {

std::string trimmed(std::string text) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && blank(text.back())) text.pop_back();
  size_t start = 0;
  while (start < text.size() && blank(text[start])) ++start;
  return text.substr(start);
}

// The terminal's settings while echo is off, restored should the reading be interrupted (Ctrl-C):
// a shell left without echo looks broken.
termios saved_terminal{};

void on_interrupt_while_silent(int signal_number) {
  ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_terminal);  // async-signal-safe
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

// One line of standard input; at a terminal it is asked for and not echoed, since it is a secret.
// The prompt comes once echo is off, so nothing typed after it shows; what was typed ahead is kept.
std::string read_token_from_stdin() {
  std::string line;
  if (::isatty(STDIN_FILENO) == 0) {
    std::getline(std::cin, line);
    return trimmed(line);
  }
  const bool quiet = ::tcgetattr(STDIN_FILENO, &saved_terminal) == 0;
  using Handler = void (*)(int);
  Handler previous_int = SIG_DFL, previous_term = SIG_DFL, previous_hup = SIG_DFL;
  if (quiet) {
    previous_int = std::signal(SIGINT, on_interrupt_while_silent);
    previous_term = std::signal(SIGTERM, on_interrupt_while_silent);
    previous_hup = std::signal(SIGHUP, on_interrupt_while_silent);
    termios silent = saved_terminal;
    silent.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    silent.c_lflag |= ECHONL;
    ::tcsetattr(STDIN_FILENO, TCSANOW, &silent);
  }
  fmt::print(stderr, "Token: ");
  std::fflush(stderr);
  std::getline(std::cin, line);
  if (quiet) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_terminal);
    std::signal(SIGINT, previous_int);
    std::signal(SIGTERM, previous_term);
    std::signal(SIGHUP, previous_hup);
  }
  return trimmed(line);
}

std::filesystem::path require_credentials_path() {
  std::filesystem::path path = credentials_path();
  if (path.empty()) fail(kExitUsage, "neither XDG_CONFIG_HOME nor HOME is set: there is nowhere to store the token");
  return path;
}

// "alice (Alice Smith)" from the answer of GET /users/me.
std::string user_text(const Json& me) {
  const Json* user = field(me, "user");
  const std::string name = user != nullptr ? text_field(*user, "name") : std::string();
  const std::string display = user != nullptr ? text_field(*user, "display_name") : std::string();
  if (name.empty()) return "-";
  return display.empty() || display == name ? one_line(name) : fmt::format("{} ({})", one_line(name), one_line(display));
}

struct LoginOptions {
  ClientOptions client;
};

void login(const LoginOptions& o) {
  const std::filesystem::path path = require_credentials_path();
  std::string server = o.client.server;
  if (server.empty()) {
    const char* variable = std::getenv("WF_SERVER");
    if (variable != nullptr) server = variable;
  }
  if (server.empty()) {
    // Logging in again goes to the server of the last login; a file that cannot be read is
    // replaced below.
    std::string ignored;
    if (auto stored = read_credentials(path, ignored); stored && !stored->server.empty()) server = stored->server;
  }
  if (server.empty()) server = "http://127.0.0.1:7878";
  const std::string token = !o.client.token.empty() ? o.client.token : read_token_from_stdin();
  if (token.empty()) fail(kExitUsage, "no token given: pass --token or type it on standard input");

  ClientOptions checked = o.client;
  checked.server = server;
  checked.token = token;
  ServiceConnection api(checked);
  const client::HttpResult answer = api.send("GET", "/users/me");
  if (answer.status == 401 || answer.status == 403)
    fail(kExitUsage, fmt::format("the service at {} refused the token: {}; nothing was stored", server, answer.describe()));
  if (!answer.ok()) api.fail_request(answer);
  const Json me = ServiceConnection::parse_answer(answer);

  std::string error;
  if (!write_credentials(path, {server, token}, error)) fail(kExitUsage, error);
  if (o.client.json()) return print_json(me);
  const Json* org = field(me, "organization");
  fmt::print("Logged in to {} as {} in organization {}, roles: {}\n", server, user_text(me),
             org != nullptr ? one_line(text_field(*org, "name")) : std::string("-"), name_list(field(me, "roles")));
  fmt::print(stderr, "Credentials stored in {}\n", path.string());
}

void logout() {
  const std::filesystem::path path = require_credentials_path();
  std::string error;
  const std::optional<StoredCredentials> stored = read_credentials(path, error);
  if (error.empty() && (!stored || stored->token.empty())) {
    fmt::print("Not logged in: no token is stored in {}\n", path.string());
    return;
  }
  // A file that cannot be used (others may read it) is exactly one to clear: it is rewritten
  // privately without a token.
  StoredCredentials kept = stored.value_or(StoredCredentials{});
  kept.token.clear();
  if (!write_credentials(path, kept, error)) fail(kExitUsage, error);
  fmt::print("Logged out: the token stored in {} is removed (it still works until revoked with `wf token revoke`)\n",
             path.string());
}

void whoami(const ClientOptions& o) {
  ServiceConnection api(o);
  const Json me = api.get("/users/me");
  if (o.json()) return print_json(me);
  fmt::print("{}", render_whoami(me, api.server()));
}

}  // namespace

void register_login_commands(CLI::App& app) {
  auto login_options = std::make_shared<LoginOptions>();
  CLI::App* login_command = app.add_subcommand(
      "login", "Check a token (from --token, else standard input) with the service and store it for the next commands");
  add_client_options(login_command, login_options->client);
  login_command->callback([login_options] { login(*login_options); });

  CLI::App* logout_command = app.add_subcommand("logout", "Forget the token `wf login` stored");
  logout_command->callback([] { logout(); });

  auto whoami_options = std::make_shared<ClientOptions>();
  CLI::App* whoami_command = app.add_subcommand("whoami", "Show who the token in use acts as: user, organization, roles, permissions");
  add_client_options(whoami_command, *whoami_options);
  whoami_command->callback([whoami_options] { whoami(*whoami_options); });
}

}  // namespace wf::cli
