// Legacy templates as typed expressions (see templates.h).
#include "templates.h"

#include <fmt/format.h>

#include <cctype>

#include "import_error.h"
#include "names.h"

namespace wf::legacy {

namespace {

std::string trim(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

std::vector<std::string> split_path(const std::string& s) {
  std::vector<std::string> parts;
  std::string part;
  for (char c : s) {
    if (c == '.') parts.push_back(part), part.clear();
    else part += c;
  }
  parts.push_back(part);
  return parts;
}

bool all_digits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

[[noreturn]] void bad(const std::string& step, const std::string& message, const std::string& note = "") {
  throw ImportError{fmt::format("step \"{}\": {}", step, message), note};
}

// The step a `step_ID` (or plain `ID`) template head names, or "".
std::string output_step(const std::string& head, const TemplateScope& scope) {
  if (head.rfind("step_", 0) == 0 && scope.steps.count(head.substr(5))) return head.substr(5);
  if (scope.steps.count(head)) return head;
  return "";
}

Typed resolve(const std::string& inner, TemplateScope& scope, const std::string& step, const std::string& host) {
  const std::string path = trim(inner);
  const std::vector<std::string> parts = split_path(path);
  const std::string shown = fmt::format("{{{{{}}}}}", path);
  if (parts[0] == "variables" && parts.size() >= 2) {
    if (parts.size() == 2 && scope.params.count(parts[1])) return scope.params.at(parts[1]);
    return resolve(path.substr(std::string("variables.").size()), scope, step, host);  // the older spelling
  }
  if (parts.size() == 1 && scope.params.count(parts[0])) return scope.params.at(parts[0]);
  if (parts[0] == "hosts") {
    static const char* kFields[] = {"hostname", "primary_ip", "id", "os"};
    if (parts.size() == 2)
      for (const char* f : kFields)
        if (parts[1] == f) {
          if (!host.empty()) return {fmt::format("{}.{}", host, f), ValueType::String};
          if (parts[1] == "hostname") return {"hostnames(targets).join(\", \")", ValueType::String};
          return {fmt::format("targets[0].{}", f), ValueType::String};
        }
    bad(step, fmt::format("unknown host field in {} (hosts.hostname, hosts.primary_ip, hosts.id and hosts.os are known)", shown));
  }
  if (scope.credentials.count(parts[0]) && parts.size() == 2) {
    const std::string& cred = scope.credentials.at(parts[0]);
    if (parts[1] == "password" || parts[1] == "secret")
      bad(step, fmt::format("{} cannot be imported: a checked-out password is never readable in wf (error E0300)", shown),
          fmt::format("the legacy tool blocked it too (it gave ***CREDENTIAL_BLOCKED***); run the step as the identity "
                      "instead, with run_as: \"{{{{{}}}}}\" (wf: `run ... as {}`), and the agent hands the credential to the job",
                      parts[0], cred));
    if (parts[1] == "username" || parts[1] == "domain" || parts[1] == "credential_type")
      return {fmt::format("{}.{}", cred, parts[1]), ValueType::String};
    bad(step, fmt::format("unknown credential field in {} (username, domain and credential_type are readable)", shown));
  }
  if (const std::string id = output_step(parts[0], scope); !id.empty() && parts.size() >= 2) {
    if (!scope.steps.at(id)) bad(step, fmt::format("{} reads the output of step \"{}\", which is not a script or command step", shown, id));
    if (parts[1] == "stdout" && parts.size() == 2) {
      scope.used_outputs.insert({id, "stdout"});
      return {output_variable(id, "stdout"), ValueType::String};
    }
    if (parts[1] == "exit_code" && parts.size() == 2) {
      scope.used_outputs.insert({id, "exit_code"});
      return {output_variable(id, "exit_code"), ValueType::Int};
    }
    if (parts[1] == "json") {
      scope.used_outputs.insert({id, "json"});
      std::string expr = output_variable(id, "json");
      for (size_t i = 2; i < parts.size(); ++i) {
        if (parts[i].empty()) bad(step, fmt::format("an empty key in {}", shown));
        expr += all_digits(parts[i]) ? fmt::format("[{}]", parts[i]) : fmt::format("[{}]", quoted(parts[i]));
      }
      return {expr, ValueType::Json};
    }
    bad(step, fmt::format("unknown step output in {} (stdout, exit_code and json.KEY are known)", shown));
  }
  bad(step, fmt::format("unknown template {}: not a variable, a step's output, a checked-out identity or a host field", shown));
}

// Calls `on_text` and `on_template` for the parts of `text`, in order.
template <typename Text, typename Template>
void each_part(const std::string& text, const std::string& step, Text on_text, Template on_template) {
  size_t at = 0;
  while (at < text.size()) {
    const size_t open = text.find("{{", at);
    if (open == std::string::npos) {
      on_text(text.substr(at));
      return;
    }
    const size_t close = text.find("}}", open + 2);
    if (close == std::string::npos) bad(step, fmt::format("a template `{{{{` is not closed in \"{}\"", text));
    if (open > at) on_text(text.substr(at, open - at));
    on_template(text.substr(open + 2, close - open - 2));
    at = close + 2;
  }
}

// ---- conditions ----------------------------------------------------------------------------

struct Token {
  enum class Kind { Template, Number, String, Bool, Op, And, Or, Not, LParen, RParen, End };
  Kind kind = Kind::End;
  std::string text;
};

std::vector<Token> tokenize(const std::string& s, const std::string& step) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (s.compare(i, 2, "{{") == 0) {
      const size_t close = s.find("}}", i + 2);
      if (close == std::string::npos) bad(step, fmt::format("a template `{{{{` is not closed in the condition \"{}\"", s));
      out.push_back({Token::Kind::Template, s.substr(i + 2, close - i - 2)});
      i = close + 2;
    } else if (c == '"' || c == '\'') {
      const size_t close = s.find(c, i + 1);
      if (close == std::string::npos) bad(step, fmt::format("a quoted string is not closed in the condition \"{}\"", s));
      out.push_back({Token::Kind::String, s.substr(i + 1, close - i - 1)});
      i = close + 1;
    } else if (std::isdigit(static_cast<unsigned char>(c)) || (c == '-' && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
      size_t j = i + 1;
      while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) || s[j] == '.')) ++j;
      out.push_back({Token::Kind::Number, s.substr(i, j - i)});
      i = j;
    } else if (c == '(' || c == ')') {
      out.push_back({c == '(' ? Token::Kind::LParen : Token::Kind::RParen, std::string(1, c)});
      ++i;
    } else if (s.compare(i, 2, "==") == 0 || s.compare(i, 2, "!=") == 0 || s.compare(i, 2, "<=") == 0 || s.compare(i, 2, ">=") == 0) {
      out.push_back({Token::Kind::Op, s.substr(i, 2)});
      i += 2;
    } else if (c == '<' || c == '>') {
      out.push_back({Token::Kind::Op, std::string(1, c)});
      ++i;
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t j = i;
      while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_')) ++j;
      const std::string word = s.substr(i, j - i);
      if (word == "and") out.push_back({Token::Kind::And, word});
      else if (word == "or") out.push_back({Token::Kind::Or, word});
      else if (word == "not") out.push_back({Token::Kind::Not, word});
      else if (word == "true" || word == "false") out.push_back({Token::Kind::Bool, word});
      else bad(step, fmt::format("unexpected `{}` in the condition \"{}\" (quote a string: \"{}\")", word, s, word));
      i = j;
    } else {
      bad(step, fmt::format("unexpected `{}` in the condition \"{}\" (==, !=, <, <=, >, >=, and, or, not and parentheses are known)", c, s));
    }
  }
  out.push_back({Token::Kind::End, ""});
  return out;
}

