// Test support: an RSA key pair made for a test, and RS256 signing (the service only verifies).
#pragma once

#include <string>

struct evp_pkey_st;

namespace tcj::testing {

class TestRsa {
 public:
  TestRsa();
  ~TestRsa();
  TestRsa(const TestRsa&) = delete;
  TestRsa& operator=(const TestRsa&) = delete;

  // The public key as PEM (SubjectPublicKeyInfo).
  const std::string& pem() const { return pem_; }
  // The public key as a JWK {"kty":"RSA","kid":kid,"alg":"RS256","use":"sig","n":…,"e":…}.
  std::string Jwk(const std::string& kid) const;
  // A compact JWS over the given header and claims JSON, signed RS256.
  std::string Sign(const std::string& header_json, const std::string& claims_json) const;

 private:
  evp_pkey_st* key_ = nullptr;
  std::string pem_;
};

}  // namespace tcj::testing
