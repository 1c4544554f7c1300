// The language server, tested as an editor sees it: a JSON-RPC transcript goes in, the framed
// responses and notifications that come out are checked. One test runs the real `wf lsp` binary;
// the rest drive lsp::Server in-process over string streams. Below them, the pieces that need
// exact answers of their own: UTF-16 positions, file URIs, framing, and the completion vocabulary
// against the grammar and the checker.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <mutex>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/vocabulary.h"
#include "check/types.h"
#include "driver/compilation.h"
#include "protocol/json_rpc.h"
#include "protocol/positions.h"
#include "protocol/server.h"
#include "protocol/uri.h"
#include "stdlib/builtin_records.h"

namespace wf {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string frame(const std::string& body) { return "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body; }

// The messages a server wrote, in order, and its exit code.
struct Transcript {
  std::vector<json> messages;
  int exit_code = -1;
  std::string raw;

  // The response to request `id` (fails the test when there is none).
  json response(const json& id) const {
    for (const json& m : messages)
      if (m.contains("id") && m["id"] == id && !m.contains("method")) return m;
    ADD_FAILURE() << "no response to request " << id.dump() << " in:\n" << raw;
    return json::object();
  }
  std::vector<json> notifications(const std::string& method) const {
    std::vector<json> out;
    for (const json& m : messages)
      if (m.value("method", "") == method) out.push_back(m["params"]);
    return out;
  }
};

// Splits a server's output into messages, checking the framing as it goes.
std::vector<json> parse_frames(const std::string& out) {
  std::vector<json> messages;
  size_t at = 0;
  while (at < out.size()) {
    const size_t header_end = out.find("\r\n\r\n", at);
    if (header_end == std::string::npos) {
      ADD_FAILURE() << "unterminated headers at " << at;
      break;
    }
    const std::string header = out.substr(at, header_end - at);
    EXPECT_EQ(header.rfind("Content-Length: ", 0), 0u) << header;
    const size_t length = std::stoul(header.substr(16));
    const std::string body = out.substr(header_end + 4, length);
    EXPECT_EQ(body.size(), length);
    EXPECT_TRUE(json::accept(body)) << body;
    messages.push_back(json::parse(body, nullptr, false));
    at = header_end + 4 + length;
  }
  return messages;
}

// A client's side of a conversation, written down before it is played to the server.
class Session {
 public:
  Session& request(int id, const std::string& method, json params = json::object()) {
    input_ += frame(json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}}.dump());
    return *this;
  }
  Session& notify(const std::string& method, json params = json::object()) {
    input_ += frame(json{{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}}.dump());
    return *this;
  }
  Session& raw(const std::string& bytes) {
    input_ += bytes;
    return *this;
  }
  // initialize (with the capabilities editors commonly announce) and initialized.
  Session& start(bool markdown = true) {
    json caps = json::object();
    if (markdown)
      caps = {{"textDocument",
               {{"hover", {{"contentFormat", {"markdown", "plaintext"}}}},
                {"completion", {{"completionItem", {{"documentationFormat", {"markdown"}}}}}},
                {"documentSymbol", {{"hierarchicalDocumentSymbolSupport", true}}}}}};
    request(0, "initialize", {{"processId", nullptr}, {"rootUri", nullptr}, {"capabilities", caps}});
    return notify("initialized");
  }
  Session& open(const std::string& uri, const std::string& text, int version = 1) {
    return notify("textDocument/didOpen",
                  {{"textDocument", {{"uri", uri}, {"languageId", "wf"}, {"version", version}, {"text", text}}}});
  }
  Session& at(int id, const std::string& method, const std::string& uri, int line, int character) {
    return request(id, method, {{"textDocument", {{"uri", uri}}}, {"position", {{"line", line}, {"character", character}}}});
  }
  Session& stop() {
    request(999, "shutdown");
    return notify("exit");
  }

  // `hook`, when given, runs on the analysis thread before each analysis; `out` receives the
  // server's output (a stream of the test's own, to watch it while the server runs).
  Transcript play(std::function<void(const std::string&, int64_t)> hook = {}, std::ostream* out = nullptr) const {
    std::istringstream in(input_);
    std::ostringstream own;
    std::ostream& sink = out ? *out : own;
    Transcript t;
    {
      lsp::Server server(in, sink, "test");
      if (hook) server.set_analysis_hook(std::move(hook));
      t.exit_code = server.run();
    }
    t.raw = out ? std::string() : own.str();
    if (!out) t.messages = parse_frames(t.raw);
    return t;
  }
  const std::string& input() const { return input_; }

 private:
  std::string input_;
};

json position(int line, int character) { return {{"line", line}, {"character", character}}; }
json range(int l1, int c1, int l2, int c2) { return {{"start", position(l1, c1)}, {"end", position(l2, c2)}}; }

std::set<std::string> labels(const json& completion) {
  std::set<std::string> out;
  for (const json& item : completion["result"]["items"]) out.insert(item["label"].get<std::string>());
  return out;
}

json item(const json& completion, const std::string& label) {
  for (const json& i : completion["result"]["items"])
    if (i["label"] == label) return i;
  return json();
}

