// Agents and jobs (SPEC §4.2): registration with the enrollment secret, heartbeats, the
// long-poll that hands an agent its host's jobs, job start/output/completion reports; the admin's
// job list, ad-hoc jobs, hosts with their tags, and groups.
#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <set>

#include "effects/clock.h"
#include "runtime/service/auth.h"
#include "runtime/service/job_request.h"
#include "runtime/service/request_audit.h"
#include "runtime/service/routes.h"
#include "runtime/service/views.h"
#include "runtime/store/agents.h"
#include "runtime/store/identities.h"
#include "runtime/store/host_tags.h"
#include "runtime/store/jobs.h"

namespace wf::service {

namespace {

bool valid_hostname(const std::string& h) {
  if (h.empty() || h.size() > 253) return false;
  for (char ch : h)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '.' || ch == '_')) return false;
  return true;
}

// The list of tags in `body`'s field `key` (nullopt when absent); answers 400 and sets `bad` when it
// is not a list of valid tags.
std::optional<std::vector<std::string>> tags_field(http::Exchange& x, const nlohmann::json& body, const char* key, bool& bad) {
  if (!body.contains(key)) return std::nullopt;
  const nlohmann::json& value = body[key];
  bool ok = value.is_array() && value.size() <= store::kMostTags;
  std::vector<std::string> tags;
  if (ok)
    for (const auto& t : value) {
      ok = ok && t.is_string() && store::valid_tag(t.get<std::string>());
      if (ok) tags.push_back(t.get<std::string>());
    }
  if (!ok) {
    bad = true;
    reply_error(x, 400, "bad_request",
                fmt::format("`{}` must be a list of at most {} tags, each {}", key, store::kMostTags, store::kTagRule));
    return std::nullopt;
  }
  return store::without_repeats(tags);
}

