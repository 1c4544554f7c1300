// libFuzzer entry for the API's request bodies (runtime/service/request_fields.h): any bytes as
// the body of a request are read the way the handlers read theirs (running a definition, creating
// a job, responding to an approval, completing a job, registering an agent) and either give typed
// fields or one 400 answer whose body is the error shape of SPEC §4.7, without a crash, a
// sanitizer report or a leak.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "runtime/service/request_fields.h"

namespace {

// Records the answer; a handler must answer a refused request exactly once, with JSON.
class Exchange : public wf::http::Exchange {
 public:
  void respond(wf::http::Response r) override {
    ++answers;
    status = r.status;
    body = std::move(r.body);
  }
  void start_stream(int, wf::http::HeaderList) override {}
  bool send(std::string_view) override { return false; }
  void end() override {}
  bool closed() const override { return answers > 0; }
  void on_close(std::function<void()>) override {}
  int answers = 0;
  int status = 0;
  std::string body;
};

// A 400 with {"error": {"code": "bad_request", "message": non-empty}}.
void expect_refusal(const Exchange& x) {
  if (x.answers != 1 || x.status != 400) __builtin_trap();
  const nlohmann::json j = nlohmann::json::parse(x.body, nullptr, false);
  if (!j.is_object() || !j.contains("error") || !j["error"].is_object()) __builtin_trap();
  if (j["error"].value("code", "") != "bad_request" || j["error"].value("message", "").empty()) __builtin_trap();
}

// Reads the body as each handler does; true when the fields are well typed.
bool read_as_handlers_do(const nlohmann::json& body, Exchange& x) {
  using wf::service::Fields;
  bool all_ok = true;
  {  // POST /definitions/{id}/run
    Fields f(body);
    (void)f.integer("version");
    (void)f.boolean("simulate");
    (void)f.boolean("force");
    (void)f.object("params");
    (void)f.strings("hosts");
    (void)f.strings("groups");
    if (body.contains("scheduled_at") && !body["scheduled_at"].is_null()) (void)wf::service::parse_time(body["scheduled_at"]);
    Exchange own;
    if (!f.ok(own)) {
      expect_refusal(own);
      all_ok = false;
    }
  }
  {  // POST /jobs
    Fields f(body);
    (void)f.string("host", true);
    (void)f.string("command");
    (void)f.strings("argv");
    (void)f.string("script");
    (void)f.string("interpreter");
    (void)f.integer("timeout_ms");
    (void)f.string("priority");
    Exchange own;
    if (!f.ok(own)) {
      expect_refusal(own);
      all_ok = false;
    }
  }
  {  // POST /approvals/{id}/respond
    Fields f(body);
    (void)f.string("decision", true);
    (void)f.string("note");
    (void)f.string("via");
    (void)f.string("who");
    Exchange own;
    if (!f.ok(own)) {
      expect_refusal(own);
      all_ok = false;
    }
  }
  {  // POST /agents/jobs/{id}/complete, then /register: the last one answers through `x`
    Fields f(body);
    (void)f.string("status", true);
    (void)f.integer("exit_code");
    (void)f.string("stdout");
    (void)f.string("stderr");
    (void)f.boolean("stdout_truncated");
    (void)f.boolean("stderr_truncated");
    (void)f.integer("duration_ms");
    (void)f.string("error");
    (void)f.string("enrollment_secret", true);
    (void)f.string("hostname", true);
    if (!f.ok(x)) {
      expect_refusal(x);
      all_ok = false;
    }
  }
  return all_ok;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  wf::http::Request request;
  request.body.assign(reinterpret_cast<const char*>(data), size);
  Exchange x;
  const std::optional<nlohmann::json> body = wf::service::body_object(request, x);
  if (!body) {
    expect_refusal(x);
    return 0;
  }
  if (x.answers != 0 || !body->is_object()) __builtin_trap();
  read_as_handlers_do(*body, x);
  // A body's values are stored and answered again as JSON text, whatever bytes their strings hold.
  (void)body->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  // Its strings as paging parameters and ids.
  wf::http::Request list;
  for (const auto& [key, value] : body->items())
    if (value.is_string()) {
      list.query.emplace_back(key, value.get<std::string>());
      (void)wf::service::parse_id(value.get<std::string>());
    }
  Exchange page;
  int64_t skip = -1, limit = -1;
  if (wf::service::paging(list, page, skip, limit)) {
    if (page.answers != 0 || skip < 0 || limit < 0 || limit > 1000) __builtin_trap();
  } else {
    expect_refusal(page);
  }
  return 0;
}
