// The service's process (see service.h): bootstrap, the store, the engine, the HTTP router and
// authentication, and the loop's lifecycle.
#include "runtime/service/service.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <uv.h>

#include <filesystem>
#include <fstream>

#include "effects/clock.h"
#include "runtime/http/server.h"
#include "runtime/service/auth.h"
#include "runtime/service/routes.h"
#include "runtime/service/vault.h"
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

// First start: organization `default`, its enrollment secret and an admin token, written to
// DATA/enroll.secret and DATA/admin.token. Later starts read the secret back.
bool bootstrap(store::Writer& writer, const std::filesystem::path& data, std::string& enrollment, std::string& error) {
  bool exists = false;
  std::string secret;
  if (!writer.run_now([&](store::Database& db, std::string& err) {
        auto& q = db.prepare("SELECT enrollment_secret FROM orgs WHERE id = 1");
        exists = q.step();
        if (exists) secret = q.column_text(0);
        q.reset();
        if (exists) return true;
        secret = new_token("wfe_");
        const std::string admin = new_token("wf_");
        const int64_t now = effects::wall_clock_ms();
        auto& o = db.prepare("INSERT INTO orgs (id, name, enrollment_secret, created_at) VALUES (1, 'default', ?1, ?2)");
        o.bind(1, std::string_view(secret)).bind(2, now);
        if (!o.run()) return err = o.error(), false;
        auto& t = db.prepare("INSERT INTO tokens (org_id, kind, hash, created_at) VALUES (1, 'admin', ?1, ?2)");
        t.bind(1, std::string_view(token_hash(admin))).bind(2, now);
        if (!t.run()) return err = t.error(), false;
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
  std::unique_ptr<ProgramCache> programs;
  std::unique_ptr<engine::Engine> engine;
  std::unique_ptr<http::Server> server;
  Context context;
  uv_signal_t sigint{}, sigterm{};
  bool stopping = false;

  void route(http::Request& r, ExchangePtr x);
  void stop();
};

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < path.size()) {
    const size_t j = path.find('/', i);
    const size_t end = j == std::string_view::npos ? path.size() : j;
    if (end > i) out.push_back(path.substr(i, end - i));
    i = end + 1;
  }
  return out;
}

void Service::route(http::Request& r, ExchangePtr x) {
  std::vector<std::string_view> s = split_path(r.path);
  if (s.size() < 2 || s[0] != "api" || s[1] != "v1") return reply_error(*x, 404, "not_found", "no such endpoint (the API is under /api/v1)");
  s.erase(s.begin(), s.begin() + 2);
  if (s.empty()) return reply_error(*x, 404, "not_found", "no such endpoint");
  if ((s[0] == "health" || s[0] == "openapi.json") && s.size() == 1) {
    if (r.method != "GET" && r.method != "HEAD") return method_not_allowed(*x);
    if (s[0] == "health") return reply_json(*x, 200, {{"ok", true}});
    return x->respond(http::Response::json(200, openapi_document()));
  }
  if (s[0] == "agents" && s.size() == 2 && s[1] == "register" && r.method == "POST") return register_agent(context, r, x);
  // Everything else needs a token.
  std::string_view auth = r.header("authorization");
  std::optional<Principal> who;
  if (auth.size() > 7 && auth.substr(0, 7) == "Bearer ") who = authenticate(*reader, auth.substr(7));
  if (!who) return reply_error(*x, 401, "unauthorized", auth.empty() ? "an `Authorization: Bearer <token>` header is needed" : "unknown token");
  const std::string_view resource = s[0];
  const Segments rest(s.begin() + 1, s.end());
  if (resource == "agents") return agents_api(context, *who, r, x, rest);
  if (who->kind != Principal::Kind::Admin) return reply_error(*x, 403, "forbidden", "agent tokens reach only the agent endpoints");
  if (resource == "definitions") return definitions_api(context, *who, r, x, rest);
  if (resource == "instances") return instances_api(context, *who, r, x, rest);
  if (resource == "approvals") return approvals_api(context, *who, r, x, rest);
  if (resource == "jobs") return jobs_api(context, *who, r, x, rest);
  if (resource == "hosts") return hosts_api(context, *who, r, x, rest);
  if (resource == "groups") return groups_api(context, *who, r, x, rest);
  if (resource == "vault") return vault_api(context, *who, r, x, rest);
  if (resource == "events" && rest.empty()) {
    if (r.method != "GET") return method_not_allowed(*x);
    return events_api(context, *who, r, x, std::nullopt);
  }
  reply_error(*x, 404, "not_found", "no such endpoint");
}

void Service::stop() {
  if (stopping) return;
  stopping = true;
  fmt::print(stderr, "wf serve: stopping\n");
  uv_signal_stop(&sigint);
  uv_signal_stop(&sigterm);
  uv_close(reinterpret_cast<uv_handle_t*>(&sigint), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&sigterm), nullptr);
  server->close([this] {
    engine->close();
    writer->stop();
  });
}

}  // namespace

void method_not_allowed(http::Exchange& x) { reply_error(x, 405, "method_not_allowed", "this endpoint does not take that method"); }

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
  uv_loop_init(&s.loop);
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
  s.engine = std::make_unique<engine::Engine>(&s.loop, *s.writer, *s.reader,
                                              [&s](int64_t d, int64_t v) { return s.programs->get(d, v); });
  s.context.loop = &s.loop;
  s.context.engine = s.engine.get();
  s.context.reader = s.reader.get();
  s.context.writer = s.writer.get();
  s.context.programs = s.programs.get();
  s.context.vault = &*vault;
  s.engine->set_identity_lookup([&s](int64_t org, const std::string& name) { return find_identity(s.context, org, name); });
  if (!s.engine->recover(error)) {
    fmt::print(stderr, "wf serve: cannot recover: {}\n", error);
    return 2;
  }
  s.server = std::make_unique<http::Server>(&s.loop, [&s](http::Request& r, std::shared_ptr<http::Exchange> x) {
    s.route(r, std::move(x));
  });
  if (!s.server->listen(o.host, o.port, error)) {
    fmt::print(stderr, "wf serve: cannot listen on {}:{}: {}\n", o.host, o.port, error);
    s.server->close();
    s.engine->close();
    s.writer->stop();
    uv_run(&s.loop, UV_RUN_DEFAULT);
    return 2;
  }
  uv_signal_init(&s.loop, &s.sigint);
  uv_signal_init(&s.loop, &s.sigterm);
  s.sigint.data = &s;
  s.sigterm.data = &s;
  auto on_signal = [](uv_signal_t* h, int) { static_cast<Service*>(h->data)->stop(); };
  uv_signal_start(&s.sigint, on_signal, SIGINT);
  uv_signal_start(&s.sigterm, on_signal, SIGTERM);
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
