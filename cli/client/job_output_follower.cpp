// A job's output, followed live (see job_output_follower.h).
#include "cli/client/job_output_follower.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <thread>

#include "cli/client/job_render.h"
#include "cli/client/service_connection.h"
#include "runtime/client/http_client.h"

namespace wf::cli {

namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kPollInterval{500};
constexpr std::chrono::milliseconds kFirstBackoff{200};
constexpr std::chrono::milliseconds kLongestBackoff{5000};
// How long the service may stay unreachable before the command gives up.
constexpr std::chrono::seconds kLongestOutage{60};

}  // namespace

bool JobOutputFollower::ended() const { return job_has_ended(text_field(job_, "status")); }

void JobOutputFollower::print_from(bool stderr_stream, int64_t offset, const std::string& text) {
  size_t& printed = stderr_stream ? printed_err_ : printed_out_;
  if (offset < 0 || static_cast<size_t>(offset) > printed) return;  // a gap: the caller reads the job
  const size_t skip = printed - static_cast<size_t>(offset);
  if (skip >= text.size()) return;
  if (!quiet_) {
    FILE* out = stderr_stream ? stderr : stdout;
    std::fwrite(text.data() + skip, 1, text.size() - skip, out);
    std::fflush(out);
  }
  printed += text.size() - skip;
}

bool JobOutputFollower::refresh(bool patient) {
  const std::string path = fmt::format("/jobs/{}", job_id_);
  if (!patient) {
    job_ = api_.get(path);
  } else {
    const client::HttpResult result = api_.send("GET", path);
    if (!result.ok()) {
      if (!ServiceConnection::is_transient(result)) api_.fail_request(result);
      const auto now = SteadyClock::now();
      if (!outage_since_) {
        outage_since_ = now;
        fmt::print(stderr, "wf: the service does not answer ({}); still trying\n", result.describe());
      } else if (now - *outage_since_ > kLongestOutage) {
        api_.fail_request(result);
      }
      return false;
    }
    if (outage_since_) fmt::print(stderr, "wf: the service answers again\n");
    outage_since_.reset();
    job_ = ServiceConnection::parse_answer(result);
  }
  print_from(false, 0, text_field(job_, "stdout"));
  print_from(true, 0, text_field(job_, "stderr"));
  return true;
}

Json JobOutputFollower::run(bool follow) {
  refresh(/*patient=*/false);  // a wrong id or token ends the command here
  if (!follow) return job_;

  client::HttpClient http(api_.server(), api_.token());
  const std::string events = fmt::format("/api/v1/jobs/{}/events", job_id_);
  std::string last_event_id;
  bool streaming = true;
  std::chrono::milliseconds backoff = kFirstBackoff;
  while (!ended()) {
    if (!streaming) {
      std::this_thread::sleep_for(kPollInterval);
      refresh(true);
      continue;
    }
    // The first connection asks for the job's stored events from the start, so a job that ended
    // since the first read is seen ending; later ones resume after the last event received.
    std::vector<std::string> headers;
    std::string path = events;
    if (last_event_id.empty()) path += "?after=0";
    else headers.push_back("Last-Event-ID: " + last_event_id);
    client::SseParser parser;
    bool job_ended = false;
    const auto connected_at = SteadyClock::now();
    const client::HttpResult result = http.stream(path, headers, [&](std::string_view piece) {
      return parser.feed(piece, [&](const client::SseParser::Event& event) {
        if (!event.id.empty()) last_event_id = event.id;
        const Json whole = Json::parse(event.data, nullptr, /*allow_exceptions=*/false);
        const Json* data = field(whole, "data");
        if (data == nullptr) return true;
        if (event.type == "job.completed") {
          job_ended = true;
          return false;
        }
        if (event.type != "job.output") return true;
        const bool stderr_stream = text_field(*data, "stream") == "stderr";
        const auto offset = int_field(*data, "offset");
        if (!offset) return true;
        // A chunk beyond what was printed: one before it was missed, and the job has it.
        if (static_cast<size_t>(*offset) > (stderr_stream ? printed_err_ : printed_out_)) refresh(true);
        print_from(stderr_stream, *offset, text_field(*data, "text"));
        return true;
      });
    });
    if (job_ended) {
      // The job's stored output is the whole of it: read until the service answers.
      while (!refresh(true)) std::this_thread::sleep_for(kPollInterval);
      continue;
    }
    // A service without job streams answers 4xx, which will not change: poll instead.
    if (result.error.empty() && result.status >= 400 && result.status < 500) {
      streaming = false;
      continue;
    }
    if (SteadyClock::now() - connected_at > kLongestBackoff) backoff = kFirstBackoff;
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, kLongestBackoff);
    refresh(true);  // what the broken stream did not bring, and whether the job has ended
  }
  return job_;
}

}  // namespace wf::cli
