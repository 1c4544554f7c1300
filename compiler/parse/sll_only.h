// A scope in which every parse on this thread uses SLL prediction with error recovery in one
// pass, never the second, full LL pass (two_stage.h): what bounds the compile of a service upload,
// whose files may each be small enough for the LL pass but together large. ANTLR-free.
#pragma once

namespace wf {

class SllOnlyScope {
 public:
  SllOnlyScope();
  ~SllOnlyScope();
  SllOnlyScope(const SllOnlyScope&) = delete;
  SllOnlyScope& operator=(const SllOnlyScope&) = delete;

  // Whether a scope is open on this thread.
  static bool active();

 private:
  bool outer_;
};

}  // namespace wf
