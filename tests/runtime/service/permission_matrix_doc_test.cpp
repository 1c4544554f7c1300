// docs/api.md's permission matrix is the one the route table makes: what is enforced and what is
// written cannot drift apart.
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "runtime/service/permission_matrix.h"

namespace {

TEST(PermissionMatrixDoc, DocsApiShowsTheMatrixOfTheRouteTable) {
  std::ifstream in(std::string(WF_SOURCE_DIR) + "/docs/api.md");
  ASSERT_TRUE(in) << "docs/api.md";
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  const std::string begin = "<!-- permission matrix: generated from the route table -->\n", end = "<!-- end of the permission matrix -->";
  const size_t from = doc.find(begin), to = doc.find(end);
  ASSERT_NE(from, std::string::npos) << "docs/api.md has no `" << begin << "`";
  ASSERT_NE(to, std::string::npos);
  const std::string written = doc.substr(from + begin.size(), to - from - begin.size());
  EXPECT_EQ(written, wf::service::permission_matrix_markdown())
      << "replace the matrix in docs/api.md with:\n" << wf::service::permission_matrix_markdown();
}

}  // namespace