// A temporary directory whose name holds a space, so URIs must be escaped and unescaped.
class TempDir {
 public:
  TempDir() {
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    dir_ = fs::temp_directory_path() / ("wf lsp " + std::to_string(getpid()) + " " + name);
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  ~TempDir() { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

 private:
  fs::path dir_;
};

// ---------------------------------------------------------------------------------------------
// Lifecycle

TEST(LspLifecycle, InitializeAnnouncesWhatTheServerDoes) {
  const Transcript t = Session().start().stop().play();
  const json caps = t.response(0)["result"]["capabilities"];
  EXPECT_EQ(caps["positionEncoding"], "utf-16");
  EXPECT_EQ(caps["textDocumentSync"]["openClose"], true);
  EXPECT_EQ(caps["textDocumentSync"]["change"], 2);  // incremental
  EXPECT_EQ(caps["hoverProvider"], true);
  EXPECT_EQ(caps["definitionProvider"], true);
  EXPECT_EQ(caps["documentSymbolProvider"], true);
  EXPECT_EQ(caps["completionProvider"]["triggerCharacters"], json::array({".", "@"}));
  EXPECT_EQ(caps["documentFormattingProvider"], true);
  EXPECT_EQ(caps["codeActionProvider"]["codeActionKinds"], json::array({"quickfix"}));
  EXPECT_EQ(caps["referencesProvider"], true);
  EXPECT_EQ(caps["renameProvider"]["prepareProvider"], true);
  EXPECT_EQ(caps["foldingRangeProvider"], true);
  EXPECT_EQ(caps["semanticTokensProvider"]["full"], true);
  EXPECT_EQ(caps["signatureHelpProvider"]["triggerCharacters"], json::array({"(", ","}));
  EXPECT_EQ(caps["workspaceSymbolProvider"], true);
  EXPECT_EQ(caps["semanticTokensProvider"]["legend"]["tokenTypes"],
            json::array({"keyword", "variable", "parameter", "function", "type", "string", "number", "comment",
                         "property", "macro", "enumMember"}));
  EXPECT_EQ(t.response(0)["result"]["serverInfo"]["name"], "wf");
  EXPECT_TRUE(t.response(999).contains("result"));
  EXPECT_TRUE(t.response(999)["result"].is_null());
  EXPECT_EQ(t.exit_code, 0);
}

TEST(LspLifecycle, ExitWithoutShutdownIsCodeOne) {
  EXPECT_EQ(Session().start().notify("exit").play().exit_code, 1);
  EXPECT_EQ(Session().notify("exit").play().exit_code, 1);
}

TEST(LspLifecycle, EndOfInputCountsAsExit) {
  EXPECT_EQ(Session().start().play().exit_code, 1);
  EXPECT_EQ(Session().start().request(1, "shutdown").play().exit_code, 0);
  EXPECT_EQ(Session().play().exit_code, 1);
}

TEST(LspLifecycle, RequestsBeforeInitializeAreRefused) {
  const Transcript t = Session()
                           .request(1, "textDocument/hover", {{"textDocument", {{"uri", "file:///a.wf"}}}, {"position", position(0, 0)}})
                           .open("file:///a.wf", "let broken =")  // a notification: dropped
                           .start()
                           .stop()
                           .play();
  EXPECT_EQ(t.response(1)["error"]["code"], -32002);
  EXPECT_TRUE(t.notifications("textDocument/publishDiagnostics").empty());
  EXPECT_TRUE(t.response(0).contains("result"));
  EXPECT_EQ(t.exit_code, 0);
}

TEST(LspLifecycle, SecondInitializeAndRequestsAfterShutdownAreInvalid) {
  const Transcript t = Session()
                           .start()
                           .request(1, "initialize", {{"capabilities", json::object()}})
                           .request(2, "shutdown")
                           .request(3, "textDocument/documentSymbol", {{"textDocument", {{"uri", "file:///a.wf"}}}})
                           .open("file:///a.wf", "let late =")  // after shutdown: dropped
                           .notify("exit")
                           .play();
  EXPECT_EQ(t.response(1)["error"]["code"], -32600);
  EXPECT_TRUE(t.response(2)["result"].is_null());
  EXPECT_EQ(t.response(3)["error"]["code"], -32600);
  EXPECT_TRUE(t.notifications("textDocument/publishDiagnostics").empty());
  EXPECT_EQ(t.exit_code, 0);
}

TEST(LspLifecycle, UnknownMethodsAndNotifications) {
  const Transcript t = Session()
                           .start()
                           .request(1, "textDocument/prepareTypeHierarchy")
                           .notify("workspace/didChangeConfiguration", {{"settings", json::object()}})
                           .notify("$/setTrace", {{"value", "off"}})
                           .request(2, "$/unknown")
                           .stop()
                           .play();
  EXPECT_EQ(t.response(1)["error"]["code"], -32601);
  EXPECT_EQ(t.response(2)["error"]["code"], -32601);
  // initialize, 1, 2, shutdown: notifications get no answer.
  EXPECT_EQ(t.messages.size(), 4u) << t.raw;
}

TEST(LspLifecycle, StringIdsAreEchoed) {
  Session s;
  s.start().raw(frame(R"({"jsonrpc":"2.0","id":"abc","method":"shutdown"})")).notify("exit");
  const Transcript t = s.play();
  EXPECT_TRUE(t.response("abc")["result"].is_null());
  EXPECT_EQ(t.exit_code, 0);
}

// ---------------------------------------------------------------------------------------------
// Malformed input: every bad frame gets an error response and the conversation goes on.

TEST(LspRobustness, MalformedFramesAndJsonGetErrors) {
  Session s;
  s.start()
      .raw("Content-Type: application/json\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":50,\"method\":\"shutdown\"}")  // no length
      .request(1, "textDocument/documentSymbol", {{"textDocument", {{"uri", "file:///none.wf"}}}})
      .raw("Content-Length: twelve\r\n\r\n")
      .request(2, "textDocument/documentSymbol", {{"textDocument", {{"uri", "file:///none.wf"}}}})
      .raw(frame("{\"jsonrpc\": \"2.0\", \"id\": 3, \"method\": "))  // truncated JSON
      .raw(frame("[1, 2, 3]"))
      .raw(frame("{\"jsonrpc\": \"2.0\", \"id\": 4}"))
      .raw(frame("{\"jsonrpc\": \"1.0\", \"id\": 5, \"method\": \"shutdown\"}"))
      .raw(frame("{\"jsonrpc\": \"2.0\", \"id\": 6, \"method\": 7}"))
      .raw(frame("{\"jsonrpc\": \"2.0\", \"id\": 7, \"method\": \"textDocument/hover\", \"params\": {\"position\": 1}}"))
      .raw(frame("{\"jsonrpc\": \"2.0\", \"id\": 8, \"method\": \"textDocument/hover\", \"params\": \"x\"}"))
      .raw(frame("\xff\xfe{}"))
      .request(9, "textDocument/documentSymbol", {{"textDocument", {{"uri", "file:///none.wf"}}}})
      .stop();
  const Transcript t = s.play();
  std::vector<int> codes_with_null_id;
  for (const json& m : t.messages)
    if (m.contains("error") && m["id"].is_null()) codes_with_null_id.push_back(m["error"]["code"]);
  // missing length, bad length, truncated JSON, a batch, and the bytes that are not JSON.
  EXPECT_EQ(codes_with_null_id, (std::vector<int>{-32700, -32700, -32700, -32600, -32700})) << t.raw;
  EXPECT_TRUE(t.response(1)["result"].is_null());  // an unknown document: no symbols
  EXPECT_TRUE(t.response(2)["result"].is_null());
  EXPECT_EQ(t.response(4)["error"]["code"], -32600);  // neither request nor response
  EXPECT_EQ(t.response(5)["error"]["code"], -32600);  // not JSON-RPC 2.0
  EXPECT_EQ(t.response(6)["error"]["code"], -32600);  // method is not a string
  EXPECT_EQ(t.response(7)["error"]["code"], -32602);
  EXPECT_EQ(t.response(8)["error"]["code"], -32600);  // params neither object nor array
  EXPECT_TRUE(t.response(9)["result"].is_null());
  EXPECT_EQ(t.exit_code, 0);
}

TEST(LspRobustness, BadParamsOfNotificationsAreIgnored) {
  const Transcript t = Session()
                           .start()
                           .notify("textDocument/didOpen", {{"textDocument", {{"uri", 3}}}})
                           .notify("textDocument/didChange", {{"textDocument", {{"uri", "file:///never-opened.wf"}, {"version", 2}}},
                                                              {"contentChanges", json::array()}})
                           .notify("textDocument/didClose", json::array())
                           .stop()
                           .play();
  EXPECT_TRUE(t.notifications("textDocument/publishDiagnostics").empty());
  EXPECT_EQ(t.notifications("window/logMessage").size(), 3u);
  EXPECT_EQ(t.exit_code, 0);
}

TEST(LspRobustness, InputEndingInsideAFrameEndsTheSession) {
  Session s;
  s.start().request(1, "shutdown").raw("Content-Length: 100\r\n\r\n{\"jsonrpc\"");
  const Transcript t = s.play();
  EXPECT_TRUE(t.response(1)["result"].is_null());
  EXPECT_EQ(t.exit_code, 0);
}

// ---------------------------------------------------------------------------------------------
// Diagnostics

// Line 2 has non-ASCII text before the error: `é` is two bytes and one UTF-16 unit, `😀` four bytes
// and two units. The string "three" starts at byte 43, code point 39, UTF-16 unit 40.
constexpr const char* kGreeting =
    "/// Says hello to `name`.\n"
    "workflow hello(name: string) -> int {\n"
    "  log \"h\xC3\xA9llo \xF0\x9F\x98\x80 {{name}}\"; let n: int = \"three\"\n"
    "  return n + len(name)\n"
    "}\n";

TEST(LspDiagnostics, PublishedOnOpenWithCodesAndUtf16Ranges) {
  const Transcript t = Session().start().open("file:///w/greet.wf", kGreeting, 7).stop().play();
  const auto published = t.notifications("textDocument/publishDiagnostics");
  ASSERT_EQ(published.size(), 1u) << t.raw;
  EXPECT_EQ(published[0]["uri"], "file:///w/greet.wf");
  EXPECT_EQ(published[0]["version"], 7);
  ASSERT_EQ(published[0]["diagnostics"].size(), 1u) << published[0].dump(2);
  const json& d = published[0]["diagnostics"][0];
  EXPECT_EQ(d["code"], "E0200");
  EXPECT_EQ(d["severity"], 1);
  EXPECT_EQ(d["source"], "wf");
  EXPECT_EQ(d["range"], range(2, 40, 2, 47));
}

TEST(LspDiagnostics, IncrementalChangeThatFixesTheErrorClearsThem) {
  const Transcript t = Session()
                           .start()
                           .open("file:///w/greet.wf", kGreeting, 1)
                           .notify("textDocument/didChange",
                                   {{"textDocument", {{"uri", "file:///w/greet.wf"}, {"version", 2}}},
                                    {"contentChanges", {{{"range", range(2, 40, 2, 47)}, {"text", "3"}}}}})
                           .stop()
                           .play();
  // Version 1 may have been superseded before its analysis finished: then only version 2 is
  // published.
  const auto published = t.notifications("textDocument/publishDiagnostics");
  ASSERT_GE(published.size(), 1u) << t.raw;
  ASSERT_LE(published.size(), 2u) << t.raw;
  if (published.size() == 2) {
    EXPECT_EQ(published[0]["version"], 1);
    EXPECT_EQ(published[0]["diagnostics"].size(), 1u);
  }
  EXPECT_EQ(published.back()["version"], 2);
  EXPECT_EQ(published.back()["diagnostics"], json::array()) << published.back().dump(2);
}

TEST(LspDiagnostics, ChangesApplyInOrderEachToTheTextTheLastLeft) {
  // The first change adds a line at the top, so the error moves to line 3 for the second one; a
  // third change types a new mistake (an unknown name), which is reported.
  const json changes = {
      {{"range", range(0, 0, 0, 0)}, {"text", "// greetings\n"}},
      {{"range", range(3, 40, 3, 47)}, {"text", "3"}},
      {{"range", range(4, 22, 4, 22)}, {"text", " + missing"}},
  };
  const Transcript t = Session()
                           .start()
                           .open("file:///w/greet.wf", kGreeting, 1)
                           .notify("textDocument/didChange",
                                   {{"textDocument", {{"uri", "file:///w/greet.wf"}, {"version", 2}}}, {"contentChanges", changes}})
                           .stop()
                           .play();
  const auto published = t.notifications("textDocument/publishDiagnostics");
  ASSERT_GE(published.size(), 1u) << t.raw;
  const json& last = published.back();
  EXPECT_EQ(last["version"], 2);
  ASSERT_EQ(last["diagnostics"].size(), 1u) << last.dump(2);
  EXPECT_EQ(last["diagnostics"][0]["code"], "E0100");
  EXPECT_EQ(last["diagnostics"][0]["range"], range(4, 25, 4, 32));
}

TEST(LspDiagnostics, FullTextChangeAndCloseClearsTheList) {
  const Transcript t = Session()
                           .start()
                           .open("file:///w/a.wf", "fn f() -> int {\n  return 1\n}\n")
                           .notify("textDocument/didChange",
                                   {{"textDocument", {{"uri", "file:///w/a.wf"}, {"version", 2}}},
                                    {"contentChanges", {{{"text", "fn f() -> int {\n  let unused = 2\n  return 1\n}\n"}}}}})
                           // Code actions need the analysis of the current text: version 2 is
                           // analysed, and published, before the close.
                           .request(5, "textDocument/codeAction",
                                    {{"textDocument", {{"uri", "file:///w/a.wf"}}}, {"range", range(1, 6, 1, 6)},
                                     {"context", {{"diagnostics", json::array()}}}})
                           .notify("textDocument/didClose", {{"textDocument", {{"uri", "file:///w/a.wf"}}}})
                           .stop()
                           .play();
  // Version 1's diagnostics, unless version 2 superseded it before they were made.
  const auto published = t.notifications("textDocument/publishDiagnostics");
  ASSERT_GE(published.size(), 1u) << t.raw;
  for (const json& p : published)
    if (p.value("version", 0) == 1) EXPECT_EQ(p["diagnostics"], json::array());
  std::vector<json> second;
  for (const json& p : published)
    if (p.value("version", 0) == 2) second.push_back(p);
  ASSERT_EQ(second.size(), 1u) << t.raw;
  ASSERT_EQ(second[0]["diagnostics"].size(), 1u);
  const json& warning = second[0]["diagnostics"][0];
  EXPECT_EQ(warning["code"], "W0001");
  EXPECT_EQ(warning["severity"], 2);
  EXPECT_EQ(warning["tags"], json::array({1}));  // unnecessary: editors fade it
  EXPECT_EQ(warning["range"], range(1, 6, 1, 12));
  EXPECT_EQ(published.back()["uri"], "file:///w/a.wf");
  EXPECT_EQ(published.back()["diagnostics"], json::array());
  EXPECT_FALSE(published.back().contains("version"));
}

TEST(LspDiagnostics, NotesBecomeRelatedInformation) {
  const Transcript t = Session().start().open("file:///w/dup.wf", "const A = 1\nconst A = 2\n").stop().play();
  const auto published = t.notifications("textDocument/publishDiagnostics");
  ASSERT_EQ(published.size(), 1u);
  ASSERT_EQ(published[0]["diagnostics"].size(), 1u);
  const json& d = published[0]["diagnostics"][0];
  EXPECT_EQ(d["code"], "E0101");
  EXPECT_EQ(d["range"], range(1, 6, 1, 7));
  ASSERT_EQ(d["relatedInformation"].size(), 1u);
  EXPECT_EQ(d["relatedInformation"][0]["location"]["uri"], "file:///w/dup.wf");
  EXPECT_EQ(d["relatedInformation"][0]["location"]["range"], range(0, 6, 0, 7));
}

TEST(LspDiagnostics, ErrorsOfAnImportedModuleShowOnTheImport) {
  TempDir dir;
  dir.write("lib.wf", "fn broken() -> int {\n  return \"no\"\n}\n");
  const std::string uri = lsp::uri_from_path(dir.path("main.wf"));
  const Transcript t = Session().start().open(uri, "import \"lib.wf\"\nconst X = 1\n").stop().play();
  const auto published = t.notifications("textDocument/publishDiagnostics");
  ASSERT_EQ(published.size(), 1u);
  ASSERT_EQ(published[0]["diagnostics"].size(), 1u) << published[0].dump(2);
  const json& d = published[0]["diagnostics"][0];
  EXPECT_EQ(d["code"], "E0200");
  EXPECT_EQ(d["range"], range(0, 7, 0, 15));
  EXPECT_EQ(d["relatedInformation"][0]["location"]["uri"], lsp::uri_from_path(dir.path("lib.wf")));
  EXPECT_EQ(d["relatedInformation"][0]["location"]["range"], range(1, 9, 1, 13));
}

// ---------------------------------------------------------------------------------------------
// Hover

TEST(LspHover, VariableBuiltinCallAndDocumentedWorkflow) {
  const std::string uri = "file:///w/greet.wf";
  const Transcript t = Session()
                           .start()
                           .open(uri, kGreeting)
                           .at(1, "textDocument/hover", uri, 3, 9)   // `n` in `return n`
                           .at(2, "textDocument/hover", uri, 3, 14)  // `len`
                           .at(3, "textDocument/hover", uri, 1, 12)  // the workflow's name
                           .at(4, "textDocument/hover", uri, 1, 16)  // the parameter `name`
                           .at(5, "textDocument/hover", uri, 3, 18)  // `name`, an argument
                           .at(6, "textDocument/hover", uri, 0, 3)   // in a comment
                           .stop()
                           .play();
  const json n = t.response(1)["result"];
  EXPECT_EQ(n["contents"]["kind"], "markdown");
  EXPECT_EQ(n["contents"]["value"], "```wf\nlet n: int\n```");
  EXPECT_EQ(n["range"], range(3, 9, 3, 10));

  const std::string len = t.response(2)["result"]["contents"]["value"];
  EXPECT_NE(len.find("len(s: string) -> int"), std::string::npos) << len;
  EXPECT_NE(len.find("Unicode code points"), std::string::npos) << len;
  EXPECT_EQ(t.response(2)["result"]["range"], range(3, 13, 3, 16));

  EXPECT_EQ(t.response(3)["result"]["contents"]["value"],
            "```wf\nworkflow hello(name: string) -> int\n```\n\nSays hello to `name`.");
  EXPECT_EQ(t.response(4)["result"]["contents"]["value"], "```wf\nname: string\n```");
  EXPECT_EQ(t.response(5)["result"]["contents"]["value"], "```wf\nname: string\n```");
  EXPECT_TRUE(t.response(6)["result"].is_null());
}

TEST(LspHover, PlainTextForClientsWithoutMarkdown) {
  const std::string uri = "file:///w/greet.wf";
  const Transcript t = Session().start(false).open(uri, kGreeting).at(1, "textDocument/hover", uri, 1, 12).stop().play();
  EXPECT_EQ(t.response(1)["result"]["contents"]["kind"], "plaintext");
  EXPECT_EQ(t.response(1)["result"]["contents"]["value"], "workflow hello(name: string) -> int\n\nSays hello to `name`.");
}

TEST(LspHover, FieldsTypesNarrowingAndExpressions) {
  const std::string text =
      "type Box = { size: int, label: string? }\n"          // 0
      "workflow w(targets: hosts) -> int {\n"               // 1
      "  let b: Box = {size: 2, label: none}\n"              // 2
      "  let maybe: string? = b.label\n"                     // 3
      "  if maybe != none {\n"                               // 4
      "    log maybe\n"                                      // 5
      "  }\n"                                                // 6
      "  return b.size + len(targets[0].hostname)\n"         // 7
      "}\n";
  const std::string uri = "file:///w/box.wf";
  const Transcript t = Session()
                           .start()
                           .open(uri, text)
                           .at(1, "textDocument/hover", uri, 7, 12)  // `size` of `b.size`
                           .at(2, "textDocument/hover", uri, 2, 10)  // `Box` in the let's type
                           .at(3, "textDocument/hover", uri, 7, 34)  // `hostname`
                           .at(4, "textDocument/hover", uri, 2, 17)  // `size` in the record literal
                           .at(5, "textDocument/hover", uri, 7, 23)  // `targets`
                           .at(6, "textDocument/hover", uri, 7, 30)  // `0`: an int literal
                           .at(7, "textDocument/hover", uri, 7, 31)  // `]`: the index expression
                           .at(8, "textDocument/hover", uri, 7, 9)   // `b`: its type as written
                           .at(9, "textDocument/hover", uri, 4, 5)   // `maybe` before narrowing
                           .at(10, "textDocument/hover", uri, 5, 9)  // `maybe` narrowed
                           .at(11, "textDocument/definition", uri, 5, 9)
                           .stop()
                           .play();
  auto value = [&](int id) { return t.response(id)["result"]["contents"]["value"].get<std::string>(); };
  EXPECT_EQ(value(1), "```wf\nsize: int\n```");
  EXPECT_EQ(value(2), "```wf\ntype Box = { size: int, label: string? }\n```");
  EXPECT_EQ(value(3), "```wf\nhostname: string\n```");
  EXPECT_EQ(value(4), "```wf\nsize: int\n```");
  EXPECT_EQ(value(5), "```wf\ntargets: hosts\n```");
  EXPECT_EQ(value(6), "```wf\nint\n```");
  EXPECT_EQ(value(7), "```wf\nhost\n```");
  EXPECT_EQ(value(8), "```wf\nlet b: Box\n```");
  EXPECT_EQ(value(9), "```wf\nlet maybe: string?\n```");
  EXPECT_EQ(value(10), "```wf\nlet maybe: string\n```");
  EXPECT_EQ(t.response(11)["result"]["range"], range(3, 6, 3, 11));  // the variable, not the narrowing
}

TEST(LspHover, ScriptsJobKindsAndEffects) {
  const std::string text =
      "/// Checks the disk.\n"                                                          // 0
      "script disk_check(threshold: int = 90) {\n"                                      // 1
      "  lang = bash\n"                                                                 // 2
      "  body = \"true\"\n"                                                             // 3
      "}\n"                                                                             // 4
      "workflow w(targets: hosts) {\n"                                                  // 5
      "  let r = run script disk_check(threshold: 85) on targets\n"                     // 6
      "  run service_control {service: \"nginx\", action: \"restart\"} on targets\n"   // 7
      "  log \"{{r.ok}}\"\n"                                                            // 8
      "}\n";
  const std::string uri = "file:///w/s.wf";
  const Transcript t = Session()
                           .start(false)
                           .open(uri, text)
                           .at(1, "textDocument/hover", uri, 6, 24)  // the script's name
                           .at(2, "textDocument/definition", uri, 6, 24)
                           .at(3, "textDocument/hover", uri, 7, 8)   // a typed job's kind
                           .at(4, "textDocument/hover", uri, 6, 11)  // `run`: the effect's result
                           .at(5, "textDocument/hover", uri, 8, 11)  // a field in an interpolation
                           .stop()
                           .play();
  auto value = [&](int id) { return t.response(id)["result"]["contents"]["value"].get<std::string>(); };
  EXPECT_EQ(value(1), "script disk_check(threshold: int = 90)\n\nChecks the disk.");
  EXPECT_EQ(t.response(2)["result"]["range"], range(1, 7, 1, 17));
  EXPECT_EQ(value(3).substr(0, value(3).find('\n')), "service_control: {service: string, action: string}");
  EXPECT_EQ(value(4), "Results");
  EXPECT_EQ(t.response(4)["result"]["range"], range(6, 10, 6, 57));
  EXPECT_EQ(value(5), "ok: bool");
}

// ---------------------------------------------------------------------------------------------
// Definition

TEST(LspDefinition, AcrossAnImportLocalsAndTypes) {
  TempDir dir;
  dir.write("lib.wf",
            "/// Doubles `x`.\n"
            "fn double(x: int) -> int {\n"
            "  return x * 2\n"
            "}\n");
  const std::string main_text =
      "import \"lib.wf\"\n"                    // 0
      "type Pair = { a: int, b: int }\n"       // 1
      "workflow main() -> int {\n"             // 2
      "  let p: Pair = {a: 1, b: 2}\n"         // 3
      "  let total = double(p.a) + p.b\n"      // 4
      "  return total\n"                       // 5
      "}\n";
  const std::string uri = lsp::uri_from_path(dir.path("main.wf"));
  const std::string lib_uri = lsp::uri_from_path(dir.path("lib.wf"));
  EXPECT_NE(uri.find("%20"), std::string::npos) << uri;
  const Transcript t = Session()
                           .start()
                           .open(uri, main_text)
                           .at(1, "textDocument/definition", uri, 4, 16)  // `double`
                           .at(2, "textDocument/definition", uri, 5, 12)  // `total`
                           .at(3, "textDocument/definition", uri, 3, 10)  // `Pair`
                           .at(4, "textDocument/definition", uri, 0, 9)   // the import's path
                           .at(5, "textDocument/definition", uri, 4, 22)  // `p`
                           .at(6, "textDocument/hover", uri, 4, 16)       // `double`: docs from lib.wf
                           .at(7, "textDocument/definition", uri, 4, 30)  // `+`: nothing to go to
                           .at(8, "textDocument/hover", uri, 0, 9)        // the import: where it leads
                           .stop()
                           .play();
  EXPECT_EQ(t.response(1)["result"], (json{{"uri", lib_uri}, {"range", range(1, 3, 1, 9)}}));
  EXPECT_EQ(t.response(2)["result"], (json{{"uri", uri}, {"range", range(4, 6, 4, 11)}}));
  EXPECT_EQ(t.response(3)["result"], (json{{"uri", uri}, {"range", range(1, 5, 1, 9)}}));
  EXPECT_EQ(t.response(4)["result"], (json{{"uri", lib_uri}, {"range", range(0, 0, 0, 0)}}));
  EXPECT_EQ(t.response(5)["result"], (json{{"uri", uri}, {"range", range(3, 6, 3, 7)}}));
  EXPECT_EQ(t.response(6)["result"]["contents"]["value"], "```wf\nfn double(x: int) -> int\n```\n\nDoubles `x`.");
  EXPECT_TRUE(t.response(7)["result"].is_null());
  EXPECT_EQ(t.response(8)["result"]["contents"]["value"], "```wf\nimport \"lib.wf\"\n```\n\n`" + dir.path("lib.wf") + "`");
}

// ---------------------------------------------------------------------------------------------
// Document symbols

TEST(LspSymbols, SampleOutlineWithSteps) {
  std::ifstream in(fs::path(WF_SOURCE_DIR) / "samples" / "health_report.wf");
  std::stringstream text;
  text << in.rdbuf();
  const std::string uri = lsp::uri_from_path((fs::path(WF_SOURCE_DIR) / "samples" / "health_report.wf").string());
  const Transcript t = Session()
                           .start()
                           .open(uri, text.str())
                           .request(1, "textDocument/documentSymbol", {{"textDocument", {{"uri", uri}}}})
                           .stop()
                           .play();
  const json symbols = t.response(1)["result"];
  std::vector<std::string> names;
  for (const json& s : symbols) names.push_back(s["name"].get<std::string>() + "/" + std::to_string(s["kind"].get<int>()));
  EXPECT_EQ(names, (std::vector<std::string>{"read_health/19", "HostHealth/23", "over/12", "health_report/5"}));
  const json& workflow = symbols[3];
  EXPECT_EQ(workflow["detail"], "workflow health_report(targets: hosts, disk_limit: int = 90) -> "
                                "{checked: int, over_limit: list<string>, ticket: bool}");
  ASSERT_EQ(workflow["children"].size(), 1u);
  EXPECT_EQ(workflow["children"][0]["name"], "Read health");
  EXPECT_EQ(workflow["children"][0]["kind"], 24);
  // Every selection range lies inside its range.
  for (const json& s : symbols) {
    const auto start = std::make_pair(s["range"]["start"]["line"].get<int>(), s["range"]["start"]["character"].get<int>());
    const auto sel = std::make_pair(s["selectionRange"]["start"]["line"].get<int>(), s["selectionRange"]["start"]["character"].get<int>());
    EXPECT_LE(start, sel) << s.dump();
  }
}

TEST(LspSymbols, NestedStepsAndTheFlatFormForOlderClients) {
  const std::string text =
      "const LIMIT = 3\n"
      "workflow deploy() {\n"
      "  step \"outer\" {\n"
      "    if true {\n"
      "      step \"inner\" {\n"
      "        log \"x\"\n"
      "      }\n"
      "    }\n"
      "  }\n"
      "  parallel {\n"
      "    branch \"a\" { step \"in a branch\" { log \"y\" } }\n"
      "  }\n"
      "}\n";
  const std::string uri = "file:///w/deploy.wf";
  const Transcript nested = Session()
                                .start()
                                .open(uri, text)
                                .request(1, "textDocument/documentSymbol", {{"textDocument", {{"uri", uri}}}})
                                .stop()
                                .play();
  const json symbols = nested.response(1)["result"];
  ASSERT_EQ(symbols.size(), 2u) << symbols.dump(2);
  EXPECT_EQ(symbols[0]["name"], "LIMIT");
  EXPECT_EQ(symbols[0]["kind"], 14);
  EXPECT_EQ(symbols[0]["detail"], "const LIMIT: int");
  const json& steps = symbols[1]["children"];
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0]["name"], "outer");
  EXPECT_EQ(steps[0]["children"][0]["name"], "inner");
  EXPECT_EQ(steps[0]["children"][0]["selectionRange"], range(4, 11, 4, 18));
  EXPECT_EQ(steps[1]["name"], "in a branch");

