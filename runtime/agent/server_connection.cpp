// Registration, tokens and availability (see server_connection.h).
#include "runtime/agent/server_connection.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <limits>

namespace wf::agent {

std::string api_path(std::string_view endpoint) { return fmt::format("/api/v1/agents/{}", endpoint); }

std::string job_path(int64_t job_id, std::string_view action) { return fmt::format("/api/v1/agents/jobs/{}/{}", job_id, action); }

bool service_unavailable(const client::HttpResult& result) {
  return !result.error.empty() || result.status == 0 || result.status >= 500;
}

ServerConnection::ServerConnection(std::string server, std::string enroll_secret, HostIdentity host,
                                   std::string credentials_path, const Logger& log, std::function<void()> on_reconnect)
    : server_(std::move(server)),
      enroll_secret_(std::move(enroll_secret)),
      host_(std::move(host)),
      credentials_path_(std::move(credentials_path)),
      log_(log),
      on_reconnect_(std::move(on_reconnect)) {}

bool ServerConnection::adopt_stored_registration() {
  std::string problem;
  const auto stored = load_credentials(credentials_path_, problem);
  if (!stored) {
    if (!problem.empty()) log_(fmt::format("ignoring the stored registration: {}", problem));
    return false;
  }
  if (stored->server != server_ || stored->hostname != host_.hostname) return false;
  std::lock_guard<std::mutex> lock(mutex_);
  credentials_ = *stored;
  log_(fmt::format("registered as {} (agent {}), from {}", stored->hostname, stored->agent_id, credentials_path_));
  return true;
}

ServerConnection::Enrollment ServerConnection::enroll(client::HttpClient& http, std::string& error) {
  nlohmann::json request = {{"enrollment_secret", enroll_secret_}, {"hostname", host_.hostname},
                            {"ip", host_.ip}, {"os", host_.os}, {"tags", host_.tags}};
  // The token this agent held, if any: the service lets the host's live agent register again
  // only with it (or an admin's approval).
  if (std::string held = token(); !held.empty()) request["token"] = held;
  http.set_token({});
  const client::HttpResult result = http.post(api_path("register"), request.dump());
  note(result);
  if (service_unavailable(result)) {
    error = result.describe();
    return Enrollment::Unavailable;
  }
  if (result.status == 409) {
    // Another agent of this host name is live: wait for it to stop or for an admin's approval.
    error = fmt::format("the service will not register {} yet: {}", host_.hostname, result.describe());
    std::lock_guard<std::mutex> lock(mutex_);
    if (error != waiting_for_approval_) log_(error);
    waiting_for_approval_ = error;
    return Enrollment::Unavailable;
  }
  if (!result.ok()) {
    error = fmt::format("the service refused to register {}: {}", host_.hostname, result.describe());
    std::lock_guard<std::mutex> lock(mutex_);
    refusal_ = error;
    return Enrollment::Refused;
  }
  const nlohmann::json answer = nlohmann::json::parse(result.body, nullptr, false);
  if (!answer.is_object() || !answer.contains("agent_id") || !answer["agent_id"].is_number_integer() ||
      !answer.contains("token") || !answer["token"].is_string() || answer["token"].get<std::string>().empty()) {
    // A service that answers nonsense is as good as none; it may be mid-upgrade.
    error = "the service's answer to register is not {agent_id, token}";
    return Enrollment::Unavailable;
  }
  Credentials fresh{answer["agent_id"].get<int64_t>(), answer["token"].get<std::string>(), host_.hostname, server_};
  {
    std::lock_guard<std::mutex> lock(mutex_);
    credentials_ = fresh;
    refusal_.clear();
  }
  if (std::string failure = save_credentials(credentials_path_, fresh); !failure.empty())
    log_(fmt::format("cannot save the registration (the next start enrolls again): {}", failure));
  log_(fmt::format("registered as {} (agent {})", fresh.hostname, fresh.agent_id));
  return Enrollment::Enrolled;
}

client::HttpResult ServerConnection::call(client::HttpClient& http, std::string_view method, std::string_view path,
                                          std::string_view body, int64_t timeout_ms) {
  const std::string used = token();
  http.set_token(used);
  client::HttpResult result = http.request(method, path, body, timeout_ms);
  note(result);
  if (result.status != 401) return result;

  {
    std::lock_guard<std::mutex> enrolling(enroll_mutex_);
    // Another thread may have enrolled while this call was refused; then its token is the one.
    if (token() == used) {
      log_(fmt::format("the service refused the agent's token ({}); registering again", result.describe()));
      std::string error;
      const Enrollment outcome = enroll(http, error);
      if (outcome != Enrollment::Enrolled) {
        log_(error);
        return result;
      }
    }
  }
  http.set_token(token());
  result = http.request(method, path, body, timeout_ms);
  note(result);
  return result;
}

void ServerConnection::note(const client::HttpResult& result) {
  const bool down = service_unavailable(result);
  bool reconnected = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const Availability now = down ? Availability::Down : Availability::Up;
    if (now == availability_) return;
    if (down) log_(fmt::format("server unreachable: {}", result.describe()));
    else log_(availability_ == Availability::Unknown ? fmt::format("connected to {}", server_) : std::string("connected"));
    reconnected = availability_ == Availability::Down && !down;
    availability_ = now;
  }
  if (reconnected && on_reconnect_) on_reconnect_();
}

bool ServerConnection::refused() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return !refusal_.empty();
}

std::string ServerConnection::refusal() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return refusal_;
}

int64_t ServerConnection::agent_id() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return credentials_.agent_id;
}

std::string ServerConnection::token() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return credentials_.token;
}

}  // namespace wf::agent

