// Output streaming against the fake service: many small pieces go in few requests, a large piece
// is split into requests of at most the batch size, and nothing is lost or reordered in a stream.
#include <gtest/gtest.h>

#include <filesystem>
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

TEST(OutputStreamer, BatchesSmallPiecesAndSplitsLargeOnes) {
  FakeService service;
  const std::string credentials = (std::filesystem::temp_directory_path() / "wf-streamer-agent.json").string();
  Logger log{wf::agent::LogSink{}};
  ServerConnection server(service.url(), FakeService::kSecret, {"web1", "127.0.0.1", "linux"}, credentials, log, {});
  wf::client::HttpClient http(service.url());
  std::string error;
  ASSERT_EQ(server.enroll(http, error), ServerConnection::Enrollment::Enrolled) << error;
  std::filesystem::remove(credentials);

  std::string out;
  const std::string err(200 * 1024, 'e');
  {
    OutputStreamer streamer(server, 77, log);
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

TEST(OutputStreamer, StopsStreamingWhenTheServiceRefusesIt) {
  FakeService service;
  Logger log{wf::agent::LogSink{}};
  const std::string credentials = (std::filesystem::temp_directory_path() / "wf-streamer-agent2.json").string();
  ServerConnection server(service.url(), FakeService::kSecret, {"web1", "127.0.0.1", "linux"}, credentials, log, {});
  wf::client::HttpClient http(service.url());
  std::string error;
  ASSERT_EQ(server.enroll(http, error), ServerConnection::Enrollment::Enrolled) << error;
  std::filesystem::remove(credentials);
  service.forget_tokens();  // and the secret no longer matches what a reset service would want...
  OutputStreamer streamer(server, 78, log);
  streamer.add(OutputStream::Stdout, "x\n");
  streamer.finish();
  // The refused token made the agent enroll again and repeat the call, which then went through.
  EXPECT_EQ(service.calls_to("/api/v1/agents/register").size(), 2u);
  EXPECT_EQ(streamer.bytes_sent(), 2u);
}

}  // namespace
