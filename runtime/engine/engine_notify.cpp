// The `notify` effect (SPEC §1.6, §4.9): answered at once; what it says is recorded in the
// execution log and as an event.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

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
  log(in, ch, "notify", fmt::format("notify {}: {}", fmt::join(to, ", "), message));
  event(in, ch, "notification", {{"to", to}, {"message", message}});
  m.resume(r.fiber, r.seq, vm::Value());
}

}  // namespace wf::engine
