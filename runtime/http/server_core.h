// The state behind a Server: the listening socket, the list of connections, the deferred
// resumption of pipelined requests, and the close sequence. It lives on the heap and frees itself
// after its last handle has closed, so a Server can go away while libuv still holds handles.
#pragma once

#include <uv.h>

#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "runtime/http/server.h"

namespace wf::http {

class Connection;

class ServerCore {
 public:
  ServerCore(uv_loop_t* loop, Handler handler, Limits limits);
  ServerCore(const ServerCore&) = delete;
  ServerCore& operator=(const ServerCore&) = delete;

  bool listen(const std::string& host, int port, std::string& error);
  int port() const;
  void close(std::function<void()> done);
  size_t connection_count() const { return connection_count_; }
  // The owning Server is gone: close if still open, and free this once everything has closed.
  void release();

  // What connections share.
  uv_loop_t* loop() const { return loop_; }
  const Limits& limits() const { return limits_; }
  const Handler& handler() const { return handler_; }
  bool closing() const { return closing_; }
  // One read buffer for every connection: libuv hands each read to its callback before the next
  // allocation, and a connection copies whatever it keeps.
  uv_buf_t read_buffer() { return uv_buf_init(read_buffer_.get(), kReadBufferSize); }
  // The Date header's value, formatted once a second.
  std::string_view date();
  // Asks for `connection->resume_parsing()` from a loop callback of its own, so that answering
  // one request never runs another connection's handler inside the caller's stack.
  void schedule_resume(Connection* connection);
  void cancel_resume(Connection* connection);
  // Called by a connection whose handles have all closed; deletes it.
  void connection_closed(Connection* connection);

  // The caps on connections, applied to a connection just accepted. False when it must close:
  // its address has max_connections_per_address open, or max_connections are open and none of
  // them is evictable. Otherwise the evictable one listed first is closed to make room, and the
  // new one is counted.
  bool admit(Connection& connection);
  // The connection starts closing: it no longer counts against the caps.
  void connection_closing(Connection& connection);
  // The connections that may be closed to make room: those waiting for a request's headers (new,
  // trickling, or idle between requests) and those lingering after their last answer, in the
  // order they became so. mark_evictable() on a connection already listed keeps its place.
  void mark_evictable(Connection& connection);
  void unmark_evictable(Connection& connection);

 private:
  static constexpr size_t kReadBufferSize = 64 * 1024;

  static void on_connection(uv_stream_t* listener, int status);
  static void on_listener_closed(uv_handle_t* handle);
  static void on_resume(uv_idle_t* idle);
  static void on_resume_closed(uv_handle_t* handle);
  void accept(uv_stream_t* listener);
  void reject(uv_stream_t* listener);
  void close_listener();
  void finish_if_closed();

  uv_loop_t* loop_;
  Handler handler_;
  Limits limits_;
  uv_tcp_t* listener_ = nullptr;  // heap: a failed listen closes it while a new one may start
  size_t open_listeners_ = 0;     // including those still closing
  uv_idle_t resume_idle_;
  bool resume_idle_open_ = false;
  std::vector<Connection*> resume_queue_;
  std::vector<Connection*> resuming_;
  Connection* connections_ = nullptr;
  size_t connection_count_ = 0;
  // The connections counted against the caps: admitted and not yet closing. A closing one still
  // holds its socket for a turn of the loop, which the caps need not wait for.
  size_t admitted_count_ = 0;
  std::unordered_map<std::string, size_t> per_address_;
  Connection* evictable_first_ = nullptr;  // evicted first
  Connection* evictable_last_ = nullptr;
  std::unique_ptr<char[]> read_buffer_;
  std::time_t date_second_ = 0;
  std::string date_;
  bool closing_ = false;
  bool finished_ = false;
  bool released_ = false;
  bool notifying_ = false;
  std::vector<std::function<void()>> done_;
};

}  // namespace wf::http
