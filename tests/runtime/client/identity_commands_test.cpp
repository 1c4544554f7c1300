// The identity commands of `wf` against a real `wf serve` (SPEC §6, §4.7): `wf login` checks a token
// and stores it privately for the later commands (flags and WF_* variables still win), `wf whoami`
// shows who it acts as, `wf org|user|role|token` manage identities, and `wf approve` answers as
// the logged-in person, so a quorum counts two different people.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <vector>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "../service/service_fixture.h"
#include "wf_command.h"

namespace {

using wf::test::WfRun;
using nlohmann::json;
namespace fs = std::filesystem;

std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// `script` run by sh with `$WF` the binary of this build, its stdout and stderr together (or with
// `stdout_only`, stdout alone), under a configuration directory of its own and without the WF_*
// variables of whoever runs the tests.
WfRun shell(const fs::path& config_home, const std::string& script, bool stdout_only = false) {
  const std::string command = "unset WF_SERVER WF_TOKEN; export XDG_CONFIG_HOME=" + quoted(config_home.string()) +
                              " HOME=" + quoted((config_home / "home").string()) + "; WF=" + quoted(WF_BINARY) + "; { " +
                              script + "; } " + (stdout_only ? "2>/dev/null" : "2>&1");
  WfRun r;
  std::tie(r.exit_code, r.output) = wf::testing::run_shell(command);
  return r;
}

struct TerminalRun {
  int exit_code = -1;   // -1: killed by a signal (or not ended in time)
  std::string screen;   // everything the terminal showed
  bool echo_after = false;  // whether the terminal echoes again once the program ended
};

// `wf login --server URL` on a pseudo-terminal of its own: once it asks ("Token: "), or with
// `type_ahead` at once, `keys` are typed. Every wait is bounded (20 s in all).
TerminalRun login_at_a_terminal(const fs::path& config_home, const std::string& server, const std::string& keys,
                                bool type_ahead = false) {
  TerminalRun out;
  const int terminal = ::posix_openpt(O_RDWR | O_NOCTTY);
  if (terminal < 0 || ::grantpt(terminal) != 0 || ::unlockpt(terminal) != 0) return out;
  const std::string side = ::ptsname(terminal);
  std::vector<std::string> env = {"XDG_CONFIG_HOME=" + config_home.string(), "HOME=" + (config_home / "home").string(),
                                  "PATH=/usr/bin:/bin", "TERM=dumb"};
  std::vector<std::string> args = {WF_BINARY, "login", "--server", server};
  std::vector<char*> envp, argv;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setsid();
    const int fd = ::open(side.c_str(), O_RDWR);  // the session's controlling terminal
    if (fd < 0) ::_exit(126);
    ::dup2(fd, 0), ::dup2(fd, 1), ::dup2(fd, 2);
    ::close(terminal);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  // The program's side stays open here too, so the terminal's settings can be read after it ended.
  const int kept = ::open(side.c_str(), O_RDWR | O_NOCTTY);
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  bool typed = false;
  if (type_ahead) typed = ::write(terminal, keys.data(), keys.size()) == static_cast<ssize_t>(keys.size());
  int status = 0;
  bool ended = false;
  while (std::chrono::steady_clock::now() < end) {
    pollfd p{terminal, POLLIN, 0};
    if (::poll(&p, 1, 50) > 0) {
      char buffer[1024];
      const ssize_t n = ::read(terminal, buffer, sizeof buffer);
      if (n > 0) out.screen.append(buffer, static_cast<size_t>(n));
    }
    if (!typed && out.screen.find("Token: ") != std::string::npos)
      typed = ::write(terminal, keys.data(), keys.size()) == static_cast<ssize_t>(keys.size());
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      ended = true;
      break;
    }
  }
  if (!ended) ::kill(pid, SIGKILL), ::waitpid(pid, &status, 0);
  // What it printed last.
  for (pollfd p{terminal, POLLIN, 0}; ::poll(&p, 1, 50) > 0;) {
    char buffer[1024];
    const ssize_t n = ::read(terminal, buffer, sizeof buffer);
    if (n <= 0) break;
    out.screen.append(buffer, static_cast<size_t>(n));
  }
  out.exit_code = ended && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  termios settings{};
  out.echo_after = kept >= 0 && ::tcgetattr(kept, &settings) == 0 && (settings.c_lflag & ECHO) != 0;
  if (kept >= 0) ::close(kept);
  ::close(terminal);
  return out;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0xFFFF;
}

class IdentityCommands : public wf::testing::ServiceTest {
 protected:
  IdentityCommands() : ServiceTest("wf-identity-cli") {}

