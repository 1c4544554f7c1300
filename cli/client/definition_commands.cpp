// `wf push FILE...` and `wf publish NAME [--version N]` (SPEC §6): upload sources to the service,
// which compiles them into definitions, and make a version the one that runs.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/client/service_connection.h"
#include "cli/client/commands.h"
#include "cli/client/text_render.h"
#include "cli/exit_codes.h"
#include "driver/compilation.h"
#include "runtime/client/http_client.h"

namespace wf::cli {

namespace {

struct PushOptions {
  ClientOptions client;
  std::vector<std::string> files;
};

struct PublishOptions {
  ClientOptions client;
  std::string name;
  int64_t version = 0;  // 0: the latest
};

// What `POST /definitions` takes for one file: its source under its plain name, and the text of
// every file it imports, by name relative to its directory (the service compiles them together
// in a directory of their own, so a pushed source never reads the service's files).
struct Upload {
  std::string name;
  std::string source;
  std::map<std::string, std::string> imports;      // name → text
  std::map<std::string, std::string> local_paths;  // name → path as shown to the user
};

// The path of `path` as the user would write it: relative to the working directory when under it.
std::string shown_path(const std::filesystem::path& path) {
  std::error_code ec;
  const std::filesystem::path here = std::filesystem::current_path(ec);
  if (!ec && path.is_absolute()) {
    const std::filesystem::path relative = path.lexically_relative(here);
    if (!relative.empty() && *relative.begin() != "..") return relative.string();
  }
  return path.string();
}

// Reads `file` and the files it imports with the compiler's own loader, so what is sent is what
// `wf check` sees. nullopt with `error` set when the file itself cannot be read.
std::optional<Upload> gather_upload(const std::string& file, std::string& error) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) {
    error = "is a directory";
    return std::nullopt;
  }
  Compilation compilation;
  compilation.check_file(file);
  if (compilation.load_error()) {
    error = *compilation.load_error();
    return std::nullopt;
  }
  Upload upload;
  const std::filesystem::path root = std::filesystem::absolute(file, ec).lexically_normal();
  upload.name = root.filename().string();
  upload.source = compilation.file(0).text();
  upload.local_paths[upload.name] = file;
  for (size_t i = 1; i < compilation.files().size(); ++i) {
    const SourceFile& imported = *compilation.files()[i];
    const std::filesystem::path path = std::filesystem::absolute(imported.path(), ec).lexically_normal();
    const std::string name = path.lexically_relative(root.parent_path()).string();
    upload.imports[name] = imported.text();
    upload.local_paths[name] = shown_path(path);
  }
  return upload;
}

