#include "support/test_rsa.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "core/base64.hpp"

namespace tcj::testing {

TestRsa::TestRsa() {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, nullptr);
  EVP_PKEY_keygen_init(ctx);
  EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048);
  EVP_PKEY_keygen(ctx, &key_);
  EVP_PKEY_CTX_free(ctx);
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, key_);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  pem_.assign(data, static_cast<std::size_t>(len));
  BIO_free(bio);
}

TestRsa::~TestRsa() { EVP_PKEY_free(key_); }

std::string TestRsa::Jwk(const std::string& kid) const {
  const auto base64url_of = [this](const char* name) {
    BIGNUM* value = nullptr;
    EVP_PKEY_get_bn_param(key_, name, &value);
    std::string bytes(static_cast<std::size_t>(BN_num_bytes(value)), '\0');
    BN_bn2bin(value, reinterpret_cast<unsigned char*>(bytes.data()));
    BN_free(value);
    return core::Base64UrlEncode(bytes);
  };
  return R"({"kty":"RSA","kid":")" + kid + R"(","alg":"RS256","use":"sig","n":")" +
         base64url_of(OSSL_PKEY_PARAM_RSA_N) + R"(","e":")" + base64url_of(OSSL_PKEY_PARAM_RSA_E) + R"("})";
}

std::string TestRsa::Sign(const std::string& header_json, const std::string& claims_json) const {
  const std::string input = core::Base64UrlEncode(header_json) + "." + core::Base64UrlEncode(claims_json);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key_);
  std::size_t len = 0;
  EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size());
  std::string sig(len, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  EVP_MD_CTX_free(ctx);
  return input + "." + core::Base64UrlEncode(sig.substr(0, len));
}

}  // namespace tcj::testing