  // A configuration directory of its own for one person at the shell.
  fs::path person(const std::string& name) {
    const fs::path dir = dir_ / ("config-" + name);
    fs::create_directories(dir / "home");
    return dir;
  }

  // Logs the person of `config` in with `token`; the test fails when that does not work.
  void login(const fs::path& config, const std::string& token) {
    const WfRun r = shell(config, "$WF login --server " + service_->url() + " --token " + quoted(token));
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }

  // A user with `role` added by the administrator, and a token for it.
  std::string user_with_token(const fs::path& admin, const std::string& name, const std::string& role) {
    WfRun r = shell(admin, "$WF user add " + name + " --role " + role);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    r = shell(admin, "$WF token create --user " + name, /*stdout_only=*/true);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    if (!r.output.empty() && r.output.back() == '\n') r.output.pop_back();
    return r.output;
  }
};

TEST_F(IdentityCommands, LoginStoresAPrivateFileThatWhoamiReads) {
  const fs::path me = person("admin");
  WfRun r = shell(me, "$WF login --server " + service_->url() + " --token " + quoted(service_->admin_token()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "as admin")) << r.output;
  EXPECT_TRUE(contains(r.output, "organization default")) << r.output;
  EXPECT_TRUE(contains(r.output, "roles: admin")) << r.output;

  const fs::path file = me / "wf" / "config.json";
  ASSERT_TRUE(fs::exists(file)) << r.output;
  EXPECT_EQ(mode_of(file), 0600u);
  EXPECT_EQ(mode_of(me / "wf"), 0700u);
  const json stored = json::parse(read_file(file), nullptr, false);
  EXPECT_EQ(stored.value("server", ""), service_->url()) << stored;
  EXPECT_EQ(stored.value("token", ""), service_->admin_token()) << stored;

  // No flag, no variable: the stored server and token.
  r = shell(me, "$WF whoami");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "user:          admin")) << r.output;
  EXPECT_TRUE(contains(r.output, "organization:  default")) << r.output;
  EXPECT_TRUE(contains(r.output, "roles:         admin (administrator)")) << r.output;
  EXPECT_TRUE(contains(r.output, "settings.manage")) << r.output;
  EXPECT_TRUE(contains(r.output, "server:        " + service_->url())) << r.output;
  r = shell(me, "$WF whoami --format json", true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json answer = json::parse(r.output, nullptr, false);
  ASSERT_TRUE(answer.is_object()) << r.output;
  EXPECT_EQ(answer["user"].value("name", ""), "admin") << answer;
  EXPECT_EQ(answer["organization"].value("name", ""), "default") << answer;

  // A token typed on standard input (not a terminal here: the line is read as it comes).
  const fs::path other = person("stdin");
  r = shell(other, "echo " + quoted(service_->admin_token()) + " | $WF login --server " + service_->url());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(json::parse(read_file(other / "wf" / "config.json")).value("token", ""), service_->admin_token());
  // Logging in again without --server goes to the stored server.
  r = shell(other, "echo " + quoted(service_->admin_token()) + " | $WF login");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "Logged in to " + service_->url())) << r.output;

  // A file others may read holds a token that may have leaked: it is refused, not used.
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
  r = shell(me, "$WF whoami");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "may be read by others (mode 0644)")) << r.output;
  EXPECT_TRUE(contains(r.output, "chmod 600")) << r.output;
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
  // Nor is a symbolic link followed to wherever it points.
  fs::rename(file, me / "elsewhere.json");
  fs::create_symlink(me / "elsewhere.json", file);
  r = shell(me, "$WF whoami");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "is a symbolic link")) << r.output;
  fs::remove(file);
  fs::rename(me / "elsewhere.json", file);

  // Logging out forgets the token: the next command has none.
  r = shell(me, "$WF logout");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_FALSE(contains(read_file(file), service_->admin_token())) << read_file(file);
  EXPECT_EQ(mode_of(file), 0600u);
  r = shell(me, "$WF whoami");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "(HTTP 401)")) << r.output;
  EXPECT_TRUE(contains(r.output, "run `wf login`")) << r.output;
}

