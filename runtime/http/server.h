// The HTTP/1.1 server of `wf serve`: it accepts connections on the service's libuv loop, parses
// requests with http-parser and hands each one, with its reply channel, to a single handler.
#pragma once

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "runtime/http/exchange.h"
#include "runtime/http/request.h"

namespace wf::http {

// Called on the loop thread for every complete request. `request` is valid during the call only
// (copy what a later answer needs); `exchange` answers now or later. An exception thrown by the
// handler is answered with 500 `{"error":{"code":"internal",...}}`.
using Handler = std::function<void(Request& request, std::shared_ptr<Exchange> exchange)>;

struct Limits {
  size_t max_header_bytes = 16 * 1024;  // request line and headers; more is answered 431
  size_t max_body_bytes = 1024 * 1024;  // more is answered 413 before the body is read
  uint64_t idle_timeout_ms = 60000;     // a connection with no request in flight and nothing
                                        // moving is closed after this long; 0: never
  // Deadlines for reading a request; an answer (a stream, a long-poll) is never bound by them.
  // A request past one is answered 408 `request_timeout` and the connection closes; a new
  // connection that sent nothing at all is closed without an answer. 0: no deadline.
  uint64_t header_timeout_ms = 10000;  // the request line and headers, from the accept (a new
                                       // connection) or from the first byte of a later request
  uint64_t body_timeout_ms = 60000;    // the whole body, from the end of the headers
  // A new connection beyond this is not refused while some connection waits for a request's
  // headers (a new one, a trickling one, an idle keep-alive one) or lingers after its last
  // answer: the one listed longest is closed to make room. Only when there is none is the new
  // connection accepted and closed at once.
  size_t max_connections = 10000;
  size_t max_connections_per_address = 256;  // a new one from an address with this many open is
                                             // closed at once; 0: no cap
  size_t max_pending_write_bytes = 8 * 1024 * 1024;  // a reader (SSE) this far behind is dropped
};

class ServerCore;

// Every method must be called on the loop thread. Constructing a Server sets SIGPIPE to be
// ignored unless the program has chosen its own disposition: libuv writes with write(2), and a
// peer that resets its connection must not end the process.
class Server {
 public:
  Server(uv_loop_t* loop, Handler handler, Limits limits = {});
  // Close first (close()) and run the loop until `done`. A server destroyed while still open
  // closes itself; its memory is then released by the loop's close callbacks.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Starts accepting on `host` (an IPv4 or IPv6 address, or a name resolved once now) and `port`
  // (0: any free port; see port()). False, with `error` saying why, when that fails.
  bool listen(const std::string& host, int port, std::string& error);
  // The bound port, 0 when not listening.
  int port() const;
  // Stops accepting, closes every connection (unfinished exchanges see on_close), then calls
  // `done` from a loop callback. A second call adds its `done`; after the close has completed,
  // `done` runs at once.
  void close(std::function<void()> done = {});
  // Open connections, counting those still closing.
  size_t connection_count() const;

 private:
  // Heap-allocated and freed by the loop's close callbacks, so that no handle outlives memory.
  ServerCore* core_;
};

}  // namespace wf::http
