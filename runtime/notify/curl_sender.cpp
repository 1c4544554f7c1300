// The libcurl multi interface on the libuv loop (see curl_sender.h).
#include "runtime/log/log.h"
#include "runtime/notify/curl_sender.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>

namespace wf::notify {

namespace {

constexpr size_t kMaxResponseBody = 64 * 1024;
// Finished transfers' handles kept for the next ones: as many as usually run at once.
constexpr size_t kSpareEasyHandles = 64;

int64_t monotonic_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

struct CurlSender::Transfer {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  curl_slist* recipients = nullptr;
  std::string body;
  size_t sent = 0;  // of an SMTP message, read by curl piece by piece
  std::string response;
  Callback done;
  int64_t started = 0;
  char error[CURL_ERROR_SIZE] = {};

  ~Transfer() {
    if (easy) curl_easy_cleanup(easy);
    curl_slist_free_all(headers);
    curl_slist_free_all(recipients);
  }
};

// A socket curl watches, with the poll handle that watches it for the loop; freed when the handle
// has closed.
struct CurlSender::Socket {
  uv_poll_t poll{};
  curl_socket_t fd = CURL_SOCKET_BAD;
  CurlSender* sender = nullptr;
};

namespace {

size_t on_response_data(char* data, size_t size, size_t n, void* user) {
  std::string& out = *static_cast<std::string*>(user);
  const size_t bytes = size * n;
  if (out.size() < kMaxResponseBody) out.append(data, std::min(bytes, kMaxResponseBody - out.size()));
  return bytes;
}

}  // namespace

CurlSender::CurlSender(uv_loop_t* loop, long max_per_host) : loop_(loop) {
  multi_ = curl_multi_init();
  if (!multi_) throw std::runtime_error("curl_multi_init failed");
  if (int rc = uv_timer_init(loop_, &timer_); rc != 0) throw std::runtime_error(fmt::format("uv_timer_init: {}", uv_strerror(rc)));
  timer_.data = this;
  CURLM* m = static_cast<CURLM*>(multi_);
  curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, &CurlSender::on_socket);
  curl_multi_setopt(m, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, &CurlSender::on_curl_timer);
  curl_multi_setopt(m, CURLMOPT_TIMERDATA, this);
  curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, max_per_host);
}

CurlSender::~CurlSender() { close(); }

void CurlSender::close() {
  if (closed_) return;
  closed_ = true;
  CURLM* m = static_cast<CURLM*>(multi_);
  for (Transfer* t : transfers_) {
    curl_multi_remove_handle(m, t->easy);  // its sockets' REMOVE closes their polls
    delete t;
  }
  transfers_.clear();
  // The cached connections' sockets are removed (their polls closed) now, while the loop runs.
  curl_multi_cleanup(m);
  multi_ = nullptr;
  for (void* e : spare_easy_) curl_easy_cleanup(static_cast<CURL*>(e));
  spare_easy_.clear();
  uv_timer_stop(&timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
}

bool CurlSender::send(const Outgoing& r, Callback done, std::string& error) {
  if (closed_) return error = "the sender is closed", false;
  auto t = std::make_unique<Transfer>();
  t->easy = static_cast<CURL*>(take_easy());
  if (!t->easy) return error = "curl_easy_init failed", false;
  t->body = r.body;
  t->done = std::move(done);
  CURL* e = t->easy;
  curl_easy_setopt(e, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(r.timeout_ms));
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min<int64_t>(r.timeout_ms, 10000)));
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error);
  curl_easy_setopt(e, CURLOPT_PRIVATE, t.get());
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https,smtp,smtps");
  if (!r.mail_from.empty() || !r.recipients.empty()) {
    curl_easy_setopt(e, CURLOPT_MAIL_FROM, r.mail_from.c_str());
    for (const std::string& to : r.recipients) t->recipients = curl_slist_append(t->recipients, to.c_str());
    curl_easy_setopt(e, CURLOPT_MAIL_RCPT, t->recipients);
    if (r.require_starttls) curl_easy_setopt(e, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
    if (!r.user.empty()) {
      curl_easy_setopt(e, CURLOPT_USERNAME, r.user.c_str());
      curl_easy_setopt(e, CURLOPT_PASSWORD, r.password.c_str());
    }
    curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(t->body.size()));
    // curl reads the message piece by piece from the transfer.
    using Reader = size_t (*)(char*, size_t, size_t, void*);
    Reader read = [](char* buffer, size_t size, size_t n, void* user) -> size_t {
      Transfer& from = *static_cast<Transfer*>(user);
      const size_t chunk = std::min(size * n, from.body.size() - from.sent);
      std::copy_n(from.body.data() + from.sent, chunk, buffer);
      from.sent += chunk;
      return chunk;
    };
    curl_easy_setopt(e, CURLOPT_READFUNCTION, read);
    curl_easy_setopt(e, CURLOPT_READDATA, t.get());
  } else {
    for (const std::string& h : r.headers) t->headers = curl_slist_append(t->headers, h.c_str());
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->body.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t->body.size()));
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_response_data);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &t->response);
  }
  t->started = monotonic_ms();
  if (CURLMcode rc = curl_multi_add_handle(static_cast<CURLM*>(multi_), e); rc != CURLM_OK)
    return error = curl_multi_strerror(rc), false;
  transfers_.push_back(t.release());
  return true;
}

