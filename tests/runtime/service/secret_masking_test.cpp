// A job run `as` a vault credential prints its secret every way a script might (plainly, under
// `set -x`, in base64, URL-encoded, cut between writes of stdout and stderr): with a real
// `wf serve` and `wf agent`, none of these forms reaches the store's files, either process's log
// or the API, and `***` stands in their place (SPEC §1.8).
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "service_fixture.h"

namespace {

using namespace wf::testing;
using nlohmann::json;

class SecretMasking : public ServiceTest {
 protected:
  SecretMasking() : ServiceTest("wf-masking") {}
  void SetUp() override {
    ServiceTest::SetUp();
    if (HasFatalFailure()) return;
    agent("web1");
  }
};

TEST_F(SecretMasking, NoFormOfTheSecretLeavesTheHost) {
  // A space, a slash and a plus: its URL-encoding and its base64 differ from it and each other.
  const std::string secret = "S3cr3t Pa55/w0rd+" + std::to_string(::getpid());
  auto r = api_->post("/api/v1/vault/identities", json({{"name", "db_admin"}, {"username", "dba"}, {"secret", secret}}).dump());
  ASSERT_EQ(r.status, 201) << r.body;
  ASSERT_EQ(push(*api_, "leak.wf", R"WF(
script show_secret() {
  lang = bash
  body = r"""
    echo "plain: $WF_CREDENTIAL_SECRET"
    printf '%s' "$WF_CREDENTIAL_SECRET" | base64
    python3 -c 'import os, urllib.parse; print(urllib.parse.quote(os.environ["WF_CREDENTIAL_SECRET"], safe=""))'
    printf 'split: %s' "${WF_CREDENTIAL_SECRET:0:7}"; sleep 0.6; printf '%s\n' "${WF_CREDENTIAL_SECRET:7}"
    printf 'split: %s' "${WF_CREDENTIAL_SECRET:0:3}" >&2; sleep 0.6; printf '%s\n' "${WF_CREDENTIAL_SECRET:3}" >&2
    set -x
    : "$WF_CREDENTIAL_SECRET"
  """
}
workflow leak(targets: hosts) -> string {
  var status = ""
  checkout cred = pam "db_admin" reason "test" ttl 5m {
    let r = run script show_secret() on targets as cred
    status = r.results[0].status
  }
  return status
}
)WF"),
            "leak");
  const int64_t id = start(*api_, "leak", {{"hosts", {"web1"}}});
  ASSERT_NE(id, 0);
  const json end = wait_ended(*api_, id, std::chrono::seconds(60));
  ASSERT_EQ(end["status"], "completed") << end.dump();
  ASSERT_EQ(end["result"], "completed") << end.dump();

  const json jobs = body_json(api_->get("/api/v1/jobs?instance=" + std::to_string(id)));
  ASSERT_EQ(jobs["items"].size(), 1u) << jobs.dump();
  const std::string job_id = std::to_string(jobs["items"][0]["id"].get<int64_t>());
  const std::string job = api_->get("/api/v1/jobs/" + job_id).body;
  const std::string log = api_->get("/api/v1/instances/" + std::to_string(id) + "/log").body;
  const json job_json = json::parse(job);
  // The script ran: each of its lines is there, the secret masked.
  const std::string out = job_json.value("stdout", ""), err = job_json.value("stderr", "");
  EXPECT_NE(out.find("plain: ***"), std::string::npos) << job;
  EXPECT_NE(out.find("split: ***"), std::string::npos) << job;
  EXPECT_NE(err.find("split: ***"), std::string::npos) << job;
  EXPECT_NE(err.find("+ : '***'"), std::string::npos) << job;  // set -x quotes it: it holds a space

  const std::vector<std::pair<std::string, std::string>> forms = {
      {"plain", secret},
      {"base64", "UzNjcjN0IFBhNTUvdzByZC"},  // what the secret's fixed start decides of its base64
      {"url-encoded", "S3cr3t%20Pa55%2Fw0rd%2B" + std::to_string(::getpid())},
  };
  const std::vector<std::pair<std::string, std::string>> places = {
      {"the database", file_bytes(dir_ / "data" / "wf.db")},
      {"the database's WAL", file_bytes(dir_ / "data" / "wf.db-wal")},
      {"the service's log", service_->log()},
      {"the agent's log", file_bytes(dir_ / "agent-web1.log")},
      {"GET /jobs/{id}", job},
      {"GET /instances/{id}/log", log},
  };
  for (const auto& [form, text] : forms)
    for (const auto& [place, bytes] : places) EXPECT_EQ(bytes.find(text), std::string::npos) << "the secret " << form << " is in " << place;
  // What was stored is the masked output (the execution log names the job, not its output).
  EXPECT_NE((places[0].second + places[1].second).find("plain: ***"), std::string::npos);
}

}  // namespace
