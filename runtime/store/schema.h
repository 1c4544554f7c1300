// The service's database schema (SPEC §4): its versioned migrations, applied at start.
#pragma once

#include <span>

#include "runtime/store/migrations.h"

namespace wf::store {

// Every migration of the service's schema, oldest first. Append; never edit one that shipped.
std::span<const Migration> service_migrations();

}  // namespace wf::store
