// Connection: the read → parse → dispatch → write cycle of one socket, and its ways of closing.
#include "runtime/http/connection.h"

#include <exception>
#include <string>

#include "runtime/http/response_writer.h"
#include "runtime/http/server_core.h"

namespace wf::http {
namespace {

// Unparsed bytes kept while an exchange is open, beyond which reading pauses (a peer that
// pipelines without reading answers must not fill memory). While reading is paused a peer that
// goes away is noticed only once the open exchange has finished.
constexpr size_t kMaxBufferedInput = 64 * 1024;
// How long a connection that answered its last request keeps discarding what the peer sends
// before it closes, so that the peer reads the answer rather than a reset.
constexpr uint64_t kLingerMs = 2000;
// A few spare write requests per connection make later partial writes free of allocation.
constexpr size_t kSpareWrites = 4;
// An output buffer that grew past this for one large answer is released afterwards.
constexpr size_t kRetainedOutputCapacity = 256 * 1024;
// next_due()'s "no deadline".
constexpr uint64_t kNever = 0;

uint64_t earliest(uint64_t a, uint64_t b) {
  if (a == kNever) return b;
  if (b == kNever) return a;
  return a < b ? a : b;
}

// The peer as "ip:port" (`name`, the request's peer) and as its IP alone (`ip`, what the
// per-address cap counts). Both stay empty when the peer cannot be named.
void peer_names(const uv_tcp_t* tcp, std::string& name, std::string& ip) {
  sockaddr_storage address;
  int length = sizeof address;
  if (uv_tcp_getpeername(tcp, reinterpret_cast<sockaddr*>(&address), &length) != 0) return;
  char text[64] = {};
  if (address.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&address);
    if (uv_ip4_name(in, text, sizeof text) != 0) return;
    ip = text;
    name.append(ip).append(":").append(std::to_string(ntohs(in->sin_port)));
  } else if (address.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&address);
    if (uv_ip6_name(in6, text, sizeof text) != 0) return;
    ip = text;
    name.append("[").append(ip).append("]:").append(std::to_string(ntohs(in6->sin6_port)));
  }
}

}  // namespace

struct Connection::WriteRequest {
  uv_write_t request;
  Connection* connection = nullptr;
  std::string bytes;
};

// Constant-initialized, so no connection can see it unset whatever the order of static
// initialization.
Connection::Connection(ServerCore& server) : server_(server), parser_(server.limits(), *this) {}

Connection::~Connection() = default;

void Connection::start(uv_stream_t* listener) {
  uv_loop_t* loop = server_.loop();
  if (uv_timer_init(loop, &timer_) == 0) {
    timer_.data = this;
    timer_open_ = true;
    ++open_handles_;
  }
  int status = uv_tcp_init(loop, &tcp_);
  if (status == 0) {
    tcp_.data = this;
    tcp_open_ = true;
    ++open_handles_;
    status = uv_accept(listener, reinterpret_cast<uv_stream_t*>(&tcp_));
  }
  if (status != 0 || !timer_open_) {
    close_now();
    return;
  }
  // Answers are written whole; Nagle's algorithm would only delay the last segment.
  uv_tcp_nodelay(&tcp_, 1);
  peer_names(&tcp_, peer_, address_);
  // The per-address and total caps; the latter may evict another connection to make room.
  if (!server_.admit(*this)) {
    close_now();
    return;
  }
  last_activity_ = uv_now(loop);
  // A new connection's header deadline runs from the accept: one that sends nothing at all
  // must not hold its place longer than one that trickles.
  enter_phase(Phase::reading_headers);
  start_reading();
}

void Connection::close_now() {
  if (closing_) return;
  closing_ = true;
  server_.connection_closing(*this);
  if (exchange_) {
    exchange_->lose_connection();
    lost_exchange_ = std::move(exchange_);
  }
  server_.cancel_resume(this);
  if (open_handles_ == 0) {
    // Nothing was ever opened: nothing will call back.
    server_.connection_closed(this);
    return;
  }
  if (timer_open_) uv_close(reinterpret_cast<uv_handle_t*>(&timer_), on_handle_closed);
  if (tcp_open_) uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), on_handle_closed);
}

