// Agents and jobs (SPEC §4.2): registration with the enrollment secret, heartbeats, the
// long-poll that hands an agent its host's jobs, job start/output/completion reports; the admin's
// job list, ad-hoc jobs, hosts and groups.
#include <fmt/format.h>

#include "effects/clock.h"
#include "runtime/service/auth.h"
#include "runtime/service/routes.h"

namespace wf::service {

namespace {

constexpr int64_t kOnlineWithinMs = 30000;  // an agent that heartbeat this recently is online

bool valid_hostname(const std::string& h) {
  if (h.empty() || h.size() > 253) return false;
  for (char ch : h)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '.' || ch == '_')) return false;
  return true;
}

nlohmann::json job_json(const store::Statement& q, bool with_output) {
  nlohmann::json j = {{"id", q.column_int64(0)},
                      {"instance_id", q.column_is_null(1) ? nlohmann::json() : nlohmann::json(q.column_int64(1))},
                      {"host", q.column_text(2)},
                      {"attempt", q.column_int64(3)},
                      {"description", q.column_text(4)},
                      {"priority", q.column_int64(5)},
                      {"status", q.column_text(6)},
                      {"scheduled_at", format_time(q.column_int64(7))},
                      {"started_at", time_or_null(q, 8)},
                      {"ended_at", time_or_null(q, 9)},
                      {"exit_code", q.column_is_null(10) ? nlohmann::json() : nlohmann::json(q.column_int64(10))},
                      {"duration_ms", q.column_is_null(11) ? nlohmann::json() : nlohmann::json(q.column_int64(11))},
                      {"error", q.column_text(12)}};
  if (with_output) {
    j["stdout"] = q.column_text(13);
    j["stderr"] = q.column_text(14);
    j["stdout_truncated"] = q.column_int64(15) != 0;
    j["stderr_truncated"] = q.column_int64(16) != 0;
  }
  return j;
}

constexpr const char* kJobColumns =
    "id, instance_id, host, attempt, description, priority, status, scheduled_at, started_at, ended_at, exit_code, "
    "duration_ms, COALESCE(error, ''), COALESCE(stdout, ''), COALESCE(stderr, ''), stdout_truncated, stderr_truncated";

// The job `{id}` of an agent's report; nullopt, after answering 404, when no job has that id (the
// agent drops it). The engine judges the jobs there are.
std::optional<int64_t> reported_job(Context& c, http::Exchange& x, std::string_view key) {
  auto job = parse_id(key);
  if (job && count_rows(*c.reader, "SELECT COUNT(*) FROM jobs WHERE id = ?1", *job) == 0) job.reset();
  if (!job) reply_error(x, 404, "not_found", fmt::format("no job {}", key));
  return job;
}

// The job `{id}` names in the caller's organization, with its row and output in `job`; nullopt,
// after answering 404, when there is none.
std::optional<int64_t> job_of(Context& c, const Principal& who, http::Exchange& x, std::string_view key, nlohmann::json& job) {
  auto id = parse_id(key);
  if (!id) {
    reply_error(x, 404, "not_found", fmt::format("no job {}", key));
    return std::nullopt;
  }
  auto& q = c.reader->prepare(std::string("SELECT ") + kJobColumns + " FROM jobs WHERE id = ?1 AND org_id = ?2");
  q.bind(1, *id).bind(2, who.org_id);
  job = q.step() ? job_json(q, true) : nlohmann::json();
  q.reset();
  if (job.is_null()) {
    reply_error(x, 404, "not_found", fmt::format("no job {}", *id));
    return std::nullopt;
  }
  return id;
}

}  // namespace

