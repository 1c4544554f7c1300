// The service's process (see service.h): bootstrap, the store, the engine, the HTTP server with
// the router (router.h), and the loop's lifecycle.
#include "runtime/service/service.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <uv.h>

#include <filesystem>
#include <fstream>

#include "effects/clock.h"
#include "runtime/http/server.h"
#include "runtime/service/auth.h"
#include "runtime/service/route_table.h"
#include "runtime/service/router.h"
#include "runtime/service/routes.h"
#include "runtime/service/vault.h"
#include "runtime/store/agents.h"
#include "runtime/store/schema.h"

namespace wf::service {

namespace {

// Writes a secret file readable by its owner only (SPEC §4.7: mode 0600).
bool write_secret(const std::filesystem::path& path, const std::string& text, std::string& error) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return error = "cannot write " + tmp.string(), false;
    out << text << "\n";
  }
  ::chmod(tmp.c_str(), 0600);
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return error = "cannot write " + path.string() + ": " + ec.message(), false;
  return true;
}

std::string read_secret(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string s;
  std::getline(in, s);
  return s;
}

// The organization the first start makes (the `1` of bootstrap's statements).
constexpr int64_t kFirstOrg = 1;

// First start: organization `default`, its enrollment secret and an admin token, written to
// DATA/enroll.secret and DATA/admin.token. Later starts read the secret back.
bool bootstrap(store::Writer& writer, const std::filesystem::path& data, std::string& enrollment, std::string& error) {
  bool exists = false;
  std::string secret;
  if (!writer.run_now([&](store::Database& db, std::string& err) {
        auto orgs = store::orgs::all(db);
        if (!orgs.ok()) return err = orgs.error(), false;
        for (const store::OrgRow& o : *orgs)
          if (o.id == kFirstOrg) exists = true, secret = o.enrollment_secret;
        if (exists) return true;
        secret = new_token("wfe_");
        const std::string admin = new_token("wf_");
        const int64_t now = effects::wall_clock_ms();
        if (!store::orgs::create(db, {kFirstOrg, "default", secret}, now, err)) return false;
        if (!store::tokens::add(db, kFirstOrg, "admin", token_hash(admin), std::nullopt, now, err)) return false;
        return write_secret(data / "admin.token", admin, err);
      }, error))
    return false;
  enrollment = secret;
  if (!std::filesystem::exists(data / "enroll.secret") || read_secret(data / "enroll.secret") != secret)
    if (!write_secret(data / "enroll.secret", secret, error)) return false;
  return true;
}

struct Service {
  uv_loop_t loop{};
  std::unique_ptr<store::Writer> writer;
  std::unique_ptr<store::Database> reader;
  std::unique_ptr<store::Reader> reads;
  std::unique_ptr<ProgramCache> programs;
  std::unique_ptr<engine::Engine> engine;
  std::unique_ptr<http::Server> server;
  Context context;
  uv_signal_t sigint{}, sigterm{};
  bool stopping = false;

  void stop();
  static void on_signal(uv_signal_t* handle, int signum);
};

void Service::on_signal(uv_signal_t* handle, int) {
  try {
    static_cast<Service*>(handle->data)->stop();
  } catch (const std::exception& e) {
    // Nothing may unwind into libuv.
    fmt::print(stderr, "wf serve: stopping failed: {}\n", e.what());
  }
}

void Service::stop() {
  if (stopping) return;
  stopping = true;
  fmt::print(stderr, "wf serve: stopping\n");
  // The handles are members of the Service, which outlives the loop: nothing to free on close. A
  // handle whose init failed has no loop and is not closed.
  for (uv_signal_t* h : {&sigint, &sigterm})
    if (h->loop) uv_close(reinterpret_cast<uv_handle_t*>(h), nullptr);
  server->close([this] {
    engine->close();
    writer->stop();
  });
}

}  // namespace

