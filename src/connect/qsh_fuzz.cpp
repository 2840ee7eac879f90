// libFuzzer: the qsh canonicaliser and the lifecycle payload parser accept any bytes without
// crashing. The input is split into method, path, query and body at the first three NULs.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "connect/lifecycle_payload.hpp"
#include "connect/qsh.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string_view parts[4];
  for (auto& part : parts) {
    const auto nul = in.find('\0');
    part = in.substr(0, nul);
    in = nul == std::string_view::npos ? std::string_view{} : in.substr(nul + 1);
  }
  for (auto form : {tcj::connect::PathForm::decoded, tcj::connect::PathForm::as_sent}) {
    (void)tcj::connect::QueryStringHash(parts[0], parts[1], parts[2], "/base", form);
  }
  (void)tcj::connect::ParseLifecyclePayload(parts[3], "installed", "app");
  return 0;
}
