// crypto: compact JWS tokens (JWT) as Atlassian uses them: HS256 signing and verification, RS256
// verification. Parsing is strict and bounded, because tokens arrive from anyone.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace tcj::crypto {

// Tokens larger than this are refused before any decoding.
inline constexpr std::size_t kMaxJwtBytes = 8 * 1024;

struct JwtClaims {
  std::optional<std::string> iss;
  std::optional<std::string> sub;
  std::optional<std::string> qsh;
  std::optional<std::int64_t> iat;
  std::optional<std::int64_t> exp;
  std::optional<std::int64_t> nbf;
  std::vector<std::string> aud;  // a string aud becomes one entry
};

// A token split and decoded, not yet verified: nothing in it may be trusted until a Verify call
// succeeds, except for choosing which key to verify with.
struct DecodedJwt {
  std::string alg;
  std::optional<std::string> kid;
  JwtClaims claims;
  std::string signing_input;  // base64url(header) "." base64url(claims)
  std::string signature;      // raw bytes
  std::string claims_json;    // the decoded claims, for issuers with claims of their own (Forge)
};

// Refuses: more than kMaxJwtBytes, anything but three segments, non-base64url text or padding,
// a header or claims that are not JSON objects, an alg that is not a string, claims of the wrong
// type. The error message names the problem, never the token.
core::Result<DecodedJwt> DecodeJwt(std::string_view token);

// HMAC-SHA256 over the signing input, compared in constant time. Checks alg == "HS256" first.
bool VerifyHs256(const DecodedJwt& jwt, std::string_view secret);

// A token {"typ":"JWT","alg":"HS256"} with the given claims JSON (used as is, so the caller
// controls field order), signed with secret.
std::string SignHs256(std::string_view claims_json, std::string_view secret);

// An RSA public key, parsed from a PEM SubjectPublicKeyInfo. Immutable, thread-safe.
class RsaPublicKey {
 public:
  // Accepts LF and CRLF line endings and a missing final newline; refuses non-RSA keys and keys
  // under 2048 bits.
  static core::Result<RsaPublicKey> FromPem(std::string_view pem);
  // From a JWK's modulus and exponent (base64url, big-endian); the same limits as FromPem.
  static core::Result<RsaPublicKey> FromJwk(std::string_view n, std::string_view e);
  // RSASSA-PKCS1-v1_5 with SHA-256 over the signing input. Checks alg == "RS256" first.
  bool VerifyRs256(const DecodedJwt& jwt) const;

 private:
  struct Impl;
  explicit RsaPublicKey(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace tcj::crypto
