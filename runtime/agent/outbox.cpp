// The durable queue of completion reports (see outbox.h).
#include "runtime/agent/outbox.h"

#include <algorithm>
#include <charconv>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "runtime/agent/durable_file.h"

namespace wf::agent {

namespace {

// "<id>.json" → id; anything else is not a report.
std::optional<int64_t> id_of(const std::string& name) {
  constexpr std::string_view suffix = ".json";
  if (name.size() <= suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) return std::nullopt;
  int64_t id = 0;
  const char* end = name.data() + name.size() - suffix.size();
  const auto [ptr, ec] = std::from_chars(name.data(), end, id);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return id;
}

}  // namespace

std::string Outbox::open() {
  if (std::string error = make_private_directory(dir_); !error.empty()) return error;
  std::error_code ec;
  std::vector<std::filesystem::path> leftovers;
  for (std::filesystem::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().filename().string().find(".tmp-") != std::string::npos) leftovers.push_back(it->path());
  if (ec) return "cannot read " + dir_ + ": " + ec.message();
  for (const auto& path : leftovers) std::filesystem::remove(path, ec);
  return {};
}

std::string Outbox::file_of(int64_t job_id) const { return dir_ + "/" + std::to_string(job_id) + ".json"; }

std::string Outbox::store(int64_t job_id, const std::string& body) { return write_file_flushed(file_of(job_id), body, 0600); }

std::optional<std::string> Outbox::load(int64_t job_id) const {
  std::string text, error;
  if (!read_whole_file(file_of(job_id), text, error)) return std::nullopt;
  // A write cut short by a crash (before its flush ended, so before the report was ever sent).
  if (text.empty() || text.front() != '{' || !nlohmann::json::accept(text)) return std::nullopt;
  return text;
}

std::string Outbox::remove(int64_t job_id) { return remove_file(file_of(job_id)); }

std::vector<int64_t> Outbox::pending() const {
  std::vector<int64_t> ids;
  std::error_code ec;
  // The non-throwing increment: a folder that vanishes is an empty outbox, not an exception.
  for (std::filesystem::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec))
    if (const auto id = id_of(it->path().filename().string())) ids.push_back(*id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

bool Outbox::claim(int64_t job_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  return claimed_.insert(job_id).second;
}

void Outbox::release(int64_t job_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  claimed_.erase(job_id);
}

}  // namespace wf::agent
