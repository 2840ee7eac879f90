#include "core/errno_text.hpp"

#include <cstring>

namespace tcj::core {

std::string ErrnoText(int error) {
  char buffer[256];
  // The GNU strerror_r returns either a static string or buffer, terminated either way.
  return ::strerror_r(error, buffer, sizeof buffer);
}

}  // namespace tcj::core
