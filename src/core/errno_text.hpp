// core: the system's description of an errno value.
#pragma once

#include <string>

namespace tcj::core {

// What strerror says about error, e.g. "No such file or directory". Safe from any thread, which
// std::strerror is not required to be.
std::string ErrnoText(int error);

}  // namespace tcj::core
