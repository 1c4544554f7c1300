// The Exchange a connection hands to the handler: it forwards each call to its connection while
// the request is open, and turns into a harmless shell once it has finished or the connection
// has gone.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "runtime/http/exchange.h"

namespace wf::http {

class Connection;

class ConnectionExchange final : public Exchange,
                                 public std::enable_shared_from_this<ConnectionExchange> {
 public:
  explicit ConnectionExchange(Connection* connection) : connection_(connection) {}

  void respond(Response r) override;
  void start_stream(int status, HeaderList headers) override;
  bool send(std::string_view piece) override;
  void end() override;
  bool closed() const override { return connection_ == nullptr; }
  void on_close(std::function<void()> f) override;

 private:
  friend class Connection;

  // The exchange has finished: it no longer speaks for its connection, and its on_close can
  // never run (dropping it also breaks a cycle through an on_close that holds the exchange).
  void detach() {
    connection_ = nullptr;
    on_close_ = nullptr;
  }
  // The connection is closing before the exchange finished; notify_closed() follows from the
  // connection's close callback, so that on_close never runs inside a caller's send() or respond().
  void lose_connection() {
    connection_ = nullptr;
    lost_ = true;
  }
  void notify_closed();

  Connection* connection_;  // null once finished or lost
  bool streaming_ = false;
  bool lost_ = false;
  bool notified_ = false;
  std::function<void()> on_close_;
};

}  // namespace wf::http
