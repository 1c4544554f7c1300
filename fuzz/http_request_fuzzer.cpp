// libFuzzer entry for the HTTP request parser of `wf serve` (runtime/http/request_parser.h): any
// bytes, fed in pieces of a size the input chooses, give complete requests or one refusal with a
// 4xx answer, without a crash, a sanitizer report or a leak; a request never exceeds the limits.
#include <cstddef>
#include <cstdint>
#include <string>

#include "runtime/http/request_parser.h"

namespace {

// Small limits, so that short inputs reach them.
wf::http::Limits fuzz_limits() {
  wf::http::Limits limits;
  limits.max_header_bytes = 512;
  limits.max_body_bytes = 1024;
  return limits;
}

class Listener : public wf::http::RequestParser::Listener {
 public:
  void request_begins() override { ++begun; }
  bool headers_parsed(wf::http::Request& request, bool) override {
    request.peer = "127.0.0.1:1";
    // The first byte of the path decides whether the owner goes on: a closing connection stops.
    return request.path.size() < 2 || request.path[1] != '!';
  }
  int begun = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte: how many bytes each read brings (1 to 256), as a socket would cut them.
  const size_t piece = static_cast<size_t>(data[0]) + 1;
  const char* bytes = reinterpret_cast<const char*>(data + 1);
  size_t left = size - 1;
  const wf::http::Limits limits = fuzz_limits();
  Listener listener;
  wf::http::RequestParser parser(limits, listener);
  std::string pending;  // read but not parsed yet, as a connection keeps it
  int complete = 0;
  while (left > 0 || !pending.empty()) {
    const size_t n = left < piece ? left : piece;
    pending.append(bytes, n);
    bytes += n;
    left -= n;
    size_t at = 0;
    bool refused = false;
    while (at < pending.size()) {
      const auto step = parser.feed(pending.data() + at, pending.size() - at);
      at += step.parsed;
      if (step.outcome == wf::http::RequestParser::Outcome::complete) {
        ++complete;
        const wf::http::Request& r = parser.request();
        if (r.method.empty() || r.body.size() > limits.max_body_bytes) __builtin_trap();
        continue;
      }
      if (step.outcome == wf::http::RequestParser::Outcome::refused) {
        const auto& refusal = parser.refusal();
        if (refusal.status < 400 || refusal.status > 499 || refusal.code.empty() || refusal.message.empty())
          __builtin_trap();
        refused = true;
      }
      break;
    }
    if (refused) break;
    pending.erase(0, at);
    if (left == 0) break;
  }
  if (complete > listener.begun) __builtin_trap();
  return 0;
}