int serve(const ServeOptions& o) {
  std::string error;
  std::filesystem::path data = o.data_dir;
  std::string db_path = (data / "wf.db").string();
  if (!o.store.empty()) {
    if (o.store.rfind("sqlite:", 0) == 0) db_path = o.store.substr(7);
    else {
      fmt::print(stderr, "wf serve: --store {}: only sqlite:PATH is supported by this build\n", o.store);
      return 2;
    }
  }
  std::error_code ec;
  std::filesystem::create_directories(data, ec);
  if (ec) {
    fmt::print(stderr, "wf serve: cannot create {}: {}\n", data.string(), ec.message());
    return 2;
  }
  ::chmod(data.c_str(), 0700);
  Service s;
  if (int rc = uv_loop_init(&s.loop); rc != 0) {
    fmt::print(stderr, "wf serve: cannot start the event loop: {}\n", uv_strerror(rc));
    return 2;
  }
  store::OpenOptions open;
  open.sync = o.synchronous_full ? store::Sync::Full : store::Sync::Normal;
  auto db = store::Database::open(db_path, open, error);
  if (!db) {
    fmt::print(stderr, "wf serve: cannot open the store {}: {}\n", db_path, error);
    return 2;
  }
  if (!store::migrate(*db, store::service_migrations(), error)) {
    fmt::print(stderr, "wf serve: {}: {}\n", db_path, error);
    return 2;
  }
  s.writer = std::make_unique<store::Writer>(std::move(db), &s.loop, store::Writer::Options{});
  s.reader = store::Database::open(db_path, open, error);
  if (!s.reader) {
    fmt::print(stderr, "wf serve: cannot open the store {}: {}\n", db_path, error);
    return 2;
  }
  if (!bootstrap(*s.writer, data, s.context.enrollment_secret, error)) {
    fmt::print(stderr, "wf serve: {}\n", error);
    return 2;
  }
  std::optional<Vault> vault = Vault::open((data / "vault.key").string(), error);
  if (!vault) {
    fmt::print(stderr, "wf serve: the vault: {}\n", error);
    return 2;
  }
  s.programs = std::make_unique<ProgramCache>(*s.reader);
  s.reads = std::make_unique<store::Reader>(*s.reader);
  s.engine = std::make_unique<engine::Engine>(&s.loop, *s.writer, *s.reader,
                                              [&s](int64_t d, int64_t v) { return s.programs->get(d, v); });
  s.context.loop = &s.loop;
  s.context.engine = s.engine.get();
  s.context.reads = s.reads.get();
  s.context.writer = s.writer.get();
  s.context.programs = s.programs.get();
  s.context.vault = &*vault;
  s.context.org_id = kFirstOrg;
  s.engine->set_identity_lookup([&s](int64_t org, const std::string& name) { return find_identity(s.context, org, name); });
  if (!s.engine->recover(error)) {
    fmt::print(stderr, "wf serve: cannot recover: {}\n", error);
    return 2;
  }
  http::Limits limits;
  limits.max_body_bytes = largest_body_limit();
  // Against connections that hold a place without ever finishing a request (docs/operations.md,
  // "Hostile connections"): a request's headers within 10 s and its body within 60 s (a 1 MiB
  // upload at about 17 KiB/s), at most 256 connections per client address, and beyond 10,000
  // connections the one waiting longest for its headers gives way. Agents' long-polls and SSE
  // streams are answers, not requests: no deadline cuts them.
  limits.header_timeout_ms = 10000;
  limits.body_timeout_ms = 60000;
  limits.idle_timeout_ms = 60000;
  limits.max_connections = 10000;
  limits.max_connections_per_address = 256;
  s.server = std::make_unique<http::Server>(
      &s.loop, [&s](http::Request& r, std::shared_ptr<http::Exchange> x) { route(s.context, r, std::move(x)); }, limits);
  if (!s.server->listen(o.host, o.port, error)) {
    fmt::print(stderr, "wf serve: cannot listen on {}:{}: {}\n", o.host, o.port, error);
    s.server->close();
    s.engine->close();
    s.writer->stop();
    uv_run(&s.loop, UV_RUN_DEFAULT);
    return 2;
  }
  for (auto [handle, signum] : {std::pair{&s.sigint, SIGINT}, std::pair{&s.sigterm, SIGTERM}}) {
    handle->data = &s;
    int rc = uv_signal_init(&s.loop, handle);
    if (rc == 0) rc = uv_signal_start(handle, Service::on_signal, signum);
    if (rc != 0) fmt::print(stderr, "wf serve: cannot catch signal {}: {} (stop it with SIGKILL)\n", signum, uv_strerror(rc));
  }
  fmt::print(stderr, "wf serve: listening on http://{}:{} (data in {}, {} live instances)\n", o.host, s.server->port(),
             data.string(), s.engine->live_instances());
  uv_run(&s.loop, UV_RUN_DEFAULT);
  s.server.reset();
  s.engine.reset();
  s.writer.reset();
  uv_loop_close(&s.loop);
  return 0;
}

}  // namespace wf::service