  const Transcript flat = Session()
                              .start(false)
                              .open(uri, text)
                              .request(1, "textDocument/documentSymbol", {{"textDocument", {{"uri", uri}}}})
                              .stop()
                              .play();
  std::vector<std::string> rows;
  const json flat_symbols = flat.response(1)["result"];
  for (const json& s : flat_symbols)
    rows.push_back(s["name"].get<std::string>() + "<" + s.value("containerName", "") + ">" + s["location"]["uri"].get<std::string>());
  EXPECT_EQ(rows, (std::vector<std::string>{"LIMIT<>" + uri, "deploy<>" + uri, "outer<deploy>" + uri,
                                            "inner<outer>" + uri, "in a branch<deploy>" + uri}));
}

// ---------------------------------------------------------------------------------------------
// Completion

constexpr const char* kCompletionBase =
    "/// A box.\n"
    "type Box = { size: int, label: string }\n"   // 1
    "fn area(b: Box) -> int {\n"                   // 2
    "  return b.size\n"                            // 3
    "}\n"                                          // 4
    "workflow w(targets: hosts) -> int {\n"        // 5
    "  let count = 1\n"                            // 6
    "  let box: Box = {size: 2, label: \"x\"}\n"   // 7
    "  \n"                                         // 8: a statement starts here
    "  return count\n"                             // 9
    "}\n";

