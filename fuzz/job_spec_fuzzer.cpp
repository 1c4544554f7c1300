// libFuzzer entry for the agent's job messages (runtime/agent/job_wire.h): any JSON a service
// could hand out as a job spec is translated into an executor spec or refused with a one-line
// error, and any bytes a job prints make a completion body and an output message that are valid
// JSON, without a crash, a sanitizer report or a leak.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "runtime/agent/job_wire.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const nlohmann::json spec = nlohmann::json::parse(text, nullptr, false);
  if (!spec.is_discarded()) {
    (void)wf::agent::job_id_of(spec);
    (void)wf::agent::job_description(spec);
    wf::jobs::JobSpec job;
    std::string error;
    const bool ok = wf::agent::translate_job_spec(spec, job, error);
    if (!ok && error.empty()) __builtin_trap();
    (void)wf::agent::dump_lenient(spec);
  }
  // The same bytes as a job's output, in the completion body and an output message.
  wf::jobs::JobReport report;
  const size_t half = size / 2;
  report.stdout_text.assign(text.substr(0, half));
  report.stderr_text.assign(text.substr(half));
  report.outcome = static_cast<wf::jobs::JobOutcome>(size % 6);
  report.error.assign(text.substr(0, size % 64 < size ? size % 64 : size));
  const size_t limit = 256 + size % 1024;
  const std::string body = wf::agent::completion_body(report, limit);
  const nlohmann::json parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) __builtin_trap();
  const std::string output = wf::agent::output_body(wf::jobs::OutputStream::Stderr, text);
  if (nlohmann::json::parse(output, nullptr, false).is_discarded()) __builtin_trap();
  return 0;
}