int CurlSender::on_socket(void*, int fd, int action, void* self, void* socket) {
  auto* sender = static_cast<CurlSender*>(self);
  auto* s = static_cast<Socket*>(socket);
  CURLM* m = static_cast<CURLM*>(sender->multi_);
  if (action == CURL_POLL_REMOVE) {
    if (s) {
      uv_poll_stop(&s->poll);
      uv_close(reinterpret_cast<uv_handle_t*>(&s->poll), on_socket_closed);
      if (m) curl_multi_assign(m, fd, nullptr);
    }
    return 0;
  }
  if (sender->closed_) return -1;
  if (!s) {
    s = new Socket;
    s->fd = fd;
    s->sender = sender;
    if (int rc = uv_poll_init_socket(sender->loop_, &s->poll, fd); rc != 0) {
      log::error(fmt::format("notifications: cannot watch a socket: {}", uv_strerror(rc)));
      delete s;
      return -1;
    }
    s->poll.data = s;
    curl_multi_assign(m, fd, s);
  }
  int events = 0;
  if (action == CURL_POLL_IN || action == CURL_POLL_INOUT) events |= UV_READABLE;
  if (action == CURL_POLL_OUT || action == CURL_POLL_INOUT) events |= UV_WRITABLE;
  if (int rc = uv_poll_start(&s->poll, events, on_poll); rc != 0) {
    log::error(fmt::format("notifications: cannot watch a socket: {}", uv_strerror(rc)));
    return -1;
  }
  return 0;
}

int CurlSender::on_curl_timer(void*, long timeout_ms, void* self) {
  auto* sender = static_cast<CurlSender*>(self);
  if (sender->closed_) return 0;  // curl_multi_cleanup in close()
  if (timeout_ms < 0) {
    uv_timer_stop(&sender->timer_);
    return 0;
  }
  // 0 means "act now": not from inside curl's own call, so on the loop's next turn.
  if (int rc = uv_timer_start(&sender->timer_, on_timeout, static_cast<uint64_t>(timeout_ms == 0 ? 1 : timeout_ms), 0); rc != 0)
    return -1;
  return 0;
}

void CurlSender::on_timeout(uv_timer_t* handle) {
  try {
    static_cast<CurlSender*>(handle->data)->act(CURL_SOCKET_TIMEOUT, 0);
  } catch (const std::exception& e) {
    log::error(fmt::format("notifications: {}", e.what()));
  }
}

void CurlSender::on_poll(uv_poll_t* handle, int status, int events) {
  auto* s = static_cast<Socket*>(handle->data);
  int flags = 0;
  if (status < 0) flags = CURL_CSELECT_ERR;
  if (events & UV_READABLE) flags |= CURL_CSELECT_IN;
  if (events & UV_WRITABLE) flags |= CURL_CSELECT_OUT;
  try {
    s->sender->act(s->fd, flags);
  } catch (const std::exception& e) {
    log::error(fmt::format("notifications: {}", e.what()));
  }
}

void CurlSender::on_socket_closed(uv_handle_t* handle) { delete static_cast<Socket*>(handle->data); }

void CurlSender::act(int fd, int flags) {
  if (closed_) return;
  int running = 0;
  curl_multi_socket_action(static_cast<CURLM*>(multi_), fd, flags, &running);
  collect();
}

void CurlSender::collect() {
  CURLM* m = static_cast<CURLM*>(multi_);
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(m, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL* e = msg->easy_handle;
    const CURLcode result = msg->data.result;
    Transfer* t = nullptr;
    curl_easy_getinfo(e, CURLINFO_PRIVATE, reinterpret_cast<char**>(&t));
    Answer a;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &a.code);
    curl_off_t retry_after = -1;
    if (curl_easy_getinfo(e, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK && retry_after > 0)
      a.retry_after_ms = static_cast<int64_t>(retry_after) * 1000;
    if (result != CURLE_OK) {
      a.error = t->error[0] ? std::string(t->error) : std::string(curl_easy_strerror(result));
    }
    a.duration_ms = monotonic_ms() - t->started;
    a.body = std::move(t->response);
    curl_multi_remove_handle(m, e);
    give_back(e);
    t->easy = nullptr;
    transfers_.erase(std::remove(transfers_.begin(), transfers_.end(), t), transfers_.end());
    Callback done = std::move(t->done);
    delete t;
    if (done) done(a);
    if (closed_) return;  // a callback closed the sender
  }
}

void* CurlSender::take_easy() {
  if (spare_easy_.empty()) return curl_easy_init();
  void* e = spare_easy_.back();
  spare_easy_.pop_back();
  return e;
}

void CurlSender::give_back(void* easy) {
  if (closed_ || spare_easy_.size() >= kSpareEasyHandles) return curl_easy_cleanup(static_cast<CURL*>(easy));
  // Every option back to its default; what the handle learnt (its DNS entries) stays, and the
  // connections are the multi handle's.
  curl_easy_reset(static_cast<CURL*>(easy));
  spare_easy_.push_back(easy);
}

}  // namespace wf::notify