TEST(LspCompletion, AtTheStartOfAStatement) {
  const std::string uri = "file:///w/c.wf";
  const Transcript t = Session().start().open(uri, kCompletionBase).at(1, "textDocument/completion", uri, 8, 2).stop().play();
  const json c = t.response(1);
  EXPECT_EQ(c["result"]["isIncomplete"], false);
  const std::set<std::string> got = labels(c);
  for (const char* expected : {"let", "var", "if", "step", "run", "count", "box", "targets", "area", "w", "len", "split"})
    EXPECT_TRUE(got.count(expected)) << expected;
  EXPECT_FALSE(got.count("size"));  // a field, not a name
  EXPECT_FALSE(got.count("Box"));   // a type: offered where a type goes
  EXPECT_EQ(item(c, "let")["kind"], 14);
  EXPECT_EQ(item(c, "count")["kind"], 6);
  EXPECT_EQ(item(c, "count")["detail"], "int");
  EXPECT_EQ(item(c, "targets")["detail"], "hosts");
  EXPECT_EQ(item(c, "area")["kind"], 3);
  EXPECT_EQ(item(c, "area")["detail"], "fn area(b: Box) -> int");
  EXPECT_EQ(item(c, "len")["detail"], "len(s: string) -> int");
  EXPECT_EQ(item(c, "len")["documentation"]["kind"], "markdown");
}

TEST(LspCompletion, OffersEveryChannelFunctionPagerDutyToo) {
  const std::string uri = "file:///w/c.wf";
  const Transcript t = Session().start().open(uri, kCompletionBase).at(1, "textDocument/completion", uri, 8, 2).stop().play();
  const json c = t.response(1);
  const std::set<std::string> got = labels(c);
  for (const char* channel : {"slack", "email", "webhook", "pagerduty"}) EXPECT_TRUE(got.count(channel)) << channel;
  EXPECT_EQ(item(c, "pagerduty")["detail"], "pagerduty(name: string) -> Channel");
  EXPECT_NE(item(c, "pagerduty")["documentation"]["value"].get<std::string>().find("PagerDuty"), std::string::npos);
}

TEST(LspCompletion, AfterADotOnARecord) {
  const std::string uri = "file:///w/c.wf";
  // Typing `box.` leaves a broken statement; then `targets[0].` on a list element.
  const Transcript t =
      Session()
          .start()
          .open(uri, kCompletionBase)
          .notify("textDocument/didChange", {{"textDocument", {{"uri", uri}, {"version", 2}}},
                                             {"contentChanges", {{{"range", range(8, 2, 8, 2)}, {"text", "log box."}}}}})
          .at(1, "textDocument/completion", uri, 8, 10)
          .notify("textDocument/didChange", {{"textDocument", {{"uri", uri}, {"version", 3}}},
                                             {"contentChanges", {{{"range", range(8, 2, 8, 10)}, {"text", "let h = targets[0]."}}}}})
          .at(2, "textDocument/completion", uri, 8, 21)
          .notify("textDocument/didChange", {{"textDocument", {{"uri", uri}, {"version", 4}}},
                                             {"contentChanges", {{{"range", range(8, 2, 8, 21)}, {"text", "let s = box.la"}}}}})
          .at(3, "textDocument/completion", uri, 8, 16)
          .stop()
          .play();
  const json box = t.response(1);
  EXPECT_EQ(item(box, "size")["kind"], 5);
  EXPECT_EQ(item(box, "size")["detail"], "int");
  EXPECT_EQ(item(box, "label")["detail"], "string");
  EXPECT_FALSE(labels(box).count("let"));
  const std::set<std::string> host = labels(t.response(2));
  for (const char* field : {"id", "hostname", "primary_ip", "os", "tags", "groups"}) EXPECT_TRUE(host.count(field)) << field;
  const std::set<std::string> partial = labels(t.response(3));
  EXPECT_TRUE(partial.count("label"));
  EXPECT_TRUE(partial.count("size"));
}

TEST(LspCompletion, MethodFormBuiltinsAfterADot) {
  const std::string uri = "file:///w/m.wf";
  const std::string text =
      "workflow w(names: list<string>) {\n"
      "  let s = \"a,b\"\n"
      "  log s.\n"
      "}\n";
  const Transcript t = Session().start().open(uri, text).at(1, "textDocument/completion", uri, 2, 8).stop().play();
  const std::set<std::string> got = labels(t.response(1));
  EXPECT_TRUE(got.count("split"));
  EXPECT_TRUE(got.count("upper"));
  EXPECT_FALSE(got.count("join"));  // takes a list<string>, not a string
  EXPECT_EQ(item(t.response(1), "contains")["detail"], "contains(s: string, sub: string) -> bool");
}

TEST(LspCompletion, AnnotationsAndTypes) {
  const std::string uri = "file:///w/a.wf";
  const std::string text =
      "@\n"                         // 0
      "workflow w() {\n"            // 1
      "}\n"                         // 2
      "fn f(n: int) -> \n";         // 3
  const Transcript t = Session()
                           .start()
                           .open(uri, text)
                           .at(1, "textDocument/completion", uri, 0, 1)
                           .at(2, "textDocument/completion", uri, 3, 16)
                           .stop()
                           .play();
  const std::set<std::string> annotations = labels(t.response(1));
  EXPECT_EQ(annotations, (std::set<std::string>{"timeout", "trigger", "canary", "schedule", "description", "template"}));
  EXPECT_EQ(item(t.response(1), "trigger")["detail"], "@trigger(manual)");
  const std::set<std::string> types = labels(t.response(2));
  for (const char* name : {"int", "string", "hosts", "list", "map", "Results", "JobResult", "host"})
    EXPECT_TRUE(types.count(name)) << name;
  EXPECT_FALSE(types.count("let"));
  EXPECT_FALSE(types.count("n"));
}

TEST(LspCompletion, NothingInCommentsAndStringTextButNamesInInterpolations) {
  const std::string uri = "file:///w/s.wf";
  const std::string text =
      "workflow w(n: int) {\n"       // 0
      "  // a comment: len\n"         // 1
      "  log \"text {{n}} here\"\n"   // 2
      "}\n";
  const Transcript t = Session()
                           .start()
                           .open(uri, text)
                           .at(1, "textDocument/completion", uri, 1, 19)
                           .at(2, "textDocument/completion", uri, 2, 9)   // in the string's text
                           .at(3, "textDocument/completion", uri, 2, 14)  // in the interpolation
                           .stop()
                           .play();
  EXPECT_TRUE(t.response(1)["result"]["items"].empty());
  EXPECT_TRUE(t.response(2)["result"]["items"].empty());
  EXPECT_TRUE(labels(t.response(3)).count("n"));
}

TEST(LspCompletion, FieldsOfATypedJobKindsRecord) {
  const std::string uri = "file:///w/j.wf";
  const std::string text =
      "workflow w(targets: hosts) {\n"                                         // 0
      "  run service_control {service: \"nginx\", } on targets\n"              // 1
      "  run network_diagnostic {\n"                                           // 2
      "    \n"                                                                 // 3
      "  } on targets\n"                                                       // 4
      "  run service_control {service: } on targets\n"                        // 5
      "}\n";
  const Transcript t = Session()
                           .start()
                           .open(uri, text)
                           .at(1, "textDocument/completion", uri, 1, 41)  // after `, `
                           .at(2, "textDocument/completion", uri, 3, 4)   // on a line of its own
                           .at(3, "textDocument/completion", uri, 5, 32)  // a value: not a field name
                           .stop()
                           .play();
  // The checker's record for the kind, less the fields already written.
  EXPECT_EQ(labels(t.response(1)), (std::set<std::string>{"action"}));
  EXPECT_EQ(item(t.response(1), "action")["kind"], 5);
  EXPECT_EQ(item(t.response(1), "action")["detail"], "string");
  const std::set<std::string> diagnostic = labels(t.response(2));
  EXPECT_EQ(diagnostic, (std::set<std::string>{"tool", "target", "port", "count"}));
  EXPECT_EQ(item(t.response(2), "port")["detail"], "int?");
  EXPECT_TRUE(labels(t.response(3)).count("targets"));
  EXPECT_FALSE(labels(t.response(3)).count("action"));
}

