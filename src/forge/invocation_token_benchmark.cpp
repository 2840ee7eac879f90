// Forge Invocation Token verifications per second on one core: decode, RS256 with a cached key,
// the claims. make bench; the figure goes in the Forge note.
#include <benchmark/benchmark.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "core/base64.hpp"
#include "forge/invocation_token.hpp"

namespace tcj::forge {
namespace {

constexpr const char* kApp = "ari:cloud:ecosystem::app/6f1c2a1e-6c1b-4c7e-9d8a-0d1f7a6b5c4d";

struct Signer {
  Signer() {
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, nullptr);
    EVP_PKEY_keygen_init(ctx);
    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048);
    EVP_PKEY_keygen(ctx, &key);
    EVP_PKEY_CTX_free(ctx);
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, key);
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    pem.assign(data, static_cast<std::size_t>(size));
    BIO_free(bio);
  }
  ~Signer() { EVP_PKEY_free(key); }
  std::string Sign(const std::string& header, const std::string& claims) const {
    const std::string input = core::Base64UrlEncode(header) + "." + core::Base64UrlEncode(claims);
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key);
    std::size_t len = 0;
    EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size());
    std::string signature(len, '\0');
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &len,
                   reinterpret_cast<const unsigned char*>(input.data()), input.size());
    EVP_MD_CTX_free(ctx);
    return input + "." + core::Base64UrlEncode(signature.substr(0, len));
  }
  EVP_PKEY* key = nullptr;
  std::string pem;
};

void BM_VerifyInvocationToken(benchmark::State& state) {
  const Signer signer;
  const auto key = crypto::RsaPublicKey::FromPem(signer.pem);
  const KeyLookup keys = [&key](const std::string&) -> core::Result<crypto::RsaPublicKey> { return *key; };
  const FitPolicy policy{.app_id = kApp, .api_hosts = {"api.atlassian.com"}};
  const std::int64_t now = 1'800'000'000;
  const std::string cloud = "b3a1c2d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";
  const std::string installation = "ari:cloud:ecosystem::installation/0b9e8f2a-3c4d-4e5f-8a7b-1c2d3e4f5a6b";
  const std::string api = "https://api.atlassian.com/ex/jira/" + cloud;
  const std::string claims =
      std::string(R"({"iss":"forge/invocation-token","aud":")") + kApp + R"(","iat":)" + std::to_string(now) +
      R"(,"nbf":)" + std::to_string(now) + R"(,"exp":)" + std::to_string(now + 25) + R"(,"jti":"j","app":{"id":")" +
      kApp + R"(","installationId":")" + installation + R"(","installation":{"id":")" + installation +
      R"(","contexts":[{"name":"jira","apiBaseUrl":")" + api + R"(","cloudId":")" + cloud + R"("}]},"apiBaseUrl":")" +
      api + R"(","environment":{"type":"PRODUCTION","id":"e"},"module":{"type":"core:endpoint","key":"remote-ui"}},)" +
      R"("context":{"cloudId":")" + cloud + R"(","moduleKey":"tc-admin"},"principal":"557058:f58131cb"})";
  const std::string token = signer.Sign(R"({"alg":"RS256","kid":"forge/invocation-token/1"})", claims);
  const core::TimePoint at{std::chrono::seconds(now)};
  for (auto _ : state) {
    auto invocation = VerifyInvocationToken(token, keys, policy, at);
    if (!invocation) state.SkipWithError(invocation.error().message.c_str());
    benchmark::DoNotOptimize(invocation);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyInvocationToken);

}  // namespace
}  // namespace tcj::forge
