// Every form of every list query (each filter combination the API can produce, with a cursor and
// without, and its count) is served by an index: SQLite's plan for it neither sorts into a
// temporary b-tree nor scans a whole table. A list that sorts or scans costs in proportion to the
// store, which grows without end (history is never deleted).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "runtime/store/approvals.h"
#include "runtime/store/audit.h"
#include "runtime/store/definitions.h"
#include "runtime/store/events.h"
#include "runtime/store/instances.h"
#include "runtime/store/jobs.h"
#include "runtime/store/migrations.h"
#include "runtime/store/schema.h"
#include "tests/runtime/store/temp_dir.h"

namespace wf::store {
namespace {

using testing::TempDir;

class ListPlans : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    std::string error;
    db_ = Database::open(dir_.file("wf.db"), {}, error);
    ASSERT_NE(db_, nullptr) << error;
    ASSERT_TRUE(migrate(*db_, service_migrations(), error)) << error;
  }

  // The plan's lines (the `detail` column of EXPLAIN QUERY PLAN).
  std::vector<std::string> plan(const std::string& sql) {
    Statement& s = db_->prepare("EXPLAIN QUERY PLAN " + sql);
    std::vector<std::string> lines;
    while (s.step()) lines.push_back(s.column_text(3));
    EXPECT_TRUE(s.ok()) << sql << ": " << s.error();
    s.reset();
    return lines;
  }

  // Fails when the plan of `sql` sorts or scans a whole table.
  void expect_indexed(const std::string& sql) {
    const std::vector<std::string> lines = plan(sql);
    std::string all;
    for (const std::string& l : lines) all += "  " + l + "\n";
    EXPECT_FALSE(lines.empty()) << sql;
    for (const std::string& l : lines) {
      EXPECT_EQ(l.find("TEMP B-TREE"), std::string::npos) << sql << "\n" << all;
      EXPECT_NE(l.rfind("SCAN ", 0), 0u) << sql << "\n" << all;
    }
  }

  TempDir dir_;
  std::unique_ptr<Database> db_;
};

TEST_F(ListPlans, EveryInstanceListFormIsServedByAnIndex) {
  for (int mask = 0; mask < 8; ++mask) {
    InstanceFilter f;
    if (mask & 1) f.status = "waiting";
    if (mask & 2) f.workflow = "deploy";
    if (mask & 4) f.trigger = "manual";
    expect_indexed(instances::list_sql(f, false));
    expect_indexed(instances::list_sql(f, true));
    expect_indexed(instances::count_sql(f));
  }
}

TEST_F(ListPlans, EveryJobListFormIsServedByAnIndex) {
  for (int mask = 0; mask < 8; ++mask) {
    JobFilter f;
    if (mask & 1) f.status = "queued";
    if (mask & 2) f.host = "web1";
    if (mask & 4) f.instance = 7;
    expect_indexed(jobs::list_sql(f, false));
    expect_indexed(jobs::list_sql(f, true));
    expect_indexed(jobs::count_sql(f));
  }
}

TEST_F(ListPlans, EveryApprovalListFormIsServedByAnIndex) {
  for (int mask = 0; mask < 4; ++mask) {
    const bool status = mask & 1, instance = mask & 2;
    expect_indexed(approvals::list_sql(status, instance, false));
    expect_indexed(approvals::list_sql(status, instance, true));
    expect_indexed(approvals::count_sql(status, instance));
  }
}

TEST_F(ListPlans, EveryAuditListFormIsServedByAnIndex) {
  for (int mask = 0; mask < 32; ++mask) {
    AuditFilter f;
    if (mask & 1) f.actor = "alice";
    if (mask & 2) f.action = "workflows.execute";
    if (mask & 4) f.resource = "instances";
    if (mask & 8) f.outcome = "denied";
    if (mask & 16) f.since_ms = 1000;
    expect_indexed(audit::list_sql(f, false));
    expect_indexed(audit::list_sql(f, true));
    expect_indexed(audit::count_sql(f));
  }
}

TEST_F(ListPlans, EventAndDefinitionListsAreServedByAnIndex) {
  expect_indexed(events::after_sql(false));
  expect_indexed(events::after_sql(true));
  for (bool template_filter : {false, true}) {
    expect_indexed(definitions::list_sql(template_filter));
    expect_indexed(definitions::count_sql(template_filter));
  }
}

// A script's executions (GET /scripts/{name}/executions), with a definition filter or not, and the
// published definitions whose scripts the library lists.
TEST_F(ListPlans, ScriptLibraryReadsAreServedByAnIndex) {
  // The organization's jobs are many and those of one script few: its executions are found by
  // the script's name through the index, not by reading every job of the organization.
  auto expect_by_script = [&](const std::string& sql) {
    expect_indexed(sql);
    bool keyed = false;
    for (const std::string& l : plan(sql)) keyed = keyed || l.find("script=?") != std::string::npos;
    EXPECT_TRUE(keyed) << sql;
  };
  for (bool definition : {false, true}) {
    expect_by_script(jobs::of_script_sql(definition, false));
    expect_by_script(jobs::of_script_sql(definition, true));
    expect_by_script(jobs::of_script_count_sql(definition));
    expect_indexed(definitions::published_sql(definition));
  }
}

// Recovery reads the live instances of a chunk, their steps, waits and requests set-wise: each
// statement through an index, so a restart costs the live instances, not the history.
TEST_F(ListPlans, RecoveryReadsAreServedByAnIndex) {
  for (const std::string& sql : instances::live_chunk_sql()) expect_indexed(sql);
  for (const std::string& sql : approvals::of_waits_sql()) expect_indexed(sql);
}

// The check itself must catch what it is for, or the tests above prove nothing.
TEST_F(ListPlans, TheCheckSeesASortAndAScan) {
  const auto sorted = plan("SELECT id FROM instances WHERE org_id = 1 ORDER BY scheduled_at");
  const auto scanned = plan("SELECT id FROM instances WHERE params = '{}'");
  bool sort = false, scan = false;
  for (const std::string& l : sorted) sort = sort || l.find("TEMP B-TREE") != std::string::npos;
  for (const std::string& l : scanned) scan = scan || l.rfind("SCAN ", 0) == 0;
  EXPECT_TRUE(sort);
  EXPECT_TRUE(scan);
}

}  // namespace
}  // namespace wf::store
