// The reply channel of one request: the handler answers through it at once or later (after a
// store commit, at the end of a long-poll), in one piece or as a stream (Server-Sent Events).
#pragma once

#include <functional>
#include <string_view>

#include "runtime/http/request.h"

namespace wf::http {

// Every method must be called on the loop thread. An Exchange may outlive its connection (a
// long-poll list holds it): its methods then do nothing, and send() returns false.
class Exchange {
 public:
  virtual ~Exchange() = default;

  // Answers the request. Only the first answer counts: later calls, and calls after
  // start_stream(), are ignored.
  virtual void respond(Response r) = 0;

  // Starts a streamed response (chunked transfer encoding on HTTP/1.1; on HTTP/1.0 the body runs
  // to the end of the connection). For SSE the caller passes Content-Type: text/event-stream.
  // Ignored once the exchange has answered or started a stream.
  virtual void start_stream(int status, HeaderList headers) = 0;
  // Sends one piece of the stream. False, with nothing sent, when the connection is gone, the
  // stream was not started or has ended; a reader that falls too far behind is disconnected.
  virtual bool send(std::string_view piece) = 0;
  // Finishes the stream; the connection then serves its next request.
  virtual void end() = 0;

  // True once nothing more can go through this exchange: its connection is gone, or the
  // exchange has finished (answered, or its stream ended).
  virtual bool closed() const = 0;

  // `f` runs once, on the loop thread, if the connection closes before the exchange has finished
  // (a long-poll's or an SSE client's peer went away, the server closed). A peer that shuts down
  // its sending side while its request is open counts as gone. `f` never runs inside a call to
  // this exchange; registered after the close, it runs at once. A later registration replaces an
  // earlier one.
  virtual void on_close(std::function<void()> f) = 0;
};

}  // namespace wf::http
