// Interpolation text, JSON conversion both ways, and the Approver and Channel shapes (render.h).
#include "vm/render.h"

#include <fmt/format.h>
#include <time.h>

#include <limits>
#include <nlohmann/json.hpp>
#include <utility>

#include "vm/shape.h"

namespace wf::vm {

namespace {

// The field `name` of a record, or null when its shape has no such field.
const Value* field(const RecObj& r, std::string_view name) {
  const int i = r.shape->index_of(name);
  return i < 0 ? nullptr : &r.fields[static_cast<size_t>(i)];
}

std::string string_field(const RecObj& r, std::string_view name) {
  const Value* v = field(r, name);
  return v && v->tag == Tag::Str ? as_string(*v) : std::string();
}

// The text of the record-like values that render as one word rather than as JSON.
std::string render_special(const Value& v) {
  const RecObj& r = as_record(v);
  switch (v.tag) {
    case Tag::Credential: return "credential(" + string_field(r, "identity") + ")";
    case Tag::Approver: return string_field(r, "kind") + ":" + string_field(r, "name");
    case Tag::Channel: return string_field(r, "kind") + ":" + string_field(r, "target");
    default: return std::string();
  }
}

std::string render_float(double f) {
  // fmt's `{}` is the shortest text that reads back as the same double, but it writes integral
  // values without a point (`1`); nlohmann's dump writes `1.0`. Adding `.0` makes both agree and
  // keeps a float from reading as an int.
  std::string s = fmt::format("{}", f);
  if (s.find_first_not_of("-0123456789") == std::string::npos) s += ".0";
  return s;
}

template <class Json>
Value from_json_impl(const Json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null:
    case nlohmann::json::value_t::discarded: return Value::none();
    case nlohmann::json::value_t::boolean: return Value::boolean(j.template get<bool>());
    case nlohmann::json::value_t::number_integer: return Value::integer(j.template get<int64_t>());
    case nlohmann::json::value_t::number_unsigned: {
      // nlohmann reads every non-negative integer as unsigned; those past INT64_MAX become floats,
      // the nearest a wf value can hold.
      const uint64_t u = j.template get<uint64_t>();
      if (u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        return Value::integer(static_cast<int64_t>(u));
      return Value::real(static_cast<double>(u));
    }
    case nlohmann::json::value_t::number_float: return Value::real(j.template get<double>());
    case nlohmann::json::value_t::string: return make_string(j.template get<std::string>());
    case nlohmann::json::value_t::array: {
      std::vector<Value> items;
      items.reserve(j.size());
      for (const auto& e : j) items.push_back(from_json_impl(e));
      return make_list(std::move(items));
    }
    case nlohmann::json::value_t::object: {
      std::vector<std::pair<std::string, Value>> entries;
      entries.reserve(j.size());
      for (auto it = j.begin(); it != j.end(); ++it) entries.emplace_back(it.key(), from_json_impl(it.value()));
      return make_map(std::move(entries));
    }
    case nlohmann::json::value_t::binary: return Value::none();  // never produced by the parser
  }
  return Value::none();
}

// Thrown by the parse callback to stop at kMaxJsonDepth; caught in parse_json_text.
struct TooDeep {};

}  // namespace

std::string format_duration(int64_t ms) {
  if (ms == 0) return "0s";
  std::string out;
  // The magnitude as unsigned, so that the smallest int64 has one too.
  uint64_t left = static_cast<uint64_t>(ms);
  if (ms < 0) {
    out = "-";
    left = 0 - left;
  }
  struct Unit {
    const char* name;
    uint64_t ms;
  };
  static constexpr Unit kUnits[] = {
      {"d", 86'400'000}, {"h", 3'600'000}, {"m", 60'000}, {"s", 1'000}, {"ms", 1}};
  for (const Unit& u : kUnits) {
    if (left >= u.ms) {
      out += std::to_string(left / u.ms);
      out += u.name;
      left %= u.ms;
    }
  }
  return out;
}

std::string format_instant(int64_t ms) {
  // Floor division, so that instants before 1970 keep a millisecond part in 0..999.
  int64_t secs = ms / 1000;
  int64_t millis = ms % 1000;
  if (millis < 0) {
    millis += 1000;
    --secs;
  }
  const time_t t = static_cast<time_t>(secs);
  struct tm tm {};
  if (!gmtime_r(&t, &tm)) return std::to_string(ms) + "ms";  // beyond the platform's calendar
  const long long year = static_cast<long long>(tm.tm_year) + 1900;
  std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", year, tm.tm_mon + 1,
                                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (millis != 0) out += fmt::format(".{:03}", millis);
  out += 'Z';
  return out;
}

std::string render(const Value& v) {
  switch (v.tag) {
    case Tag::None: return std::string();
    case Tag::Bool: return v.b ? "true" : "false";
    case Tag::Int: return std::to_string(v.i);
    case Tag::Float: return render_float(v.f);
    case Tag::Duration: return format_duration(v.i);
    case Tag::Time: return format_instant(v.i);
    case Tag::Str: return as_string(v);
    case Tag::List:
    case Tag::Map:
    case Tag::Record: return to_json_text(v);
    case Tag::Credential:
    case Tag::Approver:
    case Tag::Channel: return render_special(v);
    case Tag::Fiber: return "fiber(" + std::to_string(v.i) + ")";  // never escapes a workflow
  }
  return std::string();
}

nlohmann::ordered_json to_json(const Value& v) {
  using J = nlohmann::ordered_json;
  switch (v.tag) {
    case Tag::None: return J(nullptr);
    case Tag::Bool: return J(v.b);
    case Tag::Int: return J(v.i);
    case Tag::Float: return J(v.f);
    case Tag::Str: return J(as_string(v));
    case Tag::List: {
      J out = J::array();
      for (const Value& e : as_list(v)) out.push_back(to_json(e));
      return out;
    }
    case Tag::Map: {
      J out = J::object();
      for (const auto& [k, e] : as_map(v).entries) out[k] = to_json(e);
      return out;
    }
    case Tag::Record: {
      J out = J::object();
      const RecObj& r = as_record(v);
      const auto& names = r.shape->names();
      for (size_t i = 0; i < r.fields.size() && i < names.size(); ++i) out[names[i]] = to_json(r.fields[i]);
      return out;
    }
    default: return J(render(v));  // durations, times, credentials, approvers, channels
  }
}

std::string to_json_text(const Value& v) {
  return to_json(v).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

Value from_json(const nlohmann::ordered_json& j) { return from_json_impl(j); }
Value from_json(const nlohmann::json& j) { return from_json_impl(j); }

bool parse_json_text(std::string_view text, Value& out, std::string& error) {
  using J = nlohmann::ordered_json;
  const J::parser_callback_t bound_depth = [](int depth, J::parse_event_t event, J&) {
    if ((event == J::parse_event_t::object_start || event == J::parse_event_t::array_start) &&
        depth >= kMaxJsonDepth)
      throw TooDeep{};
    return true;
  };
  try {
    const J j = J::parse(text.begin(), text.end(), bound_depth);
    out = from_json(j);
    return true;
  } catch (const TooDeep&) {
    error = fmt::format("JSON nested more than {} levels deep", kMaxJsonDepth);
  } catch (const nlohmann::json::exception& e) {
    // Drop nlohmann's "[json.exception.parse_error.101] " prefix: the rest is the useful part.
    std::string_view what = e.what();
    const size_t close = what.find("] ");
    if (what.starts_with("[json.exception.") && close != std::string_view::npos) what.remove_prefix(close + 2);
    error = std::string(what);
  }
  return false;
}

const Shape* approver_shape() {
  static const Shape* shape = Shape::intern({"kind", "name"});
  return shape;
}

const Shape* channel_shape() {
  static const Shape* shape = Shape::intern({"kind", "target"});
  return shape;
}

Value make_approver(std::string_view kind, std::string name) {
  return make_record(approver_shape(), {make_string(std::string(kind)), make_string(std::move(name))},
                     Tag::Approver);
}

Value make_channel(std::string_view kind, std::string target) {
  return make_record(channel_shape(), {make_string(std::string(kind)), make_string(std::move(target))},
                     Tag::Channel);
}

}  // namespace wf::vm
