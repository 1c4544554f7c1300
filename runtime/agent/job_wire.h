// The job messages of the agent API (docs/api.md, "Jobs and agents") in the executor's terms: a
// job spec handed out by `poll` becomes a jobs::JobSpec, and a jobs::JobReport becomes the body of
// `complete`. Only this file knows the wire shape of a job.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "jobs/job.h"

namespace wf::agent {

// The service refuses request bodies above 1 MiB (docs/api.md, Conventions).
inline constexpr size_t kMaxRequestBytes = size_t{1} << 20;

// The job's id (a positive integer), or 0 when the spec has none: such a job cannot even be
// reported on.
int64_t job_id_of(const nlohmann::json& spec);

// A short human description for log lines: the spec's `description`, else what it runs.
std::string job_description(const nlohmann::json& spec);

// Translates a job spec. Returns false with a one-line `error` for a spec the executor cannot
// run as given (unknown kind, a field of the wrong type or out of range); nothing is guessed.
bool translate_job_spec(const nlohmann::json& spec, jobs::JobSpec& out, std::string& error);

// The body of `POST /agents/jobs/{id}/complete` for `report`. Output that is not valid UTF-8 is
// sent with U+FFFD in place of the bad bytes. When stdout and stderr together would make the body
// larger than `max_bytes`, their ends are cut and flagged truncated (the service has them whole
// from the streamed output).
std::string completion_body(const jobs::JobReport& report, size_t max_bytes = kMaxRequestBytes);

// The body of a completion for a job that produced no process: `status` is an executor outcome
// name ("config", "failed", "cancelled", "internal").
std::string failure_body(std::string_view status, std::string_view error);

// The body of `POST /agents/jobs/{id}/output`.
std::string output_body(jobs::OutputStream stream, std::string_view data);

// JSON text that survives any bytes in its strings (invalid UTF-8 becomes U+FFFD).
std::string dump_lenient(const nlohmann::json& j);

}  // namespace wf::agent
