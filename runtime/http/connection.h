// One accepted TCP connection: it reads bytes, parses requests (RequestParser), hands each
// complete request to the handler, writes the answers in order, and closes on error, on request,
// on idleness, on a request too slow to arrive, or when the server closes.
#pragma once

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/http/connection_exchange.h"
#include "runtime/http/request.h"
#include "runtime/http/request_parser.h"

namespace wf::http {

class ServerCore;

// Lives on the heap, owned by its ServerCore's list; it frees itself once both of its handles
// have closed. Pipelining: while an exchange is open the parser stays paused and further bytes
// wait in `pending_input_`, so answers go out in request order.
class Connection : private RequestParser::Listener {
 public:
  explicit Connection(ServerCore& server);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Accepts the pending connection of `listener` and starts reading. On failure the connection
  // closes itself.
  void start(uv_stream_t* listener);
  // Closes at once. An unfinished exchange is notified from the close callback.
  void close_now();
  // Parses the requests that arrived while the previous one was being answered. Called by the
  // server from a loop callback, never from inside a handler's call.
  void resume_parsing();

  // The exchange's operations (ConnectionExchange forwards them while it is attached).
  void respond(ConnectionExchange& exchange, Response&& response);
  void start_stream(ConnectionExchange& exchange, int status, HeaderList&& headers);
  bool send_piece(ConnectionExchange& exchange, std::string_view piece);
  void end_stream(ConnectionExchange& exchange);

  // The peer's IP address, without its port: what the per-address cap counts.
  const std::string& address() const { return address_; }

  // The server's list of connections (intrusive: no allocation per connection beyond this one).
  Connection* prev = nullptr;
  Connection* next = nullptr;
  bool resume_queued = false;
  // The server's list of connections it may close to make room for a new one (ServerCore::admit):
  // those waiting for a request's headers and those lingering after their last answer.
  Connection* evictable_prev = nullptr;
  Connection* evictable_next = nullptr;
  bool evictable = false;
  // Counted by the server (its total and its per-address count) until close_now().
  bool admitted = false;

 private:
  // Where the connection is in its request cycle; each phase has its own deadline.
  enum class Phase {
    awaiting_request,  // a keep-alive connection between requests: the idle timeout
    reading_headers,   // from the accept or the next request's first byte: header_timeout_ms
    reading_body,      // from the end of the headers: body_timeout_ms
    answering,         // the handler holds the exchange: no deadline (long-polls, streams)
  };
  struct WriteRequest;

  // libuv callbacks.
  static void on_alloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void on_write(uv_write_t* req, int status);
  static void on_shutdown(uv_shutdown_t* req, int status);
  static void on_timer(uv_timer_t* timer);
  static void on_handle_closed(uv_handle_t* handle);

  // RequestParser::Listener.
  void request_begins() override;
  bool headers_parsed(Request& request, bool wants_continue) override;

  void read(const char* data, size_t length);
  void read_ended(ssize_t status);
  // Feeds bytes to the parser and dispatches every request they complete, until an exchange
  // stays open; the rest is kept for later.
  void consume(const char* data, size_t length);
  void keep_input(const char* data, size_t length);
  void start_reading();
  void stop_reading();
  void dispatch();
  void handler_failed(const std::shared_ptr<ConnectionExchange>& exchange, std::string_view what);
  void refuse(int status, std::string_view code, std::string_view message);

  void finish_exchange();
  // After an answer: go on with the next request, or close when this one was the last.
  void after_answer(bool keep_alive);
  // Half-closes after the last answer has been written and discards what the peer still sends
  // for a moment, so that the peer reads the answer rather than a reset.
  void close_gracefully();
  // Writes `out_`; false when the connection closed (write error, reader too far behind).
  bool write_out();
  bool write_bytes(std::string_view bytes);
  void enter_phase(Phase phase);
  // When the timer must fire next (lingering, idleness, the phase's deadline); 0: never.
  uint64_t next_due() const;
  // Starts the timer for next_due() unless it is already due no later than that.
  void arm_timer();
  // A phase's deadline has passed: 408 when part of a request arrived, else a plain close.
  void timed_out(std::string_view what, uint64_t limit_ms);

  ServerCore& server_;
  uv_tcp_t tcp_;
  uv_timer_t timer_;
  uv_shutdown_t shutdown_request_;
  int open_handles_ = 0;
  bool timer_open_ = false;
  bool tcp_open_ = false;
  RequestParser parser_;
  std::string peer_;
  std::string address_;
  Phase phase_ = Phase::reading_headers;
  uint64_t phase_since_ = 0;
  bool request_started_ = false;  // a byte of the current request has arrived
  bool timer_armed_ = false;
  uint64_t timer_due_ = 0;

  // The open exchange, while the handler has not finished answering.
  std::shared_ptr<ConnectionExchange> exchange_;
  // An exchange the connection lost by closing; it is notified from the close callback.
  std::shared_ptr<ConnectionExchange> lost_exchange_;
  bool stream_chunked_ = false;
  bool stream_keep_alive_ = false;
  bool stream_silent_ = false;  // HEAD, 204, 304: the head alone

  std::string pending_input_;
  std::string draining_input_;
  std::string out_;
  std::vector<std::unique_ptr<WriteRequest>> spare_writes_;
  size_t pending_write_bytes_ = 0;
  uint64_t last_activity_ = 0;

  bool reading_ = false;
  bool consuming_ = false;
  bool closing_ = false;
  bool lingering_ = false;    // answered the last request; closing once the peer has read it
  bool peer_closed_ = false;  // the peer's FIN arrived
};

}  // namespace wf::http
