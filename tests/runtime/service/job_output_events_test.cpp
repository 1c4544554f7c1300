// A running job's output as Server-Sent Events (docs/api.md, Events): an ad-hoc job on a real
// `wf agent` writes lines over a second and a half, and a client of the job's stream
// (`GET /jobs/{id}/events`) and of the organization's stream receives `job.output` events whose
// chunks, in order of arrival, start where the previous one ended and add up to the job's whole
// stdout; they arrive before the job's `job.completed`, and carry no event id (they are not
// stored, so Last-Event-ID never points at one).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/runtime/service/service_fixture.h"

namespace wf::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Frame {
  std::string id, type;
  json data;
  // The event's own `data` (the frame's data is the whole event); {} when it has none.
  json inner() const { return data.is_object() && data.contains("data") ? data["data"] : json::object(); }
};

// Reads `path` until a `job.completed` of `job` arrives or the deadline passes (keep-alives every
// 15 s wake the reader, so the deadline bounds the wait to within that); counts `ready` up once
// the job's `job.queued` has arrived.
std::vector<Frame> read_until_completed(const Service& service, const std::string& path, int64_t job,
                                        Clock::time_point deadline, std::atomic<int>& ready) {
  client::HttpClient c(service.url(), service.admin_token());
  client::SseParser parser;
  std::vector<Frame> frames;
  c.stream(path, {}, [&](std::string_view piece) {
    const bool more = parser.feed(piece, [&](const client::SseParser::Event& e) {
      Frame f{e.id, e.type, json::parse(e.data, nullptr, false)};
      frames.push_back(f);
      if (f.type == "job.queued" && f.inner().value("job_id", int64_t{0}) == job) ++ready;
      return !(f.type == "job.completed" && f.inner().value("job_id", int64_t{0}) == job);
    });
    return more && Clock::now() < deadline;
  });
  return frames;
}

class JobOutputEvents : public ServiceTest {
 protected:
  JobOutputEvents() : ServiceTest("wf-job-output") {}
  void SetUp() override {
    ServiceTest::SetUp();
    ASSERT_TRUE(agent_.start(*service_, "web1"));
    ASSERT_TRUE(wait_until([&] { return body_json(api_->get("/api/v1/hosts")).value("total", 0) == 1; })) << service_->log();
  }
  void TearDown() override {
    agent_.stop();
    ServiceTest::TearDown();
  }

  // The job's output chunks of one stream, checked to follow each other without gap or overlap.
  void expect_contiguous(const std::vector<Frame>& frames, int64_t job, const std::string& stream, const std::string& whole) {
    std::string joined;
    int chunks = 0;
    bool completed = false;
    for (const Frame& f : frames) {
      if (f.type == "job.completed" && f.inner().value("job_id", int64_t{0}) == job) completed = true;
      if (f.type != "job.output") continue;
      ASSERT_TRUE(f.data.is_object()) << "job.output data is not JSON";
      EXPECT_TRUE(f.id.empty()) << "a job.output event carries an id: " << f.id;
      EXPECT_EQ(f.data.value("type", ""), "job.output");
      const json d = f.inner();
      if (d.value("job_id", int64_t{0}) != job || d.value("stream", "") != stream) continue;
      EXPECT_FALSE(completed) << "output after the job's end";
      EXPECT_EQ(d.value("offset", int64_t{-1}), static_cast<int64_t>(joined.size())) << "a chunk out of order: " << f.data.dump();
      EXPECT_EQ(d.value("host", ""), "web1");
      joined += d.value("text", "");
      ++chunks;
    }
    EXPECT_TRUE(completed) << "no job.completed";
    EXPECT_EQ(joined, whole);
    // Lines written 0.3 s apart come in more than one chunk: the output was streamed, not sent at the end.
    EXPECT_GE(chunks, 2);
  }

  Agent agent_;
};

TEST_F(JobOutputEvents, ChunksArriveInOrderOnTheJobAndOrganizationStreams) {
  // The job waits in its queue until both streams are open: no chunk can come before them.
  agent_.stop();
  auto created = api_->post("/api/v1/jobs",
                            json({{"host", "web1"},
                                  {"command", "for i in 1 2 3 4 5; do echo line$i; sleep 0.3; done; echo oops >&2"}})
                                .dump());
  ASSERT_EQ(created.status, 201) << created.body;
  const int64_t job = body_json(created)["id"].get<int64_t>();

  const auto deadline = Clock::now() + std::chrono::seconds(30);
  std::atomic<int> ready{0};
  std::vector<Frame> organization, own;
  std::thread org_reader([&] { organization = read_until_completed(*service_, "/api/v1/events", job, deadline, ready); });
  std::thread job_reader([&] {
    own = read_until_completed(*service_, "/api/v1/jobs/" + std::to_string(job) + "/events", job, deadline, ready);
  });
  const bool both_open = wait_until([&] { return ready.load() == 2; });
  if (both_open) {
    EXPECT_TRUE(agent_.start(*service_, "web1"));
  }
  org_reader.join();
  job_reader.join();
  ASSERT_TRUE(both_open) << "the streams did not deliver the job's job.queued";
  ASSERT_FALSE(own.empty());

  const json detail = body_json(api_->get("/api/v1/jobs/" + std::to_string(job)));
  ASSERT_EQ(detail.value("status", ""), "completed") << detail.dump();
  const std::string out = detail.value("stdout", "");
  ASSERT_EQ(out, "line1\nline2\nline3\nline4\nline5\n");
  expect_contiguous(own, job, "stdout", out);
  expect_contiguous(organization, job, "stdout", out);
  // The job's stream has only this job's events, the stored ones with ids.
  for (const Frame& f : own) {
    EXPECT_EQ(f.inner().value("job_id", int64_t{0}), job) << f.data.dump();
    if (f.type != "job.output") {
      EXPECT_FALSE(f.id.empty()) << f.type;
    }
  }
  EXPECT_EQ(own.front().type, "job.queued");
}

TEST_F(JobOutputEvents, AJobHasAStreamAndAnUnknownJobIs404) {
  auto created = api_->post("/api/v1/jobs", json({{"host", "web1"}, {"command", "true"}}).dump());
  ASSERT_EQ(created.status, 201) << created.body;
  client::HttpClient c(service_->url(), service_->admin_token());
  std::string first;
  auto opened = c.stream("/api/v1/jobs/" + std::to_string(body_json(created)["id"].get<int64_t>()) + "/events", {},
                         [&](std::string_view piece) {
                           first = piece;
                           return false;
                         });
  EXPECT_EQ(opened.status, 200) << opened.describe();
  EXPECT_NE(first.find("event: job.queued"), std::string::npos) << first;
  auto r = api_->get("/api/v1/jobs/999/events");
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(body_json(r)["error"].value("code", ""), "not_found");
}

}  // namespace
}  // namespace wf::testing
