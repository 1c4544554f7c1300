// Running a piece of work on a thread with a large stack: ANTLR's parser recurses once per
// nesting level of the grammar (an `else if` chain, a nested type), so both the parser driver and
// the formatter's token stream parse there. Internal to compiler/parse.
#pragma once

#include <functional>

namespace wf {

// Runs `work` on a thread with a 512 MiB stack (reserved, touched only as needed) and waits for
// it; if no thread can be had, runs it here, as deep as this stack allows.
void run_on_large_stack(const std::function<void()>& work);

}  // namespace wf
