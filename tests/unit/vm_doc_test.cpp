// Keeps docs/vm.md's instruction tables equal to what tools/gen_vm_ops_doc.py makes of
// bytecode/opcodes.def, so the document cannot drift from the one table of instructions.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace wf {
namespace {

std::string trimmed(const std::string& s) {
  const size_t first = s.find_first_not_of(" \n");
  const size_t last = s.find_last_not_of(" \n");
  return first == std::string::npos ? "" : s.substr(first, last - first + 1);
}

TEST(VmDoc, InstructionTablesMatchOpcodesDef) {
  const std::string command = "python3 '" WF_SOURCE_DIR "/tools/gen_vm_ops_doc.py'";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string generated;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) generated.append(buffer, n);
  ASSERT_EQ(pclose(pipe), 0) << command;
  ASSERT_NE(generated.find("| `MOVE` |"), std::string::npos) << generated;

  std::ifstream file(WF_SOURCE_DIR "/docs/vm.md");
  ASSERT_TRUE(file) << "docs/vm.md is missing";
  std::stringstream doc;
  doc << file.rdbuf();
  const std::string text = doc.str();
  const std::string begin = "<!-- ops:begin -->", end = "<!-- ops:end -->";
  const size_t from = text.find(begin), to = text.find(end);
  ASSERT_NE(from, std::string::npos);
  ASSERT_NE(to, std::string::npos);
  ASSERT_LT(from, to);
  EXPECT_EQ(trimmed(text.substr(from + begin.size(), to - from - begin.size())), trimmed(generated))
      << "docs/vm.md is out of date: run tools/gen_vm_ops_doc.py --update";
}

}  // namespace
}  // namespace wf
