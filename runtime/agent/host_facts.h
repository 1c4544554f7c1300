// What the agent tells the service about its host when it registers: name, address, system.
#pragma once

#include <string>

namespace wf::agent {

// gethostname(), or "localhost" when it fails.
std::string local_hostname();
// The first IPv4 address of an interface that is up and not a loopback, else "127.0.0.1".
std::string primary_ipv4();
// uname's system name in lower case ("linux").
std::string os_name();

}  // namespace wf::agent
