// Receivers of notifications on 127.0.0.1 for the tests that send them (the service's, and
// `wf run --notify`'s): the scripted HTTP receiver notification_receiver.py for webhooks, Slack
// and PagerDuty, and Debian's aiosmtpd for email.
#pragma once

#include <netinet/in.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>

#include "service_fixture.h"

namespace wf::testing {

// The Debian python3 (which has aiosmtpd), else whatever python3 the PATH names.
inline std::string python() { return std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3"; }

// notification_receiver.py on a port of its own.
class Receiver {
 public:
  bool start(const std::filesystem::path& dir) {
    const auto port_file = dir / "receiver.port";
    if (!child_.spawn_program(python(), {std::string(WF_SOURCE_DIR) + "/tests/runtime/service/notification_receiver.py", port_file.string()},
                      dir / "receiver.log"))
      return false;
    if (!wait_until([&] { return std::filesystem::exists(port_file); }, std::chrono::seconds(20))) return false;
    url_ = "http://127.0.0.1:" + read_first_line(port_file);
    client_ = std::make_unique<client::HttpClient>(url_);
    return true;
  }
  const std::string& url() const { return url_; }
  void script(const std::string& path, nlohmann::json responses, const std::string& secret = "") {
    nlohmann::json order = {{"path", path}, {"responses", std::move(responses)}};
    if (!secret.empty()) order["secret"] = secret;
    ASSERT_EQ(client_->post("/_control/script", order.dump()).status, 200);
  }
  // The requests received on `path`, in arrival order.
  nlohmann::json received(const std::string& path) {
    nlohmann::json all = body_json(client_->get("/_control/received"));
    nlohmann::json out = nlohmann::json::array();
    for (const nlohmann::json& r : all.is_array() ? all : nlohmann::json::array())
      if (r.value("path", "") == path) out.push_back(r);
    std::sort(out.begin(), out.end(), [](const nlohmann::json& a, const nlohmann::json& b) { return a["at"].get<double>() < b["at"].get<double>(); });
    return out;
  }

 private:
  Process child_;  // killed with the receiver
  std::string url_;
  std::unique_ptr<client::HttpClient> client_;
};

inline std::string whsec(const std::string& key) {
  std::string out(sodium_base64_encoded_len(key.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::char_traits<char>::length(out.c_str()));
  return "whsec_" + out;
}

// aiosmtpd's debugging server on a port of its own: every message it takes is printed to its log.
class SmtpServer {
 public:
  bool start(const std::filesystem::path& dir) {
    port_ = free_port();
    log_ = dir / "smtp.log";
    if (!child_.spawn_program(python(), {"-u", "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:" + std::to_string(port_)}, log_)) return false;
    return wait_until([&] {
      const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      a.sin_port = htons(static_cast<uint16_t>(port_));
      const bool up = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
      ::close(fd);
      return up;
    });
  }
  int port() const { return port_; }
  // What it has printed: the messages it took.
  std::string mail() const { return file_bytes(log_); }

 private:
  Process child_;  // killed with the server
  int port_ = 0;
  std::filesystem::path log_;
};

}  // namespace wf::testing