TEST(LspCompletion, ScriptsAfterRunScriptAndQuorumsAfterQuorum) {
  TempDir dir;
  const std::string lib = dir.path("lib.wf");
  std::ofstream(lib) << "/// Reads the disk.\nscript disk_check() {\n  lang = bash\n  body = \"df\"\n}\n";
  const std::string uri = lsp::uri_from_path(dir.path("main.wf"));
  const std::string text =
      "import \"lib.wf\"\n"                                      // 0
      "script restart_web(unit: string) {\n"                   // 1
      "  lang = bash\n"                                        // 2
      "  body = \"systemctl restart web\"\n"                   // 3
      "}\n"                                                    // 4
      "fn helper() -> int {\n"                                 // 5
      "  return 1\n"                                           // 6
      "}\n"                                                    // 7
      "workflow w(targets: hosts) {\n"                         // 8
      "  run script  on targets\n"                             // 9
      "  run script re\n"                                      // 10
      "  approve \"go?\" quorum \n"                             // 11
      "}\n";
  const Transcript t = Session()
                           .start()
                           .open(uri, text)
                           .at(1, "textDocument/completion", uri, 9, 13)
                           .at(2, "textDocument/completion", uri, 10, 15)
                           .at(3, "textDocument/completion", uri, 11, 23)
                           .stop()
                           .play();
  EXPECT_EQ(labels(t.response(1)), (std::set<std::string>{"restart_web", "disk_check"}));
  EXPECT_EQ(item(t.response(1), "restart_web")["kind"], 9);
  EXPECT_EQ(item(t.response(1), "disk_check")["documentation"]["value"], "Reads the disk.");
  EXPECT_EQ(labels(t.response(2)), (std::set<std::string>{"restart_web", "disk_check"}));  // the client filters
  // The quorums the checker accepts, as its message for an unknown one lists them.
  EXPECT_EQ(labels(t.response(3)), (std::set<std::string>{"singular", "one_of_many", "two_of_many", "all", "majority"}));
  for (const std::string& q : analysis::approval_quorums()) {
    Compilation c;
    c.check_text("q.wf", "workflow w() {\n  approve \"ok?\" quorum " + q + "\n}\n");
    EXPECT_EQ(c.diagnostics().error_count(), 0u) << q;
  }
}

// ---------------------------------------------------------------------------------------------
// Analysis in the background

// An output stream a test can watch while the server writes to it from two threads.
class WatchedOutput : public std::streambuf {
 public:
  // Whether the output comes to hold `text` within `limit`.
  bool wait_for(const std::string& text, std::chrono::seconds limit) {
    std::unique_lock<std::mutex> lock(mutex_);
    return grew_.wait_for(lock, limit, [&] { return data_.find(text) != std::string::npos; });
  }
  std::string data() {
    std::lock_guard<std::mutex> lock(mutex_);
    return data_;
  }

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      data_.append(s, static_cast<size_t>(n));
    }
    grew_.notify_all();
    return n;
  }
  int_type overflow(int_type c) override {
    if (c != traits_type::eof()) xsputn(reinterpret_cast<const char*>(&c), 1);
    return traits_type::not_eof(c);
  }

 private:
  std::mutex mutex_;
  std::condition_variable grew_;
  std::string data_;
};

size_t index_of(const std::vector<json>& messages, const std::function<bool(const json&)>& fits) {
  for (size_t i = 0; i < messages.size(); ++i)
    if (fits(messages[i])) return i;
  return messages.size();
}

TEST(LspBackground, ABurstOfChangesPublishesTheLastVersion) {
  const std::string uri = "file:///w/burst.wf";
  Session s;
  s.start().open(uri, "fn f() -> int {\n  return 0\n}\n", 1);
  for (int version = 2; version <= 21; ++version) {
    // Each change retypes the returned value; the last one is a mistake (a string).
    const std::string value = version == 21 ? "\"x\"" : std::to_string(version);
    s.notify("textDocument/didChange",
             {{"textDocument", {{"uri", uri}, {"version", version}}},
              {"contentChanges", {{{"text", "fn f() -> int {\n  return " + value + "\n}\n"}}}}});
  }
  const Transcript t = s.stop().play();
  const auto published = t.notifications("textDocument/publishDiagnostics");
  ASSERT_GE(published.size(), 1u) << t.raw;
  EXPECT_EQ(published.back()["version"], 21);
  ASSERT_EQ(published.back()["diagnostics"].size(), 1u) << published.back().dump(2);
  EXPECT_EQ(published.back()["diagnostics"][0]["code"], "E0200");
  // Versions superseded while an analysis ran were never analysed: of the 19 versions between
  // the first and the last, few were published (a couple when the machine is idle; how many
  // depends on how the reader and the analysis thread are scheduled, so the bound is loose), in
  // order.
  size_t intermediate = 0;
  int64_t previous = 0;
  for (const json& p : published) {
    const int64_t version = p["version"];
    EXPECT_GT(version, previous);
    previous = version;
    if (version != 1 && version != 21) ++intermediate;
  }
  EXPECT_LE(intermediate, 9u) << t.raw;
}

TEST(LspBackground, HoverRightAfterAChangeDoesNotWaitForTheChangesAnalysis) {
  const std::string uri = "file:///w/greet.wf";
  Session s;
  s.start()
      .open(uri, kGreeting, 1)
      .at(4, "textDocument/hover", uri, 3, 9)  // waits for the first analysis: there is no other
      .notify("textDocument/didChange", {{"textDocument", {{"uri", uri}, {"version", 2}}},
                                         {"contentChanges", {{{"range", range(0, 0, 0, 0)}, {"text", "// greetings\n"}}}}})
      .at(5, "textDocument/hover", uri, 4, 9)  // `n` in `return n`, a line further down now
      .stop();
  WatchedOutput watched;
  std::ostream out(&watched);
  // The analysis of version 2 is slow: it cannot finish before the hover is answered, and it
  // gives up waiting after ten seconds if the hover waits for it.
  bool hover_came_first = false;
  const Transcript t = s.play(
      [&](const std::string&, int64_t version) {
        if (version == 2) hover_came_first = watched.wait_for("{\"id\":5,", std::chrono::seconds(10));
      },
      &out);
  EXPECT_TRUE(hover_came_first) << "the hover waited for the analysis of version 2";
  const std::vector<json> messages = parse_frames(watched.data());
  const size_t hover = index_of(messages, [](const json& m) { return m.value("id", json()) == 5; });
  const size_t published = index_of(messages, [](const json& m) {
    return m.value("method", "") == "textDocument/publishDiagnostics" && m["params"]["version"] == 2;
  });
  ASSERT_LT(hover, messages.size());
  ASSERT_LT(published, messages.size()) << "version 2 is published once analysed";
  EXPECT_LT(hover, published);
  // Answered from the analysis of version 1, in positions of version 2.
  EXPECT_EQ(messages[hover]["result"]["contents"]["value"], "```wf\nlet n: int\n```");
  EXPECT_EQ(messages[hover]["result"]["range"], range(4, 9, 4, 10));
}

TEST(LspBackground, CompletionFromTheLastAnalysisSeesTheTextAsTyped) {
  const std::string uri = "file:///w/c.wf";
  Session s;
  s.start()
      .open(uri, kCompletionBase, 1)
      .at(1, "textDocument/hover", uri, 6, 7)  // the first analysis
      .notify("textDocument/didChange", {{"textDocument", {{"uri", uri}, {"version", 2}}},
                                         {"contentChanges", {{{"range", range(8, 2, 8, 2)}, {"text", "log box."}}}}})
      .at(2, "textDocument/completion", uri, 8, 10)
      .notify("textDocument/didChange", {{"textDocument", {{"uri", uri}, {"version", 3}}},
                                         {"contentChanges", {{{"range", range(8, 2, 8, 10)}, {"text", "let h = targets[0]."}}}}})
      .at(3, "textDocument/completion", uri, 8, 21)
      .stop();
  WatchedOutput watched;
  std::ostream out(&watched);
  // No analysis after the first finishes before both completions are answered.
  const Transcript t = s.play(
      [&](const std::string&, int64_t version) {
        if (version > 1) watched.wait_for("{\"id\":3,", std::chrono::seconds(10));
      },
      &out);
  const std::vector<json> messages = parse_frames(watched.data());
  auto response = [&](int id) { return messages[index_of(messages, [&](const json& m) { return m.value("id", json()) == id; })]; };
  const std::set<std::string> box = labels(response(2));
  EXPECT_TRUE(box.count("size"));
  EXPECT_TRUE(box.count("label"));
  EXPECT_FALSE(box.count("let"));
  const std::set<std::string> host = labels(response(3));
  for (const char* field : {"id", "hostname", "primary_ip", "os", "tags", "groups"}) EXPECT_TRUE(host.count(field)) << field;
}

// ---------------------------------------------------------------------------------------------
// Cancellation

TEST(LspCancel, ARequestStillWaitingIsCancelled) {
  const std::string uri = "file:///w/greet.wf";
  const Transcript t = Session()
                           .start()
                           .open(uri, kGreeting)
                           .at(5, "textDocument/hover", uri, 3, 9)
                           .notify("$/cancelRequest", {{"id", 5}})
                           .at(6, "textDocument/hover", uri, 3, 9)
                           .notify("$/cancelRequest", {{"id", 77}})  // nothing by that id: ignored
                           .stop()
                           .play();
  EXPECT_EQ(t.response(5)["error"]["code"], -32800);
  EXPECT_TRUE(t.response(6)["result"].contains("contents"));
  EXPECT_EQ(t.exit_code, 0);
}

// A cancellation that finds nothing in line (here: before anything else) is read past, not served.
TEST(LspCancel, ACancelWithNothingInLineIsReadPast) {
  const std::string uri = "file:///w/greet.wf";
  const Transcript t = Session()
                           .notify("$/cancelRequest", {{"id", 1}})
                           .start()
                           .open(uri, kGreeting)
                           .at(5, "textDocument/hover", uri, 3, 9)
                           .stop()
                           .play();
  EXPECT_TRUE(t.response(5)["result"].contains("contents"));
  EXPECT_EQ(t.exit_code, 0);
}

// ---------------------------------------------------------------------------------------------
// The real binary

