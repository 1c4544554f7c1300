// The agent's side of its relation with the service: who it is (registration and token), making
// calls with the current token, enrolling again when a token is refused (the service may have been
// reset), and noticing when the service goes away and comes back. Shared by all the agent's
// threads; each thread brings its own HttpClient.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/agent/agent_log.h"
#include "runtime/agent/credentials.h"
#include "runtime/client/http_client.h"

namespace wf::agent {

// What the agent says about itself when it enrolls; its tags it also says in every heartbeat.
struct HostIdentity {
  std::string hostname, ip, os;
  std::vector<std::string> tags;
};

// The API path of an agent endpoint: api_path("poll") → "/api/v1/agents/poll".
std::string api_path(std::string_view endpoint);
// The path of a job endpoint: job_path(12, "start") → "/api/v1/agents/jobs/12/start".
std::string job_path(int64_t job_id, std::string_view action);

// A failure that says nothing about the request itself: no answer at all, or a 5xx. Such calls are
// retried with backoff; other answers are final.
bool service_unavailable(const client::HttpResult& result);

class ServerConnection {
 public:
  enum class Enrollment { Enrolled, Unavailable, Refused };

  // `on_reconnect` runs (on the thread that noticed) each time the service answers again after
  // being unavailable; it must not call back into this object.
  ServerConnection(std::string server, std::string enroll_secret, HostIdentity host, std::string credentials_path,
                   const Logger& log, std::function<void()> on_reconnect);

  const std::string& server() const { return server_; }
  const HostIdentity& host() const { return host_; }

  // Takes the registration stored in the credentials file when it was issued by this server for
  // this hostname. Returns false (logging why, when the file is there but unusable) otherwise.
  bool adopt_stored_registration();

  // `POST /agents/register` with the enrollment secret (and the token held, if any); on success
  // the new token is used from now on and saved. Unavailable: try again later (also while the
  // service waits for an admin to approve a host whose agent is live). Refused: the service will
  // not take this agent (wrong secret, bad request); `error` says why.
  Enrollment enroll(client::HttpClient& http, std::string& error);

  // One call with the current token. A 401 makes the agent enroll again (once for all threads
  // that see it) and repeat the call with the new token. Every answer updates the availability
  // state, logging "server unreachable: ..." and "connected" when it changes.
  client::HttpResult call(client::HttpClient& http, std::string_view method, std::string_view path,
                          std::string_view body = "{}", int64_t timeout_ms = 30000);

  // True once the service has refused to enroll the agent again: it cannot go on.
  bool refused() const;
  std::string refusal() const;

  int64_t agent_id() const;

 private:
  std::string token() const;
  // Records whether the service answered and logs a change.
  void note(const client::HttpResult& result);

  const std::string server_, enroll_secret_;
  const HostIdentity host_;
  const std::string credentials_path_;
  const Logger& log_;
  const std::function<void()> on_reconnect_;

  mutable std::mutex mutex_;  // guards the fields below
  Credentials credentials_;
  enum class Availability { Unknown, Up, Down } availability_ = Availability::Unknown;
  std::string refusal_;
  std::string waiting_for_approval_;  // the last 409 to a registration, logged once
  // Held while enrolling so that threads refused at the same moment enroll only once.
  std::mutex enroll_mutex_;
};

}  // namespace wf::agent