void register_agent(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  if (r.method != "POST") return method_not_allowed(*x);
  auto body = body_object(r, *x);
  if (!body) return;
  Fields f(*body);
  auto secret = f.string("enrollment_secret", true);
  auto hostname = f.string("hostname", true);
  auto ip = f.string("ip");
  auto os = f.string("os");
  if (!f.ok(*x)) return;
  if (!same_secret(*secret, c.enrollment_secret)) return reply_error(*x, 401, "unauthorized", "wrong enrollment secret");
  if (!valid_hostname(*hostname))
    return reply_error(*x, 400, "bad_request", "`hostname` must be 1 to 253 letters, digits, '-', '.' or '_'");
  const std::string token = new_token("wfa_");
  auto agent_id = std::make_shared<int64_t>(0);
  const std::string host = *hostname, address = ip.value_or("127.0.0.1"), system = os.value_or("linux");
  c.writer->submit(
      [=](store::Database& db, std::string& error) {
        const int64_t now = effects::wall_clock_ms();
        auto& up = db.prepare(
            "INSERT INTO agents (org_id, hostname, ip, os, registered_at, last_heartbeat) VALUES (1, ?1, ?2, ?3, ?4, ?4) "
            "ON CONFLICT (org_id, hostname) DO UPDATE SET ip = excluded.ip, os = excluded.os, registered_at = excluded.registered_at, "
            "last_heartbeat = excluded.last_heartbeat");
        up.bind(1, std::string_view(host)).bind(2, std::string_view(address)).bind(3, std::string_view(system)).bind(4, now);
        if (!up.run()) return error = up.error(), false;
        auto& id = db.prepare("SELECT id FROM agents WHERE org_id = 1 AND hostname = ?1");
        id.bind(1, std::string_view(host));
        if (!id.step()) return error = "agent row missing", false;
        *agent_id = id.column_int64(0);
        id.reset();
        // A new registration replaces the host's earlier tokens.
        auto& del = db.prepare("DELETE FROM tokens WHERE kind = 'agent' AND agent_id = ?1");
        del.bind(1, *agent_id);
        if (!del.run()) return error = del.error(), false;
        auto& ins = db.prepare("INSERT INTO tokens (org_id, kind, hash, agent_id, created_at) VALUES (1, 'agent', ?1, ?2, ?3)");
        ins.bind(1, std::string_view(token_hash(token))).bind(2, *agent_id).bind(3, now);
        if (!ins.run()) return error = ins.error(), false;
        return true;
      },
      [x, agent_id, token](bool ok, const std::string& error) {
        if (!ok) return reply_error(*x, 500, "internal", error);
        reply_json(*x, 201, {{"agent_id", *agent_id}, {"token", token}});
      });
}

void list_agents(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  int64_t skip, limit;
  if (!paging(r, *x, skip, limit)) return;
  auto& q = c.reader->prepare(
      "SELECT id, hostname, ip, os, last_heartbeat, registered_at FROM agents WHERE org_id = ?1 ORDER BY hostname LIMIT ?2 OFFSET ?3");
  q.bind(1, who.org_id).bind(2, limit).bind(3, skip);
  nlohmann::json items = nlohmann::json::array();
  const int64_t now = effects::wall_clock_ms();
  while (q.step())
    items.push_back({{"id", q.column_int64(0)},
                     {"hostname", q.column_text(1)},
                     {"ip", q.column_text(2)},
                     {"os", q.column_text(3)},
                     {"online", !q.column_is_null(4) && now - q.column_int64(4) < kOnlineWithinMs},
                     {"last_heartbeat", time_or_null(q, 4)},
                     {"registered_at", format_time(q.column_int64(5))}});
  q.reset();
  const int64_t total = count_rows(*c.reader, "SELECT COUNT(*) FROM agents WHERE org_id = ?1", who.org_id);
  return reply_json(*x, 200, {{"items", items}, {"total", total}});
}

void agent_heartbeat(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto body = body_object(r, *x);
  if (!body) return;
  if (body->contains("running")) {
    const auto& running = (*body)["running"];
    bool ids = running.is_array();
    if (ids)
      for (const auto& e : running) ids = ids && e.is_number_integer();
    if (!ids) return reply_error(*x, 400, "bad_request", "`running` must be a list of job ids");
  }
  const int64_t agent = who.agent_id, now = effects::wall_clock_ms();
  return c.writer->submit(
      [agent, now](store::Database& db, std::string& error) {
        auto& q = db.prepare("UPDATE agents SET last_heartbeat = ?2 WHERE id = ?1");
        q.bind(1, agent).bind(2, now);
        if (!q.run()) return error = q.error(), false;
        return true;
      },
      reply_after_commit(x, 200, nullptr));
}