// `wf lsp` as a child process with pipes, spoken to one message at a time as an editor does.
class LspProcess {
 public:
  LspProcess() {
    std::signal(SIGPIPE, SIG_IGN);  // a server that died shows as a failed write, not a dead test
    int to_child[2], from_child[2];
    if (pipe(to_child) != 0 || pipe(from_child) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(to_child[0], 0);
      dup2(from_child[1], 1);
      close(to_child[1]);
      close(from_child[0]);
      execl(WF_BINARY, WF_BINARY, "lsp", static_cast<char*>(nullptr));
      _exit(127);
    }
    close(to_child[0]);
    close(from_child[1]);
    in_ = to_child[1];
    out_ = from_child[0];
  }
  ~LspProcess() {
    if (in_ >= 0) close(in_);
    if (out_ >= 0) close(out_);
    if (pid_ > 0) waitpid(pid_, nullptr, 0);
  }
  bool started() const { return pid_ > 0 && in_ >= 0; }
  void send(const std::string& bytes) { ASSERT_EQ(write(in_, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size())); }
  // The next message, or null when the output ends or nothing comes within ten seconds.
  json next() {
    for (;;) {
      const size_t header_end = buffer_.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        const size_t length = std::stoul(buffer_.substr(16, header_end - 16));
        if (buffer_.size() >= header_end + 4 + length) {
          const std::string body = buffer_.substr(header_end + 4, length);
          buffer_.erase(0, header_end + 4 + length);
          return json::parse(body, nullptr, false);
        }
      }
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, 10000) <= 0) return nullptr;
      char chunk[4096];
      const ssize_t n = read(out_, chunk, sizeof chunk);
      if (n <= 0) return nullptr;
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }
  void close_input() {
    close(in_);
    in_ = -1;
  }

 private:
  pid_t pid_ = -1;
  int in_ = -1, out_ = -1;
  std::string buffer_;
};

// The analysis thread publishes while the reading thread reads the next message: every frame
// comes out whole and once (the input stream must not flush the output behind the writers' lock).
TEST(LspBinary, EachEditsDiagnosticsComeOutOnceAndWhole) {
  LspProcess lsp;
  ASSERT_TRUE(lsp.started());
  const std::string uri = "file:///w/x.wf";
  // Long enough that its analysis takes a while, as in an editor.
  std::string text = "workflow x() -> int {\n  let n = 1\n  return n\n}\n";
  for (int i = 0; i < 400; ++i)
    text += "fn f" + std::to_string(i) + "(s: string) -> int {\n  let parts = split(s, \",\")\n  return len(parts) + " +
            std::to_string(i) + "\n}\n";
  Session s;
  s.start().open(uri, text);
  lsp.send(s.input());
  auto next_published = [&]() -> json {
    for (json m = lsp.next(); !m.is_null(); m = lsp.next())
      if (m.value("method", "") == "textDocument/publishDiagnostics") return m["params"];
    return nullptr;
  };
  ASSERT_EQ(next_published()["version"], 1);
  for (int version = 2; version <= 60; ++version) {
    Session change;
    change.notify("textDocument/didChange",
                  {{"textDocument", {{"uri", uri}, {"version", version}}},
                   {"contentChanges", {{{"range", range(1, 10, 1, 11)}, {"text", std::to_string(version % 10)}}}}});
    lsp.send(change.input());
    const json published = next_published();
    ASSERT_FALSE(published.is_null()) << "no diagnostics for version " << version;
    ASSERT_EQ(published["version"], version);
  }
  Session end;
  end.stop();
  lsp.send(end.input());
  lsp.close_input();
}

TEST(LspBinary, ServesAScriptedSessionOnStdio) {
  TempDir dir;
  Session s;
  const std::string uri = lsp::uri_from_path(dir.path("x.wf"));
  s.start().open(uri, "workflow x() -> int {\n  return \"no\"\n}\n").request(2, "shutdown").notify("exit");
  const std::string input = dir.write("input.bin", s.input());
  const std::string command = "'" WF_BINARY "' lsp --stdio < '" + input + "'";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string out;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  const int status = pclose(pipe);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  const std::vector<json> messages = parse_frames(out);
  ASSERT_EQ(messages.size(), 3u) << out;
  EXPECT_EQ(messages[0]["id"], 0);
  EXPECT_EQ(messages[0]["result"]["capabilities"]["positionEncoding"], "utf-16");
  EXPECT_EQ(messages[1]["method"], "textDocument/publishDiagnostics");
  EXPECT_EQ(messages[1]["params"]["uri"], uri);
  EXPECT_EQ(messages[1]["params"]["diagnostics"][0]["code"], "E0200");
  EXPECT_EQ(messages[2]["id"], 2);
  EXPECT_TRUE(messages[2]["result"].is_null());
}

// ---------------------------------------------------------------------------------------------
// The pieces

TEST(LspPositions, Utf16UnitsAndLineEndings) {
  // "a😀é\r\nb\rc\n": 😀 is four bytes and two units; é two bytes and one unit.
  const std::string text = "a\xF0\x9F\x98\x80\xC3\xA9\r\nb\rc\n";
  const lsp::LineIndex index(text);
  EXPECT_EQ(index.offset_of({0, 0}), 0u);
  EXPECT_EQ(index.offset_of({0, 1}), 1u);
  EXPECT_EQ(index.offset_of({0, 2}), 1u);  // inside the surrogate pair: the character's start
  EXPECT_EQ(index.offset_of({0, 3}), 5u);
  EXPECT_EQ(index.offset_of({0, 4}), 7u);
  EXPECT_EQ(index.offset_of({0, 99}), 7u);  // past the end of the line: its end, before \r\n
  EXPECT_EQ(index.offset_of({1, 0}), 9u);
  EXPECT_EQ(index.offset_of({2, 1}), 12u);  // a lone \r ends a line too
  EXPECT_EQ(index.offset_of({3, 0}), 13u);  // the empty last line
  EXPECT_EQ(index.offset_of({40, 2}), 13u);

  EXPECT_EQ(index.position_of(5), (lsp::Position{0, 3}));
  EXPECT_EQ(index.position_of(6), (lsp::Position{0, 3}));  // inside é
  EXPECT_EQ(index.position_of(7), (lsp::Position{0, 4}));
  EXPECT_EQ(index.position_of(8), (lsp::Position{0, 4}));  // between \r and \n
  EXPECT_EQ(index.position_of(10), (lsp::Position{1, 1}));
  EXPECT_EQ(index.position_of(11), (lsp::Position{2, 0}));
  EXPECT_EQ(index.position_of(13), (lsp::Position{3, 0}));
  EXPECT_EQ(index.position_of(500), (lsp::Position{3, 0}));
  // Every offset at a character boundary survives the round trip.
  for (uint32_t offset : {0u, 1u, 5u, 7u, 9u, 10u, 11u, 12u, 13u}) EXPECT_EQ(index.offset_of(index.position_of(offset)), offset);
}

TEST(LspPositions, InvalidUtf8CountsOneUnitPerByte) {
  const std::string text = "\xFF\xC3x";  // a stray byte and a truncated sequence
  const lsp::LineIndex index(text);
  EXPECT_EQ(index.offset_of({0, 2}), 2u);
  EXPECT_EQ(index.position_of(3), (lsp::Position{0, 3}));
}

TEST(LspUri, FileUrisRoundTrip) {
  EXPECT_EQ(lsp::path_from_uri("file:///srv/a%20b/c.wf"), "/srv/a b/c.wf");
  EXPECT_EQ(lsp::path_from_uri("file://localhost/etc/x.wf"), "/etc/x.wf");
  EXPECT_EQ(lsp::path_from_uri("FILE:///x%C3%A9.wf"), "/x\xC3\xA9.wf");
  EXPECT_EQ(lsp::path_from_uri("untitled:Untitled-1"), std::nullopt);
  EXPECT_EQ(lsp::path_from_uri("file://server/share/x.wf"), std::nullopt);
  EXPECT_EQ(lsp::path_from_uri("file:///bad%2"), std::nullopt);
  EXPECT_EQ(lsp::uri_from_path("/srv/a b/é#1.wf"), "file:///srv/a%20b/%C3%A9%231.wf");
  for (const char* path : {"/tmp/x.wf", "/a b/c+d/ü.wf", "/%41/#?.wf"})
    EXPECT_EQ(lsp::path_from_uri(lsp::uri_from_path(path)), path);
}

TEST(LspFraming, ReadsFramesAndResynchronises) {
  std::istringstream in("content-length: 2\r\nContent-Type: x\r\n\r\n{}"
                        "\r\n"  // a stray blank line between frames
                        "Content-Length: 3\r\n\r\n[1]"
                        "Bogus\r\n\r\n"
                        "junkContent-Length: 2\r\n\r\n{}");
  lsp::Frame f = lsp::read_frame(in);
  EXPECT_EQ(f.status, lsp::Frame::Status::Ok);
  EXPECT_EQ(f.body, "{}");
  f = lsp::read_frame(in);
  EXPECT_EQ(f.body, "[1]");
  f = lsp::read_frame(in);
  EXPECT_EQ(f.status, lsp::Frame::Status::BadHeader);
  f = lsp::read_frame(in);
  EXPECT_EQ(f.status, lsp::Frame::Status::Ok);
  EXPECT_EQ(f.body, "{}");
  EXPECT_EQ(lsp::read_frame(in).status, lsp::Frame::Status::End);

  std::istringstream huge("Content-Length: 99999999999\r\n\r\n");
  EXPECT_EQ(lsp::read_frame(huge).status, lsp::Frame::Status::BadHeader);
}

TEST(LspVocabulary, KeywordsAreTheGrammars) {
  std::ifstream in(fs::path(WF_SOURCE_DIR) / "grammar" / "WfLexer.g4");
  std::set<std::string> grammar;
  const std::regex rule(R"(^[A-Z_]+\s*:\s*'([a-z_]+)'\s*;)");
  for (std::string line; std::getline(in, line);)
    if (std::smatch m; std::regex_search(line, m, rule)) grammar.insert(m[1]);
  std::set<std::string> listed;
  for (std::string_view k : analysis::keywords()) listed.insert(std::string(k));
  EXPECT_GT(grammar.size(), 40u);
  EXPECT_EQ(listed, grammar);
}

TEST(LspVocabulary, AnnotationUsagesCheckCleanAndTypeNamesExist) {
  for (const analysis::AnnotationWord& a : analysis::annotations()) {
    Compilation c;
    c.check_text("a.wf", std::string(a.usage) + "\nworkflow w() {\n  log \"x\"\n}\n");
    EXPECT_TRUE(c.diagnostics().all().empty()) << a.usage << ": " << c.diagnostics().all()[0].message;
  }
  Compilation c;
  c.check_text("a.wf", "const X = 1\n");
  for (std::string_view name : analysis::builtin_type_names()) {
    if (name == "list" || name == "map") continue;  // take an element type
    EXPECT_NE(c.types().builtin_named(name), nullptr) << name;
  }
  for (const stdlib::BuiltinRecord& r : stdlib::builtin_records()) EXPECT_NE(c.types().builtin_named(r.name), nullptr);
}

