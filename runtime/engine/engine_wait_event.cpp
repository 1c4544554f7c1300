// The `wait event` effect (SPEC §1.6): answered by a signal (POST /instances/{id}/signal), by a
// signal kept from before the instance asked for it, or by its timeout; recovery takes a kept
// signal or re-arms the timeout.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "effects/clock.h"
#include "effects/records.h"
#include "runtime/engine/instance.h"
#include "runtime/store/instances.h"
#include "vm/render.h"

namespace wf::engine {

using effects::field_int;
using effects::field_string;

namespace {

vm::Value payload_value(const std::string& payload) {
  auto j = nlohmann::ordered_json::parse(payload, nullptr, false);
  return j.is_discarded() ? vm::Value() : vm::from_json(j);
}

// The payload of the oldest signal kept for `w`'s event, if there is one.
bool take_kept_signal(store::Database& reader, Instance& in, Wait& w, std::optional<std::string>& payload, std::string& error) {
  auto kept = store::instances::first_signal(reader, in.row.id, w.event);
  if (!kept.ok()) return error = kept.error(), false;
  payload = std::move(*kept);
  return true;
}

}  // namespace

bool Engine::arm_wait_event(Instance& in, Wait& w, WaitRow& row, Changes& ch, std::string& error) {
  w.event = field_string(w.args, "event");
  const int64_t timeout = field_int(w.args, "timeout");
  if (timeout > 0) {
    w.due_at = wall_now() + timeout;
    row.due_at = w.due_at;
    arm(*w.due_at, Timer{Timer::Kind::EventTimeout, in.row.id, w.seq, 0, {}});
  }
  // An event that arrived before the instance asked for it.
  std::optional<std::string> payload;
  if (!take_kept_signal(reader_, in, w, payload, error)) return false;
  if (payload) {
    ch.signals_taken.emplace_back(in.row.id, w.event);
    settle_wait(in, w, false, payload_value(*payload), ch);
  }
  return true;
}

void Engine::event_timed_out(Instance& in, uint64_t seq) {
  auto w = in.waits.find(seq);
  if (w == in.waits.end() || w->second.ready) return;
  Changes ch;
  settle_wait(in, w->second, true, effects::make_error(stdlib::ErrorKind::Timeout, fmt::format("event \"{}\" did not arrive", w->second.event)), ch);
  if (!in.row.operator_paused) advance(in, ch);  // else taken on resume
  commit(std::move(ch), nullptr);
}

OpResult Engine::signal(int64_t org, int64_t id, const std::string& event_name, const std::string& payload, bool& delivered,
                        Done done) {
  Instance* found = find_live(org, id);
  if (!found) return {Outcome::Conflict, "the instance has already ended"};
  Instance& in = *found;
  Changes ch;
  Wait* target = nullptr;
  for (auto& [seq, w] : in.waits)
    if (w.kind == bytecode::EffectKind::WaitEvent && !w.ready && w.event == event_name) {
      target = &w;
      break;
    }
  delivered = target != nullptr;
  if (target) {
    log(in, ch, "event", fmt::format("event \"{}\" received", event_name));
    settle_wait(in, *target, false, payload_value(payload), ch);
    if (!in.row.operator_paused) advance(in, ch);
  } else {
    // Kept until the instance waits for it.
    ch.signals_added.push_back({id, event_name, payload, effects::wall_clock_ms()});
    log(in, ch, "event", fmt::format("event \"{}\" received before it was awaited", event_name));
  }
  commit(std::move(ch), std::move(done));
  return {};
}

bool Engine::recover_wait_event(Instance& in, Wait& w, Changes& scratch, std::string& error) {
  w.event = field_string(w.args, "event");
  std::optional<std::string> payload;
  if (!take_kept_signal(reader_, in, w, payload, error)) return false;
  if (payload) {
    scratch.signals_taken.emplace_back(in.row.id, w.event);
    settle_wait(in, w, false, payload_value(*payload), scratch);
    return true;
  }
  if (w.due_at) {
    if (*w.due_at <= wall_now())
      settle_wait(in, w, true, effects::make_error(stdlib::ErrorKind::Timeout, fmt::format("event \"{}\" did not arrive", w.event)), scratch);
    else arm(*w.due_at, Timer{Timer::Kind::EventTimeout, in.row.id, w.seq, 0, {}});
  }
  return true;
}

}  // namespace wf::engine
