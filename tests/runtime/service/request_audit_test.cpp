// What the audit log keeps of a request, decided without a service: which answers are recorded,
// their outcome, the client's address without its port, and which callers' request ids are kept.
#include <gtest/gtest.h>

#include <string>

#include "runtime/service/request_audit.h"
#include "runtime/service/request_id.h"

namespace wf::service {
namespace {

const Route& row(const char* method, const char* path) {
  for (const Route& r : routes())
    if (std::string(r.method) == method && std::string(r.path) == path) return r;
  ADD_FAILURE() << method << " " << path << " is not in the route table";
  return routes().front();
}

TEST(RequestAudit, ChangesOfUsersAndRegistrationsAndEveryRefusalAreRecorded) {
  const Route& cancel = row("POST", "/instances/{id}/cancel");
  const Route& list = row("GET", "/instances");
  const Route& heartbeat = row("POST", "/agents/heartbeat");
  const Route& register_agent = row("POST", "/agents/register");
  const Route& health = row("GET", "/health");
  for (int status : {200, 201, 204, 400, 404, 409, 413, 503}) {
    EXPECT_TRUE(audited(cancel, "POST", status)) << status;
    EXPECT_TRUE(audited(register_agent, "POST", status)) << status;
    EXPECT_FALSE(audited(list, "GET", status)) << status;
    EXPECT_FALSE(audited(list, "HEAD", status)) << status;
    EXPECT_FALSE(audited(heartbeat, "POST", status)) << status;
    EXPECT_FALSE(audited(health, "GET", status)) << status;
  }
  for (int status : {401, 403}) {
    EXPECT_TRUE(audited(list, "GET", status));
    EXPECT_TRUE(audited(heartbeat, "POST", status));
    EXPECT_TRUE(audited(cancel, "POST", status));
  }
}

TEST(RequestAudit, OutcomesFollowTheStatus) {
  EXPECT_EQ(audit_outcome(200), store::AuditOutcome::Ok);
  EXPECT_EQ(audit_outcome(204), store::AuditOutcome::Ok);
  EXPECT_EQ(audit_outcome(302), store::AuditOutcome::Ok);
  EXPECT_EQ(audit_outcome(401), store::AuditOutcome::Denied);
  EXPECT_EQ(audit_outcome(403), store::AuditOutcome::Denied);
  EXPECT_EQ(audit_outcome(400), store::AuditOutcome::Error);
  EXPECT_EQ(audit_outcome(404), store::AuditOutcome::Error);
  EXPECT_EQ(audit_outcome(503), store::AuditOutcome::Error);
}

TEST(RequestAudit, TheClientIsItsAddressWithoutThePort) {
  EXPECT_EQ(client_address("127.0.0.1:50312"), "127.0.0.1");
  EXPECT_EQ(client_address("[::1]:50312"), "::1");
  EXPECT_EQ(client_address("[fe80::1%eth0]:8080"), "fe80::1%eth0");
  EXPECT_EQ(client_address("10.0.0.7"), "10.0.0.7");
  EXPECT_EQ(client_address(""), "");
}

TEST(RequestAudit, OnlySaneRequestIdsAreKept) {
  EXPECT_TRUE(sane_request_id("deploy-7.run_1"));
  EXPECT_TRUE(sane_request_id(std::string(64, 'a')));
  EXPECT_FALSE(sane_request_id(std::string(65, 'a')));
  EXPECT_FALSE(sane_request_id(""));
  for (const char* bad : {"a b", "a\r\nX-Evil: 1", "a/b", "ä", "a;b", "a\"b"}) EXPECT_FALSE(sane_request_id(bad)) << bad;
  http::Request r;
  r.headers = {{"x-request-id", "mine-1"}};
  EXPECT_EQ(request_id(r), "mine-1");
  r.headers = {{"x-request-id", "not mine"}};
  const std::string a = request_id(r), b = request_id(r);
  EXPECT_EQ(a.size(), 16u);
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace wf::service