void agent_poll(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto body = body_object(r, *x);
  if (!body) return;
  Fields f(*body);
  auto max = f.integer("max_jobs");
  auto wait = f.integer("wait_ms");
  if (!f.ok(*x)) return;
  if (max && (*max < 1 || *max > 100)) return reply_error(*x, 400, "bad_request", "`max_jobs` must be from 1 to 100");
  if (wait && (*wait < 0 || *wait > 60000)) return reply_error(*x, 400, "bad_request", "`wait_ms` must be from 0 to 60000");
  const uint64_t handle = c.engine->poll(who.agent_host, who.agent_id, static_cast<size_t>(max.value_or(1)), wait.value_or(25000),
                                         [x](const nlohmann::json& jobs) { reply_json(*x, 200, {{"jobs", jobs}}); });
  engine::Engine* engine = c.engine;
  x->on_close([engine, handle] { engine->forget_poll(handle); });
}

void agent_job_start(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto body = body_object(r, *x);
  if (!body) return;
  auto job = reported_job(c, *x, p["id"]);
  if (!job) return;
  const engine::OpResult result = c.engine->job_started(*job, who.agent_id, reply_after_commit(x, 200, nullptr));
  reply_refusal(*x, result);
}

void agent_job_output(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto body = body_object(r, *x);
  if (!body) return;
  Fields f(*body);
  auto job = reported_job(c, *x, p["id"]);
  if (!job) return;
  auto stream = f.string("stream", true);
  auto data = f.string("data", true);
  if (!f.ok(*x)) return;
  if (*stream != "stdout" && *stream != "stderr") return reply_error(*x, 400, "bad_request", "`stream` must be stdout or stderr");
  const engine::OpResult result = c.engine->job_output(*job, who.agent_id, *stream, *data);
  if (result.outcome == engine::Outcome::Ok) return reply_json(*x, 200, {{"ok", true}});
  reply_refusal(*x, result);
}

void agent_job_complete(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto body = body_object(r, *x);
  if (!body) return;
  Fields f(*body);
  auto job = reported_job(c, *x, p["id"]);
  if (!job) return;
  engine::JobReportIn report;
  auto status = f.string("status", true);
  auto exit_code = f.integer("exit_code");
  auto out = f.string("stdout");
  auto err = f.string("stderr");
  auto out_t = f.boolean("stdout_truncated");
  auto err_t = f.boolean("stderr_truncated");
  auto duration = f.integer("duration_ms");
  auto error = f.string("error");
  if (!f.ok(*x)) return;
  static const std::set<std::string> kStatuses = {"completed", "failed", "timeout", "cancelled", "config", "internal"};
  if (!kStatuses.count(*status))
    return reply_error(*x, 400, "bad_request", "`status` must be completed, failed, timeout, cancelled, config or internal");
  report.status = *status;
  report.exit_code = exit_code.value_or(-1);
  report.stdout_text = out.value_or("");
  report.stderr_text = err.value_or("");
  report.stdout_truncated = out_t.value_or(false);
  report.stderr_truncated = err_t.value_or(false);
  report.duration_ms = duration.value_or(0);
  report.error = error.value_or("");
  const engine::OpResult result = c.engine->job_completed(*job, who.agent_id, report, reply_after_commit(x, 200, nullptr));
  reply_refusal(*x, result);
}

void agent_job_credential(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto job = parse_id(p["id"]);
  if (!job) return reply_error(*x, 404, "not_found", fmt::format("no job {}", p["id"]));
  return job_credential(c, who, x, *job);
}

void list_jobs(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  int64_t skip, limit;
  if (!paging(r, *x, skip, limit)) return;
  const auto status = status_filter(r, *x, {"queued", "dispatched", "running", "completed", "failed", "timeout", "cancelled"});
  if (!status) return;
  const std::string host = r.query_param("host").value_or("");
  std::optional<int64_t> instance;
  if (auto i = r.query_param("instance")) {
    instance = parse_id(*i);
    if (!instance) return reply_error(*x, 400, "bad_request", "`instance` must be an instance id");
  }
  auto& q = c.reader->prepare(std::string("SELECT ") + kJobColumns +
                              " FROM jobs WHERE org_id = ?1 AND (?2 = '' OR status = ?2) AND (?3 = '' OR host = ?3) "
                              "AND (?4 = 0 OR instance_id = ?4) ORDER BY id DESC LIMIT ?5 OFFSET ?6");
  q.bind(1, who.org_id).bind(2, std::string_view(*status)).bind(3, std::string_view(host)).bind(4, instance.value_or(0));
  q.bind(5, limit).bind(6, skip);
  nlohmann::json items = nlohmann::json::array();
  while (q.step()) items.push_back(job_json(q, false));
  q.reset();
  // `total` counts every matching job, not just this page.
  auto& t = c.reader->prepare(
      "SELECT COUNT(*) FROM jobs WHERE org_id = ?1 AND (?2 = '' OR status = ?2) AND (?3 = '' OR host = ?3) "
      "AND (?4 = 0 OR instance_id = ?4)");
  t.bind(1, who.org_id).bind(2, std::string_view(*status)).bind(3, std::string_view(host)).bind(4, instance.value_or(0));
  const int64_t total = t.step() ? t.column_int64(0) : 0;
  t.reset();
  return reply_json(*x, 200, {{"items", items}, {"total", total}});
}

