// The permission matrix of docs/api.md, generated from the route table and the built-in roles: a
// row per endpoint with the permission it needs and which built-in roles hold it. A test keeps the
// document's copy equal to it.
#pragma once

#include <string>

namespace wf::service {

// The matrix as a Markdown table.
std::string permission_matrix_markdown();

}  // namespace wf::service