TEST_F(IdentityCommands, ATokenTypedAtATerminalIsNotEchoed) {
  const fs::path me = person("terminal");
  const std::string token = service_->admin_token();
  TerminalRun r = login_at_a_terminal(me, service_->url(), token + "\n");
  EXPECT_EQ(r.exit_code, 0) << r.screen;
  EXPECT_TRUE(contains(r.screen, "Token: ")) << r.screen;
  EXPECT_TRUE(contains(r.screen, "as admin")) << r.screen;
  EXPECT_FALSE(contains(r.screen, token)) << r.screen;
  EXPECT_TRUE(r.echo_after) << r.screen;
  EXPECT_TRUE(contains(read_file(me / "wf" / "config.json"), token));

  // Typed before the prompt (a paste, a fast typist): shown, since the terminal echoed it before
  // wf could stop that, but not lost.
  const fs::path early = person("typed-ahead");
  r = login_at_a_terminal(early, service_->url(), token + "\n", /*type_ahead=*/true);
  EXPECT_EQ(r.exit_code, 0) << r.screen;
  EXPECT_TRUE(contains(read_file(early / "wf" / "config.json"), token)) << r.screen;

  // Ctrl-C at the prompt ends it with the terminal echoing again, and nothing stored.
  const fs::path interrupted = person("interrupted");
  r = login_at_a_terminal(interrupted, service_->url(), "\x03");
  EXPECT_EQ(r.exit_code, -1) << r.screen;
  EXPECT_TRUE(r.echo_after) << r.screen;
  EXPECT_FALSE(fs::exists(interrupted / "wf" / "config.json"));
}

TEST_F(IdentityCommands, ARefusedTokenStoresNothing) {
  const fs::path me = person("refused");
  WfRun r = shell(me, "$WF login --server " + service_->url() + " --token wft_1_notthesecret");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "wf: the service at " + service_->url() + " refused the token")) << r.output;
  EXPECT_TRUE(contains(r.output, "nothing was stored")) << r.output;
  EXPECT_FALSE(fs::exists(me / "wf" / "config.json"));

  // An empty line is no token.
  r = shell(me, "echo | $WF login --server " + service_->url());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_FALSE(fs::exists(me / "wf" / "config.json"));

  // A refused login leaves an earlier one as it was.
  login(me, service_->admin_token());
  r = shell(me, "$WF login --token wft_1_notthesecret");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_EQ(json::parse(read_file(me / "wf" / "config.json")).value("token", ""), service_->admin_token());
}

TEST_F(IdentityCommands, FlagsAndVariablesBeatTheStoredFile) {
  const fs::path admin = person("admin");
  login(admin, service_->admin_token());
  const std::string viewer = user_with_token(admin, "vera", "viewer");
  ASSERT_EQ(viewer.rfind("wft_", 0), 0u) << viewer;

  WfRun r = shell(admin, "WF_TOKEN=" + quoted(viewer) + " $WF whoami");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "user:          vera")) << r.output;
  r = shell(admin, "WF_TOKEN=wft_1_wrong $WF whoami --token " + quoted(viewer));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "user:          vera")) << r.output;
  r = shell(admin, "WF_TOKEN=wft_1_wrong $WF whoami");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "the token of WF_TOKEN was refused")) << r.output;

  // Another server: the stored token is not sent there.
  r = shell(admin, "WF_SERVER=http://127.0.0.1:1 $WF whoami");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "cannot reach the service at http://127.0.0.1:1")) << r.output;
  // The same server written with a trailing slash is the stored one.
  r = shell(admin, "WF_SERVER=" + service_->url() + "/ $WF whoami");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "user:          admin")) << r.output;
}

