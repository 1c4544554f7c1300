// ServerCore: listening, accepting, resuming pipelined connections, and the close sequence.
#include "runtime/http/server_core.h"

#include <algorithm>
#include <csignal>
#include <cstring>

#include "runtime/http/connection.h"
#include "runtime/http/response_writer.h"

namespace wf::http {
namespace {

// Enough for bursts of connections without tuning the kernel's somaxconn.
constexpr int kListenBacklog = 511;

bool resolve(uv_loop_t* loop, const std::string& host, int port, sockaddr_storage& address,
             std::string& error) {
  std::memset(&address, 0, sizeof address);
  const char* name = host.empty() ? "0.0.0.0" : host.c_str();
  if (uv_ip4_addr(name, port, reinterpret_cast<sockaddr_in*>(&address)) == 0) return true;
  if (uv_ip6_addr(name, port, reinterpret_cast<sockaddr_in6*>(&address)) == 0) return true;
  // A host name: resolved once, synchronously (no callback), before the server runs.
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  uv_getaddrinfo_t request;
  int status = uv_getaddrinfo(loop, &request, nullptr, name, nullptr, &hints);
  if (status != 0) {
    error = "cannot resolve " + host + ": " + uv_strerror(status);
    return false;
  }
  bool found = false;
  for (addrinfo* ai = request.addrinfo; ai != nullptr && !found; ai = ai->ai_next) {
    if (ai->ai_family == AF_INET) {
      std::memcpy(&address, ai->ai_addr, sizeof(sockaddr_in));
      reinterpret_cast<sockaddr_in*>(&address)->sin_port = htons(static_cast<uint16_t>(port));
      found = true;
    } else if (ai->ai_family == AF_INET6) {
      std::memcpy(&address, ai->ai_addr, sizeof(sockaddr_in6));
      reinterpret_cast<sockaddr_in6*>(&address)->sin6_port = htons(static_cast<uint16_t>(port));
      found = true;
    }
  }
  uv_freeaddrinfo(request.addrinfo);
  if (!found) error = "no IPv4 or IPv6 address for " + host;
  return found;
}

void run_guarded(const std::function<void()>& f) {
  try {
    if (f) f();
  } catch (...) {
    // The caller's callback must not throw through a libuv callback.
  }
}

// libuv writes with write(2), which raises SIGPIPE when the peer has reset the connection; its
// default action would end the whole service. A disposition the program chose is left alone.
void ignore_broken_pipes() {
  struct sigaction current {};
  if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
    std::signal(SIGPIPE, SIG_IGN);
  }
}

}  // namespace

ServerCore::ServerCore(uv_loop_t* loop, Handler handler, Limits limits)
    : loop_(loop),
      handler_(std::move(handler)),
      limits_(limits),
      read_buffer_(std::make_unique<char[]>(kReadBufferSize)) {
  ignore_broken_pipes();
  if (uv_idle_init(loop_, &resume_idle_) == 0) {
    resume_idle_.data = this;
    resume_idle_open_ = true;
  }
}

bool ServerCore::listen(const std::string& host, int port, std::string& error) {
  if (closing_) {
    error = "the server is closed";
    return false;
  }
  if (listener_ != nullptr) {
    error = "the server is already listening";
    return false;
  }
  if (port < 0 || port > 65535) {
    error = "port out of range: " + std::to_string(port);
    return false;
  }
  sockaddr_storage address;
  if (!resolve(loop_, host, port, address, error)) return false;

  auto* listener = new uv_tcp_t;
  int status = uv_tcp_init(loop_, listener);
  if (status != 0) {
    delete listener;
    error = std::string("cannot create a socket: ") + uv_strerror(status);
    return false;
  }
  listener->data = this;
  ++open_listeners_;
  listener_ = listener;
  // libuv sets SO_REUSEADDR on bind, so a restarted server binds at once. Linux often reports
  // EADDRINUSE only at listen().
  status = uv_tcp_bind(listener, reinterpret_cast<const sockaddr*>(&address), 0);
  if (status == 0) {
    status = uv_listen(reinterpret_cast<uv_stream_t*>(listener), kListenBacklog, on_connection);
  }
  if (status != 0) {
    error = "cannot listen on " + (host.empty() ? std::string("0.0.0.0") : host) + ":" +
            std::to_string(port) + ": " + uv_strerror(status);
    close_listener();
    return false;
  }
  return true;
}

