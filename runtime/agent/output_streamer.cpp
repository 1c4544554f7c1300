// The output sender of one job (see output_streamer.h).
#include "runtime/agent/output_streamer.h"

#include <fmt/format.h>

#include <utility>

#include "runtime/agent/backoff.h"
#include "runtime/agent/job_wire.h"
#include "runtime/agent/utf8_text.h"

namespace wf::agent {

namespace {

size_t index_of(jobs::OutputStream stream) { return stream == jobs::OutputStream::Stdout ? 0 : 1; }

}  // namespace

OutputStreamer::OutputStreamer(ServerConnection& server, int64_t job_id, const Logger& log, const SecretMask& mask,
                               std::chrono::milliseconds interval, size_t batch_bytes)
    : server_(server),
      job_id_(job_id),
      log_(log),
      interval_(interval),
      batch_bytes_(batch_bytes == 0 ? 1 : batch_bytes),
      masked_{MaskedStream(mask), MaskedStream(mask)} {}

OutputStreamer::~OutputStreamer() { finish(); }

void OutputStreamer::add(jobs::OutputStream stream, std::string_view data) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (refused_ || finishing_ || data.empty()) return;
  // Masking first: it replaces whole occurrences, which never end inside a character.
  std::string& held = held_[index_of(stream)];
  std::string text = std::move(held);
  text += masked_[index_of(stream)].add(data);
  const size_t complete = complete_utf8_prefix(text);
  held = text.substr(complete);
  text.resize(complete);
  queue_locked(stream, std::move(text));
}

void OutputStreamer::queue_locked(jobs::OutputStream stream, std::string text) {
  if (text.empty()) return;
  pending_bytes_ += text.size();
  if (!pending_.empty() && pending_.back().stream == stream) pending_.back().data += text;
  else pending_.push_back(Piece{stream, std::move(text)});
  start_sending_locked();
  wake_.notify_all();
}

// The sending thread starts with the first output: most jobs print little or nothing, and a
// thread per job would be started and joined for nothing.
void OutputStreamer::start_sending_locked() {
  if (!thread_.joinable() && !finished_) thread_ = std::thread([this] { send_loop(); });
}

void OutputStreamer::finish() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (finished_) return;
    if (!finishing_) {
      finishing_ = true;
      // Whatever was held for a character's end or a secret's will not get it now; it goes as
      // it is, masked.
      for (jobs::OutputStream stream : {jobs::OutputStream::Stdout, jobs::OutputStream::Stderr}) {
        std::string text = std::exchange(held_[index_of(stream)], std::string());
        text += masked_[index_of(stream)].finish();
        if (!refused_) queue_locked(stream, std::move(text));
      }
    }
    if (!pending_.empty()) start_sending_locked();
    wake_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> lock(mutex_);
  finished_ = true;
}

size_t OutputStreamer::bytes_sent() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return sent_;
}

OutputStreamer::Piece OutputStreamer::take_batch_locked() {
  Piece batch = std::move(pending_.front());
  pending_.pop_front();
  if (batch.data.size() > batch_bytes_) {
    // Cut at a character boundary when there is one near the limit.
    size_t cut = complete_utf8_prefix(std::string_view(batch.data).substr(0, batch_bytes_));
    if (cut == 0) cut = batch_bytes_;
    pending_.push_front(Piece{batch.stream, batch.data.substr(cut)});
    batch.data.resize(cut);
  }
  pending_bytes_ -= batch.data.size();
  return batch;
}

void OutputStreamer::send_loop() {
  try {
    send_batches();
  } catch (const std::exception& e) {
    log_(fmt::format("job {}: output streaming stopped: {}", job_id_, e.what()));
  }
}

void OutputStreamer::send_batches() {
  client::HttpClient http(server_.server());
  Backoff backoff;
  auto last_send = std::chrono::steady_clock::now() - interval_;
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return !pending_.empty() || finishing_; });
    if (pending_.empty()) break;  // finishing, and all sent
    if (!finishing_)
      wake_.wait_until(lock, last_send + interval_, [&] { return finishing_ || pending_bytes_ >= batch_bytes_; });
    Piece batch = take_batch_locked();
    lock.unlock();

    const std::string body = output_body(batch.stream, batch.data);
    const client::HttpResult result = server_.call(http, "POST", job_path(job_id_, "output"), body);
    last_send = std::chrono::steady_clock::now();

    lock.lock();
    if (result.ok()) {
      sent_ += batch.data.size();
      backoff.reset();
      continue;
    }
    if (!service_unavailable(result)) {
      // 404 or 409: the job was cancelled or is gone; nobody wants its output.
      log_(fmt::format("job {}: the service refused its output ({}); not streaming it any more", job_id_, result.describe()));
      refused_ = true;
      pending_.clear();
      pending_bytes_ = 0;
      continue;
    }
    pending_bytes_ += batch.data.size();
    pending_.push_front(std::move(batch));
    if (finishing_) {
      pending_.clear();
      pending_bytes_ = 0;
      break;
    }
    wake_.wait_for(lock, backoff.next(), [&] { return finishing_; });
  }
}

}  // namespace wf::agent
