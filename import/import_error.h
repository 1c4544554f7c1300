// The error of an import that cannot go on: a message naming the step, and an optional note that
// says what to do instead (the refusal of `{{X.password}}` carries one).
#pragma once

#include <string>

namespace wf::legacy {

struct ImportError {
  std::string message;
  std::string note;
};

}  // namespace wf::legacy
