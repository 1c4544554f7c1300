// Server: the public face of ServerCore, which outlives it until libuv has closed every handle.
#include "runtime/http/server.h"

#include "runtime/http/server_core.h"

namespace wf::http {

Server::Server(uv_loop_t* loop, Handler handler, Limits limits)
    : core_(new ServerCore(loop, std::move(handler), limits)) {}

Server::~Server() { core_->release(); }

bool Server::listen(const std::string& host, int port, std::string& error) {
  return core_->listen(host, port, error);
}

int Server::port() const { return core_->port(); }

void Server::close(std::function<void()> done) { core_->close(std::move(done)); }

size_t Server::connection_count() const { return core_->connection_count(); }

}  // namespace wf::http