// ---------------------------------------------------------------------------------------------
// Formatting

json whole_document(const std::string& uri) {
  return {{"textDocument", {{"uri", uri}}}, {"options", {{"tabSize", 2}, {"insertSpaces", true}}}};
}

TEST(LspFormatting, OneWholeDocumentEditThenNothingToDo) {
  const std::string messy = "fn   f( )->int{\n        return 1+2\n}\n";
  const Transcript first = Session()
                               .start()
                               .open("file:///w/f.wf", messy)
                               .request(1, "textDocument/formatting", whole_document("file:///w/f.wf"))
                               .stop()
                               .play();
  const json edits = first.response(1)["result"];
  ASSERT_EQ(edits.size(), 1u) << first.raw;
  EXPECT_EQ(edits[0]["range"], range(0, 0, 3, 0));  // the whole document, its last line empty
  const std::string formatted = edits[0]["newText"];
  EXPECT_NE(formatted, messy);
  EXPECT_NE(formatted.find("return 1 + 2"), std::string::npos) << formatted;
  // The formatted text is a fixed point: formatting it again asks for no edit.
  const Transcript second = Session()
                                .start()
                                .open("file:///w/f.wf", formatted)
                                .request(1, "textDocument/formatting", whole_document("file:///w/f.wf"))
                                .stop()
                                .play();
  EXPECT_EQ(second.response(1)["result"], json::array()) << second.raw;
}

TEST(LspFormatting, SyntaxErrorsAreAnErrorResponse) {
  const Transcript t = Session()
                           .start()
                           .open("file:///w/bad.wf", "fn f( -> int {\n  return 1\n}\n")
                           .request(1, "textDocument/formatting", whole_document("file:///w/bad.wf"))
                           .request(2, "textDocument/formatting", whole_document("file:///w/closed.wf"))
                           .request(3, "textDocument/formatting", json::object())
                           .stop()
                           .play();
  const json bad = t.response(1);
  ASSERT_TRUE(bad.contains("error")) << t.raw;
  EXPECT_EQ(bad["error"]["code"], -32603);
  EXPECT_NE(bad["error"]["message"].get<std::string>().find("syntax errors"), std::string::npos);
  EXPECT_TRUE(t.response(2)["result"].is_null());
  EXPECT_EQ(t.response(3)["error"]["code"], -32602);
}

// ---------------------------------------------------------------------------------------------
// Code actions

TEST(LspCodeAction, UnusedVariableQuickFixRenamesToUnderscore) {
  const std::string text = "fn f() -> int {\n  let unused = 2\n  return 1\n}\n";
  auto ask = [&](json r) {
    return json{{"textDocument", {{"uri", "file:///w/a.wf"}}}, {"range", std::move(r)}, {"context", {{"diagnostics", json::array()}}}};
  };
  const Transcript t = Session()
                           .start()
                           .open("file:///w/a.wf", text)
                           .request(1, "textDocument/codeAction", ask(range(1, 7, 1, 7)))
                           .request(2, "textDocument/codeAction", ask(range(2, 0, 2, 5)))  // elsewhere
                           .stop()
                           .play();
  const json actions = t.response(1)["result"];
  ASSERT_EQ(actions.size(), 1u) << t.raw;
  const json& a = actions[0];
  EXPECT_EQ(a["title"], "rename to `_unused`");
  EXPECT_EQ(a["kind"], "quickfix");
  ASSERT_EQ(a["diagnostics"].size(), 1u);
  EXPECT_EQ(a["diagnostics"][0]["code"], "W0001");
  EXPECT_EQ(a["diagnostics"][0]["range"], range(1, 6, 1, 12));
  EXPECT_EQ(a["edit"]["changes"]["file:///w/a.wf"],
            json::array({{{"range", range(1, 6, 1, 12)}, {"newText", "_unused"}}}));
  EXPECT_EQ(t.response(2)["result"], json::array());
}

TEST(LspCodeAction, UnknownNameQuickFixUsesTheClosestNameInScope) {
  const std::string text = "workflow main(targets: hosts) {\n  log \"{{len(targts)}}\"\n}\n";
  auto ask = [&](json r) {
    return json{{"textDocument", {{"uri", "file:///w/a.wf"}}}, {"range", std::move(r)}, {"context", {{"diagnostics", json::array()}}}};
  };
  const Transcript t = Session()
                           .start()
                           .open("file:///w/a.wf", text)
                           .request(1, "textDocument/codeAction", ask(range(1, 16, 1, 16)))
                           .stop()
                           .play();
  const json actions = t.response(1)["result"];
  ASSERT_EQ(actions.size(), 1u) << t.raw;
  const json& a = actions[0];
  EXPECT_EQ(a["title"], "did you mean `targets`?");
  EXPECT_EQ(a["kind"], "quickfix");
  ASSERT_EQ(a["diagnostics"].size(), 1u);
  EXPECT_EQ(a["diagnostics"][0]["code"], "E0100");
  EXPECT_EQ(a["edit"]["changes"]["file:///w/a.wf"],
            json::array({{{"range", range(1, 13, 1, 19)}, {"newText", "targets"}}}));
}

TEST(LspCodeAction, OptionalAndIntToFloatQuickFixesEditTheSource) {
  const std::string text =
      "fn f(port: int?) -> int {\n"  // 0
      "  return port + 1\n"          // 1
      "}\n"                          // 2
      "fn g(n: int) -> float {\n"    // 3
      "  return 1.5 * n\n"           // 4
      "}\n";
  auto ask = [&](json r) {
    return json{{"textDocument", {{"uri", "file:///w/a.wf"}}}, {"range", std::move(r)}, {"context", {{"diagnostics", json::array()}}}};
  };
  const Transcript t = Session()
                           .start()
                           .open("file:///w/a.wf", text)
                           .request(1, "textDocument/codeAction", ask(range(1, 10, 1, 10)))
                           .request(2, "textDocument/codeAction", ask(range(4, 13, 4, 13)))
                           .stop()
                           .play();
  const json optional = t.response(1)["result"];
  ASSERT_EQ(optional.size(), 1u) << t.raw;
  EXPECT_EQ(optional[0]["diagnostics"][0]["code"], "E0205");
  EXPECT_EQ(optional[0]["title"], "check it first: `if port != none { ... }`");
  EXPECT_EQ(optional[0]["edit"]["changes"]["file:///w/a.wf"],
            json::array({{{"range", range(1, 2, 1, 17)}, {"newText", "if port != none {\n    return port + 1\n  }"}}}));
  const json to_float = t.response(2)["result"];
  ASSERT_EQ(to_float.size(), 1u) << t.raw;
  EXPECT_EQ(to_float[0]["diagnostics"][0]["code"], "E0200");
  EXPECT_EQ(to_float[0]["title"], "convert it: `float(n)`");
  EXPECT_EQ(to_float[0]["edit"]["changes"]["file:///w/a.wf"],
            json::array({{{"range", range(4, 15, 4, 16)}, {"newText", "float(n)"}}}));
}

// ---------------------------------------------------------------------------------------------
// References and rename

const char* const kCounting =
    "fn add(a: int, b: int) -> int {\n"   // 0
    "  return a + b\n"                    // 1
    "}\n"                                 // 2
    "workflow main() -> int {\n"          // 3
    "  var total = add(1, 2)\n"           // 4
    "  total = total + add(3, 4)\n"       // 5
    "  return total + len(\"x\")\n"       // 6
    "}\n";

json at_position(const std::string& uri, int line, int character) {
  return {{"textDocument", {{"uri", uri}}}, {"position", position(line, character)}};
}

std::vector<json> ranges_of(const json& locations) {
  std::vector<json> out;
  for (const json& l : locations) out.push_back(l["range"]);
  return out;
}

TEST(LspReferences, LocalsParametersAndFunctions) {
  const std::string uri = "file:///w/count.wf";
  auto refs = [&](int line, int character, bool declaration) {
    json p = at_position(uri, line, character);
    p["context"] = {{"includeDeclaration", declaration}};
    return p;
  };
  const Transcript t = Session()
                           .start()
                           .open(uri, kCounting)
                           .request(1, "textDocument/references", refs(5, 3, true))    // `total`
                           .request(2, "textDocument/references", refs(5, 3, false))
                           .request(3, "textDocument/references", refs(4, 15, true))   // `add`, a call
                           .request(4, "textDocument/references", refs(0, 7, true))    // `a`, the parameter
                           .request(5, "textDocument/references", refs(6, 18, true))   // `len`: a builtin
                           .stop()
                           .play();
  EXPECT_EQ(ranges_of(t.response(1)["result"]),
            (std::vector<json>{range(4, 6, 4, 11), range(5, 2, 5, 7), range(5, 10, 5, 15), range(6, 9, 6, 14)}));
  EXPECT_EQ(ranges_of(t.response(2)["result"]),
            (std::vector<json>{range(5, 2, 5, 7), range(5, 10, 5, 15), range(6, 9, 6, 14)}));
  EXPECT_EQ(ranges_of(t.response(3)["result"]),
            (std::vector<json>{range(0, 3, 0, 6), range(4, 14, 4, 17), range(5, 18, 5, 21)}));
  EXPECT_EQ(ranges_of(t.response(4)["result"]), (std::vector<json>{range(0, 7, 0, 8), range(1, 9, 1, 10)}));
  const json locations = t.response(1)["result"];  // kept: a loop over a temporary's member would dangle
  for (const json& l : locations) EXPECT_EQ(l["uri"], uri);
  EXPECT_EQ(t.response(5)["result"], json::array());
}

TEST(LspReferences, AcrossAnImportAndTypes) {
  TempDir dir;
  dir.write("lib.wf",
            "fn double(x: int) -> int {\n"
            "  return x * 2\n"
            "}\n"
            "fn quadruple(x: int) -> int {\n"
            "  return double(double(x))\n"
            "}\n");
  const std::string main_text =
      "import \"lib.wf\"\n"                      // 0
      "type Pair = { a: int, b: int }\n"         // 1
      "fn sum(p: Pair) -> int {\n"               // 2
      "  let q: Pair = p\n"                      // 3
      "  return double(q.a) + q.b\n"             // 4
      "}\n";
  const std::string uri = lsp::uri_from_path(dir.path("main.wf"));
  const std::string lib_uri = lsp::uri_from_path(dir.path("lib.wf"));
  auto refs = [&](int line, int character) {
    json p = at_position(uri, line, character);
    p["context"] = {{"includeDeclaration", true}};
    return p;
  };
  const Transcript t = Session()
                           .start()
                           .open(uri, main_text)
                           .request(1, "textDocument/references", refs(4, 10))  // `double`
                           .request(2, "textDocument/references", refs(1, 6))   // `Pair`
                           .stop()
                           .play();
  const json doubles = t.response(1)["result"];
  ASSERT_EQ(doubles.size(), 4u) << doubles.dump(2);
  EXPECT_EQ(doubles[0]["uri"], lib_uri);
  EXPECT_EQ(doubles[0]["range"], range(0, 3, 0, 9));
  EXPECT_EQ(doubles[1]["range"], range(4, 9, 4, 15));
  EXPECT_EQ(doubles[2]["range"], range(4, 16, 4, 22));
  EXPECT_EQ(doubles[3]["uri"], uri);
  EXPECT_EQ(doubles[3]["range"], range(4, 9, 4, 15));
  EXPECT_EQ(ranges_of(t.response(2)["result"]), (std::vector<json>{range(1, 5, 1, 9), range(2, 10, 2, 14), range(3, 9, 3, 13)}));
}

