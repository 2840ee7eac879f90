// Cost of sealing and opening one credential (a URL and a token, about 60 bytes).
#include <benchmark/benchmark.h>

#include "crypto/envelope.hpp"
#include "crypto/keyring.hpp"

namespace tcj::crypto {
namespace {

const EncryptionContext kContext = {{"tenant", "8f14e45f-ceea-467a-9575-5f2a1e7c0b11"},
                                    {"purpose", "teamcity-credential"},
                                    {"cred", "2b1e5c8a-0c7e-4d4e-9d7a-3f0d1b2c4e5f"}};
const std::string kPlaintext = R"({"url":"https://tc.example.com","token":"eyJ0eXAi.example"})";

void BM_Encrypt(benchmark::State& state) {
  OsRandom random;
  const Keyring keys = Keyring::Generate(random, "kek-bench");
  for (auto _ : state) {
    auto sealed = Encrypt(keys, random, kContext, kPlaintext);
    benchmark::DoNotOptimize(sealed);
  }
}
BENCHMARK(BM_Encrypt);

void BM_Decrypt(benchmark::State& state) {
  OsRandom random;
  const Keyring keys = Keyring::Generate(random, "kek-bench");
  const std::string sealed = *Encrypt(keys, random, kContext, kPlaintext);
  for (auto _ : state) {
    auto opened = Decrypt(keys, kContext, sealed);
    benchmark::DoNotOptimize(opened);
  }
}
BENCHMARK(BM_Decrypt);

}  // namespace
}  // namespace tcj::crypto
