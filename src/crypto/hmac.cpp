#include "crypto/hmac.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <string>

namespace tcj::crypto {
namespace {

class HmacContext {
 public:
  explicit HmacContext(const char* digest_name) {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    ctx_ = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac);
    std::string name(digest_name);
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, name.data(), 0),
                                 OSSL_PARAM_construct_end()};
    EVP_MAC_CTX_set_params(ctx_, params);
  }
  HmacContext(const HmacContext&) = delete;
  HmacContext& operator=(const HmacContext&) = delete;
  ~HmacContext() { EVP_MAC_CTX_free(ctx_); }
  EVP_MAC_CTX* get() const { return ctx_; }

 private:
  EVP_MAC_CTX* ctx_ = nullptr;
};

EVP_MAC_CTX* ContextFor(HmacDigest digest) {
  thread_local HmacContext sha256("SHA256");
  thread_local HmacContext sha512("SHA512");
  return digest == HmacDigest::sha256 ? sha256.get() : sha512.get();
}

}  // namespace

bool Hmac(HmacDigest digest, std::span<const std::uint8_t> key, std::string_view data, std::span<std::uint8_t> out) {
  const std::size_t size = digest == HmacDigest::sha256 ? 32 : 64;
  if (out.size() != size) return false;
  EVP_MAC_CTX* ctx = ContextFor(digest);
  // OpenSSL refuses a null key pointer, even with length 0.
  static const std::uint8_t kEmpty = 0;
  std::size_t written = 0;
  return ctx != nullptr && EVP_MAC_init(ctx, key.empty() ? &kEmpty : key.data(), key.size(), nullptr) == 1 &&
         EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1 &&
         EVP_MAC_final(ctx, out.data(), &written, out.size()) == 1 && written == size;
}

}  // namespace tcj::crypto
