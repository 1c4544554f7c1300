// Building and reading the records effects exchange with the VM: argument records by field
// name, and the built-in result records (Results, JobResult, Approval, Error, credential) in
// the layout stdlib/builtin_records.def gives them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "stdlib/error_kinds.h"
#include "vm/value.h"

namespace wf::effects {

// The field `name` of record `rec`, or none when it has no such field.
const vm::Value& field(const vm::Value& rec, std::string_view name);
std::string field_string(const vm::Value& rec, std::string_view name);  // "" unless a string
int64_t field_int(const vm::Value& rec, std::string_view name, int64_t otherwise = 0);
bool field_bool(const vm::Value& rec, std::string_view name);

// A built-in record with its fields given by name; unnamed fields are none.
vm::Value make_builtin(std::string_view record, std::vector<std::pair<std::string_view, vm::Value>> fields);

struct JobOutcomeRecord {
  std::string host, status;  // status: completed | failed | timeout | cancelled | config
  int64_t exit_code = 0;
  std::string stdout_text, stderr_text;
  int64_t duration_ms = 0;
  int64_t attempts = 1;
};
vm::Value make_job_result(const JobOutcomeRecord& r);
// Results over per-host JobResults in target order (SPEC §1.6).
vm::Value make_results(const std::vector<JobOutcomeRecord>& results);

// The `credential` a checkout answers (SPEC §1.8): who it acts as and the session that holds
// its secret — never the secret itself.
vm::Value make_credential(const std::string& username, const std::string& domain, const std::string& credential_type,
                          const std::string& identity, const std::string& session);

// A `host` record (SPEC §1.6); the service gives a registered host its tags and groups.
vm::Value make_host(const std::string& id, const std::string& hostname, const std::string& primary_ip, const std::string& os,
                    const std::vector<std::string>& tags = {}, const std::vector<std::string>& groups = {});

// An Error record (SPEC §1.7).
vm::Value make_error(stdlib::ErrorKind kind, std::string message, vm::Value detail = vm::Value());

}  // namespace wf::effects
