// Schedules (SPEC §4.5) with a real `wf serve`: `@every 1s` schedules start instances with trigger
// `schedule`, exactly once per due time across kill -9; the overlap policies; catch-up after the
// service was down; a workflow's `@schedule` followed through publish and deactivation; a
// recurring job; the API's refusals.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <thread>

#include "runtime/store/database.h"
#include "runtime/store/schedules.h"
#include "service_fixture.h"

namespace {

using namespace wf::testing;
using json = nlohmann::json;

constexpr const char* kQuick = R"(
workflow quick(n: int = 1) -> int {
  log "tick"
  return n
}
)";

constexpr const char* kSlow = R"(
workflow slow(seconds: duration = 2500ms) {
  sleep seconds
}
)";

class Schedules : public ServiceTest {
 protected:
  Schedules() : ServiceTest("wf-schedules") {}

  // Creates a schedule; its id, or 0 (with the failure reported).
  int64_t create(const json& body) {
    auto r = api_->post("/api/v1/schedules", body.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? body_json(r).value("id", int64_t{0}) : 0;
  }
  json schedule(int64_t id) { return body_json(api_->get(fmt::format("/api/v1/schedules/{}", id))); }
  // The schedule's last 20 ticks, newest first.
  json ticks(int64_t id) { return schedule(id).value("ticks", json::array()); }
  size_t count_outcome(const json& ticks, const std::string& outcome) {
    size_t n = 0;
    for (const auto& t : ticks) n += t.value("outcome", "") == outcome;
    return n;
  }
  json scheduled_instances() {
    return body_json(api_->get("/api/v1/instances?trigger=schedule&limit=1000&count=true")).value("items", json::array());
  }
  // Every tick the store holds, oldest first, read once the service has stopped.
  std::vector<wf::store::TickRow> stored_ticks(int64_t id) {
    std::string error;
    auto db = wf::store::Database::open((dir_ / "data" / "wf.db").string(), {}, error);
    EXPECT_TRUE(db) << error;
    if (!db) return {};
    auto rows = wf::store::schedules::all_ticks(*db, id);
    EXPECT_TRUE(rows.ok()) << rows.error();
    return rows.ok() ? *rows : std::vector<wf::store::TickRow>{};
  }
};

TEST_F(Schedules, EveryOneSecondStartsInstancesTriggeredBySchedule) {
  ASSERT_EQ(push(*api_, "quick.wf", kQuick), "quick");
  const int64_t id = create({{"name", "quick-every-second"}, {"workflow", "quick"}, {"cron", "@every 1s"}, {"params", {{"n", 7}}}});
  ASSERT_GT(id, 0);
  ASSERT_TRUE(wait_until([&] { return count_outcome(ticks(id), "started") >= 3; }, std::chrono::seconds(20))) << ticks(id).dump();
  const json s = schedule(id);
  EXPECT_EQ(s["next_fire_times"].size(), 10u) << s.dump();
  EXPECT_EQ(s["kind"], "workflow");
  EXPECT_EQ(s["overlap"], "skip");
  EXPECT_GE(s["tick_count"].get<int64_t>(), 3);
  const json first = s["ticks"].back();
  ASSERT_TRUE(first["instance_id"].is_number_integer()) << first.dump();
  const json done = wait_ended(*api_, first["instance_id"].get<int64_t>());
  EXPECT_EQ(done.value("status", ""), "completed") << done.dump();
  EXPECT_EQ(done.value("trigger", ""), "schedule") << done.dump();
  EXPECT_EQ(done["result"], 7) << done.dump();
  // Due times are whole seconds, one second apart.
  const json& t = s["ticks"];
  for (size_t k = 0; k + 1 < t.size(); ++k) EXPECT_NE(t[k]["due"], t[k + 1]["due"]);
}

TEST_F(Schedules, BadRequestsAreRefusedWithTheirReason) {
  ASSERT_EQ(push(*api_, "quick.wf", kQuick), "quick");
  auto refused = [&](const json& body, int status, const std::string& words) {
    auto r = api_->post("/api/v1/schedules", body.dump());
    EXPECT_EQ(r.status, status) << body.dump() << " -> " << r.body;
    const json e = body_json(r);
    EXPECT_NE(e["error"].value("message", "").find(words), std::string::npos) << r.body;
  };
  refused({{"name", "a"}, {"workflow", "quick"}, {"cron", "61 * * * *"}}, 400, "cron");
  refused({{"name", "a"}, {"workflow", "quick"}, {"cron", "@daily"}, {"tz", "Mars/Base"}}, 400, "time zone");
  refused({{"name", "a"}, {"workflow", "nope"}, {"cron", "@daily"}}, 400, "no workflow `nope`");
  refused({{"name", "a"}, {"cron", "@daily"}}, 400, "exactly one of `workflow`");
  refused({{"name", "a"}, {"workflow", "quick"}, {"cron", "@daily"}, {"overlap", "queue"}}, 400, "skip, allow or buffer_one");
  refused({{"name", "a"}, {"workflow", "quick"}, {"cron", "@daily"}, {"params", {{"m", 1}}}}, 400, "m");
  refused({{"name", "a"}, {"workflow", "quick"}, {"cron", "@daily"}, {"params", {{"n", "many"}}}}, 400, "n");
  refused({{"name", "a"}, {"workflow", "quick"}, {"cron", "@daily"}, {"max_recurrences", 0}}, 400, "max_recurrences");
  refused({{"name", "a"}, {"job", {{"hosts", {"ghost"}}, {"command", "true"}}}, {"cron", "@daily"}}, 400, "no registered host `ghost`");
  refused({{"name", "a"}, {"job", {{"hosts", {"ghost"}}}}, {"cron", "@daily"}}, 400, "`command`");
  refused({{"name", "bad name!"}, {"workflow", "quick"}, {"cron", "@daily"}}, 400, "name");
  ASSERT_GT(create({{"name", "nightly"}, {"workflow", "quick"}, {"cron", "0 2 * * *"}, {"tz", "Europe/Berlin"}}), 0);
  refused({{"name", "nightly"}, {"workflow", "quick"}, {"cron", "@daily"}}, 409, "exists");
  EXPECT_EQ(api_->get("/api/v1/schedules/nope").status, 404);
  auto patch = api_->request("PATCH", "/api/v1/schedules/nightly", json({{"cron", "bad"}}).dump());
  EXPECT_EQ(patch.status, 400) << patch.body;
  // A nightly schedule in Berlin fires at 02:00 local time: 00:00 or 01:00 UTC.
  const json s = body_json(api_->get("/api/v1/schedules/nightly"));
  ASSERT_EQ(s["next_fire_times"].size(), 10u) << s.dump();
  for (const auto& t : s["next_fire_times"]) {
    const std::string at = t.get<std::string>();
    EXPECT_TRUE(at.find("T00:00:00") != std::string::npos || at.find("T01:00:00") != std::string::npos) << at;
  }
  EXPECT_EQ(body_json(api_->get("/api/v1/schedules")).value("total", 0), 1);
}

TEST_F(Schedules, PausedSchedulesDoNotTickAndResumeFromNow) {
  ASSERT_EQ(push(*api_, "quick.wf", kQuick), "quick");
  const int64_t id = create({{"name", "p"}, {"workflow", "quick"}, {"cron", "@every 1s"}});
  ASSERT_TRUE(wait_until([&] { return ticks(id).size() >= 1; }, std::chrono::seconds(10)));
  ASSERT_EQ(api_->post(fmt::format("/api/v1/schedules/{}/pause", id)).status, 200);
  const size_t before = ticks(id).size();
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // what must not happen: a tick
  EXPECT_LE(ticks(id).size(), before + 1);  // one unit may have been on its way when it paused
  const size_t paused = ticks(id).size();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(ticks(id).size(), paused);
  EXPECT_TRUE(schedule(id)["next_fire_times"].empty());
  ASSERT_EQ(api_->post(fmt::format("/api/v1/schedules/{}/resume", id)).status, 200);
  ASSERT_TRUE(wait_until([&] { return ticks(id).size() > paused; }, std::chrono::seconds(10)));
  // The due times of the pause are not caught up.
  EXPECT_EQ(count_outcome(ticks(id), "missed"), 0u);
}

TEST_F(Schedules, OverlapSkipSkipsTicksWhileThePreviousRunGoesOn) {
  ASSERT_EQ(push(*api_, "slow.wf", kSlow), "slow");
  const int64_t id = create({{"name", "s"}, {"workflow", "slow"}, {"cron", "@every 1s"}, {"overlap", "skip"}});
  ASSERT_TRUE(wait_until([&] { return count_outcome(ticks(id), "skipped") >= 3; }, std::chrono::seconds(20))) << ticks(id).dump();
  const json t = ticks(id);
  EXPECT_GE(count_outcome(t, "started"), 1u);
  // Never two of its instances at once.
  size_t running = 0;
  for (const auto& i : scheduled_instances()) running += !is_terminal(i.value("status", ""));
  EXPECT_LE(running, 1u);
}

TEST_F(Schedules, OverlapAllowStartsWhileThePreviousRunGoesOn) {
  ASSERT_EQ(push(*api_, "slow.wf", kSlow), "slow");
  const int64_t id = create({{"name", "a"}, {"workflow", "slow"}, {"cron", "@every 1s"}, {"overlap", "allow"}});
  ASSERT_TRUE(wait_until([&] {
    size_t running = 0;
    for (const auto& i : scheduled_instances()) running += !is_terminal(i.value("status", ""));
    return running >= 2;
  }, std::chrono::seconds(20)));
  EXPECT_EQ(count_outcome(ticks(id), "skipped"), 0u);
}

TEST_F(Schedules, OverlapBufferOneLetsOneTickWaitForTheRunningOne) {
  ASSERT_EQ(push(*api_, "slow.wf", kSlow), "slow");
  const int64_t id = create({{"name", "b"}, {"workflow", "slow"}, {"cron", "@every 1s"}, {"overlap", "buffer_one"}});
  // The second tick waits for the first run (2.5 s), the third is skipped, and the waiting one
  // starts as soon as the first run ends.
  ASSERT_TRUE(wait_until([&] {
    for (const auto& t : ticks(id))
      if (t.value("outcome", "") == "started" && t.value("detail", "").find("waited") != std::string::npos) return true;
    return false;
  }, std::chrono::seconds(20))) << ticks(id).dump();
  EXPECT_GE(count_outcome(ticks(id), "skipped"), 1u) << ticks(id).dump();
  size_t running = 0;
  for (const auto& i : scheduled_instances()) running += !is_terminal(i.value("status", ""));
  EXPECT_LE(running, 1u);
}

TEST_F(Schedules, MissedTicksOutsideTheCatchUpWindowAreRecordedAndTheWindowFiresOnce) {
  ASSERT_EQ(push(*api_, "quick.wf", kQuick), "quick");
  const int64_t id = create({{"name", "c"}, {"workflow", "quick"}, {"cron", "@every 1s"}, {"catch_up_seconds", 3}});
  ASSERT_TRUE(wait_until([&] { return count_outcome(ticks(id), "started") >= 1; }, std::chrono::seconds(10)));
  ASSERT_EQ(service_->stop(), 0);
  std::this_thread::sleep_for(std::chrono::seconds(8));  // what is tested: eight due times pass while it is down
  ASSERT_TRUE(service_->start()) << service_->log();
  ASSERT_TRUE(wait_until([&] { return count_outcome(ticks(id), "missed") >= 1; }, std::chrono::seconds(10))) << ticks(id).dump();
  ASSERT_EQ(service_->stop(), 0);
  const auto stored = stored_ticks(id);
  // The first tick after the restart: one `missed` for the due times older than 3 s, one start for
  // those inside the window.
  size_t k = 0;
  while (k < stored.size() && stored[k].outcome != wf::store::TickOutcome::Missed) ++k;
  ASSERT_LT(k + 1, stored.size());
  EXPECT_NE(stored[k].detail.find("due times"), std::string::npos) << stored[k].detail;
  EXPECT_EQ(stored[k + 1].outcome, wf::store::TickOutcome::Started);
  EXPECT_NE(stored[k + 1].detail.find("one start for the"), std::string::npos) << stored[k + 1].detail;
  EXPECT_GT(stored[k + 1].due, stored[k].due);
}

TEST_F(Schedules, EachDueTimeStartsExactlyOneInstanceAcrossKillNine) {
  ASSERT_EQ(push(*api_, "quick.wf", kQuick), "quick");
  const int64_t id = create({{"name", "k"}, {"workflow", "quick"}, {"cron", "@every 1s"}});
  ASSERT_GT(id, 0);
  std::mt19937 rng(20261207);
  for (int kill = 0; kill < 5; ++kill) {
    // A random moment within a second, a few seconds on: mid-tick at some point.
    std::this_thread::sleep_for(std::chrono::milliseconds(1500 + rng() % 1000));
    service_->kill9();
    ASSERT_TRUE(service_->start()) << service_->log();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  api_ = service_->admin();
  const json instances = scheduled_instances();
  ASSERT_EQ(service_->stop(), 0);
  const auto stored = stored_ticks(id);
  std::set<int64_t> dues, started;
  int64_t last_due = 0;
  for (const auto& t : stored) {
    EXPECT_TRUE(dues.insert(t.due).second) << "due time " << t.due << " ticked twice";
    EXPECT_GT(t.due, last_due);
    last_due = t.due;
    EXPECT_NE(t.outcome, wf::store::TickOutcome::Missed);  // every downtime was within the window
    if (t.outcome == wf::store::TickOutcome::Started) {
      ASSERT_TRUE(t.instance_id);
      EXPECT_TRUE(started.insert(*t.instance_id).second);
    }
  }
  std::set<int64_t> made;
  for (const auto& i : instances) made.insert(i["id"].get<int64_t>());
  EXPECT_EQ(made, started) << "every instance of the schedule is the start of exactly one tick";
  EXPECT_GE(stored.size(), 5u);
  // Nothing lost: the ticks' due times, each covering the due times since the one before it, run
  // from the first due time to the last without a gap the count does not account for.
  std::string error;
  auto db = wf::store::Database::open((dir_ / "data" / "wf.db").string(), {}, error);
  ASSERT_TRUE(db) << error;
  auto row = wf::store::schedules::find(*db, 1, id);
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ((*row)->tick_count, (stored.back().due - stored.front().due) / 1000 + 1);
}

TEST_F(Schedules, AWorkflowsScheduleAnnotationFollowsPublishAndDeactivation) {
  const std::string v1 = R"(
@schedule("@every 1s")
workflow tidy() {
  log "tidy"
}
)";
  const std::string v2 = R"(
@schedule("0 3 * * *", tz: "Australia/Lord_Howe")
workflow tidy() {
  log "tidy, nightly"
}
)";
  ASSERT_EQ(push(*api_, "tidy.wf", v1), "tidy");
  EXPECT_EQ(body_json(api_->get("/api/v1/schedules")).value("total", -1), 0);  // a draft schedules nothing
  ASSERT_EQ(api_->post("/api/v1/definitions/tidy/publish", "{}").status, 200);
  json list = body_json(api_->get("/api/v1/schedules"));
  ASSERT_EQ(list.value("total", 0), 1) << list.dump();
  const json made = list["items"][0];
  EXPECT_EQ(made["name"], "tidy");
  EXPECT_EQ(made["source"], "annotation");
  EXPECT_EQ(made["cron"], "@every 1s");
  const int64_t id = made["id"].get<int64_t>();
  ASSERT_TRUE(wait_until([&] { return count_outcome(ticks(id), "started") >= 1; }, std::chrono::seconds(10)));
  ASSERT_EQ(push(*api_, "tidy.wf", v2), "tidy");
  ASSERT_EQ(api_->post("/api/v1/definitions/tidy/publish", "{}").status, 200);
  const json changed = schedule(id);
  EXPECT_EQ(changed["cron"], "0 3 * * *");
  EXPECT_EQ(changed["tz"], "Australia/Lord_Howe");
  EXPECT_EQ(body_json(api_->get("/api/v1/schedules")).value("total", 0), 1);
  auto r = api_->request("PATCH", "/api/v1/definitions/tidy", json({{"active", false}}).dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_json(api_->get("/api/v1/schedules")).value("total", -1), 0);
  // Its ticks stay.
  ASSERT_EQ(service_->stop(), 0);
  EXPECT_GE(stored_ticks(id).size(), 1u);
}

