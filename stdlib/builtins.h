// The C++ view of the standard library's signature table (stdlib/builtins.def), shared by the
// checker, the language server and the VM so that all three agree on every builtin.
#pragma once

#include <span>
#include <string_view>

namespace wf::stdlib {

// What a builtin may touch besides its arguments. The checker uses it to keep effects out of the
// places that must stay deterministic and portable.
enum class Purity {
  Pure,       // depends only on its arguments
  Clock,      // reads the clock (`now`); the VM records the value in the continuation
  LocalOnly,  // reads this machine (`env`, `localhost`): only in the REPL and `wf run`
};

// One overload. The strings point into static storage and live as long as the program.
struct BuiltinSignature {
  std::string_view name;
  Purity purity;
  // wf type syntax, "(s: string, sep: string) -> list<string>"; the grammar of these strings is
  // described at the top of builtins.def.
  std::string_view signature;
  std::string_view doc;  // one or two sentences, shown on hover
};

// Every overload in table order. An overload's position in this span is its index (what the
// checker stores in CallExpr::overload); it is stable within one build of wf but not across
// builds, so it never goes into a bytecode module by itself.
std::span<const BuiltinSignature> builtins();

// The overloads of one name, in table order (empty when the name is not a builtin). The result is
// a subspan of builtins(), so `&overloads(n)[k] - builtins().data()` is the overload's index.
std::span<const BuiltinSignature> overloads(std::string_view name);

}  // namespace wf::stdlib