TEST_F(IdentityCommands, UsersRolesAndTokensThroughTheCli) {
  const fs::path admin = person("admin");
  login(admin, service_->admin_token());

  WfRun r = shell(admin, "$WF user add carol --display-name 'Carol Clerk' --email carol@example.com --role operator");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "user carol added, roles: operator")) << r.output;
  r = shell(admin, "$WF user add carol");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "user `carol` already exists (HTTP 409)")) << r.output;
  r = shell(admin, "$WF user ls");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "NAME")) << r.output;
  EXPECT_TRUE(contains(r.output, "Carol Clerk")) << r.output;
  EXPECT_TRUE(contains(r.output, "carol@example.com")) << r.output;

  // The token alone on stdout, the rest on stderr.
  r = shell(admin, "$WF token create --user carol --name ci --expires 30d", /*stdout_only=*/true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_EQ(r.output.rfind("wft_", 0), 0u) << r.output;
  ASSERT_EQ(r.output.find('\n'), r.output.size() - 1) << r.output;
  const std::string token = r.output.substr(0, r.output.size() - 1);
  r = shell(admin, "T=$($WF token create --user carol --name other) && echo \"got ${T%%_*}\"");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "shown only this once")) << r.output;
  EXPECT_TRUE(contains(r.output, "got wft")) << r.output;

  // Carol logs in with it and sees herself.
  const fs::path carol = person("carol");
  login(carol, token);
  r = shell(carol, "$WF whoami");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "user:          carol (Carol Clerk)")) << r.output;
  EXPECT_TRUE(contains(r.output, "roles:         operator\n")) << r.output;
  EXPECT_TRUE(contains(r.output, "workflows.execute")) << r.output;
  EXPECT_FALSE(contains(r.output, "settings.manage")) << r.output;
  EXPECT_TRUE(contains(r.output, "\"ci\", expires 20")) << r.output;
  // An operator does not manage users.
  r = shell(carol, "$WF user ls");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "this needs the permission `settings.manage` (HTTP 403)")) << r.output;

  // A custom role, granted and revoked.
  r = shell(admin, "$WF role create auditor --permission settings.view --permission workflows.view --description 'Reads the audit log'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "role auditor: workflows.view, settings.view")) << r.output;
  r = shell(admin, "$WF role create broken --permission workflows.fly");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "unknown permission `workflows.fly`")) << r.output;
  r = shell(admin, "$WF role ls");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "built-in")) << r.output;
  EXPECT_TRUE(contains(r.output, "Reads the audit log")) << r.output;
  r = shell(admin, "$WF role grant auditor carol");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "role auditor granted to carol")) << r.output;
  r = shell(carol, "$WF whoami");
  EXPECT_TRUE(contains(r.output, "roles:         auditor, operator")) << r.output;
  EXPECT_TRUE(contains(r.output, "settings.view")) << r.output;
  r = shell(admin, "$WF role revoke auditor carol");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = shell(admin, "$WF role delete auditor");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = shell(admin, "$WF role ls");
  EXPECT_FALSE(contains(r.output, "auditor")) << r.output;

  // Disabled, her token stops working; enabled, it works again.
  r = shell(admin, "$WF user disable carol");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = shell(admin, "$WF user ls");
  EXPECT_TRUE(contains(r.output, "disabled")) << r.output;
  r = shell(carol, "$WF whoami");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  r = shell(admin, "$WF user enable carol");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = shell(carol, "$WF whoami");
  EXPECT_EQ(r.exit_code, 0) << r.output;

  // Revoked, the next command is refused and says what to do.
  r = shell(admin, "$WF token ls --user carol --format json", true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  int64_t id = 0;
  for (const json& t : json::parse(r.output))
    if (t.value("name", "") == "ci") id = t.value("id", int64_t{0});
  ASSERT_GT(id, 0) << r.output;
  r = shell(admin, "$WF token ls --user carol");
  EXPECT_TRUE(contains(r.output, "LAST USED")) << r.output;
  EXPECT_TRUE(contains(r.output, "active")) << r.output;
  r = shell(admin, "$WF token revoke " + std::to_string(id));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "token " + std::to_string(id) + " revoked")) << r.output;
  r = shell(carol, "$WF whoami");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "(HTTP 401)")) << r.output;
  EXPECT_TRUE(contains(r.output, "the token `wf login` stored in " + (carol / "wf" / "config.json").string() + " was refused"))
      << r.output;
  r = shell(admin, "$WF token revoke nine");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "token id must be a positive integer")) << r.output;
}

TEST_F(IdentityCommands, OrgCreateShowsItsSecretAndAdministratorTokenOnce) {
  const fs::path admin = person("admin");
  login(admin, service_->admin_token());
  WfRun r = shell(admin, "$WF org create acme --admin root");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "organization:       acme (id ")) << r.output;
  EXPECT_TRUE(contains(r.output, "enrollment secret:  wfe_")) << r.output;
  EXPECT_TRUE(contains(r.output, "administrator:      root")) << r.output;
  EXPECT_TRUE(contains(r.output, "shown only this once")) << r.output;
  const size_t at = r.output.find("its token:          ");
  ASSERT_NE(at, std::string::npos) << r.output;
  const size_t start = at + std::string("its token:          ").size();
  const std::string token = r.output.substr(start, r.output.find('\n', start) - start);
  ASSERT_EQ(token.rfind("wft_", 0), 0u) << token;

  r = shell(admin, "$WF org ls");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "acme")) << r.output;
  EXPECT_TRUE(contains(r.output, "default")) << r.output;
  r = shell(admin, "$WF org create acme");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "already exists (HTTP 409)")) << r.output;

  // The new organization's administrator logs in with the token shown.
  const fs::path root = person("root");
  r = shell(root, "$WF login --server " + service_->url() + " --token " + quoted(token));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "as root (Administrator) in organization acme")) << r.output;
  r = shell(root, "$WF org ls");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "acme")) << r.output;
  EXPECT_FALSE(contains(r.output, "default")) << r.output;
}