void Connection::on_handle_closed(uv_handle_t* handle) {
  auto* self = static_cast<Connection*>(handle->data);
  if (--self->open_handles_ > 0) return;
  if (self->lost_exchange_) {
    auto lost = std::move(self->lost_exchange_);
    lost->notify_closed();
  }
  self->server_.connection_closed(self);  // deletes self
}

// ---- reading ----

void Connection::start_reading() {
  if (reading_ || closing_ || peer_closed_) return;
  if (uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), on_alloc, on_read) == 0) {
    reading_ = true;
  } else {
    close_now();
  }
}

void Connection::stop_reading() {
  if (!reading_) return;
  uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp_));
  reading_ = false;
}

void Connection::on_alloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
  *buf = static_cast<Connection*>(handle->data)->server_.read_buffer();
}

void Connection::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* self = static_cast<Connection*>(stream->data);
  if (nread < 0) {
    self->read_ended(nread);
  } else if (nread > 0) {
    self->read(buf->base, static_cast<size_t>(nread));
  }
}

void Connection::read_ended(ssize_t status) {
  if (closing_) return;
  if (status != UV_EOF) {  // reset, or another error: nothing more can be exchanged
    close_now();
    return;
  }
  peer_closed_ = true;
  stop_reading();
  // An open exchange (a long-poll, an SSE stream) has lost its reader. Otherwise only an answer
  // still being written to the half-closed connection is worth finishing.
  if (exchange_ || pending_write_bytes_ == 0) {
    close_now();
  } else {
    close_gracefully();
  }
}

void Connection::read(const char* data, size_t length) {
  if (closing_) return;
  if (lingering_) return;  // discarded; deliberately not counted as activity
  last_activity_ = uv_now(server_.loop());
  // Any byte after an idle spell starts the next request's header deadline, even bytes the
  // parser skips (CRLFs between requests), so that trickling them keeps no connection alive.
  if (phase_ == Phase::awaiting_request) enter_phase(Phase::reading_headers);
  if (exchange_ || !pending_input_.empty()) {
    keep_input(data, length);
    return;
  }
  consume(data, length);
}

void Connection::keep_input(const char* data, size_t length) {
  pending_input_.append(data, length);
  if (pending_input_.size() > kMaxBufferedInput) stop_reading();
  if (!exchange_) server_.schedule_resume(this);
}

void Connection::resume_parsing() {
  if (closing_ || lingering_ || exchange_ || consuming_) return;
  draining_input_.clear();
  draining_input_.swap(pending_input_);
  consume(draining_input_.data(), draining_input_.size());
  draining_input_.clear();
  if (!closing_ && !lingering_ && pending_input_.size() <= kMaxBufferedInput) start_reading();
}

void Connection::consume(const char* data, size_t length) {
  consuming_ = true;
  while (length > 0 && !closing_ && !lingering_ && !exchange_) {
    const RequestParser::Step step = parser_.feed(data, length);
    data += step.parsed;
    length -= step.parsed;
    if (step.outcome == RequestParser::Outcome::complete) {
      enter_phase(Phase::answering);
      dispatch();
    } else if (step.outcome == RequestParser::Outcome::refused) {
      const RequestParser::Refusal& refusal = parser_.refusal();
      refuse(refusal.status, refusal.code, refusal.message);
    }
  }
  consuming_ = false;
  if (length > 0 && !closing_ && !lingering_) keep_input(data, length);
}

// ---- parsing ----

void Connection::request_begins() {
  request_started_ = true;
  // A new connection has been reading its headers since the accept.
  if (phase_ == Phase::awaiting_request) enter_phase(Phase::reading_headers);
}

