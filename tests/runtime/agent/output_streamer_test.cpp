// Output streaming against the fake service: many small pieces go in few requests, a large piece
// is split into requests of at most the batch size, nothing is lost or reordered in a stream, a
// refused token is renewed, output the service refuses is no longer sent, and a job without
// output costs no sending thread.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "fake_service.h"
#include "runtime/agent/output_streamer.h"
#include "runtime/agent/server_connection.h"

namespace {

using wf::agent::Logger;
using wf::agent::OutputStreamer;
using wf::agent::ServerConnection;
using wf::agent::testing::FakeService;
using wf::jobs::OutputStream;

size_t threads_of_this_process() {
  size_t count = 0;
  for ([[maybe_unused]] const auto& task : std::filesystem::directory_iterator("/proc/self/task")) ++count;
  return count;
}

class OutputStreamerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "wf-streamer-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  // An enrolled connection to `service`, keeping its registration in the test's folder.
  std::unique_ptr<ServerConnection> connect(const FakeService& service) {
    auto server = std::make_unique<ServerConnection>(service.url(), FakeService::kSecret,
                                                     wf::agent::HostIdentity{"web1", "127.0.0.1", "linux"},
                                                     dir_ + "/agent.json", log_, std::function<void()>{});
    wf::client::HttpClient http(service.url());
    std::string error;
    const bool enrolled = server->enroll(http, error) == ServerConnection::Enrollment::Enrolled;
    return enrolled ? std::move(server) : nullptr;
  }

  std::string dir_;
  Logger log_{wf::agent::LogSink{}};
  const wf::agent::SecretMask no_secrets_{{}};
};

TEST_F(OutputStreamerTest, BatchesSmallPiecesAndSplitsLargeOnes) {
  FakeService service;
  auto server = connect(service);
  ASSERT_TRUE(server);

  std::string out;
  const std::string err(200 * 1024, 'e');
  {
    OutputStreamer streamer(*server, 77, log_, no_secrets_);
    for (int i = 0; i < 100; ++i) {
      const std::string line = "line " + std::to_string(i) + "\n";
      streamer.add(OutputStream::Stdout, line);
      out += line;
    }
    streamer.add(OutputStream::Stderr, err);
    streamer.finish();
    EXPECT_EQ(streamer.bytes_sent(), out.size() + err.size());
  }

  std::string got_out, got_err;
  int out_calls = 0, err_calls = 0;
  for (const auto& call : service.calls_to("/api/v1/agents/jobs/77/output")) {
    const std::string data = call.body["data"].get<std::string>();
    EXPECT_LE(data.size(), OutputStreamer::kBatchBytes);
    if (call.body["stream"] == "stdout") {
      got_out += data;
      ++out_calls;
    } else {
      got_err += data;
      ++err_calls;
    }
  }
  EXPECT_EQ(got_out, out);
  EXPECT_EQ(got_err, err);
  EXPECT_LT(out_calls, 10);  // a hundred pieces, a handful of requests
  EXPECT_EQ(err_calls, 4);   // 200 KiB in 64 KiB requests
}

TEST_F(OutputStreamerTest, EnrollsAgainWhenTheTokenIsRefused) {
  FakeService service;
  auto server = connect(service);
  ASSERT_TRUE(server);
  service.forget_tokens();  // as after a reset of the service
  OutputStreamer streamer(*server, 78, log_, no_secrets_);
  streamer.add(OutputStream::Stdout, "x\n");
  streamer.finish();
  EXPECT_EQ(service.calls_to("/api/v1/agents/register").size(), 2u);
  EXPECT_EQ(streamer.bytes_sent(), 2u);
  EXPECT_EQ(service.calls_to("/api/v1/agents/jobs/78/output").back().authorization, "Bearer token-2");
}

TEST_F(OutputStreamerTest, StopsStreamingWhenTheServiceRefusesIt) {
  FakeService service;
  auto server = connect(service);
  ASSERT_TRUE(server);
  service.answer_output(79, 409);
  OutputStreamer streamer(*server, 79, log_, no_secrets_);
  streamer.add(OutputStream::Stdout, "first\n");
  ASSERT_TRUE(service.wait_until([&] { return !service.calls_to("/api/v1/agents/jobs/79/output").empty(); }));
  for (int i = 0; i < 3; ++i) streamer.add(OutputStream::Stdout, "more\n");
  streamer.finish();
  EXPECT_EQ(service.calls_to("/api/v1/agents/jobs/79/output").size(), 1u);
  EXPECT_EQ(streamer.bytes_sent(), 0u);
}

TEST_F(OutputStreamerTest, AJobWithoutOutputStartsNoThread) {
  FakeService service;
  auto server = connect(service);
  ASSERT_TRUE(server);
  const size_t before = threads_of_this_process();
  {
    OutputStreamer streamer(*server, 80, log_, no_secrets_);
    EXPECT_EQ(threads_of_this_process(), before);
    streamer.finish();
  }
  EXPECT_TRUE(service.calls_to("/api/v1/agents/jobs/80/output").empty());
}

TEST_F(OutputStreamerTest, ACharacterCutAtTheEndIsSentWhenTheJobEnds) {
  FakeService service;
  auto server = connect(service);
  ASSERT_TRUE(server);
  {
    OutputStreamer streamer(*server, 81, log_, no_secrets_);
    streamer.add(OutputStream::Stdout, "\xc3");  // the first byte of "é", whose second never comes
    streamer.finish();
    EXPECT_EQ(streamer.bytes_sent(), 1u);
  }
  EXPECT_EQ(service.calls_to("/api/v1/agents/jobs/81/output").size(), 1u);
}

// A secret cut between two pieces of output, and a multi-byte character cut after it, reach the
// service masked and whole; the held-back end of a stream goes out at the finish.
TEST_F(OutputStreamerTest, MasksSecretsSplitBetweenPieces) {
  FakeService service;
  auto server = connect(service);
  ASSERT_TRUE(server);
  const wf::agent::SecretMask mask({"s3cr3t-Pa55"});
  {
    OutputStreamer streamer(*server, 80, log_, mask, std::chrono::milliseconds(1));
    streamer.add(OutputStream::Stdout, "a line long enough to be sent before the token=s3cr");
    streamer.add(OutputStream::Stderr, "+ echo czNjcjN0");
    ASSERT_TRUE(service.wait_until([&] { return !service.calls_to("/api/v1/agents/jobs/80/output").empty(); }));
    streamer.add(OutputStream::Stdout, "3t-Pa55 \xC3");
    streamer.add(OutputStream::Stderr, "LVBhNTU=\n");
    streamer.add(OutputStream::Stdout, "\xA9 s3cr3t-Pa55");
    streamer.finish();
  }
  std::string got_out, got_err;
  for (const auto& call : service.calls_to("/api/v1/agents/jobs/80/output"))
    (call.body["stream"] == "stdout" ? got_out : got_err) += call.body["data"].get<std::string>();
  EXPECT_EQ(got_out, "a line long enough to be sent before the token=*** \xC3\xA9 ***");
  EXPECT_EQ(got_err, "+ echo ***\n");
}

}  // namespace
