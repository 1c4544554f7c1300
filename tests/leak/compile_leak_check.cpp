// Compiles hostile sources the way `POST /definitions` does (compile_text: parse with ANTLR's
// error recovery, check, lower) in one process, for valgrind to find memory the front end loses:
// the CTest test `compile_leaks_valgrind` runs it under `valgrind --errors-for-leak-kinds=definite`.
// The inputs are the shapes of tests/unit/parser_robustness_test.cpp at sizes small enough for
// valgrind to get through them in well under a minute: unterminated strings and interpolations, stray and control bytes, tokens
// conjured by recovery, nesting past the parser's limit, and deterministic mutations of samples.
//
// Usage: wf_compile_leak_check SOURCE_DIR [--leak-on-purpose]
// --leak-on-purpose loses one allocation, so that a test can show valgrind is watching.
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "lower/compile.h"

namespace {

std::string repeat(const std::string& s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

std::vector<std::string> hostile_inputs() {
  return {
      "const S = \"abc\nconst T = 1\n",                       // unterminated string
      repeat("const S = \"abc\\\n", 10),                       // backslash-newline: a lexer error
      "const S = \"\"\"abc\\",                                 // lexer error at the end of input
      "fn f(y: \"\nfn g() {}\n",                               // recovery conjures a token
      "fn add(x: int, y: r\" int) -> int { return x }\nfn g() {}\n",
      "const S = \"{{ \"{{ \"",                                // unterminated interpolations
      "const X = " + repeat("\"{{ ", 30) + "\n",
      "{{", "@", "\"\"\"", "r\"\"\"", std::string(100, '\0'),
      "const X = 1\n" + repeat("\x01\x02\x7f # $ ` ~ ^ & | ! ", 10) + "\n",
      repeat("+ ", 100) + "\n",
      "const X = " + repeat("(", 5000) + "1\n",               // past the nesting limit
      "const X = " + repeat("(", 60) + "1" + repeat(")", 60) + "\n",
      "workflow w(x: bool) {\n" + repeat("if x {\n", 60),
      "type T = " + repeat("list<", 60) + "int\n",
      "const X = 1" + repeat(" +", 100) + " 1\n",
      "const S = \"\"\"\n  a\n  {{ 1 }}\n",
      "const X = 1\n/* never closed\n",
      repeat("const X1 = 1 + 2 * 3\n", 30),                   // the same name again and again
      "workflow w() -> int { let x = run command \"uptime\" on [\"h\"] \n return x.\n }\n",
      repeat("}} ", 10),                                       // `}}` where no interpolation is open
      "fn f(x: bool) -> int { if x { return 1 }}\n",         // ... and closing two blocks
      "const S = \"{{ {a: {b: 1}} }} {{ 1 }}}\"\n",             // braces inside interpolations
  };
}

// Truncations and token insertions at positions drawn from a fixed seed.
std::vector<std::string> mutations_of(const std::string& text, unsigned seed, int count) {
  static const char* kTokens[] = {"{", "}", "(", ")", "\"", "{{", "}}", "\"\"\"", "r\"", "\\", "let", "run",
                                  "@", ";", "->", "/*", "fn f() {", "if", "else", "catch", "list<", "'", "\x01"};
  std::mt19937 rng(seed);
  std::vector<std::string> out;
  if (text.empty()) return out;
  for (int i = 0; i < count; ++i) {
    const size_t at = rng() % text.size();
    if (i % 2 == 0) out.push_back(text.substr(0, at));
    else out.push_back(text.substr(0, at) + " " + kTokens[rng() % std::size(kTokens)] + " " + text.substr(at));
  }
  return out;
}

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s SOURCE_DIR [--leak-on-purpose]\n", argv[0]);
    return 2;
  }
  if (argc > 2 && std::strcmp(argv[2], "--leak-on-purpose") == 0) {
    volatile char* lost = new char[4096];
    lost[0] = 1;
    lost = nullptr;
    wf::compile_text("leak.wf", "const S = \"abc\n");
    return 0;
  }
  std::vector<std::string> inputs = hostile_inputs();
  const std::filesystem::path source_dir = argv[1];
  unsigned seed = 1;
  for (const char* sample : {"samples/canary_patch_rollout.wf", "samples/incident_diagnostics.wf"}) {
    const std::string text = read(source_dir / sample);
    if (text.empty()) {
      std::fprintf(stderr, "cannot read %s\n", (source_dir / sample).c_str());
      return 2;
    }
    for (std::string& m : mutations_of(text, seed++, 4)) inputs.push_back(std::move(m));
  }
  size_t failed = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    wf::CompileResult r = wf::compile_text("hostile" + std::to_string(i) + ".wf", inputs[i]);
    if (!r.module) ++failed;
  }
  std::printf("%zu sources compiled, %zu refused with diagnostics\n", inputs.size(), failed);
  return 0;
}