TEST_F(Schedules, ARecurringJobMakesAChildJobEachTickUpToItsMaximum) {
  agent("web1");
  const int64_t id = create({{"name", "rj"},
                             {"job", {{"hosts", {"web1"}}, {"command", "echo recurring"}}},
                             {"cron", "@every 1s"},
                             {"max_recurrences", 3}});
  ASSERT_GT(id, 0);
  ASSERT_TRUE(wait_until([&] { return schedule(id)["next_due"].is_null(); }, std::chrono::seconds(15))) << schedule(id).dump();
  const json s = schedule(id);
  EXPECT_EQ(s["kind"], "job");
  EXPECT_EQ(s["tick_count"], 3);
  EXPECT_TRUE(s["next_fire_times"].empty());
  std::set<int64_t> jobs;
  for (const auto& t : s["ticks"])
    if (t["outcome"] == "started")
      for (const auto& j : t["job_ids"]) jobs.insert(j.get<int64_t>());
  EXPECT_GE(jobs.size(), 1u) << s.dump();
  for (int64_t j : jobs) {
    const json job = wait_job_ended(*api_, j);
    EXPECT_EQ(job.value("status", ""), "completed") << job.dump();
    EXPECT_NE(job.value("stdout", "").find("recurring"), std::string::npos);
  }
}