class ConditionParser {
 public:
  ConditionParser(const std::string& text, TemplateScope& scope, const std::string& step)
      : text_(text), tokens_(tokenize(text, step)), scope_(scope), step_(step) {}

  std::string parse() {
    Node n = parse_or();
    if (peek().kind != Token::Kind::End) bad(step_, fmt::format("unexpected `{}` in the condition \"{}\"", peek().text, text_));
    return as_bool(n);
  }

 private:
  // A parsed part: a value, or an expression already of type bool.
  struct Node {
    Typed value;
    bool is_stdout = false;  // a step's stdout: compared without its surrounding whitespace
  };

  const Token& peek() const { return tokens_[at_]; }
  Token take() { return tokens_[at_++]; }

  Node parse_or() {
    Node left = parse_and();
    while (peek().kind == Token::Kind::Or) {
      take();
      Node right = parse_and();
      left = {{fmt::format("{} or {}", as_bool(left), as_bool(right)), ValueType::Bool}};
    }
    return left;
  }
  Node parse_and() {
    Node left = parse_not();
    while (peek().kind == Token::Kind::And) {
      take();
      Node right = parse_not();
      left = {{fmt::format("{} and {}", as_bool(left), as_bool(right)), ValueType::Bool}};
    }
    return left;
  }
  Node parse_not() {
    if (peek().kind == Token::Kind::Not) {
      take();
      Node operand = parse_not();
      return {{fmt::format("not {}", as_bool(operand)), ValueType::Bool}};
    }
    return parse_comparison();
  }
  Node parse_comparison() {
    Node left = parse_operand();
    if (peek().kind != Token::Kind::Op) return left;
    const std::string op = take().text;
    Node right = parse_operand();
    return {{compare(left, op, right), ValueType::Bool}};
  }
  Node parse_operand() {
    Token t = take();
    switch (t.kind) {
      case Token::Kind::LParen: {
        Node inner = parse_or();
        if (take().kind != Token::Kind::RParen) bad(step_, fmt::format("a `(` is not closed in the condition \"{}\"", text_));
        return {{fmt::format("({})", inner.value.expr), inner.value.type}, inner.is_stdout};
      }
      case Token::Kind::Template: {
        Typed v = resolve(t.text, scope_, step_, "");
        const bool stdout_value = v.type == ValueType::String && v.expr.size() > 7 && v.expr.ends_with("_stdout");
        return {v, stdout_value};
      }
      case Token::Kind::Number:
        return {{t.text, t.text.find('.') == std::string::npos ? ValueType::Int : ValueType::Float}};
      case Token::Kind::String:
        return {{string_expr(t.text, scope_, step_), ValueType::String}};
      case Token::Kind::Bool:
        return {{t.text, ValueType::Bool}};
      default:
        bad(step_, fmt::format("the condition \"{}\" is incomplete near `{}`", text_, t.text.empty() ? "its end" : t.text));
    }
  }