bool Connection::headers_parsed(Request& request, bool wants_continue) {
  request.peer = peer_;
  if (wants_continue) {
    write_bytes(kContinueResponse);
    if (closing_) return false;
  }
  enter_phase(Phase::reading_body);
  return true;
}

void Connection::refuse(int status, std::string_view code, std::string_view message) {
  if (closing_ || lingering_) return;
  Response response = Response::json(status, error_body(code, message));
  out_.clear();
  append_response_head(out_, response.status, response.headers, BodyFraming::content_length,
                       response.body.size(), false, server_.date());
  out_.append(response.body);
  write_out();
  after_answer(false);
}

// ---- handing requests to the handler ----

void Connection::dispatch() {
  auto exchange = std::make_shared<ConnectionExchange>(this);
  exchange_ = exchange;
  try {
    server_.handler()(parser_.request(), exchange);
  } catch (const std::exception& e) {
    handler_failed(exchange, e.what());
  } catch (...) {
    handler_failed(exchange, "unknown exception");
  }
}

void Connection::handler_failed(const std::shared_ptr<ConnectionExchange>& exchange,
                                std::string_view what) {
  if (exchange->closed()) return;  // it answered before throwing, or the connection is gone
  if (exchange->streaming_) {
    // Half a stream cannot turn into an error answer: cut it off.
    close_now();
    return;
  }
  exchange->respond(Response::json(
      500, error_body("internal", "the request handler failed: " + std::string(what))));
}

void Connection::finish_exchange() {
  if (exchange_) exchange_->detach();
  exchange_.reset();
}

void Connection::respond(ConnectionExchange& exchange, Response&& response) {
  if (&exchange != exchange_.get() || closing_) return;
  bool keep_alive = parser_.keep_alive() && !server_.closing() && !headers_ask_to_close(response.headers);
  bool bodyless = status_has_no_body(response.status);
  out_.clear();
  append_response_head(out_, response.status, response.headers,
                       bodyless ? BodyFraming::none : BodyFraming::content_length,
                       response.body.size(), keep_alive, server_.date());
  if (!bodyless && !parser_.head_request()) out_.append(response.body);
  finish_exchange();
  write_out();
  after_answer(keep_alive);
}

void Connection::start_stream(ConnectionExchange& exchange, int status, HeaderList&& headers) {
  if (&exchange != exchange_.get() || closing_) return;
  // HTTP/1.0 knows no chunks: its stream runs to the end of the connection.
  stream_chunked_ = parser_.http11();
  stream_keep_alive_ =
      parser_.keep_alive() && stream_chunked_ && !server_.closing() && !headers_ask_to_close(headers);
  stream_silent_ = parser_.head_request() || status_has_no_body(status);
  BodyFraming framing = status_has_no_body(status) ? BodyFraming::none
                        : stream_chunked_          ? BodyFraming::chunked
                                                   : BodyFraming::until_close;
  out_.clear();
  append_response_head(out_, status, headers, framing, 0, stream_keep_alive_, server_.date());
  write_out();
}

bool Connection::send_piece(ConnectionExchange& exchange, std::string_view piece) {
  if (&exchange != exchange_.get() || closing_) return false;
  if (stream_silent_ || piece.empty()) return true;
  out_.clear();
  if (stream_chunked_) {
    append_chunk(out_, piece);
  } else {
    out_.append(piece);
  }
  return write_out();
}

void Connection::end_stream(ConnectionExchange& exchange) {
  if (&exchange != exchange_.get() || closing_) return;
  if (stream_chunked_ && !stream_silent_) write_bytes(kLastChunk);
  finish_exchange();
  after_answer(stream_keep_alive_);
}

void Connection::after_answer(bool keep_alive) {
  if (closing_) return;
  last_activity_ = uv_now(server_.loop());
  if (!keep_alive) {
    close_gracefully();
    return;
  }
  request_started_ = false;
  enter_phase(Phase::awaiting_request);
  // Inside consume() the parsing loop goes on by itself; otherwise the requests that arrived
  // meanwhile are parsed from a loop callback of their own.
  if (consuming_) return;
  if (!pending_input_.empty()) {
    server_.schedule_resume(this);
  } else {
    start_reading();
  }
}

