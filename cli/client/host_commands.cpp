// `wf hosts` and `wf host tag|untag NAME TAG...`: the registered hosts with their tags and groups,
// and the tags an operator sets on one (docs/api.md, "Jobs and agents"; the tags a host's agent
// reports come from `wf agent --tag`).
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
#include "runtime/store/host_tags.h"

namespace wf::cli {

namespace {

struct HostsOptions {
  ClientOptions client;
  int limit = 0;  // 0: the service's default
};

struct TagOptions {
  ClientOptions client;
  std::string host;
  std::vector<std::string> tags;
  bool replace = false;
};

// The strings of a list field, joined by `separator`; "-" when there are none.
std::string joined(const Json& object, std::string_view name, std::string_view separator) {
  std::string out;
  if (const Json* list = field(object, name); list != nullptr && list->is_array())
    for (const Json& item : *list)
      if (item.is_string()) out += (out.empty() ? "" : std::string(separator)) + one_line(item.get<std::string>());
  return out.empty() ? "-" : out;
}

void list_hosts(const HostsOptions& o) {
  ServiceConnection api(o.client);
  const Json answer = api.get(o.limit > 0 ? fmt::format("/hosts?limit={}", o.limit) : std::string("/hosts"));
  const Json* items = &list_items(answer, "hosts");
  if (o.client.json()) return print_json(*items);
  std::vector<std::vector<std::string>> rows;
  for (const Json& host : *items) {
    const Json* online = field(host, "online");
    rows.push_back({one_line(text_field(host, "hostname")), one_line(text_field(host, "primary_ip")), one_line(text_field(host, "os")),
                    online != nullptr && online->is_boolean() && online->get<bool>() ? "online" : "offline",
                    joined(host, "tags", ","), joined(host, "groups", ",")});
  }
  fmt::print("{}", render_table({"NAME", "IP", "OS", "STATUS", "TAGS", "GROUPS"}, rows));
  const auto total = int_field(answer, "total");
  if (total && *total > static_cast<int64_t>(items->size()))
    fmt::print(stderr, "({} of {} hosts shown; --limit shows more)\n", items->size(), *total);
}

// tag: adds (or with --replace sets) the operator's tags; untag: removes them.
void change_tags(const TagOptions& o, bool untag) {
  for (const std::string& tag : o.tags)
    if (!store::valid_tag(tag)) fail(kExitUsage, fmt::format("\"{}\" is not a tag: a tag is {}", tag, store::kTagRule));
  Json body;
  if (untag) body["remove_tags"] = o.tags;
  else body[o.replace ? "tags" : "add_tags"] = o.tags;
  ServiceConnection api(o.client);
  const Json host = api.call("PATCH", "/hosts/" + client::url_encode(o.host), &body);
  if (o.client.json()) return print_json(host);
  const std::string tags = joined(host, "tags", ", ");
  fmt::print("{}: {}\n", one_line(text_field(host, "hostname")), tags == "-" ? "no tags" : tags);
}

}  // namespace

void register_host_commands(CLI::App& app) {
  auto hosts_options = std::make_shared<HostsOptions>();
  CLI::App* hosts_command = app.add_subcommand("hosts", "List the registered hosts with their tags and groups");
  hosts_command->add_option("--limit", hosts_options->limit, "At most this many (1 to 1000; default 50)")->check(CLI::Range(1, 1000));
  add_client_options(hosts_command, hosts_options->client);
  hosts_command->callback([hosts_options] { list_hosts(*hosts_options); });

  CLI::App* host = app.add_subcommand("host", "Tag a host: wf host tag|untag NAME TAG...");
  host->require_subcommand(1);

  auto tag_options = std::make_shared<TagOptions>();
  CLI::App* tag_command = host->add_subcommand("tag", "Add tags to a host (--replace: set its operator tags to these); prints its tags");
  tag_command->add_option("name", tag_options->host, "The host's name")->required();
  tag_command->add_option("tags", tag_options->tags, "The tags");
  tag_command->add_flag("--replace", tag_options->replace, "Replace the tags operators set (none given: remove them all)");
  add_client_options(tag_command, tag_options->client);
  tag_command->callback([tag_options] {
    if (tag_options->tags.empty() && !tag_options->replace) fail(kExitUsage, "give the tags to add: wf host tag NAME TAG...");
    change_tags(*tag_options, false);
  });

  auto untag_options = std::make_shared<TagOptions>();
  CLI::App* untag_command = host->add_subcommand("untag", "Remove tags an operator set on a host; prints its tags");
  untag_command->add_option("name", untag_options->host, "The host's name")->required();
  untag_command->add_option("tags", untag_options->tags, "The tags")->required();
  add_client_options(untag_command, untag_options->client);
  untag_command->callback([untag_options] { change_tags(*untag_options, true); });
}

}  // namespace wf::cli
