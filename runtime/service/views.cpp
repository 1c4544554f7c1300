// The API's JSON views of the store's rows (see views.h).
#include "runtime/service/views.h"

#include "runtime/store/host_tags.h"

#include "runtime/service/api_support.h"
#include "vm/render.h"

namespace wf::service {

namespace {


nlohmann::json text_or_null(const std::string& text) { return text.empty() ? nlohmann::json() : nlohmann::json(text); }

}  // namespace

nlohmann::json json_or_null(const std::string& text) {
  if (text.empty()) return nullptr;
  auto j = nlohmann::json::parse(text, nullptr, false);
  return j.is_discarded() ? nlohmann::json(text) : j;
}

nlohmann::json time_json(std::optional<int64_t> ms) { return ms ? nlohmann::json(format_time(*ms)) : nlohmann::json(); }

nlohmann::json instance_summary_json(const store::InstanceRow& r) {
  return {{"id", r.id},
          {"workflow", r.workflow},
          {"definition_id", r.definition_id},
          {"version", r.version},
          {"status", store::name(r.status)},
          {"pause_reason", r.pause_reason ? nlohmann::json(store::name(*r.pause_reason)) : nlohmann::json()},
          {"trigger", store::name(r.trigger)},
          {"attempt", r.attempt},
          {"created_at", format_time(r.created_at)},
          {"started_at", time_json(r.started_at)},
          {"ended_at", time_json(r.ended_at)},
          {"error_message", text_or_null(r.error_message)}};
}

nlohmann::json instance_json(const store::InstanceRow& r) {
  nlohmann::json j = instance_summary_json(r);
  j["module_hash"] = r.module_hash;
  j["params"] = json_or_null(r.params);
  j["targets"] = json_or_null(r.targets);
  j["scheduled_at"] = time_json(r.scheduled_at);
  j["result"] = json_or_null(r.result);
  j["error"] = json_or_null(r.error);
  j["parent_id"] = r.parent_id ? nlohmann::json(*r.parent_id) : nlohmann::json();
  return j;
}

nlohmann::json step_json(const store::StepRow& s, const std::vector<store::JobOfEffect>& jobs) {
  nlohmann::json step = {{"index", s.idx},
                         {"attempt", s.attempt},
                         {"kind", s.kind},
                         {"name", s.name},
                         {"status", s.status},
                         {"started_at", format_time(s.started_at)},
                         {"ended_at", time_json(s.ended_at)},
                         {"duration_ms", s.ended_at ? nlohmann::json(*s.ended_at - s.started_at) : nlohmann::json()},
                         {"jobs", nlohmann::json::array()}};
  if (s.effect_seq) {
    step["effect_seq"] = *s.effect_seq;
    for (const store::JobOfEffect& j : jobs)
      if (j.effect_seq == s.effect_seq) step["jobs"].push_back(j.id);
  }
  return step;
}

nlohmann::json log_json(const store::LogRow& l) {
  return {{"seq", l.seq}, {"at", format_time(l.at)}, {"kind", l.kind}, {"message", l.message}, {"data", json_or_null(l.data)}};
}

nlohmann::json job_json(const store::JobRow& j, bool with_output) {
  nlohmann::json out = {{"id", j.id},
                        {"instance_id", j.instance_id ? nlohmann::json(*j.instance_id) : nlohmann::json()},
                        {"host", j.host},
                        {"attempt", j.attempt},
                        {"description", j.description},
                        {"priority", j.priority >= 0 && j.priority < static_cast<int64_t>(store::kJobPriorityNames.size())
                                         ? nlohmann::json(store::kJobPriorityNames[static_cast<size_t>(j.priority)])
                                         : nlohmann::json(j.priority)},
                        {"status", store::name(j.status)},
                        {"scheduled_at", format_time(j.scheduled_at)},
                        {"started_at", time_json(j.started_at)},
                        {"ended_at", time_json(j.ended_at)},
                        {"exit_code", j.exit_code ? nlohmann::json(*j.exit_code) : nlohmann::json()},
                        {"duration_ms", j.duration_ms ? nlohmann::json(*j.duration_ms) : nlohmann::json()},
                        {"error", j.error},
                        {"cancel_requested_at", time_json(j.cancel_requested_at)}};
  // The script library's script it ran, with the definition version that declared it.
  out["script"] = j.script ? nlohmann::json{{"name", j.script->name},
                                            {"definition_id", j.script->definition_id},
                                            {"version", j.script->version}}
                           : nlohmann::json();
  if (with_output) {
    out["stdout"] = j.stdout_text;
    out["stderr"] = j.stderr_text;
    out["stdout_truncated"] = j.stdout_truncated;
    out["stderr_truncated"] = j.stderr_truncated;
  }
  return out;
}

nlohmann::json approval_json(const store::ApprovalRow& a, const std::vector<store::ResponseRow>& responses) {
  auto approvers = nlohmann::json::parse(a.approvers, nullptr, false);
  nlohmann::json j = {{"id", a.id},
                      {"instance_id", a.instance_id},
                      {"title", a.title},
                      {"status", store::name(a.status)},
                      {"quorum", a.quorum},
                      {"approvers", approvers.is_discarded() ? nlohmann::json::array() : approvers},
                      {"created_at", format_time(a.created_at)},
                      {"timeout_at", time_json(a.timeout_at)},
                      {"decided_at", time_json(a.decided_at)},
                      {"responses", nlohmann::json::array()}};
  for (const store::ResponseRow& r : responses) {
    nlohmann::json response{{"who", r.who}, {"decision", r.decision}, {"note", r.note}, {"via", r.via}, {"at", format_time(r.at)}};
    if (!r.recorded_by.empty()) response["recorded_by"] = r.recorded_by;
    j["responses"].push_back(std::move(response));
  }
  return j;
}

nlohmann::json definition_json(const store::DefinitionRow& d) {
  return {{"id", d.id},
          {"name", d.name},
          {"description", d.description},
          {"template", d.template_flag},
          {"active", d.active},
          {"published_version", d.published_version ? nlohmann::json(*d.published_version) : nlohmann::json()},
          {"created_at", format_time(d.created_at)},
          {"updated_at", format_time(d.updated_at)},
          {"latest_version", d.latest_version ? nlohmann::json(*d.latest_version) : nlohmann::json()}};
}

nlohmann::json version_json(const store::VersionRow& v, std::optional<int64_t> published) {
  return {{"version", v.version},
          {"created_at", format_time(v.created_at)},
          {"module_hash", v.module_hash},
          {"published", published == v.version}};
}

nlohmann::json agent_json(const store::AgentRow& a, int64_t now) {
  return {{"id", a.id},
          {"hostname", a.hostname},
          {"ip", a.ip},
          {"os", a.os},
          {"online", a.last_heartbeat && now - *a.last_heartbeat < kOnlineWithinMs},
          {"last_heartbeat", time_json(a.last_heartbeat)},
          {"registered_at", format_time(a.registered_at)}};
}

std::vector<std::string> tag_list(const std::string& column) {
  const auto parsed = nlohmann::json::parse(column, nullptr, false);
  std::vector<std::string> tags;
  if (parsed.is_array())
    for (const auto& t : parsed)
      if (t.is_string()) tags.push_back(t.get<std::string>());
  return tags;
}

nlohmann::json host_json(const store::AgentRow& a, int64_t now, const std::vector<std::string>& groups) {
  const std::vector<std::string> operator_tags = tag_list(a.tags), agent_tags = tag_list(a.agent_tags);
  return {{"id", a.id},
          {"hostname", a.hostname},
          {"primary_ip", a.ip},
          {"os", a.os},
          {"online", a.last_heartbeat && now - *a.last_heartbeat < kOnlineWithinMs},
          {"tags", store::merged_tags(operator_tags, agent_tags)},
          {"operator_tags", operator_tags},
          {"agent_tags", agent_tags},
          {"groups", groups}};
}

nlohmann::json group_json(const store::GroupRow& g) {
  auto hosts = nlohmann::json::parse(g.hosts, nullptr, false);
  return {{"name", g.name}, {"hosts", hosts.is_discarded() ? nlohmann::json::array() : hosts}};
}

nlohmann::json identity_json(const store::IdentityRow& r) {
  nlohmann::json approvers = nlohmann::json::parse(r.approvers, nullptr, false);
  if (!approvers.is_array()) approvers = nlohmann::json::array();
  return {{"name", r.name},
          {"username", r.username},
          {"domain", r.domain},
          {"credential_type", r.credential_type},
          {"requires_approval", r.requires_approval},
          {"rotate_after_use", r.rotate_after_use},
          {"approvers", approvers},
          {"approval_quorum", r.approval_quorum},
          {"approval_timeout", vm::format_duration(r.approval_timeout_ms)},
          {"rotate_script", r.rotate_script},
          {"rotate_interpreter", r.rotate_interpreter},
          {"rotate_host", r.rotate_host},
          {"secret_length", r.secret_length},
          {"secret_alphabet", r.secret_alphabet},
          {"channel", r.channel},
          {"rotation_status", r.rotation_status},
          {"rotation_job", r.rotation_job ? nlohmann::json(*r.rotation_job) : nlohmann::json()},
          {"rotated_at", r.rotated_at ? nlohmann::json(format_time(*r.rotated_at)) : nlohmann::json()},
          {"created_at", format_time(r.created_at)}};
}

nlohmann::json session_json(const store::SessionInfo& s) {
  nlohmann::json j = {{"session", s.session},
                      {"identity", s.identity},
                      {"instance_id", s.instance_id},
                      {"opened_at", format_time(s.created_at)},
                      {"expires_at", s.expires_at ? nlohmann::json(format_time(*s.expires_at)) : nlohmann::json()}};
  if (s.closed_at) {
    j["closed_at"] = format_time(*s.closed_at);
    j["closed_reason"] = s.closed_reason;
    if (!s.closed_by.empty()) j["closed_by"] = s.closed_by;
  }
  return j;
}

}  // namespace wf::service
