// libFuzzer: the lifecycle payload parser accepts any bytes without crashing.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "connect/lifecycle_payload.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  for (const char* event : {"installed", "uninstalled", "enabled"}) {
    (void)tcj::connect::ParseLifecyclePayload(body, event, "app");
  }
  return 0;
}
