#include "crypto/jwt.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <limits>

#include <nlohmann/json.hpp>

#include "core/base64.hpp"

namespace tcj::crypto {
namespace {

using nlohmann::json;

core::Error Malformed(std::string message) {
  return core::Error::Make(core::ErrorKind::invalid_input, "jwt.malformed", std::move(message));
}

std::optional<std::string> StringClaim(const json& claims, const char* name, bool& ok) {
  const auto it = claims.find(name);
  if (it == claims.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) {
    ok = false;
    return std::nullopt;
  }
  return it->get<std::string>();
}

std::optional<std::int64_t> TimeClaim(const json& claims, const char* name, bool& ok) {
  const auto it = claims.find(name);
  if (it == claims.end() || it->is_null()) return std::nullopt;
  // NumericDate: seconds, possibly fractional; anything else is refused.
  if (it->is_number_integer()) return it->get<std::int64_t>();
  if (it->is_number_float()) {
    const double v = it->get<double>();
    if (v >= -9.2e18 && v <= 9.2e18) return static_cast<std::int64_t>(v);
  }
  ok = false;
  return std::nullopt;
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

}  // namespace

core::Result<DecodedJwt> DecodeJwt(std::string_view token) {
  if (token.size() > kMaxJwtBytes) return Malformed("the token is larger than 8 KiB");
  const auto first = token.find('.');
  const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return Malformed("a token has exactly three dot-separated parts");
  }
  auto header_text = core::Base64UrlDecode(token.substr(0, first));
  auto claims_text = core::Base64UrlDecode(token.substr(first + 1, second - first - 1));
  auto signature = core::Base64UrlDecode(token.substr(second + 1));
  if (!header_text || !claims_text || !signature) return Malformed("a token part is not base64url");
  const json header = json::parse(*header_text, nullptr, false);
  const json claims = json::parse(*claims_text, nullptr, false);
  if (header.is_discarded() || !header.is_object()) return Malformed("the token header is not a JSON object");
  if (claims.is_discarded() || !claims.is_object()) return Malformed("the token claims are not a JSON object");
  const auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string()) return Malformed("the token header has no alg");

  DecodedJwt out;
  out.alg = alg->get<std::string>();
  if (const auto kid = header.find("kid"); kid != header.end()) {
    if (!kid->is_string()) return Malformed("the token header's kid is not a string");
    out.kid = kid->get<std::string>();
  }
  bool ok = true;
  out.claims.iss = StringClaim(claims, "iss", ok);
  out.claims.sub = StringClaim(claims, "sub", ok);
  out.claims.qsh = StringClaim(claims, "qsh", ok);
  out.claims.iat = TimeClaim(claims, "iat", ok);
  out.claims.exp = TimeClaim(claims, "exp", ok);
  out.claims.nbf = TimeClaim(claims, "nbf", ok);
  if (const auto aud = claims.find("aud"); aud != claims.end() && !aud->is_null()) {
    if (aud->is_string()) {
      out.claims.aud.push_back(aud->get<std::string>());
    } else if (aud->is_array()) {
      for (const auto& a : *aud) {
        if (!a.is_string()) ok = false;
        else out.claims.aud.push_back(a.get<std::string>());
      }
    } else {
      ok = false;
    }
  }
  if (!ok) return Malformed("a token claim has the wrong type");
  out.signing_input = std::string(token.substr(0, second));
  out.signature = std::move(*signature);
  return out;
}

bool VerifyHs256(const DecodedJwt& jwt, std::string_view secret) {
  if (jwt.alg != "HS256" || jwt.signature.size() != 32) return false;
  const std::string expected = HmacSha256(secret, jwt.signing_input);
  return CRYPTO_memcmp(expected.data(), jwt.signature.data(), expected.size()) == 0;
}

std::string SignHs256(std::string_view claims_json, std::string_view secret) {
  std::string input = core::Base64UrlEncode(R"({"typ":"JWT","alg":"HS256"})") + "." + core::Base64UrlEncode(claims_json);
  const std::string signature = HmacSha256(secret, input);
  return input + "." + core::Base64UrlEncode(signature);
}

struct RsaPublicKey::Impl {
  ~Impl() { EVP_PKEY_free(key); }
  EVP_PKEY* key = nullptr;
};

core::Result<RsaPublicKey> RsaPublicKey::FromPem(std::string_view pem) {
  if (pem.size() > 16 * 1024) return Malformed("the public key is too large");
  // Normalise line endings: OpenSSL's PEM reader wants \n and a final newline.
  std::string text;
  text.reserve(pem.size() + 1);
  for (char c : pem) {
    if (c != '\r') text.push_back(c);
  }
  if (text.empty() || text.back() != '\n') text.push_back('\n');
  BIO* bio = BIO_new_mem_buf(text.data(), static_cast<int>(text.size()));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (key == nullptr) return Malformed("not a PEM public key");
  auto impl = std::make_shared<Impl>();
  impl->key = key;
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA || EVP_PKEY_get_bits(key) < 2048) {
    return Malformed("not an RSA public key of at least 2048 bits");
  }
  return RsaPublicKey(std::move(impl));
}

bool RsaPublicKey::VerifyRs256(const DecodedJwt& jwt) const {
  if (jwt.alg != "RS256" || jwt.signature.empty()) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      ctx != nullptr && EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, impl_->key) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(jwt.signature.data()), jwt.signature.size(),
                       reinterpret_cast<const unsigned char*>(jwt.signing_input.data()), jwt.signing_input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

}  // namespace tcj::crypto
