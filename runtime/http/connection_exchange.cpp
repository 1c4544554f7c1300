// ConnectionExchange: the handler's side of one request on one connection.
#include "runtime/http/connection_exchange.h"

#include "runtime/http/connection.h"

namespace wf::http {

// Each forwarding method holds a reference to itself: finishing the exchange drops the
// connection's reference, which may be the last one.

void ConnectionExchange::respond(Response r) {
  if (connection_ == nullptr || streaming_) return;
  auto self = shared_from_this();
  connection_->respond(*this, std::move(r));
}

void ConnectionExchange::start_stream(int status, HeaderList headers) {
  if (connection_ == nullptr || streaming_) return;
  auto self = shared_from_this();
  streaming_ = true;
  connection_->start_stream(*this, status, std::move(headers));
}

bool ConnectionExchange::send(std::string_view piece) {
  if (connection_ == nullptr || !streaming_) return false;
  auto self = shared_from_this();
  return connection_->send_piece(*this, piece);
}

void ConnectionExchange::end() {
  if (connection_ == nullptr || !streaming_) return;
  auto self = shared_from_this();
  connection_->end_stream(*this);
}

void ConnectionExchange::on_close(std::function<void()> f) {
  if (notified_) {
    // The connection is already gone: the caller still needs to hear it.
    try {
      if (f) f();
    } catch (...) {
    }
    return;
  }
  if (connection_ == nullptr && !lost_) return;  // finished: it can no longer close early
  on_close_ = std::move(f);
}

void ConnectionExchange::notify_closed() {
  if (notified_) return;
  notified_ = true;
  auto f = std::move(on_close_);
  on_close_ = nullptr;
  try {
    if (f) f();
  } catch (...) {
    // An exception must not cross the libuv close callback this runs in.
  }
}

}  // namespace wf::http