  std::string plain(const Node& n) const { return n.is_stdout ? n.value.expr + ".trim()" : n.value.expr; }

  std::string as_bool(const Node& n) const {
    switch (n.value.type) {
      case ValueType::Bool: return n.value.expr;
      case ValueType::Json: return fmt::format("bool({})", n.value.expr);
      case ValueType::Int: return fmt::format("{} != 0", n.value.expr);
      case ValueType::Float: return fmt::format("{} != 0.0", n.value.expr);
      case ValueType::String: return fmt::format("{} == \"true\"", plain(n));
    }
    return n.value.expr;
  }

  // `n` converted to `type` (a json value by the conversion of its shape, a number to text).
  std::string as(const Node& n, ValueType type) const {
    if (n.value.type == type) return plain(n);
    const std::string e = plain(n);
    switch (type) {
      case ValueType::Int: return n.value.type == ValueType::Json || n.value.type == ValueType::String ? fmt::format("int({})", e) : e;
      case ValueType::Float: return fmt::format("float({})", e);
      case ValueType::Bool: return n.value.type == ValueType::Json ? fmt::format("bool({})", e) : as_bool(n);
      case ValueType::String:
        return n.value.type == ValueType::Json ? fmt::format("string({})", e) : fmt::format("\"{{{{{}}}}}\"", e);
      case ValueType::Json: return e;
    }
    return e;
  }

  std::string compare(const Node& l, const std::string& op, const Node& r) const {
    const bool ordering = op != "==" && op != "!=";
    const ValueType lt = l.value.type, rt = r.value.type;
    auto numeric = [](ValueType t) { return t == ValueType::Int || t == ValueType::Float; };
    ValueType common;
    if (lt == rt) common = lt == ValueType::Json && ordering ? ValueType::Float : lt;
    else if (lt == ValueType::Json) common = rt;
    else if (rt == ValueType::Json) common = lt;
    else if (numeric(lt) && numeric(rt)) common = ValueType::Float;
    else if (ordering && (numeric(lt) || numeric(rt))) common = ValueType::Float;  // text against a number: as numbers
    else common = ValueType::String;
    if (ordering && common == ValueType::Bool) bad(step_, fmt::format("`{}` cannot order true and false in the condition \"{}\"", op, text_));
    if (ordering && common == ValueType::String && (lt != ValueType::String || rt != ValueType::String))
      common = ValueType::Float;
    auto side = [&](const Node& n) {
      if (common == ValueType::Float && n.value.type == ValueType::String) return fmt::format("float({})", plain(n));
      return as(n, common);
    };
    return fmt::format("{} {} {}", side(l), op, side(r));
  }

  std::string text_;
  std::vector<Token> tokens_;
  size_t at_ = 0;
  TemplateScope& scope_;
  std::string step_;
};

}  // namespace

std::string output_variable(const std::string& step_id, const std::string& field) {
  return identifier(fmt::format("step_{}_{}", step_id, field));
}

bool uses_host_templates(const std::string& text) {
  size_t at = 0;
  while ((at = text.find("{{", at)) != std::string::npos) {
    const size_t close = text.find("}}", at);
    if (close == std::string::npos) return false;
    const std::string inner = trim(text.substr(at + 2, close - at - 2));
    if (inner.rfind("hosts.", 0) == 0 || inner.rfind("variables.hosts.", 0) == 0) return true;
    at = close + 2;
  }
  return false;
}

std::string string_expr(const std::string& text, TemplateScope& scope, const std::string& step, const std::string& host) {
  std::string out = "\"";
  each_part(
      text, step, [&](const std::string& literal) { out += escaped(literal); },
      [&](const std::string& inner) { out += "{{" + resolve(inner, scope, step, host).expr + "}}"; });
  return out + "\"";
}

std::string condition_expr(const std::string& text, TemplateScope& scope, const std::string& step) {
  return ConditionParser(text, scope, step).parse();
}

std::string credential_name(const std::string& run_as, const TemplateScope& scope, const std::string& step) {
  std::string name = trim(run_as);
  if (name.rfind("{{", 0) == 0 && name.size() >= 4 && name.ends_with("}}")) name = trim(name.substr(2, name.size() - 4));
  if (name.rfind("variables.", 0) == 0) name = name.substr(10);
  auto it = scope.credentials.find(name);
  if (it == scope.credentials.end())
    bad(step, fmt::format("run_as \"{}\" names no identity checked out by a pam_checkout step", run_as));
  return it->second;
}

}  // namespace wf::legacy
