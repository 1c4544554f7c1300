// Upgrading waiting instances to a newer version of their definition (SPEC §4.11): one instance
// (`POST /instances/{id}/upgrade`) or every live instance of a definition
// (`POST /definitions/{id}/upgrade-instances`). Each instance moves in a unit of its own; a dry run
// only says, per instance, whether it could move and why not.
#include <fmt/format.h>

#include <memory>

#include "runtime/engine/engine.h"
#include "runtime/service/api_support.h"
#include "runtime/service/request_fields.h"
#include "runtime/service/routes.h"
#include "runtime/store/definitions.h"
#include "runtime/store/instances.h"

namespace wf::service {

namespace {

nlohmann::json verdict_json(const engine::UpgradeVerdict& v, bool dry_run) {
  nlohmann::json j = {{"instance_id", v.instance_id},
                      {"from_version", v.from_version},
                      {"to_version", v.to_version},
                      {"dry_run", dry_run},
                      {dry_run ? "can_upgrade" : "upgraded", v.refusal.empty()}};
  if (!v.step.empty()) j["step"] = v.step;
  if (!v.refusal.empty()) j["reason"] = v.refusal;
  return j;
}

}  // namespace

void upgrade_instance(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  const auto id = parse_id(p["id"]);
  store::Result<std::optional<store::InstanceRow>> found = std::optional<store::InstanceRow>();
  if (id) found = store::instances::find(c.reads->connection(), who.org_id, *id);
  if (!read_ok(*x, found)) return;
  if (!*found) return reply_error(*x, 404, "not_found", fmt::format("no instance {}", p["id"]));
  auto body = body_object(r, *x);
  if (!body) return;
  Fields f(*body);
  auto version = f.integer("version", true);
  auto dry_run = f.boolean("dry_run");
  if (!f.ok(*x)) return;
  const bool dry = dry_run.value_or(false);
  auto verdict = std::make_shared<engine::UpgradeVerdict>();
  engine::Done done = [x, verdict](bool ok, const std::string& error) {
    if (!ok) return reply_not_stored(*x, error);
    reply_json(*x, 200, verdict_json(*verdict, false));
  };
  const engine::OpResult result = c.engine->upgrade(who.org_id, *id, *version, dry, *verdict, std::move(done));
  if (dry && (result.outcome == engine::Outcome::Ok || result.outcome == engine::Outcome::Conflict))
    return reply_json(*x, 200, verdict_json(*verdict, true));
  reply_refusal(*x, result);
}

void upgrade_definition_instances(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto id = store::definitions::find_id(c.reads->connection(), who.org_id, p["id"]);
  if (!read_ok(*x, id)) return;
  if (!*id) return reply_error(*x, 404, "not_found", fmt::format("no definition `{}`", p["id"]));
  auto body = body_object(r, *x);
  if (!body) return;
  Fields f(*body);
  auto from_version = f.integer("from_version");
  auto to_version = f.integer("to_version");
  auto dry_run = f.boolean("dry_run");
  if (!f.ok(*x)) return;
  auto d = store::definitions::find(c.reads->connection(), who.org_id, **id);
  if (!read_ok(*x, d)) return;
  if (!*d) return reply_error(*x, 404, "not_found", fmt::format("no definition `{}`", p["id"]));
  // Without `to_version`, the published version: the one new runs start.
  const int64_t to = to_version.value_or((*d)->published_version.value_or((*d)->latest_version.value_or(0)));
  if (to < 1 || to > (*d)->latest_version.value_or(0)) return reply_error(*x, 404, "not_found", fmt::format("no version {}", to));
  const bool dry = dry_run.value_or(false);

  // Every instance's verdict; the answer goes once the last move has committed.
  struct Batch {
    ExchangePtr x;
    nlohmann::json items = nlohmann::json::array();
    std::vector<engine::UpgradeVerdict> verdicts;
    size_t pending = 1;  // the loop below holds one until it is done
    std::string store_error;
    int64_t to = 0;
    bool dry = false;
  };
  auto batch = std::make_shared<Batch>();
  batch->x = x;
  batch->to = to;
  batch->dry = dry;
  auto finish = [batch] {
    if (--batch->pending > 0) return;
    if (!batch->store_error.empty()) return reply_not_stored(*batch->x, batch->store_error);
    size_t moved = 0;
    nlohmann::json items = nlohmann::json::array();
    for (const auto& v : batch->verdicts) {
      moved += v.refusal.empty();
      items.push_back(verdict_json(v, batch->dry));
    }
    reply_json(*batch->x, 200,
               {{"to_version", batch->to}, {"dry_run", batch->dry}, {batch->dry ? "can_upgrade" : "upgraded", moved},
                {"refused", batch->verdicts.size() - moved}, {"items", items}});
  };
  const std::vector<int64_t> ids = c.engine->live_instances_of(who.org_id, **id);
  batch->verdicts.reserve(ids.size());
  for (int64_t instance : ids) {
    engine::UpgradeVerdict v;
    v.instance_id = instance;
    // Only the instances of `from_version` when it is given; never those already at `to` or newer.
    auto row = store::instances::find(c.reads->connection(), who.org_id, instance);
    if (!read_ok(*x, row)) return;
    if (!*row || (*row)->version >= to || (from_version && (*row)->version != *from_version)) continue;
    const size_t at = batch->verdicts.size();
    batch->verdicts.push_back(v);
    ++batch->pending;
    engine::Done done = [batch, at, finish](bool ok, const std::string& error) {
      if (!ok) {
        batch->store_error = error;
        batch->verdicts[at].refusal = "the change could not be stored: " + error;
      }
      finish();
    };
    const engine::OpResult result = c.engine->upgrade(who.org_id, instance, to, dry, batch->verdicts[at], done);
    if (dry || result.outcome != engine::Outcome::Ok) --batch->pending;  // nothing to commit
  }
  finish();
}

}  // namespace wf::service