// The job `{id}` of an agent's report; nullopt, after answering 404, when no job has that id (the
// agent drops it). The engine judges the jobs there are.
std::optional<int64_t> reported_job(Context& c, http::Exchange& x, std::string_view key) {
  auto job = parse_id(key);
  if (job) {
    auto found = store::jobs::find_any(c.reads->connection(), *job);
    if (!read_ok(x, found)) return std::nullopt;
    if (!*found) job.reset();
  }
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
  auto found = store::jobs::find(c.reads->connection(), who.org_id, *id);
  if (!read_ok(x, found)) return std::nullopt;
  if (*found) job = job_json(**found, true);
  else {
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
  // The secret says which organization the host joins; each is compared in constant time.
  auto orgs = store::orgs::all(c.reads->connection());
  if (!read_ok(*x, orgs)) return;
  int64_t org = 0;
  for (const store::OrgRow& o : *orgs)
    if (same_secret(*secret, o.enrollment_secret)) org = o.id;
  if (!org) return reply_error(*x, 401, "unauthorized", "wrong enrollment secret");
  auto presented = f.string("token");
  if (!valid_hostname(*hostname))
    return reply_error(*x, 400, "bad_request", "`hostname` must be 1 to 253 letters, digits, '-', '.' or '_'");
  audit_registration(*x, org, *hostname);
  bool bad_tags = false;
  const auto tags = tags_field(*x, *body, "tags", bad_tags);
  if (bad_tags) return;
  // The secret is shared by every host: with it alone, a host whose agent is alive could be taken
  // over (and its running jobs' credentials fetched). Its own agent proves itself with its token.
  auto existing = store::agents::find(c.reads->connection(), org, *hostname);
  if (!read_ok(*x, existing)) return;
  const int64_t now = effects::wall_clock_ms();
  if (*existing && (*existing)->last_heartbeat && now - *(*existing)->last_heartbeat < kOnlineWithinMs &&
      !(*existing)->reregistration_approved_at) {
    bool own = false;
    if (presented && !presented->empty()) {
      auto holder = store::tokens::holder_by_hash(c.reads->connection(), token_hash(*presented));
      if (!read_ok(*x, holder)) return;
      own = *holder && (*holder)->token.kind == "agent" && !(*holder)->token.revoked_at &&
            (*holder)->token.agent_id == (*existing)->id;
    }
    if (!own)
      return reply_error(*x, 409, "conflict",
                         fmt::format("host `{0}` has a live agent (seen {1} s ago); registering it again needs that agent's "
                                     "token, or an admin's approval: `wf agent approve {0}` (POST /api/v1/agents/{0}/approve)",
                                     *hostname, (now - *(*existing)->last_heartbeat) / 1000));
  }
  const std::string token = new_token("wfa_");
  auto agent_id = std::make_shared<int64_t>(0);
  store::AgentRow agent;
  agent.hostname = *hostname;
  agent.ip = ip.value_or("127.0.0.1");
  agent.os = os.value_or("linux");
  agent.agent_tags = nlohmann::json(tags.value_or(std::vector<std::string>{})).dump();
  const std::string hash = token_hash(token);
  c.writer->submit(
      [=](store::Database& db, std::string& error) {
        return store::agents::enroll(db, org, agent, hash, now, *agent_id, error);
      },
      [x, agent_id, token, principals = c.principals](bool ok, const std::string& error) {
        // The host's earlier token is gone: the cache must not keep letting it in.
        if (principals) principals->forget_all();
        if (!ok) return reply_not_stored(*x, error);
        reply_json(*x, 201, {{"agent_id", *agent_id}, {"token", token}});
      });
}

void approve_agent(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  const std::string hostname(p["id"]);  // a host name
  auto existing = store::agents::find(c.reads->connection(), who.org_id, hostname);
  if (!read_ok(*x, existing)) return;
  if (!*existing) return reply_error(*x, 404, "not_found", fmt::format("no registered host `{}`", hostname));
  const int64_t org = who.org_id, now = effects::wall_clock_ms();
  c.writer->submit(
      [org, hostname, now](store::Database& db, std::string& error) {
        return store::agents::approve_reregistration(db, org, hostname, now, error);
      },
      reply_after_commit(x, 200, [hostname] {
        return nlohmann::json{{"hostname", hostname}, {"approved", true},
                              {"message", fmt::format("`{}` may register once more with the enrollment secret", hostname)}};
      }));
}

void rotate_enrollment_secret(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  const std::string secret = new_token("wfe_");
  const int64_t org = who.org_id;
  c.writer->submit(
      [org, secret](store::Database& db, std::string& error) { return store::orgs::set_enrollment_secret(db, org, secret, error); },
      reply_after_commit(x, 200, [secret] { return nlohmann::json{{"enrollment_secret", secret}}; }));
}

namespace {

// The organization's registered hosts, each shown by `view` (an agent, or a host).
void list_registered(Context& c, const Principal& who, http::Request& r, ExchangePtr x,
                     const std::function<nlohmann::json(const store::AgentRow&, int64_t now)>& view) {
  int64_t skip, limit;
  if (!paging(r, *x, skip, limit)) return;
  const int64_t now = effects::wall_clock_ms();
  c.reads->read([&](store::Database& db) { return store::agents::list(db, who.org_id, {skip, limit}); },
                [&](const store::Result<store::Page<store::AgentRow>>& page) {
                  reply_page(*x, page, [&](store::AgentRow a) {
                    // The last heartbeat as the wall clock reads now: how long ago it came is
                    // measured on the monotonic clock (the stored time is all there is until an
                    // agent is heard from after a start).
                    if (auto ago = c.engine->since_heartbeat(a.id)) a.last_heartbeat = now - *ago;
                    return view(a, now);
                  });
                });
}

}  // namespace

void list_agents(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  list_registered(c, who, r, std::move(x), agent_json);
}

void agent_heartbeat(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto body = body_object(r, *x);
  if (!body) return;
  std::set<int64_t> listed;
  if (body->contains("running")) {
    const auto& running = (*body)["running"];
    bool ids = running.is_array();
    if (ids)
      for (const auto& e : running) ids = ids && e.is_number_integer();
    if (!ids) return reply_error(*x, 400, "bad_request", "`running` must be a list of job ids");
    for (const auto& e : running) listed.insert(e.get<int64_t>());
  }
  Fields f(*body);
  const auto host_restarted = f.boolean("host_restarted");
  if (!f.ok(*x)) return;
  // The agent's tags, when it reports them, replace those it reported before.
  bool bad_tags = false;
  const auto tags = tags_field(*x, *body, "tags", bad_tags);
  if (bad_tags) return;
  std::optional<std::string> agent_tags;
  if (tags) agent_tags = nlohmann::json(*tags).dump();
  // The jobs the service thinks are on this agent and it no longer has end here; the answer names
  // the agent's jobs an operator cancelled.
  const nlohmann::json cancel = c.engine->agent_heartbeat(who.agent_id, listed, host_restarted.value_or(false));
  const int64_t agent = who.agent_id, now = effects::wall_clock_ms();
  return c.writer->submit(
      [agent, now, agent_tags](store::Database& db, std::string& error) {
        return store::agents::heartbeat(db, agent, now, agent_tags, error);
      },
      reply_after_commit(x, 200, [cancel] { return nlohmann::json{{"ok", true}, {"cancel", cancel}}; }));
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
  const uint64_t handle = c.engine->poll(who.org_id, who.agent_host, who.agent_id, static_cast<size_t>(max.value_or(1)), wait.value_or(25000),
                                         [x](const nlohmann::json& jobs) {
                                           if (x->closed()) return false;
                                           reply_json(*x, 200, {{"jobs", jobs}});
                                           return true;
                                         });
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
  // A report tells how a job ended: any status of the table but those of a job not yet ended.
  const auto ended = store::parse<store::JobStatus>(*status);
  if (!ended || !store::has_ended(*ended))
    return reply_error(*x, 400, "bad_request", "`status` must be completed, failed, timeout, cancelled, config or internal");
  report.status = *ended;
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
  store::Paging page;
  if (!keyset_paging(r, *x, page)) return;
  store::JobFilter filter;
  const auto status = name_filter<store::JobStatus>(r, *x, "status");
  if (!status) return;
  filter.status = *status;
  filter.host = r.query_param("host").value_or("");
  if (auto i = r.query_param("instance")) {
    auto instance = parse_id(*i);
    if (!instance) return reply_error(*x, 400, "bad_request", "`instance` must be an instance id");
    filter.instance = *instance;
  }
  c.reads->read([&](store::Database& db) { return store::jobs::list(db, who.org_id, filter, page); },
                [&](const store::Result<store::Page<store::JobRow>>& page) {
                  reply_page(*x, page, [&](const store::JobRow& j) { return job_json(j, false); });
                });
}

namespace {

// Answers a job of `org` as it now is (after a change committed), with `status`.
void answer_job(Context& c, http::Exchange& x, int64_t org, int64_t id, int status) {
  auto found = store::jobs::find(c.reads->connection(), org, id);
  if (!read_ok(x, found)) return;
  reply_json(x, status, *found ? job_json(**found, true) : nlohmann::json());
}

}  // namespace

void create_job(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto body = body_object(r, *x);
  if (!body) return;
  Fields f(*body);
  auto host = f.string("host", true);
  if (!f.ok(*x)) return;
  std::string why;
  auto job = read_job_request(*body, why);
  if (!job) return reply_error(*x, 400, "bad_request", why);
  auto id = std::make_shared<int64_t>(0);
  // A host that never registered has no agent to run the job: say so now, not after 30 minutes.
  auto agent = store::agents::find(c.reads->connection(), who.org_id, *host);
  if (!read_ok(*x, agent)) return;
  if (!*agent) {
    auto hosts = store::agents::list(c.reads->connection(), who.org_id, {0, 20});
    if (!read_ok(*x, hosts)) return;
    std::string names;
    for (const store::AgentRow& a : hosts->items) names += (names.empty() ? "" : ", ") + a.hostname;
    return reply_error(*x, 404, "not_found",
                       fmt::format("no registered host `{}` (registered: {}; hosts register by running `wf agent`)", *host,
                                   names.empty() ? "none" : names));
  }
  *id = c.engine->create_job(who.org_id, *host, job->spec, job->description, job->priority,
                             [&c, x, id, org = who.org_id](bool ok, const std::string& error) {
                               if (!ok) return reply_not_stored(*x, error);
                               answer_job(c, *x, org, *id, 201);
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
  const int64_t jid = *id, org = who.org_id, now = effects::wall_clock_ms();
  return c.writer->submit(
      [jid, org, now](store::Database& db, std::string& error) { return store::jobs::remove(db, org, jid, now, error); },
      [x](bool ok, const std::string& error) {
        if (!ok) return reply_not_stored(*x, error);
        x->respond(http::Response{204, {}, ""});
      });
}

void cancel_job(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  nlohmann::json job;
  const auto id = job_of(c, who, *x, p["id"], job);
  if (!id) return;
  reply_refusal(*x, c.engine->cancel_job(who.org_id, *id, [&c, x, jid = *id, org = who.org_id](bool ok, const std::string& error) {
    if (!ok) return reply_not_stored(*x, error);
    answer_job(c, *x, org, jid, 200);
  }));
}

void retry_job(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  nlohmann::json job;
  const auto id = job_of(c, who, *x, p["id"], job);
  if (!id) return;
  if (!job["instance_id"].is_null()) return reply_error(*x, 409, "conflict", "a workflow's job is retried by retrying its instance");
  if (job["status"] == "queued" || job["status"] == "dispatched" || job["status"] == "running")
    return reply_error(*x, 409, "conflict", "the job has not ended");
  auto row = store::jobs::find(c.reads->connection(), who.org_id, *id);
  if (!read_ok(*x, row)) return;
  if (!*row) return reply_error(*x, 404, "not_found", fmt::format("no job {}", *id));
  auto spec = nlohmann::json::parse((*row)->spec, nullptr, false);
  const std::string description = (*row)->description, host = (*row)->host;
  const int64_t priority = (*row)->priority;
  auto nid = std::make_shared<int64_t>(0);
  // A retried script of the script library is one more of its executions.
  *nid = c.engine->create_job(who.org_id, host, spec.is_object() ? spec : nlohmann::json::object(), description, priority,
                              [x, nid](bool ok, const std::string& error) {
                                if (!ok) return reply_not_stored(*x, error);
                                reply_json(*x, 201, {{"id", *nid}});
                              },
                              (*row)->script);
}

void list_hosts(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto groups = store::groups::by_host(c.reads->connection(), who.org_id);
  if (!read_ok(*x, groups)) return;
  list_registered(c, who, r, std::move(x), [&groups](const store::AgentRow& a, int64_t now) {
    auto it = groups->find(a.hostname);
    return host_json(a, now, it != groups->end() ? it->second : std::vector<std::string>{});
  });
}

// `{tags}` replaces the tags an operator set on the host; `{add_tags}` and `{remove_tags}` change
// them, in one unit with reading them, so two operators' changes do not undo each other. The
// agent's own tags are not touched: the next report would bring them back.
void patch_host(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto body = body_object(r, *x);
  if (!body) return;
  bool bad = false;
  const auto tags = tags_field(*x, *body, "tags", bad);
  if (bad) return;
  const auto add = tags_field(*x, *body, "add_tags", bad);
  if (bad) return;
  const auto remove = tags_field(*x, *body, "remove_tags", bad);
  if (bad) return;
  for (const auto& [key, value] : body->items())
    if (key != "tags" && key != "add_tags" && key != "remove_tags")
      return reply_error(*x, 400, "bad_request", fmt::format("`{}` is not a field of a host; give `tags`, `add_tags` or `remove_tags`", key));
  if (!tags && !add && !remove) return reply_error(*x, 400, "bad_request", "give `tags`, or `add_tags` and `remove_tags`");
  if (tags && (add || remove)) return reply_error(*x, 400, "bad_request", "give `tags` alone, or `add_tags` and `remove_tags`");
  const std::string host(p["id"]);
  const int64_t org = who.org_id;
  auto found = store::agents::find(c.reads->connection(), org, host);
  if (!read_ok(*x, found)) return;
  if (!*found) return reply_error(*x, 404, "not_found", fmt::format("no registered host `{}`", host));
  auto unknown = std::make_shared<bool>(false);
  auto too_many = std::make_shared<bool>(false);
  c.writer->submit(
      [=](store::Database& db, std::string& error) {
        auto row = store::agents::find(db, org, host);
        if (!row.ok()) return error = row.error(), false;
        if (!*row) return *unknown = true;  // gone since: nothing to change
        std::vector<std::string> next = tags ? *tags : tag_list((*row)->tags);
        if (add) next.insert(next.end(), add->begin(), add->end());
        if (remove) std::erase_if(next, [&](const std::string& t) { return std::find(remove->begin(), remove->end(), t) != remove->end(); });
        next = store::without_repeats(next);
        if (next.size() > store::kMostTags) return *too_many = true;
        return store::agents::set_tags(db, org, host, nlohmann::json(next).dump(), error);
      },
      [&c, x, org, host, unknown, too_many](bool ok, const std::string& error) {
        if (!ok) return reply_not_stored(*x, error);
        if (*unknown) return reply_error(*x, 404, "not_found", fmt::format("no registered host `{}`", host));
        if (*too_many) return reply_error(*x, 400, "bad_request", fmt::format("a host has at most {} tags", store::kMostTags));
        auto row = store::agents::find(c.reads->connection(), org, host);
        if (!read_ok(*x, row)) return;
        if (!*row) return reply_error(*x, 404, "not_found", fmt::format("no registered host `{}`", host));
        auto groups = store::groups::of_host(c.reads->connection(), org, host);
        if (!read_ok(*x, groups)) return;
        reply_json(*x, 200, host_json(**row, effects::wall_clock_ms(), *groups));
      });
}

void list_groups(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  int64_t skip, limit;
  if (!paging(r, *x, skip, limit)) return;
  c.reads->read([&](store::Database& db) { return store::groups::list(db, who.org_id, {skip, limit}); },
                [&](const store::Result<store::Page<store::GroupRow>>& page) {
                  reply_page(*x, page, [&](const store::GroupRow& g) { return group_json(g); });
                });
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
      [=](store::Database& db, std::string& error) { return store::groups::put(db, org, {group, members}, error); },
      reply_after_commit(x, 201, [group, members] { return nlohmann::json{{"name", group}, {"hosts", nlohmann::json::parse(members)}}; }));
}

}  // namespace wf::service
