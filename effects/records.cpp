// Record construction and field access for effects (see records.h).
#include "effects/records.h"

#include <nlohmann/json.hpp>

#include "stdlib/builtin_records.h"
#include "vm/error_record.h"
#include "vm/render.h"
#include "vm/shape.h"

namespace wf::effects {

using vm::Value;

namespace {
const Value& none_value() {
  static const Value none;
  return none;
}
}  // namespace

const Value& field(const Value& rec, std::string_view name) {
  if (!vm::is_object(rec.tag) || rec.tag == vm::Tag::Str || rec.tag == vm::Tag::List || rec.tag == vm::Tag::Map)
    return none_value();
  const vm::RecObj& r = vm::as_record(rec);
  const int i = r.shape->index_of(name);
  return i < 0 ? none_value() : r.fields[i];
}

std::string field_string(const Value& rec, std::string_view name) {
  const Value& v = field(rec, name);
  return v.tag == vm::Tag::Str ? vm::as_string(v) : std::string();
}

int64_t field_int(const Value& rec, std::string_view name, int64_t otherwise) {
  const Value& v = field(rec, name);
  return v.tag == vm::Tag::Int || v.tag == vm::Tag::Duration || v.tag == vm::Tag::Time ? v.i : otherwise;
}

bool field_bool(const Value& rec, std::string_view name) {
  const Value& v = field(rec, name);
  return v.tag == vm::Tag::Bool && v.b;
}

Value make_builtin(std::string_view record, std::vector<std::pair<std::string_view, Value>> fields) {
  const stdlib::BuiltinRecord* r = stdlib::builtin_record(record);
  std::vector<std::string> names;
  for (const auto& f : r->fields) names.emplace_back(f.name);
  std::vector<Value> values(names.size());
  for (auto& [name, value] : fields) {
    const int i = stdlib::field_index(*r, name);
    if (i >= 0) values[i] = std::move(value);
  }
  const vm::Tag tag = record == "credential" ? vm::Tag::Credential : vm::Tag::Record;
  return vm::make_record(vm::Shape::intern(std::move(names)), std::move(values), tag);
}

Value make_job_result(const JobOutcomeRecord& r) {
  return make_builtin("JobResult", {{"host", vm::make_string(r.host)},
                                    {"status", vm::make_string(r.status)},
                                    {"exit_code", Value::integer(r.exit_code)},
                                    {"stdout", vm::make_string(r.stdout_text)},
                                    {"stderr", vm::make_string(r.stderr_text)},
                                    {"duration", Value::duration(r.duration_ms)},
                                    {"attempts", Value::integer(r.attempts)}});
}

Value make_results(const std::vector<JobOutcomeRecord>& results) {
  std::vector<Value> items;
  int64_t succeeded = 0, first_failed_exit = 0;
  bool any_failed = false;
  for (const JobOutcomeRecord& r : results) {
    items.push_back(make_job_result(r));
    if (r.status == "completed") {
      ++succeeded;
    } else if (!any_failed) {
      any_failed = true;
      first_failed_exit = r.exit_code;
    }
  }
  const std::string first_stdout = results.empty() ? "" : results.front().stdout_text;
  // `json` is the first host's stdout parsed as JSON, none when it is not JSON.
  Value json;
  auto parsed = nlohmann::ordered_json::parse(first_stdout, nullptr, false);
  if (!parsed.is_discarded()) json = vm::from_json(parsed);
  const int64_t total = static_cast<int64_t>(results.size());
  return make_builtin("Results", {{"ok", Value::boolean(!any_failed)},
                                  {"total", Value::integer(total)},
                                  {"succeeded", Value::integer(succeeded)},
                                  {"failed", Value::integer(total - succeeded)},
                                  {"results", vm::make_list(std::move(items))},
                                  {"exit_code", Value::integer(any_failed ? first_failed_exit : 0)},
                                  {"stdout", vm::make_string(first_stdout)},
                                  {"json", std::move(json)}});
}

Value make_error(stdlib::ErrorKind kind, std::string message, Value detail) {
  return vm::make_error_record(kind, std::move(message), std::move(detail));
}

vm::Value make_credential(const std::string& username, const std::string& domain, const std::string& credential_type,
                          const std::string& identity, const std::string& session) {
  return make_builtin("credential", {{"username", vm::make_string(username)},
                                     {"domain", vm::make_string(domain)},
                                     {"credential_type", vm::make_string(credential_type)},
                                     {"identity", vm::make_string(identity)},
                                     {"session", vm::make_string(session)}});
}

vm::Value make_host(const std::string& id, const std::string& hostname, const std::string& primary_ip, const std::string& os,
                    const std::vector<std::string>& tags, const std::vector<std::string>& groups) {
  auto strings = [](const std::vector<std::string>& names) {
    std::vector<vm::Value> values;
    for (const std::string& n : names) values.push_back(vm::make_string(n));
    return vm::make_list(std::move(values));
  };
  return make_builtin("host", {{"id", vm::make_string(id)},
                               {"hostname", vm::make_string(hostname)},
                               {"primary_ip", vm::make_string(primary_ip)},
                               {"os", vm::make_string(os)},
                               {"tags", strings(tags)},
                               {"groups", strings(groups)}});
}

}  // namespace wf::effects