// The approval request of `instance`'s, once it is pending; 0 when none came.
int64_t pending_approval(const fs::path& config, int64_t instance) {
  int64_t id = 0;
  wf::testing::wait_until([&] {
    const WfRun r = shell(config, "$WF approvals --instance " + std::to_string(instance) + " --format json", true);
    const json items = json::parse(r.output, nullptr, false);
    if (items.is_array() && !items.empty()) id = items[0].value("id", int64_t{0});
    return id > 0;
  });
  return id;
}

TEST_F(IdentityCommands, AQuorumOfTwoCountsTwoLoggedInPeople) {
  const fs::path admin = person("admin");
  login(admin, service_->admin_token());
  const fs::path alice = person("alice"), bob = person("bob"), vera = person("vera");
  login(alice, user_with_token(admin, "alice", "operator"));
  login(bob, user_with_token(admin, "bob", "operator"));
  login(vera, user_with_token(admin, "vera", "viewer"));

  {
    std::ofstream(dir_ / "gate.wf") << "workflow gate() -> list<string> {\n"
                                       "  let a = approve \"Go?\" by [role(\"operator\")] quorum two_of_many\n"
                                       "  return a.responded_by\n"
                                       "}\n";
  }
  WfRun r = shell(admin, "$WF push " + quoted((dir_ / "gate.wf").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = shell(alice, "$WF start gate", true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const int64_t instance = std::stoll(r.output);
  const int64_t approval = pending_approval(alice, instance);
  ASSERT_GT(approval, 0);
  const std::string id = std::to_string(approval);

  r = shell(alice, "$WF approve " + id);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "approval " + id + ": pending\n");
  // One person's vote counts once.
  r = shell(alice, "$WF approve " + id);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "alice has already responded to approval " + id + " (HTTP 409)")) << r.output;
  // A viewer may look, not answer.
  r = shell(vera, "$WF approvals");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  r = shell(vera, "$WF approve " + id);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "(HTTP 403)")) << r.output;
  // Only an administrator records another's answer.
  r = shell(vera, "$WF approve " + id + " --as bob");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "(HTTP 403)")) << r.output;
  r = shell(alice, "$WF approvals --status pending --format json", true);
  const json pending = json::parse(r.output, nullptr, false);
  ASSERT_TRUE(pending.is_array()) << r.output;
  ASSERT_EQ(pending.size(), 1u) << r.output;
  EXPECT_EQ(pending[0].value("status", ""), "pending");

  r = shell(bob, "$WF approve " + id + " --note 'looks fine'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "approval " + id + ": approved\n");
  r = shell(bob, "$WF wait " + std::to_string(instance) + " --timeout 30s", true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "[\"alice\",\"bob\"]\n");

  // The responses say who answered, and that it was through the CLI.
  const json detail = wf::testing::body_json(api_->get("/api/v1/approvals/" + id));
  ASSERT_EQ(detail["responses"].size(), 2u) << detail;
  for (const json& response : detail["responses"]) EXPECT_EQ(response.value("via", ""), "cli") << detail;
  EXPECT_EQ(detail["responses"][0].value("who", ""), "alice") << detail;
  EXPECT_EQ(detail["responses"][1].value("who", ""), "bob") << detail;
}

TEST_F(IdentityCommands, AnAdministratorRecordsAnotherApproversAnswer) {
  const fs::path admin = person("admin");
  login(admin, service_->admin_token());
  user_with_token(admin, "alice", "operator");
  {
    std::ofstream(dir_ / "gate.wf") << "workflow gate() -> bool {\n"
                                       "  let a = approve \"Go?\" by [user(\"alice\")]\n"
                                       "  return a.approved\n"
                                       "}\n";
  }
  WfRun r = shell(admin, "$WF push " + quoted((dir_ / "gate.wf").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = shell(admin, "$WF start gate", true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const int64_t instance = std::stoll(r.output);
  const int64_t approval = pending_approval(admin, instance);
  ASSERT_GT(approval, 0);

  r = shell(admin, "$WF reject " + std::to_string(approval) + " --as alice --note 'said no on the phone'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "approval " + std::to_string(approval) + ": rejected\n");
  const json detail = wf::testing::body_json(api_->get("/api/v1/approvals/" + std::to_string(approval)));
  ASSERT_EQ(detail["responses"].size(), 1u) << detail;
  EXPECT_EQ(detail["responses"][0].value("who", ""), "alice") << detail;
  EXPECT_EQ(detail["responses"][0].value("recorded_by", ""), "admin") << detail;
  EXPECT_EQ(detail["responses"][0].value("decision", ""), "reject") << detail;
  EXPECT_EQ(detail["responses"][0].value("via", ""), "cli") << detail;
}

}  // namespace
