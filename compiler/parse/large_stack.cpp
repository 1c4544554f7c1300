// A thread with a large stack for the recursive parse (see large_stack.h).
#include "parse/large_stack.h"

#include <pthread.h>

#include <cstddef>

namespace wf {

void run_on_large_stack(const std::function<void()>& work) {
  constexpr size_t kStackBytes = size_t{512} << 20;
  pthread_attr_t attr;
  pthread_t thread;
  const bool ok = pthread_attr_init(&attr) == 0 && pthread_attr_setstacksize(&attr, kStackBytes) == 0 &&
                  pthread_create(&thread, &attr,
                                 [](void* arg) -> void* {
                                   (*static_cast<const std::function<void()>*>(arg))();
                                   return nullptr;
                                 },
                                 const_cast<std::function<void()>*>(&work)) == 0;
  pthread_attr_destroy(&attr);
  if (ok) pthread_join(thread, nullptr);
  else work();
}

}  // namespace wf
