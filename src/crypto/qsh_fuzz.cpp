// libFuzzer: the qsh canonicaliser accepts any bytes without crashing. The input is split into
// method, path and query at the first two NULs.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "crypto/qsh.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string_view parts[3];
  for (auto& part : parts) {
    const auto nul = in.find('\0');
    part = in.substr(0, nul);
    in = nul == std::string_view::npos ? std::string_view{} : in.substr(nul + 1);
  }
  for (auto form : {tcj::crypto::PathForm::decoded, tcj::crypto::PathForm::as_sent}) {
    (void)tcj::crypto::QueryStringHash(parts[0], parts[1], parts[2], "/base", form);
  }
  return 0;
}
