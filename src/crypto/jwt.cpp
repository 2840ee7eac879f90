#include "crypto/jwt.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/bn.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/pem.h>

#include <array>
#include <limits>

#include <simdjson.h>

#include "core/base64.hpp"
#include "crypto/hmac.hpp"

namespace tcj::crypto {
namespace {

core::Error Malformed(std::string message) {
  return core::Error::Make(core::ErrorKind::invalid_input, "jwt.malformed", std::move(message));
}

// The JSON of a token is small and arrives on every request: simdjson parses it several times
// faster than nlohmann-json (JWT verifications per second nearly doubled in the benchmark).
simdjson::dom::parser& Parser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

std::optional<std::string> StringClaim(simdjson::dom::object& claims, const char* name, bool& ok) {
  simdjson::dom::element value;
  if (claims[name].get(value) != simdjson::SUCCESS || value.is_null()) return std::nullopt;
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) {
    ok = false;
    return std::nullopt;
  }
  return std::string(text);
}

std::optional<std::int64_t> TimeClaim(simdjson::dom::object& claims, const char* name, bool& ok) {
  simdjson::dom::element value;
  if (claims[name].get(value) != simdjson::SUCCESS || value.is_null()) return std::nullopt;
  // NumericDate: seconds, possibly fractional; anything else is refused.
  std::int64_t whole = 0;
  if (value.get_int64().get(whole) == simdjson::SUCCESS) return whole;
  double fractional = 0;
  if (value.get_double().get(fractional) == simdjson::SUCCESS && fractional >= -9.2e18 && fractional <= 9.2e18) {
    return static_cast<std::int64_t>(fractional);
  }
  ok = false;
  return std::nullopt;
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  std::array<std::uint8_t, 32> out{};
  if (!Hmac(HmacDigest::sha256, {reinterpret_cast<const std::uint8_t*>(key.data()), key.size()}, data, out)) {
    return std::string();  // never equal to a 32-byte signature
  }
  return std::string(reinterpret_cast<const char*>(out.data()), out.size());
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

  DecodedJwt out;
  simdjson::dom::object header;
  if (Parser().parse(*header_text).get_object().get(header) != simdjson::SUCCESS) {
    return Malformed("the token header is not a JSON object");
  }
  std::string_view alg;
  if (header["alg"].get_string().get(alg) != simdjson::SUCCESS) return Malformed("the token header has no alg");
  out.alg = std::string(alg);
  simdjson::dom::element kid;
  if (header["kid"].get(kid) == simdjson::SUCCESS) {
    std::string_view kid_text;
    if (kid.get_string().get(kid_text) != simdjson::SUCCESS) return Malformed("the token header's kid is not a string");
    out.kid = std::string(kid_text);
  }

  simdjson::dom::object claims;  // the header's document is gone from here on: one parser, one document
  if (Parser().parse(*claims_text).get_object().get(claims) != simdjson::SUCCESS) {
    return Malformed("the token claims are not a JSON object");
  }
  bool ok = true;
  out.claims.iss = StringClaim(claims, "iss", ok);
  out.claims.sub = StringClaim(claims, "sub", ok);
  out.claims.qsh = StringClaim(claims, "qsh", ok);
  out.claims.iat = TimeClaim(claims, "iat", ok);
  out.claims.exp = TimeClaim(claims, "exp", ok);
  out.claims.nbf = TimeClaim(claims, "nbf", ok);
  simdjson::dom::element aud;
  if (claims["aud"].get(aud) == simdjson::SUCCESS && !aud.is_null()) {
    std::string_view one;
    simdjson::dom::array many;
    if (aud.get_string().get(one) == simdjson::SUCCESS) {
      out.claims.aud.emplace_back(one);
    } else if (aud.get_array().get(many) == simdjson::SUCCESS) {
      for (simdjson::dom::element a : many) {
        std::string_view text;
        if (a.get_string().get(text) != simdjson::SUCCESS) ok = false;
        else out.claims.aud.emplace_back(text);
      }
    } else {
      ok = false;
    }
  }
  if (!ok) return Malformed("a token claim has the wrong type");
  out.signing_input = std::string(token.substr(0, second));
  out.signature = std::move(*signature);
  out.claims_json = std::move(*claims_text);
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

core::Result<RsaPublicKey> RsaPublicKey::FromJwk(std::string_view n, std::string_view e) {
  if (n.size() > 2048 || e.size() > 16) return Malformed("the JWK's modulus or exponent is too large");
  const auto modulus = core::Base64UrlDecode(n);
  const auto exponent = core::Base64UrlDecode(e);
  if (!modulus || !exponent || modulus->empty() || exponent->empty()) {
    return Malformed("the JWK's modulus or exponent is not base64url");
  }
  const auto bignum = [](const std::string& bytes) {
    return BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()), nullptr);
  };
  BIGNUM* bn_n = bignum(*modulus);
  BIGNUM* bn_e = bignum(*exponent);
  OSSL_PARAM_BLD* builder = OSSL_PARAM_BLD_new();
  OSSL_PARAM* params = nullptr;
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  EVP_PKEY* key = nullptr;
  if (bn_n != nullptr && bn_e != nullptr && builder != nullptr && ctx != nullptr &&
      OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_N, bn_n) == 1 &&
      OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_E, bn_e) == 1 &&
      (params = OSSL_PARAM_BLD_to_param(builder)) != nullptr && EVP_PKEY_fromdata_init(ctx) == 1) {
    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params);
  }
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(builder);
  BN_free(bn_n);
  BN_free(bn_e);
  if (key == nullptr) return Malformed("the JWK is not an RSA public key");
  auto impl = std::make_shared<Impl>();
  impl->key = key;
  if (EVP_PKEY_get_bits(key) < 2048) return Malformed("not an RSA public key of at least 2048 bits");
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
