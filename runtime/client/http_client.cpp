// The HTTP client (see http_client.h).
#include "runtime/client/http_client.h"

#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <mutex>

namespace wf::client {

namespace {

// curl_global_init is not thread-safe; run it once before the first handle.
void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t append_body(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

struct StreamState {
  const std::function<bool(std::string_view)>* on_data;
  bool stopped = false;
};

size_t stream_body(char* data, size_t size, size_t count, void* user) {
  auto* state = static_cast<StreamState*>(user);
  bool go_on = false;
  try {
    go_on = (*state->on_data)(std::string_view(data, size * count));
  } catch (...) {
    go_on = false;  // nothing may unwind through libcurl
  }
  if (!go_on) {
    state->stopped = true;
    return 0;  // aborts the transfer
  }
  return size * count;
}

}  // namespace

std::string HttpResult::describe() const {
  if (!error.empty()) return error;
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_object() && j["error"].contains("message") &&
      j["error"]["message"].is_string())
    return j["error"]["message"].get<std::string>();
  return "HTTP " + std::to_string(status);
}

HttpClient::HttpClient(std::string base_url, std::string token) : base_url_(std::move(base_url)), token_(std::move(token)) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
  global_init();
  curl_ = curl_easy_init();
}

HttpClient::~HttpClient() {
  if (curl_) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

HttpResult HttpClient::request(std::string_view method, std::string_view path, std::string_view body, int64_t timeout_ms) {
  HttpResult out;
  CURL* c = static_cast<CURL*>(curl_);
  if (!c) {
    out.error = "cannot initialise libcurl";
    return out;
  }
  curl_easy_reset(c);
  const std::string url = base_url_ + std::string(path);
  const std::string verb(method);
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, verb.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &out.body);
  struct curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Accept: application/json");
  std::string auth;
  if (!token_.empty()) {
    auth = "Authorization: Bearer " + token_;
    headers = curl_slist_append(headers, auth.c_str());
  }
  for (const std::string& line : extra_headers_) headers = curl_slist_append(headers, line.c_str());
  if (!body.empty()) {
    headers = curl_slist_append(headers, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  } else if (verb == "POST" || verb == "PUT" || verb == "PATCH") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
  } else if (verb == "GET") {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    out.error = std::string(curl_easy_strerror(rc)) + " (" + url + ")";
  } else {
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    out.status = static_cast<int>(status);
  }
  curl_slist_free_all(headers);
  return out;
}

HttpResult HttpClient::stream(std::string_view path, const std::vector<std::string>& extra,
                              const std::function<bool(std::string_view)>& on_data) {
  HttpResult out;
  CURL* c = static_cast<CURL*>(curl_);
  if (!c) {
    out.error = "cannot initialise libcurl";
    return out;
  }
  curl_easy_reset(c);
  const std::string url = base_url_ + std::string(path);
  StreamState state{&on_data};
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, stream_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &state);
  struct curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Accept: text/event-stream");
  std::string auth;
  if (!token_.empty()) {
    auth = "Authorization: Bearer " + token_;
    headers = curl_slist_append(headers, auth.c_str());
  }
  for (const auto& h : extra) headers = curl_slist_append(headers, h.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  const CURLcode rc = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  out.status = static_cast<int>(status);
  if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && state.stopped))
    out.error = std::string(curl_easy_strerror(rc)) + " (" + url + ")";
  curl_slist_free_all(headers);
  return out;
}

bool SseParser::feed(std::string_view piece, const std::function<bool(const Event&)>& on_event) {
  buffer_.append(piece);
  size_t start = 0;
  for (;;) {
    const size_t nl = buffer_.find('\n', start);
    if (nl == std::string::npos) break;
    std::string_view line(buffer_.data() + start, nl - start);
    start = nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      // A blank line ends an event; one with neither data nor id is a keep-alive.
      if (!current_.data.empty() || !current_.id.empty()) {
        if (!current_.data.empty() && current_.data.back() == '\n') current_.data.pop_back();
        const bool go_on = on_event(current_);
        current_ = Event{};
        if (!go_on) {
          buffer_.erase(0, start);
          return false;
        }
      }
      continue;
    }
    if (line.front() == ':') continue;  // a comment
    const size_t colon = line.find(':');
    std::string_view name = line.substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (name == "id") current_.id = value;
    else if (name == "event") current_.type = value;
    else if (name == "data") {
      current_.data.append(value);
      current_.data.push_back('\n');
    }
  }
  buffer_.erase(0, start);
  return true;
}

std::string url_encode(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : text) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') out.push_back(static_cast<char>(ch));
    else {
      out.push_back('%');
      out.push_back(hex[ch >> 4]);
      out.push_back(hex[ch & 15]);
    }
  }
  return out;
}

}  // namespace wf::client