void create_job(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto body = body_object(r, *x);
  if (!body) return;
  Fields f(*body);
  auto host = f.string("host", true);
  auto command = f.string("command");
  auto argv = f.strings("argv");
  auto script = f.string("script");
  auto interpreter = f.string("interpreter");
  auto timeout = f.integer("timeout_ms");
  auto priority = f.integer("priority");
  if (!f.ok(*x)) return;
  if ((command ? 1 : 0) + (argv ? 1 : 0) + (script ? 1 : 0) != 1)
    return reply_error(*x, 400, "bad_request", "give exactly one of `command`, `argv` and `script`");
  if (timeout && (*timeout < 1 || *timeout > 7 * 24 * 3600 * 1000LL))
    return reply_error(*x, 400, "bad_request", "`timeout_ms` must be from 1 ms to 7 days");
  const std::string lang = interpreter.value_or("bash");
  if (lang != "bash" && lang != "python" && lang != "powershell")
    return reply_error(*x, 400, "bad_request", "`interpreter` must be bash, python or powershell");
  nlohmann::json spec = {{"interpreter", lang}, {"env", nlohmann::json::object()}, {"timeout_ms", timeout.value_or(300000)},
                         {"kill_grace_ms", 2000}, {"output_cap", 1 << 20}, {"working_dir", ""}, {"elevated", false}};
  std::string description;
  if (command) spec["kind"] = "command", spec["shell_command"] = *command, description = *command;
  if (argv) spec["kind"] = "argv", spec["argv"] = *argv, description = nlohmann::json(*argv).dump();
  if (script) spec["kind"] = "script", spec["script_body"] = *script, description = "ad-hoc script";
  auto id = std::make_shared<int64_t>(0);
  *id = c.engine->create_job(*host, spec, description, priority.value_or(1), [&c, x, id](bool ok, const std::string& error) {
    if (!ok) return reply_error(*x, 500, "internal", error);
    auto& q = c.reader->prepare(std::string("SELECT ") + kJobColumns + " FROM jobs WHERE id = ?1");
    q.bind(1, *id);
    nlohmann::json j = q.step() ? job_json(q, true) : nlohmann::json();
    q.reset();
    reply_json(*x, 201, j);
  });
}

void get_job(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  nlohmann::json job;
  const auto id = job_of(c, who, *x, p["id"], job);
  if (!id) return;
  if (const std::string* out = c.engine->live_output(*id, false); out && job["stdout"] == "") job["stdout"] = *out;
  if (const std::string* err = c.engine->live_output(*id, true); err && job["stderr"] == "") job["stderr"] = *err;
  return reply_json(*x, 200, job);
}

void delete_job(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  nlohmann::json job;
  const auto id = job_of(c, who, *x, p["id"], job);
  if (!id) return;
  if (job["status"] == "queued" || job["status"] == "dispatched" || job["status"] == "running")
    return reply_error(*x, 409, "conflict", "cancel the job before deleting it");
  const int64_t jid = *id;
  return c.writer->submit(
      [jid](store::Database& db, std::string& error) {
        auto& d = db.prepare("DELETE FROM jobs WHERE id = ?1");
        d.bind(1, jid);
        if (!d.run()) return error = d.error(), false;
        return true;
      },
      [x](bool ok, const std::string& error) {
        if (!ok) return reply_error(*x, 500, "internal", error);
        x->respond(http::Response{204, {}, ""});
      });
}

void cancel_job(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  nlohmann::json job;
  const auto id = job_of(c, who, *x, p["id"], job);
  if (!id) return;
  reply_refusal(*x, c.engine->cancel_job(*id, [&c, x, jid = *id](bool ok, const std::string& error) {
    if (!ok) return reply_error(*x, 500, "internal", error);
    auto& q2 = c.reader->prepare(std::string("SELECT ") + kJobColumns + " FROM jobs WHERE id = ?1");
    q2.bind(1, jid);
    nlohmann::json j = q2.step() ? job_json(q2, true) : nlohmann::json();
    q2.reset();
    reply_json(*x, 200, j);
  }));
}