TEST(LspRename, PrepareThenRenameEveryUse) {
  const std::string uri = "file:///w/count.wf";
  auto rename = [&](int line, int character, const std::string& name) {
    json p = at_position(uri, line, character);
    p["newName"] = name;
    return p;
  };
  const Transcript t = Session()
                           .start()
                           .open(uri, kCounting)
                           .request(1, "textDocument/prepareRename", at_position(uri, 5, 12))  // `total`
                           .request(2, "textDocument/rename", rename(5, 12, "sum"))
                           .request(3, "textDocument/rename", rename(1, 13, "second"))       // `b`
                           .request(4, "textDocument/prepareRename", at_position(uri, 6, 18))  // `len`
                           .request(5, "textDocument/prepareRename", at_position(uri, 6, 3))   // `return`
                           .request(6, "textDocument/rename", rename(5, 12, "1st"))
                           .request(7, "textDocument/rename", rename(5, 12, "workflow"))
                           .request(8, "textDocument/rename", rename(4, 15, "plus"))         // a fn
                           .stop()
                           .play();
  EXPECT_EQ(t.response(1)["result"], (json{{"range", range(5, 10, 5, 15)}, {"placeholder", "total"}}));
  const json edits = t.response(2)["result"]["changes"][uri];
  ASSERT_EQ(edits.size(), 4u) << t.raw;
  for (const json& e : edits) EXPECT_EQ(e["newText"], "sum");
  EXPECT_EQ(edits[0]["range"], range(4, 6, 4, 11));
  EXPECT_EQ(edits[3]["range"], range(6, 9, 6, 14));
  const json second = t.response(3)["result"]["changes"][uri];
  ASSERT_EQ(second.size(), 2u) << t.raw;
  EXPECT_EQ(second[0]["range"], range(0, 15, 0, 16));
  EXPECT_EQ(second[1]["range"], range(1, 13, 1, 14));
  for (int id : {4, 5, 6, 7}) {
    ASSERT_TRUE(t.response(id).contains("error")) << id << ": " << t.response(id).dump();
    EXPECT_EQ(t.response(id)["error"]["code"], -32803);
  }
  EXPECT_NE(t.response(4)["error"]["message"].get<std::string>().find("builtin"), std::string::npos);
  EXPECT_NE(t.response(6)["error"]["message"].get<std::string>().find("not an identifier"), std::string::npos);
  EXPECT_NE(t.response(7)["error"]["message"].get<std::string>().find("keyword"), std::string::npos);
  EXPECT_EQ(t.response(8)["result"]["changes"][uri].size(), 3u);
}

// ---------------------------------------------------------------------------------------------
// Folding

TEST(LspFolding, BlocksMultiLineStringsAndCommentRuns) {
  const std::string text =
      "// first\n"                                 // 0
      "// second\n"                                // 1
      "\n"                                         // 2
      "// alone\n"                                 // 3
      "workflow main() -> string {\n"              // 4
      "  let note = \"\"\"\n"                      // 5
      "    a { brace in a string\n"                // 6
      "    \"\"\"\n"                               // 7
      "  if true {\n"                              // 8
      "    return note\n"                          // 9
      "  }\n"                                      // 10
      "  return \"x\" // { not a block\n"          // 11
      "}\n";                                       // 12
  const Transcript t = Session()
                           .start()
                           .open("file:///w/fold.wf", text)
                           .request(1, "textDocument/foldingRange", {{"textDocument", {{"uri", "file:///w/fold.wf"}}}})
                           .stop()
                           .play();
  const json expected = json::array({
      {{"startLine", 0}, {"endLine", 1}, {"kind", "comment"}},
      {{"startLine", 4}, {"endLine", 11}},
      {{"startLine", 5}, {"endLine", 7}},
      {{"startLine", 8}, {"endLine", 9}},
  });
  EXPECT_EQ(t.response(1)["result"], expected) << t.response(1).dump(2);
}

// ---------------------------------------------------------------------------------------------
// Semantic tokens

// The tokens of a semanticTokens/full answer, decoded from its relative form: "line:character
// length type" each.
std::vector<std::string> decode_tokens(const json& result, const json& legend) {
  std::vector<std::string> out;
  const json& data = result["data"];
  uint32_t line = 0, character = 0;
  for (size_t i = 0; i + 5 <= data.size(); i += 5) {
    const uint32_t dl = data[i], dc = data[i + 1];
    character = dl == 0 ? character + dc : dc;
    line += dl;
    out.push_back(std::to_string(line) + ":" + std::to_string(character) + " " + std::to_string(data[i + 2].get<int>()) +
                  " " + legend[data[i + 3].get<int>()].get<std::string>());
  }
  return out;
}

TEST(LspSemanticTokens, MeaningsAndRelativeUtf16Encoding) {
  const std::string text =
      "// é note\n"                                           // 0
      "@timeout(5m)\n"                                        // 1
      "workflow main(n: int) -> int {\n"                      // 2
      "  let s = \"é{{ n }}\"\n"                              // 3
      "  return n + len(s)\n"                                 // 4
      "}\n";
  const Transcript t = Session()
                           .start()
                           .open("file:///w/tok.wf", text)
                           .request(1, "textDocument/semanticTokens/full", {{"textDocument", {{"uri", "file:///w/tok.wf"}}}})
                           .stop()
                           .play();
  const json legend = t.response(0)["result"]["capabilities"]["semanticTokensProvider"]["legend"]["tokenTypes"];
  const std::vector<std::string> tokens = decode_tokens(t.response(1)["result"], legend);
  const std::vector<std::string> expected = {
      "0:0 9 comment",       // UTF-16: `é` is one unit
      "1:0 8 macro",         "1:9 2 number",
      "2:0 8 keyword",       "2:9 4 function",  "2:14 1 parameter", "2:17 3 type", "2:25 3 type",
      "3:2 3 keyword",       "3:6 1 variable",  "3:10 5 string",    "3:15 1 parameter", "3:16 4 string",
      "4:2 6 keyword",       "4:9 1 parameter", "4:13 3 function",  "4:17 1 variable",
  };
  EXPECT_EQ(tokens, expected) << t.response(1).dump();
}

// ---------------------------------------------------------------------------------------------
// Signature help and workspace symbols

TEST(LspSignatureHelp, BuiltinsFnsAndTheActiveParameter) {
  const std::string text =
      "/// Adds.\n"                                  // 0
      "fn add(a: int, b: int) -> int {\n"            // 1
      "  return a + b\n"                             // 2
      "}\n"                                          // 3
      "workflow main() -> int {\n"                   // 4
      "  let x = add(1, \n"                          // 5: being typed
      "  return len(\"s\")\n"                        // 6
      "}\n";
  const std::string uri = "file:///w/sig.wf";
  const Transcript t = Session()
                           .start()
                           .open(uri, text)
                           .at(1, "textDocument/signatureHelp", uri, 5, 17)  // after `add(1, `
                           .at(2, "textDocument/signatureHelp", uri, 5, 14)  // after `add(`
                           .at(3, "textDocument/signatureHelp", uri, 6, 13)  // in `len(`
                           .at(4, "textDocument/signatureHelp", uri, 2, 4)   // no call
                           .stop()
                           .play();
  const json fn = t.response(1)["result"];
  ASSERT_EQ(fn["signatures"].size(), 1u) << t.raw;
  EXPECT_EQ(fn["signatures"][0]["label"], "fn add(a: int, b: int) -> int");
  EXPECT_EQ(fn["signatures"][0]["parameters"], json::array({{{"label", "a: int"}}, {{"label", "b: int"}}}));
  EXPECT_EQ(fn["signatures"][0]["documentation"]["value"], "Adds.");
  EXPECT_EQ(fn["activeParameter"], 1);
  EXPECT_EQ(t.response(2)["result"]["activeParameter"], 0);
  const json builtin = t.response(3)["result"];
  ASSERT_GE(builtin["signatures"].size(), 1u) << t.raw;
  EXPECT_EQ(builtin["signatures"][0]["label"].get<std::string>().rfind("len(", 0), 0u);
  EXPECT_TRUE(t.response(4)["result"].is_null());
}

TEST(LspWorkspaceSymbol, DeclarationsOfOpenDocumentsMatchingAQuery) {
  const Transcript t = Session()
                           .start()
                           .open("file:///w/a.wf", "fn restart_web() -> int {\n  return 1\n}\nconst LIMIT = 3\n")
                           .open("file:///w/b.wf", "fn report() -> int {\n  return 2\n}\n")
                           .request(1, "workspace/symbol", {{"query", "rw"}})
                           .request(2, "workspace/symbol", {{"query", ""}})
                           .request(3, "workspace/symbol", {{"query", "zzz"}})
                           .stop()
                           .play();
  const json found = t.response(1)["result"];
  ASSERT_EQ(found.size(), 1u) << t.raw;
  EXPECT_EQ(found[0]["name"], "restart_web");
  EXPECT_EQ(found[0]["kind"], 12);
  EXPECT_EQ(found[0]["location"]["uri"], "file:///w/a.wf");
  EXPECT_EQ(t.response(2)["result"].size(), 3u);
  EXPECT_EQ(t.response(3)["result"], json::array());
}

TEST(LspSemanticTokens, EverySampleGetsOrderedSingleLineTokensAndFolds) {
  for (const auto& entry : fs::directory_iterator(fs::path(WF_SOURCE_DIR) / "samples")) {
    if (entry.path().extension() != ".wf") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    const std::string uri = lsp::uri_from_path(entry.path().string());
    const Transcript t = Session()
                             .start()
                             .open(uri, text.str())
                             .request(1, "textDocument/semanticTokens/full", {{"textDocument", {{"uri", uri}}}})
                             .request(2, "textDocument/foldingRange", {{"textDocument", {{"uri", uri}}}})
                             .stop()
                             .play();
    const json data = t.response(1)["result"]["data"];
    ASSERT_EQ(data.size() % 5, 0u) << entry.path();
    EXPECT_GT(data.size(), 0u) << entry.path();
    for (size_t i = 0; i < data.size(); i += 5) {
      EXPECT_GT(data[i + 2].get<int>(), 0) << entry.path() << " token " << i / 5;
      EXPECT_LT(data[i + 3].get<int>(), 11) << entry.path();
    }
    const json folds = t.response(2)["result"];  // kept: a loop over a temporary's member would dangle
    for (const json& fold : folds) EXPECT_LT(fold["startLine"].get<int>(), fold["endLine"].get<int>());
  }
}

}  // namespace
}  // namespace wf
