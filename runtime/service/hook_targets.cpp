// A delivery's body turned into parameters, alerts and instance ids (see hook_targets.h).
#include "runtime/service/hook_targets.h"
#include "runtime/service/request_fields.h"

#include <charconv>

namespace wf::service {

namespace {

bool has_param(const bytecode::Workflow& w, const std::string& name) {
  for (const bytecode::Param& p : w.params)
    if (p.name == name) return true;
  return false;
}

nlohmann::json from_map(const nlohmann::json& doc, const nlohmann::json& map) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [param, where] : map.items()) {
    if (!where.is_string()) continue;
    if (const nlohmann::json* v = at_pointer(doc, where.get<std::string>())) out[param] = *v;
  }
  return out;
}

}  // namespace

bool valid_pointer(std::string_view text) {
  if (text.empty()) return true;
  if (text.front() != '/') return false;
  for (size_t i = 0; i < text.size(); ++i)
    if (text[i] == '~' && (i + 1 >= text.size() || (text[i + 1] != '0' && text[i + 1] != '1'))) return false;
  return true;
}

const nlohmann::json* at_pointer(const nlohmann::json& doc, const std::string& pointer) {
  if (!valid_pointer(pointer)) return nullptr;
  // Walked by hand rather than through nlohmann's json_pointer, which throws on a missing key or
  // an array index that is not a number.
  const nlohmann::json* at = &doc;
  size_t i = 0;
  while (i < pointer.size()) {
    const size_t next = std::min(pointer.find('/', i + 1), pointer.size());
    std::string token;
    for (size_t k = i + 1; k < next; ++k) {
      if (pointer[k] == '~') {
        token += pointer[k + 1] == '1' ? '/' : '~';
        ++k;
      } else {
        token += pointer[k];
      }
    }
    i = next;
    if (at->is_object()) {
      auto it = at->find(token);
      if (it == at->end()) return nullptr;
      at = &*it;
    } else if (at->is_array()) {
      size_t index = 0;
      auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), index);
      if (token.empty() || ec != std::errc() || end != token.data() + token.size() || (token.size() > 1 && token[0] == '0') ||
          index >= at->size())
        return nullptr;
      at = &(*at)[index];
    } else {
      return nullptr;
    }
  }
  return at;
}

nlohmann::json mapped_params(const bytecode::Workflow& w, const nlohmann::json& body, const nlohmann::json& map) {
  if (map.is_object() && !map.empty()) return from_map(body, map);
  nlohmann::json out = nlohmann::json::object();
  if (!body.is_object()) return out;
  for (const auto& [field, value] : body.items())
    if (has_param(w, field)) out[field] = value;
  return out;
}

std::optional<std::vector<nlohmann::json>> firing_alerts(const nlohmann::json& body, std::string& error) {
  const nlohmann::json* alerts = body.is_object() ? at_pointer(body, "/alerts") : nullptr;
  if (!alerts || !alerts->is_array()) {
    error = "an alert hook takes Alertmanager's webhook payload: an object with `alerts` (a list)";
    return std::nullopt;
  }
  std::vector<nlohmann::json> out;
  for (const nlohmann::json& a : *alerts) {
    if (!a.is_object()) {
      error = "each of `alerts` must be an object";
      return std::nullopt;
    }
    auto status = a.find("status");
    if (status != a.end() && status->is_string() && *status == "firing") out.push_back(a);
  }
  return out;
}

std::string alert_fingerprint(const nlohmann::json& alert) {
  auto f = alert.find("fingerprint");
  if (f != alert.end() && f->is_string() && !f->get<std::string>().empty()) return f->get<std::string>();
  auto labels = alert.find("labels");
  return labels != alert.end() ? "labels:" + labels->dump() : "labels:{}";
}

nlohmann::json alert_params(const bytecode::Workflow& w, const nlohmann::json& alert, const nlohmann::json& map) {
  if (map.is_object() && !map.empty()) return from_map(alert, map);
  nlohmann::json out = nlohmann::json::object();
  const nlohmann::json* labels = at_pointer(alert, "/labels");
  const nlohmann::json* annotations = at_pointer(alert, "/annotations");
  for (const bytecode::Param& p : w.params) {
    if (p.name == "alert") {
      out[p.name] = alert;
      continue;
    }
    for (const nlohmann::json* from : {labels, annotations}) {
      if (!from || !from->is_object()) continue;
      auto it = from->find(p.name);
      if (it == from->end()) continue;
      out[p.name] = *it;
      break;
    }
  }
  return out;
}

std::optional<int64_t> instance_at(const nlohmann::json& body, const std::string& pointer) {
  const nlohmann::json* v = at_pointer(body, pointer);
  if (!v) return std::nullopt;
  if (v->is_number_integer()) {
    const int64_t id = v->get<int64_t>();
    return id > 0 ? std::optional<int64_t>(id) : std::nullopt;
  }
  if (!v->is_string()) return std::nullopt;
  return parse_id(v->get_ref<const std::string&>());
}

}  // namespace wf::service
