// The `notify` effect (SPEC §1.6, §4.9): answered at once; what it says is recorded in the
// execution log, as an event, and as one notification row per channel in the same unit as the
// transition, so that a notification the instance has passed is never lost. Its delivery
// (runtime/notify) hears the committed rows and records each attempt through
// record_notification.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "effects/clock.h"
#include "effects/records.h"
#include "runtime/engine/instance.h"
#include "vm/render.h"

namespace wf::engine {

void Engine::notify(Instance& in, vm::Machine& m, const vm::EffectRequest& r, Changes& ch) {
  std::vector<std::string> to;
  const vm::Value& channels = effects::field(r.args, "to");
  if (channels.tag == vm::Tag::List)
    for (const vm::Value& c : vm::as_list(channels)) to.push_back(vm::render(c));
  const std::string message = effects::field_string(r.args, "message");
  // The innermost step open now names where the notification came from.
  const std::string step = in.open_steps.empty() ? std::string() : in.open_steps.rbegin()->second.name;
  const int64_t now = effects::wall_clock_ms();
  std::vector<int64_t> ids;
  for (const std::string& channel : to) {
    store::NotificationRow n;
    n.id = next_notification_id_++;
    n.org_id = in.row.org_id;
    n.instance_id = in.row.id;
    n.workflow = in.row.workflow;
    n.step = step;
    n.channel = channel;
    n.message = message;
    n.created_at = now;
    n.next_attempt_at = now;
    ids.push_back(n.id);
    ch.notifications.push_back(std::move(n));
  }
  log(in, ch, "notify", fmt::format("notify {}: {}", fmt::join(to, ", "), message));
  event(in, ch, "notification", {{"to", to}, {"message", message}, {"notifications", ids}});
  m.resume(r.fiber, r.seq, vm::Value());
}

void Engine::record_notification(int64_t org, std::optional<int64_t> instance, const std::string& log_line,
                                 const std::string& type, nlohmann::json data, Changes ch, Done done) {
  if (instance) {
    if (auto it = instances_.find(*instance); it != instances_.end()) {
      log(*it->second, ch, "notification", log_line);
    } else {
      // An ended instance's log goes on after its last line, numbered by the store.
      ch.late_log.push_back({*instance, effects::wall_clock_ms(), "notification", log_line});
    }
  }
  event(ch, org, instance, type, std::move(data));
  commit(std::move(ch), std::move(done));
}

}  // namespace wf::engine
