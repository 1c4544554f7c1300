// The service's process (see service.h): bootstrap, the store, the engine, the HTTP server with
// the router (router.h), and the loop's lifecycle.
#include "runtime/service/service.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <vector>

#include "effects/clock.h"
#include "runtime/http/server.h"
#include "runtime/notify/delivery.h"
#include "runtime/service/auth.h"
#include "runtime/service/http_metrics.h"
#include "runtime/service/notification_metrics.h"
#include "runtime/service/run_metrics.h"
#include "runtime/service/store_metrics.h"
#include "runtime/service/route_table.h"
#include "runtime/service/router.h"
#include "runtime/service/routes.h"
#include "runtime/service/rotation.h"
#include "runtime/service/scheduler.h"
#include "runtime/service/sessions.h"
#include "runtime/service/vault.h"
#include "runtime/store/agents.h"
#include "runtime/store/identities.h"
#include "runtime/store/schema.h"
#include "runtime/log/log.h"

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

std::string system_error_text(int err) { return std::system_category().message(err); }

// The exclusive lock on the data directory: `flock` on DATA/lock, held by the open descriptor
// until the process ends (the kernel releases it however the process ends, even by SIGKILL, so
// no stale lock is left behind). The file holds the pid of the service that holds it, so the
// one refused can say whom it met. Two services on one store would each believe their memory
// (live instances, job queues, timers) is the truth and overwrite each other's transitions.
class DataLock {
 public:
  DataLock() = default;
  DataLock(const DataLock&) = delete;
  DataLock& operator=(const DataLock&) = delete;
  ~DataLock() {
    if (fd_ >= 0) ::close(fd_);
  }

  // false with `error` when the directory is locked by another process or the lock cannot be made.
  bool acquire(const std::filesystem::path& data, std::string& error) {
    const std::filesystem::path path = data / "lock";
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) return error = "cannot open " + path.string() + ": " + system_error_text(errno), false;
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      if (err != EWOULDBLOCK) return error = "cannot lock " + path.string() + ": " + system_error_text(err), false;
      // The holder writes its pid right after locking; a moment's wait covers that moment.
      std::string holder;
      for (int i = 0; i < 10 && holder.empty(); ++i) {
        holder = read_pid();
        if (holder.empty()) ::usleep(20 * 1000);
      }
      error = data.string() + ": data directory in use by pid " + (holder.empty() ? "unknown" : holder) +
              " (one service per data directory)";
      return false;
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size()))
      return error = "cannot write " + path.string() + ": " + system_error_text(errno), false;
    return true;
  }

 private:
  std::string read_pid() const {
    char buf[32] = {};
    const ssize_t n = ::pread(fd_, buf, sizeof buf - 1, 0);
    std::string text(buf, n > 0 ? static_cast<size_t>(n) : 0);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
  }

  int fd_ = -1;
};

// The files of an earlier store's first start. Their presence means this data directory has had
// a database: bootstrapping again would orphan them (agents enrolled with the old secret, the
// vault's sealed secrets) and hide that the database is gone.
std::vector<std::string> keys_present(const std::filesystem::path& data) {
  std::vector<std::string> found;
  std::error_code ec;
  for (const char* name : {"admin.token", "enroll.secret", "vault.key"})
    if (std::filesystem::exists(data / name, ec)) found.push_back(name);
  return found;
}

std::string missing_database(const std::string& db_path, const std::filesystem::path& data,
                             const std::vector<std::string>& keys, const std::string& what) {
  std::string names;
  for (const std::string& k : keys) names += (names.empty() ? "" : ", ") + k;
  return fmt::format(
      "the database {} {}, but {} holds the keys of an earlier one ({}); refusing to make new ones. "
      "Restore the database, or to start fresh move {} away (keep it: vault.key opens the stored secrets)",
      db_path, what, data.string(), names, data.string());
}

// The database is the service's own: readable by its user only, whatever made it (an earlier
// version of wf created it under the caller's umask).
void restrict_database_files(const std::string& db_path) {
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const std::string file = db_path + suffix;
    struct stat st {};
    if (::stat(file.c_str(), &st) == 0 && (st.st_mode & 0077) != 0) ::chmod(file.c_str(), 0600);
  }
}