void retry_job(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  nlohmann::json job;
  const auto id = job_of(c, who, *x, p["id"], job);
  if (!id) return;
  if (!job["instance_id"].is_null()) return reply_error(*x, 409, "conflict", "a workflow's job is retried by retrying its instance");
  if (job["status"] == "queued" || job["status"] == "dispatched" || job["status"] == "running")
    return reply_error(*x, 409, "conflict", "the job has not ended");
  auto& sq = c.reader->prepare("SELECT spec, description, priority, host FROM jobs WHERE id = ?1");
  sq.bind(1, *id);
  sq.step();
  auto spec = nlohmann::json::parse(sq.column_text(0), nullptr, false);
  const std::string description = sq.column_text(1), host = sq.column_text(3);
  const int64_t priority = sq.column_int64(2);
  sq.reset();
  auto nid = std::make_shared<int64_t>(0);
  *nid = c.engine->create_job(host, spec.is_object() ? spec : nlohmann::json::object(), description, priority,
                              [x, nid](bool ok, const std::string& error) {
                                if (!ok) return reply_error(*x, 500, "internal", error);
                                reply_json(*x, 201, {{"id", *nid}});
                              });
}

void list_hosts(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  int64_t skip, limit;
  if (!paging(r, *x, skip, limit)) return;
  auto& q = c.reader->prepare("SELECT id, hostname, ip, os, last_heartbeat FROM agents WHERE org_id = ?1 ORDER BY hostname LIMIT ?2 OFFSET ?3");
  q.bind(1, who.org_id).bind(2, limit).bind(3, skip);
  nlohmann::json items = nlohmann::json::array();
  const int64_t now = effects::wall_clock_ms();
  while (q.step())
    items.push_back({{"id", q.column_int64(0)},
                     {"hostname", q.column_text(1)},
                     {"primary_ip", q.column_text(2)},
                     {"os", q.column_text(3)},
                     {"online", !q.column_is_null(4) && now - q.column_int64(4) < kOnlineWithinMs}});
  q.reset();
  const int64_t total = count_rows(*c.reader, "SELECT COUNT(*) FROM agents WHERE org_id = ?1", who.org_id);
  reply_json(*x, 200, {{"items", items}, {"total", total}});
}

void list_groups(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  int64_t skip, limit;
  if (!paging(r, *x, skip, limit)) return;
  auto& q = c.reader->prepare("SELECT name, hosts FROM groups WHERE org_id = ?1 ORDER BY name LIMIT ?2 OFFSET ?3");
  q.bind(1, who.org_id).bind(2, limit).bind(3, skip);
  nlohmann::json items = nlohmann::json::array();
  while (q.step()) {
    auto hosts = nlohmann::json::parse(q.column_text(1), nullptr, false);
    items.push_back({{"name", q.column_text(0)}, {"hosts", hosts.is_discarded() ? nlohmann::json::array() : hosts}});
  }
  q.reset();
  const int64_t total = count_rows(*c.reader, "SELECT COUNT(*) FROM groups WHERE org_id = ?1", who.org_id);
  return reply_json(*x, 200, {{"items", items}, {"total", total}});
}

void put_group(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto body = body_object(r, *x);
  if (!body) return;
  Fields f(*body);
  auto name = f.string("name", true);
  auto hosts = f.strings("hosts");
  if (!f.ok(*x)) return;
  if (name->empty()) return reply_error(*x, 400, "bad_request", "`name` must not be empty");
  const std::string group = *name, members = nlohmann::json(hosts.value_or(std::vector<std::string>{})).dump();
  const int64_t org = who.org_id;
  c.writer->submit(
      [=](store::Database& db, std::string& error) {
        auto& q = db.prepare("INSERT OR REPLACE INTO groups (org_id, name, hosts) VALUES (?1, ?2, ?3)");
        q.bind(1, org).bind(2, std::string_view(group)).bind(3, std::string_view(members));
        if (!q.run()) return error = q.error(), false;
        return true;
      },
      reply_after_commit(x, 201, [group, members] { return nlohmann::json{{"name", group}, {"hosts", nlohmann::json::parse(members)}}; }));
}

}  // namespace wf::service
