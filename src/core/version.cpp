// Alone in its file on purpose: an executable that links an object file of its own defining
// Version() (tests/upgrade) keeps the linker from ever taking this one out of the library.
#include "core/version.hpp"

namespace tcj::core {

const char* Version() {
  return kReleaseVersion;
}

}  // namespace tcj::core
