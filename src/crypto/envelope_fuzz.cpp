// libFuzzer: the ciphertext parser refuses anything malformed without crashing.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "crypto/envelope.hpp"
#include "crypto/keyring.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static tcj::crypto::OsRandom random;
  static const tcj::crypto::Keyring keys = tcj::crypto::Keyring::Generate(random, "kek-2025");
  const std::string_view ciphertext(reinterpret_cast<const char*>(data), size);
  (void)tcj::crypto::KeyIdOf(ciphertext);
  (void)tcj::crypto::Decrypt(keys, {{"tenant", "t"}, {"purpose", "p"}, {"cred", "c"}}, ciphertext);
  return 0;
}
