// A test with a `wf serve` of its own started with more flags (`--metrics-public`,
// `--log-format json`), for the tests of what those flags change; otherwise as ServiceTest.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tests/runtime/service/service_fixture.h"

namespace wf::testing {

class FlaggedService {
 public:
  FlaggedService(std::filesystem::path dir, std::vector<std::string> flags)
      : dir_(std::move(dir)), flags_(std::move(flags)), port_(free_port()) {}

  // Starts `wf serve` with the flags and waits until it is ready.
  bool start() {
    std::vector<std::string> args = {"serve", "--data", (dir_ / "data").string(), "--listen", "127.0.0.1:" + std::to_string(port_)};
    args.insert(args.end(), flags_.begin(), flags_.end());
    if (!process_.spawn(args, dir_ / "serve.log")) return false;
    client::HttpClient probe(url());
    return wait_until([&] { return !process_.running() || probe.get("/api/v1/ready", 1000).ok(); }, std::chrono::seconds(60)) &&
           process_.running();
  }
  int stop() { return process_.terminate(); }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  std::string admin_token() const { return read_first_line(dir_ / "data" / "admin.token"); }
  std::string log() const { return file_bytes(dir_ / "serve.log"); }

 private:
  std::filesystem::path dir_;
  std::vector<std::string> flags_;
  int port_;
  Process process_;
};

class FlaggedServiceTest : public ::testing::Test {
 protected:
  FlaggedServiceTest(std::string prefix, std::vector<std::string> flags) : prefix_(std::move(prefix)), flags_(std::move(flags)) {}
  void SetUp() override {
    dir_ = make_temp_dir(prefix_);
    service_ = std::make_unique<FlaggedService>(dir_, flags_);
    ASSERT_TRUE(service_->start()) << service_->log();
    api_ = std::make_unique<client::HttpClient>(service_->url(), service_->admin_token());
  }
  void TearDown() override {
    if (service_) service_->stop();
    std::error_code ec;
    if (!HasFailure()) std::filesystem::remove_all(dir_, ec);
  }

  std::string prefix_;
  std::vector<std::string> flags_;
  std::filesystem::path dir_;
  std::unique_ptr<FlaggedService> service_;
  std::unique_ptr<client::HttpClient> api_;
};

}  // namespace wf::testing