TEST_F(Schedules, TheScheduleCommands) {
  ASSERT_EQ(push(*api_, "quick.wf", kQuick), "quick");
  const std::string token = service_->admin_token();
  auto wf = [&](const std::string& args) { return run_wf_apart(*service_, token, args, dir_ / "wf.err"); };
  auto made = wf("schedule create nightly --cron '0 2 * * *' --tz Europe/Berlin --workflow quick --param n=3 "
                 "--overlap buffer_one --catch-up 5m --max 10");
  ASSERT_EQ(made.exit_code, 0) << made.out << made.err;
  EXPECT_GT(std::stoll(made.out), 0);
  const json s = body_json(api_->get("/api/v1/schedules/nightly"));
  EXPECT_EQ(s["params"], json({{"n", 3}}));
  EXPECT_EQ(s["overlap"], "buffer_one");
  EXPECT_EQ(s["catch_up_seconds"], 300);
  EXPECT_EQ(s["max_recurrences"], 10);
  auto ls = wf("schedule ls");
  ASSERT_EQ(ls.exit_code, 0) << ls.err;
  EXPECT_NE(ls.out.find("nightly"), std::string::npos) << ls.out;
  EXPECT_NE(ls.out.find("workflow quick"), std::string::npos) << ls.out;
  auto show = wf("schedule show nightly");
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("next fire times:"), std::string::npos) << show.out;
  auto bad = wf("schedule create other --cron '99 * * * *' --workflow quick");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("cron"), std::string::npos) << bad.err;
  EXPECT_EQ(wf("schedule pause nightly").exit_code, 0);
  EXPECT_EQ(body_json(api_->get("/api/v1/schedules/nightly"))["paused"], true);
  EXPECT_EQ(wf("schedule resume nightly").exit_code, 0);
  EXPECT_EQ(body_json(api_->get("/api/v1/schedules/nightly"))["paused"], false);
  EXPECT_EQ(wf("schedule rm nightly").exit_code, 0);
  EXPECT_EQ(api_->get("/api/v1/schedules/nightly").status, 404);
  auto job_without_hosts = wf("schedule create j --cron @hourly --command true");
  EXPECT_EQ(job_without_hosts.exit_code, 2);
  EXPECT_NE(job_without_hosts.err.find("--hosts"), std::string::npos) << job_without_hosts.err;
}

}  // namespace
