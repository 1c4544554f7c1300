// `wf notify-channel add|ls|show|rm` and `wf notifications ls|show|replay` (SPEC §4.9, docs/api.md
// "Notifications"): the organization's notification channels (never their secrets), its
// notifications with their delivery state, and the dead-letter queue with its replay.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "cli/client/commands.h"
#include "cli/client/service_connection.h"
#include "cli/client/text_render.h"
#include "cli/exit_codes.h"
#include "runtime/client/http_client.h"

namespace wf::cli {

namespace {

struct AddChannelOptions {
  ClientOptions client;
  std::string kind, name, url, secret, console_url, routing_key, events_url, severity, host, tls, user, password, from;
  std::vector<std::string> headers;  // "Name: value"
  int port = 0;
};

struct ChannelOptions {
  ClientOptions client;
  std::string id;  // KIND:NAME
};

struct ListNotificationsOptions {
  ClientOptions client;
  bool dead = false;
  std::string status, instance;
  int limit = 50;
};

struct ReplayOptions {
  ClientOptions client;
  std::string id, since;
};

void add_channel(const AddChannelOptions& o) {
  Json config = Json::object();
  auto set = [&config](const char* key, const std::string& value) {
    if (!value.empty()) config[key] = value;
  };
  set("url", o.url);
  set("secret", o.secret);
  set("console_url", o.console_url);
  set("routing_key", o.routing_key);
  set("events_url", o.events_url);
  set("severity", o.severity);
  set("host", o.host);
  set("tls", o.tls);
  set("user", o.user);
  set("password", o.password);
  set("from", o.from);
  if (o.port) config["port"] = o.port;
  for (const std::string& h : o.headers) {
    const size_t colon = h.find(':');
    if (colon == std::string::npos) fail(kExitUsage, fmt::format("--header `{}`: expected NAME: VALUE", h));
    std::string value = h.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    config["headers"][h.substr(0, colon)] = value;
  }
  Json body = {{"kind", o.kind}, {"config", config}};
  if (!o.name.empty()) body["name"] = o.name;
  ServiceConnection api(o.client);
  const Json answer = api.post("/notification-channels", body);
  if (o.client.json()) return print_json(answer);
  fmt::print("channel {} saved\n", one_line(text_field(answer, "id")));
}

std::string render_channels(const Json& items) {
  std::vector<std::vector<std::string>> rows;
  for (const Json& c : items) {
    const Json* config = field(c, "config");
    std::string where;
    if (config) {
      for (const char* key : {"url", "events_url", "host"})
        if (!text_field(*config, key).empty()) where = text_field(*config, key);
    }
    rows.push_back({one_line(text_field(c, "id")), one_line(text_field(c, "kind")), or_dash(one_line(where))});
  }
  return render_table({"CHANNEL", "KIND", "DESTINATION"}, rows);
}

void list_channels(const ClientOptions& client) {
  ServiceConnection api(client);
  const Json answer = api.get("/notification-channels");
  const Json& items = list_items(answer, "channels");
  if (client.json()) return print_json(items);
  fmt::print("{}", render_channels(items));
}

void show_channel(const ChannelOptions& o) {
  ServiceConnection api(o.client);
  print_json(api.get("/notification-channels/" + client::url_encode(o.id)));
}

void remove_channel(const ChannelOptions& o) {
  ServiceConnection api(o.client);
  api.remove("/notification-channels/" + client::url_encode(o.id));
  if (!o.client.json()) fmt::print("channel {} removed\n", o.id);
}

std::string render_notifications(const Json& items) {
  std::vector<std::vector<std::string>> rows;
  for (const Json& n : items) {
    rows.push_back({int_or_dash(n, "id"), int_or_dash(n, "instance_id"), one_line(text_field(n, "channel")),
                    one_line(text_field(n, "status")), int_or_dash(n, "attempts"), or_dash(one_line(text_field(n, "last_error"))),
                    one_line(text_field(n, "message"))});
  }
  return render_table({"ID", "INSTANCE", "CHANNEL", "STATUS", "ATTEMPTS", "LAST ERROR", "MESSAGE"}, rows);
}

void list_notifications(const ListNotificationsOptions& o) {
  std::string path = o.dead ? "/notifications/dead-letters" : "/notifications";
  std::string query = fmt::format("?limit={}", o.limit);
  if (!o.status.empty()) query += "&status=" + client::url_encode(o.status);
  if (!o.instance.empty()) query += "&instance=" + client::url_encode(o.instance);
  ServiceConnection api(o.client);
  const Json answer = api.get(path + query);
  const Json& items = list_items(answer, "notifications");
  if (o.client.json()) return print_json(items);
  fmt::print("{}", render_notifications(items));
}

void show_notification(const ChannelOptions& o) {
  const int64_t id = require_id(o.id, "notification");
  ServiceConnection api(o.client);
  print_json(api.get(fmt::format("/notifications/{}", id)));
}

void replay(const ReplayOptions& o) {
  if (o.id.empty() == o.since.empty()) fail(kExitUsage, "replay takes a notification id or --since TIME, not both");
  ServiceConnection api(o.client);
  Json answer;
  if (!o.id.empty()) {
    const int64_t id = require_id(o.id, "notification");
    answer = api.post(fmt::format("/notifications/dead-letters/{}/replay", id), Json::object());
  } else {
    answer = api.post("/notifications/dead-letters/replay", Json{{"since", o.since}});
  }
  if (o.client.json()) return print_json(answer);
  const Json* replayed = field(answer, "replayed");
  fmt::print("{} dead letter{} replayed\n", replayed ? replayed->size() : 0, replayed && replayed->size() == 1 ? "" : "s");
}

}  // namespace

void register_notification_commands(CLI::App& app) {
  CLI::App* channel = app.add_subcommand("notify-channel", "Notification channels: wf notify-channel add|ls|show|rm");
  channel->require_subcommand(1);

  auto add_options = std::make_shared<AddChannelOptions>();
  CLI::App* add = channel->add_subcommand("add", "Create or replace a channel (webhook, slack, smtp, pagerduty)");
  add->add_option("kind", add_options->kind, "webhook, slack, smtp or pagerduty")->required();
  add->add_option("name", add_options->name, "Its name (webhook, pagerduty); slack and smtp have one, `default`");
  add->add_option("--url", add_options->url, "The webhook's URL, or Slack's incoming-webhook URL");
  add->add_option("--secret", add_options->secret, "A webhook's signing secret (whsec_...)");
  add->add_option("--header", add_options->headers, "An extra webhook header, NAME: VALUE (repeatable)");
  add->add_option("--console-url", add_options->console_url, "The console's URL, for links to the instance");
  add->add_option("--routing-key", add_options->routing_key, "PagerDuty's integration (routing) key");
  add->add_option("--events-url", add_options->events_url, "PagerDuty's Events API v2 URL");
  add->add_option("--severity", add_options->severity, "PagerDuty severity: critical, error, warning or info");
  add->add_option("--host", add_options->host, "The SMTP relay's host");
  add->add_option("--port", add_options->port, "The SMTP relay's port");
  add->add_option("--tls", add_options->tls, "starttls (default), tls or none");
  add->add_option("--user", add_options->user, "The SMTP relay's user");
  add->add_option("--password", add_options->password, "The SMTP relay's password");
  add->add_option("--from", add_options->from, "The address email comes from");
  add_client_options(add, add_options->client);
  add->callback([add_options] { add_channel(*add_options); });

  auto list_options = std::make_shared<ClientOptions>();
  CLI::App* list = channel->add_subcommand("ls", "List the channels (never their secrets)");
  add_client_options(list, *list_options);
  list->callback([list_options] { list_channels(*list_options); });

  auto show_options = std::make_shared<ChannelOptions>();
  CLI::App* show = channel->add_subcommand("show", "One channel, KIND:NAME");
  show->add_option("channel", show_options->id, "KIND:NAME, like webhook:itsm")->required();
  add_client_options(show, show_options->client);
  show->callback([show_options] { show_channel(*show_options); });

  auto remove_options = std::make_shared<ChannelOptions>();
  CLI::App* remove = channel->add_subcommand("rm", "Delete a channel");
  remove->add_option("channel", remove_options->id, "KIND:NAME")->required();
  add_client_options(remove, remove_options->client);
  remove->callback([remove_options] { remove_channel(*remove_options); });

  CLI::App* notifications = app.add_subcommand("notifications", "Notifications: wf notifications ls|show|replay");
  notifications->require_subcommand(1);

  auto ls_options = std::make_shared<ListNotificationsOptions>();
  CLI::App* ls = notifications->add_subcommand("ls", "List notifications, newest first");
  ls->add_flag("--dead", ls_options->dead, "Only the dead letters");
  ls->add_option("--status", ls_options->status, "pending, delivered or dead");
  ls->add_option("--instance", ls_options->instance, "Only this instance's");
  ls->add_option("--limit", ls_options->limit, "At most this many (default 50)");
  add_client_options(ls, ls_options->client);
  ls->callback([ls_options] { list_notifications(*ls_options); });

  auto detail_options = std::make_shared<ChannelOptions>();
  CLI::App* detail = notifications->add_subcommand("show", "A notification with its attempts");
  detail->add_option("id", detail_options->id, "The notification's id")->required();
  add_client_options(detail, detail_options->client);
  detail->callback([detail_options] { show_notification(*detail_options); });

  auto replay_options = std::make_shared<ReplayOptions>();
  CLI::App* replay_command = notifications->add_subcommand("replay", "Send a dead letter again, or every one since a time");
  replay_command->add_option("id", replay_options->id, "The dead letter's id");
  replay_command->add_option("--since", replay_options->since, "Every dead letter since this RFC 3339 time");
  add_client_options(replay_command, replay_options->client);
  replay_command->callback([replay_options] { replay(*replay_options); });
}

}  // namespace wf::cli
