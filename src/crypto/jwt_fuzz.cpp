// libFuzzer: the JWT decoder and both verifiers never crash, whatever arrives.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "crypto/jwt.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view token(reinterpret_cast<const char*>(data), size);
  auto jwt = tcj::crypto::DecodeJwt(token);
  if (jwt.ok()) {
    (void)tcj::crypto::VerifyHs256(*jwt, "fuzz-secret");
  }
  return 0;
}