void push(const PushOptions& o) {
  ServiceConnection api(o.client);
  bool unreadable = false, compile_failed = false;
  Json report = Json::array();
  for (const std::string& file : o.files) {
    std::fflush(stdout);  // each file's lines before the next one's messages on stderr
    std::string error;
    const std::optional<Upload> upload = gather_upload(file, error);
    if (!upload) {
      fmt::print(stderr, "wf: cannot read {}: {}\n", file, error);
      unreadable = true;
      continue;
    }
    Json body = {{"source", upload->source}, {"file", upload->name}};
    if (!upload->imports.empty()) body["files"] = upload->imports;
    const client::HttpResult result = api.send("POST", "/definitions", &body);

    if (result.status == 422) {
      compile_failed = true;
      const Json answer = ServiceConnection::parse_answer(result);
      const Json* error_object = field(answer, "error");
      const Json* diagnostics = error_object != nullptr ? field(*error_object, "diagnostics") : nullptr;
      if (o.client.json()) {
        report.push_back({{"file", file}, {"diagnostics", diagnostics != nullptr ? *diagnostics : Json::array()}});
      }
      if (diagnostics == nullptr || !diagnostics->is_array() || diagnostics->empty()) {
        fmt::print(stderr, "wf: {}: {}\n", file, result.describe());
        continue;
      }
      if (!o.client.json()) {
        for (const Json& d : *diagnostics) {
          // The service names files as they were sent; show them as the user knows them.
          const std::string reported = text_field(d, "file");
          const auto local = upload->local_paths.find(reported.empty() ? upload->name : reported);
          fmt::print(stderr, "{}\n", render_diagnostic(d, local != upload->local_paths.end() ? local->second : reported));
        }
      }
      continue;
    }
    // No answer at all: the next file would fare no better.
    if (!result.error.empty()) api.fail_request(result);
    if (!result.ok()) {
      fmt::print(stderr, "wf: {}: {}\n", file, result.describe());
      unreadable = true;
      continue;
    }

    const Json answer = ServiceConnection::parse_answer(result);
    const Json* definitions = field(answer, "definitions");
    if (definitions == nullptr || !definitions->is_array())
      fail(kExitUsage, fmt::format("{}: the service's answer lists no definitions", file));
    if (o.client.json()) {
      report.push_back({{"file", file}, {"definitions", *definitions}});
      continue;
    }
    if (definitions->empty()) fmt::print(stderr, "wf: {} declares no workflow\n", file);
    for (const Json& d : *definitions) {
      const auto version = int_field(d, "version");
      const auto unchanged = d.find("unchanged");
      const bool same = unchanged != d.end() && unchanged->is_boolean() && unchanged->get<bool>();
      fmt::print("{} version {}{}\n", one_line(text_field(d, "name")), version ? std::to_string(*version) : "?",
                 same ? " (unchanged)" : "");
    }
  }
  if (o.client.json()) print_json(report);
  std::fflush(stdout);
  if (unreadable) throw CLI::RuntimeError(kExitUsage);
  if (compile_failed) throw CLI::RuntimeError(kExitFailed);
}

void publish(const PublishOptions& o) {
  ServiceConnection api(o.client);
  Json body = Json::object();
  if (o.version > 0) body["version"] = o.version;
  const Json answer = api.post("/definitions/" + client::url_encode(o.name) + "/publish", body);
  if (o.client.json()) return print_json(answer);
  std::string name = text_field(answer, "name");
  if (name.empty()) name = o.name;
  std::optional<int64_t> version = int_field(answer, "published_version");
  if (!version && o.version > 0) version = o.version;
  if (version) fmt::print("{} version {} published\n", one_line(name), *version);
  else fmt::print("{} published\n", one_line(name));
  if (!version) return;
  // The instances of older versions that wait: how many could move to this one (SPEC §4.11).
  const Json dry = api.post("/definitions/" + client::url_encode(o.name) + "/upgrade-instances",
                            Json{{"to_version", *version}, {"dry_run", true}});
  const int64_t could = int_field(dry, "can_upgrade").value_or(0), refused = int_field(dry, "refused").value_or(0);
  if (could + refused == 0) return;
  fmt::print("{} of {} live {} of older versions could move to version {}: wf upgrade --workflow {} --to {} --dry-run\n",
             could, could + refused, could + refused == 1 ? "instance" : "instances", *version, one_line(name), *version);
}

}  // namespace

void register_definition_commands(CLI::App& app) {
  auto push_options = std::make_shared<PushOptions>();
  CLI::App* push_command = app.add_subcommand("push", "Upload .wf files to the service, which compiles them into definitions");
  push_command->add_option("files", push_options->files, "The .wf files to upload")->required();
  add_client_options(push_command, push_options->client);
  push_command->callback([push_options] { push(*push_options); });

  auto publish_options = std::make_shared<PublishOptions>();
  CLI::App* publish_command = app.add_subcommand("publish", "Publish a version of a definition: the one that runs");
  publish_command->add_option("name", publish_options->name, "The workflow's name")->required();
  publish_command->add_option("--version", publish_options->version, "The version to publish (default: the latest)")
      ->check(CLI::PositiveNumber);
  add_client_options(publish_command, publish_options->client);
  publish_command->callback([publish_options] { publish(*publish_options); });
}

}  // namespace wf::cli
