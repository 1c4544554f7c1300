// Where in a nested structure a decoder or validator is — `fibers[2].frames[0].pc` — for its error
// messages. A Step marks one level for as long as it lives.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace wf::vm {

class ErrorPath {
 public:
  class Step {
   public:
    Step(ErrorPath& path, std::string_view field) : path_(path), up_(path.top_), field_(field) { path_.top_ = this; }
    Step(ErrorPath& path, size_t index) : path_(path), up_(path.top_), index_(index) { path_.top_ = this; }
    ~Step() { path_.top_ = up_; }
    Step(const Step&) = delete;
    Step& operator=(const Step&) = delete;

   private:
    friend class ErrorPath;
    ErrorPath& path_;
    const Step* up_;
    std::string_view field_;  // empty for an array index
    size_t index_ = 0;
  };

  // The current path (empty at the top level).
  std::string text() const;

 private:
  const Step* top_ = nullptr;
};

}  // namespace wf::vm
