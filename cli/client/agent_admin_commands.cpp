// `wf agent approve HOST` and `wf agent rotate-secret` (docs/operations.md, "Run an agent on each
// host"): an admin lets a host whose agent is live register once more, and replaces the
// enrollment secret.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "cli/client/commands.h"
#include "cli/client/json_fields.h"
#include "cli/client/service_connection.h"
#include "runtime/client/http_client.h"

namespace wf::cli {

namespace {

struct ApproveHostOptions {
  ClientOptions client;
  std::string host;
};

void approve_host(const ApproveHostOptions& o) {
  ServiceConnection api(o.client);
  const Json answer = api.post(fmt::format("/agents/{}/approve", client::url_encode(o.host)), Json::object());
  if (o.client.json()) return print_json(answer);
  fmt::print("{} may register once more with the enrollment secret\n", o.host);
}

void rotate_secret(const ClientOptions& o) {
  ServiceConnection api(o);
  const Json answer = api.post("/agents/enrollment/rotate", Json::object());
  if (o.json()) return print_json(answer);
  // The one place the new secret is shown before the service's next start writes it to
  // DATA/enroll.secret.
  fmt::print("{}\n", text_field(answer, "enrollment_secret"));
}

}  // namespace

void register_agent_admin_commands(CLI::App* agent) {
  auto approve_options = std::make_shared<ApproveHostOptions>();
  CLI::App* approve = agent->add_subcommand("approve", "Let HOST register again although its agent is live (it lost its token)");
  approve->add_option("host", approve_options->host, "The host name")->required();
  add_client_options(approve, approve_options->client);
  approve->callback([approve_options] { approve_host(*approve_options); });

  auto rotate_options = std::make_shared<ClientOptions>();
  CLI::App* rotate = agent->add_subcommand("rotate-secret",
                                           "Replace the enrollment secret and print the new one (registered agents keep their tokens)");
  add_client_options(rotate, *rotate_options);
  rotate->callback([rotate_options] { rotate_secret(*rotate_options); });
}

}  // namespace wf::cli