// ---- writing ----

bool Connection::write_bytes(std::string_view bytes) {
  out_.assign(bytes);
  return write_out();
}

bool Connection::write_out() {
  if (closing_) return false;
  auto* stream = reinterpret_cast<uv_stream_t*>(&tcp_);
  size_t written = 0;
  // Most answers fit the socket buffer: written at once, they need no request and no copy.
  uv_buf_t whole = uv_buf_init(out_.data(), static_cast<unsigned>(out_.size()));
  int status = uv_try_write(stream, &whole, 1);
  if (status >= 0) {
    written = static_cast<size_t>(status);
  } else if (status != UV_EAGAIN) {
    close_now();
    return false;
  }
  if (written == out_.size()) {
    // One large answer must not pin its buffer for the rest of the connection's life.
    if (out_.capacity() > kRetainedOutputCapacity) std::string().swap(out_);
    return true;
  }

  size_t rest = out_.size() - written;
  size_t limit = server_.limits().max_pending_write_bytes;
  // One answer bigger than the limit may still go out whole; a reader that lets answers pile
  // up beyond it (an SSE client that stopped reading) is dropped.
  if (pending_write_bytes_ > 0 && pending_write_bytes_ + rest > limit) {
    close_now();
    return false;
  }
  std::unique_ptr<WriteRequest> request;
  if (!spare_writes_.empty()) {
    request = std::move(spare_writes_.back());
    spare_writes_.pop_back();
  } else {
    request = std::make_unique<WriteRequest>();
  }
  request->connection = this;
  if (written == 0) {
    request->bytes.swap(out_);
  } else {
    request->bytes.assign(out_, written, std::string::npos);
  }
  request->request.data = request.get();
  uv_buf_t buf = uv_buf_init(request->bytes.data(), static_cast<unsigned>(request->bytes.size()));
  status = uv_write(&request->request, stream, &buf, 1, on_write);
  if (status != 0) {
    close_now();
    return false;
  }
  pending_write_bytes_ += request->bytes.size();
  request.release();  // owned by libuv until on_write
  return true;
}

void Connection::on_write(uv_write_t* req, int status) {
  std::unique_ptr<WriteRequest> request(static_cast<WriteRequest*>(req->data));
  Connection* self = request->connection;
  self->pending_write_bytes_ -= request->bytes.size();
  if (self->spare_writes_.size() < kSpareWrites &&
      request->bytes.capacity() <= kRetainedOutputCapacity) {
    request->bytes.clear();
    self->spare_writes_.push_back(std::move(request));
  }
  if (status < 0) {
    // UV_ECANCELED: the connection is already closing.
    self->close_now();
    return;
  }
  self->last_activity_ = uv_now(self->server_.loop());
}

// ---- closing ----

void Connection::close_gracefully() {
  if (closing_ || lingering_) return;
  lingering_ = true;
  pending_input_.clear();
  server_.cancel_resume(this);
  // Not evictable while its answer is still being written (on_shutdown() says when it is).
  server_.unmark_evictable(*this);
  // uv_shutdown waits for the queued writes, then sends FIN.
  if (uv_shutdown(&shutdown_request_, reinterpret_cast<uv_stream_t*>(&tcp_), on_shutdown) != 0) {
    close_now();
    return;
  }
  last_activity_ = uv_now(server_.loop());
  arm_timer();
}

void Connection::on_shutdown(uv_shutdown_t* req, int status) {
  auto* self = static_cast<Connection*>(req->handle->data);
  if (self->closing_) return;
  if (status < 0 || self->peer_closed_) {
    self->close_now();
    return;
  }
  // Read (and discard) until the peer's FIN or the linger timer. The answer is out: evicting
  // the connection now only cuts the linger short.
  self->server_.mark_evictable(*self);
  self->start_reading();
}