int ServerCore::port() const {
  if (listener_ == nullptr) return 0;
  sockaddr_storage address;
  int length = sizeof address;
  if (uv_tcp_getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) return 0;
  if (address.ss_family == AF_INET)
    return ntohs(reinterpret_cast<sockaddr_in*>(&address)->sin_port);
  if (address.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<sockaddr_in6*>(&address)->sin6_port);
  }
  return 0;
}

void ServerCore::close(std::function<void()> done) {
  if (finished_) {
    run_guarded(done);
    return;
  }
  if (done) done_.push_back(std::move(done));
  if (closing_) return;
  closing_ = true;
  close_listener();
  // close_now() leaves the list alone: a connection unlinks itself from its close callback.
  for (Connection* c = connections_; c != nullptr; c = c->next) c->close_now();
  if (resume_idle_open_) uv_close(reinterpret_cast<uv_handle_t*>(&resume_idle_), on_resume_closed);
  finish_if_closed();
}

void ServerCore::release() {
  released_ = true;
  if (!closing_) close({});
  if (finished_ && !notifying_) delete this;
}

std::string_view ServerCore::date() {
  std::time_t now = std::time(nullptr);
  if (now != date_second_) {
    date_second_ = now;
    date_ = http_date(now);
  }
  return date_;
}

void ServerCore::schedule_resume(Connection* connection) {
  if (connection->resume_queued || !resume_idle_open_ || closing_) return;
  connection->resume_queued = true;
  resume_queue_.push_back(connection);
  // An active idle handle makes the loop poll without blocking, so the resumption runs on the
  // next turn.
  uv_idle_start(&resume_idle_, on_resume);
}

void ServerCore::cancel_resume(Connection* connection) {
  if (!connection->resume_queued) return;
  connection->resume_queued = false;
  std::erase(resume_queue_, connection);
  std::replace(resuming_.begin(), resuming_.end(), connection, static_cast<Connection*>(nullptr));
}

void ServerCore::connection_closed(Connection* connection) {
  cancel_resume(connection);
  connection_closing(*connection);  // already done by close_now(); a list must not keep it
  if (connection->prev != nullptr) connection->prev->next = connection->next;
  if (connection->next != nullptr) connection->next->prev = connection->prev;
  if (connections_ == connection) connections_ = connection->next;
  --connection_count_;
  delete connection;
  finish_if_closed();
}

void ServerCore::on_connection(uv_stream_t* listener, int status) {
  auto* core = static_cast<ServerCore*>(listener->data);
  if (status < 0 || core->closing_) return;
  // Full, and no connection to evict: refused without the cost of a Connection. Otherwise the
  // connection is accepted and admit() decides, once its address is known.
  if (core->admitted_count_ >= core->limits_.max_connections && core->evictable_first_ == nullptr) {
    core->reject(listener);
  } else {
    core->accept(listener);
  }
}

bool ServerCore::admit(Connection& connection) {
  size_t per_address_cap = limits_.max_connections_per_address;
  if (per_address_cap > 0) {
    auto found = per_address_.find(connection.address());
    if (found != per_address_.end() && found->second >= per_address_cap) return false;
  }
  if (admitted_count_ >= limits_.max_connections) {
    // Under a flood of connections that open and then trickle (or say nothing), the one that
    // has waited longest for its headers gives way, so that a real client still gets in and
    // the flood only recycles its own connections. A request being answered is never evicted.
    if (evictable_first_ == nullptr) return false;
    evictable_first_->close_now();  // through connection_closing(): uncounted and unlisted
  }
  ++per_address_[connection.address()];
  ++admitted_count_;
  connection.admitted = true;
  return true;
}

