// Sends HTTP POSTs and SMTP messages without ever blocking the libuv loop: libcurl's multi
// interface driven by the loop (curl_multi_socket_action, a uv_poll_t per socket curl opens and
// one uv_timer_t for curl's timeouts — the pattern of libcurl's multi-uv example). Connections
// are reused, and bounded per destination host.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace wf::notify {

struct Outgoing {
  std::string url;                   // http(s)://... or smtp(s)://host:port
  std::vector<std::string> headers;  // "Name: value" (HTTP)
  std::string body;                  // the POST body, or the whole RFC 5322 message (SMTP)
  int64_t timeout_ms = 15000;
  // SMTP only.
  std::string mail_from;
  std::vector<std::string> recipients;
  bool require_starttls = false;
  std::string user, password;
};

// What became of one transfer.
struct Answer {
  long code = 0;            // the HTTP status, or the last SMTP reply; 0 when none came
  std::string error;        // curl's account of a transfer that failed; "" when a reply came
  int64_t retry_after_ms = -1;  // the response's Retry-After, -1 without one
  int64_t duration_ms = 0;
  std::string body;  // the response body (HTTP), capped
};

// Threading: the loop thread only.
class CurlSender {
 public:
  using Callback = std::function<void(const Answer&)>;
  explicit CurlSender(uv_loop_t* loop, long max_per_host = 8);
  ~CurlSender();
  CurlSender(const CurlSender&) = delete;
  CurlSender& operator=(const CurlSender&) = delete;

  // Starts a transfer; `done` is called on the loop thread when it ends (never from inside
  // send). False (with `error`) when it could not be started.
  bool send(const Outgoing& request, Callback done, std::string& error);
  size_t in_flight() const { return transfers_.size(); }
  // Drops the transfers under way (their callbacks are not called) and closes the handles.
  void close();

 private:
  struct Transfer;
  struct Socket;
  static int on_socket(void* easy, int fd, int action, void* self, void* socket);
  static int on_curl_timer(void* multi, long timeout_ms, void* self);
  static void on_timeout(uv_timer_t* handle);
  static void on_poll(uv_poll_t* handle, int status, int events);
  static void on_socket_closed(uv_handle_t* handle);
  void act(int fd, int flags);
  void collect();
  // An easy handle for a new transfer: a finished one reset, else a new one; nullptr on failure.
  void* take_easy();
  // Keeps a finished transfer's handle for the next (up to kSpareEasyHandles), else frees it.
  void give_back(void* easy);

  uv_loop_t* loop_;
  void* multi_ = nullptr;  // CURLM*
  uv_timer_t timer_{};
  bool closed_ = false;
  std::vector<Transfer*> transfers_;
  // Finished transfers' easy handles (CURL*), reset for the next: a new handle for every transfer
  // cost more than the transfer's own options.
  std::vector<void*> spare_easy_;
};

}  // namespace wf::notify