// Whether `path` lies inside the directory `dir` (both may not exist yet).
bool inside(const std::filesystem::path& path, const std::filesystem::path& dir) {
  std::error_code ec;
  const std::filesystem::path p = std::filesystem::weakly_canonical(std::filesystem::absolute(path, ec), ec);
  const std::filesystem::path d = std::filesystem::weakly_canonical(std::filesystem::absolute(dir, ec), ec);
  auto [end, _] = std::mismatch(d.begin(), d.end(), p.begin(), p.end());
  return end == d.end();
}

// The organization the first start makes (the `1` of bootstrap's statements).
constexpr int64_t kFirstOrg = 1;

// First start: organization `default`, its enrollment secret, a user `admin` holding the role
// `admin` and that user's token, written to
// DATA/enroll.secret and DATA/admin.token. Later starts read the secret back. Only a data
// directory without the keys of an earlier start is bootstrapped (see keys_present).
bool bootstrap(store::Writer& writer, const std::filesystem::path& data, const std::string& db_path,
               std::string& enrollment, std::string& error) {
  bool exists = false;
  std::string secret;
  const std::vector<std::string> keys = keys_present(data);
  if (!writer.run_now([&](store::Database& db, std::string& err) {
        auto orgs = store::orgs::all(db);
        if (!orgs.ok()) return err = orgs.error(), false;
        for (const store::OrgRow& o : *orgs)
          if (o.id == kFirstOrg) exists = true, secret = o.enrollment_secret;
        if (exists) return true;
        if (!keys.empty()) return err = missing_database(db_path, data, keys, "holds no organization"), false;
        secret = new_token("wfe_");
        const int64_t now = effects::wall_clock_ms();
        if (!store::orgs::create(db, {kFirstOrg, "default", secret}, now, err)) return false;
        const std::string token_secret = new_secret();
        int64_t token_id = 0;
        if (!add_first_administrator(db, kFirstOrg, "admin", "admin.token", token_secret, now, token_id, err)) return false;
        return write_secret(data / "admin.token", user_token(token_id, token_secret), err);
      }, error))
    return false;
  enrollment = secret;
  if (!std::filesystem::exists(data / "enroll.secret") || read_secret(data / "enroll.secret") != secret)
    if (!write_secret(data / "enroll.secret", secret, error)) return false;
  return true;
}

struct Service {
  uv_loop_t loop{};
  // Before the engine, which holds run_metrics among its outboxes: they outlive it.
  HttpMetrics http_metrics;
  RunMetrics run_metrics;
  NotificationMetrics notification_metrics;
  StoreMetrics store_metrics;  // before the writer, which feeds it from its thread
  TokenUses token_uses;
  PrincipalCache principals;
  std::unique_ptr<Sessions> sessions;
  std::unique_ptr<store::Writer> writer;
  std::unique_ptr<store::Database> reader;
  std::unique_ptr<store::Reader> reads;
  std::unique_ptr<ProgramCache> programs;
  // Before the engine, among whose outboxes it is: it outlives the engine's last commit.
  std::unique_ptr<notify::Delivery> delivery;
  std::unique_ptr<Scheduler> scheduler;  // an outbox too
  std::unique_ptr<Rotations> rotations;  // an outbox too
  std::unique_ptr<engine::Engine> engine;
  std::unique_ptr<http::Server> server;
  Context context;
  uv_signal_t sigint{}, sigterm{};
  uv_timer_t token_uses_timer{};  // writes the tokens' last uses once a minute
  bool stopping = false;
  int exit_code = 0;

  void stop();
  void write_token_uses();
  static void on_signal(uv_signal_t* handle, int signum);
  static void on_token_uses_timer(uv_timer_t* handle);
};

// Tokens' last uses are written together, in one unit a minute, so that no request costs a write.
constexpr uint64_t kTokenUsesIntervalMs = 60'000;

void Service::write_token_uses() {
  auto uses = token_uses.take();
  if (uses.empty()) return;
  writer->submit(
      [uses = std::move(uses)](store::Database& db, std::string& error) {
        for (const auto& [id, at] : uses)
          if (!store::tokens::used(db, id, at, error)) return false;
        return true;
      },
      [](bool ok, const std::string& error) {
        // A lost last-use time is no loss of history; say so and go on.
        if (!ok) log::error(fmt::format("the tokens' last uses were not stored: {}", error));
      });
}

