// Hooks' management (docs/api.md "Hooks"): create one (its key, URL and first secret or token are
// shown once), list, read, delete (it stops answering; its record stays), rotate its secrets, and
// list its deliveries. The deliveries themselves arrive at `POST /hooks/{key}` (hook_delivery.cpp).
#include <fmt/format.h>

#include "effects/clock.h"
#include "runtime/service/auth.h"
#include "runtime/service/hook_signature.h"
#include "runtime/service/hook_targets.h"
#include "runtime/service/routes.h"
#include "runtime/store/definitions.h"
#include "runtime/store/hooks.h"

namespace wf::service {

namespace {

// A hook's secrets without their text: when each was made, expires or was revoked.
nlohmann::json secrets_json(const std::vector<store::HookSecretRow>& secrets, int64_t now) {
  nlohmann::json out = nlohmann::json::array();
  for (const store::HookSecretRow& s : secrets) {
    const bool active = s.active(now);
    out.push_back({{"id", s.id},
                   {"created_at", format_time(s.created_at)},
                   {"expires_at", s.expires_at ? nlohmann::json(format_time(*s.expires_at)) : nlohmann::json()},
                   {"revoked_at", s.revoked_at ? nlohmann::json(format_time(*s.revoked_at)) : nlohmann::json()},
                   {"active", active}});
  }
  return out;
}

nlohmann::json hook_json(const store::HookRow& h) {
  nlohmann::json params = nlohmann::json::parse(h.param_map, nullptr, false);
  if (!params.is_object()) params = nlohmann::json::object();
  nlohmann::json out = {{"id", h.id},
                        {"name", h.name},
                        {"target", store::name(h.target)},
                        {"auth", store::name(h.auth)},
                        {"created_at", format_time(h.created_at)},
                        {"created_by", h.created_by},
                        {"deleted", h.disabled_at.has_value()}};
  if (h.target != store::HookTarget::Event) out["workflow"] = h.workflow;
  if (!params.empty()) out["params"] = params;
  if (h.target == store::HookTarget::Event) {
    out["event"] = h.event;
    out["instance_pointer"] = h.instance_pointer;
  }
  return out;
}

nlohmann::json delivery_json(const store::HookDeliveryRow& d) {
  nlohmann::json out = {{"id", d.id},
                        {"received_at", format_time(d.received_at)},
                        {"outcome", store::name(d.outcome)},
                        {"status", d.status},
                        {"instance_id", d.instance_id ? nlohmann::json(*d.instance_id) : nlohmann::json()},
                        {"signature", d.signature}};
  nlohmann::json detail = nlohmann::json::parse(d.detail, nullptr, false);
  out["detail"] = detail.is_discarded() ? nlohmann::json(d.detail) : detail;
  return out;
}

// The hook `{id}` names (its id or name) in the caller's organization; nullopt after answering
// 404 (or 503).
std::optional<store::HookRow> hook_of(Context& c, const Principal& who, http::Exchange& x, std::string_view key) {
  auto found = store::hooks::find(c.reads->connection(), who.org_id, key);
  if (!read_ok(x, found)) return std::nullopt;
  if (!*found) {
    reply_error(x, 404, "not_found", fmt::format("no hook `{}`", key));
    return std::nullopt;
  }
  return **found;
}

// The URL a sender posts to, as the caller reached this service.
std::string hook_url(const http::Request& r, const std::string& key) {
  const std::string_view host = r.header("host");
  return host.empty() ? fmt::format("/hooks/{}", key) : fmt::format("http://{}/hooks/{}", host, key);
}

}  // namespace

void list_hooks(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  int64_t skip, limit;
  if (!paging(r, *x, skip, limit)) return;
  auto page = store::hooks::list(c.reads->connection(), who.org_id, {skip, limit});
  reply_page(*x, page, hook_json);
}

void create_hook(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto body = body_object(r, *x);
  if (!body) return;
  Fields f(*body);
  auto name = f.string("name", true);
  auto target = f.string("target");
  auto workflow = f.string("workflow");
  auto event = f.string("event");
  auto pointer = f.string("instance_pointer");
  auto auth = f.string("auth");
  const nlohmann::json* params = f.object("params");
  if (!f.ok(*x)) return;
  if (name->empty() || name->size() > 200) return reply_error(*x, 400, "bad_request", "`name` must be 1 to 200 characters");
  store::HookRow hook;
  hook.org_id = who.org_id;
  hook.name = *name;
  const auto kind = store::parse<store::HookTarget>(target.value_or("start"));
  if (!kind)
    return reply_error(*x, 400, "bad_request", fmt::format("`target` must be {}", store::name_list<store::HookTarget>()));
  hook.target = *kind;
  const auto mode = store::parse<store::HookAuth>(auth.value_or("hmac"));
  if (!mode) return reply_error(*x, 400, "bad_request", fmt::format("`auth` must be {}", store::name_list<store::HookAuth>()));
  hook.auth = *mode;
  if (hook.target == store::HookTarget::Event) {
    if (!event || event->empty() || !pointer)
      return reply_error(*x, 400, "bad_request", "an `event` hook needs `event` and `instance_pointer` (a JSON Pointer)");
    if (!valid_pointer(*pointer))
      return reply_error(*x, 400, "bad_request", fmt::format("`instance_pointer` `{}` is not a JSON Pointer", *pointer));
    hook.event = *event;
    hook.instance_pointer = *pointer;
  } else {
    if (!workflow || workflow->empty())
      return reply_error(*x, 400, "bad_request", fmt::format("a `{}` hook needs `workflow`", store::name(hook.target)));
    auto id = store::definitions::find_id(c.reads->connection(), who.org_id, *workflow);
    if (!read_ok(*x, id)) return;
    if (!*id) return reply_error(*x, 404, "not_found", fmt::format("no definition `{}`", *workflow));
    hook.workflow = *workflow;
  }
  if (params) {
    for (const auto& [param, where] : params->items())
      if (!where.is_string() || !valid_pointer(where.get<std::string>()))
        return reply_error(*x, 400, "bad_request", fmt::format("`params.{}` must be a JSON Pointer (\"/alert/labels/host\")", param));
    hook.param_map = params->dump();
  }
  hook.key = new_token("wfh_");
  hook.created_at = effects::wall_clock_ms();
  hook.created_by = who.actor();
  std::string secret, token;
  if (hook.auth == store::HookAuth::Hmac) {
    secret = hook_signature::new_secret();
  } else {
    token = new_token("wfhb_");
    hook.bearer_hash = token_hash(token);
  }
  auto id = std::make_shared<int64_t>(0);
  c.writer->submit(
      [hook, secret, id](store::Database& db, std::string& error) { return store::hooks::create(db, hook, secret, *id, error); },
      [&c, x, hook, secret, token, id, url = hook_url(r, hook.key)](bool ok, const std::string& error) {
        if (!ok) {
          if (error.find("UNIQUE") != std::string::npos)
            return reply_error(*x, 409, "conflict", fmt::format("a hook named `{}` exists already", hook.name));
          return reply_not_stored(*x, error);
        }
        store::HookRow made = hook;
        made.id = *id;
        nlohmann::json out = hook_json(made);
        out["key"] = hook.key;
        out["path"] = "/hooks/" + hook.key;
        out["url"] = url;
        if (!secret.empty()) out["secret"] = secret;
        if (!token.empty()) out["token"] = token;
        reply_json(*x, 201, out);
      });
}

void get_hook(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto hook = hook_of(c, who, *x, p["id"]);
  if (!hook) return;
  auto secrets = store::hooks::secrets(c.reads->connection(), hook->id);
  if (!read_ok(*x, secrets)) return;
  nlohmann::json out = hook_json(*hook);
  if (hook->auth == store::HookAuth::Hmac) out["secrets"] = secrets_json(*secrets, effects::wall_clock_ms());
  reply_json(*x, 200, out);
}

void delete_hook(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto hook = hook_of(c, who, *x, p["id"]);
  if (!hook) return;
  c.writer->submit(
      [id = hook->id](store::Database& db, std::string& error) {
        return store::hooks::disable(db, id, effects::wall_clock_ms(), error);
      },
      [x](bool ok, const std::string& error) {
        if (!ok) return reply_not_stored(*x, error);
        x->respond(http::Response{204, {}, ""});
      });
}

void rotate_hook(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto body = body_object(r, *x);
  if (!body) return;
  Fields f(*body);
  auto expire_old = f.integer("expire_old_seconds");
  if (!f.ok(*x)) return;
  if (expire_old && *expire_old < 0) return reply_error(*x, 400, "bad_request", "`expire_old_seconds` must be 0 or more");
  auto hook = hook_of(c, who, *x, p["id"]);
  if (!hook) return;
  if (hook->auth != store::HookAuth::Hmac)
    return reply_error(*x, 409, "conflict", fmt::format("hook `{}` takes a bearer token: it has no secrets to rotate", hook->name));
  if (hook->disabled_at) return reply_error(*x, 409, "conflict", fmt::format("hook `{}` was deleted", hook->name));
  const std::string secret = hook_signature::new_secret();
  const int64_t now = effects::wall_clock_ms();
  std::optional<int64_t> expire_at;
  if (expire_old) expire_at = now + *expire_old * 1000;
  c.writer->submit(
      [id = hook->id, secret, now, expire_at](store::Database& db, std::string& error) {
        return store::hooks::add_secret(db, id, secret, now, expire_at, error);
      },
      [&c, x, id = hook->id, secret](bool ok, const std::string& error) {
        if (!ok) return reply_not_stored(*x, error);
        auto secrets = store::hooks::secrets(c.reads->connection(), id);
        if (!read_ok(*x, secrets)) return;
        reply_json(*x, 201, {{"secret", secret}, {"secrets", secrets_json(*secrets, effects::wall_clock_ms())}});
      });
}

void hook_deliveries(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  store::Paging page;
  if (!keyset_paging(r, *x, page)) return;
  auto hook = hook_of(c, who, *x, p["id"]);
  if (!hook) return;
  auto found = store::hooks::deliveries(c.reads->connection(), hook->id, page);
  reply_page(*x, found, delivery_json);
}

}  // namespace wf::service
