// The store of an older version brought up to users and roles (migration 9): each organization's
// administrator token becomes the token of a user `admin` holding the role `admin`, found by the
// same hash; agents' tokens stay agents'.
#include <gtest/gtest.h>

#include <string>

#include "runtime/store/identities.h"
#include "runtime/store/migrations.h"
#include "runtime/store/schema.h"
#include "tests/runtime/store/temp_dir.h"

namespace wf::store {
namespace {

TEST(IdentitiesMigration, AnOlderAdministratorTokenBecomesTheTokenOfUserAdmin) {
  testing::TempDir dir;
  std::string error;
  auto db = Database::open(dir.file("wf.db"), {}, error);
  ASSERT_TRUE(db) << error;
  const auto all = service_migrations();
  ASSERT_GE(all.size(), 9u);
  ASSERT_TRUE(migrate(*db, all.first(8), error)) << error;
  ASSERT_TRUE(db->exec("INSERT INTO orgs (id, name, enrollment_secret, created_at) VALUES (1, 'default', 's1', 5), (2, 'b', 's2', 6);"
                       "INSERT INTO agents (id, org_id, hostname, ip, os, registered_at) VALUES (7, 1, 'web1', '', '', 0);"
                       "INSERT INTO tokens (org_id, kind, hash, created_at) VALUES (1, 'admin', 'h-admin-1', 5), (2, 'admin', 'h-admin-2', 6);"
                       "INSERT INTO tokens (org_id, kind, hash, agent_id, created_at) VALUES (1, 'agent', 'h-agent', 7, 7)",
                       &error))
      << error;
  ASSERT_TRUE(migrate(*db, all, error)) << error;

  for (auto [hash, org] : {std::pair{"h-admin-1", int64_t{1}}, std::pair{"h-admin-2", int64_t{2}}}) {
    auto holder = tokens::holder_by_hash(*db, hash);
    ASSERT_TRUE(holder.ok()) << holder.error();
    ASSERT_TRUE(*holder) << hash;
    EXPECT_EQ((*holder)->token.kind, "user");
    EXPECT_EQ((*holder)->token.org_id, org);
    ASSERT_TRUE((*holder)->user) << hash;
    EXPECT_EQ((*holder)->user->name, "admin");
    EXPECT_EQ((*holder)->user->org_id, org);
    EXPECT_EQ((*holder)->user->roles, std::vector<std::string>{"admin"});
  }
  auto agent = tokens::holder_by_hash(*db, "h-agent");
  ASSERT_TRUE(agent.ok() && *agent);
  EXPECT_EQ((*agent)->token.kind, "agent");
  EXPECT_EQ((*agent)->token.agent_host, "web1");
  EXPECT_FALSE((*agent)->user);
}

}  // namespace
}  // namespace wf::store