void Service::on_token_uses_timer(uv_timer_t* handle) { static_cast<Service*>(handle->data)->write_token_uses(); }

void Service::on_signal(uv_signal_t* handle, int) {
  try {
    static_cast<Service*>(handle->data)->stop();
  } catch (const std::exception& e) {
    // Nothing may unwind into libuv.
    log::error(fmt::format("stopping failed: {}", e.what()));
  }
}

void Service::stop() {
  if (stopping) return;
  stopping = true;
  log::info("stopping");
  // The handles are members of the Service, which outlives the loop: nothing to free on close. A
  // handle whose init failed has no loop and is not closed.
  for (uv_signal_t* h : {&sigint, &sigterm})
    if (h->loop) uv_close(reinterpret_cast<uv_handle_t*>(h), nullptr);
  if (token_uses_timer.loop) uv_close(reinterpret_cast<uv_handle_t*>(&token_uses_timer), nullptr);
  server->close([this] {
    write_token_uses();
    delivery->close();
    scheduler->close();
    engine->close();
    writer->stop();
  });
}

}  // namespace

int serve(const ServeOptions& o) {
  // Everything the service creates — the database and its -wal and -shm, the secrets, the lock —
  // is its user's alone (SPEC §4.7). SQLite creates its files under the process's umask.
  ::umask(077);
  std::string error;
  std::filesystem::path data = o.data_dir;
  std::string db_path = (data / "wf.db").string();
  if (!o.store.empty()) {
    if (o.store.rfind("sqlite:", 0) == 0) db_path = o.store.substr(7);
    else {
      log::error(fmt::format("--store {}: only sqlite:PATH is supported by this build", o.store));
      return 2;
    }
  }
  std::error_code ec;
  std::filesystem::create_directories(data, ec);
  if (ec) {
    log::error(fmt::format("cannot create {}: {}", data.string(), ec.message()));
    return 2;
  }
  ::chmod(data.c_str(), 0700);
  DataLock lock;
  if (!lock.acquire(data, error)) {
    log::error(error);
    return 2;
  }
  if (!inside(db_path, data))
    log::warn(fmt::format("warning: the store {} is outside the data directory {}: the directory's lock and mode 0700 "
                          "do not cover it, and a second service could open it through another data directory",
                          db_path, data.string()));
  if (const std::vector<std::string> keys = keys_present(data); !keys.empty() && !std::filesystem::exists(db_path, ec)) {
    log::error(missing_database(db_path, data, keys, "is missing"));
    return 2;
  }
  restrict_database_files(db_path);
  Service s;
  if (int rc = uv_loop_init(&s.loop); rc != 0) {
    log::error(fmt::format("cannot start the event loop: {}", uv_strerror(rc)));
    return 2;
  }
  store::OpenOptions open;
  open.sync = o.synchronous_full ? store::Sync::Full : store::Sync::Normal;
  auto db = store::Database::open(db_path, open, error);
  if (!db) {
    log::error(fmt::format("cannot open the store {}: {}", db_path, error));
    return 2;
  }
  if (!store::migrate(*db, store::service_migrations(), error)) {
    log::error(fmt::format("{}: {}", db_path, error));
    return 2;
  }
  store::Writer::Options writing;
  writing.on_file_lost = [](const std::string& why) {
    log::error(fmt::format("ERROR: {}", why));
  };
  // Under --metrics off no recorder is wired anywhere: the writer times no commit, the router no
  // request, and no outbox counts the runs or the notifications.
  if (o.metrics) writing.on_commit = [&s](double seconds, size_t units) { s.store_metrics.committed(seconds, units); };
  s.writer = std::make_unique<store::Writer>(std::move(db), &s.loop, std::move(writing));
  s.reader = store::Database::open(db_path, open, error);
  if (!s.reader) {
    log::error(fmt::format("cannot open the store {}: {}", db_path, error));
    return 2;
  }
  std::string enrollment_secret;  // written to DATA/enroll.secret; agents present it to register
  if (!bootstrap(*s.writer, data, db_path, enrollment_secret, error)) {
    log::error(error);
    return 2;
  }
  std::optional<Vault> vault = Vault::open((data / "vault.key").string(), error);
  if (!vault) {
    log::error(fmt::format("the vault: {}", error));
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
  s.context.metrics_on = o.metrics;
  if (o.metrics) {
    s.context.http_metrics = &s.http_metrics;
    s.context.run_metrics = &s.run_metrics;
    s.context.store_metrics = &s.store_metrics;
    s.context.notification_metrics = &s.notification_metrics;
  }
  s.context.token_uses = &s.token_uses;
  s.context.principals = &s.principals;
  s.sessions = std::make_unique<Sessions>(o.session_lifetime_ms);
  s.context.sessions = s.sessions.get();
  s.context.metrics_public = o.metrics_public;
  s.engine->set_stale_queued_after(o.stale_queued_ms);
  s.scheduler = std::make_unique<Scheduler>(s.context);
  s.context.scheduler = s.scheduler.get();
  s.engine->add_outbox(*s.scheduler);
  s.rotations = std::make_unique<Rotations>(s.context);
  s.context.rotations = s.rotations.get();
  s.engine->add_outbox(*s.rotations);
  if (o.metrics) {
    s.engine->add_outbox(s.run_metrics);
    s.engine->add_outbox(s.notification_metrics);
  }
  s.delivery = std::make_unique<notify::Delivery>(&s.loop, *s.engine, *s.reader, notify::Delivery::Options{});
  s.engine->add_outbox(*s.delivery);
  s.context.notifications_pending = [&s] { return s.delivery->pending(); };
  s.context.notification_settings_changed = [&s](int64_t org) { s.delivery->settings_changed(org); };
  s.engine->set_identity_lookup([&s](int64_t org, const std::string& name) { return find_identity(s.context, org, name); });
  // The instances are recovered a chunk per loop turn once the loop runs, the port already
  // listening: /ready answers 503 until they all are (docs/operations.md, "Restart").
  const auto recovery_began = std::chrono::steady_clock::now();
  if (!s.engine->recover(error, [&s, recovery_began](bool ok, const std::string& why) {
        if (!ok) {
          log::error(fmt::format("cannot recover: {}", why));
          s.exit_code = 2;
          return s.stop();
        }
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - recovery_began);
        log::info(fmt::format("ready: {} live instances recovered in {} ms", s.engine->live_instances(), ms.count()));
        // Ticks start once the instances are back: the overlap policy asks whether the previous
        // tick's run is still going.
        std::string why_not;
        if (!s.scheduler->start(why_not)) {
          log::error(fmt::format("cannot load the schedules: {}", why_not));
          s.exit_code = 2;
          return s.stop();
        }
      })) {
    log::error(fmt::format("cannot recover: {}", error));
    return 2;
  }
  // The notifications not yet delivered when the service last stopped (or was killed) are sent
  // again, with their ids.
  if (!s.delivery->start(error)) {
    log::error(error);
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
    log::error(fmt::format("cannot listen on {}:{}: {}", o.host, o.port, error));
    s.server->close();
    s.delivery->close();
    s.scheduler->close();
    s.engine->close();
    s.writer->stop();
    uv_run(&s.loop, UV_RUN_DEFAULT);
    return 2;
  }
  for (auto [handle, signum] : {std::pair{&s.sigint, SIGINT}, std::pair{&s.sigterm, SIGTERM}}) {
    handle->data = &s;
    int rc = uv_signal_init(&s.loop, handle);
    if (rc == 0) rc = uv_signal_start(handle, Service::on_signal, signum);
    if (rc != 0) log::error(fmt::format("cannot catch signal {}: {} (stop it with SIGKILL)", signum, uv_strerror(rc)));
  }
  s.token_uses_timer.data = &s;
  if (int rc = uv_timer_init(&s.loop, &s.token_uses_timer); rc != 0 ||
      (rc = uv_timer_start(&s.token_uses_timer, Service::on_token_uses_timer, kTokenUsesIntervalMs, kTokenUsesIntervalMs)) != 0)
    log::warn(fmt::format("tokens' last uses will be written only at stop: {}", uv_strerror(rc)));
  log::info(fmt::format("listening on http://{}:{} (data in {}; recovering the live instances)", o.host,
             s.server->port(), data.string()));
  uv_run(&s.loop, UV_RUN_DEFAULT);
  s.server.reset();
  s.engine.reset();
  s.scheduler.reset();
  s.delivery.reset();
  s.writer.reset();
  uv_loop_close(&s.loop);
  return s.exit_code;
}

}  // namespace wf::service