void ServerCore::connection_closing(Connection& connection) {
  unmark_evictable(connection);
  if (!connection.admitted) return;
  connection.admitted = false;
  --admitted_count_;
  auto found = per_address_.find(connection.address());
  if (found != per_address_.end() && --found->second == 0) per_address_.erase(found);
}

void ServerCore::mark_evictable(Connection& connection) {
  if (connection.evictable) return;
  connection.evictable = true;
  connection.evictable_prev = evictable_last_;
  connection.evictable_next = nullptr;
  if (evictable_last_ != nullptr) {
    evictable_last_->evictable_next = &connection;
  } else {
    evictable_first_ = &connection;
  }
  evictable_last_ = &connection;
}

void ServerCore::unmark_evictable(Connection& connection) {
  if (!connection.evictable) return;
  connection.evictable = false;
  if (connection.evictable_prev != nullptr) {
    connection.evictable_prev->evictable_next = connection.evictable_next;
  } else {
    evictable_first_ = connection.evictable_next;
  }
  if (connection.evictable_next != nullptr) {
    connection.evictable_next->evictable_prev = connection.evictable_prev;
  } else {
    evictable_last_ = connection.evictable_prev;
  }
  connection.evictable_prev = nullptr;
  connection.evictable_next = nullptr;
}

void ServerCore::accept(uv_stream_t* listener) {
  auto* connection = new Connection(*this);
  connection->next = connections_;
  if (connections_ != nullptr) connections_->prev = connection;
  connections_ = connection;
  ++connection_count_;
  connection->start(listener);
}

void ServerCore::reject(uv_stream_t* listener) {
  // Accept and close at once: left in the backlog, the peer would wait instead of failing fast.
  auto* tcp = new uv_tcp_t;
  if (uv_tcp_init(loop_, tcp) != 0) {
    delete tcp;
    return;
  }
  uv_accept(listener, reinterpret_cast<uv_stream_t*>(tcp));
  uv_close(reinterpret_cast<uv_handle_t*>(tcp),
           [](uv_handle_t* handle) { delete reinterpret_cast<uv_tcp_t*>(handle); });
}

void ServerCore::close_listener() {
  if (listener_ == nullptr) return;
  uv_close(reinterpret_cast<uv_handle_t*>(listener_), on_listener_closed);
  listener_ = nullptr;
}

void ServerCore::on_listener_closed(uv_handle_t* handle) {
  auto* core = static_cast<ServerCore*>(handle->data);
  delete reinterpret_cast<uv_tcp_t*>(handle);
  --core->open_listeners_;
  core->finish_if_closed();
}

void ServerCore::on_resume(uv_idle_t* idle) {
  auto* core = static_cast<ServerCore*>(idle->data);
  core->resuming_.swap(core->resume_queue_);
  for (size_t i = 0; i < core->resuming_.size(); ++i) {
    Connection* connection = core->resuming_[i];
    if (connection == nullptr) continue;  // closed meanwhile
    connection->resume_queued = false;
    connection->resume_parsing();
  }
  core->resuming_.clear();
  if (core->resume_queue_.empty()) uv_idle_stop(idle);
}

void ServerCore::on_resume_closed(uv_handle_t* handle) {
  auto* core = static_cast<ServerCore*>(handle->data);
  core->resume_idle_open_ = false;
  core->finish_if_closed();
}

void ServerCore::finish_if_closed() {
  if (!closing_ || finished_ || open_listeners_ > 0 || resume_idle_open_ || connection_count_ > 0) {
    return;
  }
  finished_ = true;
  notifying_ = true;
  auto done = std::move(done_);
  done_.clear();
  for (const auto& f : done) run_guarded(f);
  notifying_ = false;
  // A `done` that destroyed the Server released this core meanwhile.
  if (released_) delete this;
}

}  // namespace wf::http
