// The language server's main loop: reads framed JSON-RPC messages from a stream, answers them
// through an analysis::Workspace, and writes responses and notifications to another stream. It
// only translates — URIs to paths, UTF-16 positions to byte offsets, analysis answers to LSP
// structures; every answer comes from lsp/analysis.
//
// Messages are handled one at a time, in order. Before handling one, the loop reads whatever else
// the client has already sent, so that a `$/cancelRequest` for a request still waiting in line
// cancels it (RequestCancelled). No exception leaves the loop: a malformed frame, bad JSON or bad
// parameters get an error response, and a failure inside a handler gets InternalError.
//
// Documents are analysed on the workspace's analysis thread, so a request never waits for a
// parse: it is answered from the latest completed analysis (see analysis/workspace.h). That
// thread publishes each document's diagnostics when its analysis finishes; writes to the output
// stream are serialised by a mutex. `shutdown` is answered once the analyses under way are done.
#pragma once

#include <deque>
#include <functional>
#include <iosfwd>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <variant>

#include "analysis/workspace.h"
#include "protocol/json_rpc.h"
#include "protocol/positions.h"
#include "protocol/protocol.h"

namespace wf::lsp {

class Server {
 public:
  // The streams must outlive the server; `version` is reported in `initialize`'s serverInfo.
  Server(std::istream& in, std::ostream& out, std::string version);

  // Serves until `exit` or the end of the input. Returns the process exit code the protocol asks
  // for: 0 when `shutdown` came first, 1 otherwise.
  int run();

  // For tests: called on the analysis thread before each analysis (analysis/workspace.h).
  void set_analysis_hook(std::function<void(const std::string& path, int64_t version)> hook);

 private:
  enum class State { Uninitialized, Running, ShutDown };
  struct Queued {
    Message message;
    bool cancelled = false;
  };

  void read_waiting();  // reads the messages the client has already sent, without blocking
  bool enqueue_next();  // reads one frame into the queue; false at the end of the input
  void handle(const Queued& q);
  void handle_request(const Message& m);
  void handle_notification(const Message& m);
  void send(const nlohmann::json& message);
  bool output_ok();  // the output stream has not failed
  void log_warning(const std::string& text);

  // A request's answer: its result, or the error to send instead.
  struct Failure {
    ErrorCode code;
    std::string message;
  };
  using Reply = std::variant<nlohmann::json, Failure>;
  Reply initialize(const Message& m);
  Reply hover(const Message& m);
  Reply definition(const Message& m);
  Reply document_symbols(const Message& m);
  Reply completion(const Message& m);
  Reply formatting(const Message& m);
  Reply code_action(const Message& m);
  Reply references(const Message& m);
  Reply prepare_rename(const Message& m);
  Reply rename(const Message& m);
  Reply folding_ranges(const Message& m);
  Reply semantic_tokens(const Message& m);
  Reply signature_help(const Message& m);
  Reply workspace_symbols(const Message& m);

  // Notifications.
  void did_open(const Message& m);
  void did_change(const Message& m);
  void did_close(const Message& m);
  void publish(const analysis::Analysed& analysed);  // on the analysis thread
  // `text_of` finds the text of the files the notes point into.
  Diagnostic diagnostic_of(const analysis::Problem& p, const LineIndex& index,
                           const std::function<const std::string*(const std::string&)>& text_of) const;

  // A document's analysis name (its path, or the URI itself for a scheme other than `file:`) and
  // back: an open document keeps the URI the client gave it.
  std::string path_of(const std::string& uri) const;
  std::string uri_of(const std::string& path) const;
  std::optional<Range> range_in(const std::string& path, SourceRange range) const;

  std::istream& in_;
  std::ostream& out_;
  std::mutex out_mutex_;  // the analysis thread publishes too
  std::string version_;
  State state_ = State::Uninitialized;
  std::optional<int> exit_code_;
  ClientCapabilities client_;
  mutable std::mutex uris_mutex_;
  std::map<std::string, std::string> uris_;  // open documents: path → URI
  std::deque<Queued> queue_;
  analysis::Workspace workspace_;  // last: its thread stops before the members it uses go
};

}  // namespace wf::lsp
