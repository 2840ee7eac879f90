// libFuzzer: the Forge Invocation Token path never crashes, whatever arrives: the whole verifier
// (which refuses every input: no input carries a signature of an unknown key), and the claims
// checks on everything that decodes, as if its signature had verified.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "forge/invocation_token.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tcj;
  static const forge::FitPolicy policy{.app_id = "ari:cloud:ecosystem::app/fuzz", .api_hosts = {"api.atlassian.com"}};
  static const forge::KeyLookup keys = [](const std::string&) -> core::Result<crypto::RsaPublicKey> {
    return core::Error::Make(core::ErrorKind::not_found, "forge.unknown_kid", "unknown");
  };
  const core::TimePoint now(std::chrono::seconds(1'800'000'000));
  const std::string_view token(reinterpret_cast<const char*>(data), size);
  (void)forge::VerifyInvocationToken(token, keys, policy, now);
  if (auto jwt = crypto::DecodeJwt(token)) (void)forge::ReadInvocation(*jwt, policy, now);
  return 0;
}