// ---- deadlines ----
//
// Each connection keeps one libuv timer, which it needs anyway for idleness and lingering; the
// header and body deadlines reuse it rather than a server-wide sweep over a list ordered by
// deadline. libuv keeps timers in a min-heap, so arming one costs O(log n) and the loop wakes only
// for the earliest; a sweep would add a second ordered structure and still need these timers. The
// timer is re-armed lazily: a phase whose deadline lies beyond the armed time leaves it alone, and
// on_timer() works out what is due, so a keep-alive request rarely touches the timer heap.

void Connection::enter_phase(Phase phase) {
  phase_ = phase;
  phase_since_ = uv_now(server_.loop());
  // A connection that waits for a request's headers may be evicted to make room; one with a
  // request past its headers may not. Closing and lingering see to the list themselves.
  if (!closing_ && !lingering_) {
    if (phase == Phase::reading_headers || phase == Phase::awaiting_request) {
      server_.mark_evictable(*this);
    } else {
      server_.unmark_evictable(*this);
    }
  }
  arm_timer();
}

uint64_t Connection::next_due() const {
  const Limits& limits = server_.limits();
  if (lingering_) return last_activity_ + kLingerMs;
  uint64_t due = kNever;
  // A request in flight (a long-poll, a stream) is not idleness.
  if (!exchange_ && limits.idle_timeout_ms > 0) due = last_activity_ + limits.idle_timeout_ms;
  if (phase_ == Phase::reading_headers && limits.header_timeout_ms > 0) {
    due = earliest(due, phase_since_ + limits.header_timeout_ms);
  } else if (phase_ == Phase::reading_body && limits.body_timeout_ms > 0) {
    due = earliest(due, phase_since_ + limits.body_timeout_ms);
  }
  return due;
}

void Connection::arm_timer() {
  if (closing_) return;
  uint64_t due = next_due();
  if (due == kNever || (timer_armed_ && timer_due_ <= due)) return;
  uint64_t now = uv_now(server_.loop());
  if (uv_timer_start(&timer_, on_timer, due > now ? due - now : 0, 0) != 0) {
    // Without its timer nothing bounds the connection.
    close_now();
    return;
  }
  timer_armed_ = true;
  timer_due_ = due;
}

void Connection::on_timer(uv_timer_t* timer) {
  auto* self = static_cast<Connection*>(timer->data);
  self->timer_armed_ = false;
  if (self->closing_) return;
  const Limits& limits = self->server_.limits();
  uint64_t now = uv_now(self->server_.loop());
  if (self->lingering_) {
    if (now - self->last_activity_ >= kLingerMs) {
      self->close_now();
    } else {
      self->arm_timer();
    }
    return;
  }
  // A deadline before idleness: its 408 says more than a silent close.
  uint64_t in_phase = now - self->phase_since_;
  if (self->phase_ == Phase::reading_headers && limits.header_timeout_ms > 0 &&
      in_phase >= limits.header_timeout_ms) {
    self->timed_out("the request line and headers", limits.header_timeout_ms);
    return;
  }
  if (self->phase_ == Phase::reading_body && limits.body_timeout_ms > 0 &&
      in_phase >= limits.body_timeout_ms) {
    self->timed_out("the request body", limits.body_timeout_ms);
    return;
  }
  if (!self->exchange_ && limits.idle_timeout_ms > 0 &&
      now - self->last_activity_ >= limits.idle_timeout_ms) {
    self->close_now();
    return;
  }
  self->arm_timer();
}

void Connection::timed_out(std::string_view what, uint64_t limit_ms) {
  // A connection that never sent a byte has no request to answer; and a 408 written to a
  // keep-alive connection between requests could be read as the answer to the next one.
  if (!request_started_) {
    close_now();
    return;
  }
  refuse(408, "request_timeout",
         std::string(what) + " did not arrive within " + std::to_string(limit_ms) + " ms");
}

}  // namespace wf::http
